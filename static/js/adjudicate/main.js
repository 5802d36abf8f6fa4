// The adjudication page. Reads the server-rendered paragraphs and the JSON data block, draws
// the gold row and each reviewer's row of every paragraph. Gold edits (a new gold span from a
// selection, the editor's changes, deleting), rejecting a reviewer's span and marking a
// paragraph adjudicated save themselves through the shared save queue (../shared/queue.js),
// with the same status line as the annotate page: drawn at once, sent in order, kept in the
// browser while the network or the server fails. Accepting reviewers' spans and auto gold ask
// the server (they compute the gold), once the queue has sent what came before.
// Offsets in the page's state are code points (as the server has them); the DOM is addressed
// in UTF-16 units.

import { Api } from "../shared/api.js";
import { attributeSummary, attributeTitle, sameAttributes } from "../shared/attributes.js";
import { el } from "../shared/dom.js";
import { renderParagraph as drawMarks, spansAt } from "../shared/highlights.js";
import { offsetIn, selectionOffsets, textIndex, textSlice } from "../shared/offsets.js";
import {
  keepSending, newKey, phrased, SaveQueue, statusLine, tabKey, takeLeftovers,
} from "../shared/queue.js";
import { mountGoldAnswers } from "./answers.js";
import { GoldEditor, provenance, provenanceBadge } from "./editor.js";

const data = JSON.parse(document.getElementById("adjudicate-data").textContent);
const $ = (id) => document.getElementById(id);
const labels = new Map(data.labels.map((l) => [l.key, l]));
const hotkeys = new Map(data.labels.filter((l) => l.hotkey).map((l) => [l.hotkey, l.key]));
const sections = Array.from(document.querySelectorAll(".adj-paragraph"));
const texts = sections.map((s) => s.querySelector("[data-gold-text]").textContent);
const rowsData = data.paragraphs; // [{index, reviewers: [{reviewer, reviewed, spans}]}]
const annotations = new Map(); // id -> {span, reviewer, paragraph}
for (const p of rowsData) {
  for (const r of p.reviewers) {
    for (const s of r.spans) annotations.set(s.id, { ...s, reviewer: r.reviewer, paragraph: p.index });
  }
}

// The page's state: gold spans named by key (`srv-ID` for those the server sent, a new key for
// those made here, with `id` once the server answered), rejected places, adjudicated marks.
const me = `adjudicated:${data.user}`;
let gold = [];
const rejections = new Map(); // place key -> {key, id, paragraph, label, start, end, rejected_by}
const adjudicated = new Map(); // paragraph -> {by, at}
const unanimous = data.unanimous;
let fresh = new Set(); // keys of the gold spans the last auto gold run proposed
let selection = null; // {paragraph, start, end} in code points

const byPosition = (a, b) => a.paragraph - b.paragraph || a.start - b.start || a.end - b.end
  || (a.id ?? Infinity) - (b.id ?? Infinity);
const keyOf = (s) => `${s.paragraph}|${s.label}|${s.start}|${s.end}`;
const labelName = (key) => (labels.get(key) ? labels.get(key).name : key);
const copy = (value) => (value == null ? value : JSON.parse(JSON.stringify(value)));
const goldByKeyOf = (key) => gold.find((g) => g.key === key);

function excerpt(paragraph, start, end, max = 90) {
  const t = textSlice(texts[paragraph], start, end).replace(/\s+/g, " ");
  return t.length > max ? `${t.slice(0, max - 20)} … ${t.slice(-16)}` : t;
}

// --- messages --------------------------------------------------------------------------------

const els = {
  error: $("error"),
  status: $("status"),
  goldCount: $("gold-count"),
  unanimousButton: $("accept-unanimous"),
  unanimousCount: $("unanimous-count"),
  auto: $("auto-gold"),
  replace: $("auto-replace"),
  filter: $("paragraph-filter"),
  noParagraphs: $("no-paragraphs"),
  report: $("auto-report"),
  reportSummary: $("auto-summary"),
  reportList: $("auto-list"),
  selectionBox: $("selection-box"),
  selectionHint: $("selection-hint"),
  selectionQuote: $("selection-quote"),
  confirm: $("confirm-dialog"),
  confirmText: $("confirm-text"),
  progress: $("adjudicated-progress"),
  progressText: $("adjudicated-text"),
};

let statusTimer = null;

function showError(message) {
  els.error.querySelector(".notice-text").textContent = message;
  els.error.hidden = false;
}

function hideError() {
  els.error.hidden = true;
}

function showStatus(message) {
  els.status.querySelector(".notice-text").textContent = message;
  els.status.hidden = false;
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => { els.status.hidden = true; }, 6000);
}

els.error.querySelector(".notice-close").addEventListener("click", hideError);

/** Run one API call with `button` busy; show the error and return null when it fails. */
async function act(call, button) {
  hideError();
  els.status.hidden = true;
  const buttons = button ? [button] : [];
  for (const b of buttons) {
    b.disabled = true;
    b.setAttribute("aria-busy", "true");
  }
  document.body.classList.add("is-busy");
  try {
    const result = await call();
    if (!result.ok) {
      showError(result.message);
      return null;
    }
    return result;
  } finally {
    document.body.classList.remove("is-busy");
    for (const b of buttons) {
      b.removeAttribute("aria-busy");
      b.disabled = false;
    }
  }
}

// --- drawing ---------------------------------------------------------------------------------

function goldKeys() {
  return new Set(gold.map(keyOf));
}

function goldByKey() {
  return new Map(gold.map((g) => [keyOf(g), g]));
}

