"""One document's spans side by side, reviewer by reviewer: the compare view's data
(``compare_document``), and its paragraphs cut into highlighted segments for the page
(``compare_paragraph``)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from ..extensions import db
from ..models import Annotation, Document, DocumentReview, GoldSpan, User
from ..tokens import reviewers_by_paragraph


def compare_document(document: Document) -> dict:
    """Every paragraph with each reviewer's spans, and which of them others did not make.

    A span is ``agreed`` when every other reviewer who reviewed the paragraph made a span with
    the same label, start and end; otherwise it is a disagreement. Spans in paragraphs their
    reviewer has not reviewed are shown but flagged ``unreviewed`` (they count in no figure).
    """
    texts = [p.text for p in document.paragraphs]
    reviewed = reviewers_by_paragraph(document.id, len(texts))
    rows = db.session.execute(
        select(Annotation, User.username).join(User, User.id == Annotation.reviewer_id)
        .where(Annotation.document_id == document.id)
        .order_by(Annotation.paragraph_index, Annotation.start, Annotation.end)
    ).all()
    statuses = dict(db.session.execute(
        select(DocumentReview.reviewer_id, DocumentReview.status)
        .where(DocumentReview.document_id == document.id)
    ).all())
    reviewer_ids = {uid for ids in reviewed.values() for uid in ids} | \
        {span.reviewer_id for span, _ in rows}
    names = dict(db.session.execute(
        select(User.id, User.username).where(User.id.in_(reviewer_ids))
    ).all()) if reviewer_ids else {}
    order = sorted(names, key=lambda uid: names[uid].lower())

    keys: dict[tuple[int, int], set[tuple[str, int, int]]] = defaultdict(set)
    by_cell: dict[tuple[int, int], list[Annotation]] = defaultdict(list)
    for span, _ in rows:
        keys[(span.paragraph_index, span.reviewer_id)].add((span.label, span.start, span.end))
        by_cell[(span.paragraph_index, span.reviewer_id)].append(span)

    gold = defaultdict(list)
    for g in db.session.scalars(select(GoldSpan).where(GoldSpan.document_id == document.id)
                                .order_by(GoldSpan.paragraph_index, GoldSpan.start)):
        gold[g.paragraph_index].append({
            "id": g.id, "start": g.start, "end": g.end, "label": g.label,
            "text": texts[g.paragraph_index][g.start:g.end], "attributes": g.attributes,
            "provenance": g.provenance})

    paragraphs = []
    disagreements = 0
    for index, text in enumerate(texts):
        row_reviewers = []
        for uid in order:
            spans = []
            for span in by_cell.get((index, uid), ()):
                others = [o for o in reviewed[index] if o != uid]
                is_reviewed = uid in reviewed[index]
                agreed = bool(others) and is_reviewed and all(
                    (span.label, span.start, span.end) in keys[(index, o)] for o in others)
                if is_reviewed and others and not agreed:
                    disagreements += 1
                spans.append({
                    "id": span.id, "start": span.start, "end": span.end, "label": span.label,
                    "text": text[span.start:span.end], "attributes": span.attributes or {},
                    "note": span.note, "agreed": agreed, "unreviewed": not is_reviewed})
            row_reviewers.append({"reviewer": names[uid], "reviewed": uid in reviewed[index],
                                  "spans": spans})
        paragraphs.append({
            "index": index, "text": text, "reviewers": row_reviewers, "gold": gold[index],
            "reviewed_by": len(reviewed[index]),
            "disagreement": any(not s["agreed"] and not s["unreviewed"] and r["reviewed"]
                                and len(reviewed[index]) >= 2
                                for r in row_reviewers for s in r["spans"]),
        })
    return {
        "document": {"id": document.id, "title": document.title, "source": document.source},
        "reviewers": [{"name": names[uid], "status": statuses.get(uid, "not_started")}
                      for uid in order],
        "paragraphs": paragraphs,
        "disagreements": disagreements,
    }


def compare_summary(data: dict, paragraphs: list[dict]) -> dict:
    """The counts at the top of the compare view: ``data`` from ``compare_document``, its
    ``paragraphs`` through ``compare_paragraph`` (the shown reviewers)."""
    return {
        "paragraphs": len(paragraphs),
        "disagreement": sum(1 for p in paragraphs if p["disagreement"]),
        "incomplete": sum(1 for p in paragraphs if p["not_reviewed_by"]),
        "spans": sum(len(r["spans"]) for p in paragraphs for r in p["rows"]),
        "gold": sum(len(p["gold"]) for p in data["paragraphs"]),
    }


def _label_name(labels: dict, key: str) -> str:
    return labels[key]["name"] if key in labels else key


def compare_paragraph(paragraph: dict, labels: dict, shown: set[str] | None = None) -> dict:
    """One paragraph of the compare view: a row per reviewer (and gold) with the text cut into
    highlighted segments, and for each span the reviewers who did not mark it the same.

    With ``shown``, only those reviewers: their rows, and agreement among them alone (a span
    is a disagreement when one of the shown reviewers who reviewed the paragraph did not mark
    it the same; "not reviewed by" names shown reviewers)."""
    text = paragraph["text"]
    rows = [r for r in paragraph["reviewers"] if shown is None or r["reviewer"] in shown]
    reviewed = [r["reviewer"] for r in rows if r["reviewed"]]
    keys = {r["reviewer"]: {(s["label"], s["start"], s["end"]) for s in r["spans"]}
            for r in rows}
    out_rows = []
    for row in rows:
        row_spans = []
        for span in row["spans"]:
            missing = [] if span["unreviewed"] else [
                other for other in reviewed if other != row["reviewer"]
                and (span["label"], span["start"], span["end"]) not in keys[other]]
            row_spans.append({**span, "missing": missing,
                              "disagree": bool(missing) and not span["unreviewed"],
                              "label_name": _label_name(labels, span["label"])})
        out_rows.append({"reviewer": row["reviewer"], "reviewed": row["reviewed"],
                         "spans": row_spans, "segments": segments(text, row_spans, labels)})
    gold = [{**g, "missing": [], "disagree": False, "unreviewed": False,
             "label_name": _label_name(labels, g["label"])} for g in paragraph["gold"]]
    return {
        "index": paragraph["index"],
        "text": text,
        "rows": out_rows,
        "gold": gold,
        "gold_segments": segments(text, gold, labels) if gold else [],
        "reviewed_by": reviewed,
        "not_reviewed_by": [r["reviewer"] for r in rows if not r["reviewed"]],
        "disagreement": len(reviewed) >= 2 and any(
            s["disagree"] for r in out_rows if r["reviewed"] for s in r["spans"]),
        "has_spans": bool(gold) or any(r["spans"] for r in rows),
    }


def segments(text: str, row_spans: list[dict], labels: dict) -> list[dict]:
    """The text cut at every span boundary; each piece with the spans that cover it. A piece
    is shown in the colour of its innermost (shortest) span."""
    cuts = sorted({0, len(text), *(s["start"] for s in row_spans),
                   *(s["end"] for s in row_spans)})
    pieces = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        if a >= b:
            continue
        cover = [s for s in row_spans if s["start"] <= a and b <= s["end"]]
        if not cover:
            pieces.append({"text": text[a:b], "spans": []})
            continue
        inner = min(cover, key=lambda s: (s["end"] - s["start"], s["start"]))
        tip = "; ".join(
            f"{s['label_name']}"
            + (f" (not marked the same by {', '.join(s['missing'])})" if s["disagree"] else "")
            for s in cover)
        pieces.append({
            "text": text[a:b], "spans": cover, "label": inner["label"],
            "disagree": any(s["disagree"] for s in cover), "multi": len(cover) > 1,
            "title": tip})
    return pieces
