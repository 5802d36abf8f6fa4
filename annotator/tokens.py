"""Two rules that the agreement figures, the compare view, adjudication and the CoNLL export
share, written once (INTERFACE.md, "Words" and "tokens"):

- **tokens**: ``re.finditer(r"\\w+|[^\\w\\s]", paragraph_text)``; a token is inside a span when
  they share at least one character;
- **reviewed**: a paragraph is reviewed by a reviewer who marked it done, or who submitted the
  document. A reviewed paragraph without a span of a label is a real "no"; an unreviewed one is
  missing data.

``token_arrays`` is the same token rule on numpy arrays, for the agreement report's whole
corpus at once (tested against ``TOKEN_RE`` on random text); numpy is imported only there.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

TOKEN_PATTERN = r"\w+|[^\w\s]"
TOKEN_RE = re.compile(TOKEN_PATTERN)
# The same pattern in a group: ``TOKEN_SPLIT_RE.split(text)`` gives [gap, token, gap, ...].
TOKEN_SPLIT_RE = re.compile(f"({TOKEN_PATTERN})")


def tokens(text: str) -> list[tuple[int, int]]:
    """The (start, end) code-point offsets of every token of a paragraph, in order."""
    return [m.span() for m in TOKEN_RE.finditer(text)]


def token_range(starts: Sequence[int], ends: Sequence[int], start: int, end: int
                ) -> tuple[int, int]:
    """Indices [first, last) of the tokens (their ``starts`` and ``ends``, increasing) that
    share at least one character with [start, end): the tokens inside that span."""
    return bisect_right(ends, start), bisect_left(starts, end)


def is_reviewed(marked: bool, submitted: bool) -> bool:
    """The reviewed-paragraph rule for one paragraph and one reviewer."""
    return marked or submitted


def reviewed_paragraphs(marks: dict[int, set[int]], submitted: set[int],
                        paragraph_count: int) -> dict[int, set[int]]:
    """Per paragraph index, the reviewers (ids) who reviewed it: ``marks`` maps a paragraph
    to the reviewers who marked it done, ``submitted`` holds the reviewers who submitted the
    document. Every paragraph of ``range(paragraph_count)`` has an entry."""
    return {index: set(marks.get(index, ())) | submitted for index in range(paragraph_count)}


def reviewers_by_paragraph(document_id: int, paragraph_count: int) -> dict[int, set[int]]:
    """The reviewed rule read from the database for one document: per paragraph index, the
    ids of the reviewers who reviewed it (their marks, and every paragraph for a reviewer who
    submitted the document). For adjudication and the compare view; the agreement report
    applies the same rule to all documents at once, on arrays."""
    from sqlalchemy import select

    from .extensions import db
    from .models import DocumentReview, ParagraphReview

    marks: dict[int, set[int]] = {}
    for index, uid in db.session.execute(
        select(ParagraphReview.paragraph_index, ParagraphReview.reviewer_id)
        .where(ParagraphReview.document_id == document_id)
    ):
        marks.setdefault(index, set()).add(uid)
    submitted = set(db.session.scalars(
        select(DocumentReview.reviewer_id).where(DocumentReview.document_id == document_id,
                                                 DocumentReview.status == "submitted")))
    return reviewed_paragraphs(marks, submitted, paragraph_count)


@cache
def _tables():
    import numpy as np

    ascii_word = np.array([chr(c).isalnum() or chr(c) == "_" for c in range(128)])
    ascii_space = np.array([chr(c).isspace() for c in range(128)])
    # A 129th entry for every code point beyond ASCII (looked up after clipping to 128, then
    # corrected one by one).
    return np.append(ascii_word, False), np.append(ascii_space, False)


def token_arrays(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Start and end offsets (code points) of ``TOKEN_RE.finditer(text)`` as int64 arrays.

    ``\\w`` in Python's ``re`` is ``str.isalnum()`` or ``_``, and ``\\s`` is
    ``str.isspace()``; every code point is classified at once and word runs are found by
    comparing each code point with the one before it.
    """
    import numpy as np

    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    if codes.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    word_table, space_table = _tables()
    clipped = np.minimum(codes, 128)
    is_word = word_table[clipped]
    is_space = space_table[clipped]
    others = np.flatnonzero(clipped == 128)
    if others.size:
        values, inverse = np.unique(codes[others], return_inverse=True)
        chars = [chr(v) for v in values.tolist()]
        is_word[others] = np.array([c.isalnum() for c in chars])[inverse]
        is_space[others] = np.array([c.isspace() for c in chars])[inverse]
    punct = ~(is_word | is_space)
    # A token starts at a word character after a non-word one, or at a punctuation mark,
    # and ends likewise: both in text order, so the i-th start and i-th end are one token.
    edge = np.empty(codes.size + 1, dtype=bool)
    edge[0] = is_word[0]
    np.not_equal(is_word[1:], is_word[:-1], out=edge[1:-1])
    edge[-1] = is_word[-1]
    word_edges = np.flatnonzero(edge)  # alternately the start and the end of a word run
    starts_mask = np.zeros(codes.size + 1, dtype=bool)
    ends_mask = np.zeros(codes.size + 1, dtype=bool)
    starts_mask[word_edges[0::2]] = True
    ends_mask[word_edges[1::2]] = True
    starts_mask[:-1] |= punct
    ends_mask[1:] |= punct
    return (np.flatnonzero(starts_mask).astype(np.int64),
            np.flatnonzero(ends_mask).astype(np.int64))
