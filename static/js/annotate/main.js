// The annotate page. Reads the server-rendered paragraphs and the JSON data block, draws the
// highlights, and turns every action of the reviewer into an operation of the save queue.
// Offsets kept in the page's state are code points (as the server has them); the DOM is
// addressed in UTF-16 units through TextIndex.

import { Api } from "../shared/api.js";
import { attributeSummary } from "../shared/attributes.js";
import { SpanEditor } from "../shared/editor.js";
import {
  domPoint, offsetIn, selectionOffsets, textIndex, textSlice, wordStops,
} from "../shared/offsets.js";
import { tokens } from "../shared/tokens.js";
import { QuestionsPanel } from "../shared/questions.js";
import {
  keepSending, locks, newKey, otherStoredQueues as storedQueues, statusLine, tabKey, takeLeftovers,
} from "../shared/queue.js";
import { LedgerPanel } from "./ledger.js";
import { SaveQueue, sendOperation } from "./queue.js";
import { marksOf as marksIn, renderParagraph, spansAt } from "../shared/highlights.js";
import { renderSuggestionList, Suggestions } from "./suggestions.js";

const data = JSON.parse(document.getElementById("annotate-data").textContent);
const $ = (id) => document.getElementById(id);

const root = $("annotate");
const article = $("article");
const paraEls = Array.from(article.querySelectorAll("[data-paragraph-index]"));
const textEls = paraEls.map((p) => p.querySelector(".paragraph-text"));
const texts = textEls.map((t) => t.textContent);
const stopsCache = new Array(texts.length);
const stops = (p) => (stopsCache[p] ??= wordStops(texts[p]));

const labels = new Map(data.labels.map((l) => [l.key, l]));
const hotkeys = new Map();
for (const l of data.labels) if (l.hotkey) hotkeys.set(l.hotkey, l.key);

const els = {
  progress: $("progress"),
  progressText: $("progress-text"),
  notice: $("notice"),
  banner: $("readonly-banner"),
  currentNumber: $("current-number"),
  reviewToggle: $("review-toggle"),
  reviewFlag: $("review-flag"),
  spanList: $("span-list"),
  spanListEmpty: $("span-list-empty"),
  snap: $("snap-words"),
  submit: $("submit-button"),
  submitDialog: $("submit-dialog"),
  submitSummary: $("submit-summary"),
  helpDialog: $("help-dialog"),
  menu: $("span-menu"),
  announcer: $("announcer"),
  undo: $("undo-toast"),
  undoText: $("undo-text"),
  undoButton: $("undo-button"),
  undoClose: $("undo-close"),
  editAfterTag: $("edit-after-tag"),
  suggestionList: $("suggestion-list"),
  suggestionListEmpty: $("suggestion-list-empty"),
  suggestionCount: $("suggestion-count"),
  questionsPanel: $("questions-panel"),
  questionsCount: $("questions-count"),
};
const EDIT_AFTER_TAG = "framing-annotator:edit-after-tag";

// --- state ----------------------------------------------------------------------------------

const spans = new Map(); // key -> {key, id, paragraph, start, end, label, attributes, note}
const byParagraph = new Map(); // paragraph -> Set of keys
const reviewed = new Set(data.reviewed);
let readonly = Boolean(data.readonly);
let current = Math.min(Math.max(0, data.current || 0), paraEls.length - 1);
let activeKey = null;
let selectionWithAlt = false;
let leaving = false;
const suggestions = new Suggestions(data.suggestions_on ? data.suggestions : []);
// Keys of the suggestions (a, x, n) that no label of the codebook takes as its hotkey.
const SUGGESTION_KEYS = data.suggestions_on
  ? new Set(["a", "x", "n"].filter((k) => ![...hotkeys.keys()].some((h) => h.toLowerCase() === k)))
  : new Set();
let questions = null; // the panel of article-level questions, when the codebook asks any

const keyOf = (s) => s.client_id || `srv-${s.id}`;

function addSpan(span) {
  spans.set(span.key, span);
  let set = byParagraph.get(span.paragraph);
  if (!set) byParagraph.set(span.paragraph, (set = new Set()));
  set.add(span.key);
}

function removeSpan(key) {
  const span = spans.get(key);
  if (!span) return null;
  spans.delete(key);
  const set = byParagraph.get(span.paragraph);
  if (set) set.delete(key);
  return span;
}

function paragraphSpans(p) {
  const set = byParagraph.get(p);
  if (!set) return [];
  return [...set].map((k) => spans.get(k)).sort((a, b) => a.start - b.start || b.end - a.end);
}

function copy(value) {
  return value == null ? value : JSON.parse(JSON.stringify(value));
}

function fromServer(list) {
  spans.clear();
  byParagraph.clear();
  for (const s of list) {
    const key = keyOf(s);
    addSpan({ key, id: s.id, paragraph: s.paragraph, start: s.start, end: s.end,
      label: s.label, attributes: s.attributes || {}, note: s.note || "",
      origin: s.origin || null });
    if (queue) queue.rememberId(key, s.id);
  }
}

/** Apply a queued (not yet sent) operation to the page's state. */
function applyOp(op) {
  if (op.kind === "create") {
    if (op.suggestion) suggestions.remove(op.suggestion); // an accepted suggestion
    if (spans.has(op.key)) return; // it reached the server; the answer was lost
    const { client_id: _ignored, ...body } = op.body;
    addSpan({ key: op.key, id: queue.idOf(op.key) ?? null, attributes: {}, note: "",
      ...copy(body) });
  } else if (op.kind === "reject") {
    suggestions.remove(op.sid);
  } else if (op.kind === "patch") {
    const span = spans.get(op.key);
    if (span) Object.assign(span, copy(op.body));
  } else if (op.kind === "delete") {
    removeSpan(op.key);
  } else if (op.kind === "review") {
    if (op.reviewed) reviewed.add(op.paragraph);
    else reviewed.delete(op.paragraph);
  } else if (op.kind === "answers") {
    if (questions) questions.refresh(op.body);
  } else if (op.kind === "submit") {
    readonly = true;
    for (let i = 0; i < paraEls.length; i += 1) reviewed.add(i);
  }
}

// --- drawing --------------------------------------------------------------------------------

function render(p) {
  const t = textIndex(texts[p]);
  const list = paragraphSpans(p).map((s) => ({
    key: s.key, id: s.id, label: s.label, s16: t.toU16(s.start), e16: t.toU16(s.end),
  }));
  for (const s of suggestions.inParagraph(p)) {
    list.push({ key: s.id, label: s.label, s16: t.toU16(s.start), e16: t.toU16(s.end),
      suggestion: true, classes: ["suggestion"] });
  }
  const chosen = suggestions.currentId;
  renderParagraph(textEls[p], texts[p], list, activeKey);
  if (chosen) {
    for (const mark of textEls[p].querySelectorAll(`mark[data-suggestion-id="${CSS.escape(chosen)}"]`)) {
      mark.classList.add("is-active");
    }
  }
}

