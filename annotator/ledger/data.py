"""The spans a ledger is computed from, read in a few bulk queries (SQLAlchemy Core: plain
rows, no per-row ORM work) and laid out as a ``compute.SpanTable``.

A *unit* is one ledger: a document's gold, or one reviewer's spans of a document. Which units:

- ``gold``: the documents that have gold spans (of any label: a document adjudicated with no
  source is a ledger with no sources);
- a reviewer (``reviewer_ids``): with ``finished_only``, the documents the reviewer submitted
  (the project ledger and its reliability: a figure of half-done work is not a figure);
  without, every document asked for (one document's ledger of the spans tagged so far).

``READS`` declares every table read here, and ``fingerprint`` (the cache key of the project
ledger) aggregates them, as the agreement report's does (``agreement.data``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import Table, Text, cast, func, literal, select

from ..agreement.data import Read
from ..agreement.data import fingerprint as _fingerprint
from ..codebook import load_codebook
from ..extensions import db
from ..models import (
    Annotation,
    Document,
    DocumentReview,
    GoldAnswer,
    GoldSpan,
    LedgerAlias,
    Paragraph,
    Project,
    User,
)
from .compute import SpanTable
from .config import LedgerConfig, ledger_config

GOLD = "gold"

READS = (
    Read(Project, values=("slug", "codebook")),
    Read(Document, stamp="created_at", place=("id",)),  # source and published never change
    Read(Paragraph),  # written with its document, never changed
    Read(DocumentReview, stamp="updated_at", place=("id",)),  # who submitted what
    Read(Annotation, stamp="updated_at", place=("id",)),
    Read(GoldSpan, stamp="updated_at", place=("id", "document_id", "paragraph_index", "start",
                                              "end", "label")),
    Read(User, stamp="created_at", place=("id",)),
    # the answers to the article-level questions, for the per-document table: the reviewers'
    # on their review (above), gold's here (set by deleting and adding a row)
    Read(GoldAnswer, stamp="created_at", place=("id",)),
    Read(LedgerAlias, stamp="created_at", place=("id",)),  # rows added and removed, not changed
)
_READ_TABLES = {read.model.__table__ for read in READS}


def _table(model) -> Table:
    table = model.__table__
    if table not in _READ_TABLES:
        raise LookupError(f"{table.name} is not among the tables the ledger reads (READS)")
    return table


def fingerprint(project: Project) -> tuple:
    """Changes whenever anything the ledger reads changes (``READS``)."""
    return _fingerprint(project, READS)


@dataclass
class LedgerData:
    """The documents, the units and their spans."""

    config: LedgerConfig
    doc_ids: np.ndarray  # (D,)
    titles: list[str]
    sources: list[str | None]  # the outlets
    months: list[str | None]  # published, YYYY-MM
    unit_doc: np.ndarray  # (U,) document index of each unit
    unit_set: list[str]  # "gold" or the reviewer's name
    unit_reviewer: np.ndarray  # (U,) the reviewer's id; 0 for gold
    table: SpanTable
    aliases: dict[str, str] = field(default_factory=dict)

    @property
    def n_docs(self) -> int:
        return len(self.doc_ids)


def load_answers(data: LedgerData, units: Sequence[int]) -> list[dict[str, Any]]:
    """The answers to the article-level questions of each unit: gold's for gold units, the
    reviewer's on their review for theirs."""
    doc_ids = sorted({int(data.doc_ids[int(data.unit_doc[u])]) for u in units})
    if not doc_ids:
        return []
    g, r = _table(GoldAnswer).c, _table(DocumentReview).c
    gold: dict[int, dict[str, Any]] = {}
    for doc_id, question, value in db.session.execute(
            select(g.document_id, g.question, cast(g.value, Text))
            .where(g.document_id.in_(doc_ids))):
        gold.setdefault(doc_id, {})[question] = json.loads(value) if value else None
    reviewers = {int(data.unit_reviewer[u]) for u in units} - {0}
    given: dict[tuple[int, int], dict[str, Any]] = {}
    if reviewers:
        for doc_id, reviewer_id, stored in db.session.execute(
                select(r.document_id, r.reviewer_id, cast(r.answers, Text))
                .where(r.document_id.in_(doc_ids), r.reviewer_id.in_(sorted(reviewers)))):
            given[(doc_id, reviewer_id)] = (json.loads(stored) if stored else None) or {}
    out = []
    for u in units:
        doc_id = int(data.doc_ids[int(data.unit_doc[u])])
        reviewer = int(data.unit_reviewer[u])
        out.append(gold.get(doc_id, {}) if reviewer == 0 else given.get((doc_id, reviewer), {}))
    return out


