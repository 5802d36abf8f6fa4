"""The downloads page, and the team dashboard where admins share documents out."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from ..access import get_project
from ..agreement import filters
from ..assignments import assign_documents, reassign, team_progress
from ..errors import DomainError
from ..exports import FORMATS
from ..extensions import db
from ..models import Document, User
from .forms import ActionForm

bp = Blueprint("team", __name__)

FORMAT_HELP = {
    "jsonl": "Documents JSONL: documents, every review with its status and reviewed "
             "paragraphs, spans with attributes and notes, gold. Imports back exactly.",
    "csv": "One row per span: document, paragraph, offsets, label, text, reviewer, attributes "
           "as JSON. Gold rows have the reviewer 'gold'.",
    "conll": "One token per line with a B-/I-/O column per label (overlapping labels "
             "survive), per document and reviewer; a blank line after each paragraph.",
    "brat": "A zip of REVIEWER/DOCID.txt and .ann standoff files with annotation.conf, for "
            "brat and INCEpTION.",
    "doccano": "JSONL of {text, label: [[start, end, label]]} per document and reviewer, "
               "the form doccano imports.",
}


@bp.get("/projects/<slug>/export")
@login_required
def export_page(slug: str):
    project = get_project(slug, current_user)
    sources = filters.project_sources(project)
    reviewer_rows = filters.reviewer_document_counts(project)
    can_choose = current_user.is_admin or not project.blind
    chosen = request.args.getlist("reviewer") if can_choose else [current_user.username]
    fmt = request.args.get("format", "jsonl")
    if fmt not in FORMATS:
        fmt = "jsonl"
    source = request.args.get("source", "")
    title = request.args.get("title", "").strip()
    gold_only = bool(request.args.get("gold_only")) and current_user.is_admin
    submitted_only = bool(request.args.get("submitted_only"))
    doc_ids = filters.document_ids(project, source, title)
    params = {"format": fmt}
    if chosen:
        params["reviewers"] = ",".join(chosen)
    if gold_only:
        params["gold_only"] = "1"
    if submitted_only:
        params["submitted_only"] = "1"
    if doc_ids is not None:
        params["documents"] = ",".join(map(str, doc_ids))
    total = filters.document_count(project)
    gold_docs = filters.gold_document_count(project)
    return render_template(
        "export.html", project=project, formats=FORMATS, format_help=FORMAT_HELP, fmt=fmt,
        sources=sources, source=source, title=title, reviewers=reviewer_rows, chosen=chosen,
        can_choose=can_choose, gold_only=gold_only, submitted_only=submitted_only,
        selected=len(doc_ids) if doc_ids is not None else total, total=total,
        gold_docs=gold_docs, empty=doc_ids == [],
        download=url_for("api.export", slug=project.slug) + "?" + urlencode(params))


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
                           form=ActionForm())


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
