"""Writers of the labelled data: jsonl, csv, conll, brat (a zip) and doccano.

Every writer is a generator of text (or bytes, for brat) chunks that reads the project a batch
of documents at a time, so memory stays flat however large the project is, and a response can
stream it. Attributes are read as their stored JSON text and written as is, never parsed.
"""

from __future__ import annotations

import csv
import io
import json
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from itertools import accumulate, groupby, pairwise, repeat
from operator import add, itemgetter
from typing import NamedTuple

from sqlalchemy import Text, cast, func, or_, select
from sqlalchemy import text as sql

from .codebook import load_codebook
from .database import begin_snapshot, gc_paused
from .errors import Invalid
from .extensions import db
from .models import (
    Annotation,
    Document,
    DocumentReview,
    GoldAnswer,
    GoldSpan,
    Paragraph,
    ParagraphReview,
    Project,
    User,
)
from .tokens import TOKEN_SPLIT_RE
from .zipstream import ZipStream, prepare

FORMATS = ("jsonl", "csv", "conll", "brat", "doccano", "answers-csv")
MEDIA_TYPES = {
    "jsonl": "application/x-ndjson; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "conll": "text/plain; charset=utf-8",
    "brat": "application/zip",
    "doccano": "application/x-ndjson; charset=utf-8",
    "answers-csv": "text/csv; charset=utf-8",
}
EXTENSIONS = {"jsonl": "jsonl", "csv": "csv", "conll": "conll", "brat": "zip",
              "doccano": "jsonl", "answers-csv": "csv"}
BATCH = 250  # documents per round of queries
EXPORT_WORK_MEM = "32MB"  # PostgreSQL's memory for each sort of an export's queries
BRAT_COMPRESSION = 1  # zlib level of the brat zip (1 fastest, 9 smallest)
DOC_SEPARATOR = "\n\n"  # paragraphs joined for doccano and brat (INTERFACE.md)
_dumps = json.JSONEncoder(ensure_ascii=False).encode
# _dumps of a str, in C without the encoder's dispatch: the same text, for the per-span fields.
_quote = json.encoder.encode_basestring
_loads = json.JSONDecoder().decode


@dataclass
class ExportOptions:
    reviewers: Sequence[str] | None = None  # None: everyone
    submitted_only: bool = False
    gold_only: bool = False
    document_ids: Sequence[int] | None = None
    # Others' work only in these documents (``access.export_scope``; None: no such limit):
    # the reviews of ``viewer_id`` go out everywhere, the others' only in ``others_in``.
    viewer_id: int | None = None
    others_in: frozenset[int] | None = None
    # CSV: cells as stored, without the guard against spreadsheet formulas (for scripts).
    raw: bool = False

    def describe(self) -> str:
        parts = []
        if self.gold_only:
            parts.append("gold")
        if self.submitted_only:
            parts.append("submitted")
        return "-".join(parts)


class SpanRow(NamedTuple):
    """A stored span as the writers read it (a tuple: built from a row in C)."""

    paragraph: int
    start: int
    end: int
    label: str
    attributes: str  # the stored JSON text
    note: str


_span_row = partial(tuple.__new__, SpanRow)  # SpanRow._make without its Python frame
_by_document = itemgetter(0)
_by_review = itemgetter(0, 1)
_span_columns = itemgetter(2, 3, 4, 5, 6, 7)  # of (document, reviewer, *SpanRow)
_gold_columns = itemgetter(1, 2, 3, 4, 5, 6)  # of (document, *SpanRow, provenance)
_paragraph_of = itemgetter(0)  # of a SpanRow
_second = itemgetter(1)
_third = itemgetter(2)


@dataclass
class DocumentExport:
    id: int
    title: str
    source: str | None
    url: str | None
    published: str | None
    meta: str
    external_id: str | None
    paragraphs: list[str]
    # reviewer name -> (status, reviewed paragraphs, spans)
    reviews: dict[str, tuple[str, list[int], list[SpanRow]]]
    gold: list[tuple[SpanRow, str]]
    # reviewer name -> their answers to the article-level questions (stored JSON text)
    answers: dict[str, str] = field(default_factory=dict)
    # (question, value as JSON text, provenance) of the gold answers
    gold_answers: list[tuple[str, str, str]] = field(default_factory=list)


