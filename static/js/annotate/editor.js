// The span editor in the side panel: label, every attribute of the label by its type, a note,
// delete. Changes are reported as they happen (text with a short delay); Escape closes and
// focus goes back where it came from.

import { el, humanize } from "../shared/dom.js";

const SEGMENTED_MAX = 4;

export class SpanEditor {
  constructor(root, { labels, onChange, onDelete, onClose }) {
    this.root = root;
    this.labels = labels;
    this.onChange = onChange;
    this.onDelete = onDelete;
    this.onClose = onClose;
    this.key = null;
    this.returnFocus = null;
    root.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        this.close();
      }
    });
  }

  get isOpen() {
    return this.key !== null;
  }

  open(span, quote, { readonly = false, returnFocus = null } = {}) {
    this.key = span.key;
    this.readonly = readonly;
    this.returnFocus = returnFocus || document.activeElement;
    this.build(span, quote);
    this.root.hidden = false;
    const first = this.root.querySelector("#ed-label:not(:disabled)")
      || this.root.querySelector("button.editor-close");
    (first || this.root).focus({ preventScroll: true });
    // The editor sits right under the labels: show it from its top.
    const panel = this.root.closest(".sidebar");
    if (panel) panel.scrollTop = 0;
  }

  close({ restoreFocus = true } = {}) {
    if (!this.isOpen) return;
    const key = this.key;
    this.key = null;
    this.root.hidden = true;
    this.root.replaceChildren();
    this.onClose(key, restoreFocus ? this.returnFocus : null);
  }

  /** The span changed elsewhere (saved, refreshed): refresh what the editor shows. */
  refresh(span, quote) {
    if (!this.isOpen || span.key !== this.key) return;
    const focused = document.activeElement && document.activeElement.id;
    this.build(span, quote);
    if (focused) {
      const again = document.getElementById(focused);
      if (again) again.focus({ preventScroll: true });
    }
  }

  build(span, quote) {
    const label = this.labels.get(span.label);
    const disabled = this.readonly;
    const head = el("div", { class: "panel-head" },
      el("h2", { id: "editor-title", "data-label": span.label, class: "editor-title" },
        el("span", { class: "swatch", "aria-hidden": "true" }),
        `${label ? label.name : span.label} span`),
      el("button", { type: "button", class: "editor-close icon", "aria-label": "Close the editor (Esc)", title: "Close (Esc)", text: "×" }));
    head.querySelector("button").addEventListener("click", () => this.close());

    const quoteEl = el("blockquote", { class: "editor-quote", "data-label": span.label },
      el("span", { class: "quote-where", text: `¶ ${span.paragraph + 1}` }),
      el("span", { class: "quote-text", text: quote }));

    const select = el("select", { id: "ed-label", disabled });
    for (const l of this.labels.values()) {
      select.append(el("option", { value: l.key, text: l.hotkey ? `${l.name} (${l.hotkey})` : l.name, selected: l.key === span.label }));
    }
    select.addEventListener("change", () => {
      this.onChange(this.key, { label: select.value, attributes: {} });
    });
    const labelField = el("div", { class: "field" }, el("label", { for: "ed-label", text: "Label" }), select);

    this.attrsEl = el("div", { class: "attributes" });
    if (label) {
      for (const attribute of label.attributes) {
        this.attrsEl.append(this.control(attribute, span.attributes[attribute.key], disabled));
      }
    }

    const note = el("textarea", { id: "ed-note", rows: "3", disabled, placeholder: "Why this span, doubts, context…" });
    note.value = span.note || "";
    note.addEventListener("input", () => this.onChange(this.key, { note: note.value }, { delay: 600 }));
    const noteField = el("div", { class: "field" }, el("label", { for: "ed-note", text: "Note" }), note);

    const actions = el("div", { class: "editor-actions" });
    if (!disabled) {
      const del = el("button", { type: "button", class: "danger small", id: "ed-delete", text: "Delete span" });
      del.addEventListener("click", () => this.onDelete(this.key));
      actions.append(del);
    } else {
      actions.append(el("span", { class: "muted", text: "Read-only" }));
    }
    actions.append(el("span", { class: "muted hint-keys" }, el("kbd", { text: "Esc" }), " closes"));

    this.root.replaceChildren(head, quoteEl, labelField, this.attrsEl, noteField, actions);
  }

  control(attribute, value, disabled) {
    const id = `ed-attr-${attribute.key}`;
    const changed = (delay = 0) => this.onChange(this.key, { attributes: this.collect() }, { delay });
    let field;
    if (attribute.type === "choice" && attribute.choices.length <= SEGMENTED_MAX) {
      field = el("fieldset", { class: "field segmented", "data-attribute": attribute.key, "data-type": "choice" },
        el("legend", { text: attribute.name }));
      const group = el("div", { class: "segments" });
      for (const choice of ["", ...attribute.choices]) {
        const input = el("input", { type: "radio", name: id, value: choice, disabled, checked: (value ?? "") === choice });
        input.addEventListener("change", () => changed());
        group.append(el("label", { class: choice ? "segment" : "segment segment-none", title: choice ? null : "not set" },
          input, el("span", { text: choice ? humanize(choice) : "—" })));
      }
      field.append(group);
    } else if (attribute.type === "choice") {
      const select = el("select", { id, disabled });
      select.append(el("option", { value: "", text: "—" }));
      for (const choice of attribute.choices) {
        select.append(el("option", { value: choice, text: humanize(choice), selected: value === choice }));
      }
      select.addEventListener("change", () => changed());
      field = el("div", { class: "field", "data-attribute": attribute.key, "data-type": "choice" },
        el("label", { for: id, text: attribute.name }), select);
    } else if (attribute.type === "multi") {
      const chosen = new Set(Array.isArray(value) ? value : []);
      field = el("fieldset", { class: "field checks", "data-attribute": attribute.key, "data-type": "multi" },
        el("legend", { text: attribute.name }));
      for (const choice of attribute.choices) {
        const input = el("input", { type: "checkbox", value: choice, disabled, checked: chosen.has(choice) });
        input.addEventListener("change", () => changed());
        field.append(el("label", { class: "check" }, input, el("span", { text: humanize(choice) })));
      }
    } else if (attribute.type === "boolean") {
      const input = el("input", { type: "checkbox", id, disabled, checked: value === true });
      if (value === false) input.dataset.touched = "1";
      input.addEventListener("change", () => {
        input.dataset.touched = "1";
        changed();
      });
      field = el("div", { class: "field boolean", "data-attribute": attribute.key, "data-type": "boolean" },
        el("label", { for: id, class: "check" }, input, el("span", { text: attribute.name })));
    } else {
      const input = el("input", { type: "text", id, disabled, autocomplete: "off" });
      input.value = typeof value === "string" ? value : "";
      input.addEventListener("input", () => changed(600));
      field = el("div", { class: "field", "data-attribute": attribute.key, "data-type": "text" },
        el("label", { for: id, text: attribute.name }), input);
    }
    if (attribute.description) {
      field.append(el("p", { class: "field-hint", text: attribute.description }));
    }
    return field;
  }

  /** The attribute values in the form, without the ones not set. */
  collect() {
    const attributes = {};
    for (const field of this.attrsEl.querySelectorAll("[data-attribute]")) {
      const key = field.dataset.attribute;
      const type = field.dataset.type;
      if (type === "choice") {
        const checked = field.querySelector("input:checked");
        const select = field.querySelector("select");
        const value = select ? select.value : checked ? checked.value : "";
        if (value) attributes[key] = value;
      } else if (type === "multi") {
        const values = [...field.querySelectorAll("input:checked")].map((i) => i.value);
        if (values.length) attributes[key] = values;
      } else if (type === "boolean") {
        const input = field.querySelector("input");
        if (input.checked || input.dataset.touched) attributes[key] = input.checked;
      } else {
        const value = field.querySelector("input").value;
        if (value.trim()) attributes[key] = value;
      }
    }
    return attributes;
  }
}
