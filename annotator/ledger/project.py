"""The project ledger (INTERFACE.md, "Source ledger": ``GET /api/projects/SLUG/ledger``).

One load and one ``compute`` over every unit: the ledger's own units (each document's gold, or
one reviewer's submitted documents) and, for ``reliability``, every submitting reviewer's
units. From the per-document arrays:

- ``totals``: sums over the documents; ``means``: each per-document share and index averaged
  over the documents where it is defined (``sources`` and ``mentions`` too);
- ``groups`` (``by=source``: the document's outlet, ``by=month``: its publication month), each
  with its ``documents``, ``totals``, ``means`` and, with ``bootstrap``, ``ci``;
- ``ci``: 95 % percentile intervals of the means from resampling documents with replacement
  (within each group for a group), seeded: every resample is a row of multinomial counts, and
  a resampled mean is a ratio of two matrix products;
- ``top_sources``: source keys across documents (sources without a name left out), by the
  number of documents, then mentions, then key;
- ``reliability``: Krippendorff's alpha (interval metric) per measure, units are documents,
  values each submitting reviewer's figure (``kernels``-free closed form, ``interval_alpha``);
- ``document_rows``: the per-document table (the page's flagged documents, the downloads).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from ..codebook import load_codebook
from ..models import Project
from .compute import COUNTS, FLAGS, SHARES, Ledgers, compute
from .config import LedgerConfig, ledger_config
from .data import GOLD, LedgerData, fingerprint, load_answers, load_ledger_data

MEANS = ("sources", "mentions", *SHARES)
RELIABILITY = ("sources", "anonymous_share", "official_share", "simpson")
BY = ("source", "month")


def interval_alpha(unit: np.ndarray, value: np.ndarray) -> dict[str, Any]:
    """Krippendorff's alpha with the interval metric (δ² = (c - k)²) of values grouped by
    unit (NaN values are missing), in closed form: within a unit of m values, the ordered
    pairs' squared differences sum to 2 (m Σv² - (Σv)²), so

        D_o = Σ_u 2 (m_u Σv² - (Σv)²) / (m_u - 1) / n,
        D_e = 2 (n Σv² - (Σv)²) / (n (n - 1)),

    over the pairable values (units with two or more; n of them). ``alpha`` is None when it
    is undefined (fewer than two pairable values, or no variation)."""
    keep = np.isfinite(value)
    unit, value = unit[keep], value[keep].astype(np.float64)
    if unit.size == 0:
        return {"alpha": None, "units": 0, "values": 0}
    _, inverse = np.unique(unit, return_inverse=True)
    inverse = inverse.reshape(-1)
    m = np.bincount(inverse)
    pairable = m[inverse] >= 2
    inverse, value = inverse[pairable], value[pairable]
    n = value.size
    units = int((m >= 2).sum())
    if n < 2:
        return {"alpha": None, "units": units, "values": int(n)}
    if value.min() == value.max():  # no variation: undefined
        return {"alpha": None, "units": units, "values": int(n)}
    # centred on the mean: the same sums, without the cancellation of large squares
    value = value - value.mean()
    s1 = np.bincount(inverse, weights=value, minlength=m.size)
    s2 = np.bincount(inverse, weights=value * value, minlength=m.size)
    ok = m >= 2
    observed = (2 * (m[ok] * s2[ok] - s1[ok] ** 2) / (m[ok] - 1)).sum() / n
    expected = 2 * (n * (value * value).sum() - value.sum() ** 2) / (n * (n - 1))
    if expected <= 0:
        return {"alpha": None, "units": units, "values": int(n)}
    return {"alpha": float(1 - observed / expected), "units": units, "values": int(n)}


def _mean(values: np.ndarray) -> float | None:
    finite = values[np.isfinite(values)]
    return float(math.fsum(finite.tolist()) / finite.size) if finite.size else None


class _Selection:
    """The ledger's units (one per document) and their figures."""

    def __init__(self, ledgers: Ledgers, units: np.ndarray):
        self.ledgers, self.units = ledgers, units

    def figure(self, name: str) -> np.ndarray:
        return self.ledgers.figures[name][self.units].astype(np.float64)

    def totals(self, sel: np.ndarray | None = None) -> dict[str, Any]:
        units = self.units if sel is None else self.units[sel]
        f = self.ledgers.figures
        counts = self.ledgers.type_counts[units].sum(axis=0) if units.size else []
        return {
            **{name: int(f[name][units].sum()) for name in COUNTS},
            "type_counts": {self.ledgers.type_names[t]: int(c)
                            for t, c in enumerate(np.asarray(counts).tolist()) if c},
        }

    def means(self, sel: np.ndarray | None = None) -> dict[str, float | None]:
        return {name: _mean(self.figure(name) if sel is None else self.figure(name)[sel])
                for name in MEANS}

    def intervals(self, sel: np.ndarray, resamples: int, rng: np.random.Generator
                  ) -> dict[str, list[float] | None]:
        """95 % percentile intervals of the means, resampling the selected documents."""
        n = int(sel.size)
        if n == 0:
            return {name: None for name in MEANS}
        weights = rng.multinomial(n, np.full(n, 1.0 / n), size=resamples).astype(np.float64)
        out: dict[str, list[float] | None] = {}
        for name in MEANS:
            values = self.figure(name)[sel]
            defined = np.isfinite(values)
            num = weights @ np.where(defined, values, 0.0)
            den = weights @ defined.astype(np.float64)
            with np.errstate(invalid="ignore", divide="ignore"):
                means = num / den
            means = means[np.isfinite(means)]
            if means.size == 0:
                out[name] = None
                continue
            low, high = np.percentile(means, [2.5, 97.5])
            out[name] = [float(low), float(high)]
        return out