function offersIn(paragraph, keys) {
  return unanimous.filter((u) => u.paragraph === paragraph && !keys.has(keyOf(u)));
}

/** Draw one row of a paragraph: `items` [{key, start, end (code points), label, kind,
 *  classes?, title}] as the shared highlights (a span nested in another keeps its colour,
 *  the outer one's line showing below it). */
function renderText(textEl, text, items) {
  const index = textIndex(text);
  drawMarks(textEl, text, items.map((it) => ({
    key: it.key, label: it.label, s16: index.toU16(it.start), e16: index.toU16(it.end),
    classes: [`kind-${it.kind}`, ...(it.classes || [])], title: it.title,
  })));
}

/** A selector that finds the focused chip control again once its row is drawn anew. */
function focusedChip(section) {
  const focused = document.activeElement;
  if (!focused || !section.contains(focused) || !focused.closest("[data-chips]")) return null;
  const li = focused.closest("li");
  const action = focused.dataset.action ? `[data-action="${focused.dataset.action}"]` : "";
  for (const name of ["data-gold-key", "data-annotation-id", "data-offer"]) {
    if (li.hasAttribute(name)) {
      return `li[${name}="${CSS.escape(li.getAttribute(name))}"] ${action || ".chip-main"}`;
    }
  }
  return null;
}

function renderParagraph(i, keys = goldKeys(), byKey = goldByKey()) {
  const section = sections[i];
  const refocus = focusedChip(section);
  const text = texts[i];
  const goldHere = gold.filter((g) => g.paragraph === i);
  const offers = offersIn(i, keys);

  // The gold row: gold spans and unanimous offers.
  const items = goldHere.map((g) => ({
    key: `g:${g.key}`, start: g.start, end: g.end, label: g.label, kind: "gold",
    classes: [fresh.has(g.key) ? "is-new" : "", editor.key === g.key ? "is-editing" : ""],
    title: `Gold: ${labelName(g.label)} (${provenance(g.provenance).text})`,
  }));
  for (const u of offers) {
    items.push({
      key: `o:${keyOf(u)}`, start: u.start, end: u.end, label: u.label, kind: "offer",
      title: `${labelName(u.label)}: every reviewer marked this alike (offered)`,
    });
  }
  const goldRow = section.querySelector('[data-row="gold"]');
  renderText(goldRow.querySelector(".paragraph-text"), text, items);
  const goldChips = goldHere.map((g) => goldChip(g)).concat(offers.map((u) => offerChip(u)));
  const goldList = goldRow.querySelector("[data-chips]");
  goldList.replaceChildren(...goldChips);
  if (!goldChips.length) {
    goldList.append(el("li", { class: "chip-empty", text: "No gold spans yet." }));
  }

  // The reviewers' rows.
  const pdata = rowsData[i];
  for (const row of section.querySelectorAll('[data-row="reviewer"]')) {
    const rdata = pdata.reviewers.find((r) => r.reviewer === row.dataset.reviewer);
    const spans = rdata ? rdata.spans : [];
    const accepted = (s) => {
      const g = byKey.get(keyOf({ ...s, paragraph: i }));
      return g && sameAttributes(g.attributes, s.attributes);
    };
    const rejected = (s) => !byKey.has(keyOf({ ...s, paragraph: i }))
      && rejections.has(keyOf({ ...s, paragraph: i }));
    renderText(row.querySelector(".paragraph-text"), text, spans.map((s) => ({
      key: `a:${s.id}`, start: s.start, end: s.end, label: s.label, kind: "reviewer",
      classes: [s.unreviewed ? "is-unreviewed" : "", accepted(s) ? "is-accepted" : "",
        rejected(s) ? "is-rejected" : ""],
      title: `${rdata.reviewer}: ${labelName(s.label)}${s.agreed ? " (every reviewer alike)" : ""}${
        rejected(s) ? " (rejected)" : ""}`,
    })));
    const list = row.querySelector("[data-chips]");
    list.replaceChildren(...spans.map((s) => reviewerChip(s, rdata.reviewer, i, accepted(s),
      rejected(s), byKey.has(keyOf({ ...s, paragraph: i })))));
    if (!spans.length) list.append(el("li", { class: "chip-empty", text: "No spans." }));
    const all = row.querySelector('[data-action="accept-paragraph"]');
    if (all) {
      const open = spans.filter((s) => !accepted(s)).length;
      all.disabled = open === 0;
      all.textContent = spans.length && !open ? "All in gold" : "Accept all";
    }
  }
  if (refocus && !section.contains(document.activeElement)) {
    const again = section.querySelector(refocus);
    if (again) again.focus({ preventScroll: true });
  }
  section.dataset.hasGold = goldHere.length ? "true" : "false";
  section.dataset.hasSpans = goldHere.length || offers.length
    || pdata.reviewers.some((r) => r.spans.length) ? "true" : "false";
  renderMark(i);
}

/** The paragraph's adjudicated mark: its button and who set it. */
function renderMark(i) {
  const section = sections[i];
  const mark = adjudicated.get(i);
  const button = section.querySelector('[data-action="adjudicated"]');
  button.setAttribute("aria-pressed", String(Boolean(mark)));
  button.textContent = mark ? "✓ Adjudicated" : "Mark adjudicated";
  button.title = mark ? "Take the adjudicated mark away" : "Mark this paragraph’s gold done";
  section.dataset.adjudicated = mark ? "true" : "false";
  const who = section.querySelector("[data-adjudicated-by]");
  who.textContent = mark && mark.by ? `by ${mark.by}` : "";
}

