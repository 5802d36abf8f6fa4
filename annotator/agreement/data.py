"""A project's documents, reviews and spans, read for the agreement report in a few bulk
queries and laid out as numpy arrays (``ProjectData``), and the fingerprint of what was read.

Paragraphs are laid end to end on one character axis (one separator character between them,
so that no token or span crosses a paragraph); spans are kept only where their reviewer
reviewed the paragraph.

``READS`` declares every table ``load_project_data`` reads and how a change to it shows; the
loader takes its tables from it (``_table``) and ``fingerprint``, the report cache's key, is
computed from it: a table read and not fingerprinted cannot happen by forgetting it in a second
list (a test records the tables the loader's queries touch and compares).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from sqlalchemy import (
    BigInteger,
    String,
    Table,
    Text,
    bindparam,
    case,
    cast,
    func,
    literal,
    select,
    true,
    union_all,
)

from ..codebook import load_codebook
from ..extensions import db
from ..models import (
    Annotation,
    Document,
    DocumentReview,
    GoldSpan,
    Paragraph,
    ParagraphReview,
    Project,
    User,
)

SEPARATOR = "\n"  # between paragraphs on the character axis: white space, never a token


# --- what the report reads ----------------------------------------------------------------

@dataclass(frozen=True)
class Read:
    """A table the report reads, and what its aggregates show of a change to the rows it
    reads: the number of rows (rows added or removed), the newest ``stamp`` (a time column that
    every insert and update sets) and the sum of a checksum per row of the ``place`` columns
    (whole numbers; a ``String`` column, the label, by its place in the codebook): rows changed
    in place without a stamp. ``values`` are read from the project itself (its own row)."""

    model: Any
    stamp: str | None = None
    place: tuple[str, ...] = ()
    values: tuple[str, ...] = ()


READS = (
    Read(Project, values=("slug", "codebook")),
    Read(Document, stamp="created_at", place=("id",)),  # title and text never change
    Read(Paragraph),  # written with its document, never changed
    Read(ParagraphReview, stamp="created_at", place=("document_id", "paragraph_index",
                                                     "reviewer_id")),
    Read(DocumentReview, stamp="updated_at", place=("id",)),
    Read(Annotation, stamp="updated_at", place=("id",)),
    # gold is moved and relabelled in place, with no time of change: its place columns
    Read(GoldSpan, stamp="created_at", place=("id", "document_id", "paragraph_index", "start",
                                              "end", "label")),
    Read(User, stamp="created_at", place=("id",)),  # the names of the reviewers
)
_READ_TABLES = {read.model.__table__ for read in READS}
_CHECKSUM_BASE, _CHECKSUM_MODULUS = 1_000_003, 2_147_483_647


def _table(model) -> Table:
    """The table of a model the report reads: only those of ``READS``."""
    table = model.__table__
    if table not in _READ_TABLES:
        raise LookupError(f"{table.name} is not among the tables the report reads (READS)")
    return table


def fingerprint(project: Project, reads: Sequence[Read] = READS) -> tuple:
    """Changes whenever anything the report reads changes: per table of ``reads`` (the
    report's ``READS``, or another loader's), aggregates over the project's rows (count, sum
    of the place checksums, newest stamp), all in one query (one round trip), each table
    scanned once."""
    parts: list[Any] = [json.dumps(getattr(project, name), sort_keys=True)
                        for read in reads for name in read.values]
    statement = _fingerprint_statement(tuple(load_codebook(project.codebook).label_keys),
                                       tuple(reads))
    rows = db.session.execute(statement, {"b_project_id": project.id}).all()
    for row in sorted(rows, key=lambda row: row.read):  # a union's rows come in any order
        parts.extend((row.read, row.rows, str(row.sum), row.stamp))
    return tuple(parts)


@lru_cache(maxsize=64)
def _fingerprint_statement(labels: tuple[str, ...], reads: tuple[Read, ...]):
    """The fingerprint's query of ``reads`` for a codebook's labels (a label counts by its
    place in the codebook), built once: building it costs more than running it."""
    codes = {key: i for i, key in enumerate(labels, start=1)}
    project_id = bindparam("b_project_id")
    in_project = select(Document.id).where(Document.project_id == project_id)
    branches = []
    for number, read in enumerate(reads):
        if read.values:  # the project's own row: read from the object
            continue
        table = read.model.__table__
        c = table.c
        if "project_id" in c:
            where = c.project_id == project_id
        elif "document_id" in c:
            where = c.document_id.in_(in_project)
        else:  # users: every one (few rows)
            where = true()
        checksum = literal(0, BigInteger)
        for name in read.place:
            value = c[name]
            if isinstance(value.type, String):
                value = case(codes, value=value, else_=0) if codes else literal(0)
            checksum = (checksum * _CHECKSUM_BASE + cast(value, BigInteger)) % _CHECKSUM_MODULUS
        branches.append(
            select(literal(number).label("read"), func.count().label("rows"),
                   (func.sum(checksum) if read.place else literal(0, BigInteger)).label("sum"),
                   (cast(func.max(c[read.stamp]), Text) if read.stamp is not None
                    else literal(None, Text)).label("stamp"))
            .select_from(table).where(where))
    return union_all(*branches)


@dataclass
class ProjectData:
    """A project's documents, reviews and spans as arrays."""

    slug: str
    labels: list[str]
    attributes: dict[str, list[tuple[str, str]]]  # label -> [(key, type)]
    reviewers: list[str]
    doc_ids: np.ndarray  # (D,)
    doc_titles: list[str]
    par_doc: np.ndarray  # (P,) document index of each paragraph
    par_start: np.ndarray  # (P,) start of each paragraph on the character axis
    par_len: np.ndarray  # (P,) length in code points
    text: str  # all paragraphs joined by SEPARATOR
    reviewed: np.ndarray  # (P, R) bool
    submitted: np.ndarray  # (D, R) bool
    # spans, kept only where their reviewer reviewed the paragraph
    span_par: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    span_rev: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    span_label: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    span_start: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    span_end: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    span_attrs: list[dict] = field(default_factory=list)
    # gold spans (par, label, start, end)
    gold_par: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    gold_label: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    gold_start: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    gold_end: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    # (R,) every span each reviewer stored in these documents, counted or not
    spans_stored: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    # (D, R) the answers to the article-level questions of each submitted review, else None
    answers: list[list[dict | None]] = field(default_factory=list)

    @property
    def n_docs(self) -> int:
        return len(self.doc_ids)

    @property
    def n_reviewers(self) -> int:
        return len(self.reviewers)


