// The codebook as a form: labels (name, key, colour with its contrast, hotkey, description,
// example), their attributes (key, name, type, choices, description), added, removed and
// reordered. The form is drawn from a codebook and read back into one (`read()`), with the
// keys renamed in it (`renames()`): the server renames them in the stored spans too.
//
// Every row remembers its *origin*: the key it had in the saved codebook (null for a new
// row). A row whose key differs from its origin is a rename; fields the form does not show
// (and top-level keys such as "ledger" or "questions") are kept as they came.

import { el } from "../shared/dom.js";
import { contrastChecks, ratioText } from "../shared/colours.js";
import { sortable } from "./sortable.js";

const PALETTE = ["#1f77b4", "#2a9a5b", "#8a5cc7", "#c2410c", "#0f766e", "#b91c1c", "#4d7c0f",
  "#a21caf", "#475569", "#9a6700"];
const SVG = "http://www.w3.org/2000/svg";
let serial = 0;
const nextId = (prefix) => `${prefix}-${++serial}`;

function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

/** A key from a name: "Loaded language" -> "loaded-language". */
export function keyFromName(name) {
  return name.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
    .replace(/[^a-z0-9_-]+/g, "-").replace(/^[-_]+|-+$/g, "").slice(0, 64);
}

/**
 * Where each label, attribute and choice of `codebook` came from in `saved`, given the
 * renames already made (`pending`, as renames() gives them): {label: {origin, attributes:
 * {key: {origin, choices: {value: origin}}}}}, origins null for what is new.
 */
export function originsOf(codebook, saved, pending = {}) {
  const savedLabels = new Map((saved.labels || []).map((l) => [l.key, l]));
  const invert = (map = {}) => new Map(Object.entries(map).map(([o, n]) => [n, o]));
  const originIn = (key, known, renamed = {}) => {
    const inverse = invert(renamed);
    if (inverse.has(key)) return inverse.get(key);
    return known.has(key) && !(key in renamed) ? key : null;
  };
  const result = {};
  for (const label of codebook.labels || []) {
    const origin = originIn(label.key, savedLabels, pending.labels);
    const savedLabel = origin ? savedLabels.get(origin) : null;
    const savedAttrs = new Map(((savedLabel && savedLabel.attributes) || []).map((a) => [a.key, a]));
    const attributes = {};
    for (const attr of label.attributes || []) {
      const aOrigin = savedLabel
        ? originIn(attr.key, savedAttrs, ((pending.attributes || {})[origin]) || {}) : null;
      const savedAttr = aOrigin ? savedAttrs.get(aOrigin) : null;
      const choices = {};
      const savedChoices = new Map(((savedAttr && savedAttr.choices) || []).map((c) => [c, c]));
      const renamedChoices = (((pending.choices || {})[origin] || {})[aOrigin]) || {};
      for (const choice of attr.choices || []) {
        choices[choice] = savedAttr ? originIn(choice, savedChoices, renamedChoices) : null;
      }
      attributes[attr.key] = { origin: aOrigin, choices };
    }
    result[label.key] = { origin, attributes };
  }
  return result;
}

/** The renames a form state makes: rows whose key differs from their origin. */
function renamesFrom(rows) {
  const out = { labels: {}, attributes: {}, choices: {} };
  for (const label of rows) {
    if (!label.origin) continue;
    if (label.origin !== label.key) out.labels[label.origin] = label.key;
    for (const attr of label.attributes) {
      if (!attr.origin) continue;
      if (attr.origin !== attr.key) {
        (out.attributes[label.origin] ||= {})[attr.origin] = attr.key;
      }
      if (attr.choiceTyped) {
        for (const choice of attr.choices) {
          if (choice.origin && choice.origin !== choice.value) {
            ((out.choices[label.origin] ||= {})[attr.origin] ||= {})[choice.origin] = choice.value;
          }
        }
      }
    }
  }
  for (const k of Object.keys(out)) if (!Object.keys(out[k]).length) delete out[k];
  return out;
}

