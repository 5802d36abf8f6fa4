// "The article as a whole": the codebook's article-level questions, answered once per document
// (a primary frame, a tone ...). Every change is handed to `onChange(answers, {delay})`: the
// annotate page puts it in its save queue like any span change, the adjudication page stores it
// as a gold answer. An answer left empty is no answer.

import { el, humanize } from "./dom.js";

const TYPED_DELAY = 600; // ms: a typed answer goes once the typing pauses

export class QuestionsPanel {
  /**
   * @param {HTMLElement} root  the form's container
   * @param {object} o
   * @param {Array} o.questions  the codebook's questions
   * @param {object} o.answers  the stored answers {key: value}
   * @param {boolean} o.readonly
   * @param {(answers, {delay}) => void} o.onChange
   * @param {(field: HTMLElement, question) => void} [o.decorate]  adds to each question's
   *   field after it is drawn (the adjudication page: what each reviewer answered)
   */
  constructor(root, { questions, answers, readonly, onChange, decorate = null }) {
    Object.assign(this, { root, questions, onChange, readonly, decorate });
    this.values = { ...answers };
    this.build();
  }

  /** The answers as they stand (unanswered questions left out). */
  answers() {
    return { ...this.values };
  }

  /** The required questions without an answer: [{key, name}]. */
  missingRequired() {
    return this.questions.filter((q) => q.required && !answered(this.values[q.key]));
  }

  setReadonly(readonly) {
    this.readonly = readonly;
    this.build();
  }

  /** The answers stored on the server (a resync): shown, unless a field is being edited. */
  refresh(answers) {
    this.values = { ...answers };
    if (!this.root.contains(document.activeElement)) this.build();
  }

  /** Put the focus on the question ``wanted``, else on the first open required one, else on
   *  the first. */
  focus(wanted = null) {
    const missing = this.missingRequired()[0];
    const key = wanted || (missing ? missing.key : this.questions[0] && this.questions[0].key);
    const field = key && this.root.querySelector(`[data-question="${CSS.escape(key)}"]`);
    if (!field) return;
    field.scrollIntoView({ block: "nearest" });
    const control = field.querySelector("input, select, textarea");
    if (control) control.focus({ preventScroll: true });
  }

  set(key, value, delay = 0) {
    if (answered(value)) this.values[key] = value;
    else delete this.values[key];
    this.markRequired();
    this.onChange(this.answers(), { delay });
  }

  markRequired() {
    for (const q of this.questions) {
      const field = this.root.querySelector(`[data-question="${CSS.escape(q.key)}"]`);
      if (field) field.classList.toggle("is-missing", q.required && !answered(this.values[q.key]));
    }
  }

  build() {
    this.root.replaceChildren(...this.questions.map((q) => {
      const field = this.field(q);
      if (this.decorate) this.decorate(field, q);
      return field;
    }));
    this.markRequired();
  }

  field(q) {
    const id = `q-${q.key}`;
    const value = this.values[q.key];
    const disabled = this.readonly;
    const label = el("label", { for: id, class: "q-name" }, q.name,
      q.required ? el("span", { class: "q-required", title: "Required before submitting" }, " *") : "");
    let control;
    if (q.type === "choice") {
      control = el("select", {
        id, disabled, onchange: () => this.set(q.key, control.value || null),
      }, el("option", { value: "", text: "—" }),
      ...q.choices.map((c) => el("option", { value: c, text: humanize(c), selected: c === value })));
    } else if (q.type === "boolean") {
      control = el("select", {
        id, disabled,
        onchange: () => this.set(q.key, control.value === "" ? null : control.value === "yes"),
      }, el("option", { value: "", text: "—" }),
      el("option", { value: "yes", text: "yes", selected: value === true }),
      el("option", { value: "no", text: "no", selected: value === false }));
    } else if (q.type === "ordinal") {
      // a scale: one radio per point, in order, and "—" to take the answer back
      control = el("div", { class: "q-scale", role: "radiogroup", id, "aria-labelledby": `${id}-name` },
        ...[null, ...q.choices].map((c, i) => el("label", { class: "q-point" },
          el("input", {
            type: "radio", name: id, value: c ?? "", disabled,
            checked: c === null ? !answered(value) : c === value,
            onchange: () => this.set(q.key, c),
          }), el("span", { text: c === null ? "—" : `${i} ${humanize(c)}` }))));
      label.removeAttribute("for");
      label.id = `${id}-name`;
    } else if (q.type === "multi") {
      const chosen = new Set(Array.isArray(value) ? value : []);
      control = el("div", { class: "q-multi", role: "group", id, "aria-labelledby": `${id}-name` },
        ...q.choices.map((c) => el("label", { class: "q-option" },
          el("input", {
            type: "checkbox", value: c, disabled, checked: chosen.has(c),
            onchange: () => this.set(q.key, [...control.querySelectorAll("input:checked")]
              .map((i) => i.value)),
          }), el("span", { text: humanize(c) }))));
      label.removeAttribute("for");
      label.id = `${id}-name`;
    } else if (q.type === "number") {
      control = el("input", {
        id, type: "number", step: "any", inputmode: "decimal", disabled,
        value: typeof value === "number" ? String(value) : "",
        oninput: () => {
          const raw = control.value.trim();
          const number = raw === "" ? null : Number(raw);
          if (number === null || Number.isFinite(number)) this.set(q.key, number, TYPED_DELAY);
        },
      });
    } else {
      control = el("textarea", {
        id, rows: "2", disabled,
        oninput: () => this.set(q.key, control.value.trim() ? control.value : null, TYPED_DELAY),
      });
      control.value = typeof value === "string" ? value : "";
    }
    const parts = [label, control];
    if (q.description) parts.push(el("p", { class: "hint q-hint", text: q.description }));
    return el("div", { class: "field q-field", "data-question": q.key }, ...parts);
  }
}

function answered(value) {
  return value !== undefined && value !== null && value !== ""
    && !(Array.isArray(value) && value.length === 0);
}