function renderReviewed() {
  paraEls.forEach((el, i) => {
    if (reviewed.has(i)) el.dataset.reviewed = "true";
    else delete el.dataset.reviewed;
  });
}

function excerpt(span, max = 90) {
  const flat = textSlice(texts[span.paragraph], span.start, span.end).replace(/\s+/g, " ");
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function spanSummary(span) {
  const summary = attributeSummary(labels.get(span.label), span.attributes);
  if (!span.note) return summary;
  return summary ? `${summary} · note` : "note";
}

function marksOf(key) {
  const span = spans.get(key);
  if (!span) return [];
  return marksIn(textEls[span.paragraph], key);
}

function updateProgress() {
  const done = reviewed.size;
  els.progress.value = done;
  els.progressText.replaceChildren(
    Object.assign(document.createElement("b"), { textContent: String(done) }),
    ` / ${paraEls.length}`,
    Object.assign(document.createElement("span"), { className: "progress-words",
      textContent: " paragraphs reviewed" }));
}

function updateSidebar() {
  els.currentNumber.textContent = String(current + 1);
  const isReviewed = reviewed.has(current);
  if (els.reviewToggle) {
    els.reviewToggle.setAttribute("aria-pressed", String(isReviewed));
    els.reviewToggle.textContent = isReviewed ? "✓ Reviewed" : "Mark reviewed";
    els.reviewToggle.title = isReviewed ? "Mark not reviewed (Shift+Enter)" : "Mark reviewed (Enter)";
  }
  if (els.reviewFlag) els.reviewFlag.hidden = !isReviewed;
  const items = paragraphSpans(current).map((span) => {
    const label = labels.get(span.label);
    const button = document.createElement("button");
    button.type = "button";
    button.className = "span-item";
    button.dataset.key = span.key;
    button.dataset.label = span.label;
    if (span.key === activeKey) button.setAttribute("aria-current", "true");
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.setAttribute("aria-hidden", "true");
    const name = document.createElement("span");
    name.className = "span-label";
    name.textContent = label ? label.name : span.label;
    const text = document.createElement("span");
    text.className = "span-text";
    text.textContent = `“${excerpt(span)}”`;
    const attrs = document.createElement("span");
    attrs.className = "span-attrs";
    attrs.textContent = spanSummary(span);
    if (span.origin) {
      // accepted from a rule's suggestion (annotator/suggestions/)
      const origin = document.createElement("span");
      origin.className = "span-origin";
      origin.textContent = `suggested: ${span.origin.replace(/^suggestion:/, "")}`;
      attrs.append(" · ", origin);
    }
    button.append(swatch, name, text, attrs);
    const li = document.createElement("li");
    li.append(button);
    return li;
  });
  els.spanList.replaceChildren(...items);
  els.spanListEmpty.hidden = items.length > 0;
  renderSuggestionList(els.suggestionList, els.suggestionListEmpty, els.suggestionCount,
    suggestions, current, labels, texts[current], {
      onAccept: (id) => acceptSuggestion(id),
      onReject: (id) => rejectSuggestion(id),
      onChoose: (id) => chooseSuggestion(id),
    });
}

function setCurrent(p, { focus = false, scroll = false } = {}) {
  if (p < 0 || p >= paraEls.length) return;
  const el = paraEls[p];
  if (p !== current) {
    const old = paraEls[current];
    old.removeAttribute("aria-current");
    old.tabIndex = -1;
    current = p;
  }
  el.setAttribute("aria-current", "true");
  el.tabIndex = 0;
  if (focus) el.focus({ preventScroll: true });
  if (scroll) el.scrollIntoView({ block: "nearest" });
  updateSidebar();
}

function setReadonly(message) {
  readonly = true;
  root.classList.add("is-readonly");
  for (const b of document.querySelectorAll("button[data-label].label-button")) b.disabled = true;
  if (els.reviewToggle) els.reviewToggle.disabled = true;
  if (els.submit) {
    els.submit.disabled = true;
    els.submit.textContent = "Submitted";
  }
  els.banner.hidden = false;
  if (message) {
    const span = els.banner.querySelector("span");
    if (span) span.textContent = message;
  }
  editor.setReadonly(true);
  if (questions) questions.setReadonly(true);
}

/** The server refused a submission (a required answer missing, say): editable again. */
function setWritable() {
  readonly = false;
  root.classList.remove("is-readonly");
  for (const b of document.querySelectorAll("button[data-label].label-button")) b.disabled = false;
  if (els.reviewToggle) els.reviewToggle.disabled = false;
  if (els.submit) {
    els.submit.disabled = false;
    els.submit.textContent = "Submit document";
  }
  els.banner.hidden = true;
  editor.setReadonly(false);
  if (questions) questions.setReadonly(false);
}

// --- messages -------------------------------------------------------------------------------

let noticeTimer = null;

function notice(message, kind = "error") {
  els.notice.querySelector(".notice-text").textContent = message;
  els.notice.className = `notice notice-${kind}`;
  els.notice.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(hideNotice, kind === "error" ? 20000 : 6000);
}

function hideNotice() {
  els.notice.hidden = true;
}

els.notice.querySelector(".notice-close").addEventListener("click", hideNotice);

function announce(message) {
  els.announcer.textContent = "";
  requestAnimationFrame(() => { els.announcer.textContent = message; });
}

// --- the save queue -------------------------------------------------------------------------

// Every write says which layout of the paragraphs the page was drawn from (layout.py).
const api = new Api(data.urls, { headers: { "X-Document-Layout": String(data.document.layout || 0) } });
const ledgerRoot = $("ledger-panel");
const ledgerPanel = ledgerRoot && data.urls.ledger
  ? new LedgerPanel(ledgerRoot, { api, url: data.urls.ledger }) : null;
let queue = null;

function describe(op) {
  const span = op.key && spans.get(op.key);
  const label = labels.get((op.body && op.body.label) || (span && span.label));
  const name = label ? label.name : "span";
  switch (op.kind) {
    case "create": return `The new ${name} span was not saved`;
    case "patch": return `The change to the ${name} span was not saved`;
    case "delete": return `The ${name} span was not deleted`;
    case "review": return `Paragraph ${op.paragraph + 1} was not marked ${op.reviewed ? "reviewed" : "not reviewed"}`;
    case "submit": return "The document was not submitted";
    case "reject": return "A suggestion was not rejected";
    case "answers": return "Your answers about the article as a whole were not saved";
    default: return "A change was not saved";
  }
}

function onSent(op, result) {
  if (op.kind === "create" && !result) {
    // 410: the span was deleted meanwhile (in another tab): settled, and gone here too.
    const span = removeSpan(op.key);
    if (editor.key === op.key) editor.close({ restoreFocus: false });
    if (span) render(span.paragraph);
    updateSidebar();
    return;
  }
  if (!op.kind === "create" || !result) return;
  const span = spans.get(op.key);
  if (!span) return;
  span.id = result.id;
  for (const mark of marksOf(op.key)) mark.dataset.annotationId = String(result.id);
}

async function onFailed(op, result) {
  if (result.data && result.data.layout !== undefined) {
    // An admin merged or split the paragraphs: this page's paragraph numbers are out of date.
    // The change stays stored (under this layout's key), to be counted when the page reloads.
    queue.stopped = true;
    queue.ops.unshift(op);
    queue.persist();
    setReadonly("An admin merged or split this document's paragraphs since this page opened: "
      + "reload the page to go on (unsent changes are counted when it opens).");
    notice(result.message, "error");
    return;
  }
  notice(`${describe(op)}: ${result.message}`, "error");
  if (op.kind === "create") {
    const span = removeSpan(op.key);
    if (editor.key === op.key) editor.close({ restoreFocus: false });
    if (span) render(span.paragraph);
    updateSidebar();
  }
  // Whatever the server refused, the page shows what it holds (and its read-only state).
  const submitted = await resync();
  if (op.kind === "submit" && submitted === false && !data.viewing_other) setWritable();
  if (questions && (op.kind === "answers"
      || (result.field && data.questions.some((q) => q.key === result.field)))) {
    showQuestions();
  }
}

/** Draw again after the spans changed wholesale: the paragraphs that had spans (``touched``)
 *  or have them now, the open editor, the review marks and the progress. */
function redraw(touched) {
  for (const p of byParagraph.keys()) touched.add(p);
  for (const p of touched) render(p);
  if (editor.isOpen && !spans.has(editor.key)) editor.close({ restoreFocus: false });
  else if (editor.isOpen) editor.refresh(spans.get(editor.key));
  renderReviewed();
  updateProgress();
  updateSidebar();
}

/** Reload the truth from the server and lay the still unsent changes over it. */
async function resync() {
  try {
    const [a, r, q, g] = await Promise.all([
      api.call("GET", data.urls.annotations),
      api.call("GET", data.urls.review_state),
      questions ? api.call("GET", data.urls.answers) : Promise.resolve(null),
      data.suggestions_on ? api.call("GET", data.urls.suggestions) : Promise.resolve(null),
    ]);
    if (!a.ok || !r.ok || !Array.isArray(a.data)) return undefined;
    if (q && q.ok && q.data) questions.refresh(q.data);
    const touched = new Set(byParagraph.keys());
    for (const s of suggestions.items.values()) touched.add(s.paragraph);
    if (g && g.ok && Array.isArray(g.data)) suggestions.replace(g.data);
    for (const s of suggestions.items.values()) touched.add(s.paragraph);
    fromServer(a.data);
    reviewed.clear();
    for (const i of r.data.reviewed_paragraphs || []) reviewed.add(i);
    const wasReadonly = readonly;
    if (r.data.status === "submitted") readonly = true;
    for (const op of queue.ops) applyOp(op);
    redraw(touched);
    updateQuestionsCount();
    if (readonly && !wasReadonly) setReadonly("This document has been submitted: it is read-only.");
    return r.data.status === "submitted";
  } catch (err) {
    console.warn("Could not reload the spans:", err);
    return undefined;
  }
}

const showStatus = statusLine(root, () => queue);

function onStatus(status) {
  // every change has reached the server: the reviewer's ledger is asked again
  if (status.state === "saved" && ledgerPanel && root.dataset.ready === "true") {
    ledgerPanel.schedule();
  }
  showStatus(status);
}

function onAuth() {
  leaving = true;
  const next = window.location.pathname + window.location.search;
  window.location.assign(`${data.urls.login}?next=${encodeURIComponent(next)}`);
}

// Each tab keeps its own stored queue (tabs would otherwise write over each other's copy);
// what a tab left unsent (closed, or reloaded) is taken over by the next page of the document
// that opens (``adoptLeftovers``). A Web Lock named after a tab's queue says the tab is alive.
// Without Web Locks (a page served over plain HTTP to another machine), tabs share one queue.
// A queue belongs to one layout of the document's paragraphs (merging or splitting them
// renumbers paragraphs and moves offsets): a queue of another layout is never sent.
const QUEUE_DOC = `framing-annotator:queue:v1:${data.user.id}:${data.document.id}`;
const QUEUE_BASE = data.document.layout ? `${QUEUE_DOC}:L${data.document.layout}` : QUEUE_DOC;
if (!data.viewing_other) {
  queue = new SaveQueue({
    storageKey: tabKey(QUEUE_BASE),
    send: (op, id) => sendOperation(api, op, id),
    onSent,
    onFailed,
    onAuth,
    onStatus,
    retryMaxMs: data.retry_max_ms,
  });
}

/** The stored queues of this user and document but this page's own (the old shared one too). */
function otherStoredQueues() {
  return storedQueues(queue, QUEUE_BASE);
}

if (queue && locks) {
  queue.held = true;
  // changes another tab left may be taken over: not "saved" until that is settled
  if (otherStoredQueues().length) onStatus({ state: "saving", unsent: 0, message: "" });
}

/** The stored queues of this user and document that no live tab holds (and the old shared
 *  one), taken out of storage: their operations are this page's to send now. */
/** The stored queues of this user and document made for another layout of its paragraphs. */
function staleStoredQueues() {
  const ours = (key) => key === QUEUE_BASE || key.startsWith(`${QUEUE_BASE}:tab:`);
  return Object.keys(window.localStorage).filter((key) => !ours(key)
    && (key === QUEUE_DOC || key.startsWith(`${QUEUE_DOC}:`)));
}

/** Unsent changes made before an admin merged or split the paragraphs point at the old ones:
 *  they are dropped, and the reviewer is told how many to redo. */
async function dropStaleQueues() {
  let live = new Set();
  if (locks) {
    const state = await locks.query();
    live = new Set([...(state.held || []), ...(state.pending || [])].map((l) => l.name));
  }
  let lost = 0;
  for (const key of staleStoredQueues().filter((k) => !live.has(k))) {
    try {
      const stored = JSON.parse(window.localStorage.getItem(key) || "{}");
      lost += (stored.ops || []).length;
    } catch {
      lost += 1;
    }
    window.localStorage.removeItem(key);
  }
  if (lost) {
    notice(`${lost} unsent change${lost === 1 ? " was" : "s were"} made before an admin merged or `
      + "split this document's paragraphs: they pointed at the old paragraphs and were not "
      + "sent. Please make them again.", "error");
  }
}

async function adoptLeftovers() {
  if (queue) await dropStaleQueues();
  return takeLeftovers(queue, QUEUE_BASE);
}

/** Lay the taken-over operations on the page, as the page's own unsent ones are. */
function showAdopted(ops) {
  const touched = new Set(byParagraph.keys());
  for (const op of ops) applyOp(op);
  redraw(touched);
  if (readonly && !root.classList.contains("is-readonly")) setReadonly();
}

// --- changes --------------------------------------------------------------------------------

function refuseIfReadonly() {
  if (!readonly) return false;
  const message = data.viewing_other
    ? "You are viewing another reviewer's spans: nothing can be changed here."
    : "You have submitted this document: it is read-only.";
  if (!els.banner.hidden) {
    // The banner says it already: draw the eye to it (and tell screen readers) rather than
    // show the same sentence a second time.
    els.banner.classList.remove("attention");
    void els.banner.offsetWidth;  // restart the animation
    els.banner.classList.add("attention");
    announce(message);
  } else {
    notice(message, "info");
  }
  return true;
}

/** Where a DOM boundary point falls: {p, u} (paragraph, UTF-16 offset), or null. */
function locate(node, offset, side) {
  const el = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
  const para = el && el.closest("[data-paragraph-index]");
  if (!para || !article.contains(para)) {
    if (node !== article) return null;
    // Between paragraphs: the start goes to the next one, the end to the previous one.
    const isPara = (n) => n && n.nodeType === Node.ELEMENT_NODE && n.dataset.paragraphIndex != null;
    if (side === "start") {
      let n = node.childNodes[offset] || null;
      while (n && !isPara(n)) n = n.nextSibling;
      return n ? { p: Number(n.dataset.paragraphIndex), u: 0 } : null;
    }
    let m = offset > 0 ? node.childNodes[offset - 1] : null;
    while (m && !isPara(m)) m = m.previousSibling;
    if (!m) return null;
    const p = Number(m.dataset.paragraphIndex);
    return { p, u: texts[p].length };
  }
  const p = Number(para.dataset.paragraphIndex);
  const textEl = textEls[p];
  if (textEl === node || textEl.contains(node)) return { p, u: offsetIn(textEl, node, offset) };
  const range = document.createRange();
  range.selectNodeContents(textEl);
  return { p, u: range.comparePoint(node, offset) < 0 ? 0 : texts[p].length };
}

/** The current selection as {a, b} boundary points, or null when there is none. */
function selectionPoints() {
  const sel = window.getSelection();
  if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
  const range = sel.getRangeAt(0);
  let a = locate(range.startContainer, range.startOffset, "start");
  let b = locate(range.endContainer, range.endOffset, "end");
  if (!a || !b) return { outside: true };
  // A triple click selects up to the start of the next paragraph: that end belongs before it.
  if (b.p > a.p && b.u === 0) b = { p: b.p - 1, u: texts[b.p - 1].length };
  if (a.p < b.p && a.u === texts[a.p].length) a = { p: a.p + 1, u: 0 };
  return { a, b };
}

function tagSelection(labelKey, { exact = false } = {}) {
  if (refuseIfReadonly()) return;
  const label = labels.get(labelKey);
  const points = selectionPoints();
  if (!points) {
    notice(`Select the words to tag first (drag over them, or use → and Shift+→), then press ${label.hotkey || "the label"}.`, "info");
    return;
  }
  if (points.outside) {
    notice("Select text inside the article's paragraphs.", "info");
    return;
  }
  const { a, b } = points;
  if (a.p !== b.p) {
    notice(`A span must stay within one paragraph: this selection runs from paragraph ${a.p + 1} to ${b.p + 1}. Select text in a single paragraph.`, "error");
    return;
  }
  const snap = !exact && !selectionWithAlt && els.snap.checked;
  const offsets = selectionOffsets(texts[a.p], Math.min(a.u, b.u), Math.max(a.u, b.u), snap);
  if (!offsets) {
    notice("The selection holds only white space.", "info");
    return;
  }
  const { start, end } = offsets;
  const twin = [...spans.values()].find((s) => s.paragraph === a.p && s.start === start
    && s.end === end && s.label === labelKey);
  if (twin) {
    // The same words with the same label again: nothing to store (the server would refuse it).
    window.getSelection().removeAllRanges();
    notice(`Already tagged: this passage is a ${label.name} span already. Select it to edit it.`, "info");
    announce(`Already tagged as ${label.name}.`);
    return;
  }
  const key = newKey();
  const span = { key, id: null, paragraph: a.p, start, end, label: labelKey, attributes: {}, note: "" };
  addSpan(span);
  window.getSelection().removeAllRanges();
  selectionWithAlt = false;
  render(a.p);
  setCurrent(a.p);
  hideNotice();
  queue.create(key, { paragraph: a.p, start, end, label: labelKey, attributes: {}, note: "" });
  announce(`${label.name} span added: ${excerpt(span, 60)}`);
  if (els.editAfterTag && els.editAfterTag.checked) {
    // its attributes and note next: Tab walks through them, Enter closes
    openEditor(key, paraEls[a.p], { focus: "panel" });
  }
}

// --- suggestions --------------------------------------------------------------------------

/** Make a suggestion the current one: its paragraph becomes the current paragraph. */
function chooseSuggestion(id, { scroll = true } = {}) {
  const s = suggestions.get(id);
  if (!s) return;
  const previous = suggestions.currentId && suggestions.get(suggestions.currentId);
  suggestions.currentId = id;
  if (previous && previous.paragraph !== s.paragraph) render(previous.paragraph);
  render(s.paragraph);
  setCurrent(s.paragraph, { focus: true, scroll });
  const label = labels.get(s.label);
  announce(`Suggestion: ${label ? label.name : s.label}, “${textSlice(texts[s.paragraph], s.start, s.end).slice(0, 80)}”, by the rule ${s.rule}. a accepts, x rejects, n goes on.`);
}

function nextSuggestion() {
  const before = suggestions.currentId;
  const s = suggestions.next(current);
  if (!s) {
    notice("No suggestions are left in this document.", "info");
    return;
  }
  suggestions.currentId = before;
  chooseSuggestion(s.id);
}

/** The suggestion `a` and `x` act on: the chosen one, else the first of the paragraph. */
function currentSuggestion() {
  const s = suggestions.current(current);
  if (!s) notice("There is no suggestion in this paragraph: press n for the next one.", "info");
  return s;
}

function acceptSuggestion(id = null) {
  if (refuseIfReadonly()) return;
  const s = id ? suggestions.get(id) : currentSuggestion();
  if (!s) return;
  const label = labels.get(s.label);
  const key = newKey();
  const span = { paragraph: s.paragraph, start: s.start, end: s.end, label: s.label,
    attributes: copy(s.attributes) || {} };
  const wasCurrent = suggestions.currentId === s.id || !suggestions.currentId;
  suggestions.remove(s.id);
  addSpan({ key, id: null, note: "", origin: `suggestion:${s.rule}`, ...span });
  render(s.paragraph);
  updateSidebar();
  queue.accept(key, s.id, span);
  announce(`Accepted: the ${label ? label.name : s.label} suggestion is your span now.`);
  if (wasCurrent) goOnAfter(s);
}

function rejectSuggestion(id = null) {
  if (refuseIfReadonly()) return;
  const s = id ? suggestions.get(id) : currentSuggestion();
  if (!s) return;
  const wasCurrent = suggestions.currentId === s.id || !suggestions.currentId;
  suggestions.remove(s.id);
  render(s.paragraph);
  updateSidebar();
  queue.reject(s.id);
  announce("Suggestion rejected.");
  if (wasCurrent) goOnAfter(s);
}

/** After a decision: the next suggestion of the same paragraph becomes current, if any. */
function goOnAfter(decided) {
  const next = suggestions.inParagraph(decided.paragraph).find((s) => s.start >= decided.start)
    || suggestions.inParagraph(decided.paragraph)[0];
  if (next) {
    suggestions.currentId = next.id;
    render(next.paragraph);
    updateSidebar();
  }
}

function changeSpan(key, fields, { delay = 0 } = {}) {
  const span = spans.get(key);
  if (!span || refuseIfReadonly()) return;
  Object.assign(span, copy(fields));
  if ("label" in fields || "start" in fields || "end" in fields) {
    render(span.paragraph);
    placeHandles();
  }
  if (span.paragraph === current) updateSidebar();
  queue.patch(key, fields, { delay });
}

// Deleted spans, newest last, for Undo (the toast's button, or Ctrl+Z): undoing makes the span
// again under a new client id (a deleted span's client id stays taken on the server).
const deleted = [];
const UNDO_KEEP = 20;
const UNDO_SHOWN_MS = 10000;
let undoTimer = null;

function deleteSpan(key) {
  if (refuseIfReadonly()) return;
  const span = removeSpan(key);
  if (!span) return;
  if (editor.key === key) {
    editor.close({ restoreFocus: false });
    paraEls[span.paragraph].focus({ preventScroll: true });
  }
  render(span.paragraph);
  updateSidebar();
  queue.remove(key);
  deleted.push(copy(span));
  if (deleted.length > UNDO_KEEP) deleted.shift();
  const label = labels.get(span.label);
  showUndo(`${label ? label.name : "The"} span deleted: “${excerpt(span, 40)}”.`);
  announce(`${label ? label.name : "The"} span deleted. Press Control+Z to undo.`);
}

function showUndo(message) {
  els.undoText.textContent = message;
  els.undo.hidden = false;
  clearTimeout(undoTimer);
  undoTimer = setTimeout(() => { els.undo.hidden = true; }, UNDO_SHOWN_MS);
}

function undoDelete() {
  if (readonly || !deleted.length) return false;
  const old = deleted.pop();
  const key = newKey();
  const span = { ...old, key, id: null };
  addSpan(span);
  render(span.paragraph);
  setCurrent(span.paragraph);
  queue.create(key, { paragraph: span.paragraph, start: span.start, end: span.end,
    label: span.label, attributes: copy(span.attributes), note: span.note });
  els.undo.hidden = deleted.length === 0 || els.undo.hidden;
  if (!deleted.length) els.undo.hidden = true;
  const label = labels.get(span.label);
  announce(`${label ? label.name : "The"} span is back.`);
  return true;
}

function setReviewed(p, value) {
  if (refuseIfReadonly()) return;
  if (reviewed.has(p) === value) return;
  if (value) reviewed.add(p);
  else reviewed.delete(p);
  if (value) paraEls[p].dataset.reviewed = "true";
  else delete paraEls[p].dataset.reviewed;
  updateProgress();
  if (p === current) updateSidebar();
  queue.review(p, value);
}

function reviewAndNext() {
  if (refuseIfReadonly()) return;
  setReviewed(current, true);
  if (current + 1 < paraEls.length) {
    setCurrent(current + 1, { focus: true, scroll: true });
  } else if (reviewed.size === paraEls.length) {
    notice("Every paragraph is reviewed: submit the document when you are ready.", "info");
  } else {
    notice("That was the last paragraph.", "info");
  }
}

// --- the editor and the overlap menu --------------------------------------------------------

const editor = new SpanEditor($("span-editor"), {
  labels,
  text: (p) => texts[p],
  bounds: true,
  enterCloses: true,
  notePlaceholder: "Why this span, doubts, context…",
  onChange: changeSpan,
  onDelete: (span) => deleteSpan(span.key),
  onClose(span, returnFocus) {
    activeKey = null;
    root.classList.remove("is-editing");
    for (const m of marksOf(span.key)) m.classList.remove("is-active");
    placeHandles();
    updateSidebar();
    if (returnFocus) {
      const target = returnFocus.isConnected && returnFocus !== document.body
        ? returnFocus : paraEls[current];
      target.focus({ preventScroll: true });
    }
  },
});

function openEditor(key, returnFocus = null, { focus = "field" } = {}) {
  const span = spans.get(key);
  if (!span) return;
  if (activeKey) for (const m of marksOf(activeKey)) m.classList.remove("is-active");
  activeKey = key;
  for (const m of marksOf(key)) m.classList.add("is-active");
  editor.open(span, {
    readonly,
    focus,
    returnFocus: returnFocus || paraEls[span.paragraph],
  });
  root.classList.add("is-editing");
  placeHandles();
  updateSidebar();
}

// --- handles: the open span's start and end, dragged over the text ---------------------------

const handles = ["start", "end"].map((edge) => {
  const handle = document.createElement("span");
  handle.className = `span-handle span-handle-${edge}`;
  handle.dataset.edge = edge;
  handle.setAttribute("aria-hidden", "true");  // the keyboard has the Bounds field
  handle.title = edge === "start" ? "Drag to move the start (Alt: by character)"
    : "Drag to move the end (Alt: by character)";
  handle.hidden = true;
  document.body.append(handle);
  return handle;
});

/** Put the handles at the open span's first and last character (hidden when no span is open,
 *  read-only, or off screen). */
function placeHandles() {
  const span = activeKey && spans.get(activeKey);
  const marks = span ? marksOf(span.key) : [];
  if (!span || readonly || !marks.length) {
    for (const h of handles) h.hidden = true;
    return;
  }
  const t = textIndex(texts[span.paragraph]);
  const range = document.createRange();
  const place = (handle, u, side) => {
    const [node, offset] = domPoint(textEls[span.paragraph], u);
    range.setStart(node, offset);
    range.setEnd(node, offset);
    const rects = range.getClientRects();
    const rect = rects.length ? rects[0] : range.getBoundingClientRect();
    handle.hidden = false;
    handle.style.left = `${rect.left + window.scrollX - (side === "start" ? 5 : 0)}px`;
    handle.style.top = `${rect.top + window.scrollY}px`;
    handle.style.height = `${Math.max(rect.height, 16)}px`;
  };
  place(handles[0], t.toU16(span.start), "start");
  place(handles[1], t.toU16(span.end), "end");
}

let dragging = null;

for (const handle of handles) {
  handle.addEventListener("pointerdown", (event) => {
    const span = activeKey && spans.get(activeKey);
    if (!span || readonly) return;
    event.preventDefault();
    handle.setPointerCapture(event.pointerId);
    dragging = { edge: handle.dataset.edge, key: span.key, start: span.start, end: span.end };
    root.classList.add("is-dragging");
  });
  handle.addEventListener("pointermove", (event) => {
    if (!dragging) return;
    const span = spans.get(dragging.key);
    const at = pointOffset(span.paragraph, event.clientX, event.clientY, !event.altKey);
    if (at == null) return;
    let { start, end } = dragging;
    if (dragging.edge === "start") start = Math.min(at, end - 1);
    else end = Math.max(at, start + 1);
    if (start === dragging.start && end === dragging.end) return;
    dragging.start = start;
    dragging.end = end;
    // drawn at once; sent when the drag ends
    Object.assign(span, { start, end });
    render(span.paragraph);
    placeHandles();
  });
  const finish = () => {
    if (!dragging) return;
    const { key, start, end } = dragging;
    dragging = null;
    root.classList.remove("is-dragging");
    const span = spans.get(key);
    if (span && editor.key === key) editor.setBounds(start, end, { edge: null });
    else if (span) changeSpan(key, { start, end });
  };
  handle.addEventListener("pointerup", finish);
  handle.addEventListener("pointercancel", finish);
}

/** The code-point offset in paragraph ``p`` under the pointer, snapped to the nearest edge of a
 *  word (a token of the server's rule) unless ``snap`` is false; null outside the paragraph. */
function pointOffset(p, x, y, snap) {
  let node = null;
  let offset = 0;
  if (document.caretPositionFromPoint) {
    const pos = document.caretPositionFromPoint(x, y);
    if (pos) ({ offsetNode: node, offset } = pos);
  } else if (document.caretRangeFromPoint) {
    const range = document.caretRangeFromPoint(x, y);
    if (range) { node = range.startContainer; offset = range.startOffset; }
  }
  if (!node || !textEls[p].contains(node)) return null;
  const u = offsetIn(textEls[p], node, offset);
  const cp = textIndex(texts[p]).toCp(u);
  if (!snap) return cp;
  const edges = tokens(texts[p]).flat();
  return edges.reduce((best, v) => (Math.abs(v - cp) < Math.abs(best - cp) ? v : best), edges[0] ?? cp);
}

window.addEventListener("resize", () => placeHandles());

// --- on a phone: the current paragraph follows the scroll -------------------------------------

const phone = window.matchMedia("(max-width: 640px)");
const readerScroll = $("reader-scroll");
let followPending = false;

/** The paragraph under a line a third down the reading area becomes the current one (the
 *  side panel's "Paragraph N" and Enter follow what the reader sees), unless a selection is
 *  being made. */
function followScroll() {
  followPending = false;
  if (!phone.matches || !window.getSelection().isCollapsed) return;
  const box = readerScroll.getBoundingClientRect();
  const line = box.top + box.height / 3;
  for (let i = 0; i < paraEls.length; i += 1) {
    const r = paraEls[i].getBoundingClientRect();
    if (r.bottom >= line) {
      if (i !== current && r.top <= box.bottom) setCurrent(i);
      return;
    }
  }
}

readerScroll.addEventListener("scroll", () => {
  if (!followPending) {
    followPending = true;
    requestAnimationFrame(followScroll);
  }
}, { passive: true });
document.addEventListener("scroll", () => placeHandles(), true);

let menuReturn = null;

function closeMenu(restore = true) {
  if (els.menu.hidden) return;
  els.menu.hidden = true;
  els.menu.replaceChildren();
  if (restore && menuReturn) menuReturn.focus({ preventScroll: true });
  menuReturn = null;
}

function openMenu(keys, x, y, returnFocus) {
  menuReturn = returnFocus;
  const title = document.createElement("p");
  title.className = "menu-title";
  title.textContent = "Overlapping spans here:";
  const items = keys.map((key) => {
    const span = spans.get(key);
    const label = labels.get(span.label);
    const item = document.createElement("button");
    item.type = "button";
    item.setAttribute("role", "menuitem");
    item.dataset.label = span.label;
    item.dataset.key = key;
    item.className = "menu-item";
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    const name = document.createElement("b");
    name.textContent = label ? label.name : span.label;
    const text = document.createElement("span");
    text.className = "menu-text";
    text.textContent = `“${excerpt(span, 60)}”`;
    item.append(swatch, name, text);
    item.addEventListener("click", () => {
      closeMenu(false);
      openEditor(key, returnFocus);
    });
    return item;
  });
  els.menu.replaceChildren(title, ...items);
  els.menu.hidden = false;
  const rect = els.menu.getBoundingClientRect();
  const left = Math.max(8, Math.min(x, window.innerWidth - rect.width - 8));
  const top = y + 12 + rect.height > window.innerHeight ? Math.max(8, y - rect.height - 8) : y + 12;
  els.menu.style.left = `${left}px`;
  els.menu.style.top = `${top}px`;
  items[0].focus({ preventScroll: true });
}

els.menu.addEventListener("keydown", (event) => {
  const items = [...els.menu.querySelectorAll("[role=menuitem]")];
  const i = items.indexOf(document.activeElement);
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    const next = (i + (event.key === "ArrowDown" ? 1 : -1) + items.length) % items.length;
    items[next].focus();
  } else if (event.key === "Escape") {
    event.preventDefault();
    event.stopPropagation();
    closeMenu();
  } else if (event.key === "Tab") {
    closeMenu(false);
  }
  event.stopPropagation();
});