/** The renames of a codebook given as JSON (the JSON view), through its origins. */
export function renamesOfCodebook(codebook, saved, pending) {
  const origins = originsOf(codebook, saved, pending);
  return renamesFrom((codebook.labels || []).map((label) => ({
    key: label.key,
    origin: origins[label.key].origin,
    attributes: (label.attributes || []).map((attr) => ({
      key: attr.key,
      origin: origins[label.key].attributes[attr.key].origin,
      choiceTyped: attr.type === "choice" || attr.type === "multi",
      choices: (attr.choices || []).map((value) => ({
        value, origin: origins[label.key].attributes[attr.key].choices[value],
      })),
    })),
  })));
}

/** A labelled field of the form: the input, its hint and the place of its error message. */
export function fieldBox(label, input, { hint, wide } = {}) {
  const id = input.id || (input.id = nextId("cb"));
  const box = el("div", { class: `cb-field${wide ? " wide" : ""}` },
    el("label", { for: id }, label));
  if (hint) {
    const hintEl = el("p", { class: "hint", id: `${id}-hint` }, hint);
    input.setAttribute("aria-describedby", hintEl.id);
    box.append(hintEl);
  }
  box.append(input, el("p", { class: "field-error", id: `${id}-error`, hidden: true }));
  return box;
}

/** Show (or, without a message, clear) the error of a field made by ``fieldBox`` (or of a
 *  choice row), with its ARIA: the error describes the input while it stands. */
export function showFieldError(input, message) {
  const box = input.closest(".cb-field, .cb-choice");
  const error = box && box.querySelector(".field-error");
  if (!error) return;
  if (!error.id) error.id = nextId("cb-error");
  const hint = box.querySelector(".hint");
  error.textContent = message || "";
  error.hidden = !message;
  if (message) {
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", error.id);
  } else {
    input.removeAttribute("aria-invalid");
    if (hint) input.setAttribute("aria-describedby", hint.id);
    else input.removeAttribute("aria-describedby");
  }
}

export class CodebookForm {
  /**
   * `root`: the element to draw into; `config`: the server's editor data (saved codebook,
   * usage, reserved hotkeys, key pattern, attribute types, contrast rule); `announce(text)`:
   * the page's live region.
   */
  constructor(root, config, announce) {
    this.root = root;
    this.config = config;
    this.announce = announce;
    this.keyRe = new RegExp(`^(?:${config.key_pattern})$`);
    this.source = {};
    this.list = el("ol", { class: "cb-labels", "aria-label": "Labels" });
    this.addButton = el("button", { type: "button", class: "cb-add-label", onclick: () => this.addLabel() }, "+ Add a label");
    root.replaceChildren(this.list, this.addButton);
    sortable(this.list, {
      itemSelector: ".cb-label", handleSelector: ".cb-label-handle",
      announce: (item, at, of) => this.announce(`Label ${this.labelTitle(item)} moved to place ${at} of ${of}.`),
    });
    root.addEventListener("input", () => this.validate());
    root.addEventListener("change", () => this.validate());
  }

  // --- drawing ------------------------------------------------------------------------------

  /** Draw `codebook`, its rows' origins taken from the saved codebook through `pending`. */
  load(codebook, pending = {}) {
    const labels = codebook.labels || [];
    this.source = codebook;
    const origins = originsOf({ labels }, this.config.saved, pending);
    this.list.replaceChildren(...labels.map((label) => this.labelRow(label, origins[label.key])));
    this.validate();
  }

  usageOf(row) {
    const origin = row.dataset.origin;
    return origin ? this.config.usage[origin] : null;
  }

  labelTitle(row) {
    const name = row.querySelector("[data-field=name]").value.trim();
    const key = row.querySelector("[data-field=key]").value.trim();
    return `“${name || key || "new label"}”`;
  }

  field(label, input, options) {
    return fieldBox(label, input, options);
  }

