"""Parsed documents as rows of PostgreSQL's ``COPY ... FROM STDIN``, made ahead of the
writing: by the process or thread that parses them (``ahead.py``), so that the writer only
puts each row's ids and timestamps in front and sends the bytes.

The rows are made without the columns known only when the document is written (its id, the
reviewer's id) and the import's timestamps; the writer adds them to every row of a block at
once (C-level ``bytes`` operations, no Python per row):

- paragraphs, in COPY's text format: a line ``position, text`` per paragraph, the writer
  putting ``document_id`` in front (``placed``). A value's backslash, tab, newline and
  carriage return are escaped (``copy_text``), so that a raw newline only ever ends a row,
  which is what lets one ``bytes.replace`` place the id on every line;
- spans (annotations) and marks (reviewed paragraphs), in COPY's binary format (the server's
  share of an import is mostly the spans; read in binary it skips parsing their numbers and
  timestamps, a sixth of its time for them, measured): per span the fields
  ``paragraph_index, start, end, label, attributes, note``, per mark ``paragraph_index``,
  the writer joining them with the fields in front that every row of a review shares
  (``span_prefix``: ``created_at, updated_at, document_id, reviewer_id``; ``mark_prefix``).
  Binary text fields are UTF-8 and need a UTF-8 connection (``database.copy_rows_ok``).
"""

from __future__ import annotations

import datetime as dt
import struct
from collections.abc import Callable
from typing import Any

from .parsed import CopyRows, ParsedDocument, ParsedReview

# The annotation columns of a span's binary row, after those ``span_prefix`` gives.
SPAN_ROW_COLUMNS = ("paragraph_index", "start", "end", "label", "attributes", "note")
SPAN_PREFIX_COLUMNS = ("created_at", "updated_at", "document_id", "reviewer_id")
# A mark's (a reviewed paragraph's) binary row: these fields, then ``paragraph_index``.
MARK_PREFIX_COLUMNS = ("created_at", "document_id", "reviewer_id")

# COPY's binary rows (its header and end marker: ``database.copy_rows``): a field count, then
# each field as its length and its bytes (integers: 4 bytes, timestamps: 8, microseconds
# since 2000, big-endian; jsonb: a version byte, 1, and the JSON text).
_PLACE = struct.Struct("!iiiiii")  # 3 integers as fields
_JSONB = struct.Struct("!ib")  # the attributes' length and jsonb's version byte
_LENGTH = struct.Struct("!i")
_PREFIX = struct.Struct("!hiqiqiiii")
_MARK_PREFIX = struct.Struct("!hiqiiii")
_INTEGER = struct.Struct("!ii")
_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # PostgreSQL's timestamps count from here


def copy_text(value: str) -> str:
    """``value`` as a COPY text column: backslash, tab, newline and carriage return escaped
    (a NUL cannot come here: ``inputs.text_fault`` refuses it)."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return (value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
                .replace("\r", "\\r"))
    return value


def paragraph_lines(doc: ParsedDocument) -> CopyRows:
    """The document's paragraphs: ``position, text`` per line, COPY text."""
    if doc.paragraph_lines is not None:
        return doc.paragraph_lines
    text = "".join(f"{i}\t{copy_text(p)}\n" for i, p in enumerate(doc.paragraphs))
    return CopyRows(text.encode(), len(doc.paragraphs), frozenset())


class AttributeText:
    """A span's attributes as the UTF-8 JSON text ``encode_json`` writes for them, made of the
    text of each attribute and its value, kept for the next span that has them (a codebook's
    choices, the names of the sources quoted, come again and again: 60 % of the encoder's
    time on the benchmark's corpus; text written anew costs what the encoder costs). At most
    ``limit`` attributes and values are kept (then forgotten, all at once); a value other
    than text is left to the encoder."""

    def __init__(self, encode_json: Callable[[Any], str], limit: int = 10_000):
        self.encode_json, self.limit = encode_json, limit
        self.pairs: dict[tuple[str, Any], bytes] = {}

    def __call__(self, attributes: dict[str, Any]) -> bytes:
        if not attributes:
            return b"{}"
        pairs, parts = self.pairs, []
        for pair in attributes.items():
            try:
                part = pairs.get(pair)
            except TypeError:  # a list of choices, not hashable
                return self.encode_json(attributes).encode()
            if part is None:
                if pair[1].__class__ is not str:
                    return self.encode_json(attributes).encode()
                if len(pairs) >= self.limit:
                    pairs.clear()
                part = pairs[pair] = self.encode_json(dict((pair,)))[1:-1].encode()
            parts.append(part)
        return b"{%b}" % b", ".join(parts)


