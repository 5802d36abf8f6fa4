"""Gold and adjudication (docs/additions.md, "Adjudication"): admins read and replace a
document's gold, accept reviewers' spans into it or reject them, run auto gold, edit gold spans
and mark paragraphs adjudicated."""

from __future__ import annotations

from flask import Response, current_app
from flask_login import current_user

from .. import adjudication, gold
from ..access import get_admin_document
from ..errors import Invalid
from . import bp, json_body, json_object, optional_object


@bp.get("/documents/<int:document_id>/gold")
def get_gold(document_id: int):
    return gold.list_gold(get_admin_document(document_id, current_user))


@bp.put("/documents/<int:document_id>/gold")
def put_gold(document_id: int):
    document = get_admin_document(document_id, current_user)
    return gold.replace_gold(document, current_user, json_body(),
                             current_app.config["MAX_GOLD_SPANS"])


@bp.get("/documents/<int:document_id>/gold/unanimous")
def gold_unanimous(document_id: int):
    return gold.unanimous_offers(get_admin_document(document_id, current_user))


@bp.get("/documents/<int:document_id>/gold/proposal")
def gold_proposal(document_id: int):
    """What auto gold would propose, without storing anything."""
    return adjudication.propose_gold(get_admin_document(document_id, current_user))


@bp.post("/documents/<int:document_id>/gold/auto")
def gold_auto(document_id: int):
    document = get_admin_document(document_id, current_user)
    body = optional_object()
    unknown = set(body) - {"replace"}
    if unknown:
        name = sorted(unknown)[0]
        raise Invalid(f"Unknown field '{name}'; allowed: replace.", name)
    replace = body.get("replace", False)
    if not isinstance(replace, bool):
        raise Invalid("replace must be true or false.", "replace")
    result = gold.run_auto_gold(document, replace=replace, user=current_user)
    result["gold"] = gold.list_gold(document)
    return result


@bp.post("/documents/<int:document_id>/gold/accept")
def gold_accept(document_id: int):
    document = get_admin_document(document_id, current_user)
    body = json_object()
    if "annotation_id" in body:
        if set(body) != {"annotation_id"}:
            raise Invalid('Send either {"annotation_id"} or {"paragraph", "reviewer"}.')
        accepted_one, created = gold.accept_span(document, body["annotation_id"], current_user)
        accepted, count = [accepted_one], int(created)
    elif set(body) == {"paragraph", "reviewer"}:
        accepted, count = gold.accept_paragraph(
            document, body["paragraph"], body["reviewer"], current_user)
    else:
        raise Invalid('Send either {"annotation_id": ID} or {"paragraph": N, "reviewer": '
                      'NAME}.', "annotation_id")
    return {"accepted": accepted, "created": count,
            "gold": gold.list_gold(document)}, 201 if count else 200


@bp.post("/documents/<int:document_id>/gold/accept-unanimous")
def gold_accept_unanimous(document_id: int):
    document = get_admin_document(document_id, current_user)
    body = optional_object()
    only = None
    if body:
        if set(body) != {"paragraph", "label", "start", "end"}:
            raise Invalid("Send no body (every unanimous span), or paragraph, label, start "
                          "and end of one of them.")
        only = body
    accepted, count = gold.accept_unanimous(document, current_user, only)
    return {"accepted": accepted, "created": count,
            "gold": gold.list_gold(document)}, 201 if count else 200


@bp.post("/documents/<int:document_id>/gold/spans")
def create_gold(document_id: int):
    document = get_admin_document(document_id, current_user)
    return gold.create_gold_span(document, json_body(), current_user), 201


@bp.patch("/gold/<int:gold_id>")
def update_gold(gold_id: int):
    return gold.update_gold_span(gold_id, json_body(), current_user)


@bp.delete("/gold/<int:gold_id>")
def delete_gold(gold_id: int):
    gold.delete_gold_span(gold_id, current_user)
    return Response(status=204)


@bp.get("/documents/<int:document_id>/gold/rejections")
def gold_rejections(document_id: int):
    return gold.list_rejections(get_admin_document(document_id, current_user))


@bp.post("/documents/<int:document_id>/gold/rejections")
def gold_reject(document_id: int):
    document = get_admin_document(document_id, current_user)
    rejection, created = gold.reject_span(document, json_body(), current_user)
    return rejection, 201 if created else 200


@bp.delete("/gold/rejections/<int:rejection_id>")
def gold_lift_rejection(rejection_id: int):
    gold.lift_rejection(rejection_id, current_user)
    return Response(status=204)


@bp.get("/documents/<int:document_id>/gold/adjudicated")
def gold_adjudicated(document_id: int):
    return gold.adjudication_state(get_admin_document(document_id, current_user))


@bp.put("/documents/<int:document_id>/paragraphs/<int:index>/adjudicated")
def gold_mark_adjudicated(document_id: int, index: int):
    document = get_admin_document(document_id, current_user)
    return gold.mark_adjudicated(document, index, current_user)


@bp.delete("/documents/<int:document_id>/paragraphs/<int:index>/adjudicated")
def gold_unmark_adjudicated(document_id: int, index: int):
    document = get_admin_document(document_id, current_user)
    return gold.unmark_adjudicated(document, index, current_user)
