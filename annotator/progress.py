"""Counts for the pages: how far each reviewer has come (aggregate queries, no loops)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from .extensions import db
from .models import Document, DocumentReview, ParagraphReview, Project


@dataclass
class DocumentProgress:
    id: int
    title: str
    source: str | None
    paragraphs: int
    reviewed: int
    status: str

    @property
    def percent(self) -> int:
        if self.status == "submitted":
            return 100
        return round(100 * self.reviewed / self.paragraphs) if self.paragraphs else 0


def project_document_progress(project: Project, user_id: int) -> list[DocumentProgress]:
    """Every document of the project with the user's status and reviewed paragraphs."""
    reviewed = (
        select(ParagraphReview.document_id, func.count().label("n"))
        .where(ParagraphReview.reviewer_id == user_id)
        .group_by(ParagraphReview.document_id)
        .subquery()
    )
    status = (
        select(DocumentReview.document_id, DocumentReview.status)
        .where(DocumentReview.reviewer_id == user_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Document.id, Document.title, Document.source, Document.paragraph_count,
               func.coalesce(reviewed.c.n, 0), func.coalesce(status.c.status, "not_started"))
        .outerjoin(reviewed, reviewed.c.document_id == Document.id)
        .outerjoin(status, status.c.document_id == Document.id)
        .where(Document.project_id == project.id)
        .order_by(Document.id)
    )
    return [DocumentProgress(*row) for row in rows]


def projects_overview(user_id: int) -> list[dict]:
    """Each project with its document count and the user's submitted count."""
    docs = dict(db.session.execute(
        select(Document.project_id, func.count()).group_by(Document.project_id)
    ).all())
    submitted = dict(db.session.execute(
        select(Document.project_id, func.count())
        .join(DocumentReview, DocumentReview.document_id == Document.id)
        .where(DocumentReview.reviewer_id == user_id, DocumentReview.status == "submitted")
        .group_by(Document.project_id)
    ).all())
    projects = db.session.scalars(select(Project).order_by(Project.name, Project.slug))
    return [
        {"project": p, "documents": docs.get(p.id, 0), "submitted": submitted.get(p.id, 0)}
        for p in projects
    ]
