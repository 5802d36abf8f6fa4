"""Spans, paragraph reviews, submission and gold: validated and applied here, nowhere else.

Every function takes plain data and the acting user, checks it (offsets in code points within
the paragraph, label and attributes against the codebook, ownership, access) and raises a
``DomainError`` naming the fault. A refused call changes nothing.

The API's hot paths (a span created, changed or deleted, a paragraph marked, a document and
its spans read) are served in few statements: one SELECT gathers what a request checks (the
document, its project's codebook and settings, the paragraph, the caller's review), a write
is a single INSERT, UPDATE or DELETE (with ``RETURNING`` where the answer needs the row), and
the answer is built before the commit, so that nothing is read back afterwards. Functions
that take ``document: Document | int`` accept the id as well: then they also answer
``NotFound`` for a document that is missing or hidden from the caller, as ``get_document``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from json.encoder import encode_basestring
from typing import Any

from sqlalchemy import (
    Row,
    Text,
    and_,
    bindparam,
    cast,
    delete,
    exists,
    func,
    literal_column,
    null,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from .access import (
    can_see_others_in,
    can_see_project_id,
    is_self,
    no_document,
    require_assigned,
    require_others_visible_on,
    require_spans_access,
)
from .accounts import no_reviewer
from .answers import missing_required
from .codebook import Codebook, load_codebook
from .database import dialect_name
from .errors import Conflict, DomainError, Forbidden, Gone, NotFound
from .extensions import db
from .layout import check_layout
from .models import (
    Annotation,
    Document,
    DocumentReview,
    Paragraph,
    ParagraphReview,
    Project,
    SpanTombstone,
    SuggestionDecision,
    User,
    utcnow,
)
from .spans import (
    MAX_INT,
    check_offsets_in,
    clean_client_id,
    clean_note,
    has_paragraphs,
    require_fields,
    require_object,
    span_body,
    whole_number,
)

SPAN_FIELDS = {"paragraph", "start", "end", "label", "attributes", "note", "client_id"}
PATCH_FIELDS = {"start", "end", "label", "attributes", "note"}


# --- the statements of the hot paths --------------------------------------------------------
# Built once, with bound parameters: building a statement and its cache key costs more than
# running it. Core tables, so that the rows come back without the ORM's bookkeeping.

_annotations = Annotation.__table__
_documents = Document.__table__
_paragraphs = Paragraph.__table__
_projects = Project.__table__
_reviews = DocumentReview.__table__
_marks = ParagraphReview.__table__

# An Annotation's columns, as the span rows (queries and RETURNING) carry them.
_SPAN_COLUMNS = (
    _annotations.c.id, _annotations.c.document_id, _annotations.c.paragraph_index,
    _annotations.c.reviewer_id, _annotations.c.start, _annotations.c.end,
    _annotations.c.label, _annotations.c.attributes, _annotations.c.note,
    _annotations.c.client_id, _annotations.c.created_at, _annotations.c.updated_at,
    _annotations.c.origin,
)
_SPAN_ORDER = (_annotations.c.paragraph_index, _annotations.c.start, _annotations.c.end,
               _annotations.c.id)
_CODEBOOK_TEXT = cast(_projects.c.codebook, Text).label("codebook")
_DOCUMENT_ID = bindparam("b_document_id")
_USER_ID = bindparam("b_user_id")
_own_review = and_(_reviews.c.document_id == _documents.c.id,
                   _reviews.c.reviewer_id == _USER_ID)

_PARAGRAPH_TEXTS = (
    select(_paragraphs.c.text).where(_paragraphs.c.document_id == _DOCUMENT_ID)
    .order_by(_paragraphs.c.position)
)
# The document's fields and its project's slug in a first row at position -1, then the texts
# of its paragraphs, in order: one query, and no row at -1 when there is no such document.
_DOCUMENT_BODY = union_all(
    select(literal_column("-1").label("position"), _documents.c.project_id, _projects.c.slug,
           _documents.c.title, _documents.c.source, _documents.c.url, _documents.c.published,
           _documents.c.meta, _documents.c.external_id, null().label("text"))
    .select_from(_documents.join(_projects, _projects.c.id == _documents.c.project_id))
    .where(_documents.c.id == _DOCUMENT_ID),
    select(_paragraphs.c.position, *[null()] * 8, _paragraphs.c.text)
    .where(_paragraphs.c.document_id == _DOCUMENT_ID),
).order_by(literal_column("position"))
# A reviewer's spans with their text, cut out in SQL (substr counts code points, as Python
# does), after the document's project: a row without a span when there is none, no row at all
# when the document does not exist.
_SPANS = (
    select(_documents.c.project_id, *_SPAN_COLUMNS,
           func.substr(_paragraphs.c.text, _annotations.c.start + 1,
                       _annotations.c.end - _annotations.c.start).label("text"))
    .select_from(
        _documents.outerjoin(_annotations, and_(
            _annotations.c.document_id == _documents.c.id,
            _annotations.c.reviewer_id == bindparam("b_owner_id")))
        .outerjoin(_paragraphs, and_(
            _paragraphs.c.document_id == _annotations.c.document_id,
            _paragraphs.c.position == _annotations.c.paragraph_index)))
    .where(_documents.c.id == _DOCUMENT_ID)
    .order_by(*_SPAN_ORDER)
)
_users = User.__table__
# Another reviewer's spans (the named one, in any case) with what the access rule asks of
# them, in one query: the document's project and whether it is blind, the caller's status on
# the document. A row without a span when there is none (or no such reviewer), no row at all
# when the document does not exist. The spans are only returned once the rule allows it.
_OTHERS_SPANS = (
    select(_documents.c.project_id, _projects.c.blind, _reviews.c.status.label("own_status"),
           _users.c.id.label("owner_id"), _users.c.username.label("owner_name"),
           *_SPAN_COLUMNS,
           func.substr(_paragraphs.c.text, _annotations.c.start + 1,
                       _annotations.c.end - _annotations.c.start).label("text"))
    .select_from(
        _documents.join(_projects, _projects.c.id == _documents.c.project_id)
        .outerjoin(_reviews, _own_review)
        .outerjoin(_users, func.lower(_users.c.username) == bindparam("b_owner_name"))
        .outerjoin(_annotations, and_(
            _annotations.c.document_id == _documents.c.id,
            _annotations.c.reviewer_id == _users.c.id))
        .outerjoin(_paragraphs, and_(
            _paragraphs.c.document_id == _annotations.c.document_id,
            _paragraphs.c.position == _annotations.c.paragraph_index)))
    .where(_documents.c.id == _DOCUMENT_ID)
    .order_by(*_SPAN_ORDER)
)
_PAGE_SPANS = (
    select(_annotations.c.id, _annotations.c.paragraph_index, _annotations.c.start,
           _annotations.c.end, _annotations.c.label,
           cast(_annotations.c.attributes, Text).label("attributes"), _annotations.c.note,
           _annotations.c.client_id, _annotations.c.origin)
    .where(_annotations.c.document_id == _DOCUMENT_ID,
           _annotations.c.reviewer_id == bindparam("b_owner_id"))
    .order_by(*_SPAN_ORDER)
)
# The caller's status and marked paragraphs; no row when the document does not exist.
_REVIEW_STATE = (
    select(_documents.c.project_id, _reviews.c.status, _marks.c.paragraph_index)
    .select_from(
        _documents.outerjoin(_reviews, _own_review)
        .outerjoin(_marks, and_(_marks.c.document_id == _documents.c.id,
                                _marks.c.reviewer_id == _USER_ID)))
    .where(_documents.c.id == _DOCUMENT_ID)
    .order_by(_marks.c.paragraph_index)
)


@cache
def _document_context_statement(paragraph: bool, codebook: bool):
    columns = [_documents.c.paragraph_count, _documents.c.project_id,
               _projects.c.reviewers_per_document, _reviews.c.status,
               _documents.c.layout_version]
    joined = _documents.join(_projects, _projects.c.id == _documents.c.project_id)
    if paragraph:
        columns.append(_paragraphs.c.text)
        joined = joined.outerjoin(_paragraphs, and_(
            _paragraphs.c.document_id == _documents.c.id,
            _paragraphs.c.position == bindparam("b_paragraph")))
    if codebook:
        columns.append(_CODEBOOK_TEXT)
    return (select(*columns).select_from(joined.outerjoin(_reviews, _own_review))
            .where(_documents.c.id == _DOCUMENT_ID))


_tombstones = SpanTombstone.__table__
# What a create checks beyond a write's context: whether the client_id was a deleted span's
# (``gone``), and the id of a span of the caller with the same place and label (``existing``),
# in the same query.
_CREATE_CONTEXT = _document_context_statement(True, True).add_columns(
    exists().where(_tombstones.c.reviewer_id == _USER_ID,
                   _tombstones.c.client_id == bindparam("b_client_id")).label("gone"),
    select(func.min(_annotations.c.id)).where(
        _annotations.c.document_id == _DOCUMENT_ID,
        _annotations.c.reviewer_id == _USER_ID,
        _annotations.c.paragraph_index == bindparam("b_paragraph"),
        _annotations.c.start == bindparam("b_start"),
        _annotations.c.end == bindparam("b_end"),
        _annotations.c.label == bindparam("b_label")).scalar_subquery().label("existing"),
)
_TOMBSTONE = _tombstones.insert()


@cache
def _span_context_statement(full: bool):
    columns = [*_SPAN_COLUMNS, _projects.c.blind, _reviews.c.status, _documents.c.layout_version]
    joined = (_annotations.join(_documents, _documents.c.id == _annotations.c.document_id)
              .join(_projects, _projects.c.id == _documents.c.project_id))
    if full:
        columns += [_documents.c.paragraph_count, _paragraphs.c.text, _CODEBOOK_TEXT]
        joined = joined.join(_paragraphs, and_(
            _paragraphs.c.document_id == _annotations.c.document_id,
            _paragraphs.c.position == _annotations.c.paragraph_index))
    joined = joined.outerjoin(_reviews, and_(
        _reviews.c.document_id == _annotations.c.document_id,
        _reviews.c.reviewer_id == _USER_ID))
    return (select(*columns).select_from(joined)
            .where(_annotations.c.id == bindparam("b_span_id")))


_BY_CLIENT_ID = (
    select(*_SPAN_COLUMNS, _paragraphs.c.text)
    .select_from(_annotations.join(_paragraphs, and_(
        _paragraphs.c.document_id == _annotations.c.document_id,
        _paragraphs.c.position == _annotations.c.paragraph_index)))
    .where(_annotations.c.reviewer_id == _USER_ID,
           _annotations.c.client_id == bindparam("b_client_id"))
)
# The changed columns come as parameters: only they are written.
_UPDATE_SPAN = (
    update(_annotations).where(_annotations.c.id == bindparam("b_span_id"))
    .returning(*_SPAN_COLUMNS)
)
_DELETE_SPAN = delete(_annotations).where(_annotations.c.id == bindparam("b_span_id"))
_decisions = SuggestionDecision.__table__
_EDITED = (update(_decisions).where(_decisions.c.annotation_id == bindparam("b_span_id"),
                                    _decisions.c.decision == "accepted")
           .values(decision="edited"))
_UNMARK = delete(_marks).where(
    _marks.c.document_id == _DOCUMENT_ID,
    _marks.c.paragraph_index == bindparam("b_index"),
    _marks.c.reviewer_id == _USER_ID,
)


@cache
def _dialect_statements(dialect: str) -> dict[str, Any]:
    """The statements with ON CONFLICT clauses, in the engine's own INSERT."""
    insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
    span = insert_(_annotations)
    start_review = insert_(_reviews)
    submit_review = insert_(_reviews)
    return {
        "insert_span": span.returning(*_SPAN_COLUMNS),
        # A repeated client_id stores nothing (and returns no row), also when a concurrent
        # request holds it: the insert waits for that request to end.
        "insert_span_once": span.on_conflict_do_nothing(
            index_elements=["reviewer_id", "client_id"],
            index_where=_annotations.c.client_id.is_not(None)).returning(*_SPAN_COLUMNS),
        # Absent or not started -> in progress; in progress and submitted stay.
        "start_review": start_review.on_conflict_do_update(
            index_elements=["document_id", "reviewer_id"],
            set_={"status": start_review.excluded.status,
                  "updated_at": start_review.excluded.updated_at},
            where=_reviews.c.status == "not_started"),
        "submit_review": submit_review.on_conflict_do_update(
            index_elements=["document_id", "reviewer_id"],
            set_={"status": submit_review.excluded.status,
                  "submitted_at": submit_review.excluded.submitted_at,
                  "updated_at": submit_review.excluded.updated_at},
            where=_reviews.c.status != "submitted"),
        "mark": insert_(_marks).on_conflict_do_nothing(),
    }