document.addEventListener("mousedown", (event) => {
  if (!els.menu.hidden && !els.menu.contains(event.target)) closeMenu(false);
});

// --- mouse ----------------------------------------------------------------------------------

article.addEventListener("mousedown", (event) => {
  selectionWithAlt = event.altKey;
});

article.addEventListener("mouseup", (event) => {
  selectionWithAlt = event.altKey;
});

article.addEventListener("click", (event) => {
  const para = event.target.closest("[data-paragraph-index]");
  if (!para) return;
  const p = Number(para.dataset.paragraphIndex);
  const sel = window.getSelection();
  if (sel && !sel.isCollapsed) {
    // The reviewer selected text: make its paragraph current, leave the selection alone.
    const points = selectionPoints();
    if (points && points.a) setCurrent(points.a.p);
    return;
  }
  setCurrent(p);
  const keys = spansAt(event.target, textEls[p]);
  if (keys.length === 1) openEditor(keys[0], para);
  else if (keys.length > 1) openMenu(keys, event.clientX, event.clientY, para);
  else {
    const mark = event.target.closest("mark.suggestion[data-suggestion-id]");
    if (mark) chooseSuggestion(mark.dataset.suggestionId, { scroll: false });
  }
});

for (const button of document.querySelectorAll("button.label-button[data-label]")) {
  // Keep the selection and the focus where they are when the button is pressed.
  button.addEventListener("mousedown", (event) => event.preventDefault());
  button.addEventListener("click", (event) => {
    tagSelection(button.dataset.label, { exact: event.altKey });
  });
}