def span_rows(review: ParsedReview, attribute_text: Callable[[dict[str, Any]], bytes]
              ) -> CopyRows:
    """The review's annotations as binary rows without their first fields
    (``SPAN_ROW_COLUMNS``), one ``bytes`` each (``attribute_text``: the attributes' JSON text,
    as the writer stores it, an ``AttributeText``)."""
    if review.span_rows is not None:
        return review.span_rows
    place, jsonb, length = _PLACE.pack, _JSONB.pack, _LENGTH.pack
    labels: dict[str, bytes] = {}  # a label's field
    no_note = length(0)
    rows = []
    for s in review.annotations:
        label = labels.get(s.label)
        if label is None:
            text = s.label.encode()
            label = labels[s.label] = length(len(text)) + text
        attributes = attribute_text(s.attributes)
        note = s.note.encode()
        rows.append(b"%b%b%b%b%b" % (place(4, s.paragraph, 4, s.start, 4, s.end), label,
                                     jsonb(len(attributes) + 1, 1), attributes,
                                     length(len(note)) + note if note else no_note))
    return CopyRows(rows, len(rows), frozenset(s.paragraph for s in review.annotations))


def pack(doc: ParsedDocument, attribute_text: Callable[[dict[str, Any]], bytes]
         ) -> ParsedDocument:
    """``doc`` with its paragraphs, annotations and reviewed paragraphs made into COPY rows
    (the annotations' list emptied: the rows stand for it) and its content hash taken, for a
    writer on PostgreSQL."""
    doc.paragraph_lines = paragraph_lines(doc)
    doc.hashed = doc.content_hash
    for review in doc.reviews:
        review.span_rows = span_rows(review, attribute_text)
        review.mark_rows = mark_rows(review)
        review.annotations = []
    return doc


def placed(lines: bytes, before: bytes) -> bytes:
    """Every line of COPY text ``lines`` with ``before`` (the ids and a tab) in front."""
    if not lines:
        return b""
    return before + lines[:-1].replace(b"\n", b"\n" + before) + b"\n"


def span_prefix(stamp: int, document_id: int, reviewer_id: int) -> bytes:
    """The first fields of a span's binary row (``SPAN_PREFIX_COLUMNS``), its field count
    before them; ``stamp``: the import's time as ``binary_time`` gives it."""
    return _PREFIX.pack(len(SPAN_PREFIX_COLUMNS) + len(SPAN_ROW_COLUMNS), 8, stamp, 8,
                        stamp, 4, document_id, 4, reviewer_id)


def mark_prefix(stamp: int, document_id: int, reviewer_id: int) -> bytes:
    """The first fields of a mark's binary row (``MARK_PREFIX_COLUMNS``), its field count
    before them."""
    return _MARK_PREFIX.pack(len(MARK_PREFIX_COLUMNS) + 1, 8, stamp, 4, document_id, 4,
                             reviewer_id)


def mark_rows(review: ParsedReview) -> CopyRows:
    """The review's reviewed paragraphs as binary rows without their first fields
    (``paragraph_index``), one ``bytes`` each."""
    if review.mark_rows is not None:
        return review.mark_rows
    marks, field = review.reviewed_paragraphs, _INTEGER.pack
    return CopyRows([field(4, p) for p in marks], len(marks), frozenset(marks))


def binary_time(stamp: dt.datetime) -> int:
    """A timestamp as binary COPY rows hold it: microseconds since 2000 (UTC)."""
    return (stamp - _EPOCH) // dt.timedelta(microseconds=1)


def joined(prefix: bytes, rows: list[bytes]) -> bytes:
    """Binary rows, each with ``prefix`` in front."""
    return prefix + prefix.join(rows) if rows else b""
