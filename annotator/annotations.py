"""Spans, paragraph reviews, submission and gold: validated and applied here, nowhere else.

Every function takes plain data and the acting user, checks it (offsets in code points within
the paragraph, label and attributes against the codebook, ownership, access) and raises a
``DomainError`` naming the fault. A refused call changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from .assignments import require_assignment
from .codebook import Codebook, load_codebook
from .database import insert_ignoring_conflicts
from .errors import BadRequest, Conflict, Forbidden, Invalid, NotFound
from .extensions import db
from .models import (
    Annotation,
    Document,
    DocumentReview,
    GoldSpan,
    Paragraph,
    ParagraphReview,
    Project,
    User,
    utcnow,
)

MAX_NOTE = 10000
MAX_CLIENT_ID = 100
SPAN_FIELDS = {"paragraph", "start", "end", "label", "attributes", "note", "client_id"}
PATCH_FIELDS = {"start", "end", "label", "attributes", "note"}


# --- access ---------------------------------------------------------------------------------

def can_see_project(user: User, project: Project) -> bool:
    # Every account of this instance works on every project; admins manage them.
    return user.is_authenticated and user.is_active


def can_see_others(user: User, project: Project) -> bool:
    """Admins see every reviewer's spans; reviewers only in open (non-blind) projects."""
    return user.is_admin or not project.blind


def get_project(slug: str, user: User) -> Project:
    project = db.session.scalar(select(Project).where(Project.slug == slug))
    if project is None or not can_see_project(user, project):
        raise NotFound(f"There is no project '{slug}'.")
    return project


def get_document(document_id: int, user: User) -> Document:
    document = db.session.get(Document, document_id)
    if document is None or not can_see_project(user, document.project):
        raise NotFound(f"There is no document {document_id}.")
    return document


def require_agreement_access(user: User, project: Project) -> None:
    """Agreement figures: admins, and reviewers of open (non-blind) projects."""
    if not (user.is_admin or not project.blind):
        raise Forbidden("This project is blind: only admins see its agreement.")


def require_admin(user: User) -> None:
    if not user.is_admin:
        raise Forbidden("Only an admin can do this.")


# --- reading --------------------------------------------------------------------------------

def paragraph_texts(document_id: int) -> list[str]:
    return list(db.session.scalars(
        select(Paragraph.text).where(Paragraph.document_id == document_id)
        .order_by(Paragraph.position)
    ))


def span_dict(span: Annotation | GoldSpan, text: str, reviewer: str | None = None) -> dict:
    body = {
        "id": span.id,
        "document_id": span.document_id,
        "paragraph": span.paragraph_index,
        "start": span.start,
        "end": span.end,
        "label": span.label,
        "text": text[span.start:span.end],
        "attributes": span.attributes or {},
        "note": span.note or "",
    }
    if isinstance(span, Annotation):
        body["reviewer"] = reviewer if reviewer is not None else span.reviewer.username
        body["client_id"] = span.client_id
        body["created_at"] = _iso(span.created_at)
        body["updated_at"] = _iso(span.updated_at)
    else:
        body["provenance"] = span.provenance
    return body


def _iso(value) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite hands back naive UTC
        return value.isoformat() + "Z"
    return value.isoformat().replace("+00:00", "Z")


def list_annotations(document: Document, user: User, reviewer: str | None = None) -> list[dict]:
    """The caller's spans, or another reviewer's where the caller may see them."""
    if reviewer is None or reviewer.lower() == user.username.lower():
        owner = user
    else:
        if not can_see_others(user, document.project):
            raise Forbidden("This project is blind: you can see only your own spans.")
        if not user.is_admin:
            own = _review(document.id, user.id)
            if own is None or own.status != "submitted":
                raise Forbidden("Submit your own work on this document first; then you can "
                                "compare it with the other reviewers' spans.")
        owner = db.session.scalar(
            select(User).where(func.lower(User.username) == reviewer.lower())
        )
        if owner is None:
            raise NotFound(f"There is no reviewer '{reviewer}'.")
    texts = paragraph_texts(document.id)
    spans = db.session.scalars(
        select(Annotation)
        .where(Annotation.document_id == document.id, Annotation.reviewer_id == owner.id)
        .order_by(Annotation.paragraph_index, Annotation.start, Annotation.end, Annotation.id)
    )
    return [span_dict(s, texts[s.paragraph_index], owner.username) for s in spans]


