"""Parsed documents as the lines of PostgreSQL's ``COPY ... FROM STDIN`` text, made ahead of
the writing: by the process or thread that parses them (``ahead.py``), so that the writer only
puts each row's ids in front and its timestamps behind and sends the bytes.

A line holds the columns between the leading ids (a document's id, a reviewer's id: known
only when the document is written) and the trailing timestamps (the import's, added by the
writer). In COPY text a value's backslash, tab, newline and carriage return are escaped
(``copy_text``), so that a raw newline only ever ends a row: that is what lets the writer
place the ids and the timestamps on every line of a block with one ``bytes.replace``
(``placed``).

The columns, in the writer's COPY statements (``writer.py``):

- paragraphs: ``document_id`` | ``position, text``
- annotations: ``document_id, reviewer_id`` | ``paragraph_index, start, end, label,
  attributes, note`` | ``created_at, updated_at``
"""

from __future__ import annotations

from .parsed import CopyLines, ParsedDocument, ParsedReview

# The annotation columns of a span line, between the ids and the timestamps.
SPAN_LINE_COLUMNS = ("paragraph_index", "start", "end", "label", "attributes", "note")


def copy_text(value: str) -> str:
    """``value`` as a COPY text column: backslash, tab, newline and carriage return escaped
    (a NUL cannot come here: ``inputs.text_fault`` refuses it)."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return (value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
                .replace("\r", "\\r"))
    return value


def paragraph_lines(doc: ParsedDocument) -> CopyLines:
    """The document's paragraphs: ``position, text`` per line."""
    if doc.paragraph_lines is not None:
        return doc.paragraph_lines
    text = "".join(f"{i}\t{copy_text(p)}\n" for i, p in enumerate(doc.paragraphs))
    return CopyLines(text.encode(), len(doc.paragraphs), frozenset())


def span_lines(review: ParsedReview, encode_json) -> CopyLines:
    """The review's annotations: ``paragraph_index, start, end, label, attributes, note`` per
    line (``encode_json``: the JSON text of the attributes, as the writer stores it)."""
    if review.span_lines is not None:
        return review.span_lines
    lines = []
    for s in review.annotations:
        attributes = encode_json(s.attributes)
        if "\\" in attributes:  # JSON's own escapes (ASCII only: no tab or newline is left)
            attributes = attributes.replace("\\", "\\\\")
        lines.append(f"{s.paragraph}\t{s.start}\t{s.end}\t{copy_text(s.label)}\t{attributes}"
                     f"\t{copy_text(s.note)}\n")
    return CopyLines("".join(lines).encode(), len(lines),
                     frozenset(s.paragraph for s in review.annotations))


def pack(doc: ParsedDocument, encode_json) -> ParsedDocument:
    """``doc`` with its paragraphs and annotations made into COPY lines (the annotations'
    list emptied: the lines stand for it), for a writer on PostgreSQL."""
    doc.paragraph_lines = paragraph_lines(doc)
    for review in doc.reviews:
        review.span_lines = span_lines(review, encode_json)
        review.annotations = []
    return doc


def placed(lines: bytes, before: bytes, after: bytes = b"") -> bytes:
    """Every line of ``lines`` with ``before`` in front and ``after`` behind (``before``: the
    ids and a tab; ``after``: a tab and the timestamps)."""
    if not lines:
        return b""
    return before + lines[:-1].replace(b"\n", after + b"\n" + before) + after + b"\n"