function updateProgress() {
  const done = adjudicated.size;
  const total = sections.length;
  els.progress.max = total;
  els.progress.value = done;
  els.progressText.replaceChildren(el("b", { text: String(done) }), ` / ${total}`,
    el("span", { class: "progress-words", text: " paragraphs adjudicated" }));
}

function swatchLabel(label) {
  return [el("span", { class: "swatch", "aria-hidden": "true" }),
    el("span", { class: "chip-label", text: labelName(label) })];
}

function goldChip(g) {
  const quote = excerpt(g.paragraph, g.start, g.end);
  const classes = ["chip", "chip-gold"];
  if (fresh.has(g.key)) classes.push("is-new");
  if (editor.key === g.key) classes.push("is-editing");
  const attrs = attributeSummary(labels.get(g.label), g.attributes);
  return el("li", { class: classes.join(" "), "data-gold-key": g.key, "data-label": g.label },
    el("button", {
      type: "button", class: "chip-main", "data-action": "edit",
      "aria-label": `Edit gold span: ${labelName(g.label)}, “${quote}”, ${provenance(g.provenance).text}`,
      title: attributeTitle(labels.get(g.label), g.attributes) || "Edit this gold span",
    }, ...swatchLabel(g.label), el("span", { class: "chip-text", text: `“${quote}”` })),
    attrs ? el("span", { class: "chip-attrs", text: attrs }) : null,
    provenanceBadge(g.provenance),
    fresh.has(g.key) ? el("span", { class: "tag tag-new", text: "new" }) : null,
    el("span", { class: "chip-edit", "aria-hidden": "true", text: "Edit" }));
}

function offerChip(u) {
  const quote = excerpt(u.paragraph, u.start, u.end);
  const attrs = attributeSummary(labels.get(u.label), u.attributes);
  return el("li", { class: "chip chip-offer", "data-offer": keyOf(u), "data-label": u.label },
    el("span", { class: "chip-main", title: attributeTitle(labels.get(u.label), u.attributes) },
      ...swatchLabel(u.label), el("span", { class: "chip-text", text: `“${quote}”` })),
    attrs ? el("span", { class: "chip-attrs", text: attrs }) : null,
    el("span", { class: "prov prov-offer", text: "unanimous · offered" }),
    el("button", {
      type: "button", class: "small accept", "data-action": "accept-offer", "data-offer": keyOf(u),
      "aria-label": `Accept the unanimous ${labelName(u.label)} span “${quote}”`,
    }, "Accept"));
}

/** A reviewer's span: in gold (✓), rejected (Undo), or Accept and, where no gold has its
 *  place and label (`placeInGold`: accepting gives it the span's attributes), Reject. */
function reviewerChip(s, reviewer, paragraph, accepted, rejected, placeInGold) {
  const quote = excerpt(paragraph, s.start, s.end);
  const attrs = attributeSummary(labels.get(s.label), s.attributes);
  const classes = ["chip"];
  if (accepted) classes.push("is-accepted");
  if (rejected) classes.push("is-rejected");
  if (s.unreviewed) classes.push("is-unreviewed");
  const what = `${reviewer}’s ${labelName(s.label)} span “${quote}”`;
  let actions;
  if (accepted) {
    actions = [el("span", { class: "in-gold", text: "✓ in gold" })];
  } else if (rejected) {
    actions = [el("span", { class: "rejected-tag", text: "✕ rejected" }),
      el("button", {
        type: "button", class: "small", "data-action": "unreject", "data-annotation-id": String(s.id),
        "aria-label": `Undo the rejection of ${what}`,
      }, "Undo")];
  } else {
    actions = [
      el("button", {
        type: "button", class: "small accept", "data-action": "accept", "data-annotation-id": String(s.id),
        "aria-label": `Accept ${what}`,
      }, "Accept"),
      placeInGold ? null : el("button", {
        type: "button", class: "small reject", "data-action": "reject", "data-annotation-id": String(s.id),
        "aria-label": `Reject ${what}`, title: "Not gold: remembered, and auto gold leaves it out",
      }, "Reject")];
  }
  return el("li", { class: classes.join(" "), "data-annotation-id": String(s.id), "data-label": s.label },
    el("span", { class: "chip-main", title: [attributeTitle(labels.get(s.label), s.attributes), s.note ? `Note: ${s.note}` : ""].filter(Boolean).join("\n") },
      ...swatchLabel(s.label), el("span", { class: "chip-text", text: `“${quote}”` })),
    attrs ? el("span", { class: "chip-attrs", text: attrs }) : null,
    s.agreed ? el("span", { class: "tag tag-agreed", text: "all alike" }) : null,
    s.note ? el("span", { class: "tag", title: s.note, text: "note" }) : null,
    ...actions);
}

function updateCounts() {
  const n = gold.length;
  els.goldCount.textContent = `${n} gold span${n === 1 ? "" : "s"}`;
  const keys = goldKeys();
  const open = unanimous.filter((u) => !keys.has(keyOf(u))).length;
  els.unanimousCount.textContent = String(open);
  els.unanimousButton.disabled = open === 0;
  els.unanimousButton.title = open ? `Accept the ${open} spans that every reviewer of their paragraph made alike`
    : "No unanimous span waits to be accepted";
}

function applyFilter() {
  const mode = els.filter.value;
  let shown = 0;
  sections.forEach((section, i) => {
    const p = rowsData[i];
    let show = true;
    if (mode === "spans") show = section.dataset.hasSpans === "true";
    else if (mode === "disagreement") show = Boolean(p.disagreement);
    else if (mode === "open") show = section.dataset.hasSpans === "true" && section.dataset.hasGold !== "true";
    else if (mode === "unadjudicated") show = section.dataset.adjudicated !== "true";
    if (section.dataset.pinned === "true") show = true;
    section.hidden = !show;
    if (show) shown += 1;
  });
  els.noParagraphs.hidden = shown > 0;
}

