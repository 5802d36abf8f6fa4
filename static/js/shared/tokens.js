// The token rule of annotator/tokens.py, written once for the browser: a token is a run of
// word characters or one character that is neither a word character nor white space
// (Python's r"\w+|[^\w\s]"). Python's \w is str.isalnum() or "_": exactly [\p{L}\p{N}_] for
// every character of its Unicode database; its \s is str.isspace(), which JavaScript's \s is
// not quite (it adds U+FEFF and lacks U+001C-U+001F and U+0085), so it is spelled out here.
// tests/browser/test_tokens_browser.py checks both sides on the same texts.

const WORD = "\\p{L}\\p{N}_";
const SPACE = "\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const TOKEN = new RegExp(`[${WORD}]+|[^${WORD}${SPACE}]`, "gu");
const WORD_CHAR = new RegExp(`^[${WORD}]$`, "u");
const SPACE_CHAR = new RegExp(`^[${SPACE}]$`, "u");

/** Whether a character (one code point) is a word character of the token rule. */
export const isWordChar = (ch) => WORD_CHAR.test(ch);

/** Whether a character is white space as Python's str.isspace() has it. */
export const isSpace = (ch) => SPACE_CHAR.test(ch);

/** The [start, end) UTF-16 positions of every token of a text, in order. */
export function tokenRanges(text) {
  return Array.from(text.matchAll(TOKEN), (m) => [m.index, m.index + m[0].length]);
}

/** The [start, end) code-point offsets of every token of a text, in order: Python's
 *  annotator.tokens.tokens(text). */
export function tokens(text) {
  const out = [];
  let u = 0; // UTF-16 position reached
  let cp = 0; // its code-point offset
  const reach = (target) => {
    while (u < target) {
      const code = text.codePointAt(u);
      u += code > 0xffff ? 2 : 1;
      cp += 1;
    }
    return cp;
  };
  for (const [a, b] of tokenRanges(text)) out.push([reach(a), reach(b)]);
  return out;
}
