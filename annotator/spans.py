"""A span's checks and its one serialiser, shared by reviewers' spans, gold and imports.

The checks take plain data and raise ``Invalid`` (or ``BadRequest`` for a body of the wrong
shape) with one sentence naming the field at fault; ``where`` ("gold span 3", "alice.jsonl,
line 2, span 1") is put before the sentence when the value comes from a list or a file.

Offsets are Unicode code points into one paragraph, half-open: ``0 <= start < end <= len(text)``
(INTERFACE.md, "Words").
"""

from __future__ import annotations

from typing import Any

from .errors import BadRequest, Invalid
from .extensions import db
from .inputs import MAX_INT, text_fault  # noqa: F401 (MAX_INT: also taken from here)
from .models import Annotation, Document, GoldSpan, Paragraph

MAX_NOTE = 10000
MAX_CLIENT_ID = 100
MAX_PROVENANCE = 100
PLACE_FIELDS = ("paragraph", "start", "end", "label")


def _at(where: str | None, message: str) -> str:
    """``message`` after ``where`` ("gold span 2: note is longer than ...")."""
    return f"{where}: {message}" if where else message


# --- checks -------------------------------------------------------------------------------------

def require_object(payload: Any, allowed: set[str] | frozenset[str], where: str | None = None
                   ) -> dict:
    """``payload`` as a dict holding no field outside ``allowed``."""
    if not isinstance(payload, dict):
        raise BadRequest(_at(where, "must be an object.") if where
                         else "The request body must be a JSON object.")
    unknown = set(payload) - allowed
    if unknown:
        name = sorted(unknown)[0]
        if where:
            raise Invalid(f"{where}: unknown field '{name}'.", name)
        raise Invalid(f"Unknown field '{name}'; allowed: {', '.join(sorted(allowed))}.", name)
    return payload


def require_fields(payload: dict, keys: tuple[str, ...] = PLACE_FIELDS,
                   where: str | None = None) -> None:
    for key in keys:
        if key not in payload:
            raise Invalid(_at(where, f"{key} is required."), key)


def whole_number(payload: dict, key: str, where: str | None = None) -> int:
    value = payload.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(_at(where, f"{key} must be a whole number."), key)
    return value


def check_offsets(document: Document, paragraph: int, start: int, end: int) -> str:
    """The paragraph's text, once the paragraph and the offsets are known to fit in it."""
    return check_offsets_in(document.id, document.paragraph_count, paragraph, start, end)


def has_paragraphs(count: int) -> str:
    """"the document has 3 paragraphs, numbered from 0" (for messages about a paragraph
    that is not there); one paragraph is "numbered 0"."""
    if count == 1:
        return "the document has 1 paragraph, numbered 0"
    return f"the document has {count} paragraphs, numbered from 0"


def check_offsets_in(document_id: int, paragraph_count: int, paragraph: int, start: int,
                     end: int, text: str | None = None, where: str | None = None) -> str:
    """``check_offsets`` on facts at hand: the paragraph's ``text`` when already read."""
    if not 0 <= paragraph < paragraph_count:
        raise Invalid(_at(where,
                          f"Paragraph {paragraph} does not exist; "
                          f"{has_paragraphs(paragraph_count)}."), "paragraph")
    if text is None:
        text = db.session.get(Paragraph, (document_id, paragraph)).text
    if not 0 <= start < len(text):
        raise Invalid(_at(where,
                          f"start {start} is outside paragraph {paragraph}, which has "
                          f"{len(text)} characters (offsets count Unicode code points)."),
                      "start")
    if not start < end <= len(text):
        raise Invalid(_at(where,
                          f"end {end} must be after start {start} and at most {len(text)}, "
                          f"the length of paragraph {paragraph} in Unicode code points."),
                      "end")
    return text


def check_text(payload: dict, text: str, paragraph: int, start: int, end: int,
               where: str | None = None) -> None:
    """A span's ``text``, when given, must be the paragraph's text at its offsets."""
    if "text" in payload and payload["text"] != text[start:end]:
        raise Invalid(_at(where, f"text does not match paragraph {paragraph} at "
                                 f"{start}-{end}."), "text")


def clean_note(note: Any, where: str | None = None) -> str:
    if note is None:
        return ""
    if not isinstance(note, str):
        raise Invalid(_at(where, "note must be text."), "note")
    if len(note) > MAX_NOTE:
        raise Invalid(_at(where, f"note is longer than {MAX_NOTE} characters."), "note")
    if fault := text_fault(note):
        raise Invalid(_at(where, f"note {fault}."), "note")
    return note


def clean_client_id(client_id: Any) -> str | None:
    if client_id is None:
        return None
    if not isinstance(client_id, str) or not 0 < len(client_id) <= MAX_CLIENT_ID:
        raise Invalid(f"client_id must be text of 1 to {MAX_CLIENT_ID} characters.",
                      "client_id")
    if fault := text_fault(client_id):
        raise Invalid(f"client_id {fault}.", "client_id")
    return client_id


def clean_provenance(provenance: Any, where: str | None = None) -> str:
    if not isinstance(provenance, str) or not provenance or len(provenance) > MAX_PROVENANCE:
        raise Invalid(_at(where, f"provenance must be text of 1 to {MAX_PROVENANCE} "
                                 f"characters."), "provenance")
    if fault := text_fault(provenance):
        raise Invalid(_at(where, f"provenance {fault}."), "provenance")
    return provenance


# --- the one serialiser -------------------------------------------------------------------------

def span_body(span: Any, span_text: str, reviewer: str | None = None) -> dict:
    """A span as the API answers it. ``span`` is an ``Annotation`` or ``GoldSpan`` or a row of
    their columns, ``span_text`` its text. A reviewer's span (``reviewer`` given) carries its
    reviewer, ``client_id``, ``origin`` (None, or ``suggestion:RULE``) and times; a gold span
    its ``provenance``."""
    body = {
        "id": span.id,
        "document_id": span.document_id,
        "paragraph": span.paragraph_index,
        "start": span.start,
        "end": span.end,
        "label": span.label,
        "text": span_text,
        "attributes": span.attributes or {},
        "note": span.note or "",
    }
    if reviewer is None:
        body["provenance"] = span.provenance
    else:
        body["reviewer"] = reviewer
        body["client_id"] = span.client_id
        body["origin"] = span.origin
        body["created_at"] = iso(span.created_at)
        body["updated_at"] = iso(span.updated_at)
    return body


def span_dict(span: Annotation | GoldSpan | Any, paragraph_text: str,
              reviewer: str | None = None) -> dict:
    """``span_body`` with the span's text cut out of its paragraph's text; an ``Annotation``
    without ``reviewer`` names its own."""
    if reviewer is None and isinstance(span, Annotation):
        reviewer = span.reviewer.username
    return span_body(span, paragraph_text[span.start:span.end], reviewer)


def iso(value) -> str | None:
    """A stored time in ISO 8601, UTC, with a ``Z``."""
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite hands back naive UTC
        return value.isoformat() + "Z"
    return value.isoformat().replace("+00:00", "Z")
