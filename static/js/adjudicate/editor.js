// The gold span editor in the side panel: bounds (nudged by word, or by character with Shift,
// or taken from a selection in the gold row), label, every attribute of the label by its
// type, a note; Save sends only what changed, Delete asks once more. Escape closes.

import { el, humanize } from "../shared/dom.js";
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

function stableJson(value) {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stableJson(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export const sameAttributes = (a, b) => stableJson(a || {}) === stableJson(b || {});

export class GoldEditor {
  constructor(root, { labels, text, onSave, onDelete, onClose, onDraft, selection }) {
    this.root = root;
    this.labels = labels; // Map key -> label
    this.text = text; // (paragraph) -> text
    this.onSave = onSave;
    this.onDelete = onDelete;
    this.onClose = onClose;
    this.onDraft = onDraft;
    this.selection = selection; // () -> {paragraph, start, end} | null
    this.span = null;
    this.draft = null;
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

  get dirty() {
    if (!this.span) return false;
    const s = this.span;
    const d = this.draft;
    return s.start !== d.start || s.end !== d.end || s.label !== d.label
      || (s.note || "") !== d.note || !sameAttributes(s.attributes, d.attributes);
  }

  open(span, { returnFocus = null } = {}) {
    this.span = span;
    this.draft = {
      start: span.start, end: span.end, label: span.label,
      attributes: structuredClone(span.attributes || {}), note: span.note || "",
    };
    this.returnFocus = returnFocus || document.activeElement;
    this.build();
    this.root.hidden = false;
    this.root.querySelector("h2").focus({ preventScroll: true });
    this.root.scrollIntoView({ block: "nearest" });
    this.onDraft(this.span, this.draft);
  }

  /** The stored span changed (saved): show it, keep the focus where it was. */
  refresh(span) {
    if (!this.isOpen || span.id !== this.span.id) return;
    const focused = document.activeElement && this.root.contains(document.activeElement)
      ? document.activeElement.id : null;
    this.span = span;
    this.draft = {
      start: span.start, end: span.end, label: span.label,
      attributes: structuredClone(span.attributes || {}), note: span.note || "",
    };
    this.build();
    if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
    this.onDraft(this.span, this.draft);
  }

  close({ restoreFocus = true } = {}) {
    if (!this.isOpen) return;
    const span = this.span;
    this.span = null;
    this.draft = null;
    this.root.hidden = true;
    this.root.replaceChildren();
    this.onClose(span, restoreFocus ? this.returnFocus : null);
  }

  showError(message, field) {
    const box = this.root.querySelector(".editor-error");
    if (!box) return;
    box.textContent = message;
    box.hidden = false;
    if (field) {
      const input = this.root.querySelector(`[data-field="${CSS.escape(field)}"]`);
      if (input) {
        input.setAttribute("aria-invalid", "true");
        input.focus();
      }
    }
  }

  setBusy(busy) {
    this.busy = busy;
    for (const b of this.root.querySelectorAll("button.act")) b.disabled = busy;
    if (!busy) this.updateButtons();
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

  // --- building ------------------------------------------------------------------------------

  build() {
    const s = this.span;
    const d = this.draft;
    const id = (name) => `ed-${name}`;
    const label = this.labels.get(d.label);
    const text = this.text(s.paragraph);
    const head = el("div", { class: "panel-head" },
      el("h2", { id: "editor-title", tabindex: "-1" }, "Gold span ",
        el("span", { class: "muted", text: `¶ ${s.paragraph + 1}` })),
      el("button", {
        type: "button", class: "editor-close", "aria-label": "Close the editor (Esc)",
        title: "Close (Esc)", onclick: () => this.close(),
      }, "×"));
    const prov = el("p", { class: "editor-prov" }, "Provenance: ", provenanceBadge(s.provenance));

    const before = text.slice(Math.max(0, this.u16(text, d.start) - 40), this.u16(text, d.start));
    const quote = el("blockquote", { class: "quote", "data-label": d.label },
      el("span", { class: "ctx", text: (before.length >= 40 ? "…" : "") + before }),
      el("mark", { class: "hl kind-gold", "data-label": d.label, text: textSlice(text, d.start, d.end) }),
      el("span", { class: "ctx", text: this.after(text, d.end) }));

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
        el("output", { id: id("start"), class: "offset", "data-field": "start", text: String(d.start) }),
        nudge("start", 1, "Move the start one word later"),
        el("span", { class: "nudge-name", text: "End" }),
        nudge("end", -1, "Move the end one word earlier"),
        el("output", { id: id("end"), class: "offset", "data-field": "end", text: String(d.end) }),
        nudge("end", 1, "Move the end one word later")),
      el("button", {
        type: "button", class: "small act", id: id("use-selection"),
        onclick: () => this.useSelection(),
      }, "Use the selected text"),
      el("p", { class: "field-hint", text: "◀ ▶ move by a word or punctuation mark, with Shift by one character; or select new text in the Gold row." }),
      el("p", { class: "sr-only bounds-live", "aria-live": "polite" }));

    const labelSelect = el("select", {
      id: id("label"), "data-field": "label",
      onchange: (event) => {
        this.draft.label = event.target.value;
        this.draft.attributes = {}; // the old label's attributes do not belong to the new one
        this.rebuild("ed-label");
      },
    }, ...[...this.labels.values()].map((l) => el("option", { value: l.key, text: l.name, selected: l.key === d.label })));
    const labelField = el("div", { class: "field" }, el("label", { for: id("label"), text: "Label" }), labelSelect);

    const attrs = (label ? label.attributes : []).map((a) => this.attributeField(a));
    if (attrs.length) attrs.unshift(el("p", { class: "attrs-title", text: "Attributes" }));
    const note = el("div", { class: "field" },
      el("label", { for: id("note"), text: "Note" }),
      el("textarea", {
        id: id("note"), "data-field": "note", rows: 2, value: d.note,
        placeholder: "Why this decision (optional)",
        oninput: (event) => { this.draft.note = event.target.value; this.updateButtons(); },
      }));
    const error = el("p", { class: "editor-error", role: "alert", hidden: true });
    const actions = el("div", { class: "editor-actions" },
      el("button", { type: "button", class: "primary act", id: id("save"), onclick: () => this.save() }, "Save"),
      el("button", { type: "button", class: "act", id: id("revert"), onclick: () => this.revert() }, "Revert"),
      el("button", { type: "button", class: "danger act", id: id("delete"), onclick: (e) => this.remove(e) }, "Delete"));
    this.root.replaceChildren(head, prov, quote, bounds, labelField, ...attrs, note, error, actions);
    this.updateButtons();
    this.selectionChanged();
  }

  rebuild(focusId) {
    this.build();
    const again = focusId && document.getElementById(focusId);
    if (again) again.focus();
    this.onDraft(this.span, this.draft);
  }

  attributeField(a) {
    const id = `ed-attr-${a.key}`;
    const value = this.draft.attributes[a.key];
    const set = (v) => {
      if (v === undefined || v === "" || (Array.isArray(v) && !v.length)) delete this.draft.attributes[a.key];
      else this.draft.attributes[a.key] = v;
      this.updateButtons();
    };
    const field = `attributes.${a.key}`;
    if (a.type === "choice" || a.type === "boolean") {
      const options = a.type === "choice"
        ? a.choices.map((c) => el("option", { value: c, text: humanize(c), selected: value === c }))
        : [el("option", { value: "true", text: "yes", selected: value === true }),
          el("option", { value: "false", text: "no", selected: value === false })];
      return el("div", { class: "attr-field" },
        el("label", { for: id, text: a.name }),
        el("select", {
          id, "data-field": field,
          onchange: (event) => {
            const v = event.target.value;
            set(a.type === "boolean" ? (v === "" ? undefined : v === "true") : v);
          },
        }, el("option", { value: "", text: "— not set —", selected: value == null }), ...options));
    }
    if (a.type === "multi") {
      const chosen = new Set(Array.isArray(value) ? value : []);
      return el("fieldset", { class: "attr-field checks", "data-field": field },
        el("legend", { text: a.name }),
        ...a.choices.map((c, i) => el("label", { class: "check" },
          el("input", {
            type: "checkbox", id: `${id}-${i}`, value: c, checked: chosen.has(c),
            onchange: (event) => {
              if (event.target.checked) chosen.add(c); else chosen.delete(c);
              set(a.choices.filter((x) => chosen.has(x)));
            },
          }), humanize(c))));
    }
    return el("div", { class: "attr-field" },
      el("label", { for: id, text: a.name }),
      el("input", {
        type: "text", id, "data-field": field, value: typeof value === "string" ? value : "",
        oninput: (event) => set(event.target.value),
      }));
  }

  updateButtons() {
    if (!this.isOpen) return;
    const dirty = this.dirty;
    const save = this.root.querySelector("#ed-save");
    const revert = this.root.querySelector("#ed-revert");
    if (save) save.disabled = this.busy || !dirty;
    if (revert) revert.disabled = this.busy || !dirty;
    this.root.classList.toggle("is-dirty", dirty);
  }

  // --- actions -------------------------------------------------------------------------------

  u16(text, cp) {
    return textIndex(text).toU16(cp);
  }

  after(text, end) {
    const a = this.u16(text, end);
    const rest = text.slice(a, a + 40);
    return rest + (a + 40 < text.length ? "…" : "");
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
    this.draft = {
      start: this.span.start, end: this.span.end, label: this.span.label,
      attributes: structuredClone(this.span.attributes || {}), note: this.span.note || "",
    };
    this.rebuild("ed-label");
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

  remove(event) {
    const button = event.currentTarget;
    if (button.dataset.confirm !== "1") {
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
}