def _document_ids(project: Project, options: ExportOptions) -> list[int]:
    query = select(Document.id).where(Document.project_id == project.id)
    if options.document_ids is not None:
        query = query.where(Document.id.in_(list(options.document_ids)))
    if options.gold_only:
        query = query.where(Document.id.in_(select(GoldSpan.document_id)))
    return list(db.session.scalars(query.order_by(Document.id)))


def _reviewer_filter(options: ExportOptions) -> dict[int, str] | None:
    if options.reviewers is None:
        return None
    wanted = [r.lower() for r in options.reviewers]
    rows = db.session.execute(
        select(User.id, User.username).where(func.lower(User.username).in_(wanted))
    ).all()
    found = {name.lower() for _, name in rows}
    missing = [r for r in options.reviewers if r.lower() not in found]
    if missing:
        raise Invalid(f"There is no reviewer '{missing[0]}'.", "reviewers")
    return dict(rows)


def _tuples(statement) -> list[tuple]:
    """The rows of a Core select of integer and text columns, as the driver's own tuples.

    The rows are taken from the DB-API cursor: SQLAlchemy's Row objects (and the per-row
    work of its Result) would cost more than the rest of an export's reading. Only for
    columns that need no result processing (integers, text; a JSON column cast to text).
    """
    result = db.session.execute(statement)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def _read_batch(batch: list[int], options: ExportOptions, allowed: dict[int, str] | None,
                details: bool):
    """One batch's documents, paragraph texts, review statuses, reviewed paragraphs, spans
    and gold, each from one query whose rows come ordered by document (and reviewer) and are
    cut into groups with ``itertools.groupby``; the spans are made from them with ``map``, so
    a million spans are read without a Python loop over them."""
    d, p, dr, pr, a, g, ga = (m.__table__.c for m in (Document, Paragraph, DocumentReview,
                                                      ParagraphReview, Annotation, GoldSpan,
                                                      GoldAnswer))
    docs = db.session.execute(
        select(d.id, d.title, d.source, d.url, d.published, cast(d.meta, Text), d.external_id)
        .where(d.id.in_(batch)).order_by(d.id)
    ).all()
    texts = {
        doc_id: list(map(_second, rows))
        for doc_id, rows in groupby(_tuples(
            select(p.document_id, p.text).where(p.document_id.in_(batch))
            .order_by(p.document_id, p.position)
        ), _by_document)
    }
    reviews: dict[int, list[tuple[int, str]]] = defaultdict(list)
    answers: dict[tuple[int, int], str] = {}
    reviewed: dict[tuple[int, int], list[int]] = {}
    spans: dict[tuple[int, int], list[SpanRow]] = {}
    if not options.gold_only:
        status_query = select(dr.document_id, dr.reviewer_id, dr.status,
                              cast(dr.answers, Text)) \
            .where(dr.document_id.in_(batch), dr.status != "not_started")
        marks_query = select(pr.document_id, pr.reviewer_id, pr.paragraph_index) \
            .where(pr.document_id.in_(batch))
        span_columns = [a.document_id, a.reviewer_id, a.paragraph_index, a.start, a.end,
                        a.label]
        if details:
            span_columns += [cast(a.attributes, Text), a.note]
        spans_query = select(*span_columns).where(a.document_id.in_(batch))
        if options.submitted_only:
            status_query = status_query.where(dr.status == "submitted")
        if allowed is not None:
            status_query = status_query.where(dr.reviewer_id.in_(list(allowed)))
            marks_query = marks_query.where(pr.reviewer_id.in_(list(allowed)))
            spans_query = spans_query.where(a.reviewer_id.in_(list(allowed)))
        if options.others_in is not None:
            visible = [doc_id for doc_id in batch if doc_id in options.others_in]
            status_query = status_query.where(or_(dr.reviewer_id == options.viewer_id,
                                                  dr.document_id.in_(visible)))
            marks_query = marks_query.where(or_(pr.reviewer_id == options.viewer_id,
                                                pr.document_id.in_(visible)))
            spans_query = spans_query.where(or_(a.reviewer_id == options.viewer_id,
                                                a.document_id.in_(visible)))
        for doc_id, uid, status, answers_text in _tuples(status_query):
            reviews[doc_id].append((uid, status))
            answers[(doc_id, uid)] = answers_text or "{}"
        reviewed = {
            key: list(map(_third, rows))
            for key, rows in groupby(_tuples(marks_query.order_by(
                pr.document_id, pr.reviewer_id, pr.paragraph_index)), _by_review)
        }
        groups = groupby(_tuples(spans_query.order_by(
            a.document_id, a.reviewer_id, a.paragraph_index, a.start, a.end, a.id
        )), _by_review)
        if details:
            spans = {key: list(map(_span_row, map(_span_columns, rows))) for key, rows in groups}
        else:  # the columns of the group's rows, and no attributes and note
            spans = {
                key: list(map(_span_row, zip(*columns[2:], repeat("{}"), repeat(""))))
                for key, columns in ((key, list(zip(*rows, strict=True))) for key, rows in groups)
            }
    gold = {
        doc_id: [(_span_row(_gold_columns(row)), row[7]) for row in rows]
        for doc_id, rows in groupby(_tuples(
            select(g.document_id, g.paragraph_index, g.start, g.end, g.label,
                   cast(g.attributes, Text), g.note, g.provenance)
            .where(g.document_id.in_(batch))
            .order_by(g.document_id, g.paragraph_index, g.start, g.end, g.id)
        ), _by_document)
    }
    gold_answers: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for doc_id, question, value, provenance in _tuples(
            select(ga.document_id, ga.question, cast(ga.value, Text), ga.provenance)
            .where(ga.document_id.in_(batch)).order_by(ga.document_id, ga.question)):
        gold_answers[doc_id].append((question, value, provenance))
    return docs, texts, reviews, reviewed, spans, gold, answers, gold_answers


