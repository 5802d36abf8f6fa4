"""Which documents and reviewers a page covers: the agreement page's filter form (``Filters``)
and the queries behind it, which the export page uses for its selection too (documents by
source and title, the project's sources, its reviewers, counts)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from ..extensions import db
from ..models import Annotation, Document, DocumentReview, GoldSpan, ParagraphReview, Project, User

MAX_TITLE_FILTER = 200


@dataclass
class Filters:
    """The GET form of the agreement page: which documents, which reviewers, intervals."""

    source: str
    title: str
    reviewers: list[str] | None  # None: everyone
    intervals: bool
    all_reviewers: list[str]

    @classmethod
    def from_args(cls, args: Mapping[str, Any], all_reviewers: list[str]) -> Filters:
        """The filters of a query string (``request.args``: a ``MultiDict``)."""
        source = args.get("source", "").strip()
        title = " ".join(args.get("title", "").split())[:MAX_TITLE_FILTER]
        reviewers = None
        if args.get("filtered") == "1":  # the form was sent: unchecked boxes mean excluded
            known = {name.lower(): name for name in all_reviewers}
            chosen = sorted({known[r.lower()] for r in args.getlist("reviewer")
                             if r.lower() in known}, key=str.lower)
            if len(chosen) != len(all_reviewers):
                reviewers = chosen
        return cls(source, title, reviewers, args.get("ci") == "1", all_reviewers)

    @property
    def documents_filtered(self) -> bool:
        return bool(self.source or self.title)

    def is_chosen(self, reviewer: str) -> bool:
        return self.reviewers is None or reviewer in self.reviewers

    def query(self, **extra: Any) -> dict[str, Any]:
        """The query string that reproduces these filters (for links and downloads)."""
        values: dict[str, Any] = {}
        if self.source:
            values["source"] = self.source
        if self.title:
            values["title"] = self.title
        if self.reviewers is not None:
            values["filtered"] = "1"
            values["reviewer"] = self.reviewers
        if self.intervals:
            values["ci"] = "1"
        values.update(extra)
        return values

    @property
    def active(self) -> bool:
        return self.documents_filtered or self.reviewers is not None

    def document_ids(self, project: Project) -> list[int] | None:
        """The ids of the documents the filters select; None when they select everything."""
        return document_ids(project, self.source, self.title)


def document_ids(project: Project, source: str = "", title: str = "") -> list[int] | None:
    """The ids of the project's documents from ``source`` (exactly) whose title contains
    ``title`` (ignoring case), in order; None when neither is given (every document)."""
    if not (source or title):
        return None
    query = select(Document.id).where(Document.project_id == project.id)
    if source:
        query = query.where(Document.source == source)
    if title:
        query = query.where(func.lower(Document.title).contains(title.lower(), autoescape=True))
    return list(db.session.scalars(query.order_by(Document.id)))


def project_sources(project: Project) -> list[str]:
    """The project's distinct, non-empty document sources, in order."""
    return list(db.session.scalars(
        select(Document.source).distinct()
        .where(Document.project_id == project.id, Document.source.is_not(None),
               Document.source != "")
        .order_by(Document.source)))


def project_reviewers(project: Project) -> list[str]:
    """Everyone who reviewed or annotated something in the project (the agreement report's
    reviewers), by name ignoring case."""
    in_project = select(Document.id).where(Document.project_id == project.id)
    ids = select(ParagraphReview.reviewer_id).where(ParagraphReview.document_id.in_(in_project)) \
        .union(select(Annotation.reviewer_id).where(Annotation.document_id.in_(in_project)))
    names = db.session.scalars(select(User.username).where(User.id.in_(ids)))
    return sorted(names, key=lambda n: (n.lower(), n))


def reviewer_document_counts(project: Project) -> list[tuple[str, int]]:
    """Everyone with a review (a status) on a document of the project, and on how many
    documents, by name."""
    return [tuple(row) for row in db.session.execute(
        select(User.username, func.count(DocumentReview.id))
        .join(DocumentReview, DocumentReview.reviewer_id == User.id)
        .join(Document, Document.id == DocumentReview.document_id)
        .where(Document.project_id == project.id)
        .group_by(User.username).order_by(User.username))]


def document_count(project: Project) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Document).where(Document.project_id == project.id))


def gold_document_count(project: Project) -> int:
    """How many of the project's documents have gold spans."""
    return db.session.scalar(
        select(func.count(GoldSpan.document_id.distinct()))
        .join(Document, Document.id == GoldSpan.document_id)
        .where(Document.project_id == project.id))