def _statements() -> dict[str, Any]:
    return _dialect_statements(dialect_name())


# --- reading --------------------------------------------------------------------------------

def paragraph_texts(document_id: int) -> list[str]:
    return list(db.session.scalars(_PARAGRAPH_TEXTS, {"b_document_id": document_id}))


def document_body(document_id: int, user: User) -> dict:
    """A document as GET /api/documents/ID answers it: its fields, project and paragraphs."""
    rows = db.session.execute(_DOCUMENT_BODY, {"b_document_id": document_id}).all()
    if not rows or rows[0].position != -1 or not can_see_project_id(user, rows[0].project_id):
        raise no_document(document_id)
    row, texts = rows[0], [paragraph.text for paragraph in rows[1:]]
    return {
        "id": document_id,
        "project": row.slug,
        "title": row.title,
        "source": row.source,
        "url": row.url,
        "published": row.published.isoformat() if row.published else None,
        "meta": row.meta or {},
        "external_id": row.external_id,
        "paragraphs": [{"index": i, "text": t} for i, t in enumerate(texts)],
    }


def annotation_dict(span: Annotation | Row, text: str, reviewer: str) -> dict:
    """A reviewer's span as the API answers it; ``span`` an Annotation or a row of its
    columns (``_SPAN_COLUMNS``), ``text`` its paragraph."""
    return span_body(span, text[span.start:span.end], reviewer)


