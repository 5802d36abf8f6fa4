"""The reviewer's pages: projects and their documents."""

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required

from .. import annotations as spans
from ..errors import NotFound
from ..progress import project_document_progress, projects_overview

bp = Blueprint("main", __name__)


@bp.get("/")
@login_required
def index():
    return render_template("index.html", projects=projects_overview(current_user.id))


@bp.get("/projects/<slug>")
@login_required
def project(slug: str):
    try:
        project = spans.get_project(slug, current_user)
    except NotFound:
        abort(404)
    documents = project_document_progress(project, current_user.id)
    next_doc = next((d for d in documents if d.status != "submitted"), None)
    return render_template("project.html", project=project, documents=documents,
                           next_doc=next_doc)


@bp.get("/documents/<int:document_id>")
@login_required
def document(document_id: int):
    try:
        doc = spans.get_document(document_id, current_user)
    except NotFound:
        abort(404)
    texts = spans.paragraph_texts(doc.id)
    return render_template("document.html", document=doc, paragraphs=texts)


@bp.get("/projects/<slug>/next")
@login_required
def next_document(slug: str):
    project = spans.get_project(slug, current_user)
    documents = project_document_progress(project, current_user.id)
    target = next((d for d in documents if d.status != "submitted"), None)
    if target is None:
        return redirect(url_for("main.project", slug=slug))
    return redirect(url_for("main.document", document_id=target.id))
