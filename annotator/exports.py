"""Writers of the labelled data: jsonl, csv, conll, brat (a zip) and doccano.

Every writer is a generator of text (or bytes, for brat) chunks that reads the project a batch
of documents at a time, so memory stays flat however large the project is, and a response can
stream it. Attributes are read as their stored JSON text and written as is, never parsed.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import Text, cast, func, select

from .codebook import load_codebook
from .errors import Invalid
from .extensions import db
from .models import (
    Annotation,
    Document,
    DocumentReview,
    GoldSpan,
    Paragraph,
    ParagraphReview,
    Project,
    User,
)

FORMATS = ("jsonl", "csv", "conll", "brat", "doccano")
MEDIA_TYPES = {
    "jsonl": "application/x-ndjson; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "conll": "text/plain; charset=utf-8",
    "brat": "application/zip",
    "doccano": "application/x-ndjson; charset=utf-8",
}
EXTENSIONS = {"jsonl": "jsonl", "csv": "csv", "conll": "conll", "brat": "zip",
              "doccano": "jsonl"}
BATCH = 250  # documents per round of queries
DOC_SEPARATOR = "\n\n"  # paragraphs joined for doccano and brat (INTERFACE.md)
TOKEN_RE = re.compile(r"\w+|[^\w\s]")
_dumps = json.JSONEncoder(ensure_ascii=False).encode


@dataclass
class ExportOptions:
    reviewers: Sequence[str] | None = None  # None: everyone
    submitted_only: bool = False
    gold_only: bool = False
    document_ids: Sequence[int] | None = None

    def describe(self) -> str:
        parts = []
        if self.gold_only:
            parts.append("gold")
        if self.submitted_only:
            parts.append("submitted")
        return "-".join(parts)


@dataclass
class SpanRow:
    paragraph: int
    start: int
    end: int
    label: str
    attributes: str  # the stored JSON text
    note: str


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


def iter_documents(project: Project, options: ExportOptions) -> Iterator[DocumentExport]:
    """The selected documents with their reviews and gold, a batch of queries at a time."""
    ids = _document_ids(project, options)
    allowed = _reviewer_filter(options)
    names = dict(db.session.execute(select(User.id, User.username)).all())
    for i in range(0, len(ids), BATCH):
        batch = ids[i:i + BATCH]
        docs = db.session.execute(
            select(Document.id, Document.title, Document.source, Document.url,
                   Document.published, cast(Document.meta, Text), Document.external_id)
            .where(Document.id.in_(batch)).order_by(Document.id)
        ).all()
        texts: dict[int, list[str]] = defaultdict(list)
        for doc_id, text in db.session.execute(
            select(Paragraph.document_id, Paragraph.text).where(Paragraph.document_id.in_(batch))
            .order_by(Paragraph.document_id, Paragraph.position)
        ):
            texts[doc_id].append(text)
        reviews: dict[int, dict[int, list]] = defaultdict(dict)
        if not options.gold_only:
            status_query = select(DocumentReview.document_id, DocumentReview.reviewer_id,
                                  DocumentReview.status) \
                .where(DocumentReview.document_id.in_(batch),
                       DocumentReview.status != "not_started")
            if options.submitted_only:
                status_query = status_query.where(DocumentReview.status == "submitted")
            for doc_id, uid, status in db.session.execute(status_query):
                if allowed is None or uid in allowed:
                    reviews[doc_id][uid] = [status, [], []]
            for doc_id, index, uid in db.session.execute(
                select(ParagraphReview.document_id, ParagraphReview.paragraph_index,
                       ParagraphReview.reviewer_id)
                .where(ParagraphReview.document_id.in_(batch))
                .order_by(ParagraphReview.document_id, ParagraphReview.reviewer_id,
                          ParagraphReview.paragraph_index)
            ):
                review = reviews[doc_id].get(uid)
                if review is not None:
                    review[1].append(index)
            for row in db.session.execute(
                select(Annotation.document_id, Annotation.reviewer_id,
                       Annotation.paragraph_index, Annotation.start, Annotation.end,
                       Annotation.label, cast(Annotation.attributes, Text),
                       Annotation.note)
                .where(Annotation.document_id.in_(batch))
                .order_by(Annotation.document_id, Annotation.reviewer_id,
                          Annotation.paragraph_index, Annotation.start, Annotation.end,
                          Annotation.id)
            ):
                review = reviews[row[0]].get(row[1])
                if review is not None:
                    review[2].append(SpanRow(row[2], row[3], row[4], row[5], row[6] or "{}",
                                             row[7] or ""))
        gold: dict[int, list] = defaultdict(list)
        for row in db.session.execute(
            select(GoldSpan.document_id, GoldSpan.paragraph_index, GoldSpan.start, GoldSpan.end,
                   GoldSpan.label, cast(GoldSpan.attributes, Text), GoldSpan.note,
                   GoldSpan.provenance)
            .where(GoldSpan.document_id.in_(batch))
            .order_by(GoldSpan.document_id, GoldSpan.paragraph_index, GoldSpan.start,
                      GoldSpan.end, GoldSpan.id)
        ):
            gold[row[0]].append((SpanRow(row[1], row[2], row[3], row[4], row[5] or "{}",
                                         row[6] or ""), row[7]))
        for doc in docs:
            doc_reviews = {
                names[uid]: (status, reviewed, spans)
                for uid, (status, reviewed, spans) in sorted(
                    reviews[doc[0]].items(), key=lambda kv: names[kv[0]].lower())
            }
            yield DocumentExport(
                id=doc[0], title=doc[1], source=doc[2], url=doc[3],
                published=doc[4].isoformat() if doc[4] else None, meta=doc[5] or "{}",
                external_id=doc[6], paragraphs=texts[doc[0]], reviews=doc_reviews,
                gold=gold[doc[0]],
            )
        db.session.expire_all()


# --- jsonl ----------------------------------------------------------------------------------

def _span_json(span: SpanRow, text: str, extra: str = "") -> str:
    return (f'{{"paragraph": {span.paragraph}, "start": {span.start}, "end": {span.end}, '
            f'"label": {_dumps(span.label)}, "text": {_dumps(text[span.start:span.end])}, '
            f'"attributes": {span.attributes}, "note": {_dumps(span.note)}{extra}}}')


def write_jsonl(project: Project, options: ExportOptions) -> Iterator[str]:
    """Documents JSONL (INTERFACE.md): import of this output reproduces the project."""
    for doc in iter_documents(project, options):
        texts = doc.paragraphs
        reviews = ", ".join(
            f'{{"reviewer": {_dumps(name)}, "status": {_dumps(status)}, '
            f'"reviewed_paragraphs": {_dumps(reviewed)}, "annotations": ['
            + ", ".join(_span_json(s, texts[s.paragraph]) for s in spans) + "]}"
            for name, (status, reviewed, spans) in doc.reviews.items()
        )
        gold = ", ".join(
            _span_json(s, texts[s.paragraph], f', "provenance": {_dumps(provenance)}')
            for s, provenance in doc.gold
        )
        yield (f'{{"id": {doc.id}, "title": {_dumps(doc.title)}, "source": {_dumps(doc.source)}, '
               f'"url": {_dumps(doc.url)}, "published": {_dumps(doc.published)}, '
               f'"meta": {doc.meta}, "external_id": {_dumps(doc.external_id)}, '
               f'"paragraphs": {_dumps(texts)}, "reviews": [{reviews}], "gold": [{gold}]}}\n')


# --- csv ------------------------------------------------------------------------------------

CSV_HEADER = ["document_id", "external_id", "document_title", "paragraph", "start", "end",
              "label", "text", "reviewer", "attributes"]


def write_csv(project: Project, options: ExportOptions) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for doc in iter_documents(project, options):
        texts = doc.paragraphs
        ext = doc.external_id or ""
        rows = [
            (doc.id, ext, doc.title, s.paragraph, s.start, s.end, s.label,
             texts[s.paragraph][s.start:s.end], name, s.attributes)
            for name, (_, _, spans) in doc.reviews.items() for s in spans
        ]
        rows.extend(
            (doc.id, ext, doc.title, s.paragraph, s.start, s.end, s.label,
             texts[s.paragraph][s.start:s.end], "gold", s.attributes)
            for s, _ in doc.gold
        )
        writer.writerows(rows)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    rest = buffer.getvalue()
    if rest:
        yield rest


# --- conll ----------------------------------------------------------------------------------

def bio_columns(text: str, spans: Iterable[SpanRow], labels: Sequence[str]) -> list[list[str]]:
    """Per token of the paragraph, one B-/I-/O tag per label. A token is inside a span when
    they share a character; each label's overlapping spans are merged first; the first token
    of a merged span is B."""
    tokens = [(m.start(), m.end()) for m in TOKEN_RE.finditer(text)]
    columns = [["O"] * len(labels) for _ in tokens]
    by_label: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for s in spans:
        by_label[s.label].append((s.start, s.end))
    for li, label in enumerate(labels):
        intervals = sorted(by_label.get(label, ()))
        merged: list[list[int]] = []
        for start, end in intervals:
            if merged and start < merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        for start, end in merged:
            first = True
            for ti, (ts, te) in enumerate(tokens):
                if ts < end and start < te:
                    columns[ti][li] = ("B-" if first else "I-") + label
                    first = False
    return [[text[ts:te], *cols] for (ts, te), cols in zip(tokens, columns, strict=True)]


def write_conll(project: Project, options: ExportOptions) -> Iterator[str]:
    labels = load_codebook(project.codebook).label_keys
    yield "# columns = token " + " ".join(labels) + "\n\n"
    for doc in iter_documents(project, options):
        blocks = [(name, spans) for name, (_, _, spans) in doc.reviews.items()]
        if doc.gold:
            blocks.append(("gold", [s for s, _ in doc.gold]))
        out = []
        for name, spans in blocks:
            out.append(f"# document = {doc.id}\n# title = {' '.join(doc.title.split())}\n"
                       f"# reviewer = {name}\n")
            by_par: dict[int, list[SpanRow]] = defaultdict(list)
            for s in spans:
                by_par[s.paragraph].append(s)
            for index, text in enumerate(doc.paragraphs):
                for row in bio_columns(text, by_par.get(index, ()), labels):
                    out.append("\t".join(row) + "\n")
                out.append("\n")
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
    for doc in iter_documents(project, options):
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

class _Sink(io.RawIOBase):
    """A write-only stream whose bytes are taken out as they come (zip streaming)."""

    def __init__(self):
        self.chunks: list[bytes] = []
        self.position = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.chunks.append(bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def take(self) -> bytes:
        data = b"".join(self.chunks)
        self.chunks.clear()
        return data


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


def brat_ann(paragraphs: Sequence[str], spans: Sequence[SpanRow], kinds: dict) -> str:
    """Standoff for one document: T lines, A lines for choice and boolean attributes, and
    AnnotatorNotes holding the note and the other attributes as JSON (so nothing is lost)."""
    starts = _starts(paragraphs)
    lines = []
    a_index = 0
    for i, s in enumerate(spans, start=1):
        begin = starts[s.paragraph] + s.start
        end = starts[s.paragraph] + s.end
        text = paragraphs[s.paragraph][s.start:s.end].replace("\n", " ")
        lines.append(f"T{i}\t{s.label} {begin} {end}\t{text}")
        attributes = json.loads(s.attributes) if s.attributes not in ("{}", "") else {}
        rest = {}
        for key, value in attributes.items():
            kind = kinds.get((s.label, key))
            if kind == "choice" and " " not in value:
                a_index += 1
                lines.append(f"A{a_index}\t{key} T{i} {value}")
            elif kind == "boolean" and value is True:
                a_index += 1
                lines.append(f"A{a_index}\t{key} T{i}")
            else:
                rest[key] = value
        if rest or s.note:
            payload = {"note": s.note, "attributes": rest} if rest else {"note": s.note}
            lines.append(f"#{i}\tAnnotatorNotes T{i}\t{_dumps(payload)}")
    return "\n".join(lines) + ("\n" if lines else "")


def write_brat(project: Project, options: ExportOptions) -> Iterator[bytes]:
    """A zip of REVIEWER/DOCID.txt and .ann (and gold/), plus annotation.conf."""
    codebook = load_codebook(project.codebook)
    kinds = {(label.key, a.key): a.type for label in codebook.labels.values()
             for a in label.attributes.values()}
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("annotation.conf", brat_conf(project))
        for doc in iter_documents(project, options):
            text = DOC_SEPARATOR.join(doc.paragraphs)
            blocks = [(name, spans) for name, (_, _, spans) in doc.reviews.items()]
            if doc.gold:
                blocks.append(("gold", [s for s, _ in doc.gold]))
            for name, spans in blocks:
                archive.writestr(f"{name}/{doc.id}.txt", text)
                archive.writestr(f"{name}/{doc.id}.ann", brat_ann(doc.paragraphs, spans, kinds))
            yield sink.take()
    yield sink.take()


WRITERS = {"jsonl": write_jsonl, "csv": write_csv, "conll": write_conll, "brat": write_brat,
           "doccano": write_doccano}


def export(project: Project, fmt: str, options: ExportOptions | None = None) -> Iterator:
    if fmt not in WRITERS:
        raise Invalid(f"Unknown export format '{fmt}'; use one of {', '.join(FORMATS)}.",
                      "format")
    options = options or ExportOptions()
    _reviewer_filter(options)  # fail before streaming starts
    return WRITERS[fmt](project, options)


def filename(project: Project, fmt: str, options: ExportOptions) -> str:
    suffix = options.describe()
    return f"{project.slug}{'-' + suffix if suffix else ''}.{EXTENSIONS[fmt]}"