def list_annotations(document: Document | int, user: User,
                     reviewer: str | None = None) -> list[dict]:
    """The caller's spans, or another reviewer's where the caller may see them."""
    if is_self(user, reviewer):
        document_id = document if isinstance(document, int) else document.id
        owner_id, owner_name = user.id, user.username
    elif isinstance(document, int):
        return _others_spans(document, user, reviewer)
    else:
        owner = require_spans_access(document, user, reviewer)
        document_id, owner_id, owner_name = document.id, owner.id, owner.username
    rows = db.session.execute(_SPANS, {"b_document_id": document_id,
                                       "b_owner_id": owner_id}).all()
    if isinstance(document, int) and (
            not rows or not can_see_project_id(user, rows[0].project_id)):
        raise no_document(document_id)
    return [span_body(row, row.text, owner_name) for row in rows if row.id is not None]


_ORIGIN = ',"origin":'  # only on spans accepted from a suggestion


def _others_spans(document_id: int, user: User, reviewer: str) -> list[dict]:
    """``list_annotations`` of another reviewer, the access rule checked on the facts the
    spans' query brings along (``require_spans_access`` in one query)."""
    rows = db.session.execute(_OTHERS_SPANS, {"b_document_id": document_id,
                                              "b_user_id": user.id,
                                              "b_owner_name": reviewer.lower()}).all()
    if not rows or not can_see_project_id(user, rows[0].project_id):
        raise no_document(document_id)
    first = rows[0]
    require_others_visible_on(user, first.blind, first.own_status)
    if first.owner_id is None:
        raise no_reviewer(reviewer)
    return [span_body(row, row.text, row.owner_name) for row in rows if row.id is not None]