/** Draw the paragraphs (all, or the given indices) and update the counts and the filter. */
function renderAll(only = null) {
  const keys = goldKeys();
  const byKey = goldByKey();
  const indices = only ? [...only] : sections.map((_, i) => i);
  for (const i of indices) renderParagraph(i, keys, byKey);
  updateCounts();
  updateProgress();
  applyFilter();
}

function goldSignature(list) {
  const out = new Map();
  for (const g of list) {
    out.set(g.paragraph, `${out.get(g.paragraph) || ""}${JSON.stringify(g)};`);
  }
  return out;
}

/** Gold spans as the server sent them, named by key: the key a span already has here, else
 *  `srv-ID` (remembered by the queue). */
function keyed(list) {
  const keys = new Map(gold.filter((g) => g.id != null).map((g) => [g.id, g.key]));
  return list.map((g) => {
    const key = keys.get(g.id) || `srv-${g.id}`;
    if (queue) queue.rememberId(key, g.id);
    return { ...g, key };
  });
}

/** The gold changed on the server: draw again only the paragraphs whose gold differs. */
function setGold(list, { all = false } = {}) {
  const before = goldSignature(gold);
  gold = keyed(list).sort(byPosition);
  const after = goldSignature(gold);
  const changed = new Set();
  for (const p of new Set([...before.keys(), ...after.keys()])) {
    if (before.get(p) !== after.get(p)) changed.add(p);
  }
  const open = editor.isOpen ? goldByKeyOf(editor.key) : null;
  if (editor.isOpen && !open) editor.close({ restoreFocus: false });
  else if (open) editor.refresh(open);
  renderAll(all ? null : changed);
}

function setRejections(list) {
  rejections.clear();
  for (const r of list) {
    const key = `rej-srv-${r.id}`;
    if (queue) queue.rememberId(key, r.id);
    rejections.set(keyOf(r), { ...r, key });
  }
}

function setAdjudicated(list) {
  adjudicated.clear();
  for (const m of list) adjudicated.set(m.paragraph, { by: m.by, at: m.at });
}

// --- the editor: each change saves itself ------------------------------------------------------

const editor = new GoldEditor($("editor"), {
  labels,
  text: (paragraph) => texts[paragraph],
  selection: () => selection,
  onChange: changeGold,
  onDelete: (span) => deleteGold(span.key),
  onClose: (span, returnFocus) => {
    renderParagraph(span.paragraph);
    const chip = document.querySelector(`[data-gold-key="${CSS.escape(span.key)}"] .chip-main`);
    if (returnFocus) (chip || returnFocus).focus();
  },
});

// Moving or relabelling gold rejects the place it leaves (gold.py): a few quick nudges and a
// new label are sent as one change, so that only where the span was before is rejected.
const MOVE_DELAY_MS = 1500;

function changeGold(key, fields, { delay = 0 } = {}) {
  const span = goldByKeyOf(key);
  if (!span) return;
  if ("start" in fields || "end" in fields || "label" in fields) {
    delay = Math.max(delay, MOVE_DELAY_MS);
  }
  Object.assign(span, copy(fields));
  span.provenance = me;
  gold.sort(byPosition);
  renderAll([span.paragraph]);
  queue.patch(key, fields, { delay, what: "gold" });
  const box = editor.root.querySelector(".editor-prov");
  if (box) box.replaceChildren("Provenance: ", provenanceBadge(span.provenance));
}

function deleteGold(key) {
  const span = goldByKeyOf(key);
  if (!span) return;
  const index = gold.filter((g) => g.paragraph === span.paragraph).indexOf(span);
  gold = gold.filter((g) => g.key !== key);
  fresh.delete(key);
  editor.close({ restoreFocus: false });
  queue.remove(key, { what: "gold" });
  renderAll([span.paragraph]);
  const chips = sections[span.paragraph].querySelectorAll('[data-row="gold"] .chip-main, [data-row="gold"] .accept');
  const next = chips[Math.min(index, chips.length - 1)];
  (next || sections[span.paragraph].querySelector("h2")).focus();
  showStatus(`Deleted the ${labelName(span.label)} gold span “${excerpt(span.paragraph, span.start, span.end, 50)}”.`);
}

function openEditor(key, returnFocus = null) {
  const span = goldByKeyOf(key);
  if (!span) return;
  const section = sections[span.paragraph];
  if (section.hidden) {
    section.dataset.pinned = "true";
    applyFilter();
  }
  const before = editor.isOpen ? goldByKeyOf(editor.key) : null;
  editor.open(span, { returnFocus });
  if (before && before.paragraph !== span.paragraph) renderParagraph(before.paragraph);
  renderParagraph(span.paragraph);
  if (!returnFocus || !section.contains(returnFocus)) {
    // Opened from elsewhere (the auto gold report): bring the paragraph into view.
    section.querySelector('[data-row="gold"]').scrollIntoView({ block: "center" });
  }
}

// --- the save queue ------------------------------------------------------------------------------

const api = new Api(data.urls);
const QUEUE_BASE = `framing-annotator:gold-queue:v1:${data.user}:${data.document.id}`;
let queue = null;
let goldAnswers = null; // the gold answers to the article-level questions (answers.js)

/** Send one operation of the queue: gold spans, rejections (`what`), adjudicated marks,
 *  gold answers. */