els.spanList.addEventListener("click", (event) => {
  const item = event.target.closest(".span-item");
  if (item) openEditor(item.dataset.key, item);
});

function hoverMarks(event, on) {
  const item = event.target.closest(".span-item");
  if (!item) return;
  for (const m of marksOf(item.dataset.key)) m.classList.toggle("is-hover", on);
}
els.spanList.addEventListener("mouseover", (e) => hoverMarks(e, true));
els.spanList.addEventListener("mouseout", (e) => hoverMarks(e, false));
els.spanList.addEventListener("focusin", (e) => hoverMarks(e, true));
els.spanList.addEventListener("focusout", (e) => hoverMarks(e, false));

if (els.reviewToggle) {
  els.reviewToggle.addEventListener("click", () => setReviewed(current, !reviewed.has(current)));
}

els.undoButton.addEventListener("click", () => undoDelete());
els.undoClose.addEventListener("click", () => { els.undo.hidden = true; });
if (els.editAfterTag) {
  const stored = window.localStorage.getItem(EDIT_AFTER_TAG);
  if (stored !== null) els.editAfterTag.checked = stored === "1";
  els.editAfterTag.addEventListener("change", () => {
    window.localStorage.setItem(EDIT_AFTER_TAG, els.editAfterTag.checked ? "1" : "0");
  });
}
$("help-button").addEventListener("click", () => els.helpDialog.showModal());

