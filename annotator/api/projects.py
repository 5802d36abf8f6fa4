"""Projects, their codebooks and documents, and the caller's next document."""

from __future__ import annotations

from flask import Response
from flask_login import current_user
from sqlalchemy import func, select

from ..access import can_see_project, get_project
from ..assignments import next_document as pick_next
from ..codebook import load_codebook
from ..extensions import db
from ..models import Document, DocumentReview, Project
from . import bp


def project_summary(project: Project, documents: int) -> dict:
    return {
        "slug": project.slug,
        "name": project.name,
        "documents": documents,
        "labels": [label["key"] for label in project.codebook["labels"]],
        "blind": project.blind,
        "reviewers_per_document": project.reviewers_per_document,
    }


@bp.get("/projects")
def list_projects():
    counts = dict(db.session.execute(
        select(Document.project_id, func.count()).group_by(Document.project_id)
    ).all())
    projects = db.session.scalars(select(Project).order_by(Project.name, Project.slug))
    return [project_summary(p, counts.get(p.id, 0)) for p in projects
            if can_see_project(current_user, p)]


@bp.get("/projects/<slug>", endpoint="get_project")
def project(slug: str):
    project = get_project(slug, current_user)
    count = db.session.scalar(select(func.count()).where(Document.project_id == project.id))
    body = project_summary(project, count)
    body["codebook"] = project.codebook
    return body


@bp.get("/projects/<slug>/codebook", endpoint="get_codebook")
def codebook(slug: str):
    project = get_project(slug, current_user)
    return load_codebook(project.codebook).data


@bp.get("/projects/<slug>/documents")
def list_documents(slug: str):
    project = get_project(slug, current_user)
    statuses = dict(db.session.execute(
        select(DocumentReview.document_id, DocumentReview.status)
        .join(Document, Document.id == DocumentReview.document_id)
        .where(Document.project_id == project.id,
               DocumentReview.reviewer_id == current_user.id)
    ).all())
    query = select(Document.id, Document.title, Document.paragraph_count, Document.source,
                   Document.external_id).where(Document.project_id == project.id)
    if project.reviewers_per_document and not current_user.is_admin:
        # With reviewers per document, a reviewer's list holds the documents assigned to them.
        query = query.where(Document.id.in_(list(statuses)))
    rows = db.session.execute(query.order_by(Document.id))
    return [
        {"id": r.id, "title": r.title, "paragraphs": r.paragraph_count, "source": r.source,
         "external_id": r.external_id, "status": statuses.get(r.id, "not_started")}
        for r in rows
    ]


@bp.post("/projects/<slug>/next")
def next_document(slug: str):
    project = get_project(slug, current_user)
    document = pick_next(project, current_user)
    if document is None:
        return Response(status=204)
    return {"id": document.id, "title": document.title}