async function send(op, id) {
  let result;
  if (op.kind === "gold-answer") {
    result = await api.call("PUT", api.url("gold_answer", { question: op.question }),
      op.provenance ? { value: op.value, provenance: op.provenance } : { value: op.value });
  } else if (op.kind === "adjudicated") {
    result = await api.call(op.adjudicated ? "PUT" : "DELETE",
      api.url("adjudicated", { id: op.paragraph }));
  } else if (op.what === "rejection") {
    result = op.kind === "create" ? await api.call("POST", data.urls.rejections, op.body)
      : await api.remove(api.url("rejection", { id }));
  } else if (op.kind === "create") {
    result = await api.call("POST", data.urls.create, op.body);
    // gold with that place and label is there: ours, whose answer was lost, or another
    // admin's; either way this span is that one now (resync shows it as stored)
    if (result.status === 409 && result.data && result.data.existing) {
      result = { ok: true, status: 200, data: { id: result.data.existing, existing: true } };
    }
  } else if (op.kind === "patch") {
    result = await api.call("PATCH", api.url("span", { id }), op.body);
  } else if (op.kind === "delete") {
    result = await api.remove(api.url("span", { id }));
  } else {
    return { ok: false, status: 0, message: `Unknown change '${op.kind}'.` };
  }
  return phrased(result);
}

function describe(op) {
  if (op.kind === "gold-answer" && goldAnswers) return goldAnswers.describe(op);
  if (op.kind === "adjudicated") {
    return `Paragraph ${op.paragraph + 1} was not marked ${op.adjudicated ? "adjudicated" : "not adjudicated"}`;
  }
  if (op.what === "rejection") {
    return op.kind === "create" ? "The span was not rejected" : "The rejection was not undone";
  }
  const span = goldByKeyOf(op.key);
  const name = labelName((op.body && op.body.label) || (span && span.label) || "gold");
  if (op.kind === "create") return `The new ${name} gold span was not saved`;
  if (op.kind === "patch") return `The change to the ${name} gold span was not saved`;
  return `The ${name} gold span was not deleted`;
}

let rejectionsStale = false;

function onSent(op, result) {
  if (op.kind === "gold-answer") {
    if (goldAnswers) goldAnswers.saved(result);
    return;
  }
  if (op.what === "rejection" && op.kind === "create" && result) {
    const entry = [...rejections.values()].find((r) => r.key === op.key);
    if (entry) Object.assign(entry, { id: result.id, rejected_by: result.rejected_by });
  } else if (op.what === "gold" && op.kind === "create" && result) {
    const span = goldByKeyOf(op.key);
    if (span) span.id = result.id;
    if (result.existing) resync();
  } else if (op.what === "gold" && op.kind !== "create") {
    // deleting, moving or relabelling gold rejects where it was: read the rejections again
    rejectionsStale = true;
  } else if (op.kind === "adjudicated" && result && !queue.ops.some((o) => o.kind === "adjudicated")) {
    setAdjudicated(result.adjudicated);
    renderMark(op.paragraph);
  }
  if (rejectionsStale && queue.size === 0) {
    rejectionsStale = false;
    refreshRejections();
  }
}

async function onFailed(op, result) {
  showError(`${describe(op)}: ${result.message}`);
  if (op.kind === "gold-answer") {
    if (goldAnswers) await goldAnswers.reload();
    return;
  }
  await resync();
}

/** Apply a queued (not yet sent) operation to the page's state. */
function applyOp(op) {
  if (op.kind === "gold-answer") {
    if (goldAnswers) goldAnswers.apply(op);
  } else if (op.kind === "adjudicated") {
    if (op.adjudicated) adjudicated.set(op.paragraph, adjudicated.get(op.paragraph) || { by: data.user });
    else adjudicated.delete(op.paragraph);
  } else if (op.what === "rejection") {
    if (op.kind === "create") {
      const span = annotations.get(op.body.annotation_id);
      if (span && !rejections.has(keyOf(span))) {
        rejections.set(keyOf(span), { key: op.key, id: queue.idOf(op.key) ?? null,
          paragraph: span.paragraph, label: span.label, start: span.start, end: span.end,
          rejected_by: data.user });
      }
    } else {
      for (const [place, r] of rejections) if (r.key === op.key) rejections.delete(place);
    }
  } else if (op.kind === "create") {
    if (!goldByKeyOf(op.key)) {
      gold.push({ key: op.key, id: queue.idOf(op.key) ?? null, attributes: {}, note: "",
        provenance: me, ...copy(op.body) });
    }
  } else if (op.kind === "patch") {
    const span = goldByKeyOf(op.key);
    if (span) Object.assign(span, copy(op.body), { provenance: me });
  } else if (op.kind === "delete") {
    gold = gold.filter((g) => g.key !== op.key);
  }
}

/** Reload the truth from the server and lay the still unsent changes over it. */
async function resync() {
  const [g, r, a] = await Promise.all([api.call("GET", data.urls.gold),
    api.call("GET", data.urls.rejections), api.call("GET", data.urls.adjudication_state)]);
  if (!g.ok || !r.ok || !a.ok) return;
  gold = keyed(g.data);
  setRejections(r.data);
  setAdjudicated(a.data.adjudicated);
  for (const op of queue.ops) applyOp(op);
  gold.sort(byPosition);
  const open = editor.isOpen ? goldByKeyOf(editor.key) : null;
  if (editor.isOpen && !open) editor.close({ restoreFocus: false });
  else if (open) editor.refresh(open);
  renderAll();
}