def raw_rows(query) -> list[tuple]:
    """The rows of a Core query as the driver returns them (tuples), without SQLAlchemy's
    per-row work: for the large reads of plain numbers and text (the spans), where building
    row objects costs more than the query."""
    connection = db.session.connection()
    compiled = query.compile(dialect=connection.dialect,
                             compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    args = tuple(params[name] for name in compiled.positiontup) if compiled.positional \
        else params
    result = connection.exec_driver_sql(compiled.string, args)  # (events still see it)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def load_aliases(project_id: int) -> dict[str, str]:
    a = _table(LedgerAlias).c
    return dict(db.session.execute(
        select(a.alias, a.canonical).where(a.project_id == project_id)).all())


def load_ledger_data(
    project: Project,
    document_ids: Sequence[int] | None = None,
    gold: bool = False,
    reviewer_ids: Sequence[int] | None = (),
    finished_only: bool = True,
) -> LedgerData:
    """The units of the project's documents (all, or ``document_ids``): gold (``gold``) and
    reviewers' (``reviewer_ids``; None: every reviewer who submitted a document), and the
    spans of the ledger's labels in them. ``finished_only``: gold units only for documents
    with gold, reviewers' only for the documents they submitted; else a unit for every
    document (a ledger of what is tagged so far)."""
    config = ledger_config(load_codebook(project.codebook).data)
    d_, p_, dr_, a_, g_, u_ = map(_table, (Document, Paragraph, DocumentReview, Annotation,
                                           GoldSpan, User))
    d, p, dr, a, g, u = (t.c for t in (d_, p_, dr_, a_, g_, u_))
    execute = db.session.execute
    in_docs = d.project_id == project.id
    if document_ids is not None:
        in_docs = in_docs & d.id.in_(list(document_ids))
    doc_rows = execute(select(d.id, d.title, d.source, d.published).where(in_docs)
                       .order_by(d.id)).all()
    doc_ids = np.array([r[0] for r in doc_rows], dtype=np.int64)

    def rows_of(table, *columns, where=None):
        query = select(*columns).select_from(table.join(d_, d.id == table.c.document_id))
        return query.where(in_docs) if where is None else query.where(in_docs, where)

    # paragraph lengths in code points: each paragraph's place on its document's axis
    par_rows = execute(rows_of(p_, p.document_id, func.length(p.text))
                       .order_by(p.document_id, p.position)).all()
    par_doc = np.searchsorted(doc_ids, np.array([r[0] for r in par_rows], dtype=np.int64))
    par_len = np.array([r[1] for r in par_rows], dtype=np.int64)
    ends = np.cumsum(par_len)
    doc_first = np.searchsorted(par_doc, np.arange(len(doc_ids)), side="left")
    before = np.concatenate([[0], ends])[:len(par_len)]  # chars before each paragraph, overall
    par_offset = before - before[doc_first[par_doc]] if len(par_len) else par_len
    doc_chars = np.bincount(par_doc, weights=par_len, minlength=len(doc_ids)).astype(np.int64)

    labels = list(config.labels)
    unit_keys: list[tuple[int, int]] = []  # (document index, reviewer id; 0: gold)
    span_rows: list[tuple] = []  # (document id, set, id, paragraph, start, end, label, attrs)
    if gold:
        if finished_only:
            gold_docs = db.session.scalars(rows_of(g_, g.document_id).distinct()).all()
            unit_keys += [(i, 0) for i in np.searchsorted(doc_ids, gold_docs).tolist()]
        else:
            unit_keys += [(i, 0) for i in range(len(doc_ids))]
        if labels:
            span_rows += raw_rows(rows_of(
                g_, g.document_id, literal(0), g.id, g.paragraph_index,
                g.start, g.end, g.label, cast(g.attributes, Text),
                where=g.label.in_(labels)))
    names: dict[int, str] = {}
    if reviewer_ids is None or reviewer_ids:
        chosen = True if reviewer_ids is None else dr.reviewer_id.in_(list(reviewer_ids))
        if finished_only:
            pairs = execute(rows_of(dr_, dr.document_id, dr.reviewer_id,
                                    where=(dr.status == "submitted") & chosen)).all()
            if pairs:
                docs = np.searchsorted(doc_ids, [doc for doc, _ in pairs]).tolist()
                unit_keys += list(zip(docs, (rid for _, rid in pairs), strict=True))
            # every span of the chosen reviewers: those of unfinished reviews are no unit's,
            # and left out below (cheaper than joining the reviews in the query)
            query = rows_of(a_, a.document_id, a.reviewer_id, a.id, a.paragraph_index,
                            a.start, a.end, a.label, cast(a.attributes, Text),
                            where=a.label.in_(labels) if reviewer_ids is None
                            else a.label.in_(labels) & a.reviewer_id.in_(list(reviewer_ids)))
        else:
            wanted = list(reviewer_ids)
            unit_keys += [(i, rid) for i in range(len(doc_ids)) for rid in wanted]
            query = rows_of(a_, a.document_id, a.reviewer_id, a.id, a.paragraph_index, a.start,
                            a.end, a.label, cast(a.attributes, Text),
                            where=a.reviewer_id.in_(wanted) & a.label.in_(labels))
        if labels:
            span_rows += raw_rows(query)
        ids = {rid for _, rid in unit_keys if rid}
        if ids:
            names = dict(execute(select(u.id, u.username).where(u.id.in_(ids))).all())
    unit_keys = sorted(set(unit_keys))
    unit_doc = np.array([k[0] for k in unit_keys], dtype=np.int64)

    # the spans, laid out by unit
    if span_rows:
        cols = list(zip(*span_rows, strict=True))
        doc = np.searchsorted(doc_ids, np.asarray(cols[0], dtype=np.int64))
        # each span's unit: (document, set) looked up among the sorted units' composite keys
        span_set = np.asarray(cols[1], dtype=np.int64)
        width = max([rid for _, rid in unit_keys] + [int(span_set.max()), 0]) + 1
        composite = np.array([d * width + rid for d, rid in unit_keys], dtype=np.int64)
        wanted = doc * width + span_set
        unit = np.searchsorted(composite, wanted)
        keep = unit < composite.size
        keep[keep] = composite[unit[keep]] == wanted[keep]
        par = np.asarray(cols[3], dtype=np.int64)
        offset = par_offset[doc_first[doc] + par]
        attrs = [x or {} for x in json.loads("[" + ",".join(t or "{}" for t in cols[7]) + "]")]
        if not keep.all():
            attrs = [x for x, k in zip(attrs, keep.tolist(), strict=True) if k]
        table = SpanTable(
            unit=unit[keep], paragraph=par[keep],
            start=np.asarray(cols[4], dtype=np.int64)[keep],
            end=np.asarray(cols[5], dtype=np.int64)[keep], offset=offset[keep],
            labels=[x for x, k in zip(cols[6], keep.tolist(), strict=True) if k],
            attributes=attrs, ids=np.asarray(cols[2], dtype=np.int64)[keep],
            unit_chars=doc_chars[unit_doc] if unit_keys else np.zeros(0, np.int64))
    else:
        empty = np.zeros(0, dtype=np.int64)
        table = SpanTable(empty, empty, empty, empty, empty, [], [], empty,
                          doc_chars[unit_doc] if unit_keys else empty)
    return LedgerData(
        config=config, doc_ids=doc_ids, titles=[r[1] for r in doc_rows],
        sources=[r[2] or None for r in doc_rows],
        months=[r[3].strftime("%Y-%m") if r[3] else None for r in doc_rows],
        unit_doc=unit_doc,
        unit_set=[GOLD if rid == 0 else names.get(rid, "") for _, rid in unit_keys],
        unit_reviewer=np.array([rid for _, rid in unit_keys], dtype=np.int64),
        table=table, aliases=load_aliases(project.id),
    )