// --- submitting -----------------------------------------------------------------------------

/** The required questions still open, listed in the submit dialog: submitting waits for
 *  them (the server refuses it too). Returns how many there are. */
function unansweredSummary(box) {
  const open = questions ? questions.missingRequired() : [];
  const confirm = $("submit-confirm");
  confirm.disabled = open.length > 0;
  if (!open.length) return 0;
  const lead = document.createElement("p");
  lead.className = "warning";
  lead.textContent = open.length === 1
    ? "Answer this required question about the article first:"
    : `Answer these ${open.length} required questions about the article first:`;
  const list = document.createElement("ul");
  list.className = "unanswered";
  for (const q of open) {
    const li = document.createElement("li");
    const go = document.createElement("button");
    go.type = "button";
    go.className = "link-button";
    go.textContent = q.name;
    go.addEventListener("click", () => {
      els.submitDialog.close("cancel");
      showQuestions(q.key);
    });
    li.append(go);
    list.append(li);
  }
  box.append(lead, list);
  return open.length;
}

function submitSummary() {
  const missing = [];
  for (let i = 0; i < paraEls.length; i += 1) if (!reviewed.has(i)) missing.push(i);
  const box = els.submitSummary;
  box.replaceChildren();
  unansweredSummary(box);
  const lead = document.createElement("p");
  if (!missing.length) {
    lead.textContent = `All ${paraEls.length} paragraphs are marked reviewed.`;
    box.append(lead);
    return;
  }
  lead.className = "warning";
  lead.textContent = missing.length === 1
    ? "1 paragraph is not marked reviewed:"
    : `${missing.length} paragraphs are not marked reviewed:`;
  const list = document.createElement("ul");
  list.className = "unreviewed";
  for (const i of missing.slice(0, 12)) {
    const li = document.createElement("li");
    const num = document.createElement("b");
    num.textContent = `¶ ${i + 1}`;
    const flat = texts[i].replace(/\s+/g, " ");
    const text = document.createElement("span");
    text.className = "excerpt";
    text.textContent = flat.length > 70 ? `${flat.slice(0, 69)}…` : flat;
    li.append(num, " ", text);
    list.append(li);
  }
  box.append(lead, list);
  if (missing.length > 12) {
    const more = document.createElement("p");
    more.textContent = `…and ${missing.length - 12} more.`;
    box.append(more);
  }
}