def page_spans_json(document_id: int, reviewer_id: int) -> str:
    """The reviewer's spans as a JSON array, in the compact form the annotate page needs.

    Built straight from the rows, with the stored attributes taken as JSON text (no decoding
    and encoding of 5,000 small objects): a 1,000-paragraph article with 5,000 spans must
    render fast.
    """
    rows = db.session.execute(_PAGE_SPANS, {"b_document_id": document_id,
                                            "b_owner_id": reviewer_id})
    quote = encode_basestring  # json.dumps for one string, in C
    items = [
        f'{{"id":{id_},"paragraph":{paragraph},"start":{start},"end":{end},'
        f'"label":{quote(label)},"attributes":{attributes if attributes else "{}"},'
        f'"note":{quote(note or "")},"client_id":{quote(client_id) if client_id else "null"}'
        f'{_ORIGIN + quote(origin) if origin else ""}}}'
        for id_, paragraph, start, end, label, attributes, note, client_id, origin in rows
    ]
    return "[" + ",".join(items) + "]"


def review_state(document: Document | int, user: User) -> dict:
    """The caller's status on the document and the paragraphs they marked (one query)."""
    document_id = document if isinstance(document, int) else document.id
    rows = db.session.execute(_REVIEW_STATE, {"b_document_id": document_id,
                                              "b_user_id": user.id}).all()
    if isinstance(document, int) and (
            not rows or not can_see_project_id(user, rows[0].project_id)):
        raise no_document(document_id)
    status = rows[0].status if rows and rows[0].status is not None else "not_started"
    reviewed = [row.paragraph_index for row in rows if row.paragraph_index is not None]
    return {"status": status, "reviewed_paragraphs": reviewed}


