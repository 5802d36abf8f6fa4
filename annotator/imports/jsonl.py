"""Documents JSONL (INTERFACE.md, "Documents JSONL"): one document per line, with its
paragraphs (or its whole text), and optionally its reviews and gold; also what ``export
--format jsonl`` writes, which imports back as the same documents, reviews and gold.

A file whose first document looks like a doccano line is read as doccano (doccano.py).
Files are read line by line (``iter_jsonl``), so that a large one is never held whole.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from .. import inputs
from ..codebook import Codebook
from ..database import gc_paused
from ..errors import DomainError, ImportFailed
from ..spans import clean_provenance
from .doccano import looks_like_doccano, parse_doccano_object
from .paragraphs import split_paragraphs
from .parsed import (
    GOLD,
    MAX_TITLE,
    SPAN_KEYS,
    ParsedDocument,
    ParsedReview,
    check_reviewer_name,
    optional_text,
    parse_date,
    parse_span,
    parse_url,
    whole_int,
)
from .text import text_lines

JSONL_SUFFIXES = (".jsonl", ".ndjson")
DOCUMENT_KEYS = {
    "title", "source", "url", "published", "meta", "external_id", "paragraphs", "text",
    "reviews", "gold", "gold_answers",
    # Written by our own export; accepted and ignored on the way back in.
    "id", "project",
}
REVIEW_KEYS = {"reviewer", "status", "reviewed_paragraphs", "annotations", "answers"}


def parse_document_object(obj: Any, codebook: Codebook, where: str) -> ParsedDocument:
    """One document of the documents JSONL format (INTERFACE.md)."""
    if not isinstance(obj, dict):
        raise ImportFailed(f"{where}: each line must be a JSON object (a document).")
    unknown = set(obj) - DOCUMENT_KEYS
    if unknown:
        raise ImportFailed(f"{where}: unknown field {sorted(unknown)[0]!r}; a document has "
                           f"{', '.join(sorted(DOCUMENT_KEYS - {'id', 'project'}))}.")
    if "paragraphs" in obj:
        if "text" in obj:
            raise ImportFailed(f"{where}: give either paragraphs or text, not both.")
        paragraphs = obj["paragraphs"]
        if not isinstance(paragraphs, list) or not paragraphs:
            raise ImportFailed(f"{where}: paragraphs must be a non-empty list of strings.")
        for i, p in enumerate(paragraphs):
            if not isinstance(p, str):
                raise ImportFailed(f"{where}: paragraph {i} is not a string.")
            if not p.strip():
                raise ImportFailed(f"{where}: paragraph {i} is empty or white space only.")
            if "\x00" in p:
                raise ImportFailed(f"{where}: paragraph {i} contains a NUL character.")
    elif "text" in obj:
        if not isinstance(obj["text"], str):
            raise ImportFailed(f"{where}: text must be a string.")
        if "\x00" in obj["text"]:
            raise ImportFailed(f"{where}: text contains a NUL character.")
        paragraphs = split_paragraphs(obj["text"])
        if not paragraphs:
            raise ImportFailed(f"{where}: text is empty.")
    else:
        raise ImportFailed(f"{where}: the document has neither paragraphs nor text.")

    title = obj.get("title")
    if title is not None and not isinstance(title, str):
        raise ImportFailed(f"{where}: title must be text.")
    title = " ".join((title or "").split())
    if not title:
        title = str(obj.get("external_id") or where)
    meta = obj.get("meta") or {}
    if not isinstance(meta, dict):
        raise ImportFailed(f"{where}: meta must be an object.")
    external_id = obj.get("external_id")
    if isinstance(external_id, int) and not isinstance(external_id, bool):
        external_id = str(external_id)

    doc = ParsedDocument(
        title=title[:MAX_TITLE],
        paragraphs=list(paragraphs),
        origin=where,
        source=optional_text(obj.get("source"), "source", where, 200),
        url=parse_url(obj.get("url"), where),
        published=parse_date(obj.get("published"), where),
        meta=meta,
        external_id=optional_text(external_id, "external_id", where, 200),
    )

    reviews = obj.get("reviews") or []
    if not isinstance(reviews, list):
        raise ImportFailed(f"{where}: reviews must be a list.")
    seen_reviewers: set[str] = set()
    for r_index, review in enumerate(reviews):
        r_where = f"{where}, review {r_index + 1}"
        if not isinstance(review, dict):
            raise ImportFailed(f"{r_where}: a review must be an object.")
        unknown = set(review) - REVIEW_KEYS
        if unknown:
            raise ImportFailed(f"{r_where}: unknown review field {sorted(unknown)[0]!r}.")
        name = check_reviewer_name(review.get("reviewer"), r_where)
        if name.lower() == GOLD:
            raise ImportFailed(f"{r_where}: 'gold' is not a reviewer; put adjudicated spans "
                               f"in the document's \"gold\" list.")
        if name.lower() in seen_reviewers:
            raise ImportFailed(f"{r_where}: reviewer '{name}' has two reviews of this document.")
        seen_reviewers.add(name.lower())
        r_where = f"{where}, reviewer {name}"
        status = review.get("status", "in_progress")
        if status not in ("in_progress", "submitted"):
            raise ImportFailed(f"{r_where}: status must be in_progress or submitted "
                               f"(got {json.dumps(status, ensure_ascii=False)}).")
        reviewed = review.get("reviewed_paragraphs") or []
        if not isinstance(reviewed, list):
            raise ImportFailed(f"{r_where}: reviewed_paragraphs must be a list.")
        for p in reviewed:
            whole_int(p, "each of reviewed_paragraphs", r_where)
            if not 0 <= p < len(paragraphs):
                raise ImportFailed(f"{r_where}: reviewed paragraph {p} does not exist.")
        if status == "submitted":
            # Submitting a document reviews every paragraph of it.
            reviewed = list(range(len(paragraphs)))
        spans = review.get("annotations") or []
        if not isinstance(spans, list):
            raise ImportFailed(f"{r_where}: annotations must be a list.")
        doc.reviews.append(ParsedReview(
            reviewer=name,
            status=status,
            reviewed_paragraphs=sorted(set(reviewed)),
            annotations=[
                parse_span(s, paragraphs, codebook, f"{r_where}, span {i + 1}")
                for i, s in enumerate(spans)
            ],
            answers=_answers(review.get("answers"), codebook, r_where),
        ))
    gold = obj.get("gold") or []
    if not isinstance(gold, list):
        raise ImportFailed(f"{where}: gold must be a list.")
    doc.gold = [
        parse_span(s, paragraphs, codebook, f"{where}, gold span {i + 1}", gold=True)
        for i, s in enumerate(gold)
    ]
    doc.gold_answers = _gold_answers(obj.get("gold_answers"), codebook, where)
    return doc


# Fields taken without a look at their value (our export writes them).
IGNORED_DOCUMENT_KEYS = ("id", "project")
IGNORED_SPAN_KEYS = SPAN_KEYS - {"paragraph", "start", "end", "label", "text", "attributes",
                                 "note"}


def _document(obj: Any, codebook: Codebook, where: str) -> ParsedDocument:
    """``parse_document_object``, with the line held to ``inputs.MAX_DEPTH`` levels of
    nesting as ``inputs.loads`` would hold it, without a walk of every span: what the checks
    take they give a type that cannot be nested deeper (a span is a flat object at level 5,
    its attributes' values text, true or false or a list of text), so that a line nested too
    deep fails them, and is then found too deep (the message ``loads`` gives, whatever the
    check said; the checks' own messages are safe for values nested as deep as ``json.loads``
    can take); what they keep or skip unlooked-at, the meta and the fields ignored, is
    walked."""
    try:
        doc = parse_document_object(obj, codebook, where)
    except Exception:
        inputs.refuse_too_deep(obj, where, ImportFailed)
        raise
    for key in ("meta", *IGNORED_DOCUMENT_KEYS):
        inputs.refuse_too_deep(obj.get(key), where, ImportFailed, level=2)
    for spans, level in (*((r.get("annotations") or [], 5) for r in obj.get("reviews") or []),
                         (obj.get("gold") or [], 3)):
        for span in spans:
            if not IGNORED_SPAN_KEYS.isdisjoint(span):
                for key in IGNORED_SPAN_KEYS.intersection(span):
                    inputs.refuse_too_deep(span[key], where, ImportFailed, level=level + 1)
    return doc


def _answers(answers: Any, codebook: Codebook, where: str) -> dict[str, Any]:
    """A review's answers to the article-level questions, checked as the API checks them
    (imports do not ask for the required ones: they carry what there is)."""
    if answers is None:
        return {}
    try:
        return codebook.clean_answers(answers)
    except DomainError as exc:
        raise ImportFailed(f"{where}: answers: {exc.message}") from None


def _gold_answers(gold: Any, codebook: Codebook, where: str) -> dict[str, tuple[Any, str]]:
    """``{"question": {"value": …, "provenance": …}}`` as the export writes it."""
    if gold is None:
        return {}
    if not isinstance(gold, dict):
        raise ImportFailed(f"{where}: gold_answers must be an object of questions.")
    found = {}
    for key, item in gold.items():
        if not isinstance(item, dict) or set(item) - {"value", "provenance"} \
                or "value" not in item:
            raise ImportFailed(f"{where}: gold answer {key!r} must be "
                               f'{{"value": …, "provenance": …}}.')
        try:
            value = codebook.clean_answers({key: item["value"]}).get(key)
            provenance = clean_provenance(item.get("provenance") or "imported",
                                          f"gold answer {key!r}")
        except DomainError as exc:
            raise ImportFailed(f"{where}: gold answers: {exc.message}") from None
        if value is not None:
            found[key] = (value, provenance)
    return found


class Share:
    """The documents one of ``count`` readers of the same JSONL files parses: the ``index``-th
    of every ``count`` (counted across the files), the others left to the other readers
    (``ahead.read_ahead``: processes reading in parallel, their documents merged in order)."""

    def __init__(self, index: int, count: int):
        self.index, self.count, self.seen = index, count, 0

    def take(self) -> bool:
        """Whether the next document is this reader's."""
        mine = self.seen % self.count == self.index
        self.seen += 1
        return mine


# What a reader with a ``Share`` gives for another reader's document.
NOT_MINE = None


def iter_jsonl(
    lines: Iterable[bytes], name: str, codebook: Codebook, reviewer: str | None = None,
    share: Share | None = None,
) -> Iterator[ParsedDocument | None]:
    """The documents of a JSONL file given as its lines of bytes (an open binary file, say),
    one at a time: what ``parse_jsonl`` returns, without holding the file or its documents.
    With ``share``, another reader's document is ``NOT_MINE`` and not parsed (its line is
    still read as text: an encoding fault there stops every reader at the same line)."""
    doccano: bool | None = None
    for number, line in text_lines(lines, name):
        if not line.strip():
            continue
        mine = share is None or share.take()
        if not mine and doccano is not None:
            yield NOT_MINE
            continue
        where = f"{name}, line {number}"
        try:
            # No NUL or lone surrogate in any string (text_lines decoded the line strictly
            # as UTF-8); at most inputs.MAX_DEPTH levels deep, which ``_document`` sees to.
            obj = inputs.loads(line, where=where, error=ImportFailed, decoded=True,
                               check_depth=False)
        except json.JSONDecodeError as exc:
            raise ImportFailed(
                f"{where}: not valid JSON ({exc.msg} at column {exc.colno})."
            ) from None
        if doccano is None:
            doccano = looks_like_doccano(obj)
            if doccano and reviewer is None:
                raise ImportFailed(
                    f"{where}: this looks like a doccano export (a text with its labels), which "
                    f"holds one reviewer's spans; name the reviewer with --reviewer NAME."
                )
            if doccano:
                check_reviewer_name(reviewer, name)
        if not mine:  # the first document: parsed by every reader, for the file's kind
            yield NOT_MINE
        elif doccano:
            inputs.refuse_too_deep(obj, where, ImportFailed)
            yield parse_doccano_object(obj, codebook, where, reviewer)
        else:
            yield _document(obj, codebook, where)
    if doccano is None:
        raise ImportFailed(f"{name}: the file holds no documents.")


def parse_jsonl(
    data: bytes, name: str, codebook: Codebook, reviewer: str | None = None
) -> list[ParsedDocument]:
    """Documents JSONL, or a doccano export when its first object looks like one (a text with
    label or entities, no paragraphs or reviews): doccano files hold one reviewer's spans, and
    ``reviewer`` names that reviewer (it is required for them, and unused for documents)."""
    with gc_paused():
        return list(iter_jsonl(io.BytesIO(data), name, codebook, reviewer))

