// The adjudication page's "The article as a whole": the gold answers to the codebook's
// article-level questions. Each question shows the gold answer (with its provenance), every
// reviewer's answer (a button takes it, provenance "reviewer:NAME") and the proposal of the
// submitted reviewers (the majority; the median on a scale or for a number); the field sets an
// answer of one's own ("adjudicated:NAME"). Every choice is stored at once through the API.

import { Api } from "../shared/api.js";
import { el, humanize } from "../shared/dom.js";
import { QuestionsPanel } from "../shared/questions.js";
import { provenanceBadge } from "./editor.js";

const data = JSON.parse(document.getElementById("adjudicate-data").textContent);
const $ = (id) => document.getElementById(id);
const api = new Api(data.urls);
const status = $("gold-answers-status");

let state = data.answers || { gold: {}, proposals: {}, reviewers: {} };
const timers = new Map(); // question -> pending typed change
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

function goldValues() {
  return Object.fromEntries(Object.entries(state.gold).map(([k, g]) => [k, g.value]));
}

function show(text, kind = "") {
  status.textContent = text;
  status.dataset.kind = kind;
}

/** An answer as people read it. */
function answerText(value) {
  if (Array.isArray(value)) return value.map(humanize).join(", ") || "—";
  if (value === true) return "yes";
  if (value === false) return "no";
  return humanize(value);
}

function decorate(field, q) {
  const gold = state.gold[q.key];
  field.append(el("p", { class: "ga-gold", "data-gold-answer": gold ? "set" : "none" },
    gold ? "Gold: " : "No gold answer yet.",
    gold ? el("b", { text: answerText(gold.value) }) : null,
    gold ? " " : null, gold ? provenanceBadge(gold.provenance) : null));
  const given = el("ul", { class: "ga-given", "aria-label": `What the reviewers answered to ${q.name}` });
  for (const [name, review] of Object.entries(state.reviewers)) {
    if (!(q.key in review.answers)) continue;
    const value = review.answers[q.key];
    given.append(el("li", {}, el("button", {
      type: "button", class: "small", "data-take": name,
      "aria-pressed": String(Boolean(gold) && same(gold.value, value)),
      title: review.status === "submitted" ? `${name} submitted this document`
        : `${name} has not submitted yet`,
      onclick: () => store(q.key, value, `reviewer:${name}`, { take: name }),
    }, `${name}${review.status === "submitted" ? "" : " (not submitted)"}: ${answerText(value)}`)));
  }
  const proposal = state.proposals[q.key];
  if (proposal) {
    given.append(el("li", {}, el("button", {
      type: "button", class: "small ga-proposal", "data-take": "proposal",
      onclick: () => store(q.key, proposal.value, proposal.provenance, { take: "proposal" }),
    }, `Use the ${proposal.provenance} (${proposal.answers} answers): ${answerText(proposal.value)}`)));
  }
  if (!given.children.length) {
    given.append(el("li", { class: "muted small", text: "No reviewer has answered." }));
  }
  field.append(given);
}

const panel = new QuestionsPanel($("gold-answers"), {
  questions: data.questions,
  answers: goldValues(),
  readonly: false,
  decorate,
  onChange: (values, { delay }) => {
    // one PUT per question that changed (a typed one once the typing pauses)
    const before = goldValues();
    for (const q of data.questions) {
      const value = values[q.key] ?? null;
      if (same(value, before[q.key] ?? null)) continue;
      clearTimeout(timers.get(q.key));
      timers.set(q.key, setTimeout(() => store(q.key, value, null), delay));
    }
  },
});

/** Store one gold answer (``value`` null clears it) and draw the panel again from the answer;
 *  ``take``: the button that chose it (the focus goes back to it). */
async function store(question, value, provenance, { take = null } = {}) {
  timers.delete(question);
  show("saving…");
  const body = provenance ? { value, provenance } : { value };
  const result = await api.call("PUT", api.url("gold_answer", { question }), body);
  if (!result.ok) {
    show(`The gold answer was not saved: ${result.message}`, "error");
    await reload();
    return;
  }
  state = { ...state, gold: result.data };
  show("saved", "ok");
  if (take) {
    panel.values = goldValues();
    panel.build();
    const button = panel.root.querySelector(
      `[data-question="${CSS.escape(question)}"] [data-take="${CSS.escape(take)}"]`);
    if (button) button.focus();
  } else {
    // A choice made in a field: drawn again, the focus back on the control. While a text or a
    // number is being typed, the field stays as it is (it already shows the value).
    const active = document.activeElement;
    const inside = panel.root.contains(active);
    if (inside && (active.tagName === "TEXTAREA" || active.type === "number")) return;
    panel.values = goldValues();
    panel.build();
    if (!inside) return;
    const field = panel.root.querySelector(`[data-question="${CSS.escape(question)}"]`);
    const control = field && (field.querySelector("select")
      || field.querySelector(`input[value="${CSS.escape(active.value)}"]`));
    if (control) control.focus();
  }
}

async function reload() {
  const result = await api.call("GET", data.urls.gold_answers);
  if (result.ok) {
    state = result.data;
    panel.refresh(goldValues());
  }
}

$("accept-answer-proposals").addEventListener("click", async () => {
  show("saving…");
  const result = await api.call("POST", data.urls.accept_answer_proposals);
  if (!result.ok) {
    show(`The proposals were not stored: ${result.message}`, "error");
    return;
  }
  state = { ...state, gold: result.data };
  panel.refresh(goldValues());
  const count = Object.keys(result.data).length;
  show(`saved · ${count} gold answer${count === 1 ? "" : "s"}`, "ok");
});
