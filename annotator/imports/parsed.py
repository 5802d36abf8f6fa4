"""What parsing makes of a file, and the checks that every format shares.

Each format (text.py, jsonl.py, doccano.py, brat.py) turns a file into ``ParsedDocument``
values, checked as far as they can be without the database; the writer (writer.py) stores
them. A span in any format is checked by ``parse_span``, against its paragraph's text and the
codebook; ``where`` ("alice.jsonl, line 2, reviewer alice, span 1") starts every message.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from ..accounts import USERNAME_RE
from ..codebook import Codebook
from ..errors import DomainError, ImportFailed
from ..spans import (
    PLACE_FIELDS,
    clean_note,
    clean_provenance,
    has_paragraphs,
    require_fields,
    require_object,
    whole_number,
)
from .paragraphs import content_hash

SPAN_KEYS = {"paragraph", "start", "end", "label", "text", "attributes", "note",
             "id", "client_id", "reviewer", "created_at", "updated_at"}
GOLD_KEYS = SPAN_KEYS | {"provenance"}
MAX_TITLE = 500
# Where a reviewer's name goes, this one stands for gold: brat's gold/ folder, doccano's
# --reviewer gold (as our exports write them); in documents JSONL it is refused as a reviewer.
GOLD = "gold"


def _pickled(cls: type) -> type:
    """``cls``, a slotted dataclass, pickled as the class and its fields, not through the
    ``__getstate__`` that ``dataclass`` writes for it (Python, looking the fields up each
    time: a fifth of the time of sending parsed documents from a reading process,
    ``ahead.py``, and of receiving them)."""
    fields_of = attrgetter(*cls.__slots__)

    def __reduce__(self):  # noqa: N807 (the name pickle looks for)
        return cls, fields_of(self)

    cls.__reduce__ = __reduce__
    return cls


@_pickled
@dataclass(slots=True)
class ParsedSpan:
    paragraph: int
    start: int
    end: int
    label: str
    attributes: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    provenance: str | None = None  # gold only


@_pickled
@dataclass(slots=True)
class CopyRows:
    """Rows of one table for PostgreSQL's COPY, made ahead of the writing (``copytext.py``),
    without the leading columns known only when the document is written: COPY text lines
    (paragraphs), or binary rows, one ``bytes`` each (spans, marks)."""

    data: bytes | list[bytes]
    count: int
    paragraphs: frozenset[int]  # the paragraphs the rows refer to (their foreign keys)


@_pickled
@dataclass(slots=True)
class ParsedReview:
    reviewer: str
    status: str
    reviewed_paragraphs: list[int]
    annotations: list[ParsedSpan]
    answers: dict[str, Any] = field(default_factory=dict)  # article-level questions
    # The annotations and the reviewed paragraphs as COPY rows (``copytext.pack``); the
    # first then stand for the list of annotations.
    span_rows: CopyRows | None = None
    mark_rows: CopyRows | None = None

    @property
    def span_count(self) -> int:
        return self.span_rows.count if self.span_rows is not None else len(self.annotations)


@_pickled
@dataclass(slots=True)
class ParsedDocument:
    title: str
    paragraphs: list[str]
    origin: str  # "file.jsonl, line 3": where the document came from, for messages
    source: str | None = None
    url: str | None = None
    published: dt.date | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    external_id: str | None = None
    reviews: list[ParsedReview] = field(default_factory=list)
    gold: list[ParsedSpan] = field(default_factory=list)
    # question -> (value, provenance): the adjudicated article-level answers
    gold_answers: dict[str, tuple[Any, str]] = field(default_factory=dict)
    # The paragraphs as COPY lines and their content hash, made ahead (``copytext.pack``).
    paragraph_lines: CopyRows | None = None
    hashed: str | None = None

    @property
    def has_gold(self) -> bool:
        return bool(self.gold or self.gold_answers)

    @property
    def content_hash(self) -> str:
        return self.hashed if self.hashed is not None else content_hash(self.paragraphs)

    @property
    def span_count(self) -> int:
        return sum(r.span_count for r in self.reviews) + len(self.gold)


def parse_date(value: Any, where: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            pass
    raise ImportFailed(
        f"{where}: published date {json.dumps(value, ensure_ascii=False)} is not a date "
        f"like 2021-07-26."
    )


def optional_text(value: Any, key: str, where: str, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ImportFailed(f"{where}: {key} must be text.")
    value = value.strip()
    if len(value) > limit:
        raise ImportFailed(f"{where}: {key} is longer than {limit} characters.")
    return value or None


def parse_url(value: Any, where: str) -> str | None:
    url = optional_text(value, "url", where, 2000)
    if url is not None and not re.match(r"^https?://[^\s]+$", url, re.IGNORECASE):
        raise ImportFailed(f"{where}: url must be an http:// or https:// address (got "
                           f"{json.dumps(url, ensure_ascii=False)[:80]}).")
    return url


def whole_int(value: Any, key: str, where: str) -> int:
    """``value`` when it is a whole number (the rule of ``spans.whole_number``)."""
    try:
        return whole_number({key: value}, key, where)
    except DomainError as exc:
        raise ImportFailed(exc.message) from None


def check_reviewer_name(name: Any, where: str) -> str:
    if not isinstance(name, str) or not USERNAME_RE.fullmatch(name):
        raise ImportFailed(
            f"{where}: reviewer must be a user name of letters, digits, '.', '_', '-' "
            f"or '@' (got {json.dumps(name, ensure_ascii=False)})."
        )
    return name


def parse_span(
    item: Any, paragraphs: Sequence[str], codebook: Codebook, where: str, gold: bool = False
) -> ParsedSpan:
    """One span of a JSONL review or gold list, checked against the text and the codebook.

    The rules are the API's (spans.py: fields, whole numbers, note, provenance; codebook.py:
    label and attributes), each fault an ``ImportFailed`` that starts with ``where``. Offsets
    and text are checked here, with messages that quote what the file says against the text.
    """
    keys = GOLD_KEYS if gold else SPAN_KEYS
    try:
        if type(item) is not dict or not keys.issuperset(item):  # else name the fault
            require_object(item, keys, where)
        require_fields(item, PLACE_FIELDS, where)
        paragraph, start, end = item["paragraph"], item["start"], item["end"]
        if not type(paragraph) is type(start) is type(end) is int:  # else name the fault
            paragraph = whole_number(item, "paragraph", where)
            start = whole_number(item, "start", where)
            end = whole_number(item, "end", where)
    except DomainError as exc:
        raise ImportFailed(exc.message) from None
    if not 0 <= paragraph < len(paragraphs):
        raise ImportFailed(
            f"{where}: paragraph {paragraph} does not exist "
            f"({has_paragraphs(len(paragraphs))})."
        )
    text = paragraphs[paragraph]
    if not 0 <= start < end <= len(text):
        raise ImportFailed(
            f"{where}: offsets {start}-{end} are out of range for paragraph {paragraph} "
            f"({len(text)} characters; 0 <= start < end <= length)."
        )
    if "text" in item and item["text"] != text[start:end]:
        raise ImportFailed(
            f"{where}: the span's text {json.dumps(item['text'], ensure_ascii=False)[:80]} does "
            f"not match paragraph {paragraph} at {start}-{end}, which reads "
            f"{json.dumps(text[start:end], ensure_ascii=False)[:80]}."
        )
    try:
        label = codebook.label(item["label"], where)
        attributes = codebook.clean_attributes(label, item.get("attributes"), where)
        note = item.get("note")
        note = "" if note is None or note == "" else clean_note(note, where)
        provenance = clean_provenance(item.get("provenance") or "imported", where) \
            if gold else None
    except DomainError as exc:
        raise ImportFailed(exc.message) from None
    return ParsedSpan(paragraph, start, end, label.key, attributes, note, provenance)