def load_project_data(
    project: Project,
    document_ids: Sequence[int] | None = None,
    reviewers: Sequence[str] | None = None,
    origin: str | None = None,
) -> ProjectData:
    """Read what the report needs in a few bulk queries. ``origin``: only the spans that
    came from suggestions (``suggestion``) or only those made by hand (``hand``)."""
    codebook = load_codebook(project.codebook)
    labels = codebook.label_keys
    attributes = {
        key: [(a.key, a.type) for a in label.attributes.values()]
        for key, label in codebook.labels.items()
    }
    # The tables' columns (Core), not the mapped attributes: plain rows, without the ORM's
    # per-row work.
    d_, p_, pr_, dr_, a_, g_, u_ = map(_table, (Document, Paragraph, ParagraphReview,
                                                DocumentReview, Annotation, GoldSpan, User))
    d, p, pr, dr, a, g, u = (t.c for t in (d_, p_, pr_, dr_, a_, g_, u_))
    execute = db.session.execute
    in_docs = d.project_id == project.id
    if document_ids is not None:
        in_docs = in_docs & d.id.in_(list(document_ids))
    doc_rows = execute(select(d.id, d.title).where(in_docs).order_by(d.id)).all()
    doc_ids = np.array([r[0] for r in doc_rows], dtype=np.int64)
    titles = [r[1] for r in doc_rows]

    def rows_of(table, *columns, where=None):
        query = select(*columns).select_from(table.join(d_, d.id == table.c.document_id))
        return query.where(in_docs) if where is None else query.where(in_docs, where)

    par_rows = execute(rows_of(p_, p.document_id, p.text)
                       .order_by(p.document_id, p.position)).all()
    texts = [r[1] for r in par_rows]
    par_doc = np.searchsorted(doc_ids, np.array([r[0] for r in par_rows], dtype=np.int64))
    par_len = np.array([len(t) for t in texts], dtype=np.int64)
    par_start = np.zeros(len(texts), dtype=np.int64)
    if len(texts):
        par_start[1:] = np.cumsum(par_len + len(SEPARATOR))[:-1]
    doc_first_par = np.searchsorted(par_doc, np.arange(len(doc_ids)), side="left")

    # Reviewers: everyone who reviewed or annotated in these documents.
    user_ids = set(db.session.scalars(rows_of(pr_, pr.reviewer_id).distinct()))
    user_ids |= set(db.session.scalars(rows_of(a_, a.reviewer_id).distinct()))
    names = dict(execute(
        select(u.id, u.username).where(u.id.in_(user_ids))
    ).all()) if user_ids else {}
    if reviewers is not None:
        wanted = {r.lower() for r in reviewers}
        names = {k: v for k, v in names.items() if v.lower() in wanted}
    ordered = sorted(names.items(), key=lambda kv: (kv[1].lower(), kv[1]))
    rev_index = {uid: i for i, (uid, _) in enumerate(ordered)}
    reviewer_names = [name for _, name in ordered]
    n_par, n_rev = len(texts), len(reviewer_names)

    def paragraph_index(doc_col, par_col):
        doc = np.searchsorted(doc_ids, np.asarray(doc_col, dtype=np.int64))
        return doc_first_par[doc] + np.asarray(par_col, dtype=np.int64)

    reviewed = np.zeros((n_par, n_rev), dtype=bool)
    rows = execute(rows_of(pr_, pr.document_id, pr.paragraph_index, pr.reviewer_id)).all()
    rows = [r for r in rows if r[2] in rev_index]
    if rows:
        cols = list(zip(*rows, strict=True))
        reviewed[paragraph_index(cols[0], cols[1]),
                 [rev_index[u] for u in cols[2]]] = True

    submitted = np.zeros((len(doc_ids), n_rev), dtype=bool)
    answers: list[list[dict | None]] = [[None] * n_rev for _ in range(len(doc_ids))]
    for doc_id, uid, stored in execute(rows_of(dr_, dr.document_id, dr.reviewer_id,
                                               cast(dr.answers, Text),
                                               where=dr.status == "submitted")):
        if uid in rev_index:
            row = np.searchsorted(doc_ids, doc_id)
            submitted[row, rev_index[uid]] = True
            answers[row][rev_index[uid]] = (json.loads(stored) if stored else None) or {}

    # The reviewed-paragraph rule of tokens.py (is_reviewed: marked done, or the document
    # submitted), on the whole (paragraphs, reviewers) matrix at once.
    if n_par:
        reviewed |= submitted[par_doc]

    data = ProjectData(
        slug=project.slug, labels=labels, attributes=attributes, reviewers=reviewer_names,
        doc_ids=doc_ids, doc_titles=titles, par_doc=par_doc, par_start=par_start,
        par_len=par_len, text=SEPARATOR.join(texts), reviewed=reviewed, submitted=submitted,
        answers=answers,
    )
    # Attributes as their stored JSON text, decoded below in one call for all kept spans.
    from_origin = None
    if origin == "suggestion":
        from_origin = a.origin.like("suggestion:%")
    elif origin == "hand":
        from_origin = a.origin.is_(None)
    span_rows = execute(rows_of(a_, a.document_id, a.paragraph_index, a.reviewer_id, a.start,
                                a.end, a.label, cast(a.attributes, Text),
                                where=from_origin)).all()
    label_index = {key: i for i, key in enumerate(labels)}
    data.spans_stored = np.bincount([rev_index[r[2]] for r in span_rows if r[2] in rev_index],
                                    minlength=n_rev).astype(np.int64)
    span_rows = [r for r in span_rows if r[2] in rev_index and r[5] in label_index]
    if span_rows:
        cols = list(zip(*span_rows, strict=True))
        par = paragraph_index(cols[0], cols[1])
        rev = np.array([rev_index[u] for u in cols[2]], dtype=np.int64)
        keep = reviewed[par, rev]  # spans in paragraphs the reviewer did not review: left out
        data.span_par = par[keep]
        data.span_rev = rev[keep]
        data.span_start = np.asarray(cols[3], dtype=np.int64)[keep]
        data.span_end = np.asarray(cols[4], dtype=np.int64)[keep]
        data.span_label = np.array([label_index[k] for k in cols[5]], dtype=np.int64)[keep]
        kept = [t or "{}" for t, k in zip(cols[6], keep.tolist(), strict=True) if k]
        data.span_attrs = [x or {} for x in json.loads("[" + ",".join(kept) + "]")]
    gold_rows = execute(rows_of(g_, g.document_id, g.paragraph_index, g.start, g.end,
                                g.label)).all()
    gold_rows = [r for r in gold_rows if r[4] in label_index]
    if gold_rows:
        cols = list(zip(*gold_rows, strict=True))
        data.gold_par = paragraph_index(cols[0], cols[1])
        data.gold_start = np.asarray(cols[2], dtype=np.int64)
        data.gold_end = np.asarray(cols[3], dtype=np.int64)
        data.gold_label = np.array([label_index[k] for k in cols[4]], dtype=np.int64)
    return data
