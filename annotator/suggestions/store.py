"""What people do with suggestions: the project's settings, a reviewer's suggestions for a
document, accepting (a span of the reviewer, through the one span write path) and rejecting,
the decisions logged, and the evaluation against gold or a reviewer.

INTERFACE.md, "Suggestions (pre-annotation)". Suggestions are computed from the document's
paragraphs when asked for (a few milliseconds an article) and never stored: only decisions
are. A suggestion's id names its rule, label, place and text, so it is stable for the same
text and rule set, and a decision stays attached to it.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select

from ..access import get_document, require_assignment
from ..annotations import create_annotation, paragraph_texts
from ..codebook import Codebook, load_codebook
from ..colours import codebook_version
from ..database import dialect_name
from ..errors import Conflict, Invalid, NotFound
from ..extensions import db
from ..models import (
    Annotation,
    Document,
    DocumentReview,
    GoldSpan,
    Project,
    SuggestionDecision,
    User,
    utcnow,
)
from ..spans import require_object
from ..tokens import reviewers_by_paragraph
from . import RULE_NAMES, Suggestion, fit_to_codebook, suggest
from .evaluate import Evaluation, Item, evaluate

ORIGIN_PREFIX = "suggestion:"
# Off until an admin turns them on: suggestions prime reviewers, and a project decides whether
# (and after how many documents) it wants that. The demo project has them on.
DEFAULT_SETTINGS = {"enabled": False, "unprimed_documents": 0, "rules_off": []}
MAX_UNPRIMED = 10000
ACCEPT_FIELDS = {"start", "end", "label", "attributes", "note", "client_id"}


# --- settings -------------------------------------------------------------------------------

def settings(project: Project) -> dict:
    """The project's suggestion settings, defaults filled in: ``enabled`` (on or off),
    ``unprimed_documents`` (off for each reviewer's first N documents, so that agreement
    studies can measure reviewers unprimed) and ``rules_off`` (rule names)."""
    stored = project.suggestion_settings or {}
    return {key: stored.get(key, default) for key, default in DEFAULT_SETTINGS.items()}


def clean_settings(payload: Any) -> dict:
    """Settings as given (any of the keys), checked; Invalid naming the field at fault."""
    payload = require_object(payload, set(DEFAULT_SETTINGS))
    cleaned = {}
    if "enabled" in payload:
        if not isinstance(payload["enabled"], bool):
            raise Invalid("enabled must be true or false.", "enabled")
        cleaned["enabled"] = payload["enabled"]
    if "unprimed_documents" in payload:
        value = payload["unprimed_documents"]
        if isinstance(value, bool) or not isinstance(value, int) \
                or not 0 <= value <= MAX_UNPRIMED:
            raise Invalid(f"unprimed_documents must be a whole number from 0 to "
                          f"{MAX_UNPRIMED}.", "unprimed_documents")
        cleaned["unprimed_documents"] = value
    if "rules_off" in payload:
        value = payload["rules_off"]
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            raise Invalid("rules_off must be a list of rule names.", "rules_off")
        unknown = [x for x in value if x not in RULE_NAMES]
        if unknown:
            raise Invalid(f"There is no rule '{unknown[0]}'; the rules are "
                          f"{', '.join(RULE_NAMES)}.", "rules_off")
        cleaned["rules_off"] = [x for x in RULE_NAMES if x in value]
    return cleaned


def update_settings(project: Project, payload: Any) -> dict:
    cleaned = clean_settings(payload)
    project.suggestion_settings = {**settings(project), **cleaned}
    db.session.commit()
    return settings(project)


def is_primed(project: Project, document_id: int, user: User) -> bool:
    """Whether the reviewer gets suggestions on this document: the project has them on, and
    the document is not among the reviewer's first ``unprimed_documents`` of the project (in
    the order their reviews began: assigned, or started by a first change; a document not yet
    begun counts after those). The order never changes later (submitting one does not move
    it)."""
    current = settings(project)
    if not current["enabled"]:
        return False
    unprimed = current["unprimed_documents"]
    if not unprimed:
        return True
    reviews = db.session.execute(
        select(DocumentReview.document_id)
        .join(Document, Document.id == DocumentReview.document_id)
        .where(Document.project_id == project.id, DocumentReview.reviewer_id == user.id)
        .order_by(DocumentReview.id)).scalars().all()
    position = reviews.index(document_id) if document_id in reviews else len(reviews)
    return position >= unprimed


# --- computing --------------------------------------------------------------------------------

_CACHE: dict[tuple, list[Suggestion]] = {}


def document_suggestions(document: Document, codebook: Codebook | None = None,
                         rules_off: list[str] | None = None) -> list[Suggestion]:
    """Every suggestion the rules make for the document (before anyone's decisions), fitted
    to its project's codebook. Cached per document (its paragraphs and their layout), outlet,
    rules and codebook: what the suggestions depend on."""
    project = document.project
    codebook = codebook or load_codebook(project.codebook)
    rules_off = settings(project)["rules_off"] if rules_off is None else rules_off
    key = (document.id, document.content_hash, document.layout_version, document.source,
           tuple(rules_off), codebook_version(codebook.data))
    found = _CACHE.get(key)
    if found is None:
        texts = paragraph_texts(document.id)
        found = fit_to_codebook(suggest(texts, document.source, rules_off), codebook)
        if len(_CACHE) > 256:
            _CACHE.clear()
        _CACHE[key] = found
    return found


def list_for_reviewer(document_id: int, user: User) -> list[dict]:
    """``GET /api/documents/ID/suggestions``: the caller's suggestions, without those they
    rejected and those equal (label, paragraph, start, end) to a span they have; empty when
    the project has suggestions off for them."""
    document = get_document(document_id, user)
    require_assignment(document, user)
    if not is_primed(document.project, document.id, user):
        return []
    return [s.as_dict() for s in open_suggestions(document, user)]


def open_suggestions(document: Document, user: User) -> list[Suggestion]:
    """The suggestions still open for the reviewer: not rejected by them, not equal to a span
    of theirs."""
    rejected = set(db.session.scalars(select(SuggestionDecision.suggestion_id).where(
        SuggestionDecision.document_id == document.id,
        SuggestionDecision.reviewer_id == user.id,
        SuggestionDecision.decision == "rejected")))
    spans = set(map(tuple, db.session.execute(select(
        Annotation.label, Annotation.paragraph_index, Annotation.start, Annotation.end)
        .where(Annotation.document_id == document.id, Annotation.reviewer_id == user.id)
    ).all()))
    return [s for s in document_suggestions(document)
            if s.id not in rejected and (s.label, s.paragraph, s.start, s.end) not in spans]


def _find(document: Document, suggestion_id: str, user: User) -> Suggestion:
    if not is_primed(document.project, document.id, user):
        raise NotFound(f"Suggestions are off for you on document {document.id}.")
    for suggestion in document_suggestions(document):
        if suggestion.id == suggestion_id:
            return suggestion
    raise NotFound(f"There is no suggestion {suggestion_id} for document {document.id}.")


# --- deciding ---------------------------------------------------------------------------------

def _decide(document_id: int, user: User, suggestion: Suggestion, decision: str,
            annotation_id: int | None) -> None:
    """Log the reviewer's decision (the latest one per suggestion), in the caller's
    transaction."""
    from sqlalchemy.dialects import postgresql, sqlite

    insert = (postgresql.insert if dialect_name() == "postgresql" else sqlite.insert)(
        SuggestionDecision.__table__)
    values = {"document_id": document_id, "reviewer_id": user.id,
              "suggestion_id": suggestion.id, "rule": suggestion.rule,
              "label": suggestion.label, "paragraph_index": suggestion.paragraph,
              "start": suggestion.start, "end": suggestion.end, "decision": decision,
              "annotation_id": annotation_id, "created_at": utcnow()}
    db.session.execute(insert.values(values).on_conflict_do_update(
        index_elements=["document_id", "reviewer_id", "suggestion_id"],
        set_={"decision": decision, "annotation_id": annotation_id,
              "created_at": values["created_at"]}))


def accept(document_id: int, suggestion_id: str, user: User, payload: Any = None,
           layout: str | None = None) -> tuple[dict, bool]:
    """``POST …/suggestions/SID/accept``: the suggestion becomes the caller's span, with
    origin ``suggestion:RULE``, through ``annotations.create_annotation`` (the checks of
    every span, and ``client_id`` idempotence). An optional body overrides ``start``,
    ``end``, ``label``, ``attributes`` (and gives a ``note`` or a ``client_id``); with a
    change the decision is logged as ``edited``, else ``accepted``. Returns (span,
    created)."""
    document = get_document(document_id, user)
    body = require_object(payload if payload is not None else {}, ACCEPT_FIELDS)
    suggestion = _find(document, suggestion_id, user)
    span = {"paragraph": suggestion.paragraph, "start": suggestion.start,
            "end": suggestion.end, "label": suggestion.label,
            "attributes": dict(suggestion.attributes)}
    if "label" in body and body["label"] != suggestion.label and "attributes" not in body:
        span["attributes"] = {}  # the suggested attributes belong to the suggested label
    span.update(body)
    changed = any(span[key] != getattr(suggestion, key) for key in ("start", "end", "label")) \
        or span["attributes"] != suggestion.attributes
    decision = "edited" if changed else "accepted"
    return create_annotation(
        document_id, user, span, layout, origin=ORIGIN_PREFIX + suggestion.rule,
        on_created=lambda row: _decide(document_id, user, suggestion, decision, row.id))


def reject(document_id: int, suggestion_id: str, user: User) -> None:
    """``POST …/suggestions/SID/reject``: remembered for the caller, who is not offered it
    again. Like every write, only on a document assigned to the caller (where the project
    assigns) and not yet submitted by them."""
    document = get_document(document_id, user)
    require_assignment(document, user)
    status = db.session.scalar(select(DocumentReview.status).where(
        DocumentReview.document_id == document.id, DocumentReview.reviewer_id == user.id))
    if status == "submitted":
        raise Conflict("You have submitted this document; its suggestions can no longer be "
                       "decided.")
    suggestion = _find(document, suggestion_id, user)
    _decide(document.id, user, suggestion, "rejected", None)
    db.session.commit()


# --- measuring --------------------------------------------------------------------------------

def decision_rates(project: Project) -> dict[str, dict]:
    """Per rule: decisions logged in the project, accepted / edited / rejected, and the
    shares of each."""
    rows = db.session.execute(
        select(SuggestionDecision.rule, SuggestionDecision.decision, func.count())
        .join(Document, Document.id == SuggestionDecision.document_id)
        .where(Document.project_id == project.id)
        .group_by(SuggestionDecision.rule, SuggestionDecision.decision)).all()
    rates: dict[str, dict] = {}
    for rule, decision, count in rows:
        rates.setdefault(rule, {"accepted": 0, "edited": 0, "rejected": 0})[decision] = count
    for counts in rates.values():
        total = sum(counts.values())
        counts["decided"] = total
        for key in ("accepted", "edited", "rejected"):
            counts[f"{key}_rate"] = round(counts[key] / total, 4) if total else None
    return dict(sorted(rates.items()))


def evaluate_project(project: Project, against: str = "gold",
                     document_ids: list[int] | None = None) -> Evaluation:
    """The project's suggestions (every rule the project has on) measured against gold (the
    documents that have gold spans, every paragraph of them) or a reviewer (the paragraphs
    they reviewed). NotFound for a reviewer who does not exist."""
    codebook = load_codebook(project.codebook)
    query = select(Document).where(Document.project_id == project.id).order_by(Document.id)
    if document_ids is not None:
        query = query.where(Document.id.in_(document_ids))
    documents = list(db.session.scalars(query))
    ids = [d.id for d in documents]
    reference: dict[int, list] = defaultdict(list)
    scope: dict[int, set[int]] = {}
    if against == "gold":
        for row in db.session.execute(select(
                GoldSpan.document_id, GoldSpan.paragraph_index, GoldSpan.start, GoldSpan.end,
                GoldSpan.label).where(GoldSpan.document_id.in_(ids))):
            reference[row[0]].append(tuple(row[1:]))
        for document in documents:
            if reference.get(document.id):
                scope[document.id] = set(range(document.paragraph_count))
    else:
        reviewer = db.session.scalar(select(User).where(
            func.lower(User.username) == against.lower()))
        if reviewer is None:
            raise NotFound(f"There is no reviewer '{against}'.")
        for row in db.session.execute(select(
                Annotation.document_id, Annotation.paragraph_index, Annotation.start,
                Annotation.end, Annotation.label).where(
                Annotation.document_id.in_(ids), Annotation.reviewer_id == reviewer.id)):
            reference[row[0]].append(tuple(row[1:]))
        for document in documents:
            reviewed = {p for p, who in reviewers_by_paragraph(
                document.id, document.paragraph_count).items() if reviewer.id in who}
            if reviewed:
                scope[document.id] = reviewed
    items = []
    for document in documents:
        if document.id not in scope:
            continue
        found = document_suggestions(document, codebook)
        items.append(Item(paragraph_texts(document.id), scope[document.id],
                          [(s.paragraph, s.start, s.end, s.label, s.rule) for s in found],
                          reference[document.id]))
    labels = [key for key in codebook.label_keys
              if key in ("attribution", "expert-opinion", "disclaimer")
              or any(s for item in items for s in item.suggestions if s[3] == key)]
    return evaluate(items, labels=labels)


def has_gold(project: Project) -> bool:
    return db.session.scalar(select(func.count()).select_from(GoldSpan).join(
        Document, Document.id == GoldSpan.document_id).where(
        Document.project_id == project.id)) > 0