async function refreshRejections() {
  const r = await api.call("GET", data.urls.rejections);
  if (!r.ok) return;
  const before = [...rejections.keys()].sort().join(";");
  setRejections(r.data);
  for (const op of queue.ops) if (op.what === "rejection") applyOp(op);
  if ([...rejections.keys()].sort().join(";") !== before) renderAll();
}

function onAuth() {
  leaving = true;
  const next = window.location.pathname + window.location.search;
  window.location.assign(`${data.urls.login}?next=${encodeURIComponent(next)}`);
}

let leaving = false;
const onStatus = statusLine($("adjudicate"), () => queue);
queue = new SaveQueue({
  storageKey: tabKey(QUEUE_BASE), send, onSent, onFailed, onAuth, onStatus,
  retryMaxMs: data.retry_max_ms,
});
queue.held = true; // until the changes other tabs left are taken over
keepSending(() => queue, () => leaving);

/** Wait (a few seconds at most) until every queued change is sent: what the server computes
 *  (accepting, auto gold) must start from them. False when they could not be sent. */
async function settled() {
  for (let waited = 0; queue.size && waited < 8000; waited += 100) {
    if (queue.failures > 0) return false;
    await new Promise((resolve) => { setTimeout(resolve, 100); });
  }
  return queue.size === 0;
}

async function serverAction(call, button) {
  if (!(await settled())) {
    showError("Your changes are not saved yet (see the status above): accepting and auto gold "
      + "wait until they are.");
    return null;
  }
  return act(call, button);
}

// --- rejecting, marking --------------------------------------------------------------------------

function reject(id, button) {
  const span = annotations.get(id);
  if (!span || rejections.has(keyOf(span))) return;
  const key = `rej-${newKey()}`;
  rejections.set(keyOf(span), { key, id: null, paragraph: span.paragraph, label: span.label,
    start: span.start, end: span.end, rejected_by: data.user });
  queue.create(key, { annotation_id: id }, undefined, { what: "rejection" });
  renderAll([span.paragraph]);
  showStatus(`Rejected ${span.reviewer}’s ${labelName(span.label)} span “${excerpt(span.paragraph, span.start, span.end, 50)}”: auto gold leaves it out.`);
  const undo = sections[span.paragraph].querySelector(
    `li[data-annotation-id="${id}"] [data-action="unreject"]`);
  if (undo && button) undo.focus();
}

function unreject(id, button) {
  const span = annotations.get(id);
  const entry = span && rejections.get(keyOf(span));
  if (!entry) return;
  rejections.delete(keyOf(span));
  queue.remove(entry.key, { what: "rejection" });
  renderAll([span.paragraph]);
  showStatus(`The ${labelName(span.label)} span “${excerpt(span.paragraph, span.start, span.end, 50)}” is no longer rejected.`);
  const again = sections[span.paragraph].querySelector(
    `li[data-annotation-id="${id}"] [data-action="reject"]`);
  if (again && button) again.focus();
}

function toggleAdjudicated(button) {
  const paragraph = Number(button.closest(".adj-paragraph").dataset.paragraphIndex);
  const value = !adjudicated.has(paragraph);
  if (value) adjudicated.set(paragraph, { by: data.user });
  else adjudicated.delete(paragraph);
  queue.setState("adjudicated", { paragraph }, { adjudicated: value });
  renderMark(paragraph);
  updateProgress();
  applyFilter();
  button.focus();
}

// --- selecting text --------------------------------------------------------------------------

let altSelect = false;

function readSelection() {
  const sel = window.getSelection();
  if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
  const range = sel.getRangeAt(0);
  const start = range.startContainer.nodeType === Node.ELEMENT_NODE ? range.startContainer : range.startContainer.parentElement;
  const end = range.endContainer.nodeType === Node.ELEMENT_NODE ? range.endContainer : range.endContainer.parentElement;
  const textEl = start && start.closest(".adj-paragraph .paragraph-text");
  if (!textEl || !end || end.closest(".adj-paragraph .paragraph-text") !== textEl) return null;
  const paragraph = Number(textEl.closest(".adj-paragraph").dataset.paragraphIndex);
  const text = texts[paragraph];
  const a = offsetIn(textEl, range.startContainer, range.startOffset);
  const b = offsetIn(textEl, range.endContainer, range.endOffset);
  const offsets = selectionOffsets(text, a, b, !altSelect);
  return offsets && { paragraph, ...offsets };
}

function updateSelection(next) {
  selection = next;
  els.selectionBox.hidden = !selection;
  els.selectionHint.hidden = Boolean(selection);
  if (selection) {
    els.selectionQuote.textContent = `¶ ${selection.paragraph + 1}: “${excerpt(selection.paragraph, selection.start, selection.end, 160)}”`;
  }
  editor.selectionChanged();
}

document.addEventListener("mousedown", (event) => { altSelect = event.altKey; });
document.addEventListener("mouseup", (event) => {
  altSelect = altSelect || event.altKey;
  if (!event.target.closest(".adj-main")) return; // clicks in the side panel keep the selection
  setTimeout(() => updateSelection(readSelection()), 0);
});

function createFromSelection(label) {
  if (!selection) {
    showError("Select the text of the new gold span in a paragraph first.");
    return;
  }
  const body = { paragraph: selection.paragraph, start: selection.start, end: selection.end,
    label, attributes: {}, note: "" };
  const twin = gold.find((g) => keyOf(g) === keyOf(body));
  if (twin) {
    showError(`The gold already has this ${labelName(label)} span: edit that one instead.`);
    openEditor(twin.key);
    return;
  }
  hideError();
  const key = newKey();
  gold.push({ key, id: null, ...copy(body), provenance: me });
  gold.sort(byPosition);
  queue.create(key, body, undefined, { what: "gold" });
  window.getSelection().removeAllRanges();
  updateSelection(null);
  renderAll([body.paragraph]);
  openEditor(key);
  const article = /^[aeiou]/i.test(labelName(label)) ? "an" : "a";
  showStatus(`Added ${article} ${labelName(label)} gold span: set its attributes in the editor.`);
}