def _top_sources(ledgers: Ledgers, units: np.ndarray, limit: int | None) -> list[dict]:
    """Source keys across the selected units: documents, mentions, the longest name, the type
    most documents give it (ties: the codebook's order)."""
    chosen = np.zeros(ledgers.n_units, dtype=bool)
    chosen[units] = True
    idx = np.flatnonzero(chosen[ledgers.src_unit]) if ledgers.src_unit.size else \
        np.zeros(0, np.int64)
    idx = [i for i in idx.tolist() if ledgers.src_key[i]]
    if not idx:
        return []
    keys = [ledgers.src_key[i] for i in idx]
    distinct, code = np.unique(np.array(keys, dtype=object), return_inverse=True)
    code = code.reshape(-1)
    sel = np.asarray(idx, dtype=np.int64)
    documents = np.bincount(code, minlength=distinct.size)  # one source per key and unit
    mentions = np.bincount(code, weights=ledgers.src_mentions[sel], minlength=distinct.size)
    n_types = len(ledgers.type_names)
    types = ledgers.src_type[sel]
    ok = types >= 0
    type_matrix = np.bincount(code[ok] * n_types + types[ok], minlength=distinct.size * n_types
                              ).reshape(distinct.size, n_types) if n_types else None
    names: dict[int, str] = {}
    for c, i in zip(code.tolist(), idx, strict=True):
        name = ledgers.src_name[i]
        if len(name) > len(names.get(c, "")):
            names[c] = name
    order = sorted(range(distinct.size), key=lambda c: (-documents[c], -mentions[c],
                                                         distinct[c]))
    if limit:
        order = order[:limit]
    out = []
    for c in order:
        t = int(type_matrix[c].argmax()) if type_matrix is not None \
            and type_matrix[c].sum() > 0 else -1
        out.append({"key": str(distinct[c]), "name": names.get(c, ""),
                    "type": ledgers.type_names[t] if t >= 0 else None,
                    "documents": int(documents[c]), "mentions": int(mentions[c])})
    return out


def _document_rows(data: LedgerData, sel: _Selection) -> list[dict]:
    ledgers = sel.ledgers
    rows = []
    for u in sel.units.tolist():
        d = int(data.unit_doc[u])
        row = {"id": int(data.doc_ids[d]), "title": data.titles[d], "source": data.sources[d],
               "month": data.months[d], "spans": data.unit_set[u]}
        for name in (*COUNTS, *SHARES):
            row[name] = ledgers.value(name, u)
        row["type_counts"] = {ledgers.type_names[t]: int(c)
                              for t, c in enumerate(ledgers.type_counts[u].tolist()) if c}
        row["flags"] = [f for f, on in zip(FLAGS, ledgers.flags[u].tolist(), strict=True) if on]
        rows.append(row)
    return rows


def figures_read(config: LedgerConfig) -> LedgerConfig:
    """``config`` without what only a document's ledger shows: channels, experts' stances
    and disclaimers. No project figure counts them, so the project ledger does not read
    them."""
    attribution, expert = config.attribution, config.expert
    return replace(config,
                   attribution=replace(attribution, channel=None) if attribution else None,
                   expert=replace(expert, stance=None) if expert else None,
                   disclaimer_label=None, disclaimer_kind=None)


