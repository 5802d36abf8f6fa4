"""Suggestions (INTERFACE.md, "Suggestions"): a reviewer's suggestions for a document,
accepting and rejecting them; a project's suggestion settings and the evaluation of its
suggestions (admins)."""

from __future__ import annotations

from flask import Response, request
from flask_login import current_user

from ..access import get_project, require_admin
from ..errors import BadRequest
from ..suggestions import RULE_NAMES, store
from . import bp, json_body, optional_object, selection_args
from .spans import layout


@bp.get("/documents/<int:document_id>/suggestions")
def list_suggestions(document_id: int):
    return store.list_for_reviewer(document_id, current_user)


@bp.post("/documents/<int:document_id>/suggestions/<suggestion_id>/accept")
def accept_suggestion(document_id: int, suggestion_id: str):
    body, created = store.accept(document_id, suggestion_id, current_user, optional_object(),
                                 layout())
    return body, 201 if created else 200


@bp.post("/documents/<int:document_id>/suggestions/<suggestion_id>/reject")
def reject_suggestion(document_id: int, suggestion_id: str):
    store.reject(document_id, suggestion_id, current_user)
    return Response(status=204)


@bp.get("/projects/<slug>/suggestions/settings")
def suggestion_settings(slug: str):
    project = get_project(slug, current_user)
    return {**store.settings(project), "rules": list(RULE_NAMES)}


@bp.put("/projects/<slug>/suggestions/settings")
def put_suggestion_settings(slug: str):
    project = get_project(slug, current_user)
    require_admin(current_user)
    return {**store.update_settings(project, json_body()), "rules": list(RULE_NAMES)}


@bp.get("/projects/<slug>/suggestions/evaluation")
def suggestion_evaluation(slug: str):
    """Precision and recall of the project's suggestions against gold (default) or a
    reviewer, at 30 % and 80 % token coverage, with the decisions per rule (admins)."""
    project = get_project(slug, current_user)
    require_admin(current_user)
    against = request.args.get("against") or "gold"
    if len(against) > 64:
        raise BadRequest("against names gold or a reviewer.", "against")
    documents, _ = selection_args()
    evaluation = store.evaluate_project(project, against, documents)
    return {"against": against, **evaluation.as_dict(),
            "decisions": store.decision_rates(project)}
