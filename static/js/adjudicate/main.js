// The adjudication page. Reads the server-rendered paragraphs and the JSON data block, draws
// the gold row and each reviewer's row of every paragraph, and sends every decision through the
// JSON API: accept a span, a reviewer's paragraph, the unanimous spans; create, edit and
// delete gold spans; run auto gold and show what it proposed. Offsets in the page's state are
// code points (as the server has them); the DOM is addressed in UTF-16 units.

import { Api } from "../shared/api.js";
import { attributeSummary, attributeTitle, sameAttributes } from "../shared/attributes.js";
import { el } from "../shared/dom.js";
import { renderParagraph as drawMarks, spansAt } from "../shared/highlights.js";
import { offsetIn, selectionOffsets, textIndex, textSlice } from "../shared/offsets.js";
import { GoldEditor, provenance, provenanceBadge } from "./editor.js";

const data = JSON.parse(document.getElementById("adjudicate-data").textContent);
const $ = (id) => document.getElementById(id);
const api = new Api(data.urls);
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

let gold = data.gold;
const unanimous = data.unanimous;
let fresh = new Set(); // ids of the gold spans the last auto gold run proposed
let selection = null; // {paragraph, start, end} in code points
let editing = null; // {id, draft}: the open span, drawn with its unsaved bounds and label

const byPosition = (a, b) => a.paragraph - b.paragraph || a.start - b.start || a.end - b.end || a.id - b.id;
const keyOf = (s) => `${s.paragraph}|${s.label}|${s.start}|${s.end}`;
const labelName = (key) => (labels.get(key) ? labels.get(key).name : key);

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

function renderParagraph(i, keys = goldKeys(), byKey = goldByKey()) {
  const section = sections[i];
  const text = texts[i];
  const goldHere = gold.filter((g) => g.paragraph === i);
  const offers = offersIn(i, keys);

  // The gold row: gold spans (the one being edited with its draft) and unanimous offers.
  const items = goldHere.map((g) => {
    const d = editing && editing.id === g.id ? editing.draft : g;
    const classes = [];
    if (fresh.has(g.id)) classes.push("is-new");
    if (editing && editing.id === g.id) classes.push("is-editing");
    return {
      key: `g:${g.id}`, start: d.start, end: d.end, label: d.label, kind: "gold", classes,
      title: `Gold: ${labelName(d.label)} (${provenance(g.provenance).text})`,
    };
  });
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
    renderText(row.querySelector(".paragraph-text"), text, spans.map((s) => ({
      key: `a:${s.id}`, start: s.start, end: s.end, label: s.label, kind: "reviewer",
      classes: [s.unreviewed ? "is-unreviewed" : "", accepted(s) ? "is-accepted" : ""].filter(Boolean),
      title: `${rdata.reviewer}: ${labelName(s.label)}${s.agreed ? " (every reviewer alike)" : ""}`,
    })));
    const list = row.querySelector("[data-chips]");
    list.replaceChildren(...spans.map((s) => reviewerChip(s, rdata.reviewer, i, accepted(s))));
    if (!spans.length) list.append(el("li", { class: "chip-empty", text: "No spans." }));
    const all = row.querySelector('[data-action="accept-paragraph"]');
    if (all) {
      const open = spans.filter((s) => !accepted(s)).length;
      all.disabled = open === 0;
      all.textContent = spans.length && !open ? "All in gold" : "Accept all";
    }
  }
  section.dataset.hasGold = goldHere.length ? "true" : "false";
  section.dataset.hasSpans = goldHere.length || offers.length
    || pdata.reviewers.some((r) => r.spans.length) ? "true" : "false";
}

function swatchLabel(label) {
  return [el("span", { class: "swatch", "aria-hidden": "true" }),
    el("span", { class: "chip-label", text: labelName(label) })];
}

