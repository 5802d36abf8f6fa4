"""A document's ledger as the interface gives it (``GET /api/documents/ID/ledger``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..access import BLIND_SPANS, may_see_agreement
from ..errors import Forbidden
from ..extensions import db
from ..models import Document, GoldSpan, Project, User
from .compute import compute
from .data import GOLD, load_ledger_data


def has_gold(document_id: int) -> bool:
    return db.session.scalar(
        select(GoldSpan.id).where(GoldSpan.document_id == document_id).limit(1)) is not None


def project_has_gold(project, document_ids=None) -> bool:
    """Whether any of the project's documents (or of ``document_ids``) has gold spans."""
    query = select(GoldSpan.id).join(Document, Document.id == GoldSpan.document_id) \
        .where(Document.project_id == project.id)
    if document_ids is not None:
        query = query.where(Document.id.in_(list(document_ids)))
    return db.session.scalar(query.limit(1)) is not None


def document_ledger(document: Document, spans: str | User) -> dict[str, Any]:
    """The ledger of one document from its gold (``"gold"``) or one reviewer's spans (all of
    them, reviewed paragraphs or not: the ledger of what is tagged so far)."""
    if spans == GOLD:
        data = load_ledger_data(document.project, [document.id], gold=True, reviewer_ids=(),
                                finished_only=False)
        name = GOLD
    else:
        data = load_ledger_data(document.project, [document.id], reviewer_ids=[spans.id],
                                finished_only=False)
        name = spans.username
    ledgers = compute(data.table, data.config, data.aliases)
    return {"document": document.id, "spans": name, **ledgers.document(0)}


def project_spans(project: Project, user: User, spans: str | None,
                  document_ids=None) -> tuple[str, int | None]:
    """Whose spans a project ledger asked by ``user`` counts: ``("gold", None)`` or a
    reviewer's ``(name, id)``. Default: gold when a document has gold, else the caller's own.
    Another reviewer's: admins, and reviewers of open projects (as agreement)."""
    from ..accounts import find_user, no_reviewer

    if not spans:
        spans = GOLD if project_has_gold(project, document_ids) else user.username
    if spans == GOLD:
        return GOLD, None
    if spans.lower() != user.username.lower() and not may_see_agreement(user, project):
        raise Forbidden(BLIND_SPANS)
    reviewer = find_user(spans)
    if reviewer is None:
        raise no_reviewer(spans)
    return reviewer.username, reviewer.id
