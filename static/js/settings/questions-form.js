// The codebook's article-level questions as a form (below the labels): key, name, type,
// choices (one per line; in order for a scale), required, description; added, removed and
// reordered. Drawn from the codebook's "questions" and read back into it. A question or a
// choice that stored answers use cannot go: the server refuses the save and names the counts.

import { el } from "../shared/dom.js";
import { fieldBox, keyFromName, showFieldError } from "./codebook-form.js";
import { sortable } from "./sortable.js";

const TYPES = [
  ["choice", "Choice"],
  ["ordinal", "Scale"],
  ["multi", "Choices (set)"],
  ["number", "Number"],
  ["boolean", "Yes / no"],
  ["text", "Text"],
];
const WITH_CHOICES = new Set(["choice", "ordinal", "multi"]);

export class QuestionsForm {
  /** `root`: the element to draw into; `keyPattern`: the codebook's key rule;
   *  `announce(text)`: the page's live region. */
  constructor(root, keyPattern, announce) {
    this.keyRe = new RegExp(`^(?:${keyPattern})$`);
    this.announce = announce;
    this.list = el("ol", { class: "qf-list", "aria-label": "Questions" });
    this.empty = el("p", { class: "muted qf-empty" },
      "No questions: reviewers tag passages only. Add one to ask something about the article as a whole (its primary frame, its tone…).");
    root.replaceChildren(
      el("h2", { class: "qf-title", id: "qf-title" }, "Questions about the article as a whole"),
      el("p", { class: "hint" },
        "Answered once per document by each reviewer, beside the spans; agreement is computed per question. Required questions must be answered before a document is submitted."),
      this.empty, this.list,
      el("button", { type: "button", class: "cb-add-label", "data-add-question": "",
        onclick: () => this.add() }, "+ Add a question"));
    sortable(this.list, {
      itemSelector: ".qf-question", handleSelector: ".qf-handle",
      announce: (item, at, of) => this.announce(`Question ${this.title(item)} moved to place ${at} of ${of}.`),
    });
    root.addEventListener("input", () => this.validate());
    root.addEventListener("change", () => this.validate());
  }

  load(questions) {
    this.list.replaceChildren(...(questions || []).map((q) => this.row(q, true)));
    this.refreshEmpty();
    this.validate();
  }

  refreshEmpty() {
    this.empty.hidden = this.list.children.length > 0;
  }

  title(row) {
    const name = row.querySelector("[data-field=q-name]").value.trim();
    return `“${name || row.querySelector("[data-field=q-key]").value.trim() || "new question"}”`;
  }

  field(label, input, hint = "") {
    return fieldBox(label, input, { hint });
  }

  row(q, saved = false) {
    const row = el("li", { class: "qf-question" });
    const name = el("input", { type: "text", "data-field": "q-name", value: q.name || "", maxlength: "200", autocomplete: "off" });
    const key = el("input", { type: "text", "data-field": "q-key", value: q.key || "", maxlength: "64", autocomplete: "off", spellcheck: "false", class: "mono" });
    if (!saved) {
      key.dataset.auto = q.key ? "false" : "true";
      name.addEventListener("input", () => {
        if (key.dataset.auto === "true") key.value = keyFromName(name.value).replace(/-/g, "_");
      });
      key.addEventListener("input", () => { key.dataset.auto = "false"; });
    }
    const type = el("select", { "data-field": "q-type" },
      ...TYPES.map(([value, text]) => el("option", { value, selected: value === (q.type || "choice") }, text)));
    const choices = el("textarea", { "data-field": "q-choices", rows: "4", spellcheck: "false", class: "mono" });
    choices.value = (q.choices || []).join("\n");
    const choicesBox = this.field("Choices", choices, "One per line. For a scale, from one end to the other.");
    const required = el("input", { type: "checkbox", "data-field": "q-required", checked: Boolean(q.required) });
    const description = el("input", { type: "text", "data-field": "q-description", value: q.description || "", maxlength: "2000", autocomplete: "off" });
    const showChoices = () => { choicesBox.hidden = !WITH_CHOICES.has(type.value); };
    type.addEventListener("change", showChoices);
    showChoices();
    row.append(
      el("div", { class: "cb-head" },
        el("button", { type: "button", class: "cb-handle qf-handle", title: "Drag, or press ↑ ↓ to move" }, "⠿"),
        el("span", { class: "qf-heading" }, "Question"),
        el("button", { type: "button", class: "small danger cb-remove", onclick: () => this.remove(row) }, "Remove")),
      el("div", { class: "cb-body" },
        el("div", { class: "cb-grid" }, this.field("Name", name), this.field("Key", key), this.field("Type", type)),
        choicesBox,
        el("div", { class: "cb-field qf-required" }, el("label", {}, required, " Required before submitting")),
        this.field("Description", description, "What reviewers read under the question (optional).")));
    return row;
  }

