// Suggestions on the annotate page: what the rules propose (annotator/suggestions/), drawn
// apart from the reviewer's spans (a dashed outline) and listed in the side panel. None is the
// reviewer's until accepted: `a` accepts the current one (it becomes a span, through the save
// queue), `x` rejects it, `n` goes to the next. Offsets are code points, as the spans'.

import { textSlice } from "../shared/offsets.js";

// Quotation marks that open a quotation, in the languages the cue lexicon knows.
const OPENING_QUOTE = /^["“„«‹‘'»›]/u;

export class Suggestions {
  /** `list`: [{id, paragraph, start, end, label, attributes, rule}] in reading order. */
  constructor(list) {
    this.items = new Map();
    this.replace(list);
    this.currentId = null;
  }

  replace(list) {
    this.items = new Map((list || []).map((s) => [s.id, s]));
    if (this.currentId && !this.items.has(this.currentId)) this.currentId = null;
  }

  get size() { return this.items.size; }

  get(id) { return this.items.get(id) || null; }

  /** The suggestions in a paragraph, by start. */
  inParagraph(p) {
    return [...this.items.values()].filter((s) => s.paragraph === p)
      .sort((a, b) => a.start - b.start || b.end - a.end);
  }

  ordered() {
    return [...this.items.values()].sort((a, b) => a.paragraph - b.paragraph
      || a.start - b.start || b.end - a.end);
  }

  /** Take a suggestion away (accepted or rejected); returns it. */
  remove(id) {
    const s = this.items.get(id) || null;
    this.items.delete(id);
    if (this.currentId === id) this.currentId = null;
    return s;
  }

  /** The current suggestion: the one chosen, else the first of paragraph `p`. */
  current(p) {
    const chosen = this.currentId && this.items.get(this.currentId);
    if (chosen) return chosen;
    return this.inParagraph(p)[0] || null;
  }

  /** The next suggestion after the current one (or after paragraph `p`'s start), in reading
   *  order, round to the first after the last. */
  next(p) {
    const all = this.ordered();
    if (!all.length) return null;
    const from = this.currentId && this.items.get(this.currentId);
    const after = from
      ? all.findIndex((s) => s.id === from.id) + 1
      : all.findIndex((s) => s.paragraph >= p);
    const next = all[(after < 0 ? 0 : after) % all.length];
    this.currentId = next.id;
    return next;
  }
}

/**
 * Fill the side panel's list with paragraph `p`'s suggestions: their label, text and rule,
 * with Accept and Reject buttons (`onAccept(id)`, `onReject(id)`, `onChoose(id)`).
 */
export function renderSuggestionList(listEl, emptyEl, countEl, suggestions, p, labels, text,
  { onAccept, onReject, onChoose }) {
  if (!listEl) return;
  const current = suggestions.current(p);
  const items = suggestions.inParagraph(p).map((s) => {
    const label = labels.get(s.label);
    const li = document.createElement("li");
    li.className = "suggestion-item";
    li.dataset.suggestionId = s.id;
    li.dataset.label = s.label;
    if (current && current.id === s.id) li.setAttribute("aria-current", "true");
    const choose = document.createElement("button");
    choose.type = "button";
    choose.className = "suggestion-choose";
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.setAttribute("aria-hidden", "true");
    const name = document.createElement("span");
    name.className = "span-label";
    name.textContent = label ? label.name : s.label;
    const passage = document.createElement("span");
    passage.className = "span-text";
    const words = textSlice(text, s.start, s.end);
    const shown = words.length > 90 ? `${words.slice(0, 89)}…` : words;
    // a passage that opens with a quotation mark (a quotation suggested) is shown as it is,
    // others between quotation marks
    passage.textContent = OPENING_QUOTE.test(words) ? shown : `“${shown}”`;
    const rule = document.createElement("span");
    rule.className = "suggestion-rule";
    rule.textContent = s.rule;
    choose.append(swatch, name, passage, rule);
    choose.addEventListener("click", () => onChoose(s.id));
    const labelName = label ? label.name : s.label;
    const actions = document.createElement("span");
    actions.className = "suggestion-actions";
    actions.append(actionButton("Accept", "small", `Accept the ${labelName} suggestion`,
      () => onAccept(s.id)),
    actionButton("Reject", "small ghost", `Reject the ${labelName} suggestion`,
      () => onReject(s.id)));
    li.append(choose, actions);
    return li;
  });
  listEl.replaceChildren(...items);
  emptyEl.hidden = items.length > 0;
  countEl.textContent = suggestions.size ? `${suggestions.size} left` : "none left";
}

function actionButton(text, className, ariaLabel, onClick) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = className;
  button.dataset.action = text.toLowerCase();
  button.textContent = text;
  button.setAttribute("aria-label", ariaLabel);
  button.addEventListener("click", onClick);
  return button;
}