function goldChip(g) {
  const d = editing && editing.id === g.id ? editing.draft : g;
  const quote = excerpt(g.paragraph, d.start, d.end);
  const classes = ["chip", "chip-gold"];
  if (fresh.has(g.id)) classes.push("is-new");
  if (editing && editing.id === g.id) classes.push("is-editing");
  const attrs = attributeSummary(labels.get(g.label), g.attributes);
  return el("li", { class: classes.join(" "), "data-gold-id": String(g.id), "data-label": d.label },
    el("button", {
      type: "button", class: "chip-main", "data-action": "edit",
      "aria-label": `Edit gold span: ${labelName(d.label)}, “${quote}”, ${provenance(g.provenance).text}`,
      title: attributeTitle(labels.get(g.label), g.attributes) || "Edit this gold span",
    }, ...swatchLabel(d.label), el("span", { class: "chip-text", text: `“${quote}”` })),
    attrs ? el("span", { class: "chip-attrs", text: attrs }) : null,
    provenanceBadge(g.provenance),
    fresh.has(g.id) ? el("span", { class: "tag tag-new", text: "new" }) : null,
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

function reviewerChip(s, reviewer, paragraph, accepted) {
  const quote = excerpt(paragraph, s.start, s.end);
  const attrs = attributeSummary(labels.get(s.label), s.attributes);
  const classes = ["chip"];
  if (accepted) classes.push("is-accepted");
  if (s.unreviewed) classes.push("is-unreviewed");
  return el("li", { class: classes.join(" "), "data-annotation-id": String(s.id), "data-label": s.label },
    el("span", { class: "chip-main", title: [attributeTitle(labels.get(s.label), s.attributes), s.note ? `Note: ${s.note}` : ""].filter(Boolean).join("\n") },
      ...swatchLabel(s.label), el("span", { class: "chip-text", text: `“${quote}”` })),
    attrs ? el("span", { class: "chip-attrs", text: attrs }) : null,
    s.agreed ? el("span", { class: "tag tag-agreed", text: "all alike" }) : null,
    s.note ? el("span", { class: "tag", title: s.note, text: "note" }) : null,
    accepted
      ? el("span", { class: "in-gold", text: "✓ in gold" })
      : el("button", {
        type: "button", class: "small accept", "data-action": "accept", "data-annotation-id": String(s.id),
        "aria-label": `Accept ${reviewer}’s ${labelName(s.label)} span “${quote}”`,
      }, "Accept"));
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
  applyFilter();
}

function goldSignature(list) {
  const out = new Map();
  for (const g of list) {
    out.set(g.paragraph, `${out.get(g.paragraph) || ""}${JSON.stringify(g)};`);
  }
  return out;
}

/** The gold changed on the server: draw again only the paragraphs whose gold differs. */
function setGold(list, { all = false } = {}) {
  const before = goldSignature(gold);
  gold = list;
  const after = goldSignature(gold);
  const changed = new Set();
  for (const p of new Set([...before.keys(), ...after.keys()])) {
    if (before.get(p) !== after.get(p)) changed.add(p);
  }
  const open = editor.isOpen ? gold.find((g) => g.id === editor.span.id) : null;
  if (editor.isOpen && !open) editor.close({ restoreFocus: false });
  else if (open && !editor.dirty) editor.refresh(open);
  renderAll(all ? null : changed);
}

// --- the editor --------------------------------------------------------------------------------

const editor = new GoldEditor($("editor"), {
  labels,
  text: (paragraph) => texts[paragraph],
  selection: () => selection,
  onDraft: (span, draft) => {
    editing = { id: span.id, draft };
    renderParagraph(span.paragraph);
  },
  onClose: (span, returnFocus) => {
    editing = null;
    renderParagraph(span.paragraph);
    const chip = document.querySelector(`[data-gold-id="${span.id}"] .chip-main`);
    if (returnFocus) (chip || returnFocus).focus();
  },
  onSave: async (span, body) => {
    editor.setBusy(true);
    const result = await api.call("PATCH", api.url("span", { id: span.id }), body);
    editor.setBusy(false);
    if (!result.ok) {
      editor.showError(result.message, result.field);
      return;
    }
    hideError();
    gold = gold.map((g) => (g.id === span.id ? result.data : g)).sort(byPosition);
    editor.refresh(result.data);
    renderAll([span.paragraph]);
    showStatus(`Saved the ${labelName(result.data.label)} gold span “${excerpt(span.paragraph, result.data.start, result.data.end, 50)}”.`);
  },
  onDelete: async (span) => {
    editor.setBusy(true);
    const result = await api.remove(api.url("span", { id: span.id }));
    editor.setBusy(false);
    if (!result.ok) {
      editor.showError(result.message);
      return;
    }
    const index = gold.filter((g) => g.paragraph === span.paragraph).findIndex((g) => g.id === span.id);
    gold = gold.filter((g) => g.id !== span.id);
    fresh.delete(span.id);
    editor.close({ restoreFocus: false });
    renderAll([span.paragraph]);
    const chips = sections[span.paragraph].querySelectorAll('[data-row="gold"] .chip-main, [data-row="gold"] .accept');
    const next = chips[Math.min(index, chips.length - 1)];
    (next || sections[span.paragraph].querySelector("h2")).focus();
    showStatus(`Deleted the ${labelName(span.label)} gold span “${excerpt(span.paragraph, span.start, span.end, 50)}”.`);
  },
});

function openEditor(id, returnFocus = null) {
  const span = gold.find((g) => g.id === id);
  if (!span) return;
  if (editor.isOpen && editor.span.id !== id && editor.dirty) {
    showError("The open gold span has unsaved changes: save or revert them first.");
    editor.root.querySelector("#ed-save").focus();
    return;
  }
  const section = sections[span.paragraph];
  if (section.hidden) {
    section.dataset.pinned = "true";
    applyFilter();
  }
  editor.open(span, { returnFocus });
  if (!returnFocus || !section.contains(returnFocus)) {
    // Opened from elsewhere (the auto gold report): bring the paragraph into view.
    section.querySelector('[data-row="gold"]').scrollIntoView({ block: "center" });
  }
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

async function createFromSelection(label, button) {
  if (!selection) {
    showError("Select the text of the new gold span in a paragraph first.");
    return;
  }
  const body = { paragraph: selection.paragraph, start: selection.start, end: selection.end, label };
  const result = await act(() => api.call("POST", data.urls.create, body), button);
  if (!result) return;
  gold = gold.concat([result.data]).sort(byPosition);
  window.getSelection().removeAllRanges();
  updateSelection(null);
  renderAll([body.paragraph]);
  openEditor(result.data.id);
  showStatus(`Added a ${labelName(label)} gold span: set its attributes in the editor.`);
}

// --- actions ---------------------------------------------------------------------------------

async function acceptAnnotation(id, button) {
  const span = annotations.get(id);
  const result = await act(() => api.call("POST", data.urls.accept, { annotation_id: id }), button);
  if (!result) return;
  setGold(result.data.gold);
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
  const result = await act(() => api.call("POST", data.urls.accept, { paragraph, reviewer }), button);
  if (!result) return;
  setGold(result.data.gold);
  const n = result.data.accepted.length;
  showStatus(`Accepted ${n} span${n === 1 ? "" : "s"} of ${reviewer} in paragraph ${paragraph + 1} (${result.data.created} new in gold).`);
  button.focus();
}

async function acceptOffer(key, button) {
  const u = unanimous.find((x) => keyOf(x) === key);
  if (!u) return;
  const body = { paragraph: u.paragraph, label: u.label, start: u.start, end: u.end };
  const result = await act(() => api.call("POST", data.urls.accept_unanimous, body), button);
  if (!result) return;
  setGold(result.data.gold);
  showStatus(`Accepted the unanimous ${labelName(u.label)} span “${excerpt(u.paragraph, u.start, u.end, 50)}”.`);
  const chip = sections[u.paragraph].querySelector('[data-row="gold"] .chip-main');
  if (chip) chip.focus();
}

async function acceptAllUnanimous() {
  const result = await act(() => api.call("POST", data.urls.accept_unanimous), els.unanimousButton);
  if (!result) return;
  setGold(result.data.gold);
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
  if (editor.isOpen && editor.dirty) {
    showError("The open gold span has unsaved changes: save or revert them before running auto gold.");
    return;
  }
  if (replace && gold.length && !(await confirmReplace())) return;
  const result = await act(() => api.call("POST", data.urls.auto, { replace }), els.auto);
  if (!result) return;
  fresh = new Set(result.data.proposed.map((p) => p.id));
  setGold(result.data.gold, { all: true });
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
    else if (action === "create") createFromSelection(button.dataset.label, button);
    else if (action === "edit") openEditor(Number(button.closest("[data-gold-id]").dataset.goldId), button);
    else if (action === "goto") openEditor(Number(button.dataset.goldId), button);
    return;
  }
  const goldChipEl = target.closest(".chip-gold");
  if (goldChipEl) {
    openEditor(Number(goldChipEl.dataset.goldId), goldChipEl.querySelector(".chip-main"));
    return;
  }
  const mark = target.closest("mark.ann");
  if (mark && window.getSelection().isCollapsed && mark.closest(".adj-paragraph")) {
    const keys = spansAt(mark, mark.closest(".paragraph-text"));
    const section = mark.closest(".adj-paragraph");
    const goldKey = keys.find((k) => k.startsWith("g:"));
    if (goldKey) {
      openEditor(Number(goldKey.slice(2)), mark);
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
    createFromSelection(hotkeys.get(event.key), null);
  }
});

window.addEventListener("beforeunload", (event) => {
  if (editor.isOpen && editor.dirty) event.preventDefault();
});

for (const h of document.querySelectorAll(".adj-phead h2")) h.tabIndex = -1;
renderAll();
document.documentElement.dataset.adjudicateReady = "true";
