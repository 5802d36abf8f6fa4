"""Adjudication: turning the reviewers' spans of a document into its gold spans.

Plain functions (no request access) that take a document, plain data and the acting user,
check what they are given and raise a ``DomainError`` naming the fault; a refused call changes
nothing. Every change of the gold needs an admin.

Automatic gold (``propose_gold``, ``auto_gold``) works on tokens, as the agreement figures do
(INTERFACE.md, "tokens"): ``re.finditer(r"\\w+|[^\\w\\s]", text)``, a token being inside a span
when they share at least one character. Per paragraph and label, among the reviewers who
reviewed the paragraph (at least two; ``ParagraphReview`` rows, which a submission writes for
every paragraph):

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

from sqlalchemy import delete, select

from .accounts import require_user
from .annotations import (
    _check_offsets,
    _clean_note,
    _require_object,
    _whole_number,
    paragraph_texts,
    require_admin,
    span_dict,
)
from .codebook import Codebook, load_codebook
from .database import insert_ignoring_conflicts
from .errors import Conflict, Invalid, NotFound
from .extensions import db
from .models import (
    Annotation,
    Document,
    GoldRejection,
    GoldSpan,
    Paragraph,
    ParagraphReview,
    User,
    utcnow,
)
from .tokens import token_range, tokens

UNANIMOUS = "unanimous"
MAJORITY = "majority"
# Gold that auto gold made and can make again from the reviewers' spans: it is recomputed when
# auto gold runs. Every other provenance (adjudicated:NAME, or whatever an import gave) is the
# work of a person and is kept unless the caller asks to replace everything.
AUTO_PROVENANCES = (UNANIMOUS, MAJORITY)
CREATE_FIELDS = {"paragraph", "start", "end", "label", "attributes", "note"}
UPDATE_FIELDS = {"start", "end", "label", "attributes", "note"}


def adjudicated(user: User) -> str:
    return f"adjudicated:{user.username}"


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
    reviewers: dict[int, list[int]] = defaultdict(list)
    for index, uid in db.session.execute(
        select(ParagraphReview.paragraph_index, ParagraphReview.reviewer_id)
        .where(ParagraphReview.document_id == document.id)
        .order_by(ParagraphReview.paragraph_index, ParagraphReview.reviewer_id)
    ):
        reviewers[index].append(uid)
    return reviewers


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

    Each is ``{"paragraph", "start", "end", "label", "text", "attributes", "annotation_ids",
    "in_gold"}``; the attributes are voted as for auto gold among the identical spans.
    """
    codebook = load_codebook(document.project.codebook)
    texts = paragraph_texts(document.id)
    reviewers = _reviewers_by_paragraph(document)
    spans = _reviewed_spans(document, reviewers)
    gold = _gold_keys(document)
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
                "in_gold": (index, label, start, end) in gold,
            })
    found.sort(key=lambda u: (u["paragraph"], u["start"], u["end"], u["label"]))
    return found


# --- writing gold ----------------------------------------------------------------------------

def _lock(document: Document) -> None:
    """Serialise gold changes of one document (PostgreSQL: a row lock; SQLite locks the
    whole database on write), so that two admins cannot store the same span twice."""
    db.session.execute(select(Document.id).where(Document.id == document.id)
                       .with_for_update())


def _gold_keys(document: Document) -> set[tuple[int, str, int, int]]:
    return {(row[0], row[1], row[2], row[3]) for row in db.session.execute(
        select(GoldSpan.paragraph_index, GoldSpan.label, GoldSpan.start, GoldSpan.end)
        .where(GoldSpan.document_id == document.id))}


def _find_gold(document_id: int, paragraph: int, label: str, start: int, end: int
               ) -> GoldSpan | None:
    return db.session.scalar(
        select(GoldSpan).where(GoldSpan.document_id == document_id,
                               GoldSpan.paragraph_index == paragraph, GoldSpan.label == label,
                               GoldSpan.start == start, GoldSpan.end == end)
        .order_by(GoldSpan.id).limit(1)
    )


def _text(document_id: int, paragraph: int) -> str:
    return db.session.get(Paragraph, (document_id, paragraph)).text


def _gold_dict(span: GoldSpan) -> dict:
    return span_dict(span, _text(span.document_id, span.paragraph_index))