if (els.submit) {
  els.submit.addEventListener("click", () => {
    if (refuseIfReadonly()) return;
    submitSummary();
    els.submitDialog.returnValue = "";
    els.submitDialog.showModal();
  });
  els.submitDialog.addEventListener("close", () => {
    if (els.submitDialog.returnValue !== "submit" || readonly) return;
    if (questions && questions.missingRequired().length) return;
    queue.submit();
    for (let i = 0; i < paraEls.length; i += 1) reviewed.add(i);
    renderReviewed();
    updateProgress();
    setReadonly();
    updateSidebar();
    announce("Document submitted.");
  });
}

// --- the article as a whole ----------------------------------------------------------------

function updateQuestionsCount() {
  if (!questions || !els.questionsCount) return;
  const answered = Object.keys(questions.answers()).length;
  els.questionsCount.textContent = `${answered} of ${data.questions.length} answered`;
}

/** Bring the questions into view with the focus on the first open required one (or ``key``). */
function showQuestions(key = null) {
  if (!questions) return;
  els.questionsPanel.scrollIntoView({ block: "nearest" });
  questions.focus(key);
}

if (data.questions && data.questions.length && $("questions")) {
  questions = new QuestionsPanel($("questions"), {
    questions: data.questions,
    answers: data.answers || {},
    readonly,
    onChange: (answers, { delay }) => {
      if (readonly || !queue) return;
      queue.answers(answers, { delay });
      updateQuestionsCount();
    },
  });
  updateQuestionsCount();
}

