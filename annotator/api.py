"""The JSON API (INTERFACE.md, "HTTP API"). Views translate HTTP to domain calls, no more."""

from __future__ import annotations

from functools import wraps
from typing import Any

from flask import Blueprint, Response, current_app, request, stream_with_context
from flask_login import current_user, login_required
from sqlalchemy import func, select

from . import annotations as spans
from .codebook import load_codebook
from .errors import BadRequest, Forbidden
from .extensions import db
from .models import Document, DocumentReview, Project

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.before_request
@login_required
def require_login() -> None:
    """Every API call needs a session or a token; the login_required decorator answers 401."""


def json_body() -> Any:
    if not request.is_json:
        raise BadRequest("Send a JSON body with 'Content-Type: application/json'.")
    data = request.get_json(silent=True)
    if data is None:
        raise BadRequest("The request body is not valid JSON.")
    return data


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
            if spans.can_see_project(current_user, p)]


@bp.get("/projects/<slug>")
def get_project(slug: str):
    project = spans.get_project(slug, current_user)
    count = db.session.scalar(select(func.count()).where(Document.project_id == project.id))
    body = project_summary(project, count)
    body["codebook"] = project.codebook
    return body


@bp.get("/projects/<slug>/documents")
def list_documents(slug: str):
    project = spans.get_project(slug, current_user)
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
    from .assignments import next_document as pick_next

    project = spans.get_project(slug, current_user)
    document = pick_next(project, current_user)
    if document is None:
        return Response(status=204)
    return {"id": document.id, "title": document.title}


# The span, document and review routes hand the document's id to the domain function, which
# answers NotFound for a missing or hidden document itself, in the query it needs anyway.

def ends_with_commit(view):
    """For the hot routes: end the request's transaction with COMMIT also where nothing was
    written (a read, a retried create), rather than with the ROLLBACK of the session's close.
    psycopg forgets its prepared statements on every ROLLBACK, so PostgreSQL would parse and
    plan the queries of these routes afresh. An error still rolls back (the error handlers)."""
    @wraps(view)
    def read(*args, **kwargs):
        body = view(*args, **kwargs)
        db.session.commit()
        return body
    return read


@bp.get("/documents/<int:document_id>")
@ends_with_commit
def get_document(document_id: int):
    return spans.document_body(document_id, current_user)


@bp.get("/documents/<int:document_id>/annotations")
@ends_with_commit
def list_annotations(document_id: int):
    return spans.list_annotations(document_id, current_user, request.args.get("reviewer"))


@bp.post("/documents/<int:document_id>/annotations")
@ends_with_commit
def create_annotation(document_id: int):
    try:
        payload = json_body()
    except BadRequest:
        spans.get_document(document_id, current_user)  # a missing document is 404 first
        raise
    body, created = spans.create_annotation(document_id, current_user, payload)
    return body, 201 if created else 200


@bp.patch("/annotations/<int:span_id>")
def update_annotation(span_id: int):
    return spans.update_annotation(span_id, current_user, json_body())


@bp.delete("/annotations/<int:span_id>")
def delete_annotation(span_id: int):
    spans.delete_annotation(span_id, current_user)
    return Response(status=204)


@bp.put("/documents/<int:document_id>/paragraphs/<int:index>/review")
def mark_reviewed(document_id: int, index: int):
    return spans.set_paragraph_reviewed(document_id, current_user, index, True)


@bp.delete("/documents/<int:document_id>/paragraphs/<int:index>/review")
def unmark_reviewed(document_id: int, index: int):
    return spans.set_paragraph_reviewed(document_id, current_user, index, False)


@bp.get("/documents/<int:document_id>/review")
@ends_with_commit
def get_review(document_id: int):
    return spans.review_state(document_id, current_user)


@bp.post("/documents/<int:document_id>/submit")
def submit(document_id: int):
    return spans.submit_document(document_id, current_user)


@bp.get("/documents/<int:document_id>/gold")
def get_gold(document_id: int):
    document = spans.get_document(document_id, current_user)
    spans.require_admin(current_user)
    return spans.list_gold(document)


@bp.put("/documents/<int:document_id>/gold")
def put_gold(document_id: int):
    document = spans.get_document(document_id, current_user)
    spans.require_admin(current_user)
    return spans.replace_gold(document, current_user, json_body(),
                              current_app.config["MAX_GOLD_SPANS"])


@bp.get("/projects/<slug>/codebook")
def get_codebook(slug: str):
    project = spans.get_project(slug, current_user)
    return load_codebook(project.codebook).data


def agreement_filters() -> tuple[list[int] | None, list[str] | None]:
    """``documents=1,2,3`` and ``reviewers=alice,bob`` query parameters."""
    documents = reviewers = None
    if request.args.get("documents"):
        try:
            documents = [int(x) for x in request.args["documents"].split(",") if x.strip()]
        except ValueError:
            raise BadRequest("documents must be a comma-separated list of document ids.") \
                from None
    if request.args.get("reviewers"):
        reviewers = [x.strip() for x in request.args["reviewers"].split(",") if x.strip()]
    return documents, reviewers


def int_arg(name: str, default: int | None, low: int, high: int) -> int | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number.") from None
    if not low <= value <= high:
        raise BadRequest(f"{name} must be between {low} and {high}.")
    return value


@bp.get("/projects/<slug>/agreement")
def agreement(slug: str):
    from .agreement.report import cached_report

    project = spans.get_project(slug, current_user)
    spans.require_agreement_access(current_user, project)
    documents, reviewers = agreement_filters()
    return cached_report(
        project,
        bootstrap=int_arg("bootstrap", 0, 0, 10000),
        seed=int_arg("seed", None, -(2**31), 2**31 - 1),
        document_ids=documents,
        reviewers=reviewers,
    )


@bp.get("/projects/<slug>/export")
def export(slug: str):
    from .exports import FORMATS, MEDIA_TYPES, filename
    from .exports import export as run_export

    project = spans.get_project(slug, current_user)
    fmt = request.args.get("format", "jsonl")
    if fmt not in FORMATS:
        raise BadRequest(f"format must be one of {', '.join(FORMATS)}.")
    options = export_options(project)
    chunks = run_export(project, fmt, options)
    first = next(chunks, b"" if fmt == "brat" else "")  # errors surface before streaming

    def generate():
        yield first
        yield from chunks

    response = Response(stream_with_context(generate()), mimetype=MEDIA_TYPES[fmt])
    response.headers["Content-Disposition"] = \
        f'attachment; filename="{filename(project, fmt, options)}"'
    return response


def export_options(project: Project):
    """Who may export what: admins everything; a reviewer their own spans, and others' only
    in open projects."""
    from .exports import ExportOptions

    documents, reviewers = agreement_filters()
    flag = {"1", "true", "yes", "on"}
    gold_only = request.args.get("gold_only", "").lower() in flag
    submitted_only = request.args.get("submitted_only", "").lower() in flag
    if not current_user.is_admin:
        if gold_only:
            spans.require_admin(current_user)
        if project.blind:
            if reviewers and any(r.lower() != current_user.username.lower() for r in reviewers):
                raise Forbidden("This project is blind: you can export only your own spans.")
            reviewers = [current_user.username]
    return ExportOptions(reviewers=reviewers, submitted_only=submitted_only,
                         gold_only=gold_only, document_ids=documents)
