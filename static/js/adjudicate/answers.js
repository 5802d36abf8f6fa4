// The adjudication page's "The article as a whole": the gold answers to the codebook's
// article-level questions. Each question shows the gold answer (with its provenance), every
// reviewer's answer (a button takes it, provenance "reviewer:NAME") and the proposal of the
// submitted reviewers (the majority; the median on a scale or for a number); the field sets an
// answer of one's own ("adjudicated:NAME"). Every choice goes through the page's save queue
// (static/js/shared/queue.js), as gold spans do: shown at once, kept while offline, sent in
// order; "Accept proposals" waits until the queue has sent what came before.

import { el, humanize } from "../shared/dom.js";
import { QuestionsPanel } from "../shared/questions.js";
import { provenanceBadge } from "./editor.js";

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** An answer as people read it. */
function answerText(value) {
  if (Array.isArray(value)) return value.map(humanize).join(", ") || "—";
  if (value === true) return "yes";
  if (value === false) return "no";
  return humanize(value);
}

/**
 * Draw the panel into #gold-answers and return what the page calls back:
 * {apply(op), saved(goldAnswers), reload(), redraw(), describe(op)}.
 * @param {object} o
 * @param {object} o.data  the page's data block (questions, answers, urls, user)
 * @param {import("../shared/api.js").Api} o.api
 * @param {() => import("../shared/queue.js").SaveQueue} o.queue
 * @param {() => Promise<boolean>} o.settled  true once every queued change is sent
 */
export function mountGoldAnswers({ data, api, queue, settled }) {
  const $ = (id) => document.getElementById(id);
  const status = $("gold-answers-status");
  let state = data.answers || { gold: {}, proposals: {}, reviewers: {} };
  const timers = new Map(); // question -> pending typed change

  const goldValues = () => Object.fromEntries(
    Object.entries(state.gold).map(([k, g]) => [k, g.value]));

  function show(text, kind = "") {
    status.textContent = text;
    status.dataset.kind = kind;
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
      // one change per question that changed (a typed one once the typing pauses)
      const before = goldValues();
      for (const q of data.questions) {
        const value = values[q.key] ?? null;
        if (same(value, before[q.key] ?? null)) continue;
        clearTimeout(timers.get(q.key));
        timers.set(q.key, setTimeout(() => store(q.key, value, null), delay));
      }
    },
  });

  /** Draw again from ``state``; a field being typed in stays as it is, and the focus goes back
   *  where it was (on the button ``take`` of ``question`` when given). */
  function redraw(question = null, take = null) {
    const active = document.activeElement;
    const inside = panel.root.contains(active);
    if (!take && inside && (active.tagName === "TEXTAREA" || active.type === "number")) return;
    const where = inside && active.closest("[data-question]");
    const focusQuestion = question || (where && where.dataset.question);
    const focusTake = take || (inside && active.dataset.take) || null;
    const focusValue = inside ? active.value : null;
    panel.values = goldValues();
    panel.build();
    if (!inside || !focusQuestion) return;
    const field = panel.root.querySelector(`[data-question="${CSS.escape(focusQuestion)}"]`);
    if (!field) return;
    const target = focusTake ? field.querySelector(`[data-take="${CSS.escape(focusTake)}"]`)
      : field.querySelector("select")
        || field.querySelector(`input[value="${CSS.escape(focusValue ?? "")}"]`);
    if (target) target.focus();
  }

  /** Lay a queued gold answer over the page's state (``value`` null clears it). */
  function apply(op) {
    if (op.value === null || op.value === undefined) delete state.gold[op.question];
    else state.gold[op.question] = { value: op.value, provenance: op.provenance || `adjudicated:${data.user}` };
  }

  /** Store one gold answer: shown at once, sent through the queue. */
  function store(question, value, provenance, { take = null } = {}) {
    timers.delete(question);
    const op = { value, provenance: provenance || null };
    apply({ question, ...op });
    queue().setState("gold-answer", { question }, op);
    redraw(question, take);
  }

  async function reload() {
    const result = await api.call("GET", data.urls.gold_answers);
    if (!result.ok) return;
    state = result.data;
    for (const op of queue().ops) if (op.kind === "gold-answer") apply(op);
    redraw();
  }

  $("accept-answer-proposals").addEventListener("click", async () => {
    if (!(await settled())) {
      show("Your changes are not saved yet (see the status line): the proposals wait until they are.", "error");
      return;
    }
    show("saving…");
    const result = await api.call("POST", data.urls.accept_answer_proposals);
    if (!result.ok) {
      show(`The proposals were not stored: ${result.message}`, "error");
      return;
    }
    state = { ...state, gold: result.data };
    redraw();
    const count = Object.keys(result.data).length;
    show(`${count} gold answer${count === 1 ? "" : "s"} stored`, "ok");
  });

  return {
    apply,
    reload,
    redraw: () => redraw(),
    /** The server's gold answers after a change was stored (unless more are on their way). */
    saved(result) {
      if (!result || queue().ops.some((op) => op.kind === "gold-answer")) return;
      state = { ...state, gold: result };
      redraw();
    },
    describe(op) {
      const q = data.questions.find((x) => x.key === op.question);
      return `The gold answer to “${q ? q.name : op.question}” was not saved`;
    },
  };
}