// --- actions ---------------------------------------------------------------------------------

async function acceptAnnotation(id, button) {
  const span = annotations.get(id);
  const result = await serverAction(() => api.call("POST", data.urls.accept, { annotation_id: id }), button);
  if (!result) return;
  setGold(result.data.gold);
  refreshRejections(); // gold set by hand lifts a rejection at its place
  const text = span ? `${span.reviewer}’s ${labelName(span.label)} span “${excerpt(span.paragraph, span.start, span.end, 50)}”` : "the span";
  showStatus(result.data.created ? `Accepted ${text} into gold.` : `Gold already had ${text}; it now carries its attributes.`);
  focusAfterAccept(span && span.paragraph, `[data-annotation-id="${id}"]`);
}

function focusAfterAccept(paragraph, selector) {
  if (paragraph == null) return;
  const chip = sections[paragraph].querySelector(selector);
  if (!chip) return;
  const next = chip.closest("[data-chips]").querySelector("button.accept") || chip.closest(".adj-row").querySelector("button");
  if (next) next.focus();
}

async function acceptParagraph(button) {
  const section = button.closest(".adj-paragraph");
  const paragraph = Number(section.dataset.paragraphIndex);
  const reviewer = button.dataset.reviewer;
  const result = await serverAction(() => api.call("POST", data.urls.accept, { paragraph, reviewer }), button);
  if (!result) return;
  setGold(result.data.gold);
  refreshRejections(); // gold set by hand lifts a rejection at its place
  const n = result.data.accepted.length;
  showStatus(`Accepted ${n} span${n === 1 ? "" : "s"} of ${reviewer} in paragraph ${paragraph + 1} (${result.data.created} new in gold).`);
  button.focus();
}

async function acceptOffer(key, button) {
  const u = unanimous.find((x) => keyOf(x) === key);
  if (!u) return;
  const body = { paragraph: u.paragraph, label: u.label, start: u.start, end: u.end };
  const result = await serverAction(() => api.call("POST", data.urls.accept_unanimous, body), button);
  if (!result) return;
  setGold(result.data.gold);
  refreshRejections(); // gold set by hand lifts a rejection at its place
  showStatus(`Accepted the unanimous ${labelName(u.label)} span “${excerpt(u.paragraph, u.start, u.end, 50)}”.`);
  const chip = sections[u.paragraph].querySelector('[data-row="gold"] .chip-main');
  if (chip) chip.focus();
}

async function acceptAllUnanimous() {
  const result = await serverAction(() => api.call("POST", data.urls.accept_unanimous), els.unanimousButton);
  if (!result) return;
  setGold(result.data.gold);
  refreshRejections(); // gold set by hand lifts a rejection at its place
  const n = result.data.created;
  showStatus(n ? `Accepted ${n} unanimous span${n === 1 ? "" : "s"} into gold.` : "Every unanimous span was already in gold.");
}

function confirmReplace() {
  const adjudicated = gold.filter((g) => !["unanimous", "majority"].includes(g.provenance)).length;
  els.confirmText.textContent = adjudicated
    ? `This deletes all ${gold.length} gold spans of the document, ${adjudicated} of them adjudicated by people, and replaces them with what the reviewers’ majority proposes.`
    : `This deletes all ${gold.length} gold spans of the document and replaces them with what the reviewers’ majority proposes.`;
  els.confirm.returnValue = "";
  els.confirm.showModal();
  return new Promise((resolve) => {
    els.confirm.addEventListener("close", () => resolve(els.confirm.returnValue === "ok"), { once: true });
  });
}

async function runAuto() {
  const replace = els.replace.checked;
  if (replace && gold.length && !(await confirmReplace())) return;
  const result = await serverAction(() => api.call("POST", data.urls.auto, { replace }), els.auto);
  if (!result) return;
  setGold(result.data.gold, { all: true });
  const proposed = new Set(result.data.proposed.map((p) => p.id));
  fresh = new Set(gold.filter((g) => proposed.has(g.id)).map((g) => g.key));
  renderAll();
  if (replace) refreshRejections(); // a fresh start forgets them
  showReport(result.data, replace);
}

