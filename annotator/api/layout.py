"""Mending a document's paragraphs (admins): merge one with the next, split one in two."""

from __future__ import annotations

from flask_login import current_user

from .. import layout
from ..access import get_admin_document
from ..errors import Invalid
from . import bp, json_object, optional_object


@bp.post("/documents/<int:document_id>/paragraphs/<int:index>/merge")
def merge_paragraphs(document_id: int, index: int):
    document = get_admin_document(document_id, current_user)
    body = optional_object()
    unknown = set(body) - {"separator"}
    if unknown:
        raise Invalid(f"Unknown field '{sorted(unknown)[0]}'; allowed: separator.",
                      sorted(unknown)[0])
    return layout.merge_paragraphs(document, index, current_user,
                                   body.get("separator", "space"))


@bp.post("/documents/<int:document_id>/paragraphs/<int:index>/split")
def split_paragraph(document_id: int, index: int):
    document = get_admin_document(document_id, current_user)
    body = json_object()
    unknown = set(body) - {"at"}
    if unknown or "at" not in body:
        raise Invalid('Send {"at": N}: the code point where the paragraph is cut.', "at")
    return layout.split_paragraph(document, index, body["at"], current_user)
