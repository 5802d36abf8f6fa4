"""The downloads page: pick a format, documents and reviewers; the button downloads from the
API (``api.exports``), which checks again what the caller may export (``access``)."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user, login_required

from ..access import get_project, may_choose_reviewers
from ..agreement import filters
from ..exports import FORMATS, ExportOptions, filename

bp = Blueprint("exports", __name__)

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
    "answers-csv": "The article-level answers: one row per document and reviewer (and gold), "
                   "a column per question; a set's choices joined by |.",
}


@bp.get("/projects/<slug>/export")
@login_required
def export_page(slug: str):
    project = get_project(slug, current_user)
    sources = filters.project_sources(project)
    reviewer_rows = filters.reviewer_document_counts(project)
    can_choose = may_choose_reviewers(current_user, project)
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
    # every format's file name without options, so that the page's script can follow a change
    # of format (it adds -gold, -submitted as the server does)
    files = {f: filename(project, f, ExportOptions()) for f in FORMATS}
    current_file = filename(project, fmt, ExportOptions(gold_only=gold_only,
                                                        submitted_only=submitted_only))
    return render_template(
        "export.html", project=project, formats=FORMATS, format_help=FORMAT_HELP, fmt=fmt,
        sources=sources, source=source, title=title, reviewers=reviewer_rows, chosen=chosen,
        can_choose=can_choose, gold_only=gold_only, submitted_only=submitted_only,
        selected=len(doc_ids) if doc_ids is not None else total, total=total,
        gold_docs=gold_docs, empty=doc_ids == [], files=files, current_file=current_file,
        download=url_for("api.export", slug=project.slug) + "?" + urlencode(params))
