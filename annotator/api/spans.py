"""A document, the caller's spans on it, the paragraphs they reviewed and the submission.

These routes hand the document's id to the domain function, which answers NotFound for a
missing or hidden document itself, in the query it needs anyway.
"""

from __future__ import annotations

from flask import Response, request
from flask_login import current_user

from .. import annotations
from ..access import get_document
from ..database import reads_only
from ..errors import BadRequest
from ..layout import LAYOUT_HEADER
from . import bp, ends_with_commit, json_body


def layout() -> str | None:
    """The paragraph layout the calling page was drawn from (``layout.check_layout``)."""
    return request.headers.get(LAYOUT_HEADER)


@bp.get("/documents/<int:document_id>", endpoint="get_document")
@reads_only
@ends_with_commit
def document(document_id: int):
    return annotations.document_body(document_id, current_user)


@bp.get("/documents/<int:document_id>/annotations")
@reads_only
@ends_with_commit
def list_annotations(document_id: int):
    return annotations.list_annotations(document_id, current_user, request.args.get("reviewer"))


@bp.post("/documents/<int:document_id>/annotations")
@ends_with_commit
def create_annotation(document_id: int):
    try:
        payload = json_body()
    except BadRequest:
        get_document(document_id, current_user)  # a missing document is 404 first
        raise
    body, created = annotations.create_annotation(document_id, current_user, payload, layout())
    return body, 201 if created else 200


@bp.patch("/annotations/<int:span_id>")
def update_annotation(span_id: int):
    return annotations.update_annotation(span_id, current_user, json_body(), layout())


@bp.delete("/annotations/<int:span_id>")
def delete_annotation(span_id: int):
    annotations.delete_annotation(span_id, current_user, layout())
    return Response(status=204)


@bp.put("/documents/<int:document_id>/paragraphs/<int:index>/review")
def mark_reviewed(document_id: int, index: int):
    return annotations.set_paragraph_reviewed(document_id, current_user, index, True, layout())


@bp.delete("/documents/<int:document_id>/paragraphs/<int:index>/review")
def unmark_reviewed(document_id: int, index: int):
    return annotations.set_paragraph_reviewed(document_id, current_user, index, False, layout())


@bp.get("/documents/<int:document_id>/review")
@reads_only
@ends_with_commit
def get_review(document_id: int):
    return annotations.review_state(document_id, current_user)


@bp.post("/documents/<int:document_id>/submit")
def submit(document_id: int):
    return annotations.submit_document(document_id, current_user, layout())