def iter_documents(project: Project, options: ExportOptions, details: bool = True
                   ) -> Iterator[DocumentExport]:
    """The selected documents with their reviews and gold, read a batch at a time. Without
    ``details``, the reviewers' spans come without their attributes and note (``"{}"`` and
    ``""``): for the formats that write neither.

    Everything is read in one snapshot (``begin_snapshot``): spans saved while an export
    streams are in the next export, never half in this one."""
    begin_snapshot()
    ids = _document_ids(project, options)
    allowed = _reviewer_filter(options)
    names = dict(db.session.execute(select(User.id, User.username)).all())
    if db.engine.dialect.name == "postgresql":
        # room for a batch's sorts: with the default 4 MB the server sorts a batch of spans
        # on disk, at three times the time (for this transaction only)
        db.session.execute(sql(f"SET LOCAL work_mem = '{EXPORT_WORK_MEM}'"))
    for i in range(0, len(ids), BATCH):
        with gc_paused():
            docs, texts, reviews, reviewed, spans, gold, answers, gold_answers = _read_batch(
                ids[i:i + BATCH], options, allowed, details)
        for doc in docs:
            doc_id = doc[0]
            doc_reviews = {
                names[uid]: (status, reviewed.get((doc_id, uid), []),
                             spans.get((doc_id, uid), []))
                for uid, status in sorted(reviews.get(doc_id, ()),
                                          key=lambda review: names[review[0]].lower())
            }
            yield DocumentExport(
                id=doc_id, title=doc[1], source=doc[2], url=doc[3],
                published=doc[4].isoformat() if doc[4] else None, meta=doc[5] or "{}",
                external_id=doc[6], paragraphs=texts.get(doc_id, []), reviews=doc_reviews,
                gold=gold.get(doc_id, []),
                answers={names[uid]: answers[(doc_id, uid)]
                         for uid, _ in reviews.get(doc_id, ())},
                gold_answers=gold_answers.get(doc_id, []),
            )
        db.session.expire_all()