def run_auto_gold(document: Document, replace: bool = False, user: User | None = None
                  ) -> dict:
    """Store the proposed gold of the document; what ``auto_gold`` does, with a summary.

    By default the gold that auto gold made before (provenance unanimous or majority) is
    recomputed, every other gold span (adjudicated by a person, or imported with another
    provenance) is kept, a proposal that overlaps a kept span of the same label in its
    paragraph is skipped, and so is one where an adjudicator deleted gold of its label and
    bounds (``delete_gold_span``: rejected). ``replace=True`` deletes every gold span and
    forgets the rejections first: a fresh start from the reviewers' spans.

    Returns ``{"proposed": [stored spans], "skipped": [proposals overlapping kept gold],
    "rejected": [proposals deleted before], "kept": N, "removed": N}``.
    """
    if user is not None:
        require_admin(user)
    _lock(document)
    proposals = propose_gold(document)
    existing = list(db.session.scalars(
        select(GoldSpan).where(GoldSpan.document_id == document.id)))
    if replace:
        kept: list[GoldSpan] = []
        db.session.execute(delete(GoldRejection)
                           .where(GoldRejection.document_id == document.id))
        rejections = set()
    else:
        kept = [g for g in existing if g.provenance not in AUTO_PROVENANCES]
        rejections = {tuple(row) for row in db.session.execute(
            select(GoldRejection.paragraph_index, GoldRejection.label, GoldRejection.start,
                   GoldRejection.end).where(GoldRejection.document_id == document.id))}
    removed = [g.id for g in existing if g not in kept]
    if removed:
        db.session.execute(delete(GoldSpan).where(GoldSpan.id.in_(removed)))
    blockers: dict[tuple[int, str], list[tuple[int, int]]] = defaultdict(list)
    for g in kept:
        blockers[(g.paragraph_index, g.label)].append((g.start, g.end))
    stored, skipped, rejected = [], [], []
    now = utcnow()
    for p in proposals:
        if any(a < p["end"] and p["start"] < b
               for a, b in blockers[(p["paragraph"], p["label"])]):
            skipped.append(p)
            continue
        if (p["paragraph"], p["label"], p["start"], p["end"]) in rejections:
            rejected.append(p)
            continue
        span = GoldSpan(
            document_id=document.id, paragraph_index=p["paragraph"], start=p["start"],
            end=p["end"], label=p["label"], attributes=p["attributes"], note="",
            provenance=p["provenance"], created_by_id=user.id if user else None,
            created_at=now)
        db.session.add(span)
        stored.append((span, p))
    db.session.commit()
    texts = paragraph_texts(document.id)
    return {
        "proposed": [{**span_dict(span, texts[span.paragraph_index]), "support": p["support"],
                      "reviewers": p["reviewers"]} for span, p in stored],
        "skipped": skipped,
        "rejected": rejected,
        "kept": len(kept),
        "removed": len(removed),
    }


def auto_gold(document: Document, replace: bool = False, user: User | None = None
              ) -> list[dict]:
    """Propose gold by token-level majority per label and store it; returns the stored
    proposals. See ``run_auto_gold`` for what is kept; with ``user``, only an admin may."""
    return run_auto_gold(document, replace=replace, user=user)["proposed"]


def _reviewer_span(document: Document, annotation_id: Any) -> Annotation:
    if isinstance(annotation_id, bool) or not isinstance(annotation_id, int):
        raise Invalid("annotation_id must be a whole number.", "annotation_id")
    span = db.session.get(Annotation, annotation_id)
    if span is None or span.document_id != document.id:
        raise NotFound(f"There is no span {annotation_id} in document {document.id}.")
    return span


def _accept(document: Document, span: Annotation, user: User) -> tuple[GoldSpan, bool]:
    """Make the reviewer's span gold (adjudicated by the user). When gold with its label and
    bounds exists, it takes the span's attributes and the user's name, and no second span is
    made; accepting again changes nothing."""
    codebook = load_codebook(document.project.codebook)
    where = f"span {span.id}"
    label = codebook.label(span.label, where).key
    attributes = codebook.clean_attributes(label, span.attributes or {}, where)
    gold = _find_gold(document.id, span.paragraph_index, label, span.start, span.end)
    if gold is not None:
        if gold.attributes != attributes or gold.provenance != adjudicated(user):
            gold.attributes = attributes
            gold.provenance = adjudicated(user)
        return gold, False
    gold = GoldSpan(document_id=document.id, paragraph_index=span.paragraph_index,
                    start=span.start, end=span.end, label=label, attributes=attributes,
                    note="", provenance=adjudicated(user), created_by_id=user.id,
                    created_at=utcnow())
    db.session.add(gold)
    _forget_rejection(document.id, span.paragraph_index, label, span.start, span.end)
    db.session.flush()
    return gold, True


