// Offsets: the server counts Unicode code points (as Python indexes a str), the DOM counts
// UTF-16 code units. A TextIndex converts both ways for one paragraph; without characters
// outside the Basic Multilingual Plane (most paragraphs) both counts are the same. Also here:
// a selection snapped to whole characters and words, and DOM points <-> UTF-16 positions.

import { isSpace, isWordChar, tokenRanges } from "./tokens.js";

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

const indexes = new Map();

/** The TextIndex of a paragraph text (kept: paragraph texts never change). */
export function textIndex(text) {
  let index = indexes.get(text);
  if (!index) {
    index = new TextIndex(text);
    indexes.set(text, index);
  }
  return index;
}

/** text[start:end] as Python has it: start and end in code points. */
export function textSlice(text, start, end) {
  const index = textIndex(text);
  return text.slice(index.toU16(start), index.toU16(end));
}

const hasSegmenter = typeof Intl !== "undefined" && typeof Intl.Segmenter === "function";
const wordSegmenter = hasSegmenter ? new Intl.Segmenter(undefined, { granularity: "word" }) : null;
const graphemeSegmenter = hasSegmenter
  ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null;
const MARK = /^\p{M}$/u;

/**
 * The word containing UTF-16 position u (the character starting at u), or null: a word as
 * the browser's Intl.Segmenter finds it for people (in alphabetic scripts a run of whole
 * tokens, e.g. "don't", "U.S"; in Chinese or Thai a dictionary word); without it, a token of
 * the server's rule (./tokens.js).
 */
function wordAt(text, u) {
  if (u < 0 || u >= text.length) return null;
  if (wordSegmenter) {
    const seg = wordSegmenter.segment(text).containing(u);
    if (!seg || !seg.isWordLike) return null;
    return [seg.index, seg.index + seg.segment.length];
  }
  if (!isWordChar(String.fromCodePoint(text.codePointAt(u)))) return null;
  return tokenRanges(text).find(([a, b]) => a <= u && u < b) || null;
}

/** Grapheme cluster boundaries: a span never cuts a base letter from its accent or an emoji. */
function graphemeStart(text, u) {
  if (u <= 0 || u >= text.length) return Math.max(0, Math.min(u, text.length));
  if (graphemeSegmenter) return graphemeSegmenter.segment(text).containing(u).index;
  if (isLow(text.charCodeAt(u)) && isHigh(text.charCodeAt(u - 1))) u -= 1;
  while (u > 0 && MARK.test(text[u])) u -= 1;
  return u;
}

function graphemeEnd(text, u) {
  if (u <= 0 || u >= text.length) return Math.max(0, Math.min(u, text.length));
  if (graphemeSegmenter) {
    const seg = graphemeSegmenter.segment(text).containing(u - 1);
    return seg.index + seg.segment.length;
  }
  if (isLow(text.charCodeAt(u)) && isHigh(text.charCodeAt(u - 1))) u += 1;
  while (u < text.length && MARK.test(text[u])) u += 1;
  return u;
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
  while (a < b && isSpace(text[a])) a += 1;
  while (b > a && isSpace(text[b - 1])) b -= 1;
  return a < b ? [a, b] : null;
}

/** A selection [a, b) (UTF-16) of a paragraph as snapSelection has it, in code points:
 *  {start, end}, or null when nothing but white space is left. */
export function selectionOffsets(text, a, b, words) {
  const snapped = snapSelection(text, a, b, words);
  if (!snapped) return null;
  const index = textIndex(text);
  return { start: index.toCp(snapped[0], "before"), end: index.toCp(snapped[1], "after") };
}

/** Stops for moving a selection by keyboard: every word and every mark between words (the
 *  segments that are not white space; without Intl.Segmenter, the tokens). */
export function wordStops(text) {
  if (!wordSegmenter) return tokenRanges(text);
  const stops = [];
  for (const seg of wordSegmenter.segment(text)) {
    if (![...seg.segment].every(isSpace)) stops.push([seg.index, seg.index + seg.segment.length]);
  }
  return stops;
}

/** The UTF-16 position of a DOM point (node, offset) inside `el`, counted over its text. */
export function offsetIn(el, node, offset) {
  const range = document.createRange();
  range.setStart(el, 0);
  range.setEnd(node, offset);
  return range.toString().length;
}

/** The DOM point (text node, offset) of UTF-16 position `u` inside `el`. */
export function domPoint(el, u) {
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  let node = walker.nextNode();
  let last = null;
  while (node) {
    if (u <= node.data.length) return [node, u];
    u -= node.data.length;
    last = node;
    node = walker.nextNode();
  }
  return last ? [last, last.data.length] : [el, 0];
}