def build_project_ledger(
    project: Project,
    spans: str = GOLD,
    spans_user_id: int | None = None,
    by: str | None = None,
    bootstrap: int = 0,
    seed: int | None = None,
    document_ids: Sequence[int] | None = None,
    reviewer_ids: Sequence[int] | None = None,
    reliability: bool = True,
    top: int | None = 20,
) -> dict[str, Any]:
    """The project ledger from gold (``spans="gold"``) or one reviewer's submitted documents
    (``spans`` their name, ``spans_user_id`` their id); ``reviewer_ids`` limits the reviewers of
    ``reliability`` (None: everyone who submitted)."""
    # the reviewers whose units are read: reliability's, and the ledger's own
    wanted_reviewers: Sequence[int] | None = reviewer_ids if reliability else ()
    if spans != GOLD and spans_user_id is not None and wanted_reviewers is not None:
        wanted_reviewers = sorted({*wanted_reviewers, spans_user_id})
    config = figures_read(ledger_config(load_codebook(project.codebook).data))
    data = load_ledger_data(project, document_ids, gold=spans == GOLD,
                            reviewer_ids=wanted_reviewers, finished_only=True, config=config)
    ledgers = compute(data.table, data.config, data.aliases)
    is_main = data.unit_reviewer == (0 if spans == GOLD else spans_user_id)
    main = _Selection(ledgers, np.flatnonzero(is_main))
    result: dict[str, Any] = {
        "project": project.slug,
        "spans": spans,
        "documents": int(main.units.size),
        "totals": main.totals(),
        "means": main.means(),
    }
    rng = np.random.default_rng(seed) if bootstrap and bootstrap > 0 else None
    everything = np.arange(main.units.size)
    if rng is not None:
        result["ci"] = main.intervals(everything, bootstrap, rng)
    if by in BY:
        labels = data.sources if by == "source" else data.months
        keys = [labels[int(data.unit_doc[u])] for u in main.units.tolist()]
        groups = []
        for key in sorted(set(keys), key=lambda k: (k is None, k or "")):
            sel = np.array([i for i, k in enumerate(keys) if k == key], dtype=np.int64)
            group = {"key": key, "documents": int(sel.size), "totals": main.totals(sel),
                     "means": main.means(sel)}
            if rng is not None:
                group["ci"] = main.intervals(sel, bootstrap, rng)
            groups.append(group)
        result["by"] = by
        result["groups"] = groups
    else:
        result["groups"] = []
    result["top_sources"] = _top_sources(ledgers, main.units, top)
    if reliability:
        chosen = data.unit_reviewer > 0
        if reviewer_ids is not None:
            chosen &= np.isin(data.unit_reviewer, np.asarray(list(reviewer_ids), np.int64))
        reviewer_units = np.flatnonzero(chosen)
        docs = data.unit_doc[reviewer_units]
        result["reliability"] = {
            name: interval_alpha(docs, ledgers.figures[name][reviewer_units].astype(np.float64))
            for name in RELIABILITY}
    else:
        result["reliability"] = None
    result["type_names"] = list(ledgers.type_names)
    result["document_rows"] = _document_rows(data, main)
    questions = [q["key"] for q in project.codebook.get("questions", [])]
    if questions:
        # the article-level questions' answers beside the ledger's figures (gold's for gold)
        result["questions"] = questions
        for row, answers in zip(result["document_rows"], load_answers(data, main.units.tolist()),
                                strict=True):
            row["answers"] = {k: answers[k] for k in questions if k in answers}
    if bootstrap and bootstrap > 0:
        result["bootstrap"] = {"resamples": bootstrap, "seed": seed}
    if not data.config.usable:
        result["missing"] = list(data.config.missing)
    return result


# --- caching ------------------------------------------------------------------------------

def cached_project_ledger(project: Project, **options: Any) -> dict[str, Any]:
    """The project ledger, computed again only when something it reads changed since it was
    last computed with the same options, by any worker (``annotator.cache``: kept in the
    database, found by the fingerprint of every table the ledger reads, ``data.READS``, the
    alias table included)."""
    from .. import cache

    key = (project.id, sorted((name, sorted(v) if isinstance(v, list | tuple) else v)
                              for name, v in options.items()))
    return cache.cached("ledger", key, fingerprint(project),
                        lambda: build_project_ledger(project, **options),
                        project_id=project.id)