  add() {
    const row = this.row({ type: "choice" });
    this.list.append(row);
    this.refreshEmpty();
    row.querySelector("[data-field=q-name]").focus();
    this.announce("A new question was added at the end.");
  }

  remove(row) {
    const next = row.nextElementSibling || row.previousElementSibling;
    const title = this.title(row);
    row.remove();
    this.refreshEmpty();
    this.validate();
    (next ? next.querySelector("[data-field=q-name]") : this.list.parentElement.querySelector("[data-add-question]")).focus();
    this.announce(`Question ${title} removed. If reviewers answered it, saving is refused and says how many answers there are.`);
  }

  setError(input, message) {
    showFieldError(input, message);
  }

  /** Check every question as the server will; mark the faults; returns the fields at fault. */
  validate() {
    const bad = [];
    const mark = (input, message) => {
      this.setError(input, message);
      if (message) bad.push(input);
    };
    const seen = new Map();
    for (const row of this.list.children) {
      const get = (f) => row.querySelector(`[data-field=${f}]`);
      row.querySelector(".qf-heading").textContent = get("q-name").value.trim() || "New question";
      mark(get("q-name"), get("q-name").value.trim() ? "" : "Enter a name.");
      const k = get("q-key").value.trim();
      let keyError = "";
      if (!this.keyRe.test(k)) keyError = "Use lowercase letters, digits, - and _ (starting with a letter or digit).";
      else if (seen.has(k)) keyError = `The key '${k}' is also that of question ${this.title(seen.get(k))}.`;
      if (!seen.has(k)) seen.set(k, row);
      mark(get("q-key"), keyError);
      const type = get("q-type").value;
      const choices = this.choicesOf(row);
      let choiceError = "";
      if (WITH_CHOICES.has(type)) {
        if (choices.length < (type === "ordinal" ? 2 : 1)) {
          choiceError = type === "ordinal" ? "A scale needs two or more points, one per line." : "Enter the choices, one per line.";
        } else if (new Set(choices).size !== choices.length) {
          choiceError = "A choice is listed twice.";
        }
      }
      mark(get("q-choices"), choiceError);
    }
    return bad;
  }

  choicesOf(row) {
    return row.querySelector("[data-field=q-choices]").value.split("\n").map((c) => c.trim()).filter(Boolean);
  }

  focusFirst(bad) {
    bad[0].focus();
  }

  /** The questions as the codebook holds them. */
  read() {
    return [...this.list.children].map((row) => {
      const get = (f) => row.querySelector(`[data-field=${f}]`);
      const type = get("q-type").value;
      const q = { key: get("q-key").value.trim(), name: get("q-name").value.trim(), type };
      if (WITH_CHOICES.has(type)) q.choices = this.choicesOf(row);
      if (get("q-required").checked) q.required = true;
      const description = get("q-description").value.trim();
      if (description) q.description = description;
      return q;
    });
  }
}