# --- jsonl ----------------------------------------------------------------------------------

def _span_json(span: SpanRow, text: str, extra: str = "") -> str:
    return (f'{{"paragraph": {span.paragraph}, "start": {span.start}, "end": {span.end}, '
            f'"label": {_quote(span.label)}, "text": {_quote(text[span.start:span.end])}, '
            f'"attributes": {span.attributes}, "note": {_quote(span.note)}{extra}}}')


def write_jsonl(project: Project, options: ExportOptions) -> Iterator[str]:
    """Documents JSONL (INTERFACE.md): import of this output reproduces the project."""
    for doc in iter_documents(project, options):
        texts = doc.paragraphs
        reviews = ", ".join(
            f'{{"reviewer": {_dumps(name)}, "status": {_dumps(status)}, '
            f'"reviewed_paragraphs": {_dumps(reviewed)}, '
            f'"answers": {doc.answers.get(name, "{}")}, "annotations": ['
            + ", ".join(_span_json(s, texts[s.paragraph]) for s in spans) + "]}"
            for name, (status, reviewed, spans) in doc.reviews.items()
        )
        gold = ", ".join(
            _span_json(s, texts[s.paragraph], f', "provenance": {_quote(provenance)}')
            for s, provenance in doc.gold
        )
        gold_answers = ", ".join(
            f'{_quote(question)}: {{"value": {value}, "provenance": {_quote(provenance)}}}'
            for question, value, provenance in doc.gold_answers)
        yield (f'{{"id": {doc.id}, "title": {_dumps(doc.title)}, "source": {_dumps(doc.source)}, '
               f'"url": {_dumps(doc.url)}, "published": {_dumps(doc.published)}, '
               f'"meta": {doc.meta}, "external_id": {_dumps(doc.external_id)}, '
               f'"paragraphs": {_dumps(texts)}, "reviews": [{reviews}], "gold": [{gold}], '
               f'"gold_answers": {{{gold_answers}}}}}\n')


# --- csv ------------------------------------------------------------------------------------

CSV_HEADER = ["document_id", "external_id", "document_title", "paragraph", "start", "end",
              "label", "text", "reviewer", "attributes"]


# A cell that starts with one of these is run as a formula by spreadsheets (OWASP, "CSV
# injection"): the CSV export puts a ' before it, unless asked for the raw text.
FORMULA_STARTS = frozenset("=+-@\t\r")


def _safe_cell(value: str) -> str:
    return "'" + value if value and value[0] in FORMULA_STARTS else value


