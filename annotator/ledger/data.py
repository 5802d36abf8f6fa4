"""The spans a ledger is computed from, read in a few bulk queries and laid out as a
``compute.SpanTable``.

The spans (and the paragraph lengths) are read column by column, each in one aggregate
(``read_columns``): the numbers as one text that numpy parses, and of the attributes only
the keys ``compute`` reads (``compute.attributes_read``), taken out of the JSON by the
database and sent as one JSON array per key, decoded in one call. No row is ever a Python
object: a project's 200,000 spans cost a few aggregates, not a tuple and a dict each.

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
from functools import lru_cache
from typing import Any

import numpy as np
from sqlalchemy import Table, Text, case, cast, func, literal, select

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
from .compute import SpanTable, attributes_read, object_array
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


def load_aliases(project_id: int) -> dict[str, str]:
    a = _table(LedgerAlias).c
    return dict(db.session.execute(
        select(a.alias, a.canonical).where(a.project_id == project_id)).all())


def aggregated(numbers: Sequence, values: Sequence = (), postgresql: bool = False) -> tuple:
    """The aggregates ``read_columns`` reads: each of ``numbers`` (whole numbers, not NULL)
    as one text of the numbers joined, each of ``values`` (JSON values, NULL as null) as one
    JSON array."""
    if postgresql:
        return (*(func.string_agg(cast(c, Text), ",") for c in numbers),
                *(cast(func.json_agg(v), Text) for v in values))
    return (*(func.group_concat(c) for c in numbers),
            *(func.json_group_array(v) for v in values))


def read_columns(query, aggregates: Sequence, numbers: int
                 ) -> tuple[list[np.ndarray], list[list[Any]]]:
    """The rows of ``query`` (a select of no columns yet, with its FROM and WHERE) read column
    by column, in one row of ``aggregates`` (``aggregated``; the first ``numbers`` of them
    numbers, parsed by numpy, then JSON arrays, each decoded in one call). The aggregates of
    one query see the rows in the same order, so the columns line up; reading a hundred
    thousand rows this way costs a fraction of fetching them as rows and taking them apart
    in Python."""
    row = db.session.execute(query.with_only_columns(*aggregates,
                                                     maintain_column_froms=True)).one()
    return ([np.fromstring(text or "", dtype=np.int64, sep=",") for text in row[:numbers]],
            [json.loads(text) if text else [] for text in row[numbers:]])


def _json_value(table: Table, key: str, postgresql: bool):
    """The attribute ``key`` of a span as a JSON value (NULL where absent)."""
    if postgresql:  # JSONB
        return table.c.attributes.op("->")(key)
    return func.json_extract(table.c.attributes, f'$."{key}"')  # keys are [a-z0-9_-]


SPAN_NUMBERS = 7  # document, set, id, paragraph, start, end, label


@lru_cache(maxsize=64)
def _span_aggregates(table: Table, config: LedgerConfig, gold: bool, postgresql: bool
                     ) -> tuple[tuple[str, ...], tuple]:
    """What ``read_columns`` reads of the spans of ``table`` (gold's: set 0; else the
    reviewer's id), built once per codebook: document, set, id, paragraph, start, end, label
    (its index in ``config.labels``), then per attribute key ``compute`` reads
    (``attributes_read``) its values, NULL on the spans of labels that do not read it.
    Returns the keys and the aggregates."""
    c = table.c
    labels = list(config.labels)
    reading: dict[str, list[str]] = {}
    for label, keys in attributes_read(config).items():
        for key in keys:
            reading.setdefault(key, []).append(label)
    keys = tuple(sorted(reading))
    values = [_json_value(table, key, postgresql) if set(reading[key]) == set(labels)
              else case((c.label.in_(reading[key]), _json_value(table, key, postgresql)))
              for key in keys]
    numbers = [c.document_id, literal(0) if gold else c.reviewer_id, c.id, c.paragraph_index,
               c.start, c.end,
               case({label: i for i, label in enumerate(labels)}, value=c.label, else_=-1)]
    return keys, aggregated(numbers, values, postgresql)


@lru_cache(maxsize=4)
def _paragraph_aggregates(postgresql: bool) -> tuple:
    p = _table(Paragraph).c
    return aggregated([p.document_id, p.position, func.length(p.text)], (), postgresql)


def _read_spans(table: Table, query, config: LedgerConfig
                ) -> tuple[list[np.ndarray], dict[str, list[Any]]]:
    """The spans of ``query`` (over ``table``, of the ledger's labels), as ``_span_aggregates``
    says: the numbers as arrays, and the values per attribute key."""
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    keys, aggregates = _span_aggregates(table, config, table is _table(GoldSpan), postgresql)
    numbers, columns = read_columns(query, aggregates, SPAN_NUMBERS)
    return numbers, dict(zip(keys, columns, strict=True))


def load_ledger_data(
    project: Project,
    document_ids: Sequence[int] | None = None,
    gold: bool = False,
    reviewer_ids: Sequence[int] | None = (),
    finished_only: bool = True,
    config: LedgerConfig | None = None,
) -> LedgerData:
    """The units of the project's documents (all, or ``document_ids``): gold (``gold``) and
    reviewers' (``reviewer_ids``; None: every reviewer who submitted a document), and the
    spans of the ledger's labels in them. ``finished_only``: gold units only for documents
    with gold, reviewers' only for the documents they submitted; else a unit for every
    document (a ledger of what is tagged so far). ``config``: what to read (default: the
    project's codebook's, ``ledger_config``), e.g. less than a document's ledger shows."""
    if config is None:
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
    (par_docs, positions, par_len), _ = read_columns(
        rows_of(p_), _paragraph_aggregates(db.session.get_bind().dialect.name == "postgresql"),
        3)
    order = np.lexsort((positions, par_docs))
    par_doc, par_len = np.searchsorted(doc_ids, par_docs[order]), par_len[order]
    ends = np.cumsum(par_len)
    doc_first = np.searchsorted(par_doc, np.arange(len(doc_ids)), side="left")
    before = np.concatenate([[0], ends])[:len(par_len)]  # chars before each paragraph, overall
    par_offset = before - before[doc_first[par_doc]] if len(par_len) else par_len
    doc_chars = np.bincount(par_doc, weights=par_len, minlength=len(doc_ids)).astype(np.int64)

    labels = list(config.labels)
    unit_keys: list[tuple[int, int]] = []  # (document index, reviewer id; 0: gold)
    reads = []  # the spans, per table read: (numbers, values), see _read_spans
    if gold:
        if finished_only:
            gold_docs = db.session.scalars(rows_of(g_, g.document_id).distinct()).all()
            unit_keys += [(i, 0) for i in np.searchsorted(doc_ids, gold_docs).tolist()]
        else:
            unit_keys += [(i, 0) for i in range(len(doc_ids))]
        if labels:
            reads.append(_read_spans(g_, rows_of(g_, where=g.label.in_(labels)), config))
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
            query = rows_of(a_, where=a.label.in_(labels) if reviewer_ids is None
                            else a.label.in_(labels) & a.reviewer_id.in_(list(reviewer_ids)))
        else:
            wanted = list(reviewer_ids)
            unit_keys += [(i, rid) for i in range(len(doc_ids)) for rid in wanted]
            query = rows_of(a_, where=a.reviewer_id.in_(wanted) & a.label.in_(labels))
        if labels:
            reads.append(_read_spans(a_, query, config))
        ids = {rid for _, rid in unit_keys if rid}
        if ids:
            names = dict(execute(select(u.id, u.username).where(u.id.in_(ids))).all())
    unit_keys = sorted(set(unit_keys))
    unit_doc = np.array([k[0] for k in unit_keys], dtype=np.int64)
    unit_chars = doc_chars[unit_doc] if unit_keys else np.zeros(0, np.int64)

    # the spans, laid out by unit
    cols = [np.concatenate(parts) for parts in zip(*(numbers for numbers, _ in reads),
                                                   strict=True)] if reads else []
    if cols and cols[0].size:
        doc_id, span_set, span_id, par, start, end, label = cols
        doc = np.searchsorted(doc_ids, doc_id)
        # each span's unit: (document, set) looked up among the sorted units' composite keys
        width = max([rid for _, rid in unit_keys] + [int(span_set.max()), 0]) + 1
        composite = np.array([d * width + rid for d, rid in unit_keys], dtype=np.int64)
        wanted = doc * width + span_set
        unit = np.searchsorted(composite, wanted)
        keep = unit < composite.size
        keep[keep] = composite[unit[keep]] == wanted[keep]
        offset = par_offset[doc_first[doc] + par]
        values = {}
        for key in reads[0][1]:  # the same keys in every read
            joined: list[Any] = []
            for _, read in reads:
                joined += read[key]
            values[key] = object_array(joined)[keep]
        table = SpanTable(
            unit=unit[keep], paragraph=par[keep], start=start[keep], end=end[keep],
            offset=offset[keep], label=label[keep], label_names=labels, values=values,
            ids=span_id[keep], unit_chars=unit_chars)
    else:
        empty = np.zeros(0, dtype=np.int64)
        table = SpanTable(empty, empty, empty, empty, empty, empty, labels, {}, empty,
                          unit_chars)
    return LedgerData(
        config=config, doc_ids=doc_ids, titles=[r[1] for r in doc_rows],
        sources=[r[2] or None for r in doc_rows],
        months=[r[3].strftime("%Y-%m") if r[3] else None for r in doc_rows],
        unit_doc=unit_doc,
        unit_set=[GOLD if rid == 0 else names.get(rid, "") for _, rid in unit_keys],
        unit_reviewer=np.array([rid for _, rid in unit_keys], dtype=np.int64),
        table=table, aliases=load_aliases(project.id),
    )