  labelRow(label, origin = { origin: null, attributes: {} }) {
    const row = el("li", { class: "cb-label" });
    row._original = label;
    if (origin.origin) row.dataset.origin = origin.origin;
    const bodyId = nextId("cb-label");
    const usage = this.usageOf(row);
    const swatch = svg("svg", { class: "swatch", viewBox: "0 0 10 10", "aria-hidden": "true" });
    swatch.append(svg("rect", { width: "10", height: "10", rx: "2" }));
    const toggle = el("button", {
      type: "button", class: "cb-toggle", "aria-expanded": "false", "aria-controls": bodyId,
      onclick: () => this.toggle(row),
    }, swatch, el("span", { class: "cb-title" }), " ", el("code", { class: "cb-key" }), el("kbd", { class: "cb-hotkey" }));
    const head = el("div", { class: "cb-head" },
      el("button", { type: "button", class: "cb-handle cb-label-handle", title: "Drag, or press ↑ ↓ to move" }, "⠿"),
      toggle,
      usage ? el("span", { class: "cb-usage muted" }, this.spanCount(usage)) : null,
      el("button", { type: "button", class: "small danger cb-remove", onclick: () => this.removeLabel(row) }, "Remove"));

    const name = el("input", { type: "text", "data-field": "name", value: label.name || "", maxlength: "200", autocomplete: "off" });
    const key = el("input", { type: "text", "data-field": "key", value: label.key || "", maxlength: "64", autocomplete: "off", spellcheck: "false", class: "mono" });
    if (!origin.origin) {
      // A new label's key follows its name until the key is typed in.
      key.dataset.auto = label.key ? "false" : "true";
      name.addEventListener("input", () => {
        if (key.dataset.auto === "true") key.value = keyFromName(name.value);
      });
      key.addEventListener("input", () => { key.dataset.auto = "false"; });
    }
    const hotkey = el("input", { type: "text", "data-field": "hotkey", value: label.hotkey || "", maxlength: "1", autocomplete: "off", spellcheck: "false", class: "short mono" });
    const color = label.color && /^#[0-9a-fA-F]{6}$/.test(label.color) ? label.color.toLowerCase() : this.freeColour();
    const picker = el("input", { type: "color", "data-field": "color-picker", value: color, "aria-label": "Colour picker" });
    const hex = el("input", { type: "text", "data-field": "color", value: color, maxlength: "7", autocomplete: "off", spellcheck: "false", class: "mono colour-hex" });
    picker.addEventListener("input", () => { hex.value = picker.value; });
    hex.addEventListener("input", () => {
      if (/^#[0-9a-fA-F]{6}$/.test(hex.value.trim())) picker.value = hex.value.trim().toLowerCase();
    });
    const description = el("textarea", { "data-field": "description", rows: "3" });
    description.value = label.description || "";
    const example = el("textarea", { "data-field": "example", rows: "2" });
    example.value = label.example || "";

    const keyHint = usage
      ? `Changing it renames the key in the ${this.spanCount(usage)} that use it.`
      : "Lowercase letters, digits, - and _; written into spans and exports.";
    const reserved = Object.keys(this.config.reserved_hotkeys).join(", ");
    const attrList = el("ol", { class: "cb-attributes", "aria-label": "Attributes" });
    sortable(attrList, {
      itemSelector: ".cb-attr", handleSelector: ".cb-attr-handle",
      announce: (item, at, of) => this.announce(`Attribute ${this.attrTitle(item)} moved to place ${at} of ${of}.`),
    });
    for (const attr of label.attributes || []) {
      attrList.append(this.attrRow(row, attr, origin.attributes[attr.key]));
    }
    const body = el("div", { class: "cb-body", id: bodyId, hidden: true },
      el("p", { class: "cb-message", role: "alert", hidden: true }),
      el("div", { class: "cb-grid" },
        this.field("Name", name),
        this.field("Key", key, { hint: keyHint }),
        this.field("Hotkey", hotkey, { hint: `One key; not ${reserved}` })),
      el("div", { class: "cb-colour" },
        this.field("Colour", hex, { hint: "#rrggbb, or pick it." }),
        picker,
        el("div", { class: "cb-contrast", "data-contrast": "" })),
      this.field("Description", description, { wide: true, hint: "What reviewers see beside the text." }),
      this.field("Example", example, { wide: true }),
      el("section", { class: "cb-attr-section" },
        el("h3", {}, "Attributes"),
        attrList,
        el("button", { type: "button", class: "small", onclick: () => this.addAttribute(row) }, "+ Add an attribute")));
    row.append(head, body);
    this.refreshHead(row);
    return row;
  }

  attrTitle(item) {
    const name = item.querySelector("[data-field=attr-name]").value.trim();
    const key = item.querySelector("[data-field=attr-key]").value.trim();
    return `“${name || key || "new attribute"}”`;
  }

  attrRow(labelRow, attr, origin = { origin: null, choices: {} }) {
    const item = el("li", { class: "cb-attr" });
    item._original = attr;
    if (origin.origin) item.dataset.origin = origin.origin;
    const labelUsage = this.usageOf(labelRow);
    const usage = origin.origin && labelUsage ? labelUsage.attributes[origin.origin] : null;
    const name = el("input", { type: "text", "data-field": "attr-name", value: attr.name || "", autocomplete: "off" });
    const key = el("input", { type: "text", "data-field": "attr-key", value: attr.key || "", maxlength: "64", autocomplete: "off", spellcheck: "false", class: "mono" });
    if (!origin.origin) {
      key.dataset.auto = attr.key ? "false" : "true";
      name.addEventListener("input", () => {
        if (key.dataset.auto === "true") key.value = keyFromName(name.value).replace(/-/g, "_");
      });
      key.addEventListener("input", () => { key.dataset.auto = "false"; });
    }
    const type = el("select", { "data-field": "attr-type" },
      ...this.config.attribute_types.map((t) => el("option", { value: t, selected: t === attr.type }, t)));
    const description = el("input", { type: "text", "data-field": "attr-description", value: attr.description || "", autocomplete: "off" });
    const choices = el("ol", { class: "cb-choices", "aria-label": "Choices" });
    sortable(choices, {
      itemSelector: ".cb-choice", handleSelector: ".cb-choice-handle",
      announce: (li, at, of) => this.announce(`Choice “${li.querySelector("input").value}” moved to place ${at} of ${of}.`),
    });
    for (const value of attr.choices || []) {
      choices.append(this.choiceRow(item, value, origin.choices[value] ?? null, usage));
    }
    const choiceBox = el("div", { class: "cb-choice-box" },
      el("p", { class: "cb-choices-title" }, "Choices"),
      choices,
      el("button", { type: "button", class: "small", onclick: () => {
        const li = this.choiceRow(item, "", null, usage);
        choices.append(li);
        li.querySelector("input").focus();
        this.validate();
      } }, "+ Add a choice"));
    const showChoices = () => {
      choiceBox.hidden = !["choice", "multi"].includes(type.value);
      if (!choiceBox.hidden && !choices.children.length) choices.append(this.choiceRow(item, "", null, usage));
    };
    type.addEventListener("change", showChoices);
    item.append(...[
      el("div", { class: "cb-attr-head" },
        el("button", { type: "button", class: "cb-handle cb-attr-handle", title: "Drag, or press ↑ ↓ to move" }, "⠿"),
        el("div", { class: "cb-attr-grid" },
          this.field("Name", name),
          this.field("Key", key),
          this.field("Type", type)),
        el("button", { type: "button", class: "small danger cb-remove", onclick: () => this.removeAttribute(labelRow, item) }, "Remove")),
      el("p", { class: "cb-message", role: "alert", hidden: true }),
      usage ? el("p", { class: "hint cb-usage" }, `Set on ${this.spanCount(usage)}.`) : null,
      choiceBox,
      this.field("Description (optional)", description, { wide: true })].filter(Boolean));
    showChoices();
    this.refreshHandles(item);
    return item;
  }

  choiceRow(attrItem, value, origin, attrUsage) {
    const li = el("li", { class: "cb-choice" });
    if (origin) li.dataset.origin = origin;
    const input = el("input", { type: "text", "data-field": "choice", value, autocomplete: "off", spellcheck: "false", "aria-label": "Choice" });
    const used = origin && attrUsage ? attrUsage.choices[origin] : null;
    li.append(...[
      el("button", { type: "button", class: "cb-handle cb-choice-handle", title: "Drag, or press ↑ ↓ to move" }, "⠿"),
      input,
      used ? el("span", { class: "cb-usage muted", title: `Set on ${this.spanCount(used)}` }, String(used.spans + used.gold)) : null,
      el("button", { type: "button", class: "small ghost cb-remove", "aria-label": "Remove the choice", onclick: () => this.removeChoice(attrItem, li) }, "×"),
      el("p", { class: "field-error", hidden: true })].filter(Boolean));
    this.refreshHandles(li);
    return li;
  }

  spanCount(usage) {
    const total = usage.spans + usage.gold;
    return `${total} span${total === 1 ? "" : "s"}`;
  }

  freeColour() {
    const used = new Set([...this.list.querySelectorAll("[data-field=color]")].map((i) => i.value.toLowerCase()));
    return PALETTE.find((c) => !used.has(c)) || PALETTE[0];
  }

  /** The label's summary line and the names of its buttons follow its fields. */
  refreshHead(row) {
    const get = (f) => row.querySelector(`[data-field=${f}]`).value.trim();
    row.querySelector(".cb-title").textContent = get("name") || "New label";
    row.querySelector(".cb-key").textContent = get("key") || "—";
    const hotkey = get("hotkey");
    const kbd = row.querySelector(".cb-hotkey");
    kbd.textContent = hotkey;
    kbd.hidden = !hotkey;
    const colour = get("color");
    row.querySelector(".cb-head .swatch rect").setAttribute("fill", /^#[0-9a-fA-F]{6}$/.test(colour) ? colour : "#888888");
    this.refreshHandles(row);
  }

  refreshHandles(item) {
    let handle;
    let name;
    if (item.classList.contains("cb-label")) {
      handle = item.querySelector(".cb-label-handle");
      name = `label ${this.labelTitle(item)}`;
      item.querySelector(".cb-head .cb-remove").setAttribute("aria-label", `Remove ${name}`);
    } else if (item.classList.contains("cb-attr")) {
      handle = item.querySelector(".cb-attr-handle");
      name = `attribute ${this.attrTitle(item)}`;
      item.querySelector(".cb-attr-head .cb-remove").setAttribute("aria-label", `Remove ${name}`);
    } else {
      handle = item.querySelector(".cb-choice-handle");
      name = `choice “${item.querySelector("input").value}”`;
      item.querySelector(".cb-remove").setAttribute("aria-label", `Remove ${name}`);
    }
    handle.setAttribute("aria-label", `Move ${name} (arrow keys)`);
  }

  toggle(row, open) {
    const button = row.querySelector(".cb-toggle");
    const body = row.querySelector(".cb-body");
    const show = open ?? body.hidden;
    body.hidden = !show;
    button.setAttribute("aria-expanded", String(show));
  }

  // --- adding and removing ------------------------------------------------------------------

  addLabel() {
    const row = this.labelRow({ key: "", name: "", color: this.freeColour(), attributes: [] });
    this.list.append(row);
    this.toggle(row, true);
    row.querySelector("[data-field=name]").focus();
    this.validate();
  }

  addAttribute(row) {
    const list = row.querySelector(".cb-attributes");
    const item = this.attrRow(row, { key: "", name: "", type: "choice", choices: [] });
    list.append(item);
    item.querySelector("[data-field=attr-name]").focus();
    this.validate();
  }

  refuse(where, message) {
    const box = where.querySelector(":scope > .cb-message, :scope > .cb-body > .cb-message");
    box.textContent = `${message[0].toUpperCase()}${message.slice(1)}.`;
    box.hidden = false;
    box.scrollIntoView({ block: "nearest" });
  }

  removed(list, item, fallback, what) {
    const items = [...list.children];
    const next = items[items.indexOf(item) + 1] || items[items.indexOf(item) - 1];
    item.remove();
    this.announce(`Removed ${what}. It goes when you save the settings.`);
    const handle = next && next.querySelector(".cb-handle");
    (handle || fallback).focus();
    this.validate();
  }

  removeLabel(row) {
    const usage = this.usageOf(row);
    if (usage) {
      this.toggle(row, true);
      this.refuse(row, usage.message);
      return;
    }
    this.removed(this.list, row, this.addButton, `label ${this.labelTitle(row)}`);
  }

  removeAttribute(row, item) {
    const usage = this.usageOf(row);
    const used = item.dataset.origin && usage ? usage.attributes[item.dataset.origin] : null;
    if (used) {
      this.refuse(item, used.message);
      return;
    }
    const list = row.querySelector(".cb-attributes");
    this.removed(list, item, row.querySelector(".cb-attr-section > button"), `attribute ${this.attrTitle(item)}`);
  }

  removeChoice(item, li) {
    const row = item.closest(".cb-label");
    const usage = this.usageOf(row);
    const attr = item.dataset.origin && usage ? usage.attributes[item.dataset.origin] : null;
    const used = li.dataset.origin && attr ? attr.choices[li.dataset.origin] : null;
    const type = item.querySelector("[data-field=attr-type]").value;
    if (used && (type === "choice" || type === "multi")) {
      this.refuse(item, used.message);
      return;
    }
    const list = li.parentElement;
    this.removed(list, li, item.querySelector(".cb-choice-box > button"), `choice “${li.querySelector("input").value}”`);
  }

  // --- checking -----------------------------------------------------------------------------

  setError(input, message) {
    showFieldError(input, message);
  }

  /** Check every field as the server will; mark the faults; returns the fields at fault. */
  validate() {
    const bad = [];
    const mark = (input, message) => {
      this.setError(input, message);
      if (message) bad.push(input);
    };
    const rows = [...this.list.children];
    // Who holds each key and hotkey, so that a clash is shown on every label in it.
    const holders = (field, fold) => {
      const map = new Map();
      for (const row of rows) {
        const value = fold(row.querySelector(`[data-field=${field}]`).value);
        if (value) map.set(value, [...(map.get(value) || []), row]);
      }
      return map;
    };
    const keyHolders = holders("key", (v) => v.trim());
    const hotkeyHolders = holders("hotkey", (v) => v.toLowerCase());
    const other = (map, value, row) => {
      const rest = (map.get(value) || []).filter((r) => r !== row);
      return rest.length ? this.labelTitle(rest[0]) : null;
    };
    for (const row of rows) {
      const get = (f) => row.querySelector(`[data-field=${f}]`);
      this.refreshHead(row);
      const name = get("name");
      mark(name, name.value.trim() ? "" : "Enter a name.");
      const key = get("key");
      const k = key.value.trim();
      let keyError = "";
      if (!this.keyRe.test(k)) keyError = "Use lowercase letters, digits, - and _ (starting with a letter or digit).";
      else if (other(keyHolders, k, row)) keyError = `The key '${k}' is also that of label ${other(keyHolders, k, row)}.`;
      mark(key, keyError);
      const hotkey = get("hotkey");
      const h = hotkey.value;
      let hotkeyError = "";
      if (h) {
        if ([...h].length !== 1 || !h.trim()) hotkeyError = "A hotkey is one character (not a space).";
        else if (h in this.config.reserved_hotkeys) hotkeyError = `'${h}' is taken by the annotate page (${this.config.reserved_hotkeys[h]}).`;
        else if (other(hotkeyHolders, h.toLowerCase(), row)) hotkeyError = `'${h}' is already the hotkey of label ${other(hotkeyHolders, h.toLowerCase(), row)}.`;
      }
      mark(hotkey, hotkeyError);
      mark(get("color"), this.checkColour(row));
      const attrKeys = new Set();
      for (const item of row.querySelectorAll(".cb-attr")) {
        const aget = (f) => item.querySelector(`[data-field=${f}]`);
        this.refreshHandles(item);
        const aname = aget("attr-name");
        mark(aname, aname.value.trim() ? "" : "Enter a name.");
        const akey = aget("attr-key");
        const ak = akey.value.trim();
        let akError = "";
        if (!this.keyRe.test(ak)) akError = "Use lowercase letters, digits, - and _.";
        else if (attrKeys.has(ak)) akError = `This label already has an attribute '${ak}'.`;
        attrKeys.add(ak);
        mark(akey, akError);
        const typed = ["choice", "multi"].includes(aget("attr-type").value);
        const seen = new Set();
        for (const li of item.querySelectorAll(".cb-choice")) {
          this.refreshHandles(li);
          const input = li.querySelector("input");
          const v = input.value.trim();
          let cError = "";
          if (typed) {
            if (!v) cError = "Enter the choice, or remove it.";
            else if (seen.has(v)) cError = `'${v}' is listed twice.`;
            seen.add(v);
          }
          mark(input, cError);
        }
      }
    }
    return bad;
  }

  /** The contrast figures of a label's colour, drawn beside it; the fault, if any. */
  checkColour(row) {
    const hex = row.querySelector("[data-field=color]");
    const value = hex.value.trim().toLowerCase();
    const box = row.querySelector("[data-contrast]");
    if (!/^#[0-9a-f]{6}$/.test(value)) {
      box.replaceChildren();
      return "Give the colour as #rrggbb, e.g. #1f77b4.";
    }
    const { tint, ink, checks } = contrastChecks(value, this.config.contrast);
    const preview = svg("svg", { class: "cb-preview", viewBox: "0 0 160 30", width: "160", height: "30", role: "img", "aria-label": `Preview: text on the highlight, and the underline, in ${value}` });
    preview.append(
      svg("rect", { x: "0", y: "0", width: "160", height: "30", fill: "#ffffff" }),
      svg("rect", { x: "4", y: "4", width: "118", height: "22", rx: "2", fill: tint }),
      svg("rect", { x: "4", y: "24", width: "118", height: "2", fill: value }),
      svg("rect", { x: "132", y: "5", width: "20", height: "20", rx: "3", fill: value }));
    const sample = svg("text", { x: "10", y: "20", fill: ink, "font-size": "14" });
    sample.textContent = "Sample text";
    preview.append(sample);
    const list = el("ul", { class: "cb-checks" });
    let fault = "";
    for (const c of checks) {
      const ok = c.ratio >= c.needed;
      list.append(el("li", { class: ok ? "ok" : "fail", "data-check": c.check, "data-ratio": c.ratio.toFixed(4) },
        el("span", { class: "mark", "aria-hidden": "true" }, ok ? "✓" : "✗"),
        `${c.what}: ${ratioText(c.ratio)} `,
        el("span", { class: "muted" }, ok ? `(needs ${c.needed}:1)` : `— needs ${c.needed}:1`)));
      if (!ok && !fault) fault = `${c.what} would have a contrast of ${ratioText(c.ratio)}; it needs ${c.needed}:1: choose a darker or stronger colour.`;
    }
    box.replaceChildren(preview, list);
    return fault;
  }

  /** Show the first fault: open its label, focus the field. */
  focusFirst(bad) {
    const input = bad[0];
    const row = input.closest(".cb-label");
    if (row) this.toggle(row, true);
    input.focus();
  }

  // --- reading back ------------------------------------------------------------------------

  rows() {
    return [...this.list.children].map((row) => {
      const get = (f) => row.querySelector(`[data-field=${f}]`).value;
      return {
        row,
        key: get("key").trim(),
        origin: row.dataset.origin || null,
        attributes: [...row.querySelectorAll(".cb-attr")].map((item) => {
          const aget = (f) => item.querySelector(`[data-field=${f}]`).value;
          const type = aget("attr-type");
          return {
            item,
            key: aget("attr-key").trim(),
            name: aget("attr-name").trim(),
            type,
            description: aget("attr-description").trim(),
            origin: item.dataset.origin || null,
            choiceTyped: type === "choice" || type === "multi",
            choices: [...item.querySelectorAll(".cb-choice")].map((li) => ({
              value: li.querySelector("input").value.trim(), origin: li.dataset.origin || null,
            })),
          };
        }),
      };
    });
  }

  /** The codebook the form holds: fields it does not show kept as they came. */
  read() {
    const labels = this.rows().map(({ row, key, attributes }) => {
      const get = (f) => row.querySelector(`[data-field=${f}]`).value;
      const label = { ...row._original, key, name: get("name").trim(), color: get("color").trim().toLowerCase() };
      const hotkey = get("hotkey");
      if (hotkey) label.hotkey = hotkey; else delete label.hotkey;
      label.description = get("description").trim();
      const example = get("example").trim();
      if (example) label.example = example; else delete label.example;
      label.attributes = attributes.map((a) => {
        const attr = { ...a.item._original, key: a.key, name: a.name, type: a.type };
        if (a.choiceTyped) attr.choices = a.choices.map((c) => c.value);
        else delete attr.choices;
        if (a.description) attr.description = a.description; else delete attr.description;
        return attr;
      });
      return label;
    });
    return { ...this.source, labels };
  }

  /** The keys renamed in the form, for the server (codebook_changes.parse_renames). */
  renames() {
    return renamesFrom(this.rows());
  }
}
