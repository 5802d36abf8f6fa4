"""Who may read or change what: the one rule that every page, API call, export and report asks.

- Every active account may open every project and its documents (admins manage them).
- A reviewer sees and changes only their own spans. Others' spans are visible to admins
  everywhere, and to reviewers only in open (non-blind) projects once they have submitted
  their own work on the document.
- With K reviewers per document, a reviewer works only on the documents assigned to them.
- Agreement figures: admins, and reviewers of open projects. Gold and adjudication: admins.
- Exports: admins everything; a reviewer their own spans, and others' only in open projects,
  in the documents they submitted (the same rule as above, for every path that shows spans:
  the API, the annotate page, the compare view, exports).

Functions raise ``NotFound`` for what the caller may not know exists (a hidden document, a
span of another reviewer in a blind project) and ``Forbidden`` for what they may see but not
do, each with one sentence naming the thing at fault.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from .accounts import require_user
from .assignments import is_assigned
from .errors import Forbidden, NotFound
from .extensions import db
from .models import Document, DocumentReview, Project, User

BLIND_SPANS = "This project is blind: you can see only your own spans."
BLIND_EXPORT = "This project is blind: you can export only your own spans."
SUBMIT_FIRST = ("Submit your own work on this document first; then you can compare it with "
                "the other reviewers' spans.")


# --- projects and documents -------------------------------------------------------------------

def can_see_project(user: User, project: Project) -> bool:
    return can_see_project_id(user, project.id)


def can_see_project_id(user: User, project_id: int) -> bool:
    """``can_see_project`` for a project known by its id: checks that hold a document's
    ``project_id`` need not load the project."""
    # Every account of this instance works on every project; admins manage them.
    return user.is_authenticated and user.is_active


def get_project(slug: str, user: User) -> Project:
    project = db.session.scalar(select(Project).where(Project.slug == slug))
    if project is None or not can_see_project(user, project):
        raise NotFound(f"There is no project '{slug}'.")
    return project


def get_document(document_id: int, user: User) -> Document:
    document = db.session.get(Document, document_id)
    if document is None or not can_see_project_id(user, document.project_id):
        raise no_document(document_id)
    return document


def no_document(document_id: int) -> NotFound:
    return NotFound(f"There is no document {document_id}.")


# --- roles --------------------------------------------------------------------------------------

def require_admin(user: User) -> None:
    if not user.is_admin:
        raise Forbidden("Only an admin can do this.")


def get_admin_document(document_id: int, user: User) -> Document:
    """A document whose gold the caller manages (adjudication): 404 first, then 403."""
    document = get_document(document_id, user)
    require_admin(user)
    return document


def may_see_agreement(user: User, project: Project) -> bool:
    return user.is_admin or not project.blind


def require_agreement_access(user: User, project: Project) -> None:
    """Agreement figures: admins, and reviewers of open (non-blind) projects."""
    if not may_see_agreement(user, project):
        raise Forbidden("This project is blind: only admins see its agreement.")


# --- other reviewers' spans -------------------------------------------------------------------

def can_see_others(user: User, project: Project) -> bool:
    """Admins see every reviewer's spans; reviewers only in open (non-blind) projects."""
    return can_see_others_in(user, project.blind)


def can_see_others_in(user: User, blind: bool) -> bool:
    """``can_see_others`` on the project's ``blind`` flag already read."""
    return user.is_admin or not blind


def is_self(user: User, reviewer: str | None) -> bool:
    """No reviewer named, or the caller's own name (in any case)."""
    return reviewer is None or reviewer.lower() == user.username.lower()


def require_spans_access(document: Document, user: User, reviewer: str) -> User:
    """The account of ``reviewer`` once the caller may read that reviewer's spans of the
    document: admins always; reviewers in open projects after submitting their own work.
    Forbidden otherwise, NotFound for no such reviewer."""
    if is_self(user, reviewer):
        return user
    require_others_visible(document, user)
    return require_user(reviewer)


# --- assignments ------------------------------------------------------------------------------

def require_assignment(document: Document, user: User) -> None:
    """With K reviewers per document, a reviewer works only on the documents assigned to
    them (admins anywhere)."""
    if document.project.reviewers_per_document and not user.is_admin \
            and not is_assigned(document, user):
        raise Forbidden("This document is not assigned to you; ask for the next document.")


def require_assigned(document_id: int, user: User, reviewers_per_document: int | None,
                     has_review: bool) -> None:
    """``require_assignment`` on facts already read (an assignment is the caller's review
    row): only a refusal loads the document."""
    if reviewers_per_document and not user.is_admin and not has_review:
        require_assignment(db.session.get(Document, document_id), user)


# --- exports ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ExportScope:
    """Whose spans an export may hold: ``reviewers`` (None: everyone); and, for a reviewer of
    an open project, other reviewers' work only in ``others_in``, the documents the caller
    (``viewer_id``) submitted (None: no such limit)."""

    reviewers: Sequence[str] | None
    viewer_id: int | None = None
    others_in: frozenset[int] | None = None


def export_scope(user: User, project: Project, reviewers: Sequence[str] | None,
                 gold_only: bool) -> ExportScope:
    """What the caller may export: admins everything; a reviewer their own spans, and others'
    only in open projects and, as everywhere, only in the documents they submitted. Gold
    alone is for admins."""
    if user.is_admin:
        return ExportScope(reviewers)
    if gold_only:
        require_admin(user)
    if project.blind:
        if reviewers and any(not is_self(user, r) for r in reviewers):
            raise Forbidden(BLIND_EXPORT)
        return ExportScope([user.username])
    if reviewers and all(is_self(user, r) for r in reviewers):
        return ExportScope(reviewers)
    return ExportScope(reviewers, user.id, submitted_documents(user, project))


def submitted_documents(user: User, project: Project) -> frozenset[int]:
    """The documents of the project the user submitted: where others' spans are theirs to see
    (in open projects)."""
    return frozenset(db.session.scalars(
        select(DocumentReview.document_id)
        .join(Document, Document.id == DocumentReview.document_id)
        .where(Document.project_id == project.id, DocumentReview.reviewer_id == user.id,
               DocumentReview.status == "submitted")))


def require_others_visible(document: Document, user: User) -> None:
    """Every reviewer's spans of the document side by side (the compare view): admins; in
    open projects, reviewers who submitted their own work on it."""
    own = None
    if not user.is_admin and can_see_others(user, document.project):  # else no need to read
        own = db.session.scalar(select(DocumentReview.status).where(
            DocumentReview.document_id == document.id, DocumentReview.reviewer_id == user.id))
    require_others_visible_on(user, document.project.blind, own)


def require_others_visible_on(user: User, blind: bool, own_status: str | None) -> None:
    """``require_others_visible`` on facts already read: the project's ``blind`` flag and the
    caller's review status on the document (None: no review)."""
    if user.is_admin:
        return
    if not can_see_others_in(user, blind):
        raise Forbidden(BLIND_SPANS)
    if own_status != "submitted":
        raise Forbidden(SUBMIT_FIRST)


def may_choose_reviewers(user: User, project: Project) -> bool:
    """Whether a page may offer the caller other reviewers' spans to export or compare."""
    return can_see_others(user, project)