def accept_span(document: Document, annotation_id: int, user: User) -> tuple[dict, bool]:
    """Copy a reviewer's span into the gold (provenance ``adjudicated:USER``).

    Returns (gold span, created); accepting twice is harmless (created is False)."""
    require_admin(user)
    span = _reviewer_span(document, annotation_id)
    _lock(document)
    gold, created = _accept(document, span, user)
    db.session.commit()
    return _gold_dict(gold), created


def accept_paragraph(document: Document, paragraph: Any, reviewer_name: Any, user: User
                     ) -> tuple[list[dict], int]:
    """Accept every span of one reviewer in one paragraph. Returns (gold spans, created)."""
    require_admin(user)
    if isinstance(paragraph, bool) or not isinstance(paragraph, int):
        raise Invalid("paragraph must be a whole number.", "paragraph")
    if not 0 <= paragraph < document.paragraph_count:
        raise Invalid(f"Paragraph {paragraph} does not exist; the document has "
                      f"{document.paragraph_count} paragraphs, numbered from 0.", "paragraph")
    if not isinstance(reviewer_name, str) or not reviewer_name.strip():
        raise Invalid("reviewer must be a reviewer's name.", "reviewer")
    reviewer = require_user(reviewer_name.strip())
    spans = list(db.session.scalars(
        select(Annotation).where(Annotation.document_id == document.id,
                                 Annotation.paragraph_index == paragraph,
                                 Annotation.reviewer_id == reviewer.id)
        .order_by(Annotation.start, Annotation.end, Annotation.id)))
    if not spans:
        raise Invalid(f"{reviewer.username} has no spans in paragraph {paragraph}.",
                      "reviewer")
    _lock(document)
    results = [_accept(document, span, user) for span in spans]
    db.session.commit()
    unique = {gold.id: gold for gold, _ in results}
    return [_gold_dict(g) for g in unique.values()], sum(1 for _, c in results if c)


def accept_unanimous(document: Document, user: User, only: dict | None = None
                     ) -> tuple[list[dict], int]:
    """Store every unanimous span (``unanimous_spans``) not yet in gold, with provenance
    ``unanimous``; ``only`` ({"paragraph", "label", "start", "end"}) picks one of them.
    Returns (the unanimous spans now in gold, how many were added)."""
    require_admin(user)
    _lock(document)
    offers = unanimous_spans(document)
    if only is not None:
        offers = [u for u in offers if all(u[k] == only.get(k)
                                           for k in ("paragraph", "label", "start", "end"))]
        if not offers:
            raise NotFound("No reviewer span with that label and those bounds was made alike "
                           "by every reviewer of its paragraph.")
    created = []
    for offer in offers:
        if offer["in_gold"]:
            continue
        gold = GoldSpan(document_id=document.id, paragraph_index=offer["paragraph"],
                        start=offer["start"], end=offer["end"], label=offer["label"],
                        attributes=offer["attributes"], note="", provenance=UNANIMOUS,
                        created_by_id=user.id, created_at=utcnow())
        db.session.add(gold)
        # accepted by a person: the next auto run proposes it again
        _forget_rejection(document.id, offer["paragraph"], offer["label"], offer["start"],
                          offer["end"])
        created.append(gold)
    db.session.flush()
    db.session.commit()
    accepted = [_find_gold(document.id, u["paragraph"], u["label"], u["start"], u["end"])
                for u in offers]
    return [_gold_dict(g) for g in accepted if g is not None], len(created)


def _own_gold(gold_id: int, user: User) -> GoldSpan:
    require_admin(user)
    gold = db.session.get(GoldSpan, gold_id)
    if gold is None:
        raise NotFound(f"There is no gold span {gold_id}.")
    return gold