function showReport(report, replace) {
  const proposed = report.proposed;
  const unanimousCount = proposed.filter((p) => p.provenance === "unanimous").length;
  const paragraphs = new Set(proposed.map((p) => p.paragraph)).size;
  const parts = [];
  if (proposed.length) {
    parts.push(`Proposed ${proposed.length} gold span${proposed.length === 1 ? "" : "s"} in ${paragraphs} paragraph${paragraphs === 1 ? "" : "s"}: ${unanimousCount} unanimous, ${proposed.length - unanimousCount} majority.`);
  } else {
    parts.push("Nothing to propose: no word was tagged with one label by more than half of its paragraph’s reviewers (paragraphs reviewed by two reviewers or more).");
  }
  if (replace) parts.push("All earlier gold was replaced.");
  else if (report.kept) parts.push(`Kept ${report.kept} gold span${report.kept === 1 ? "" : "s"} adjudicated by people.`);
  if (report.skipped.length) parts.push(`Skipped ${report.skipped.length} proposal${report.skipped.length === 1 ? "" : "s"} overlapping them.`);
  if (report.removed && !replace) parts.push(`Recomputed ${report.removed} earlier automatic span${report.removed === 1 ? "" : "s"}.`);
  const rejected = (report.rejected || []).length;
  if (rejected) parts.push(`Left out ${rejected} proposal${rejected === 1 ? "" : "s"} deleted or changed before (tick “replace adjudicated spans too” to start over).`);
  if (proposed.length) parts.push("Review the new spans (outlined) below.");
  els.reportSummary.textContent = parts.join(" ");
  els.reportList.replaceChildren(...proposed.map((p) => el("li", { "data-label": p.label },
    el("button", { type: "button", class: "link-button", "data-action": "goto", "data-gold-id": String(p.id) },
      el("span", { class: "where", text: `¶ ${p.paragraph + 1}` }),
      ...swatchLabel(p.label),
      el("span", { class: "chip-text", text: `“${excerpt(p.paragraph, p.start, p.end, 70)}”` })),
    provenanceBadge(p.provenance),
    el("span", { class: "support muted", text: `${p.support} of ${p.reviewers} reviewers` }))));
  els.report.hidden = false;
  els.report.focus();
}

function closeReport() {
  els.report.hidden = true;
  fresh = new Set();
  renderAll();
  els.auto.focus();
}

// --- events ----------------------------------------------------------------------------------

document.addEventListener("click", (event) => {
  const target = event.target;
  const button = target.closest("button[data-action]");
  if (button) {
    const action = button.dataset.action;
    if (action === "accept") acceptAnnotation(Number(button.dataset.annotationId), button);
    else if (action === "accept-paragraph") acceptParagraph(button);
    else if (action === "accept-offer") acceptOffer(button.dataset.offer, button);
    else if (action === "accept-unanimous") acceptAllUnanimous();
    else if (action === "auto-gold") runAuto();
    else if (action === "create") createFromSelection(button.dataset.label);
    else if (action === "edit") openEditor(button.closest("[data-gold-key]").dataset.goldKey, button);
    else if (action === "goto") {
      const span = gold.find((g) => g.id === Number(button.dataset.goldId));
      if (span) openEditor(span.key, button);
    } else if (action === "reject") reject(Number(button.dataset.annotationId), button);
    else if (action === "unreject") unreject(Number(button.dataset.annotationId), button);
    else if (action === "adjudicated") toggleAdjudicated(button);
    return;
  }
  const goldChipEl = target.closest(".chip-gold");
  if (goldChipEl) {
    openEditor(goldChipEl.dataset.goldKey, goldChipEl.querySelector(".chip-main"));
    return;
  }
  const mark = target.closest("mark.ann");
  if (mark && window.getSelection().isCollapsed && mark.closest(".adj-paragraph")) {
    const keys = spansAt(mark, mark.closest(".paragraph-text"));
    const section = mark.closest(".adj-paragraph");
    const goldKey = keys.find((k) => k.startsWith("g:"));
    if (goldKey) {
      openEditor(goldKey.slice(2), mark);
      return;
    }
    const offerKey = keys.find((k) => k.startsWith("o:"));
    const annKey = keys.find((k) => k.startsWith("a:"));
    const selector = offerKey ? `[data-offer="${CSS.escape(offerKey.slice(2))}"] button`
      : annKey ? `[data-annotation-id="${annKey.slice(2)}"]` : null;
    const chip = selector && section.querySelector(selector);
    if (chip) {
      const li = chip.closest("li");
      li.classList.add("is-flash");
      setTimeout(() => li.classList.remove("is-flash"), 1200);
      const focusable = li.querySelector("button");
      if (focusable) focusable.focus({ preventScroll: true });
    }
  }
});

$("auto-report-close").addEventListener("click", closeReport);
els.filter.addEventListener("change", () => {
  for (const s of sections) delete s.dataset.pinned;
  applyFilter();
});

document.addEventListener("keydown", (event) => {
  const t = event.target;
  const typing = t.closest && t.closest("input, select, textarea, dialog");
  if (typing || event.ctrlKey || event.metaKey) return;
  if (event.key === "Escape") {
    if (selection) {
      window.getSelection().removeAllRanges();
      updateSelection(null);
    } else if (editor.isOpen) {
      editor.close();
    }
    return;
  }
  if (selection && !event.altKey && hotkeys.has(event.key)) {
    event.preventDefault();
    createFromSelection(hotkeys.get(event.key));
  }
});

// --- start ---------------------------------------------------------------------------------

for (const h of document.querySelectorAll(".adj-phead h2")) h.tabIndex = -1;
gold = keyed(data.gold).sort(byPosition);
setRejections(data.rejections);
setAdjudicated(data.adjudicated);
if (data.questions && data.questions.length && $("gold-answers")) {
  goldAnswers = mountGoldAnswers({ data, api, queue: () => queue, settled });
}
for (const op of queue.ops) applyOp(op); // unsent changes of this tab before a reload
gold.sort(byPosition);
renderAll();
if (goldAnswers) goldAnswers.redraw();
takeLeftovers(queue, QUEUE_BASE).catch((err) => {
  console.warn("Could not take over the changes other tabs left:", err);
  return [];
}).then((saved) => {
  let ops = [];
  for (const stored of saved) ops = ops.concat(queue.adopt(stored));
  if (ops.length) {
    for (const op of ops) applyOp(op);
    gold.sort(byPosition);
    renderAll();
    if (goldAnswers) goldAnswers.redraw();
  }
  queue.held = false;
  queue.report();
  queue.run();
  document.documentElement.dataset.adjudicateReady = "true";
});