def _whole_or_none(value: Any) -> int:
    """A value bound to an INTEGER parameter before it is checked: itself when it is a whole
    number the column can hold, else -1 (which matches nothing)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_INT:
        return -1
    return value


def _create_context(document_id: int, user: User, payload: dict) -> Row:
    """``_document_context`` of a create, with ``gone`` and ``existing`` (``_CREATE_CONTEXT``),
    read on the payload's values before they are checked (a value that cannot be a match
    matches nothing)."""
    client_id = payload.get("client_id")
    label = payload.get("label")
    row = db.session.execute(_CREATE_CONTEXT, {
        "b_document_id": document_id, "b_user_id": user.id,
        "b_paragraph": _whole_or_none(payload.get("paragraph")),
        "b_start": _whole_or_none(payload.get("start")),
        "b_end": _whole_or_none(payload.get("end")),
        "b_label": label if isinstance(label, str) and len(label) <= 64 else "",
        "b_client_id": client_id if isinstance(client_id, str) and 0 < len(client_id) <= 100
        else None,
    }).first()
    if row is None or not can_see_project_id(user, row.project_id):
        raise no_document(document_id)
    return row


def _document_context(document_id: int, user: User, paragraph: int | None = None,
                      codebook: bool = False) -> Row:
    """What a write on the document checks, in one query: ``paragraph_count``,
    ``project_id``, ``reviewers_per_document`` and the caller's review ``status`` (None: no
    review row, so no assignment either); with ``paragraph`` its ``text`` (None when there
    is no such paragraph), with ``codebook`` the project's codebook as JSON text. NotFound
    for a missing or hidden document."""
    params = {"b_document_id": document_id, "b_user_id": user.id}
    if paragraph is not None:
        params["b_paragraph"] = paragraph
    row = db.session.execute(
        _document_context_statement(paragraph is not None, codebook), params).first()
    if row is None or not can_see_project_id(user, row.project_id):
        raise no_document(document_id)
    return row


_codebooks: dict[str, Codebook] = {}


def _codebook(text: str) -> Codebook:
    """The ``Codebook`` of a project's codebook as stored JSON text, cached by that text (no
    decoding of the JSON on every span)."""
    codebook = _codebooks.get(text)
    if codebook is None:
        if len(_codebooks) > 64:
            _codebooks.clear()
        codebook = _codebooks[text] = load_codebook(json.loads(text))
    return codebook


_SUBMITTED = "You have submitted this document; its spans can no longer change."


def _ensure_review(document_id: int, user_id: int) -> None:
    """The caller's review of the document exists (in progress) once they start working:
    an absent or ``not_started`` review becomes ``in_progress``; ``in_progress`` and
    ``submitted`` stay as they are. One upsert."""
    db.session.execute(_statements()["start_review"], {
        "document_id": document_id, "reviewer_id": user_id, "status": "in_progress",
        "updated_at": utcnow(),
    })


# --- spans ----------------------------------------------------------------------------------

def create_annotation(document: Document | int, user: User, payload: Any,
                      layout: str | None = None, origin: str | None = None,
                      on_created: Callable[[Row], None] | None = None) -> tuple[dict, bool]:
    """Store a span of the caller. Returns (span, created).

    ``origin`` is stored with a new span (``suggestion:RULE`` for an accepted suggestion:
    ``suggestions.store.accept`` writes through here); ``on_created`` is called with the new
    row before the commit, so that what goes with the span (a decision) is written in the
    same transaction.

    With a ``client_id`` the call is idempotent: the same id from the same reviewer returns
    the span stored the first time (created is False), whatever else the request says.

    The statements: one SELECT of what the checks need (``_document_context``), then
    ``INSERT ... ON CONFLICT (reviewer_id, client_id) DO NOTHING RETURNING``, and the review
    upsert while the review is not yet in progress. The stored span of a ``client_id`` is
    looked up only when the insert stored nothing or a check refused the request: so a retry
    gets its span whatever it says, and of two concurrent requests with one ``client_id``
    the second waits for the first's row and answers with it.
    """
    document_id = document if isinstance(document, int) else document.id
    given = payload if isinstance(payload, dict) else {}
    context = _create_context(document_id, user, given)
    payload = require_object(payload, SPAN_FIELDS)
    client_id = clean_client_id(payload.get("client_id"))
    try:
        check_layout(layout, context.layout_version)
    except Conflict:
        # a retry of a create made before the paragraphs changed gets its span, moved with
        # its text; anything else is refused
        stored = _by_client_id(user.id, client_id) if client_id is not None else None
        if stored is None:
            raise
        return _existing_for_retry(stored, document_id, user), False
    if context.gone:
        raise Gone(f"Your span with client_id {client_id} was deleted; it is not created "
                   f"again.", "client_id")
    try:
        values, text = _new_span(document_id, context, user, payload)
        values["origin"] = origin
    except DomainError:
        stored = _by_client_id(user.id, client_id) if client_id is not None else None
        if stored is None:
            raise
        return _existing_for_retry(stored, document_id, user), False
    if context.existing is not None:
        stored = _by_client_id(user.id, client_id) if client_id is not None else None
        if stored is not None:  # a retry of the create that made it
            return _existing_for_retry(stored, document_id, user), False
        raise Conflict(f"You have tagged this passage as '{values['label']}' already "
                       f"(span {context.existing}).", "label", existing=context.existing)
    statements = _statements()
    insert_span = statements["insert_span" if client_id is None else "insert_span_once"]
    row = db.session.execute(insert_span, values).first()
    while row is None:
        # This client_id is stored already: a retry, or a concurrent twin that came first.
        stored = _by_client_id(user.id, client_id)
        if stored is not None:
            return _existing_for_retry(stored, document_id, user), False
        # Its span was deleted since the insert met it: the client_id is free again.
        row = db.session.execute(insert_span, values).first()
    if context.status in (None, "not_started"):
        _ensure_review(document_id, user.id)
    if on_created is not None:
        on_created(row)
    body = annotation_dict(row, text, user.username)
    db.session.commit()
    return body, True


def _new_span(document_id: int, context: Row, user: User, payload: dict
              ) -> tuple[dict, str]:
    """The checks of a new span, in the order of their messages; returns the row's values
    and the paragraph's text."""
    require_fields(payload)
    paragraph = whole_number(payload, "paragraph")
    start = whole_number(payload, "start")
    end = whole_number(payload, "end")
    text = check_offsets_in(document_id, context.paragraph_count, paragraph, start, end,
                             context.text)
    codebook = _codebook(context.codebook)
    label = codebook.label(payload["label"]).key
    attributes = codebook.clean_attributes(label, payload.get("attributes"))
    note = clean_note(payload.get("note"))
    require_assigned(document_id, user, context.reviewers_per_document,
                      context.status is not None)
    if context.status == "submitted":
        raise Conflict(_SUBMITTED)
    now = utcnow()
    return {
        "document_id": document_id, "paragraph_index": paragraph, "reviewer_id": user.id,
        "start": start, "end": end, "label": label, "attributes": attributes, "note": note,
        "client_id": payload.get("client_id"), "created_at": now, "updated_at": now,
    }, text


