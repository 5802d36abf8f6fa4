// The gold span editor: the shared span editor (shared/editor.js) with what adjudication
// adds: the provenance, the bounds (nudged by a token, or by a character with Shift, or taken
// from a selection in the gold row), and a draft that Save sends (only what changed) and
// Revert drops; Delete asks once more.

import { sameAttributes } from "../shared/attributes.js";
import { el } from "../shared/dom.js";
import { SpanEditor } from "../shared/editor.js";
import { textIndex, textSlice } from "../shared/offsets.js";
import { tokens } from "../shared/tokens.js";

/** "unanimous", "majority", "adjudicated by NAME" or the stored text. */
export function provenance(value) {
  if (value === "unanimous") return { kind: "unanimous", text: "unanimous" };
  if (value === "majority") return { kind: "majority", text: "majority" };
  const m = /^adjudicated:(.+)$/.exec(value || "");
  if (m) return { kind: "adjudicated", text: `adjudicated by ${m[1]}` };
  return { kind: "other", text: value || "no provenance" };
}

export function provenanceBadge(value) {
  const p = provenance(value);
  return el("span", { class: `prov prov-${p.kind}`, text: p.text });
}

export class GoldEditor extends SpanEditor {
  /**
   * The options of SpanEditor, and
   * @param {(span, body) => void} o.onSave  Save pressed: body holds the fields that changed
   * @param {(span, draft) => void} o.onDraft  the draft's bounds or label changed (redraw)
   * @param {() => object|null} o.selection  the selection {paragraph, start, end}, if any
   */
  constructor(root, { onSave, onDraft, selection, ...options }) {
    super(root, { ...options, confirmDelete: true, notePlaceholder: "Why this decision (optional)" });
    Object.assign(this, { onSave, onDraft, selection });
  }

  get dirty() {
    if (!this.span) return false;
    const s = this.span;
    const d = this.draft;
    return s.start !== d.start || s.end !== d.end || s.label !== d.label
      || (s.note || "") !== d.note || !sameAttributes(s.attributes, d.attributes);
  }

  changed(fields) {
    Object.assign(this.draft, fields);
    this.updateButtons();
  }

  title(label) {
    return [`${label ? label.name : this.draft.label} gold span`];
  }

  intro() {
    const d = this.draft;
    const nudge = (edge, delta, name) => el("button", {
      type: "button", class: "nudge act", "data-nudge": `${edge}:${delta}`,
      "aria-label": name, title: `${name} (Shift: one character)`,
      onclick: (event) => this.nudge(edge, delta, event.shiftKey),
    }, delta < 0 ? "◀" : "▶");
    const bounds = el("fieldset", { class: "field bounds" },
      el("legend", { text: "Bounds" }),
      el("div", { class: "nudges" },
        el("span", { class: "nudge-name", text: "Start" }),
        nudge("start", -1, "Move the start one word earlier"),
        el("output", { id: "ed-start", class: "offset", "data-field": "start", text: String(d.start) }),
        nudge("start", 1, "Move the start one word later"),
        el("span", { class: "nudge-name", text: "End" }),
        nudge("end", -1, "Move the end one word earlier"),
        el("output", { id: "ed-end", class: "offset", "data-field": "end", text: String(d.end) }),
        nudge("end", 1, "Move the end one word later")),
      el("button", {
        type: "button", class: "small act", id: "ed-use-selection",
        onclick: () => this.useSelection(),
      }, "Use the selected text"),
      el("p", { class: "field-hint", text: "◀ ▶ move by a word or punctuation mark, with Shift by one character; or select new text in the Gold row." }),
      el("p", { class: "sr-only bounds-live", "aria-live": "polite" }));
    return [el("p", { class: "editor-prov" }, "Provenance: ", provenanceBadge(this.span.provenance)),
      this.quote(), bounds];
  }

  buttons() {
    return [
      el("button", { type: "button", class: "primary act", id: "ed-save", onclick: () => this.save() }, "Save"),
      el("button", { type: "button", class: "act", id: "ed-revert", onclick: () => this.revert() }, "Revert"),
    ];
  }

  built() {
    this.updateButtons();
    this.onDraft(this.span, this.draft);
  }

  updateButtons() {
    if (!this.isOpen) return;
    const dirty = this.dirty;
    for (const id of ["ed-save", "ed-revert"]) {
      const button = this.root.querySelector(`#${id}`);
      if (button) button.disabled = this.busy || !dirty;
    }
    this.root.classList.toggle("is-dirty", dirty);
    this.selectionChanged();
  }

  /** A selection in the gold row changed: can it become the bounds? */
  selectionChanged() {
    if (!this.isOpen) return;
    const button = this.root.querySelector("#ed-use-selection");
    const sel = this.selection();
    const usable = sel && sel.paragraph === this.span.paragraph;
    button.disabled = !usable;
    button.title = usable ? "" : "Select text in this paragraph’s Gold row first";
  }

  nudge(edge, delta, byCharacter) {
    const text = this.text(this.span.paragraph);
    const length = textIndex(text).lengthCp;
    const d = this.draft;
    let { start, end } = d;
    if (byCharacter) {
      if (edge === "start") start += delta; else end += delta;
    } else {
      const toks = tokens(text);
      const pick = (values, better) => values.reduce((best, v) => (best === null || better(v, best) ? v : best), null);
      let moved = null;
      if (edge === "start") {
        const starts = toks.map((t) => t[0]);
        moved = delta < 0
          ? pick(starts.filter((v) => v < start), (v, b) => v > b)
          : pick(starts.filter((v) => v > start && v < end), (v, b) => v < b);
        if (moved !== null) start = moved;
      } else {
        const ends = toks.map((t) => t[1]);
        moved = delta < 0
          ? pick(ends.filter((v) => v < end && v > start), (v, b) => v > b)
          : pick(ends.filter((v) => v > end), (v, b) => v < b);
        if (moved !== null) end = moved;
      }
      if (moved === null) {
        this.showError(`The ${edge} cannot move further that way by a word; hold Shift to move by one character.`);
        return;
      }
    }
    start = Math.max(0, start);
    end = Math.min(length, end);
    if (start >= end) {
      this.showError("A span needs at least one character: the start must stay before the end.");
      return;
    }
    d.start = start;
    d.end = end;
    this.rebuild(null);
    const button = this.root.querySelector(`[data-nudge="${edge}:${delta}"]`);
    if (button) button.focus();
    const live = this.root.querySelector(".bounds-live");
    if (live) live.textContent = `${edge === "start" ? "Start" : "End"} now ${edge === "start" ? start : end}: “${textSlice(text, start, end)}”`;
  }

  useSelection() {
    const sel = this.selection();
    if (!sel || sel.paragraph !== this.span.paragraph) return;
    this.draft.start = sel.start;
    this.draft.end = sel.end;
    this.rebuild("ed-use-selection");
  }

  revert() {
    this.reset("ed-label");
  }

  save() {
    if (!this.dirty || this.busy) return;
    const s = this.span;
    const d = this.draft;
    const body = {};
    if (d.start !== s.start) body.start = d.start;
    if (d.end !== s.end) body.end = d.end;
    if (d.label !== s.label) body.label = d.label;
    if (d.label !== s.label || !sameAttributes(d.attributes, s.attributes)) body.attributes = d.attributes;
    if (d.note !== (s.note || "")) body.note = d.note;
    this.onSave(s, body);
  }
}
