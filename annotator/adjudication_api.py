"""The JSON API of adjudication (docs/additions.md, "Adjudication"): admins turn the
reviewers' spans into gold. Views translate HTTP to calls of ``annotator.adjudication``."""

from __future__ import annotations

from flask import Blueprint, Response, request
from flask_login import current_user, login_required

from . import adjudication
from . import annotations as spans
from .api import json_body
from .errors import BadRequest, Invalid

bp = Blueprint("adjudication_api", __name__, url_prefix="/api")


@bp.before_request
@login_required
def require_login() -> None:
    """Every call needs a session or a token; the login_required decorator answers 401."""


def _admin_document(document_id: int):
    document = spans.get_document(document_id, current_user)
    spans.require_admin(current_user)
    return document


def _optional_body() -> dict:
    """A JSON object, or nothing at all (an empty body means no options)."""
    if not request.get_data():
        return {}
    body = json_body()
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    return body


@bp.get("/documents/<int:document_id>/gold/unanimous")
def unanimous(document_id: int):
    return adjudication.unanimous_spans(_admin_document(document_id))


@bp.get("/documents/<int:document_id>/gold/proposal")
def proposal(document_id: int):
    """What auto gold would propose, without storing anything."""
    return adjudication.propose_gold(_admin_document(document_id))


@bp.post("/documents/<int:document_id>/gold/auto")
def auto(document_id: int):
    document = _admin_document(document_id)
    body = _optional_body()
    unknown = set(body) - {"replace"}
    if unknown:
        name = sorted(unknown)[0]
        raise Invalid(f"Unknown field '{name}'; allowed: replace.", name)
    replace = body.get("replace", False)
    if not isinstance(replace, bool):
        raise Invalid("replace must be true or false.", "replace")
    result = adjudication.run_auto_gold(document, replace=replace, user=current_user)
    result["gold"] = spans.list_gold(document)
    return result


@bp.post("/documents/<int:document_id>/gold/accept")
def accept(document_id: int):
    document = _admin_document(document_id)
    body = json_body()
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    if "annotation_id" in body:
        if set(body) != {"annotation_id"}:
            raise Invalid('Send either {"annotation_id"} or {"paragraph", "reviewer"}.')
        gold, created = adjudication.accept_span(document, body["annotation_id"], current_user)
        accepted, count = [gold], int(created)
    elif set(body) == {"paragraph", "reviewer"}:
        accepted, count = adjudication.accept_paragraph(
            document, body["paragraph"], body["reviewer"], current_user)
    else:
        raise Invalid('Send either {"annotation_id": ID} or {"paragraph": N, "reviewer": '
                      'NAME}.', "annotation_id")
    return {"accepted": accepted, "created": count,
            "gold": spans.list_gold(document)}, 201 if count else 200


@bp.post("/documents/<int:document_id>/gold/accept-unanimous")
def accept_unanimous(document_id: int):
    document = _admin_document(document_id)
    body = _optional_body()
    only = None
    if body:
        keys = {"paragraph", "label", "start", "end"}
        if set(body) != keys:
            raise Invalid("Send no body (every unanimous span), or paragraph, label, start "
                          "and end of one of them.")
        only = body
    accepted, count = adjudication.accept_unanimous(document, current_user, only)
    return {"accepted": accepted, "created": count,
            "gold": spans.list_gold(document)}, 201 if count else 200


@bp.post("/documents/<int:document_id>/gold/spans")
def create_gold(document_id: int):
    document = _admin_document(document_id)
    return adjudication.create_gold_span(document, json_body(), current_user), 201


@bp.patch("/gold/<int:gold_id>")
def update_gold(gold_id: int):
    return adjudication.update_gold_span(gold_id, json_body(), current_user)


@bp.delete("/gold/<int:gold_id>")
def delete_gold(gold_id: int):
    adjudication.delete_gold_span(gold_id, current_user)
    return Response(status=204)
