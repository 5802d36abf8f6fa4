"""The annotate page: one document, one reviewer, paragraph by paragraph.

The page is rendered once on the server: the paragraphs as escaped text (so the page reads
without JavaScript and the browser parses it fast), the reviewer's spans and the codebook as a
JSON block that the ES modules in ``static/js/annotate/`` (on those of ``static/js/shared/``)
turn into highlights. Every change goes back through the JSON API. Label colours come from a
per-project stylesheet (``/projects/SLUG/codebook.css``) because the Content-Security-Policy
forbids inline styles.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from .. import annotations, answers
from ..access import get_document, get_project, is_self, require_assignment, require_spans_access
from ..codebook import load_codebook
from ..colours import codebook_stylesheet, codebook_version
from ..ledger.config import ledger_config
from ..models import Document, Project, User
from ..suggestions import store as suggestion_store

bp = Blueprint("annotate", __name__)

# Ids in URL templates handed to the page: the script replaces the placeholder.
_SENTINEL = 987654321
# How long the page waits at most between two retries of an unsent change (milliseconds).
DEFAULT_RETRY_MAX_MS = 15000


@bp.get("/documents/<int:document_id>/annotate")
@login_required
def annotate(document_id: int):
    document = get_document(document_id, current_user)
    project = document.project
    owner = _owner(document, request.args.get("reviewer"))
    viewing_other = owner.id != current_user.id
    state = annotations.review_state(document, owner)
    texts = annotations.paragraph_texts(document.id)
    codebook = load_codebook(project.codebook).data
    reviewed = state["reviewed_paragraphs"]
    reviewed_set = set(reviewed)
    current = next((i for i in range(len(texts)) if i not in reviewed_set), 0)
    submitted = state["status"] == "submitted"
    # Suggestions for the caller's own work, where the project has them on for the caller.
    primed = not viewing_other and not submitted and suggestion_store.is_primed(
        project, document.id, owner)
    suggestions = ([s.as_dict() for s in suggestion_store.open_suggestions(document, owner)]
                   if primed else [])
    data = {
        "document": {"id": document.id, "title": document.title, "project": project.slug,
                     "paragraphs": len(texts), "layout": document.layout_version},
        "user": {"id": current_user.id, "name": current_user.username},
        "owner": owner.username,
        "viewing_other": viewing_other,
        "readonly": submitted or viewing_other,
        "status": state["status"],
        "reviewed": reviewed,
        "current": current,
        "labels": codebook["labels"],
        "suggestions": suggestions,
        "suggestions_on": primed,
        # the article-level questions and the owner's answers ("The article as a whole")
        "questions": codebook.get("questions", []),
        "answers": answers.get_answers(document.id, current_user, owner.username)
        if viewing_other else answers.get_answers(document.id, current_user),
        "retry_max_ms": int(current_app.config.get("ANNOTATE_RETRY_MAX_MS",
                                                   DEFAULT_RETRY_MAX_MS)),
        "urls": {
            "annotations": url_for("api.create_annotation", document_id=document.id),
            "annotation": _url_template("api.update_annotation", "span_id", "{id}"),
            "review": _url_template("api.mark_reviewed", "index", "{index}",
                                    document_id=document.id),
            "review_state": url_for("api.get_review", document_id=document.id),
            "submit": url_for("api.submit", document_id=document.id),
            "suggestions": url_for("api.list_suggestions", document_id=document.id),
            "suggestion_accept": _url_template("api.accept_suggestion", "suggestion_id", "{sid}",
                                               document_id=document.id),
            "suggestion_reject": _url_template("api.reject_suggestion", "suggestion_id", "{sid}",
                                               document_id=document.id),
            "answers": url_for("api.get_answers", document_id=document.id,
                               **({"reviewer": owner.username} if viewing_other else {})),
            "login": url_for("auth.login"),
            "csrf": url_for("annotate.csrf_token"),
            "project": url_for("main.project", slug=project.slug),
            "next": url_for("main.next_document", slug=project.slug),
        },
    }
    if ledger_config(codebook).usable:  # the reviewer's own sources, live (the panel)
        data["urls"]["ledger"] = url_for("api.document_ledger", document_id=document.id,
                                         spans=owner.username)
        data["urls"]["ledger_page"] = url_for("ledger.document_page", document_id=document.id,
                                              spans=owner.username)
    return render_template(
        "annotate.html", document=document, project=project, paragraphs=texts,
        reviewed=reviewed_set, current=current, data=data, owner=owner,
        data_json=page_json(data, annotations.page_spans_json(document.id, owner.id)),
        viewing_other=viewing_other, submitted=submitted, labels=codebook["labels"],
        suggestions_on=primed,
        questions=data["questions"],
        css_version=codebook_version(project.codebook),
    )


def _owner(document: Document, reviewer: str | None) -> User:
    """Whose spans the page shows: the caller's, or (read-only) another reviewer's."""
    user = current_user._get_current_object()
    if is_self(user, reviewer or None):
        # With reviewers per document, only the documents assigned to the caller (403).
        require_assignment(document, user)
        return user
    # The API's rules for seeing another reviewer's spans (403 when not allowed, 404 for no
    # such reviewer).
    return require_spans_access(document, user, reviewer)


_SPANS = "__spans_json__"
# As Flask's tojson: the JSON may sit in a <script> element without ending it.
_HTML_SAFE = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027"))


def page_json(data: dict[str, Any], spans_json: str) -> Markup:
    # "spans" first: its placeholder is the first one in the text, whatever a title says.
    text = json.dumps({"spans": _SPANS, **data}, ensure_ascii=False, separators=(",", ":"))
    text = text.replace(json.dumps(_SPANS), spans_json, 1)
    for char, escaped in _HTML_SAFE:
        text = text.replace(char, escaped)
    return Markup(text)


def _url_template(endpoint: str, name: str, placeholder: str, **values: Any) -> str:
    values[name] = _SENTINEL
    return url_for(endpoint, **values).replace(str(_SENTINEL), placeholder)


@bp.get("/annotate/csrf-token")
@login_required
def csrf_token():
    """A fresh CSRF token for a page whose session was renewed while it stayed open."""
    response = current_app.json.response({"csrf_token": generate_csrf()})
    response.headers["Cache-Control"] = "no-store"
    return response


# --- the per-project stylesheet -------------------------------------------------------------

@bp.get("/projects/<slug>/codebook.css")
@login_required
def codebook_css(slug: str):
    project = get_project(slug, current_user)
    labels = load_codebook(project.codebook).data["labels"]
    response = Response(codebook_stylesheet(labels), mimetype="text/css")
    response.headers["Cache-Control"] = "private, no-cache"
    response.set_etag(codebook_version(project.codebook))
    return response.make_conditional(request)


def label_stylesheet(project: Project) -> str:
    """The address of the project's label stylesheet, with a version so that browsers fetch
    it again when the codebook changes: for every page that draws labels."""
    return url_for("annotate.codebook_css", slug=project.slug,
                   v=codebook_version(project.codebook))