def review_state(document: Document, user: User) -> dict:
    review = _review(document.id, user.id)
    status = review.status if review is not None else "not_started"
    reviewed = list(db.session.scalars(
        select(ParagraphReview.paragraph_index)
        .where(ParagraphReview.document_id == document.id,
               ParagraphReview.reviewer_id == user.id)
        .order_by(ParagraphReview.paragraph_index)
    ))
    return {"status": status, "reviewed_paragraphs": reviewed}


def _review(document_id: int, user_id: int) -> DocumentReview | None:
    return db.session.scalar(
        select(DocumentReview).where(DocumentReview.document_id == document_id,
                                     DocumentReview.reviewer_id == user_id)
    )


# --- validation -----------------------------------------------------------------------------

def _whole_number(payload: dict, key: str) -> int:
    value = payload.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"{key} must be a whole number.", key)
    return value


def _check_offsets(document: Document, paragraph: int, start: int, end: int) -> str:
    if not 0 <= paragraph < document.paragraph_count:
        raise Invalid(
            f"Paragraph {paragraph} does not exist; the document has "
            f"{document.paragraph_count} paragraphs, numbered from 0.",
            "paragraph",
        )
    text = db.session.get(Paragraph, (document.id, paragraph)).text
    if not 0 <= start < len(text):
        raise Invalid(
            f"start {start} is outside paragraph {paragraph}, which has {len(text)} characters "
            f"(offsets count Unicode code points).",
            "start",
        )
    if not start < end <= len(text):
        raise Invalid(
            f"end {end} must be after start {start} and at most {len(text)}, the length of "
            f"paragraph {paragraph} in Unicode code points.",
            "end",
        )
    return text


def _clean_note(note: Any) -> str:
    if note is None:
        return ""
    if not isinstance(note, str):
        raise Invalid("note must be text.", "note")
    if len(note) > MAX_NOTE:
        raise Invalid(f"note is longer than {MAX_NOTE} characters.", "note")
    return note


def _require_object(payload: Any, allowed: set[str]) -> dict:
    if not isinstance(payload, dict):
        raise BadRequest("The request body must be a JSON object.")
    unknown = set(payload) - allowed
    if unknown:
        name = sorted(unknown)[0]
        raise Invalid(f"Unknown field '{name}'; allowed: {', '.join(sorted(allowed))}.", name)
    return payload


def _editable_review(document: Document, user: User) -> None:
    review = _review(document.id, user.id)
    if review is not None and review.status == "submitted":
        raise Conflict("You have submitted this document; its spans can no longer change.")


def _ensure_review(document_id: int, user_id: int) -> None:
    """The caller's review of the document exists (in progress) once they start working."""
    db.session.execute(
        insert_ignoring_conflicts(DocumentReview).values(
            document_id=document_id, reviewer_id=user_id, status="in_progress",
            updated_at=utcnow(),
        )
    )
    db.session.execute(
        DocumentReview.__table__.update()
        .where(DocumentReview.document_id == document_id,
               DocumentReview.reviewer_id == user_id,
               DocumentReview.status == "not_started")
        .values(status="in_progress", updated_at=utcnow())
    )


# --- spans ----------------------------------------------------------------------------------

