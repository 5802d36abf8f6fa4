"""Gold: the adjudicated spans of a document, where each came from, and what was rejected.

Every change of the gold goes through this module and needs an admin. One write path:

- a gold span is added by ``_add`` (a person's gold also lifts a rejection at its place and
  label, so that auto gold may propose it again);
- a gold span a person deletes, moves or relabels is remembered as *rejected* at its old place
  and label (``_reject``): auto gold does not propose it again (``run_auto_gold``);
- one document has one gold span per paragraph, label, start and end (a unique constraint;
  ``_refuse_duplicate`` answers 409 first, naming the span in the way);
- an adjudicator may also reject a reviewer's span that is not gold (``reject_span``): its
  place and label are remembered as rejected through the same ``_reject_place``, and lifting
  the rejection (``lift_rejection``) undoes it;
- a paragraph is marked adjudicated (``mark_adjudicated``: who and when), or unmarked.

Writes of one document are serialised (``_lock``). Provenance: ``unanimous`` and ``majority``
for auto gold (recomputed when it runs again), ``adjudicated:NAME`` for a person's gold, or
what an import gave. The proposals themselves (token majority, unanimous spans) are computed
in ``adjudication``, which only reads.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, select

from . import adjudication
from .access import require_admin
from .accounts import require_user
from .annotations import paragraph_texts
from .codebook import Codebook, load_codebook
from .database import insert_ignoring_conflicts
from .errors import BadRequest, Conflict, Invalid, NotFound
from .extensions import db
from .models import (
    AdjudicatedParagraph,
    Annotation,
    Document,
    GoldRejection,
    GoldSpan,
    Paragraph,
    User,
    utcnow,
)
from .spans import (
    MAX_INT,
    check_offsets,
    check_offsets_in,
    check_text,
    clean_note,
    clean_provenance,
    has_paragraphs,
    require_fields,
    require_object,
    span_dict,
    whole_number,
)

UNANIMOUS = adjudication.UNANIMOUS
MAJORITY = adjudication.MAJORITY
# Gold that auto gold made and can make again from the reviewers' spans: it is recomputed when
# auto gold runs. Every other provenance (adjudicated:NAME, or whatever an import gave) is the
# work of a person and is kept unless the caller asks to replace everything.
AUTO_PROVENANCES = (UNANIMOUS, MAJORITY)
CREATE_FIELDS = {"paragraph", "start", "end", "label", "attributes", "note"}
UPDATE_FIELDS = {"start", "end", "label", "attributes", "note"}
# What PUT /api/documents/ID/gold takes per span: a gold span as GET answers it.
REPLACE_FIELDS = CREATE_FIELDS | {"provenance", "text", "id", "document_id"}


def adjudicated(user: User) -> str:
    return f"adjudicated:{user.username}"


# --- reading ----------------------------------------------------------------------------------

def list_gold(document: Document) -> list[dict]:
    texts = paragraph_texts(document.id)
    spans = db.session.scalars(
        select(GoldSpan).where(GoldSpan.document_id == document.id)
        .order_by(GoldSpan.paragraph_index, GoldSpan.start, GoldSpan.end, GoldSpan.id)
    )
    return [span_dict(s, texts[s.paragraph_index]) for s in spans]


def gold_keys(document: Document) -> set[tuple[int, str, int, int]]:
    """(paragraph, label, start, end) of every gold span of the document."""
    return {(row[0], row[1], row[2], row[3]) for row in db.session.execute(
        select(GoldSpan.paragraph_index, GoldSpan.label, GoldSpan.start, GoldSpan.end)
        .where(GoldSpan.document_id == document.id))}


def unanimous_offers(document: Document) -> list[dict]:
    """``adjudication.unanimous_spans`` with ``in_gold``: whether each is gold already."""
    gold = gold_keys(document)
    return [{**offer, "in_gold": (offer["paragraph"], offer["label"], offer["start"],
                                  offer["end"]) in gold}
            for offer in adjudication.unanimous_spans(document)]


def gold_span_counts(project_id: int) -> dict[int, int]:
    """Gold spans per document of a project (documents without gold left out)."""
    return dict(db.session.execute(
        select(GoldSpan.document_id, func.count())
        .join(Document, Document.id == GoldSpan.document_id)
        .where(Document.project_id == project_id)
        .group_by(GoldSpan.document_id)).all())


def adjudicated_paragraph_counts(project_id: int) -> dict[int, int]:
    """Paragraphs marked adjudicated per document of a project (documents with none left
    out), for the team dashboard's gold column and the project's adjudication list."""
    return dict(db.session.execute(
        select(AdjudicatedParagraph.document_id, func.count())
        .join(Document, Document.id == AdjudicatedParagraph.document_id)
        .where(Document.project_id == project_id)
        .group_by(AdjudicatedParagraph.document_id)).all())


def list_rejections(document: Document) -> list[dict]:
    """The places and labels rejected in the document (by deleting, moving or relabelling
    gold there, or by rejecting a reviewer's span), with who rejected each and when."""
    texts = paragraph_texts(document.id)
    rows = db.session.execute(
        select(GoldRejection, User.username)
        .outerjoin(User, User.id == GoldRejection.rejected_by_id)
        .where(GoldRejection.document_id == document.id)
        .order_by(GoldRejection.paragraph_index, GoldRejection.start, GoldRejection.end,
                  GoldRejection.label))
    return [_rejection_dict(r, name, texts[r.paragraph_index]) for r, name in rows]


def _rejection_dict(rejection: GoldRejection, rejected_by: str | None, text: str) -> dict:
    return {"id": rejection.id, "paragraph": rejection.paragraph_index,
            "start": rejection.start, "end": rejection.end, "label": rejection.label,
            "text": text[rejection.start:rejection.end], "rejected_by": rejected_by,
            "created_at": _when(rejection.created_at)}


def _when(moment) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def adjudication_state(document: Document) -> dict:
    """The paragraphs marked adjudicated: ``{"paragraphs": N (of the document),
    "adjudicated": [{"paragraph", "by", "at"}]}``, by paragraph."""
    rows = db.session.execute(
        select(AdjudicatedParagraph.paragraph_index, User.username,
               AdjudicatedParagraph.created_at)
        .outerjoin(User, User.id == AdjudicatedParagraph.adjudicated_by_id)
        .where(AdjudicatedParagraph.document_id == document.id)
        .order_by(AdjudicatedParagraph.paragraph_index))
    return {"paragraphs": document.paragraph_count,
            "adjudicated": [{"paragraph": index, "by": name, "at": _when(at)}
                            for index, name, at in rows]}


def _find_gold(document_id: int, paragraph: int, label: str, start: int, end: int
               ) -> GoldSpan | None:
    return db.session.scalar(
        select(GoldSpan).where(GoldSpan.document_id == document_id,
                               GoldSpan.paragraph_index == paragraph, GoldSpan.label == label,
                               GoldSpan.start == start, GoldSpan.end == end)
        .order_by(GoldSpan.id).limit(1)
    )


def _gold_dict(span: GoldSpan) -> dict:
    text = db.session.get(Paragraph, (span.document_id, span.paragraph_index)).text
    return span_dict(span, text)


# --- the write path ---------------------------------------------------------------------------

def _lock(document: Document) -> None:
    """Serialise gold changes of one document (PostgreSQL: a row lock; SQLite locks the
    whole database on write), so that two admins cannot store the same span twice."""
    db.session.execute(select(Document.id).where(Document.id == document.id)
                       .with_for_update())


def _add(document_id: int, paragraph: int, start: int, end: int, label: str,
         attributes: dict, note: str, provenance: str, user: User | None,
         by_person: bool = True) -> GoldSpan:
    """Add one gold span (the caller checked it and its place is free). Gold set by a person
    lifts a rejection at its place and label; auto gold (``by_person=False``) never meets one,
    as it skips rejected places."""
    gold = GoldSpan(document_id=document_id, paragraph_index=paragraph, start=start, end=end,
                    label=label, attributes=attributes, note=note, provenance=provenance,
                    created_by_id=user.id if user else None, created_at=utcnow())
    db.session.add(gold)
    if by_person:
        _forget_rejection(document_id, paragraph, label, start, end)
    return gold


def _reject(gold: GoldSpan, user: User) -> None:
    """Remember the gold span's place and label as rejected (once)."""
    _reject_place(gold.document_id, gold.paragraph_index, gold.label, gold.start, gold.end,
                  user)


def _reject_place(document_id: int, paragraph: int, label: str, start: int, end: int,
                  user: User) -> bool:
    """Remember a place and label as rejected; False when it was already (the caller holds
    the document's lock)."""
    if db.session.scalar(select(GoldRejection.id).where(
            GoldRejection.document_id == document_id, GoldRejection.paragraph_index == paragraph,
            GoldRejection.label == label, GoldRejection.start == start,
            GoldRejection.end == end)) is not None:
        return False
    db.session.execute(insert_ignoring_conflicts(GoldRejection).values(
        document_id=document_id, paragraph_index=paragraph, label=label, start=start,
        end=end, rejected_by_id=user.id, created_at=utcnow()))
    return True


def _forget_rejection(document_id: int, paragraph: int, label: str, start: int, end: int
                      ) -> None:
    """Gold set by a person where gold was rejected before: the rejection no longer holds."""
    db.session.execute(delete(GoldRejection).where(
        GoldRejection.document_id == document_id, GoldRejection.paragraph_index == paragraph,
        GoldRejection.label == label, GoldRejection.start == start, GoldRejection.end == end))


def _refuse_duplicate(document_id: int, paragraph: int, label: str, start: int, end: int,
                      own_id: int | None = None) -> None:
    other = _find_gold(document_id, paragraph, label, start, end)
    if other is not None and other.id != own_id:
        raise Conflict(f"Gold span {other.id} already has label '{label}' at {start}-{end} in "
                       f"paragraph {paragraph}; edit that one instead.", "start",
                       existing=other.id)


def _own_gold(gold_id: int, user: User) -> GoldSpan:
    require_admin(user)
    gold = db.session.get(GoldSpan, gold_id)
    if gold is None:
        raise NotFound(f"There is no gold span {gold_id}.")
    return gold


# --- a person's gold ----------------------------------------------------------------------------

def create_gold_span(document: Document, payload: Any, user: User) -> dict:
    """A new gold span, checked like a reviewer's span; provenance ``adjudicated:USER``.
    A span with the same paragraph, label and bounds already in gold answers 409."""
    require_admin(user)
    payload = require_object(payload, CREATE_FIELDS)
    require_fields(payload)
    paragraph = whole_number(payload, "paragraph")
    start, end = whole_number(payload, "start"), whole_number(payload, "end")
    text = check_offsets(document, paragraph, start, end)
    codebook = load_codebook(document.project.codebook)
    label = codebook.label(payload["label"]).key
    attributes = codebook.clean_attributes(label, payload.get("attributes"))
    note = clean_note(payload.get("note"))
    _lock(document)
    _refuse_duplicate(document.id, paragraph, label, start, end)
    gold = _add(document.id, paragraph, start, end, label, attributes, note,
                adjudicated(user), user)
    db.session.commit()
    return span_dict(gold, text)


def update_gold_span(gold_id: int, payload: Any, user: User) -> dict:
    """Change any of start, end, label, attributes and note of a gold span; its provenance
    becomes ``adjudicated:USER``. A new label without attributes clears the attributes."""
    payload = require_object(payload, UPDATE_FIELDS)
    gold = _own_gold(gold_id, user)
    document = db.session.get(Document, gold.document_id)
    start = whole_number(payload, "start") if "start" in payload else gold.start
    end = whole_number(payload, "end") if "end" in payload else gold.end
    text = check_offsets(document, gold.paragraph_index, start, end)
    codebook = load_codebook(document.project.codebook)
    label = codebook.label(payload["label"]).key if "label" in payload else gold.label
    if "attributes" in payload:
        attributes = codebook.clean_attributes(label, payload["attributes"])
    elif label != gold.label:
        attributes = {}
    else:
        attributes = gold.attributes or {}
    note = clean_note(payload["note"]) if "note" in payload else gold.note
    _lock(document)
    _refuse_duplicate(document.id, gold.paragraph_index, label, start, end, own_id=gold.id)
    if (gold.start, gold.end, gold.label) != (start, end, label):
        # moved or relabelled: where it was is rejected, as if deleted
        _reject(gold, user)
    gold.start, gold.end, gold.label = start, end, label
    gold.attributes, gold.note = attributes, note
    gold.provenance = adjudicated(user)
    _forget_rejection(document.id, gold.paragraph_index, label, start, end)
    db.session.commit()
    return span_dict(gold, text)


def delete_gold_span(gold_id: int, user: User) -> None:
    """Delete a gold span, and remember its place and label as rejected: auto gold does not
    propose it again (``run_auto_gold``). Moving or relabelling one (``update_gold_span``)
    rejects where it was in the same way."""
    gold = _own_gold(gold_id, user)
    _reject(gold, user)
    db.session.delete(gold)
    db.session.commit()


def replace_gold(document: Document, user: User, payload: Any, limit: int) -> list[dict]:
    """Replace the document's gold spans with the given list (admins only).

    Through the one write path: a gold span that was there and is not in the list is rejected
    as if deleted, and every span of the list lifts a rejection at its place, as a person's
    gold does. A span without ``provenance`` is ``adjudicated:USER``."""
    require_admin(user)
    if isinstance(payload, dict) and set(payload) == {"gold"}:
        payload = payload["gold"]
    if not isinstance(payload, list):
        raise BadRequest('The body must be a JSON list of gold spans (or {"gold": [...]}).')
    if len(payload) > limit:
        raise Invalid(f"At most {limit} gold spans can be sent at once.")
    codebook = load_codebook(document.project.codebook)
    texts = paragraph_texts(document.id)
    rows = [_replacement(document, codebook, texts, item, i, user)
            for i, item in enumerate(payload)]
    seen: dict[tuple, int] = {}
    for number, row in enumerate(rows, start=1):
        place = (row["paragraph"], row["label"], row["start"], row["end"])
        if place in seen:
            raise Invalid(f"gold span {number} repeats gold span {seen[place]}: a document has "
                          f"one gold span per place and label.")
        seen[place] = number
    _lock(document)
    for old in db.session.scalars(select(GoldSpan).where(GoldSpan.document_id == document.id)):
        if (old.paragraph_index, old.label, old.start, old.end) not in seen:
            _reject(old, user)
    db.session.execute(delete(GoldSpan).where(GoldSpan.document_id == document.id))
    db.session.flush()
    for row in rows:
        _add(document.id, user=user, by_person=False, **row)
    # What _add does for a person's span, for the whole list in one pass.
    lifted = [rid for rid, *place in db.session.execute(
        select(GoldRejection.id, GoldRejection.paragraph_index, GoldRejection.label,
               GoldRejection.start, GoldRejection.end)
        .where(GoldRejection.document_id == document.id)) if tuple(place) in seen]
    if lifted:
        db.session.execute(delete(GoldRejection).where(GoldRejection.id.in_(lifted)))
    db.session.commit()
    return list_gold(document)


def _replacement(document: Document, codebook: Codebook, texts: Sequence[str], item: Any,
                 i: int, user: User) -> dict:
    """One span of a PUT of the gold, checked as every span is."""
    where = f"gold span {i + 1}"
    item = require_object(item, REPLACE_FIELDS, where)
    require_fields(item, where=where)
    paragraph = whole_number(item, "paragraph", where)
    start, end = whole_number(item, "start", where), whole_number(item, "end", where)
    text = check_offsets_in(document.id, len(texts), paragraph, start, end,
                            texts[paragraph] if 0 <= paragraph < len(texts) else None, where)
    check_text(item, text, paragraph, start, end, where)
    label = codebook.label(item["label"], where).key
    return {
        "paragraph": paragraph, "start": start, "end": end, "label": label,
        "attributes": codebook.clean_attributes(label, item.get("attributes"), where),
        "note": clean_note(item.get("note"), where),
        "provenance": clean_provenance(item.get("provenance") or adjudicated(user), where),
    }


# --- rejecting reviewers' spans ----------------------------------------------------------------

REJECT_FIELDS = {"annotation_id", "paragraph", "label", "start", "end"}


def reject_span(document: Document, payload: Any, user: User) -> tuple[dict, bool]:
    """Reject a reviewer's span explicitly: its place and label are remembered as rejected
    (``_reject_place``, as when gold there is deleted), so the page shows it rejected and auto
    gold does not propose it. The body names the span, ``{"annotation_id": ID}``, or its
    place, ``{"paragraph", "label", "start", "end"}``. Gold at that place and label is refused
    (409, naming it): deleting that gold span rejects its place. Returns (the rejection,
    created); rejecting again changes nothing."""
    require_admin(user)
    payload = require_object(payload, REJECT_FIELDS)
    if "annotation_id" in payload:
        if set(payload) != {"annotation_id"}:
            raise Invalid('Send either {"annotation_id"} or paragraph, label, start and end.',
                          "annotation_id")
        span = _reviewer_span(document, payload["annotation_id"])
        paragraph, label, start, end = span.paragraph_index, span.label, span.start, span.end
    else:
        require_fields(payload)
        paragraph = whole_number(payload, "paragraph")
        start, end = whole_number(payload, "start"), whole_number(payload, "end")
        check_offsets(document, paragraph, start, end)
        label = load_codebook(document.project.codebook).label(payload["label"]).key
    _lock(document)
    gold = _find_gold(document.id, paragraph, label, start, end)
    if gold is not None:
        raise Conflict(f"Gold span {gold.id} has label '{label}' at {start}-{end} in paragraph "
                       f"{paragraph}: delete that gold span to reject its place.", "label",
                       existing=gold.id)
    created = _reject_place(document.id, paragraph, label, start, end, user)
    db.session.commit()
    rejection = db.session.scalar(select(GoldRejection).where(
        GoldRejection.document_id == document.id, GoldRejection.paragraph_index == paragraph,
        GoldRejection.label == label, GoldRejection.start == start, GoldRejection.end == end))
    name = db.session.scalar(select(User.username).where(User.id == rejection.rejected_by_id))
    text = db.session.get(Paragraph, (document.id, paragraph)).text
    return _rejection_dict(rejection, name, text), created


def lift_rejection(rejection_id: int, user: User) -> None:
    """Undo a rejection (of a reviewer's span, or of deleted gold's place): auto gold may
    propose that place and label again."""
    require_admin(user)
    rejection = db.session.get(GoldRejection, rejection_id) \
        if 0 < rejection_id <= MAX_INT else None
    if rejection is None:
        raise NotFound(f"There is no rejection {rejection_id}.")
    db.session.delete(rejection)
    db.session.commit()


# --- paragraphs marked adjudicated -----------------------------------------------------------

def _paragraph_index(document: Document, index: Any) -> int:
    if isinstance(index, bool) or not isinstance(index, int) \
            or not 0 <= index < document.paragraph_count:
        raise NotFound(f"There is no paragraph {index}; "
                       f"{has_paragraphs(document.paragraph_count)}.")
    return index


def mark_adjudicated(document: Document, index: Any, user: User) -> dict:
    """Mark the paragraph adjudicated by the user (marking it again keeps the first mark).
    Returns ``adjudication_state``."""
    require_admin(user)
    index = _paragraph_index(document, index)
    db.session.execute(insert_ignoring_conflicts(AdjudicatedParagraph).values(
        document_id=document.id, paragraph_index=index, adjudicated_by_id=user.id,
        created_at=utcnow()))
    db.session.commit()
    return adjudication_state(document)


def unmark_adjudicated(document: Document, index: Any, user: User) -> dict:
    """Take the paragraph's adjudicated mark away (none: nothing changes)."""
    require_admin(user)
    index = _paragraph_index(document, index)
    db.session.execute(delete(AdjudicatedParagraph).where(
        AdjudicatedParagraph.document_id == document.id,
        AdjudicatedParagraph.paragraph_index == index))
    db.session.commit()
    return adjudication_state(document)


# --- accepting reviewers' spans ----------------------------------------------------------------

def _reviewer_span(document: Document, annotation_id: Any) -> Annotation:
    if isinstance(annotation_id, bool) or not isinstance(annotation_id, int):
        raise Invalid("annotation_id must be a whole number.", "annotation_id")
    span = db.session.get(Annotation, annotation_id) if 0 < annotation_id <= MAX_INT else None
    if span is None or span.document_id != document.id:
        raise NotFound(f"There is no span {annotation_id} in document {document.id}.")
    return span


def _accept(document: Document, span: Annotation, user: User) -> tuple[GoldSpan, bool]:
    """Make the reviewer's span gold (adjudicated by the user). When gold with its label and
    bounds exists, it takes the span's attributes and the user's name, and no second span is
    made; accepting again changes nothing."""
    codebook = load_codebook(document.project.codebook)
    where = f"span {span.id}"
    label = codebook.label(span.label, where).key
    attributes = codebook.clean_attributes(label, span.attributes or {}, where)
    gold = _find_gold(document.id, span.paragraph_index, label, span.start, span.end)
    if gold is not None:
        if gold.attributes != attributes or gold.provenance != adjudicated(user):
            gold.attributes = attributes
            gold.provenance = adjudicated(user)
        return gold, False
    gold = _add(document.id, span.paragraph_index, span.start, span.end, label, attributes,
                "", adjudicated(user), user)
    db.session.flush()
    return gold, True


def accept_span(document: Document, annotation_id: int, user: User) -> tuple[dict, bool]:
    """Copy a reviewer's span into the gold (provenance ``adjudicated:USER``).

    Returns (gold span, created); accepting twice is harmless (created is False)."""
    require_admin(user)
    span = _reviewer_span(document, annotation_id)
    _lock(document)
    gold, created = _accept(document, span, user)
    db.session.commit()
    return _gold_dict(gold), created


def accept_paragraph(document: Document, paragraph: Any, reviewer_name: Any, user: User
                     ) -> tuple[list[dict], int]:
    """Accept every span of one reviewer in one paragraph. Returns (gold spans, created)."""
    require_admin(user)
    if isinstance(paragraph, bool) or not isinstance(paragraph, int):
        raise Invalid("paragraph must be a whole number.", "paragraph")
    if not 0 <= paragraph < document.paragraph_count:
        raise Invalid(f"Paragraph {paragraph} does not exist; "
                      f"{has_paragraphs(document.paragraph_count)}.", "paragraph")
    if not isinstance(reviewer_name, str) or not reviewer_name.strip():
        raise Invalid("reviewer must be a reviewer's name.", "reviewer")
    reviewer = require_user(reviewer_name.strip())
    spans = list(db.session.scalars(
        select(Annotation).where(Annotation.document_id == document.id,
                                 Annotation.paragraph_index == paragraph,
                                 Annotation.reviewer_id == reviewer.id)
        .order_by(Annotation.start, Annotation.end, Annotation.id)))
    if not spans:
        raise Invalid(f"{reviewer.username} has no spans in paragraph {paragraph}.",
                      "reviewer")
    _lock(document)
    results = [_accept(document, span, user) for span in spans]
    db.session.commit()
    unique = {gold.id: gold for gold, _ in results}
    return [_gold_dict(g) for g in unique.values()], sum(1 for _, c in results if c)


def accept_unanimous(document: Document, user: User, only: dict | None = None
                     ) -> tuple[list[dict], int]:
    """Store every unanimous span (``unanimous_offers``) not yet in gold, with provenance
    ``unanimous``; ``only`` ({"paragraph", "label", "start", "end"}) picks one of them.
    Returns (the unanimous spans now in gold, how many were added)."""
    require_admin(user)
    _lock(document)
    offers = unanimous_offers(document)
    if only is not None:
        offers = [u for u in offers if all(u[k] == only.get(k)
                                           for k in ("paragraph", "label", "start", "end"))]
        if not offers:
            raise NotFound("No reviewer span with that label and those bounds was made alike "
                           "by every reviewer of its paragraph.")
    created = [
        # accepted by a person: the next auto run proposes it again
        _add(document.id, offer["paragraph"], offer["start"], offer["end"], offer["label"],
             offer["attributes"], "", UNANIMOUS, user)
        for offer in offers if not offer["in_gold"]
    ]
    db.session.flush()
    db.session.commit()
    accepted = [_find_gold(document.id, u["paragraph"], u["label"], u["start"], u["end"])
                for u in offers]
    return [_gold_dict(g) for g in accepted if g is not None], len(created)


# --- auto gold ------------------------------------------------------------------------------------

def run_auto_gold(document: Document, replace: bool = False, user: User | None = None
                  ) -> dict:
    """Store the proposed gold of the document (``adjudication.propose_gold``), with a summary.

    By default the gold that auto gold made before (provenance unanimous or majority) is
    recomputed, every other gold span (adjudicated by a person, or imported with another
    provenance) is kept, a proposal that overlaps a kept span of the same label in its
    paragraph is skipped, and so is one where an adjudicator deleted gold of its label and
    bounds (rejected). ``replace=True`` deletes every gold span and forgets the rejections
    first: a fresh start from the reviewers' spans.

    Returns ``{"proposed": [stored spans], "skipped": [proposals overlapping kept gold],
    "rejected": [proposals deleted before], "kept": N, "removed": N}``.
    """
    if user is not None:
        require_admin(user)
    _lock(document)
    proposals = adjudication.propose_gold(document)
    existing = list(db.session.scalars(
        select(GoldSpan).where(GoldSpan.document_id == document.id)))
    if replace:
        kept: list[GoldSpan] = []
        db.session.execute(delete(GoldRejection)
                           .where(GoldRejection.document_id == document.id))
        rejections = set()
    else:
        kept = [g for g in existing if g.provenance not in AUTO_PROVENANCES]
        rejections = {tuple(row) for row in db.session.execute(
            select(GoldRejection.paragraph_index, GoldRejection.label, GoldRejection.start,
                   GoldRejection.end).where(GoldRejection.document_id == document.id))}
    removed = [g.id for g in existing if g not in kept]
    if removed:
        db.session.execute(delete(GoldSpan).where(GoldSpan.id.in_(removed)))
    blockers: dict[tuple[int, str], list[tuple[int, int]]] = defaultdict(list)
    for g in kept:
        blockers[(g.paragraph_index, g.label)].append((g.start, g.end))
    stored, skipped, rejected = [], [], []
    for p in proposals:
        if any(a < p["end"] and p["start"] < b
               for a, b in blockers[(p["paragraph"], p["label"])]):
            skipped.append(p)
            continue
        if (p["paragraph"], p["label"], p["start"], p["end"]) in rejections:
            rejected.append(p)
            continue
        span = _add(document.id, p["paragraph"], p["start"], p["end"], p["label"],
                    p["attributes"], "", p["provenance"], user, by_person=False)
        stored.append((span, p))
    db.session.commit()
    texts = paragraph_texts(document.id)
    return {
        "proposed": [{**span_dict(span, texts[span.paragraph_index]), "support": p["support"],
                      "reviewers": p["reviewers"]} for span, p in stored],
        "skipped": skipped,
        "rejected": rejected,
        "kept": len(kept),
        "removed": len(removed),
    }


def auto_gold(document: Document, replace: bool = False, user: User | None = None
              ) -> list[dict]:
    """Propose gold by token-level majority per label and store it; returns the stored
    proposals. See ``run_auto_gold`` for what is kept; with ``user``, only an admin may."""
    return run_auto_gold(document, replace=replace, user=user)["proposed"]
