"""Article-level questions: a reviewer's answers, and the gold answers (admins)."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from .. import answers
from ..access import get_admin_document
from ..errors import Invalid
from . import bp, json_body, json_object


@bp.get("/documents/<int:document_id>/answers")
def get_answers(document_id: int):
    return answers.get_answers(document_id, current_user, request.args.get("reviewer"))


@bp.put("/documents/<int:document_id>/answers")
def put_answers(document_id: int):
    return answers.put_answers(document_id, current_user, json_body())


@bp.get("/documents/<int:document_id>/gold/answers")
def gold_answers(document_id: int):
    """The gold answers, what the submitted reviewers' answers propose, and every reviewer's
    answers."""
    return answers.adjudication(get_admin_document(document_id, current_user))


@bp.put("/documents/<int:document_id>/gold/answers/<question>")
def put_gold_answer(document_id: int, question: str):
    document = get_admin_document(document_id, current_user)
    body = json_object()
    unknown = set(body) - {"value", "provenance"}
    if unknown or "value" not in body:
        raise Invalid('Send {"value": …} (null clears it), and "provenance" if not yours.',
                      "value")
    provenance = body.get("provenance")
    if provenance is not None and (not isinstance(provenance, str) or not 0 < len(provenance)
                                   <= 100):
        raise Invalid("provenance must be text of 1 to 100 characters.", "provenance")
    return answers.set_gold_answer(document, current_user, question, body["value"], provenance)


@bp.post("/documents/<int:document_id>/gold/answers/accept-proposals")
def accept_gold_answer_proposals(document_id: int):
    return answers.accept_proposals(get_admin_document(document_id, current_user),
                                    current_user)
