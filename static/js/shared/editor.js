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
import { tokens } from "./tokens.js";

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
   * @param {boolean} [o.bounds]  a Bounds field: the start and end nudged by a word (◀ ▶, or
   *        Shift+← / Shift+→ for the end and Alt+Shift+← / → for the start), by a character
   *        with Shift on the buttons
   * @param {boolean} [o.enterCloses]  Enter (Ctrl+Enter in the note) closes the editor: every
   *        change is saved as it is made
   */
  constructor(root, { labels, text, onChange = null, onDelete, onClose, confirmDelete = false,
    notePlaceholder = "", bounds = false, enterCloses = false }) {
    Object.assign(this, { root, labels, text, onChange, onDelete, onClose, confirmDelete,
      notePlaceholder, hasBounds: bounds, enterCloses });
    this.span = null;
    this.draft = null;
    this.readonly = false;
    this.busy = false;
    root.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        this.close();
        return;
      }
      const target = event.target;
      if (this.enterCloses && event.key === "Enter" && !event.altKey && !event.shiftKey
          && !target.closest("button, a[href], summary")
          && (target.localName !== "textarea" || event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        event.stopPropagation();
        this.close();
        return;
      }
      if (this.hasBounds && !this.readonly && event.shiftKey && !event.ctrlKey && !event.metaKey
          && (event.key === "ArrowLeft" || event.key === "ArrowRight")
          && !target.closest("input[type=text], input:not([type]), textarea")) {
        event.preventDefault();
        event.stopPropagation();
        this.nudge(event.altKey ? "start" : "end", event.key === "ArrowLeft" ? -1 : 1, false);
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

  /** Open on a span. ``focus``: "field" puts the focus on the first field (the label);
   *  "panel" on the editor's heading, so that Tab walks into the fields and the page's keys
   *  keep working (the annotate page opens it so after tagging). */
  open(span, { returnFocus = null, readonly = false, focus = "field" } = {}) {
    this.span = span;
    this.readonly = readonly;
    this.returnFocus = returnFocus || document.activeElement;
    this.draft = draftOf(span);
    this.build();
    this.root.hidden = false;
    const first = focus === "panel" ? this.root.querySelector("#editor-title")
      : this.root.querySelector("#ed-label:not(:disabled)")
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

  /** Fields after the note (the Bounds field where the page asked for it). */
  moreFields() {
    return this.hasBounds && !this.readonly ? [this.boundsField()] : [];
  }

  /** Start and end, each nudged by a word or punctuation mark (a token of the server's rule)
   *  or, with Shift, by a character. */
  boundsField({ extra = [], hint = null } = {}) {
    const d = this.draft;
    const nudge = (edge, delta, name) => el("button", {
      type: "button", class: "nudge act", "data-nudge": `${edge}:${delta}`,
      "aria-label": name, title: `${name} (Shift: one character)`,
      onclick: (event) => this.nudge(edge, delta, event.shiftKey),
    }, delta < 0 ? "◀" : "▶");
    return el("fieldset", { class: "field bounds" },
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
      ...extra,
      el("p", { class: "field-hint", text: hint || "◀ ▶ move by a word or punctuation mark, with Shift by one character. Keys: Shift+← → move the end, Alt+Shift+← → the start; or drag the handles in the text." }),
      el("p", { class: "sr-only bounds-live", "aria-live": "polite" }));
  }

  /** Move one edge of the draft by a token (or a character); the page hears of it through
   *  ``changed`` like any other field. */
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
    this.setBounds(start, end, { focus: `[data-nudge="${edge}:${delta}"]`, edge });
  }

  /** New bounds for the draft (a nudge, a drag of a handle, a selection taken over). */
  setBounds(start, end, { focus = null, edge = null } = {}) {
    const focused = focus && this.root.contains(document.activeElement) ? focus : null;
    const heading = document.activeElement && document.activeElement.id === "editor-title";
    this.changed({ start, end });
    this.rebuild(null);
    const again = focused && this.root.querySelector(focused);
    if (again) again.focus();
    else if (heading) this.root.querySelector("#editor-title").focus({ preventScroll: true });
    const live = this.root.querySelector(".bounds-live");
    const text = this.text(this.span.paragraph);
    if (live) {
      live.textContent = `${edge === "start" ? "Start" : edge === "end" ? "End" : "Bounds"} now ${
        edge === "start" ? start : end}: “${textSlice(text, start, end)}”`;
    }
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
      this.noteField(), ...this.moreFields(),
      el("p", { class: "editor-error", role: "alert", hidden: true }), this.actions());
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
