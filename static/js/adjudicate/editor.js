// The gold span editor: the shared span editor (shared/editor.js), whose every change saves
// itself through the page's queue as a reviewer's does on the annotate page, with what
// adjudication adds: the provenance, and bounds that may also be taken from a selection in
// the gold row. Delete asks once more.

import { el } from "../shared/dom.js";
import { SpanEditor } from "../shared/editor.js";

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
   * The options of SpanEditor (`onChange` saves each change), and
   * @param {() => object|null} o.selection  the selection {paragraph, start, end}, if any
   */
  constructor(root, { selection, ...options }) {
    super(root, { ...options, bounds: true, confirmDelete: true,
      notePlaceholder: "Why this decision (optional)" });
    this.selection = selection;
  }

  title(label) {
    return [`${label ? label.name : this.draft.label} gold span`];
  }

  intro() {
    return [el("p", { class: "editor-prov" }, "Provenance: ", provenanceBadge(this.span.provenance)),
      this.quote()];
  }

  moreFields() {
    return [this.boundsField({
      extra: [el("button", {
        type: "button", class: "small act", id: "ed-use-selection",
        onclick: () => this.useSelection(),
      }, "Use the selected text")],
      hint: "◀ ▶ move by a word or punctuation mark, with Shift by one character (keys: "
        + "Shift+← → the end, Alt+Shift+← → the start); or select new text in the Gold row.",
    })];
  }

  built() {
    this.selectionChanged();
  }

  /** A selection in the gold row changed: can it become the bounds? */
  selectionChanged() {
    if (!this.isOpen) return;
    const button = this.root.querySelector("#ed-use-selection");
    if (!button) return;
    const sel = this.selection();
    const usable = sel && sel.paragraph === this.span.paragraph;
    button.disabled = !usable;
    button.title = usable ? "" : "Select text in this paragraph’s Gold row first";
  }

  useSelection() {
    const sel = this.selection();
    if (!sel || sel.paragraph !== this.span.paragraph) return;
    this.setBounds(sel.start, sel.end, { focus: "#ed-use-selection" });
  }
}
