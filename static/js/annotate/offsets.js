// Offsets: the server counts Unicode code points (as Python indexes a str), the DOM counts
// UTF-16 code units. A TextIndex converts both ways for one paragraph; without characters
// outside the Basic Multilingual Plane (most paragraphs) both counts are the same.

const SURROGATE = /[\uD800-\uDFFF]/;
const isHigh = (code) => code >= 0xd800 && code <= 0xdbff;
const isLow = (code) => code >= 0xdc00 && code <= 0xdfff;

export class TextIndex {
  constructor(text) {
    this.text = text;
    this.length16 = text.length;
    if (!SURROGATE.test(text)) {
      this.simple = true;
      this.lengthCp = text.length;
      return;
    }
    this.simple = false;
    const toU16 = [];
    // u16 position -> code point index; a position inside a pair maps to -1.
    const toCp = new Int32Array(text.length + 1).fill(-1);
    let u = 0;
    while (u < text.length) {
      toCp[u] = toU16.length;
      toU16.push(u);
      u += isHigh(text.charCodeAt(u)) && u + 1 < text.length
        && isLow(text.charCodeAt(u + 1)) ? 2 : 1;
    }
    toCp[text.length] = toU16.length;
    toU16.push(text.length);
    this.toU16Map = Uint32Array.from(toU16);
    this.toCpMap = toCp;
    this.lengthCp = toU16.length - 1;
  }

  /** UTF-16 position of a code-point offset. */
  toU16(cp) {
    if (this.simple) return cp;
    return this.toU16Map[Math.max(0, Math.min(cp, this.lengthCp))];
  }

  /** Code-point offset of a UTF-16 position; inside a surrogate pair, 'before' or 'after' it. */
  toCp(u16, side = "before") {
    if (this.simple) return u16;
    u16 = Math.max(0, Math.min(u16, this.length16));
    let cp = this.toCpMap[u16];
    if (cp === -1) cp = this.toCpMap[u16 - 1] + (side === "after" ? 1 : 0);
    return cp;
  }
}

const hasSegmenter = typeof Intl !== "undefined" && typeof Intl.Segmenter === "function";
const wordSegmenter = hasSegmenter ? new Intl.Segmenter(undefined, { granularity: "word" }) : null;
const graphemeSegmenter = hasSegmenter
  ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null;
const WORD_CHAR = /[\p{L}\p{M}\p{N}\p{Pc}]/u;
const SPACE = /\s/u;

/** The word containing UTF-16 position u (the character starting at u), or null. */
function wordAt(text, u) {
  if (u < 0 || u >= text.length) return null;
  if (wordSegmenter) {
    const seg = wordSegmenter.segment(text).containing(u);
    if (!seg || !seg.isWordLike) return null;
    return [seg.index, seg.index + seg.segment.length];
  }
  if (!WORD_CHAR.test(text[u])) return null;
  let a = u;
  let b = u + 1;
  while (a > 0 && WORD_CHAR.test(text[a - 1])) a -= 1;
  while (b < text.length && WORD_CHAR.test(text[b])) b += 1;
  return [a, b];
}

/** Grapheme cluster boundaries: a span never cuts a base letter from its accent or an emoji. */
function graphemeStart(text, u) {
  if (u <= 0 || u >= text.length) return Math.max(0, Math.min(u, text.length));
  if (graphemeSegmenter) return graphemeSegmenter.segment(text).containing(u).index;
  return isLow(text.charCodeAt(u)) && isHigh(text.charCodeAt(u - 1)) ? u - 1 : u;
}

function graphemeEnd(text, u) {
  if (u <= 0 || u >= text.length) return Math.max(0, Math.min(u, text.length));
  if (graphemeSegmenter) {
    const seg = graphemeSegmenter.segment(text).containing(u - 1);
    return seg.index + seg.segment.length;
  }
  return isLow(text.charCodeAt(u)) && isHigh(text.charCodeAt(u - 1)) ? u + 1 : u;
}

/**
 * Adjust a selection [a, b) (UTF-16) of a paragraph: whole grapheme clusters always, whole
 * words when `words`, no white space at either end. Returns [a, b] or null when empty.
 */
export function snapSelection(text, a, b, words) {
  a = graphemeStart(text, a);
  b = graphemeEnd(text, b);
  if (words && a < b) {
    const first = wordAt(text, a);
    if (first && first[0] < a) a = first[0];
    const last = wordAt(text, b - 1);
    if (last && last[1] > b) b = last[1];
  }
  while (a < b && SPACE.test(text[a])) a += 1;
  while (b > a && SPACE.test(text[b - 1])) b -= 1;
  return a < b ? [a, b] : null;
}

/** Stops for moving a selection by keyboard: every run that is not white space. */
export function wordStops(text) {
  const stops = [];
  if (wordSegmenter) {
    for (const seg of wordSegmenter.segment(text)) {
      if (!/^\s+$/u.test(seg.segment)) stops.push([seg.index, seg.index + seg.segment.length]);
    }
    return stops;
  }
  const re = /\S+/gu;
  let m;
  while ((m = re.exec(text)) !== null) stops.push([m.index, m.index + m[0].length]);
  return stops;
}