def _by_client_id(user_id: int, client_id: str) -> Row | None:
    """The caller's stored span of this client_id with its paragraph's text, or None."""
    return db.session.execute(_BY_CLIENT_ID, {"b_user_id": user_id,
                                              "b_client_id": client_id}).first()


def _existing_for_retry(span: Row, document_id: int, user: User) -> dict:
    if span.document_id != document_id:
        raise Conflict(
            f"client_id is already used by your span {span.id} in document {span.document_id}.",
            "client_id",
        )
    return annotation_dict(span, span.text, user.username)


def _span_context(span_id: int, user: User, full: bool, layout: str | None = None) -> Row:
    """The caller's span with what a change of it checks, in one query: its columns, the
    project's ``blind`` and the caller's review ``status``; with ``full`` also
    ``paragraph_count``, the paragraph's ``text`` and the ``codebook`` (JSON text).

    NotFound when there is no such span, or it is another reviewer's in a project where the
    caller may not see it; Forbidden when it is another reviewer's; Conflict once the caller
    has submitted the document."""
    row = db.session.execute(_span_context_statement(full),
                             {"b_span_id": span_id, "b_user_id": user.id}).first()
    if row is None:
        raise NotFound(f"There is no span {span_id}.")
    if row.reviewer_id != user.id:
        if not can_see_others_in(user, row.blind):
            # In a blind project another reviewer's span does not exist for the caller.
            raise NotFound(f"There is no span {span_id}.")
        raise Forbidden("You can change only your own spans.")
    if row.status == "submitted":
        raise Conflict(_SUBMITTED)
    check_layout(layout, row.layout_version)
    return row


