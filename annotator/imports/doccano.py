"""doccano JSONL: one line per document, a text with one reviewer's spans as offsets into it.

``{"text", "label": [[start, end, "label"], ...]}`` or doccano's newer ``{"text", "entities":
[{"start_offset", "end_offset", "label"}]}`` (also what ``export --format doccano`` writes).
A file holds one reviewer's spans, named on the command line (``--reviewer``); the text is
split into paragraphs as plain text is, and each span must lie within one paragraph.
"""

from __future__ import annotations

import json
from typing import Any

from ..codebook import Codebook
from ..errors import ImportFailed
from .paragraphs import ParagraphMap, locate_span
from .parsed import GOLD, MAX_TITLE, ParsedDocument, ParsedReview, parse_span, whole_int

DOCCANO_KEYS = {"text", "label", "entities", "relations", "comments", "Comments", "meta", "title",
                # Written by our own export (and by doccano); only "reviewer" is checked.
                "id", "document_id", "reviewer"}


def looks_like_doccano(obj: Any) -> bool:
    """A doccano sequence-labelling line (a text and its spans), not one of our documents."""
    return (isinstance(obj, dict) and "text" in obj and ("label" in obj or "entities" in obj)
            and "paragraphs" not in obj and "reviews" not in obj)


def _title_from(paragraph: str, limit: int = 80) -> str:
    line = " ".join(paragraph.split("\n", 1)[0].split())
    return line if len(line) <= limit else line[:limit - 1].rstrip() + "…"


def parse_doccano_object(
    obj: Any, codebook: Codebook, where: str, reviewer: str
) -> ParsedDocument:
    """One line of a doccano sequence-labelling export: ``{"text", "label": [[start, end,
    label], ...]}`` or doccano's newer ``{"text", "entities": [{"start_offset", "end_offset",
    "label"}]}``, holding the spans of one reviewer (named on the command line).

    The text is split into paragraphs as plain text is; each span, given by offsets into the
    whole text, must lie within one paragraph. The review is "submitted" (doccano keeps no
    progress of ours). ``title``, as our export writes it, becomes the title; otherwise the
    first line of the text does.
    """
    if not isinstance(obj, dict):
        raise ImportFailed(f"{where}: each line must be a JSON object.")
    unknown = set(obj) - DOCCANO_KEYS
    if unknown:
        raise ImportFailed(
            f"{where}: unknown field {sorted(unknown)[0]!r}; a doccano line has text and label "
            f"(or entities)."
        )
    text = obj.get("text")
    if not isinstance(text, str):
        raise ImportFailed(f"{where}: text must be a string.")
    if "\x00" in text:
        raise ImportFailed(f"{where}: text contains a NUL character.")
    named = obj.get("reviewer")
    if named is not None and (not isinstance(named, str) or named.lower() != reviewer.lower()):
        raise ImportFailed(
            f"{where}: the line is by reviewer {json.dumps(named, ensure_ascii=False)} (its "
            f"\"reviewer\" field), not '{reviewer}'; import one file per reviewer, each with "
            f"its --reviewer."
        )
    for key in ("relations", "comments", "Comments"):
        if obj.get(key):
            raise ImportFailed(
                f"{where}: {key} cannot be imported (the annotator keeps spans only); export "
                f"without them or remove them."
            )
    if "label" in obj and "entities" in obj:
        raise ImportFailed(f"{where}: give either label or entities, not both.")
    raw: list[tuple[Any, Any, Any]] = []
    if "entities" in obj:
        items = obj["entities"]
        if not isinstance(items, list):
            raise ImportFailed(f"{where}: entities must be a list.")
        for i, item in enumerate(items, start=1):
            if not isinstance(item, dict) or not {"start_offset", "end_offset", "label"} <= \
                    set(item):
                raise ImportFailed(
                    f"{where}, span {i}: an entity must be an object with start_offset, "
                    f"end_offset and label."
                )
            raw.append((item["start_offset"], item["end_offset"], item["label"]))
    else:
        items = obj["label"]
        if not isinstance(items, list):
            raise ImportFailed(f"{where}: label must be a list of [start, end, \"label\"].")
        for i, item in enumerate(items, start=1):
            if not isinstance(item, list) or len(item) != 3:
                raise ImportFailed(
                    f"{where}, span {i}: each label must be [start, end, \"label\"] (got "
                    f"{json.dumps(item, ensure_ascii=False)[:80]})."
                )
            raw.append(tuple(item))
    pmap = ParagraphMap.of(text)
    if not pmap.paragraphs:
        raise ImportFailed(f"{where}: text is empty.")
    spans = []
    for i, (start, end, label) in enumerate(raw, start=1):
        s_where = f"{where}, span {i}"
        start = whole_int(start, "start", s_where)
        end = whole_int(end, "end", s_where)
        paragraph, p_start, p_end = locate_span(pmap, start, end, label, s_where)
        spans.append(parse_span({"paragraph": paragraph, "start": p_start, "end": p_end,
                                 "label": label}, pmap.paragraphs, codebook, s_where))
    title = obj.get("title")
    if title is not None and not isinstance(title, str):
        raise ImportFailed(f"{where}: title must be text.")
    title = " ".join((title or "").split()) or _title_from(pmap.paragraphs[0])
    meta = obj.get("meta") or {}
    if not isinstance(meta, dict):
        raise ImportFailed(f"{where}: meta must be an object.")
    if reviewer.lower() == GOLD:
        # "--reviewer gold" (as our doccano export names the gold lines): the gold spans.
        for span in spans:
            span.provenance = "imported"
        return ParsedDocument(title=title[:MAX_TITLE], paragraphs=pmap.paragraphs,
                              origin=where, meta=meta, gold=spans)
    return ParsedDocument(
        title=title[:MAX_TITLE],
        paragraphs=pmap.paragraphs,
        origin=where,
        meta=meta,
        reviews=[ParsedReview(reviewer, "submitted", list(range(len(pmap.paragraphs))), spans)],
    )

