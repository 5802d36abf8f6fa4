"""The paragraph rule of plain text, and the map from offsets into a whole text to paragraphs.

A text is split into paragraphs at blank lines (lines of white space only count as blank);
each is trimmed, inner line breaks kept, empty ones dropped (INTERFACE.md, "Plain text").
doccano and brat count offsets into a whole text; ``ParagraphMap`` splits that text exactly so
and maps a document-level span onto (paragraph, start, end), refusing spans that cross
paragraphs or lie between them.
"""

from __future__ import annotations

import hashlib
import json
import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import ImportFailed

BLANK_LINES = re.compile(r"\n(?:[^\S\n]*\n)+")


def content_hash(paragraphs: Sequence[str]) -> str:
    """SHA-256 of the paragraphs, each in UTF-8 and followed by a NUL byte."""
    return hashlib.sha256("\x00".join([*paragraphs, ""]).encode("utf-8")).hexdigest()


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs separated by blank lines (white space only), trimmed, empty ones dropped.

    Line endings are normalised to ``\\n`` first; inner line breaks are kept.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [p for p in (part.strip() for part in BLANK_LINES.split(text)) if p]


class SpanOutside(ValueError):
    """A document-level span that does not fit one paragraph; ``reason`` says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ParagraphMap:
    """A whole text split into paragraphs exactly as ``split_paragraphs`` splits it, with the
    offset where each paragraph starts, so that offsets into the whole text (doccano, brat)
    map onto (paragraph, start, end).

    Offsets count code points of the text as given. Line endings are normalised like plain
    text (``\\r\\n`` and ``\\r`` become ``\\n``), so inside a paragraph a ``\\r\\n`` counts as
    one character; a span may not begin or end between its ``\\r`` and its ``\\n``.
    """

    text: str  # as given
    normalised: str  # line endings normalised
    paragraphs: list[str]
    starts: list[int]  # where each paragraph starts in ``normalised``
    dropped: list[int]  # offsets in ``text`` of the "\n" of each "\r\n" (gone when normalised)

    @classmethod
    def of(cls, text: str) -> ParagraphMap:
        dropped = [m.start() + 1 for m in re.finditer("\r\n", text)]
        normalised = text.replace("\r\n", "\n").replace("\r", "\n")
        paragraphs, starts = [], []
        position = 0
        bounds = [(m.start(), m.end()) for m in BLANK_LINES.finditer(normalised)]
        for part_end, next_start in [*bounds, (len(normalised), len(normalised))]:
            part = normalised[position:part_end]
            stripped = part.strip()
            if stripped:
                paragraphs.append(stripped)
                starts.append(position + len(part) - len(part.lstrip()))
            position = next_start
        return cls(text, normalised, paragraphs, starts, dropped)

    def _normalised_offset(self, offset: int) -> int:
        before = bisect_left(self.dropped, offset)
        if before < len(self.dropped) and self.dropped[before] == offset:
            raise SpanOutside(f"offset {offset} falls inside a line break (between its \\r "
                              f"and \\n)")
        return offset - before

    def fragment(self, start: int, end: int) -> str:
        """The text between two offsets (line endings normalised)."""
        return self.normalised[self._normalised_offset(start):self._normalised_offset(end)]

    def check_range(self, start: int, end: int) -> None:
        if not 0 <= start < end <= len(self.text):
            raise SpanOutside(
                f"offsets {start}-{end} are out of range for the text ({len(self.text)} "
                f"characters; 0 <= start < end <= length)"
            )

    def locate(self, start: int, end: int) -> tuple[int, int, int]:
        """(paragraph, start, end) of a span given by offsets into the whole text, or
        ``SpanOutside`` when it is out of range, crosses paragraphs or lies between them."""
        self.check_range(start, end)
        begin, finish = self._normalised_offset(start), self._normalised_offset(end)
        count = len(self.paragraphs)
        index = bisect_right(self.starts, begin) - 1
        if index >= 0 and begin < self.starts[index] + len(self.paragraphs[index]):
            paragraph_end = self.starts[index] + len(self.paragraphs[index])
            if finish <= paragraph_end:
                return index, begin - self.starts[index], finish - self.starts[index]
            if index + 1 < count and finish > self.starts[index + 1]:
                last = bisect_right(self.starts, finish - 1) - 1
                raise SpanOutside(
                    f"crosses from paragraph {index} into paragraph {last} (paragraphs are "
                    f"separated by blank lines and numbered from 0); a span must lie within "
                    f"one paragraph"
                )
            raise SpanOutside(
                f"runs past the end of paragraph {index} into the white space after it "
                f"(the paragraph ends at offset {self._original(paragraph_end)})"
            )
        following = index + 1
        if following < count and finish > self.starts[following]:
            raise SpanOutside(
                f"starts in the white space before paragraph {following} (which begins at "
                f"offset {self._original(self.starts[following])})"
            )
        if count == 0:
            where = "in a text that has no paragraphs"
        elif index < 0:
            where = "in the white space before the first paragraph"
        elif following >= count:
            where = "in the white space after the last paragraph"
        else:
            where = f"in the white space between paragraphs {index} and {following}"
        raise SpanOutside(f"lies {where}, outside every paragraph")

    def _original(self, normalised_offset: int) -> int:
        """The offset in the text as given of an offset into ``normalised``."""
        offset = normalised_offset
        for dropped in self.dropped:  # rare: only texts with \r\n line endings
            if dropped <= offset:
                offset += 1
            else:
                break
        return offset


def _span_words(pmap: ParagraphMap, start: int, end: int, label: Any) -> str:
    """How a document-level span is named in a message: offsets, label and text."""
    words = f"{start}-{end} {json.dumps(label, ensure_ascii=False)}"
    try:
        pmap.check_range(start, end)
        fragment = pmap.fragment(start, end)
    except SpanOutside:
        return words
    shown = json.dumps(fragment, ensure_ascii=False)
    if len(shown) > 60:
        shown = shown[:58] + '…"'
    return f"{words} {shown}"


def locate_span(pmap: ParagraphMap, start: int, end: int, label: Any, where: str,
                name: str = "the span") -> tuple[int, int, int]:
    """``pmap.locate``, or an ``ImportFailed`` naming ``where``, the span and the reason."""
    try:
        return pmap.locate(start, end)
    except SpanOutside as exc:
        raise ImportFailed(
            f"{where}: {name} ({_span_words(pmap, start, end, label)}) {exc.reason}."
        ) from None