def update_annotation(span_id: int, user: User, payload: Any, layout: str | None = None) -> dict:
    payload = require_object(payload, PATCH_FIELDS)
    span = _span_context(span_id, user, full=True, layout=layout)
    start = whole_number(payload, "start") if "start" in payload else span.start
    end = whole_number(payload, "end") if "end" in payload else span.end
    text = check_offsets_in(span.document_id, span.paragraph_count, span.paragraph_index,
                             start, end, span.text)
    codebook = _codebook(span.codebook)
    label = codebook.label(payload["label"]).key if "label" in payload else span.label
    if "attributes" in payload:
        attributes = codebook.clean_attributes(label, payload["attributes"])
    elif label != span.label:
        attributes = {}  # the old label's attributes do not belong to the new one
    else:
        attributes = span.attributes
    note = clean_note(payload["note"]) if "note" in payload else span.note
    # As the ORM would: only the columns that change are written, so that two edits of
    # different fields of one span both hold.
    wanted = {"start": start, "end": end, "label": label, "attributes": attributes,
              "note": note}
    values = {key: value for key, value in wanted.items() if value != getattr(span, key)}
    values["updated_at"] = utcnow()
    row = db.session.execute(_UPDATE_SPAN, {**values, "b_span_id": span_id}).first()
    if row is None:  # deleted meanwhile
        raise NotFound(f"There is no span {span_id}.")
    if span.origin and values.keys() & {"start", "end", "label", "attributes"}:
        # an accepted suggestion the reviewer changed: its decision says so
        db.session.execute(_EDITED, {"b_span_id": span_id})
    body = annotation_dict(row, text, user.username)
    db.session.commit()
    return body