// --- the keyboard ---------------------------------------------------------------------------

function currentSelectionIn(p) {
  const points = selectionPoints();
  if (!points || points.outside || points.a.p !== p || points.b.p !== p) return null;
  return [points.a.u, points.b.u];
}

function selectU16(p, a, b) {
  const [sn, so] = domPoint(textEls[p], a);
  const [en, eo] = domPoint(textEls[p], b);
  const range = document.createRange();
  range.setStart(sn, so);
  range.setEnd(en, eo);
  const sel = window.getSelection();
  sel.removeAllRanges();
  sel.addRange(range);
  selectionWithAlt = false;
}

function moveWord(direction, extend) {
  const list = stops(current);
  if (!list.length) return;
  const sel = currentSelectionIn(current);
  if (!sel) {
    const [a, b] = direction > 0 ? list[0] : list[list.length - 1];
    selectU16(current, a, b);
    return;
  }
  const [a, b] = sel;
  if (!extend) {
    const next = direction > 0
      ? list.find((s) => s[0] >= b) || list.find((s) => s[0] > a)
      : [...list].reverse().find((s) => s[1] <= a) || [...list].reverse().find((s) => s[1] < b);
    if (next) selectU16(current, next[0], next[1]);
    return;
  }
  if (direction > 0) {
    const next = list.find((s) => s[1] > b);
    if (next) selectU16(current, a, next[1]);
  } else {
    const prev = [...list].reverse().find((s) => s[1] < b && s[1] > a);
    if (prev) selectU16(current, a, prev[1]);
  }
}