def write_csv(project: Project, options: ExportOptions) -> Iterator[str]:
    """One row per span (INTERFACE.md). Cells a spreadsheet would run as formulas (a title or
    a span's text starting with =, +, -, @, a tab or a carriage return) get a leading ``'``,
    unless ``options.raw``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    guard = (lambda value: value) if options.raw else _safe_cell
    # A document's first three fields are the same on all its rows: they are written (quoted
    # as needed) once per document, then before each row of the other fields. The csv module
    # quotes each field on its own, so the text is that of whole rows written one by one.
    # (The same line terminator: it decides which fields are quoted.)
    head = io.StringIO()
    head_writer = csv.writer(head, lineterminator="\r\n")
    write, writerow = buffer.write, writer.writerow
    starts = FORMULA_STARTS
    raw = options.raw
    for doc in iter_documents(project, options):
        head_writer.writerow((doc.id, guard(doc.external_id or ""), guard(doc.title)))
        prefix = head.getvalue()[:-2] + ","
        head.seek(0)
        head.truncate()
        texts = doc.paragraphs
        rows = [
            (s.paragraph, s.start, s.end, s.label, texts[s.paragraph][s.start:s.end], name,
             s.attributes)
            for name, (_, _, spans) in doc.reviews.items() for s in spans
        ]
        rows.extend(
            (s.paragraph, s.start, s.end, s.label, texts[s.paragraph][s.start:s.end], "gold",
             s.attributes)
            for s, _ in doc.gold
        )
        for row in rows:
            write(prefix)
            if not raw and row[4][:1] in starts:
                row = (*row[:4], "'" + row[4], *row[5:])
            writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    rest = buffer.getvalue()
    if rest:
        yield rest


# --- conll ----------------------------------------------------------------------------------

class _ConllTags:
    """What follows a token on its line: ``blank`` with every tag O, and per label ``tails``
    (with only that label's B, with only its I); the others are made as they are needed."""

    __slots__ = ("labels", "index", "blank", "tails", "_made")

    def __init__(self, labels: Sequence[str]):
        self.labels = list(labels)
        self.index = {label: li for li, label in enumerate(labels)}
        self.blank = "\tO" * len(labels) + "\n"
        self.tails = []
        for li, label in enumerate(labels):
            before, after = "\tO" * li, "\tO" * (len(labels) - li - 1) + "\n"
            self.tails.append((f"{before}\tB-{label}{after}", f"{before}\tI-{label}{after}"))
        self._made: dict[tuple, tuple[str, str]] = {}

    def mixed(self, covering: tuple[tuple[int, bool], ...]) -> tuple[str, str]:
        """The tails of a run of tokens under spans of several labels: ``covering`` holds
        (label index, whether the run's first token begins a span of it), in the order of the
        spans (a later span of a label wins); the tail of the run's first token, then of the
        others (I for every label there)."""
        made = self._made.get(covering)
        if made is None:
            first, rest = ["O"] * len(self.labels), ["O"] * len(self.labels)
            for li, begins in covering:
                label = self.labels[li]
                first[li] = ("B-" if begins else "I-") + label
                rest[li] = "I-" + label
            made = self._made[covering] = ("\t" + "\t".join(first) + "\n",
                                           "\t" + "\t".join(rest) + "\n")
        return made


class _ConllParagraph:
    """A paragraph's tokens and its block with every tag O, made once per document and shared
    by its reviewers' blocks (and gold's): a block differs from it only at the tokens its spans
    touch, so it is made of the blank block's text between the runs of tokens that spans touch
    and, for each run, its lines made with one ``join``."""

    __slots__ = ("starts", "ends", "words", "blank", "_offsets")

    def __init__(self, text: str, tail: str):
        """``tail``: what follows a token on its line when all its tags are O."""
        # [gap, token, gap, token, ..., gap]: the tokens of tokens.TOKEN_RE.finditer and, from the
        # running lengths, where each starts and ends (all in C)
        parts = TOKEN_SPLIT_RE.split(text)
        bounds = list(accumulate(map(len, parts)))
        self.words = parts[1::2]
        self.starts = bounds[0:-1:2]
        self.ends = bounds[1::2]
        # every token on its line with ``tail`` (its tags all O), then the blank line
        self.blank = (tail.join(self.words) + tail if self.words else "") + "\n"
        self._offsets: list[int] | None = None

    def offsets(self, tail_length: int) -> list[int]:
        """Where each token's line starts in ``blank`` (and, last, where the blank line does):
        the lengths of the tokens before it plus one tail per token."""
        if self._offsets is None:
            self._offsets = list(map(add, accumulate(map(len, self.words), initial=0),
                                     range(0, (len(self.words) + 1) * tail_length,
                                           tail_length)))
        return self._offsets

    def token_ranges(self, spans: Iterable[SpanRow], index: dict[str, int]
                     ) -> list[tuple[int, int, int]]:
        """(first token, end token, label index) of each span after merging each label's
        overlapping spans, sorted: a token is in a span when they share a character.
        ``spans`` come ordered by start."""
        merged: list[list] = []
        current: dict[str, list] = {}  # label -> its merged span that is still open
        for s in spans:
            last = current.get(s.label)
            if last is not None and s.start < last[2]:
                if s.end > last[2]:
                    last[2] = s.end
            elif s.label in index:
                current[s.label] = last = [index[s.label], s.start, s.end]
                merged.append(last)
        ranges = []
        starts, ends = self.starts, self.ends
        for li, start, end in merged:
            # the tokens sharing a character with [start, end): ends and starts increase
            # along the paragraph
            lo = bisect_right(ends, start)
            hi = bisect_left(starts, end)
            if lo < hi:
                ranges.append((lo, hi, li))
        ranges.sort()
        return ranges

    def block(self, spans: Iterable[SpanRow], tags: _ConllTags) -> str:
        """The paragraph's lines for these spans: per token, one B-/I-/O tag per label, B on
        the first token of a merged span (and on a token that a later span of the label shares
        with an earlier one: one ending and the next starting in it)."""
        ranges = self.token_ranges(spans, tags.index)
        if not ranges:
            return self.blank
        words, blank, offsets = self.words, self.blank, self.offsets(len(tags.blank))
        tails = tags.tails
        pieces = []
        done = 0  # the tokens before it are written
        for lo, hi, li in ranges:
            if lo < done:  # ranges that share tokens
                return self._overlapping(ranges, tags)
            begin, inside = tails[li]
            pieces.append(blank[offsets[done]:offsets[lo]])
            pieces.append(words[lo] + begin)
            if hi - lo > 1:
                pieces.append(inside.join(words[lo + 1:hi]) + inside)
            done = hi
        pieces.append(blank[offsets[done]:])
        return "".join(pieces)

    def _overlapping(self, ranges: list[tuple[int, int, int]], tags: _ConllTags) -> str:
        """``block`` where token ranges overlap (spans of different labels on the same tokens,
        or two spans of a label ending and starting in one token), in runs of tokens between
        the tokens where a range begins or ends: within a run every token has the tags of the
        run's second token, and the first token differs at most by some B."""
        words, blank, offsets = self.words, self.blank, self.offsets(len(tags.blank))
        cuts = sorted({cut for lo, hi, _ in ranges for cut in (lo, hi)})
        pieces = [blank[:offsets[cuts[0]]]]
        for cut, next_cut in pairwise(cuts):
            # by start: of two spans of a label on this token, the later one's B wins
            covering = [(li, lo == cut) for lo, hi, li in ranges if lo <= cut < hi]
            if not covering:
                pieces.append(blank[offsets[cut]:offsets[next_cut]])
                continue
            if len(covering) == 1:
                li, begins = covering[0]
                begin, inside = tags.tails[li]
                first = begin if begins else inside
            else:
                first, inside = tags.mixed(tuple(covering))
            pieces.append(words[cut] + first)
            if next_cut - cut > 1:
                pieces.append(inside.join(words[cut + 1:next_cut]) + inside)
        pieces.append(blank[offsets[cuts[-1]]:])
        return "".join(pieces)


def write_conll(project: Project, options: ExportOptions) -> Iterator[str]:
    tags = _ConllTags(load_codebook(project.codebook).label_keys)
    yield "# columns = token " + " ".join(tags.labels) + "\n\n"
    for doc in iter_documents(project, options, details=False):
        blocks = [(name, spans) for name, (_, _, spans) in doc.reviews.items()]
        if doc.gold:
            blocks.append(("gold", [s for s, _ in doc.gold]))
        if not blocks:
            continue
        paragraphs = [_ConllParagraph(text, tags.blank) for text in doc.paragraphs]
        head = f"# document = {doc.id}\n# title = {' '.join(doc.title.split())}\n"
        out = []
        for name, spans in blocks:
            out.append(f"{head}# reviewer = {name}\n")
            # spans come ordered by paragraph
            by_par = {index: list(group) for index, group in groupby(spans, _paragraph_of)}
            for index, paragraph in enumerate(paragraphs):
                mine = by_par.get(index)
                out.append(paragraph.block(mine, tags) if mine else paragraph.blank)
        yield "".join(out)


# --- doccano --------------------------------------------------------------------------------

def _starts(paragraphs: Sequence[str]) -> list[int]:
    starts, offset = [], 0
    for text in paragraphs:
        starts.append(offset)
        offset += len(text) + len(DOC_SEPARATOR)
    return starts


def write_doccano(project: Project, options: ExportOptions) -> Iterator[str]:
    """One line per document and reviewer (and gold), offsets into the paragraphs joined by a
    blank line."""
    for doc in iter_documents(project, options, details=False):
        starts = _starts(doc.paragraphs)
        text = _dumps(DOC_SEPARATOR.join(doc.paragraphs))
        blocks = [(name, spans) for name, (_, _, spans) in doc.reviews.items()]
        if doc.gold:
            blocks.append(("gold", [s for s, _ in doc.gold]))
        lines = []
        for name, spans in blocks:
            label = _dumps([[starts[s.paragraph] + s.start, starts[s.paragraph] + s.end, s.label]
                            for s in spans])
            lines.append(f'{{"text": {text}, "label": {label}, "document_id": {doc.id}, '
                         f'"reviewer": {_dumps(name)}, "title": {_dumps(doc.title)}}}\n')
        yield "".join(lines)


# --- brat -----------------------------------------------------------------------------------

def brat_conf(project: Project) -> str:
    codebook = load_codebook(project.codebook)
    lines = ["[entities]", *codebook.label_keys, "", "[relations]", "", "[events]", "",
             "[attributes]"]
    for label in codebook.labels.values():
        for attr in label.attributes.values():
            if attr.type == "choice":
                values = "|".join(c.replace(" ", "_") for c in attr.choices)
                lines.append(f"{attr.key}\tArg:{label.key}, Value:{values}")
            elif attr.type == "boolean":
                lines.append(f"{attr.key}\tArg:{label.key}")
    return "\n".join(lines) + "\n"


def _attribute_lines(by_label: dict[str, dict[str, str]], label: str, attributes: str
                     ) -> tuple[tuple[tuple[str, str], ...], str | None]:
    """A span's stored attributes as brat holds them: (key, value part) of its A lines (a
    choice without spaces, or a boolean that is true), and the JSON of the others (or None)."""
    kinds = by_label.get(label, {})
    lines, rest = [], {}
    for key, value in _loads(attributes).items():
        kind = kinds.get(key)
        if kind == "choice" and " " not in value:
            lines.append((key, f" {value}"))
        elif kind == "boolean" and value is True:
            lines.append((key, ""))
        else:
            rest[key] = value
    return tuple(lines), (_dumps(rest) if rest else None)


def _brat_kinds(project: Project) -> dict[str, dict[str, str]]:
    """label -> attribute -> its type."""
    codebook = load_codebook(project.codebook)
    return {label.key: {a.key: a.type for a in label.attributes.values()}
            for label in codebook.labels.values()}


def brat_ann(paragraphs: Sequence[str], starts: Sequence[int], spans: Sequence[SpanRow],
             split: Callable[[str, str], tuple]) -> str:
    """Standoff for one document: T lines, A lines for choice and boolean attributes, and
    AnnotatorNotes holding the note and the other attributes as JSON (so nothing is lost).

    ``starts``: where each paragraph starts in the document's text; ``split``:
    ``_attribute_lines`` for the codebook's attributes (with a cache: spans repeat their
    attributes)."""
    lines = []
    append = lines.append
    a_index = 0
    for i, (paragraph, start, end, label, attributes, note) in enumerate(spans, start=1):
        offset = starts[paragraph]
        text = paragraphs[paragraph][start:end]
        if "\n" in text:
            text = text.replace("\n", " ")
        append(f"T{i}\t{label} {offset + start} {offset + end}\t{text}")
        rest = None
        if attributes != "{}":
            a_lines, rest = split(label, attributes)
            for key, value in a_lines:
                a_index += 1
                append(f"A{a_index}\t{key} T{i}{value}")
        if rest is not None:
            append(f'#{i}\tAnnotatorNotes T{i}\t{{"note": {_quote(note)}, "attributes": {rest}}}')
        elif note:
            append(f'#{i}\tAnnotatorNotes T{i}\t{{"note": {_quote(note)}}}')
    return "\n".join(lines) + ("\n" if lines else "")


def write_brat(project: Project, options: ExportOptions) -> Iterator[bytes]:
    """A zip of REVIEWER/DOCID.txt and .ann (and gold/), plus annotation.conf.

    A document's text is compressed once for all its copies; spans' attributes are split into
    brat's A lines once per distinct value (a bounded cache)."""
    by_label = _brat_kinds(project)
    split = lru_cache(maxsize=16384)(partial(_attribute_lines, by_label))
    archive = ZipStream(level=BRAT_COMPRESSION)
    yield archive.add("annotation.conf", brat_conf(project).encode("utf-8"))
    for doc in iter_documents(project, options):
        blocks = [(name, spans) for name, (_, _, spans) in doc.reviews.items()]
        if doc.gold:
            blocks.append(("gold", [s for s, _ in doc.gold]))
        if not blocks:
            continue
        text = prepare(DOC_SEPARATOR.join(doc.paragraphs).encode("utf-8"), BRAT_COMPRESSION)
        starts = _starts(doc.paragraphs)
        out = []
        for name, spans in blocks:
            out.append(archive.add(f"{name}/{doc.id}.txt", text))
            ann = brat_ann(doc.paragraphs, starts, spans, split)
            out.append(archive.add(f"{name}/{doc.id}.ann", ann.encode("utf-8")))
        yield b"".join(out)
    yield archive.finish()


def write_answers_csv(project: Project, options: ExportOptions) -> Iterator[str]:
    """One row per document and reviewer with a review (and ``gold`` where a document has gold
    answers): ``document_id, external_id, title, reviewer, status`` and a column per
    article-level question (INTERFACE.md); a set's choices joined by ``|``."""
    questions = list(load_codebook(project.codebook).questions.values())
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["document_id", "external_id", "title", "reviewer", "status",
                     *(q.key for q in questions)])
    guard = (lambda value: value) if options.raw else _safe_cell

    def cells(answers: dict) -> list[str]:
        out = []
        for q in questions:
            value = answers.get(q.key)
            if value is None:
                out.append("")
            elif isinstance(value, list):
                out.append(guard("|".join(value)))
            elif isinstance(value, bool):
                out.append("true" if value else "false")
            else:
                out.append(guard(str(value)) if isinstance(value, str) else str(value))
        return out

    for doc in iter_documents(project, options, details=False):
        head = [doc.id, guard(doc.external_id or ""), guard(doc.title)]
        for name, (status, _, _) in doc.reviews.items():
            writer.writerow([*head, name, status, *cells(_loads(doc.answers.get(name, "{}")))])
        if doc.gold_answers:
            gold = {question: _loads(value) for question, value, _ in doc.gold_answers}
            writer.writerow([*head, "gold", "", *cells(gold)])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    rest = buffer.getvalue()
    if rest:
        yield rest


