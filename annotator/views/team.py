"""The team dashboard, where admins share documents out."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from .. import gold
from ..access import get_project
from ..assignments import assign_documents, reassign, team_progress
from ..errors import DomainError
from ..extensions import db
from ..models import Document, User
from .forms import ActionForm

bp = Blueprint("team", __name__)

@bp.get("/projects/<slug>/team")
@login_required
def dashboard(slug: str):
    project = get_project(slug, current_user)
    if not current_user.is_admin:
        abort(403, "Only admins see the team dashboard.")
    progress = team_progress(project)
    everyone = db.session.scalars(
        select(User).where(User.active.is_(True)).order_by(func.lower(User.username))).all()
    return render_template("team.html", project=project, progress=progress, users=everyone,
                           gold=gold_column(project), form=ActionForm())


def gold_column(project) -> dict[int, dict[str, int]]:
    """Per document: gold spans and paragraphs adjudicated (documents with neither left out)."""
    spans = gold.gold_span_counts(project.id)
    adjudicated = gold.adjudicated_paragraph_counts(project.id)
    return {doc_id: {"spans": spans.get(doc_id, 0), "adjudicated": adjudicated.get(doc_id, 0)}
            for doc_id in spans.keys() | adjudicated.keys()}


def _admin_action(slug: str):
    """The project of a dashboard action: admins only, with the form's CSRF token."""
    project = get_project(slug, current_user)
    if not current_user.is_admin:
        abort(403, "Only admins share documents out.")
    if not ActionForm().validate_on_submit():
        abort(400)
    return project


@bp.post("/projects/<slug>/team/assign")
@login_required
def assign(slug: str):
    project = _admin_action(slug)
    names = request.form.getlist("reviewer")
    try:
        added = assign_documents(project, names)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        total = sum(added.values())
        detail = ", ".join(f"{name} {n}" for name, n in added.items())
        flash(f"Made {total} new assignment{'s' if total != 1 else ''} ({detail})."
              if total else "Every document already has its reviewers.", "success")
    return redirect(url_for("team.dashboard", slug=slug))


@bp.post("/projects/<slug>/team/reassign")
@login_required
def reassign_view(slug: str):
    project = _admin_action(slug)
    try:
        document = db.session.get(Document, int(request.form.get("document", "0")))
    except ValueError:
        document = None
    if document is None or document.project_id != project.id:
        flash("Choose a document of this project.", "error")
        return redirect(url_for("team.dashboard", slug=slug))
    try:
        reassign(document, request.form.get("from", ""), request.form.get("to", ""))
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(f"Document {document.id} moved from {request.form['from']} to "
              f"{request.form['to']}.", "success")
    return redirect(url_for("team.dashboard", slug=slug))
