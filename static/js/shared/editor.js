// The span editor, one frame for every page: a panel of the side column that opens on a span
// (the focus on its first control, the panel shown from its top) and closes with × or Escape
// (the focus back where it came from). It shows the span in its paragraph, the label, the
// label's attributes (./attributes.js), a note, errors in words, and the actions: Delete
// (asking once more where the page wants it) after the page's own buttons.
//
// The form edits a draft of the span ({start, end, label, attributes, note}); every change
// goes to `changed(fields, {delay})`, which by default hands it to the page's `onChange` (the
// annotate page saves it at once). A page with more of its own (the gold editor's bounds,
// provenance, Save and Revert) extends the class: `title`, `intro`, `buttons`, `changed`,
// `built`, `updateButtons`.

import { attributeField, readAttributes } from "./attributes.js";
import { el } from "./dom.js";
import { textIndex, textSlice } from "./offsets.js";

const CONTEXT = 40; // characters of the paragraph shown on either side of the span

/** Spans are named by their key on the annotate page (a client id) and by their id elsewhere. */
const keyOf = (span) => span.key ?? span.id;

export class SpanEditor {
  /**
   * @param {HTMLElement} root  the panel: empty and hidden while no span is open
   * @param {object} o
   * @param {Map} o.labels  the codebook's labels by key
   * @param {(paragraph) => string} o.text  a paragraph's text
   * @param {(key, fields, {delay}) => void} [o.onChange]  a field changed (default `changed`)
   * @param {(span) => void} o.onDelete  Delete pressed (twice, with `confirmDelete`)
   * @param {(span, returnFocus) => void} o.onClose  closed; returnFocus: where the focus
   *        goes back, or null when it should stay
   * @param {boolean} [o.confirmDelete]  Delete asks "Really delete?" first
   * @param {string} [o.notePlaceholder]
   */
  constructor(root, { labels, text, onChange = null, onDelete, onClose, confirmDelete = false,
    notePlaceholder = "" }) {
    Object.assign(this, { root, labels, text, onChange, onDelete, onClose, confirmDelete, notePlaceholder });
    this.span = null;
    this.draft = null;
    this.readonly = false;
    this.busy = false;
    root.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        this.close();
      }
    });
  }

  get isOpen() {
    return this.span !== null;
  }

  /** The open span's key (annotate page) or id, or null. */
  get key() {
    return this.span ? keyOf(this.span) : null;
  }

  open(span, { returnFocus = null, readonly = false } = {}) {
    this.span = span;
    this.readonly = readonly;
    this.returnFocus = returnFocus || document.activeElement;
    this.draft = draftOf(span);
    this.build();
    this.root.hidden = false;
    const first = this.root.querySelector("#ed-label:not(:disabled)")
      || this.root.querySelector("button.editor-close");
    first.focus({ preventScroll: true });
    this.reveal();
  }

  /** The span changed elsewhere (saved, reloaded): show it, the focus staying where it was. */
  refresh(span) {
    if (!this.isOpen || keyOf(span) !== this.key) return;
    this.span = span;
    this.reset(this.focusedId());
  }

  /** Show the span as it is, dropping what the draft changed. */
  reset(focusId = null) {
    this.draft = draftOf(this.span);
    this.rebuild(focusId);
  }

  /** Read-only (the document was submitted while the editor was open), or not. */
  setReadonly(readonly) {
    this.readonly = readonly;
    if (this.isOpen) this.rebuild(this.focusedId());
  }

  close({ restoreFocus = true } = {}) {
    if (!this.isOpen) return;
    const span = this.span;
    this.span = null;
    this.draft = null;
    clearTimeout(this.confirmTimer);
    this.root.hidden = true;
    this.root.replaceChildren();
    this.onClose(span, restoreFocus ? this.returnFocus : null);
  }

  /** A control changed these fields of the draft; `delay`: how long a page may wait (typing). */
  changed(fields, { delay = 0 } = {}) {
    Object.assign(this.draft, fields);
    if (this.onChange) this.onChange(this.key, fields, { delay });
  }

  showError(message, field = null) {
    const box = this.root.querySelector(".editor-error");
    if (!box) return;
    box.textContent = message;
    box.hidden = false;
    const at = field && this.root.querySelector(`[data-field="${CSS.escape(field)}"]`);
    if (at) {
      at.setAttribute("aria-invalid", "true");
      const control = at.matches("input, select, textarea, button, output")
        ? at : at.querySelector("input, select, textarea");
      if (control) control.focus();
    }
  }

  hideError() {
    const box = this.root.querySelector(".editor-error");
    if (box) box.hidden = true;
  }

  /** While a request runs: the action buttons wait. */
  setBusy(busy) {
    this.busy = busy;
    for (const b of this.root.querySelectorAll("button.act")) b.disabled = busy;
    if (!busy) this.updateButtons();
  }

  // --- what a page may add or change ----------------------------------------------------------

  /** The heading's words. */
  title(label) {
    return [`${label ? label.name : this.draft.label} span`];
  }

  /** What stands between the heading and the label. */
  intro() {
    return [this.quote()];
  }

  /** The page's buttons before Delete. */
  buttons() {
    return [];
  }

  /** Called after every build of the form. */
  built() {}

  /** Enable or disable the page's buttons (after a request). */
  updateButtons() {}

  // --- the form ---------------------------------------------------------------------------------

  rebuild(focusId = null) {
    this.build();
    const again = focusId && document.getElementById(focusId);
    if (again && this.root.contains(again)) again.focus({ preventScroll: true });
  }

  focusedId() {
    const focused = document.activeElement;
    return focused && this.root.contains(focused) ? focused.id || null : null;
  }

  build() {
    const d = this.draft;
    const label = this.labels.get(d.label);
    const head = el("div", { class: "panel-head" },
      el("h2", { id: "editor-title", class: "editor-title", "data-label": d.label, tabindex: "-1" },
        el("span", { class: "swatch", "aria-hidden": "true" }), ...this.title(label)),
      el("button", {
        type: "button", class: "editor-close", "aria-label": "Close the editor (Esc)", title: "Close (Esc)",
        onclick: () => this.close(),
      }, "×"));
    this.attrsEl = el("div", { class: "attributes" },
      ...(label ? label.attributes : []).map((a) => attributeField(a, d.attributes[a.key], {
        disabled: this.readonly,
        onChange: ({ delay }) => this.changed({ attributes: readAttributes(this.attrsEl) }, { delay }),
      })));
    this.root.replaceChildren(head, ...this.intro(), this.labelField(), this.attrsEl,
      this.noteField(), el("p", { class: "editor-error", role: "alert", hidden: true }), this.actions());
    this.built();
  }

  /** The span in its paragraph: a little of the text before and after it. */
  quote() {
    const d = this.draft;
    const text = this.text(this.span.paragraph);
    const index = textIndex(text);
    const a = index.toU16(d.start);
    const b = index.toU16(d.end);
    const before = text.slice(Math.max(0, a - CONTEXT), a);
    const after = text.slice(b, b + CONTEXT);
    return el("blockquote", { class: "editor-quote", "data-label": d.label },
      el("span", { class: "quote-where", text: `¶ ${this.span.paragraph + 1}` }),
      el("span", { class: "ctx", text: (a > CONTEXT ? "…" : "") + before }),
      el("mark", { "data-label": d.label, text: textSlice(text, d.start, d.end) }),
      el("span", { class: "ctx", text: after + (b + CONTEXT < text.length ? "…" : "") }));
  }

  labelField() {
    const select = el("select", {
      id: "ed-label", "data-field": "label", disabled: this.readonly,
      onchange: () => {
        // the old label's attributes do not belong to the new one
        const fields = { label: select.value, attributes: {} };
        Object.assign(this.draft, fields);
        this.rebuild("ed-label");
        this.changed(fields);
      },
    }, ...[...this.labels.values()].map((l) => el("option", {
      value: l.key, text: l.hotkey ? `${l.name} (${l.hotkey})` : l.name, selected: l.key === this.draft.label,
    })));
    return el("div", { class: "field" }, el("label", { for: "ed-label", text: "Label" }), select);
  }

  noteField() {
    const note = el("textarea", {
      id: "ed-note", "data-field": "note", rows: "3", disabled: this.readonly,
      placeholder: this.notePlaceholder || null,
      oninput: () => this.changed({ note: note.value }, { delay: 600 }),
    });
    note.value = this.draft.note;
    return el("div", { class: "field" }, el("label", { for: "ed-note", text: "Note" }), note);
  }

  actions() {
    const actions = el("div", { class: "editor-actions" });
    if (this.readonly) {
      actions.append(el("span", { class: "muted", text: "Read-only" }));
    } else {
      actions.append(...this.buttons(), el("button", {
        type: "button", class: "danger act", id: "ed-delete", text: "Delete",
        onclick: (event) => this.remove(event.currentTarget),
      }));
    }
    actions.append(el("span", { class: "muted hint-keys" }, el("kbd", { text: "Esc" }), " closes"));
    return actions;
  }

  remove(button) {
    if (this.confirmDelete && button.dataset.confirm !== "1") {
      button.dataset.confirm = "1";
      button.textContent = "Really delete?";
      button.classList.add("is-confirming");
      clearTimeout(this.confirmTimer);
      this.confirmTimer = setTimeout(() => {
        button.dataset.confirm = "";
        button.textContent = "Delete";
        button.classList.remove("is-confirming");
      }, 5000);
      return;
    }
    clearTimeout(this.confirmTimer);
    this.onDelete(this.span);
  }

  /** The editor leads its side panel: show the panel from its top, and the editor on screen
   *  where the page itself scrolls (narrow screens). */
  reveal() {
    this.root.parentElement.scrollTop = 0;
    const top = this.root.getBoundingClientRect().top;
    if (top < 0 || top > window.innerHeight - 80) this.root.scrollIntoView({ block: "start" });
  }
}

function draftOf(span) {
  return {
    start: span.start, end: span.end, label: span.label,
    attributes: structuredClone(span.attributes || {}), note: span.note || "",
  };
}