WRITERS = {"jsonl": write_jsonl, "csv": write_csv, "conll": write_conll, "brat": write_brat,
           "doccano": write_doccano, "answers-csv": write_answers_csv}


def export(project: Project, fmt: str, options: ExportOptions | None = None) -> Iterator:
    if fmt not in WRITERS:
        raise Invalid(f"Unknown export format '{fmt}'; use one of {', '.join(FORMATS)}.",
                      "format")
    options = options or ExportOptions()
    _reviewer_filter(options)  # fail before streaming starts
    return WRITERS[fmt](project, options)


# A format's name in its file when its extension does not tell it (doccano's JSONL is not the
# documents JSONL; brat's zip says nothing): SLUG-doccano.jsonl, SLUG-brat.zip.
NAMED_IN_FILE = {"doccano": "doccano", "brat": "brat", "answers-csv": "answers"}


def filename(project: Project, fmt: str, options: ExportOptions) -> str:
    """SLUG.jsonl, SLUG-doccano.jsonl, SLUG.csv, SLUG.conll, SLUG-brat.zip; then -gold or
    -submitted for the options."""
    parts = [project.slug]
    if fmt in NAMED_IN_FILE:
        parts.append(NAMED_IN_FILE[fmt])
    if options.describe():
        parts.append(options.describe())
    return f"{'-'.join(parts)}.{EXTENSIONS[fmt]}"