def _refuse_duplicate(document_id: int, paragraph: int, label: str, start: int, end: int,
                      own_id: int | None = None) -> None:
    other = _find_gold(document_id, paragraph, label, start, end)
    if other is not None and other.id != own_id:
        raise Conflict(f"Gold span {other.id} already has label '{label}' at {start}-{end} in "
                       f"paragraph {paragraph}; edit that one instead.", "start")


def create_gold_span(document: Document, payload: Any, user: User) -> dict:
    """A new gold span, checked like a reviewer's span; provenance ``adjudicated:USER``.
    A span with the same paragraph, label and bounds already in gold answers 409."""
    require_admin(user)
    payload = _require_object(payload, CREATE_FIELDS)
    for key in ("paragraph", "start", "end", "label"):
        if key not in payload:
            raise Invalid(f"{key} is required.", key)
    paragraph = _whole_number(payload, "paragraph")
    start, end = _whole_number(payload, "start"), _whole_number(payload, "end")
    text = _check_offsets(document, paragraph, start, end)
    codebook = load_codebook(document.project.codebook)
    label = codebook.label(payload["label"]).key
    attributes = codebook.clean_attributes(label, payload.get("attributes"))
    note = _clean_note(payload.get("note"))
    _lock(document)
    _refuse_duplicate(document.id, paragraph, label, start, end)
    gold = GoldSpan(document_id=document.id, paragraph_index=paragraph, start=start, end=end,
                    label=label, attributes=attributes, note=note,
                    provenance=adjudicated(user), created_by_id=user.id, created_at=utcnow())
    db.session.add(gold)
    _forget_rejection(document.id, paragraph, label, start, end)
    db.session.commit()
    return span_dict(gold, text)


def update_gold_span(gold_id: int, payload: Any, user: User) -> dict:
    """Change any of start, end, label, attributes and note of a gold span; its provenance
    becomes ``adjudicated:USER``. A new label without attributes clears the attributes."""
    payload = _require_object(payload, UPDATE_FIELDS)
    gold = _own_gold(gold_id, user)
    document = db.session.get(Document, gold.document_id)
    start = _whole_number(payload, "start") if "start" in payload else gold.start
    end = _whole_number(payload, "end") if "end" in payload else gold.end
    text = _check_offsets(document, gold.paragraph_index, start, end)
    codebook = load_codebook(document.project.codebook)
    label = codebook.label(payload["label"]).key if "label" in payload else gold.label
    if "attributes" in payload:
        attributes = codebook.clean_attributes(label, payload["attributes"])
    elif label != gold.label:
        attributes = {}
    else:
        attributes = gold.attributes or {}
    note = _clean_note(payload["note"]) if "note" in payload else gold.note
    _lock(document)
    _refuse_duplicate(document.id, gold.paragraph_index, label, start, end, own_id=gold.id)
    if (gold.start, gold.end, gold.label) != (start, end, label):
        # moved or relabelled: where it was is rejected, as if deleted
        _reject(gold, user)
    gold.start, gold.end, gold.label = start, end, label
    gold.attributes, gold.note = attributes, note
    gold.provenance = adjudicated(user)
    _forget_rejection(document.id, gold.paragraph_index, label, start, end)
    db.session.commit()
    return span_dict(gold, text)


def delete_gold_span(gold_id: int, user: User) -> None:
    """Delete a gold span, and remember its place and label as rejected: auto gold does not
    propose it again (``run_auto_gold``). Moving or relabelling one (``update_gold_span``)
    rejects where it was in the same way."""
    gold = _own_gold(gold_id, user)
    _reject(gold, user)
    db.session.delete(gold)
    db.session.commit()


def _reject(gold: GoldSpan, user: User) -> None:
    """Remember the gold span's place and label as rejected (once)."""
    db.session.execute(insert_ignoring_conflicts(GoldRejection).values(
        document_id=gold.document_id, paragraph_index=gold.paragraph_index, label=gold.label,
        start=gold.start, end=gold.end, rejected_by_id=user.id, created_at=utcnow()))


def _forget_rejection(document_id: int, paragraph: int, label: str, start: int, end: int
                      ) -> None:
    """Gold set by a person where gold was rejected before: the rejection no longer holds."""
    db.session.execute(delete(GoldRejection).where(
        GoldRejection.document_id == document_id, GoldRejection.paragraph_index == paragraph,
        GoldRejection.label == label, GoldRejection.start == start, GoldRejection.end == end))
