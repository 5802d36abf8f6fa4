// Drawing one row of a paragraph: the text cut at every span boundary, each piece in a <mark>
// coloured by the innermost span covering it (the label colours come from the project's
// codebook.css through [data-label]). The text content never changes: offsets stay valid.

import { textIndex } from "../shared/offsets.js";

const KIND_ORDER = { edit: 0, gold: 1, offer: 2, reviewer: 3 };

function inner(a, b) {
  return (a.end - a.start) - (b.end - b.start) || KIND_ORDER[a.kind] - KIND_ORDER[b.kind]
    || a.start - b.start;
}

/**
 * Fill `el` with `text` and marks for `items`: [{key, start, end (code points), label, kind,
 * classes?, title}]. A piece covered by several items shows the innermost and says so.
 */
export function renderText(el, text, items) {
  if (!items.length) {
    if (el.childNodes.length !== 1 || el.textContent !== text) el.textContent = text;
    return;
  }
  const index = textIndex(text);
  const spans = items.map((it) => ({ ...it, s16: index.toU16(it.start), e16: index.toU16(it.end) }))
    .filter((s) => s.s16 < s.e16);
  const cuts = new Set([0, text.length]);
  for (const s of spans) {
    cuts.add(s.s16);
    cuts.add(s.e16);
  }
  const points = [...cuts].sort((a, b) => a - b);
  const frag = document.createDocumentFragment();
  for (let i = 0; i + 1 < points.length; i += 1) {
    const a = points[i];
    const b = points[i + 1];
    const piece = text.slice(a, b);
    const cover = spans.filter((s) => s.s16 <= a && b <= s.e16);
    if (!cover.length) {
      frag.append(piece);
      continue;
    }
    cover.sort(inner);
    const top = cover[0];
    const mark = document.createElement("mark");
    mark.className = `hl kind-${top.kind}`;
    for (const c of top.classes || []) mark.classList.add(c);
    if (cover.length > 1) mark.classList.add("multi");
    if (top.s16 === a) mark.classList.add("starts");
    if (top.e16 === b) mark.classList.add("ends");
    mark.dataset.label = top.label;
    mark.dataset.key = top.key;
    mark.dataset.keys = cover.map((c) => c.key).join(" ");
    mark.title = cover.map((c) => c.title).filter(Boolean).join("\n");
    mark.textContent = piece;
    frag.append(mark);
  }
  el.replaceChildren(frag);
}