def delete_annotation(span_id: int, user: User, layout: str | None = None) -> None:
    """Delete the caller's span. Its ``client_id`` stays taken (a tombstone): a late retry of
    the create that made it is answered 410, not with a new span."""
    span = _span_context(span_id, user, full=False, layout=layout)
    db.session.execute(_DELETE_SPAN, {"b_span_id": span_id})
    if span.client_id is not None:
        db.session.execute(_TOMBSTONE, {"reviewer_id": user.id, "client_id": span.client_id,
                                        "document_id": span.document_id,
                                        "deleted_at": utcnow()})
    db.session.commit()


# --- paragraph reviews and submission -------------------------------------------------------

def set_paragraph_reviewed(document: Document | int, user: User, index: int,
                           reviewed: bool, layout: str | None = None) -> dict:
    document_id = document if isinstance(document, int) else document.id
    context = _document_context(document_id, user)
    check_layout(layout, context.layout_version)
    if not 0 <= index < context.paragraph_count:
        raise NotFound(f"Paragraph {index} does not exist; "
                       f"{has_paragraphs(context.paragraph_count)}.")
    require_assigned(document_id, user, context.reviewers_per_document,
                      context.status is not None)
    if context.status == "submitted":
        if reviewed:
            return review_state(document_id, user)  # already reviewed by the submission
        raise Conflict("You have submitted this document; its paragraphs stay reviewed.")
    if reviewed:
        db.session.execute(_statements()["mark"], {
            "document_id": document_id, "paragraph_index": index, "reviewer_id": user.id,
            "created_at": utcnow(),
        })
    else:
        db.session.execute(_UNMARK, {"b_document_id": document_id, "b_index": index,
                                     "b_user_id": user.id})
    if context.status in (None, "not_started"):
        _ensure_review(document_id, user.id)
    state = review_state(document_id, user)
    db.session.commit()
    return state


def submit_document(document: Document | int, user: User, layout: str | None = None) -> dict:
    """Submit the caller's work on the document: every paragraph counts as reviewed. Every
    required article-level question must be answered first.

    Submitting again is harmless (a retried request gets the same answer).
    """
    document_id = document if isinstance(document, int) else document.id
    context = _document_context(document_id, user, codebook=True)
    check_layout(layout, context.layout_version)
    require_assigned(document_id, user, context.reviewers_per_document,
                     context.status is not None)
    codebook = _codebook(context.codebook)
    if context.status != "submitted" and any(q.required for q in codebook.questions.values()):
        answers = db.session.scalar(select(_reviews.c.answers).where(
            _reviews.c.document_id == document_id, _reviews.c.reviewer_id == user.id))
        refusal = missing_required(codebook, answers)
        if refusal is not None:
            raise refusal
    if context.status != "submitted":
        now = utcnow()
        statements = _statements()
        db.session.execute(statements["mark"], [
            {"document_id": document_id, "paragraph_index": i, "reviewer_id": user.id,
             "created_at": now} for i in range(context.paragraph_count)])
        db.session.execute(statements["submit_review"], {
            "document_id": document_id, "reviewer_id": user.id, "status": "submitted",
            "submitted_at": now, "updated_at": now,
        })
    state = review_state(document_id, user)
    db.session.commit()
    return state
