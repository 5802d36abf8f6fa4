"""The adjudication page of one document (admins): every paragraph with the gold on top and
each reviewer's spans beneath it; accept or reject reviewers' spans, add, edit and delete gold
spans (saved through the browser's save queue, as reviewers' spans are), mark paragraphs
adjudicated, and run auto gold.

The server renders the paragraphs as escaped text (the page reads without JavaScript) and a
JSON block with the reviewers' spans (``agreement.compare.compare_document``), the gold, the
unanimous spans and the API addresses; the ES modules in ``static/js/adjudicate/`` (on those
of ``static/js/shared/``: the span editor, the Api) draw the highlights and send every action
through the JSON API (``annotator/api/gold.py``).
Label colours come from the per-project stylesheet of the annotate blueprint, as the
Content-Security-Policy forbids inline styles.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import answers
from ..access import get_admin_document, get_project, require_admin
from ..agreement.compare import compare_document
from ..codebook import load_codebook
from ..extensions import db
from ..gold import (
    adjudicated_paragraph_counts,
    adjudication_state,
    gold_span_counts,
    list_gold,
    list_rejections,
    unanimous_offers,
)
from ..models import Document
from .annotate import DEFAULT_RETRY_MAX_MS, label_stylesheet

bp = Blueprint("adjudicate", __name__)

_SENTINEL = 987654321  # an id in URL templates handed to the page; the script replaces it


@bp.get("/documents/<int:document_id>/adjudicate")
@login_required
def page(document_id: int):
    document = get_admin_document(document_id, current_user)
    project = document.project
    compared = compare_document(document)
    codebook = load_codebook(project.codebook).data
    data = {
        "document": {"id": document.id, "title": document.title, "project": project.slug},
        "user": current_user.username,
        "labels": codebook["labels"],
        "reviewers": compared["reviewers"],
        "paragraphs": [_paragraph(p) for p in compared["paragraphs"]],
        "gold": list_gold(document),
        "unanimous": unanimous_offers(document),
        "rejections": list_rejections(document),
        "adjudicated": adjudication_state(document)["adjudicated"],
        "urls": _urls(document),
        # the article-level questions: gold answers, proposals and the reviewers' answers
        "questions": codebook.get("questions", []),
        "answers": answers.adjudication(document) if codebook.get("questions") else None,
        "retry_max_ms": int(current_app.config.get("ANNOTATE_RETRY_MAX_MS",
                                                   DEFAULT_RETRY_MAX_MS)),
    }
    return render_template(
        "adjudicate.html", document=document, project=project, data=data,
        adjudicated={m["paragraph"]: m for m in data["adjudicated"]},
        paragraphs=compared["paragraphs"], reviewers=compared["reviewers"],
        labels=codebook["labels"], label_css=label_stylesheet(project),
        compare_url=_compare_url(document),
    )


@bp.get("/projects/<slug>/adjudication")
@login_required
def project_list(slug: str):
    """The project's documents with their gold spans and a progress bar of the paragraphs
    marked adjudicated, each leading to its adjudication page (admins)."""
    project = get_project(slug, current_user)
    require_admin(current_user)
    spans = gold_span_counts(project.id)
    done = adjudicated_paragraph_counts(project.id)
    documents = [
        {"id": d.id, "title": d.title, "source": d.source, "paragraphs": d.paragraph_count,
         "gold": spans.get(d.id, 0), "adjudicated": done.get(d.id, 0)}
        for d in db.session.scalars(select(Document).where(Document.project_id == project.id)
                                    .order_by(Document.id))]
    totals = {"paragraphs": sum(d["paragraphs"] for d in documents),
              "adjudicated": sum(d["adjudicated"] for d in documents),
              "finished": sum(1 for d in documents if d["adjudicated"] == d["paragraphs"])}
    return render_template("adjudication_list.html", project=project, documents=documents,
                           totals=totals)


def _paragraph(paragraph: dict[str, Any]) -> dict[str, Any]:
    """A paragraph of compare_document without its text (the page reads it from the DOM)."""
    return {
        "index": paragraph["index"],
        "reviewed_by": paragraph["reviewed_by"],
        "disagreement": paragraph["disagreement"],
        "reviewers": [
            {"reviewer": row["reviewer"], "reviewed": row["reviewed"],
             "spans": [{k: s[k] for k in ("id", "start", "end", "label", "attributes", "note",
                                          "agreed", "unreviewed")} for s in row["spans"]]}
            for row in paragraph["reviewers"]
        ],
    }


def _urls(document: Document) -> dict[str, str]:
    def template(endpoint: str, name: str = "gold_id", **values: Any) -> str:
        return url_for(endpoint, **values, **{name: _SENTINEL}).replace(str(_SENTINEL), "{id}")

    return {
        "gold": url_for("api.get_gold", document_id=document.id),
        "auto": url_for("api.gold_auto", document_id=document.id),
        "accept": url_for("api.gold_accept", document_id=document.id),
        "accept_unanimous": url_for("api.gold_accept_unanimous", document_id=document.id),
        "create": url_for("api.create_gold", document_id=document.id),
        "span": template("api.update_gold"),
        "gold_answers": url_for("api.gold_answers", document_id=document.id),
        "gold_answer": url_for("api.put_gold_answer", document_id=document.id,
                               question="QUESTION").replace("QUESTION", "{question}"),
        "accept_answer_proposals": url_for("api.accept_gold_answer_proposals",
                                           document_id=document.id),
        "rejections": url_for("api.gold_reject", document_id=document.id),
        "rejection": template("api.gold_lift_rejection", "rejection_id"),
        "adjudicated": template("api.gold_mark_adjudicated", "index", document_id=document.id),
        "adjudication_state": url_for("api.gold_adjudicated", document_id=document.id),
        # for the shared Api (static/js/shared/api.js), as on the annotate page
        "csrf": url_for("annotate.csrf_token"),
        "login": url_for("auth.login"),
    }


def _compare_url(document: Document) -> str | None:
    if "agreement.compare" not in current_app.view_functions:
        return None
    return url_for("agreement.compare", document_id=document.id)
