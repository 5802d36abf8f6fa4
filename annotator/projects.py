"""Creating and changing projects."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from . import codebook_changes
from .codebook import Codebook, default_codebook, validate_codebook
from .errors import Conflict, Invalid, NotFound
from .extensions import db
from .models import Annotation, Document, DocumentReview, GoldSpan, Project
from .names import check_name

SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # with fullmatch


def validate_slug(slug: str) -> str:
    if not isinstance(slug, str) or not SLUG_RE.fullmatch(slug) or len(slug) > 64:
        raise Invalid(
            f"The slug {slug!r} is not valid: use lowercase letters, digits and single '-' "
            f"between them (at most 64 characters), e.g. 'iraq-2021'.", "slug")
    return slug


UNCHANGED = object()  # update_project: a setting not given


def create_project(
    slug: str,
    name: str | None = None,
    codebook: Any = None,
    blind: bool = True,
    reviewers_per_document: int | None = None,
) -> Project:
    validate_slug(slug)
    if db.session.scalar(select(Project.id).where(Project.slug == slug)) is not None:
        raise Conflict(f"There is already a project '{slug}'.", "slug")
    _check_reviewers_per_document(reviewers_per_document)
    name = (name or slug).strip()
    if not name or len(name) > 200:
        raise Invalid("The name must have 1 to 200 characters.", "name")
    check_name(name, "name", 200)
    data = validate_codebook(codebook if codebook is not None else default_codebook())
    project = Project(slug=slug, name=name, codebook=data, blind=blind,
                      reviewers_per_document=reviewers_per_document)
    db.session.add(project)
    db.session.commit()
    return project


MAX_REVIEWERS_PER_DOCUMENT = 100
_REVIEWERS_MESSAGE = (f"Reviewers per document must be a whole number from 1 to "
                      f"{MAX_REVIEWERS_PER_DOCUMENT}")


def _check_reviewers_per_document(k: Any) -> None:
    if k is not None and (isinstance(k, bool) or not isinstance(k, int)
                          or not 1 <= k <= MAX_REVIEWERS_PER_DOCUMENT):
        raise Invalid(f"{_REVIEWERS_MESSAGE}.", "reviewers_per_document")


def parse_reviewers_per_document(text: str | None) -> int | None:
    """Reviewers per document as typed in a form or on the command line: digits 0-9 only
    (not "²" or other Unicode digits, which int() would take or choke on), in range; empty
    is None, no assignment."""
    text = (text or "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and len(text) <= 3
            and 1 <= int(text) <= MAX_REVIEWERS_PER_DOCUMENT):
        raise Invalid(f"{_REVIEWERS_MESSAGE}, or empty for no assignment.",
                      "reviewers_per_document")
    return int(text)


# --- administration (the admin pages) --------------------------------------------------------

@dataclass
class ProjectRow:
    """A project with the figures the admin's list shows."""

    project: Project
    documents: int
    spans: int
    reviewers: int


def find_project(slug: str) -> Project:
    project = db.session.scalar(select(Project).where(Project.slug == slug))
    if project is None:
        raise NotFound(f"There is no project '{slug}'.")
    return project


def list_projects() -> list[ProjectRow]:
    """Every project, by name, with its numbers of documents, spans and active reviewers."""
    documents = dict(db.session.execute(
        select(Document.project_id, func.count()).group_by(Document.project_id)
    ).all())
    spans = dict(db.session.execute(
        select(Document.project_id, func.count())
        .join(Annotation, Annotation.document_id == Document.id)
        .group_by(Document.project_id)
    ).all())
    reviewers = dict(db.session.execute(
        select(Document.project_id, func.count(func.distinct(DocumentReview.reviewer_id)))
        .join(DocumentReview, DocumentReview.document_id == Document.id)
        .group_by(Document.project_id)
    ).all())
    projects = db.session.scalars(select(Project).order_by(func.lower(Project.name), Project.slug))
    return [ProjectRow(p, documents.get(p.id, 0), spans.get(p.id, 0), reviewers.get(p.id, 0))
            for p in projects]


def project_documents(project: Project, ids: Sequence[int] | None = None) -> list[Document]:
    """The project's documents (only those with the given ids, when ids are given), by id."""
    query = select(Document).where(Document.project_id == project.id).order_by(Document.id)
    if ids is not None:
        if not ids:
            return []
        query = query.where(Document.id.in_(list(ids)))
    return list(db.session.scalars(query))


def label_usage(project: Project) -> dict[str, dict[str, int]]:
    """Per label key: ``{"spans": reviewers' spans, "gold": gold spans}`` stored in the project."""
    usage: dict[str, dict[str, int]] = {}
    for model, kind in ((Annotation, "spans"), (GoldSpan, "gold")):
        for label, count in db.session.execute(
            select(model.label, func.count())
            .join(Document, Document.id == model.document_id)
            .where(Document.project_id == project.id)
            .group_by(model.label)
        ):
            usage.setdefault(label, {"spans": 0, "gold": 0})[kind] = count
    return usage


def update_project(
    project: Project,
    *,
    name: str | None = None,
    blind: bool | None = None,
    codebook: Any = None,
    reviewers_per_document: int | None | object = UNCHANGED,
    renames: Any = None,
) -> Project:
    """Change a project's name, mode, codebook or reviewers per document (each only when
    given; reviewers per document None: no assignment, every reviewer may take every
    document).

    A new codebook must not orphan stored spans: removing a label, an attribute or a choice
    that spans use (or changing an attribute's type so their values no longer fit) is refused
    with Conflict, naming each and the number of spans. A key changed in ``renames`` (see
    ``codebook_changes.parse_renames``) is renamed in the stored spans too, in the same
    transaction. A new or changed label colour must pass ``colours.contrast_checks``. Nothing
    changes on any error.

    A new number of reviewers per document applies to the assignments made from then on: a
    document with fewer reviewers gets more; assignments already made are kept, also where
    a document now has more than the number (nobody's work is taken away).
    """
    if reviewers_per_document is not UNCHANGED:
        _check_reviewers_per_document(reviewers_per_document)
    if name is not None:
        name = name.strip()
        if not name or len(name) > 200:
            raise Invalid("The name must have 1 to 200 characters.", "name")
        check_name(name, "name", 200)
    data = parsed_renames = None
    if codebook is not None:
        data = validate_codebook(codebook)
        parsed_renames = codebook_changes.parse_renames(
            renames, Codebook.from_json(project.codebook), Codebook.from_json(data))
        codebook_changes.check_codebook_change(project, data, parsed_renames)
    elif renames:
        raise Invalid("Renames need the new codebook.", "codebook_renames")
    if name is not None:
        project.name = name
    if blind is not None:
        project.blind = bool(blind)
    if data is not None:
        codebook_changes.apply_renames(project, parsed_renames)
        project.codebook = data
    if reviewers_per_document is not UNCHANGED:
        project.reviewers_per_document = reviewers_per_document
    db.session.commit()
    return project