def create_annotation(document: Document, user: User, payload: Any) -> tuple[dict, bool]:
    """Store a span of the caller. Returns (span, created).

    With a ``client_id`` the call is idempotent: the same id from the same reviewer returns
    the span stored the first time (created is False), whatever else the request says.
    """
    payload = _require_object(payload, SPAN_FIELDS)
    client_id = payload.get("client_id")
    if client_id is not None:
        if not isinstance(client_id, str) or not 0 < len(client_id) <= MAX_CLIENT_ID:
            raise Invalid(f"client_id must be text of 1 to {MAX_CLIENT_ID} characters.",
                          "client_id")
        existing = _by_client_id(user.id, client_id)
        if existing is not None:
            return _existing_for_retry(existing, document, user), False
    for key in ("paragraph", "start", "end", "label"):
        if key not in payload:
            raise Invalid(f"{key} is required.", key)
    paragraph = _whole_number(payload, "paragraph")
    start = _whole_number(payload, "start")
    end = _whole_number(payload, "end")
    text = _check_offsets(document, paragraph, start, end)
    codebook = load_codebook(document.project.codebook)
    label = codebook.label(payload["label"]).key
    attributes = codebook.clean_attributes(label, payload.get("attributes"))
    note = _clean_note(payload.get("note"))
    require_assignment(document, user)
    _editable_review(document, user)

    span = Annotation(
        document_id=document.id, paragraph_index=paragraph, reviewer_id=user.id, start=start,
        end=end, label=label, attributes=attributes, note=note, client_id=client_id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(span)
            db.session.flush()
    except IntegrityError:
        # A retry of the same client_id raced this one and won: answer with its span.
        existing = _by_client_id(user.id, client_id) if client_id else None
        if existing is None:
            raise
        return _existing_for_retry(existing, document, user), False
    _ensure_review(document.id, user.id)
    db.session.commit()
    return span_dict(span, text, user.username), True


def _by_client_id(user_id: int, client_id: str) -> Annotation | None:
    return db.session.scalar(
        select(Annotation).where(Annotation.reviewer_id == user_id,
                                 Annotation.client_id == client_id)
    )


def _existing_for_retry(span: Annotation, document: Document, user: User) -> dict:
    if span.document_id != document.id:
        raise Conflict(
            f"client_id is already used by your span {span.id} in document {span.document_id}.",
            "client_id",
        )
    text = db.session.get(Paragraph, (span.document_id, span.paragraph_index)).text
    return span_dict(span, text, user.username)


def _own_span(span_id: int, user: User) -> Annotation:
    span = db.session.get(Annotation, span_id)
    if span is None:
        raise NotFound(f"There is no span {span_id}.")
    if span.reviewer_id != user.id:
        document = db.session.get(Document, span.document_id)
        if not can_see_others(user, document.project):
            # In a blind project another reviewer's span does not exist for the caller.
            raise NotFound(f"There is no span {span_id}.")
        raise Forbidden("You can change only your own spans.")
    return span


def update_annotation(span_id: int, user: User, payload: Any) -> dict:
    payload = _require_object(payload, PATCH_FIELDS)
    span = _own_span(span_id, user)
    document = db.session.get(Document, span.document_id)
    _editable_review(document, user)
    start = _whole_number(payload, "start") if "start" in payload else span.start
    end = _whole_number(payload, "end") if "end" in payload else span.end
    text = _check_offsets(document, span.paragraph_index, start, end)
    codebook = load_codebook(document.project.codebook)
    label = codebook.label(payload["label"]).key if "label" in payload else span.label
    if "attributes" in payload:
        attributes = codebook.clean_attributes(label, payload["attributes"])
    elif label != span.label:
        attributes = {}  # the old label's attributes do not belong to the new one
    else:
        attributes = span.attributes
    note = _clean_note(payload["note"]) if "note" in payload else span.note
    span.start, span.end, span.label = start, end, label
    span.attributes, span.note = attributes, note
    span.updated_at = utcnow()
    db.session.commit()
    return span_dict(span, text, user.username)


def delete_annotation(span_id: int, user: User) -> None:
    span = _own_span(span_id, user)
    document = db.session.get(Document, span.document_id)
    _editable_review(document, user)
    db.session.delete(span)
    db.session.commit()


# --- paragraph reviews and submission -------------------------------------------------------

def set_paragraph_reviewed(document: Document, user: User, index: int, reviewed: bool) -> dict:
    if not 0 <= index < document.paragraph_count:
        raise NotFound(f"Paragraph {index} does not exist; the document has "
                       f"{document.paragraph_count} paragraphs, numbered from 0.")
    require_assignment(document, user)
    review = _review(document.id, user.id)
    if review is not None and review.status == "submitted":
        if reviewed:
            return review_state(document, user)  # already reviewed by the submission
        raise Conflict("You have submitted this document; its paragraphs stay reviewed.")
    if reviewed:
        db.session.execute(
            insert_ignoring_conflicts(ParagraphReview).values(
                document_id=document.id, paragraph_index=index, reviewer_id=user.id,
                created_at=utcnow(),
            )
        )
    else:
        db.session.execute(
            delete(ParagraphReview).where(
                ParagraphReview.document_id == document.id,
                ParagraphReview.paragraph_index == index,
                ParagraphReview.reviewer_id == user.id,
            )
        )
    _ensure_review(document.id, user.id)
    db.session.commit()
    return review_state(document, user)


def submit_document(document: Document, user: User) -> dict:
    """Submit the caller's work on the document: every paragraph counts as reviewed.

    Submitting again is harmless (a retried request gets the same answer).
    """
    require_assignment(document, user)
    _ensure_review(document.id, user.id)
    review = _review(document.id, user.id)
    if review.status != "submitted":
        now = utcnow()
        db.session.execute(
            insert_ignoring_conflicts(ParagraphReview),
            [{"document_id": document.id, "paragraph_index": i, "reviewer_id": user.id,
              "created_at": now} for i in range(document.paragraph_count)],
        )
        review.status = "submitted"
        review.submitted_at = now
    db.session.commit()
    return review_state(document, user)


# --- gold -----------------------------------------------------------------------------------

def list_gold(document: Document) -> list[dict]:
    texts = paragraph_texts(document.id)
    spans = db.session.scalars(
        select(GoldSpan).where(GoldSpan.document_id == document.id)
        .order_by(GoldSpan.paragraph_index, GoldSpan.start, GoldSpan.end, GoldSpan.id)
    )
    return [span_dict(s, texts[s.paragraph_index]) for s in spans]


def replace_gold(document: Document, user: User, payload: Any, limit: int) -> list[dict]:
    """Replace the document's gold spans with the given list (admins only)."""
    require_admin(user)
    if isinstance(payload, dict) and set(payload) == {"gold"}:
        payload = payload["gold"]
    if not isinstance(payload, list):
        raise BadRequest('The body must be a JSON list of gold spans (or {"gold": [...]}).')
    if len(payload) > limit:
        raise Invalid(f"At most {limit} gold spans can be sent at once.")
    codebook = load_codebook(document.project.codebook)
    texts = paragraph_texts(document.id)
    rows = [_gold_row(document, codebook, texts, item, i, user) for i, item in
            enumerate(payload)]
    seen: dict[tuple, int] = {}
    for number, row in enumerate(rows, start=1):
        place = (row["paragraph_index"], row["label"], row["start"], row["end"])
        if place in seen:
            raise Invalid(f"gold span {number} repeats gold span {seen[place]}: a document has "
                          f"one gold span per place and label.")
        seen[place] = number
    db.session.execute(delete(GoldSpan).where(GoldSpan.document_id == document.id))
    if rows:
        db.session.execute(insert(GoldSpan), rows)
    db.session.commit()
    return list_gold(document)


def _gold_row(document: Document, codebook: Codebook, texts: Sequence[str], item: Any,
              i: int, user: User) -> dict:
    where = f"gold span {i + 1}"
    if not isinstance(item, dict):
        raise BadRequest(f"{where} must be an object.")
    allowed = {"paragraph", "start", "end", "label", "attributes", "note", "provenance",
               "text", "id", "document_id"}
    unknown = set(item) - allowed
    if unknown:
        name = sorted(unknown)[0]
        raise Invalid(f"{where}: unknown field '{name}'.", name)
    for key in ("paragraph", "start", "end", "label"):
        if key not in item:
            raise Invalid(f"{where}: {key} is required.", key)
    paragraph = _whole_number(item, "paragraph")
    start, end = _whole_number(item, "start"), _whole_number(item, "end")
    if not 0 <= paragraph < len(texts):
        raise Invalid(f"{where}: paragraph {paragraph} does not exist.", "paragraph")
    text = texts[paragraph]
    if not 0 <= start < end <= len(text):
        raise Invalid(f"{where}: offsets {start}-{end} are out of range for paragraph "
                      f"{paragraph} ({len(text)} code points).", "start")
    if "text" in item and item["text"] != text[start:end]:
        raise Invalid(f"{where}: text does not match paragraph {paragraph} at {start}-{end}.",
                      "text")
    label = codebook.label(item["label"], where).key
    attributes = codebook.clean_attributes(label, item.get("attributes"), where)
    provenance = item.get("provenance") or f"adjudicated:{user.username}"
    if not isinstance(provenance, str) or len(provenance) > 100:
        raise Invalid(f"{where}: provenance must be text of at most 100 characters.",
                      "provenance")
    return {"document_id": document.id, "paragraph_index": paragraph, "start": start,
            "end": end, "label": label, "attributes": attributes,
            "note": _clean_note(item.get("note")), "provenance": provenance,
            "created_by_id": user.id, "created_at": utcnow()}
