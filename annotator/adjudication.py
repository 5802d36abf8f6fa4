"""Adjudication: what the reviewers' spans of a document propose as its gold. Reads only;
storing gold is ``gold``'s.

Automatic gold (``propose_gold``, stored by ``gold.run_auto_gold``) works on tokens, as the
agreement figures do (``tokens``: ``\\w+|[^\\w\\s]``, a token being inside a span when they
share at least one character). Per paragraph and label, among the reviewers who
reviewed the paragraph (at least two; the reviewed rule of ``tokens``: marked it, or submitted
the document):

- a token is a *majority* token when MORE than half of those reviewers have a span of the
  label containing it (2 of 3, 3 of 4; 2 of 4 is not enough);
- every maximal run of consecutive majority tokens is one proposed span, from the first
  token's start to the last token's end;
- its provenance is ``unanimous`` when the reviewers agree token for token: every one of them
  covers every token of the run, and none covers the token just before or just after it;
  otherwise ``majority``. When, in addition, each reviewer made exactly one span there and all
  of them have the same bounds, the proposal keeps those bounds (they differ from the token
  edges only when the reviewers cut a token);
- attributes: the reviewers who have a span of the label overlapping the run each give one
  value per attribute, that of their longest overlapping span (the first by start on a tie;
  no value when that span lacks the attribute); a value is kept when MORE than half of those
  reviewers gave it, else the attribute is left out. Text values are compared trimmed and
  case-folded, ``multi`` values as sets.

Spans that a reviewer put in a paragraph he has not reviewed are left out, as in the figures.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from .annotations import paragraph_texts
from .codebook import Codebook, load_codebook
from .extensions import db
from .models import Annotation, Document
from .tokens import reviewers_by_paragraph, token_range, tokens

UNANIMOUS = "unanimous"
MAJORITY = "majority"


# --- reading the reviewers' work -------------------------------------------------------------

@dataclass(frozen=True)
class ReviewerSpan:
    id: int
    reviewer_id: int
    label: str
    start: int
    end: int
    attributes: dict[str, Any]


def _reviewers_by_paragraph(document: Document) -> dict[int, list[int]]:
    """Per paragraph, the reviewers who reviewed it (``tokens.reviewers_by_paragraph``: marked
    it, or submitted the document), in id order; paragraphs nobody reviewed are left out."""
    return {index: sorted(uids) for index, uids in
            reviewers_by_paragraph(document.id, document.paragraph_count).items() if uids}


def _reviewed_spans(document: Document, reviewers: dict[int, list[int]]
                    ) -> dict[int, list[ReviewerSpan]]:
    """Per paragraph, the spans of the reviewers who reviewed it."""
    found: dict[int, list[ReviewerSpan]] = defaultdict(list)
    for row in db.session.execute(
        select(Annotation.id, Annotation.paragraph_index, Annotation.reviewer_id,
               Annotation.label, Annotation.start, Annotation.end, Annotation.attributes)
        .where(Annotation.document_id == document.id)
        .order_by(Annotation.paragraph_index, Annotation.start, Annotation.end, Annotation.id)
    ):
        if row.reviewer_id in reviewers.get(row.paragraph_index, ()):
            found[row.paragraph_index].append(ReviewerSpan(
                row.id, row.reviewer_id, row.label, row.start, row.end, row.attributes or {}))
    return found


# --- attribute votes -------------------------------------------------------------------------

def _comparable(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip().casefold()
    if isinstance(value, list):
        return frozenset(value)
    return value


def _longest(spans: Iterable[ReviewerSpan]) -> ReviewerSpan:
    return min(spans, key=lambda s: (-(s.end - s.start), s.start, s.id))


def vote_attributes(voters: Sequence[ReviewerSpan], label_key: str, codebook: Codebook
                    ) -> dict[str, Any]:
    """Each voter span gives one value per attribute; a value given by more than half of the
    voters wins, else the attribute is left out."""
    label = codebook.labels.get(label_key)
    if label is None or not voters:
        return {}
    result = {}
    for key in label.attributes:
        given = [(s.attributes.get(key), _comparable(s.attributes.get(key))) for s in voters
                 if s.attributes.get(key) not in (None, "", [])]
        if not given:
            continue
        counts = Counter(c for _, c in given)
        winner, count = counts.most_common(1)[0]
        if count * 2 > len(voters):
            value = next(v for v, c in given if c == winner)
            result[key] = value.strip() if isinstance(value, str) else value
    return result


def _voters(spans: Iterable[ReviewerSpan], label: str, start: int, end: int
            ) -> list[ReviewerSpan]:
    """One span per reviewer: their longest span of the label overlapping [start, end)."""
    by_reviewer: dict[int, list[ReviewerSpan]] = defaultdict(list)
    for s in spans:
        if s.label == label and s.start < end and start < s.end:
            by_reviewer[s.reviewer_id].append(s)
    return [_longest(group) for _, group in sorted(by_reviewer.items())]


# --- proposals -------------------------------------------------------------------------------

def propose_gold(document: Document) -> list[dict]:
    """The gold that the reviewers' spans propose (the rule of the module's docstring).

    Returns ``{"paragraph", "start", "end", "label", "text", "attributes", "provenance",
    "support", "reviewers"}`` dicts (``support``: the fewest of the paragraph's ``reviewers``
    that cover any one token of the run), ordered by paragraph, start, end and label.
    Nothing is written.
    """
    codebook = load_codebook(document.project.codebook)
    texts = paragraph_texts(document.id)
    reviewers = _reviewers_by_paragraph(document)
    spans = _reviewed_spans(document, reviewers)
    proposals = []
    for index, uids in sorted(reviewers.items()):
        n = len(uids)
        if n < 2 or index >= len(texts) or not spans.get(index):
            continue
        text = texts[index]
        toks = tokens(text)
        if not toks:
            continue
        starts = [a for a, _ in toks]
        ends = [b for _, b in toks]
        for label in codebook.labels:
            label_spans = [s for s in spans[index] if s.label == label]
            if not label_spans:
                continue
            counts = _coverage(label_spans, starts, ends)
            for first, last in _runs([c * 2 > n for c in counts]):
                proposals.append(_proposal(
                    index, text, label, toks, counts, first, last, n, label_spans, codebook))
    proposals.sort(key=lambda p: (p["paragraph"], p["start"], p["end"], p["label"]))
    return proposals


def _coverage(label_spans: Sequence[ReviewerSpan], starts: Sequence[int],
              ends: Sequence[int]) -> list[int]:
    """Per token, how many reviewers have a span (of one label) containing it."""
    per_reviewer: dict[int, list[int]] = defaultdict(lambda: [0] * (len(starts) + 1))
    for s in label_spans:
        first, stop = token_range(starts, ends, s.start, s.end)
        if first < stop:
            marks = per_reviewer[s.reviewer_id]
            marks[first] += 1
            marks[stop] -= 1
    counts = [0] * len(starts)
    for marks in per_reviewer.values():
        depth = 0
        for i in range(len(starts)):
            depth += marks[i]
            if depth > 0:
                counts[i] += 1
    return counts


def _runs(flags: Sequence[bool]) -> list[tuple[int, int]]:
    """Maximal runs of True as (first, last) inclusive."""
    runs, first = [], None
    for i, flag in enumerate(flags):
        if flag and first is None:
            first = i
        elif not flag and first is not None:
            runs.append((first, i - 1))
            first = None
    if first is not None:
        runs.append((first, len(flags) - 1))
    return runs


def _proposal(index: int, text: str, label: str, toks: Sequence[tuple[int, int]],
              counts: Sequence[int], first: int, last: int, n: int,
              label_spans: Sequence[ReviewerSpan], codebook: Codebook) -> dict:
    start, end = toks[first][0], toks[last][1]
    unanimous = (all(counts[i] == n for i in range(first, last + 1))
                 and (first == 0 or counts[first - 1] == 0)
                 and (last == len(toks) - 1 or counts[last + 1] == 0))
    overlapping = [s for s in label_spans if s.start < end and start < s.end]
    if unanimous and len(overlapping) == n and len({s.reviewer_id for s in overlapping}) == n \
            and len({(s.start, s.end) for s in overlapping}) == 1:
        start, end = overlapping[0].start, overlapping[0].end  # everyone's exact bounds
    return {
        "paragraph": index,
        "start": start,
        "end": end,
        "label": label,
        "text": text[start:end],
        "attributes": vote_attributes(_voters(label_spans, label, start, end), label, codebook),
        "provenance": UNANIMOUS if unanimous else MAJORITY,
        "support": min(counts[first:last + 1]),
        "reviewers": n,
    }


def unanimous_spans(document: Document) -> list[dict]:
    """The spans that every reviewer of their paragraph made alike (same label, start and end),
    in paragraphs reviewed by at least two reviewers: the page offers them as accepted.

    Each is ``{"paragraph", "start", "end", "label", "text", "attributes", "annotation_ids"}``;
    the attributes are voted as for auto gold among the identical spans (``gold.unanimous_offers``
    adds whether each is gold already).
    """
    codebook = load_codebook(document.project.codebook)
    texts = paragraph_texts(document.id)
    reviewers = _reviewers_by_paragraph(document)
    spans = _reviewed_spans(document, reviewers)
    found = []
    for index, uids in sorted(reviewers.items()):
        if len(uids) < 2 or not spans.get(index):
            continue
        by_key: dict[tuple[str, int, int], dict[int, list[ReviewerSpan]]] = \
            defaultdict(lambda: defaultdict(list))
        for s in spans[index]:
            by_key[(s.label, s.start, s.end)][s.reviewer_id].append(s)
        for (label, start, end), per_reviewer in by_key.items():
            if len(per_reviewer) != len(uids):
                continue
            voters = [group[0] for _, group in sorted(per_reviewer.items())]
            found.append({
                "paragraph": index, "start": start, "end": end, "label": label,
                "text": texts[index][start:end],
                "attributes": vote_attributes(voters, label, codebook),
                "annotation_ids": sorted(s.id for group in per_reviewer.values()
                                         for s in group),
            })
    found.sort(key=lambda u: (u["paragraph"], u["start"], u["end"], u["label"]))
    return found