function labelForKey(event) {
  if (event.key === "j" || event.key === "k") return null;
  let key = event.key;
  if (event.altKey) {
    // Alt changes the character on some layouts: go by the physical key.
    const m = /^(?:Digit|Numpad)(\d)$|^Key([A-Z])$/.exec(event.code || "");
    if (m) key = m[1] || m[2].toLowerCase();
  }
  if (!key || key.length !== 1) return null;
  if (hotkeys.has(key)) return hotkeys.get(key);
  for (const [k, label] of hotkeys) if (k.toLowerCase() === key.toLowerCase()) return label;
  return null;
}

const NOT_TYPED = new Set(["checkbox", "radio", "button", "submit", "reset", "range", "color"]);

/** Keys typed here are text, not shortcuts (a checkbox still takes the label hotkeys). */
function typing(target) {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target.closest("textarea, select, [contenteditable]")) return true;
  return target instanceof HTMLInputElement && !NOT_TYPED.has(target.type);
}

document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || event.isComposing) return;
  if (document.querySelector("dialog[open]")) return;
  const target = event.target;
  if ((event.ctrlKey || event.metaKey) && !event.shiftKey && !event.altKey
      && event.key.toLowerCase() === "z" && !typing(target)) {
    if (undoDelete()) event.preventDefault();
    return;
  }
  if (event.ctrlKey || event.metaKey) return;
  if (typing(target)) return;
  if (target instanceof Element && target.closest("#span-editor, #span-menu")) {
    // In the editor (on its heading after tagging) a label's key still tags a new selection.
    const label = !window.getSelection().isCollapsed && target.closest("#span-editor")
      ? labelForKey(event) : null;
    if (label) {
      event.preventDefault();
      tagSelection(label, { exact: event.altKey });
    }
    return;
  }
  const onControl = target instanceof Element && target.closest("button, a[href], summary, input");
  if (event.key === "?") {
    event.preventDefault();
    els.helpDialog.showModal();
    return;
  }
  const label = labelForKey(event);
  if (label) {
    event.preventDefault();
    tagSelection(label, { exact: event.altKey });
    return;
  }
  if (SUGGESTION_KEYS.has(event.key) && !event.altKey) {
    event.preventDefault();
    if (event.key === "n") nextSuggestion();
    else if (event.key === "a") acceptSuggestion();
    else rejectSuggestion();
    return;
  }
  if (onControl && (event.key === "Enter" || event.key === " ")) return;
  switch (event.key) {
    case "j":
    case "ArrowDown":
      event.preventDefault();
      window.getSelection().removeAllRanges();
      setCurrent(Math.min(current + 1, paraEls.length - 1), { focus: true, scroll: true });
      break;
    case "k":
    case "ArrowUp":
      event.preventDefault();
      window.getSelection().removeAllRanges();
      setCurrent(Math.max(current - 1, 0), { focus: true, scroll: true });
      break;
    case "Home":
    case "End":
      if (event.shiftKey) return;
      event.preventDefault();
      setCurrent(event.key === "Home" ? 0 : paraEls.length - 1, { focus: true, scroll: true });
      break;
    case "Enter":
      event.preventDefault();
      if (event.shiftKey) setReviewed(current, false);
      else reviewAndNext();
      break;
    case "ArrowRight":
    case "ArrowLeft":
      if (event.altKey) return;
      event.preventDefault();
      moveWord(event.key === "ArrowRight" ? 1 : -1, event.shiftKey);
      break;
    case "q":
      if (!questions) return;
      event.preventDefault();
      showQuestions();
      break;
    case "Escape":
      if (!window.getSelection().isCollapsed) window.getSelection().removeAllRanges();
      else if (editor.isOpen) editor.close();
      else hideNotice();
      break;
    default:
  }
});

// --- leaving and coming back ----------------------------------------------------------------

keepSending(() => queue, () => leaving);

// --- start ----------------------------------------------------------------------------------

/** Draw the highlights: the paragraphs around the current one at once, the rest in slices
 *  between frames, so that even 5,000 spans never hold up the page for long. */
function renderAll(done) {
  const drawn = new Set(byParagraph.keys());
  for (const s of suggestions.items.values()) drawn.add(s.paragraph);
  const order = [...drawn].sort((a, b) => Math.abs(a - current) - Math.abs(b - current));
  let i = 0;
  const slice = (budget) => {
    const until = performance.now() + budget;
    while (i < order.length && performance.now() < until) render(order[i++]);
    if (i < order.length) setTimeout(() => slice(12), 0);
    else done();
  };
  slice(30);
}

fromServer(data.spans);
if (queue) for (const op of queue.ops) applyOp(op);
renderReviewed();
updateProgress();
if (readonly) setReadonly();
setCurrent(current);
paraEls[current].scrollIntoView({ block: "nearest" });
const leftovers = adoptLeftovers().catch((err) => {
  console.warn("Could not take over the changes other tabs left:", err);
  return [];
});
renderAll(() => {
  leftovers.then((saved) => {
    if (queue) {
      let ops = [];
      for (const stored of saved) ops = ops.concat(queue.adopt(stored));
      if (ops.length) showAdopted(ops);
      queue.held = false;
      queue.report();
      queue.run();
    } else {
      onStatus({ state: "saved", unsent: 0, message: "" });
    }
    root.dataset.ready = "true";
    if (ledgerPanel) ledgerPanel.refresh();
    performance.mark("annotate-ready");
  });
});
