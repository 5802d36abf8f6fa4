// Highlights, for every page that draws spans over a paragraph (annotate, adjudicate): the
// paragraph's text is cut at every span boundary; each piece is wrapped in the marks of the
// spans that cover it, outermost first (earlier start, then longer span). Marks stay open
// across pieces while the same spans continue, so a span nested in another is one element
// inside the other's; only spans that cross each other are split in several marks (all
// carrying the span's key). The text content of the paragraph never changes.
//
// A mark that holds other marks gets `lvl-N` (N: how many levels of marks it holds, at most
// 4): static/css/shared.css makes it grow downwards by as many bands, so that the underline of
// every label stays visible below the ones inside it, each in its own colour.

const MAX_LEVEL = 4;

function order(a, b) {
  return a.s16 - b.s16 || b.e16 - a.e16 || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

function makeMark(span) {
  const mark = document.createElement("mark");
  mark.className = "ann";
  for (const c of span.classes || []) if (c) mark.classList.add(c);
  mark.dataset.label = span.label;
  if (span.suggestion) {
    // a rule's suggestion (the annotate page): nobody's span, so no key that `spansAt`
    // finds and no annotation id
    mark.dataset.suggestionId = span.key;
    return mark;
  }
  mark.dataset.key = span.key;
  if (span.id != null) mark.dataset.annotationId = String(span.id);
  if (span.title) mark.title = span.title;
  return mark;
}

/**
 * Fill `textEl` with `text` and the highlights of `spans` ([{key, label, s16, e16, id?,
 * classes?, title?, suggestion?}], UTF-16 offsets; `id` becomes data-annotation-id, `classes`
 * more classes of each of the span's marks, `title` their tooltip; a `suggestion`'s key
 * becomes data-suggestion-id instead of data-key). The span whose key is `activeKey` is
 * marked `is-active`. Builds the whole paragraph in a fragment and swaps it in with one DOM
 * operation.
 */
export function renderParagraph(textEl, text, spans, activeKey = null) {
  if (!spans.length) {
    if (textEl.childNodes.length !== 1 || textEl.firstChild.nodeType !== Node.TEXT_NODE
        || textEl.firstChild.data !== text) {
      textEl.textContent = text;
    }
    return;
  }
  const sorted = spans.filter((s) => s.s16 < s.e16).sort(order);
  const cuts = new Set([0, text.length]);
  for (const s of sorted) {
    cuts.add(s.s16);
    cuts.add(s.e16);
  }
  const points = [...cuts].filter((c) => c >= 0 && c <= text.length).sort((x, y) => x - y);
  const frag = document.createDocumentFragment();
  const stack = []; // [{span, el, level}]
  const finish = (entry) => {
    entry.el.classList.add(`lvl-${Math.min(entry.level, MAX_LEVEL)}`);
    if (entry.span.key === activeKey) entry.el.classList.add("is-active");
  };
  let first = 0; // spans before this index in `sorted` end before the current piece
  for (let i = 0; i + 1 < points.length; i += 1) {
    const p = points[i];
    const q = points[i + 1];
    while (first < sorted.length && sorted[first].e16 <= p) first += 1;
    const covering = [];
    for (let j = first; j < sorted.length && sorted[j].s16 <= p; j += 1) {
      if (sorted[j].e16 >= q) covering.push(sorted[j]);
    }
    let k = 0;
    while (k < stack.length && k < covering.length && stack[k].span === covering[k]) k += 1;
    while (stack.length > k) finish(stack.pop());
    for (let j = k; j < covering.length; j += 1) {
      const el = makeMark(covering[j]);
      (stack.length ? stack[stack.length - 1].el : frag).appendChild(el);
      // Every open mark now holds one more level inside it.
      for (let d = 0; d < stack.length; d += 1) {
        stack[d].level = Math.max(stack[d].level, stack.length - d);
      }
      stack.push({ span: covering[j], el, level: 0 });
    }
    const parent = stack.length ? stack[stack.length - 1].el : frag;
    parent.appendChild(document.createTextNode(text.slice(p, q)));
  }
  while (stack.length) finish(stack.pop());
  textEl.replaceChildren(frag);
}

/** The keys of the spans whose marks contain `node`, innermost first. */
export function spansAt(node, textEl) {
  const keys = [];
  let el = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
  while (el && el !== textEl) {
    if (el.tagName === "MARK" && el.dataset.key && !keys.includes(el.dataset.key)) {
      keys.push(el.dataset.key);
    }
    el = el.parentElement;
  }
  return keys;
}

/** The marks of the span `key` in `textEl`. */
export function marksOf(textEl, key) {
  return textEl.querySelectorAll(`mark[data-key="${CSS.escape(key)}"]`);
}
