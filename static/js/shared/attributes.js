// The attribute widgets of the span editor, one set for every page: each attribute of a label
// by its type (choice: a row of buttons up to four choices, a list beyond; multi: checkboxes;
// boolean: a checkbox; text: a line), read back with `readAttributes`; and the short forms
// that lists and chips show.

import { el, humanize } from "./dom.js";

const SEGMENTED_MAX = 4;

/** A value that says nothing: left out of a span's attributes. */
const unset = (v) => v == null || v === "" || (Array.isArray(v) && !v.length);

/**
 * The field of one attribute showing `value` (ids `ed-attr-KEY`); `onChange({delay})` after
 * every change (typing: with a delay a caller may wait before it acts).
 */
export function attributeField(attribute, value, { disabled = false, onChange }) {
  const id = `ed-attr-${attribute.key}`;
  const changed = (delay = 0) => onChange({ delay });
  const marks = { "data-attribute": attribute.key, "data-field": `attributes.${attribute.key}` };
  let field;
  if (attribute.type === "choice" && attribute.choices.length <= SEGMENTED_MAX) {
    field = el("fieldset", { class: "field segmented", ...marks, "data-type": "choice" },
      el("legend", { text: attribute.name }));
    const group = el("div", { class: "segments" });
    for (const choice of ["", ...attribute.choices]) {
      const input = el("input", {
        type: "radio", name: id, value: choice, disabled, checked: (value ?? "") === choice,
        onchange: () => changed(),
      });
      group.append(el("label", { class: choice ? "segment" : "segment segment-none", title: choice ? null : "not set" },
        input, el("span", { text: choice ? humanize(choice) : "—" })));
    }
    field.append(group);
  } else if (attribute.type === "choice") {
    const select = el("select", { id, disabled, onchange: () => changed() },
      el("option", { value: "", text: "—" }),
      ...attribute.choices.map((choice) => el("option", { value: choice, text: humanize(choice), selected: value === choice })));
    field = el("div", { class: "field", ...marks, "data-type": "choice" },
      el("label", { for: id, text: attribute.name }), select);
  } else if (attribute.type === "multi") {
    const chosen = new Set(Array.isArray(value) ? value : []);
    field = el("fieldset", { class: "field checks", ...marks, "data-type": "multi" },
      el("legend", { text: attribute.name }),
      ...attribute.choices.map((choice) => el("label", { class: "check" },
        el("input", { type: "checkbox", value: choice, disabled, checked: chosen.has(choice), onchange: () => changed() }),
        el("span", { text: humanize(choice) }))));
  } else if (attribute.type === "boolean") {
    // Unticked and never touched: not set; unticked after a change: false.
    const input = el("input", { type: "checkbox", id, disabled, checked: value === true });
    if (value === false) input.dataset.touched = "1";
    input.addEventListener("change", () => {
      input.dataset.touched = "1";
      changed();
    });
    field = el("div", { class: "field boolean", ...marks, "data-type": "boolean" },
      el("label", { for: id, class: "check" }, input, el("span", { text: attribute.name })));
  } else {
    const input = el("input", { type: "text", id, disabled, autocomplete: "off", oninput: () => changed(600) });
    input.value = typeof value === "string" ? value : "";
    field = el("div", { class: "field", ...marks, "data-type": "text" },
      el("label", { for: id, text: attribute.name }), input);
  }
  if (attribute.description) {
    field.append(el("p", { class: "field-hint", text: attribute.description }));
  }
  return field;
}

/** The attribute values the fields inside `container` hold, without the ones not set. */
export function readAttributes(container) {
  const attributes = {};
  for (const field of container.querySelectorAll("[data-attribute]")) {
    const key = field.dataset.attribute;
    const type = field.dataset.type;
    let value;
    if (type === "choice") {
      const select = field.querySelector("select");
      const checked = field.querySelector("input:checked");
      value = select ? select.value : checked ? checked.value : "";
    } else if (type === "multi") {
      value = [...field.querySelectorAll("input:checked")].map((i) => i.value);
    } else if (type === "boolean") {
      const input = field.querySelector("input");
      if (input.checked || input.dataset.touched) value = input.checked;
    } else {
      value = field.querySelector("input").value;
      if (!value.trim()) value = "";
    }
    if (!unset(value)) attributes[key] = value;
  }
  return attributes;
}

/** "official · Mustafa al-Kazimi · Hedged": the values set, in the codebook's order. */
export function attributeSummary(label, attributes) {
  const values = attributes || {};
  const parts = [];
  for (const a of label ? label.attributes : []) {
    const v = values[a.key];
    if (unset(v)) continue;
    if (a.type === "boolean") parts.push(v ? a.name : `not ${a.name}`);
    else if (Array.isArray(v)) parts.push(v.map(humanize).join(", "));
    else parts.push(humanize(v));
  }
  return parts.join(" · ");
}

function stableJson(value) {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stableJson(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Whether two spans' attributes are the same (whatever the order of their keys). */
export const sameAttributes = (a, b) => stableJson(a || {}) === stableJson(b || {});

/** One line per attribute set, "Source type: official", for a tooltip. */
export function attributeTitle(label, attributes) {
  return Object.entries(attributes || {}).map(([k, v]) => {
    const a = label && label.attributes.find((x) => x.key === k);
    return `${a ? a.name : k}: ${Array.isArray(v) ? v.join(", ") : String(v)}`;
  }).join("\n");
}
