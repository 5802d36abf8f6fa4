"""The agreement report of a project, built from the database by the definitions of
INTERFACE.md ("Agreement report").

Everything is computed from a handful of bulk queries and numpy arrays:

- ``data.load_project_data`` lays the paragraphs end to end on one character axis (one
  separator character between them, so that no token or span crosses a paragraph); spans
  become intervals on that axis;
- tokens (``tokens.token_arrays``) are found by classifying every code point at once;
- a reviewer's coverage of tokens comes from prefix sums over the token axis;
- Krippendorff's coincidences, Cohen's tables, F1 counts and the unitizing components are
  summed per document, so that the bootstrap resamples documents by multiplying a matrix of
  resampling counts with those per-document sums instead of recomputing anything.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from operator import methodcaller
from typing import Any

import numpy as np

from ..codebook import load_codebook
from ..models import Project
from ..tokens import token_arrays
from . import questions
from .data import ProjectData, fingerprint, load_project_data
from .kernels import (
    DocumentSums,
    alpha_from_coincidences,
    binary_coincidences,
    cohen_kappa,
    f1_exact,
    f1_overlap,
    figures_from_sums,
    mean_over_pairs,
    merge_intervals,
    overlap_terms,
    pairwise_coincidences,
    reviewer_pairs,
    token_confusion,
    unitizing_disagreement,
    unitizing_sums,
)


def _value(x: float) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def _mean_defined(values: Sequence[float]) -> float | None:
    finite = [v for v in values if v is not None and np.isfinite(v)]
    return float(math.fsum(finite) / len(finite)) if finite else None


# --- the computation ----------------------------------------------------------------------

class ReportBuilder:
    """The per-document sums (``kernels.DocumentSums``) of a project's data, from which every
    figure and every bootstrap resample is made (``kernels.figures_from_sums``)."""

    def __init__(self, data: ProjectData):
        self.data = data
        d = data
        self.n_par = len(d.par_len)
        self.m = d.reviewed.sum(axis=1)  # reviewers per paragraph
        self.units = self.m >= 2  # paragraphs reviewed by at least two reviewers
        self.gs = d.par_start[d.span_par] + d.span_start if d.span_par.size else d.span_par
        self.ge = d.par_start[d.span_par] + d.span_end if d.span_par.size else d.span_par
        self.span_doc = d.par_doc[d.span_par] if d.span_par.size else d.span_par
        self.pairs = reviewer_pairs(d.n_reviewers)
        self.sums = DocumentSums()

    # tokens and their coverage
    def _tokens(self):
        d = self.data
        ts, te = token_arrays(d.text)
        tok_par = np.searchsorted(d.par_start, ts, side="right") - 1 if ts.size else ts
        self.all_tokens = (ts, te, tok_par)
        keep = self.units[tok_par] if ts.size else np.zeros(0, dtype=bool)
        self.tok_start, self.tok_end, self.tok_par = ts[keep], te[keep], tok_par[keep]
        self.tok_doc = d.par_doc[self.tok_par] if self.tok_par.size else self.tok_par
        # Which spans touch which tokens: [lo, hi) on the token axis (empty when a span
        # covers white space only).
        self.span_tok_lo = np.searchsorted(self.tok_end, self.gs, side="right")
        self.span_tok_hi = np.searchsorted(self.tok_start, self.ge, side="left")

    def _covered(self, label: int, reviewer: int) -> np.ndarray:
        d = self.data
        sel = (d.span_label == label) & (d.span_rev == reviewer)
        lo, hi = self.span_tok_lo[sel], self.span_tok_hi[sel]
        ok = lo < hi
        n_tok = self.tok_start.size
        diff = np.bincount(lo[ok], minlength=n_tok + 1)[: n_tok + 1] \
            - np.bincount(hi[ok], minlength=n_tok + 1)[: n_tok + 1]
        return np.cumsum(diff)[:n_tok] > 0

    def compute(self) -> None:
        d = self.data
        n_docs, n_rev, n_labels = d.n_docs, d.n_reviewers, len(d.labels)
        self._tokens()
        tok_reviewed = d.reviewed[self.tok_par] if self.tok_par.size else \
            np.zeros((0, n_rev), dtype=bool)
        tok_m = tok_reviewed.sum(axis=1)
        par_units = np.flatnonzero(self.units)
        mask = np.zeros((n_rev, self.tok_start.size), dtype=np.int64)

        # paragraph-level values: does the reviewer have a span of the label in it?
        has = np.zeros((n_labels, self.n_par, n_rev), dtype=bool)
        if d.span_par.size:
            has[d.span_label, d.span_par, d.span_rev] = True
        for label in range(n_labels):
            n1 = (has[label] & d.reviewed).sum(axis=1)
            self.sums.paragraph_coinc[label] = binary_coincidences(
                n1[par_units], self.m[par_units], d.par_doc[par_units], n_docs)
            covered = np.zeros((n_rev, self.tok_start.size), dtype=bool)
            for r in range(n_rev):
                covered[r] = self._covered(label, r) & tok_reviewed[:, r]
                mask[r] |= covered[r].astype(np.int64) << label
            self.sums.token_coinc[label] = binary_coincidences(
                covered.sum(axis=0), tok_m, self.tok_doc, n_docs)
            for pair in self.pairs:
                a, b = pair
                both = d.reviewed[:, a] & d.reviewed[:, b]
                va, vb = has[label][both, a], has[label][both, b]
                idx = d.par_doc[both] * 4 + va.astype(np.int64) * 2 + vb.astype(np.int64)
                self.sums.cohen[(label, pair)] = np.bincount(
                    idx, minlength=n_docs * 4).reshape(n_docs, 4).astype(np.float64)
        # overall token alpha: the set of labels as one nominal value (a bit mask)
        values = np.where(tok_reviewed.T, mask, -1)
        self.sums.overall_token_coinc = pairwise_coincidences(
            values, tok_m, self.tok_doc, 1 << n_labels, n_docs)
        self.confusion = token_confusion(values, n_labels)
        self._fleiss(has)
        self._f1()
        self._unitizing()

    def _fleiss(self, has: np.ndarray) -> None:
        d = self.data
        ms = self.m[self.units]
        if ms.size == 0:
            return
        counts = np.bincount(ms)
        best = counts.max()
        m = int(np.flatnonzero(counts == best).max())  # the larger m on a tie
        self.sums.fleiss_m = m
        sel = np.flatnonzero(self.m == m)
        for label in range(len(d.labels)):
            n1 = (has[label][sel] & d.reviewed[sel]).sum(axis=1).astype(np.float64)
            n0 = m - n1
            p_i = (n1 * (n1 - 1) + n0 * (n0 - 1)) / (m * (m - 1))
            doc = d.par_doc[sel]
            n_docs = d.n_docs
            self.sums.fleiss[label] = np.stack([
                np.bincount(doc, weights=p_i, minlength=n_docs),
                np.bincount(doc, minlength=n_docs).astype(np.float64),
                np.bincount(doc, weights=n1, minlength=n_docs),
                np.bincount(doc, weights=n0, minlength=n_docs),
            ], axis=1)

    def _f1(self) -> None:
        d = self.data
        n_docs, n_labels = d.n_docs, len(d.labels)
        if d.span_par.size == 0:
            return
        big = int(self.ge.max()) + 2
        # exact: each reviewer's spans as a set of (label, start, end) on the global axis
        keys = (d.span_label * big + self.gs) * big + self.ge
        # overlap: each reviewer's spans of a label merged first
        merged = {}
        for r in range(d.n_reviewers):
            sel = d.span_rev == r
            k, s, e = merge_intervals(self.gs[sel], self.ge[sel], d.span_label[sel])
            merged[r] = (k, s, e)
        for pair in self.pairs:
            a, b = pair
            both = d.reviewed[:, a] & d.reviewed[:, b]
            sel_a = (d.span_rev == a) & both[d.span_par]
            sel_b = (d.span_rev == b) & both[d.span_par]
            ka, kb = np.unique(keys[sel_a]), np.unique(keys[sel_b])
            common = np.intersect1d(ka, kb, assume_unique=True)

            def doc_of(k):
                start = (k // big) % big
                par = np.searchsorted(d.par_start, start, side="right") - 1
                return d.par_doc[par]

            label_of = {"a": ka // (big * big), "b": kb // (big * big),
                        "c": common // (big * big)}
            docs = {"a": doc_of(ka), "b": doc_of(kb), "c": doc_of(common)}
            for label in [*range(n_labels), -1]:
                cols = []
                for name in ("c", "a", "b"):
                    sel = label_of[name] == label if label >= 0 else \
                        np.ones(label_of[name].size, dtype=bool)
                    cols.append(np.bincount(docs[name][sel], minlength=n_docs))
                self.sums.exact[(label, pair)] = np.stack(cols, axis=1).astype(np.float64)

            # overlap, per label on merged spans restricted to paragraphs both reviewed
            parts = {}
            for who, r in (("a", a), ("b", b)):
                k, s, e = merged[r]
                par = np.searchsorted(d.par_start, s, side="right") - 1
                keep = both[par]
                parts[who] = (k[keep], s[keep], e[keep], d.par_doc[par[keep]])
            overall = np.zeros((n_docs, 4))
            for label in range(n_labels):
                ka_, sa, ea, da = (x[parts["a"][0] == label] for x in parts["a"])
                kb_, sb, eb, db_ = (x[parts["b"][0] == label] for x in parts["b"])
                ia, ib, shared = overlap_terms(sa, ea, sb, eb)
                doc = da[ia]
                table = np.stack([
                    np.bincount(doc, weights=shared / (ea[ia] - sa[ia]), minlength=n_docs),
                    np.bincount(da, minlength=n_docs).astype(np.float64),
                    np.bincount(doc, weights=shared / (eb[ib] - sb[ib]), minlength=n_docs),
                    np.bincount(db_, minlength=n_docs).astype(np.float64),
                ], axis=1)
                self.sums.overlap[(label, pair)] = table
                overall += table
            self.sums.overlap[(-1, pair)] = overall

    def _unitizing(self) -> None:
        """Per document and label, DKPro's D_o and D_e among the reviewers who submitted the
        document (at least two), on the paragraphs laid end to end with nothing between, each
        times the document's length squared: ``unitizing_alpha`` pools them as
        ``1 - sum L**2 D_o / sum L**2 D_e``; ``unitizing_alpha_document_mean`` averages the
        documents' own ``1 - D_o / D_e``.

        ``kernels.unitizing_disagreement`` of every (document, label) at once: the same exact
        integer sums, computed for all of them with one sort and a few searches (see
        ``kernels.unitizing_sums``); each pair's two figures are then made as that function
        makes them."""
        d = self.data
        n_docs, n_labels = d.n_docs, len(d.labels)
        for label in range(n_labels):
            self.sums.unitizing[label] = np.zeros((n_docs, 2))
        if n_docs == 0 or n_labels == 0:
            return
        # position of a paragraph on its document's continuum (no separators)
        before = np.concatenate([[0], np.cumsum(d.par_len)[:-1]]).astype(np.int64)
        doc_first = np.searchsorted(d.par_doc, np.arange(n_docs), side="left")
        cont_start = before - before[doc_first[d.par_doc]]
        doc_len = np.bincount(d.par_doc, weights=d.par_len, minlength=n_docs).astype(np.int64)
        raters = d.submitted.sum(axis=1)
        eligible = (raters >= 2) & (doc_len > 0)
        if not eligible.any():
            return
        # the units: spans of the reviewers who submitted the document
        if d.span_par.size:
            keep = eligible[self.span_doc] & d.submitted[self.span_doc, d.span_rev]
        else:
            keep = np.zeros(0, dtype=bool)
        doc = self.span_doc[keep]
        begin = cont_start[d.span_par[keep]] + d.span_start[keep]
        sums = unitizing_sums(
            group=doc * n_labels + d.span_label[keep], rater=d.span_rev[keep], start=begin,
            end=begin + (d.span_end[keep] - d.span_start[keep]),
            n_groups=n_docs * n_labels, n_reviewers=d.n_reviewers,
            group_raters=np.repeat(d.submitted, n_labels, axis=0),
            group_length=np.repeat(doc_len, n_labels))
        for g in np.flatnonzero(np.repeat(eligible, n_labels)).tolist():
            doc_index, label = divmod(g, n_labels)
            n_r, length = int(raters[doc_index]), int(doc_len[doc_index])
            total, expected, q = sums[g]
            if total is None:  # too large for exact int64 sums: Python integers
                sel = (doc == doc_index) & (d.span_label[keep] == label)
                raters_of_doc = np.flatnonzero(d.submitted[doc_index])
                o, e = unitizing_disagreement(
                    length, raters_of_doc.size,
                    np.searchsorted(raters_of_doc, d.span_rev[keep][sel]), begin[sel],
                    begin[sel] + (d.span_end[keep] - d.span_start[keep])[sel])
            else:
                # as unitizing_disagreement makes them: float(Fraction(a, b)) is a / b
                o = 2 * total / (n_r - 1)
                e = 2 * expected * n_r * length / q
            # DKPro's D_o and D_e times L**2 (see unitizing_disagreement): the document's
            # raw disagreement, poolable over documents (INTERFACE.md, unitizing_alpha).
            self.sums.unitizing[label][doc_index] = (o / n_r, e / n_r)


# --- the report ---------------------------------------------------------------------------

OVERALL_CI_FIGURES = ("token_alpha", "unitizing_alpha", "unitizing_alpha_document_mean",
                      "f1_exact", "f1_overlap")

def build_report(
    project: Project,
    bootstrap: int = 0,
    seed: int | None = None,
    document_ids: Sequence[int] | None = None,
    reviewers: Sequence[str] | None = None,
    origin: str | None = None,
) -> dict:
    """The agreement report of INTERFACE.md for a project (optionally a subset of documents
    and reviewers), with bootstrap intervals when ``bootstrap`` > 0. ``origin``
    (``suggestion`` or ``hand``): only the spans accepted from suggestions, or only those
    made by hand (docs/additions.md, "Suggestions")."""
    data = load_project_data(project, document_ids, reviewers, origin)
    builder = ReportBuilder(data)
    builder.compute()
    sums, pairs = builder.sums, builder.pairs
    figures = figures_from_sums(sums, data.labels, pairs)
    names = data.reviewers

    labels: dict[str, Any] = {}
    for index, key in enumerate(data.labels):
        fig = figures[key]
        entry = {name: _value(fig[name]) for name in
                 ("paragraph_alpha", "token_alpha", "unitizing_alpha",
                  "unitizing_alpha_document_mean", "f1_exact",
                  "f1_overlap", "fleiss_kappa")}
        entry["cohen_kappa"] = {
            "|".join(sorted((names[a], names[b]))): cohen_kappa(sums.cohen[(index, (a, b))].sum(0))
            for a, b in pairs
        }
        details = attribute_agreement(builder, index)
        entry["attributes"] = {attr: detail["alpha"] for attr, detail in details.items()}
        entry["attribute_agreement"] = details
        entry["counts"] = _label_counts(builder, index)
        labels[key] = entry
    overall = {name: _value(figures["__overall__"][name]) for name in
               OVERALL_CI_FIGURES}

    report = {
        "project": data.slug,
        "reviewers": names,
        "documents": data.n_docs,
        "paragraphs": int(builder.units.sum()),
        "labels": labels,
        "overall": overall,
        "documents_by_disagreement": _documents_by_disagreement(builder),
        "reviewers_detail": _reviewers_detail(builder),
        "gold": {"documents": int(np.unique(data.par_doc[data.gold_par]).size)
                 if data.gold_par.size else 0, "spans": int(data.gold_par.size)},
        "confusion": {
            "labels": [*data.labels, "none"],
            "tokens": [[round(float(x), 6) for x in row] for row in builder.confusion],
        },
        "questions": {key: questions.question_agreement(units, kind, choices)
                      for key, (kind, choices, units) in _question_units(project, data).items()},
    }
    if origin is not None:
        report["origin"] = origin
    if bootstrap and bootstrap > 0 and data.n_docs > 0:
        _add_intervals(report, builder, bootstrap, seed, project)
    return report


def _question_units(project: Project, data: ProjectData) -> dict[str, tuple]:
    """Per article-level question with an agreement figure (``text`` has none): its type,
    choices and units, one per document: the answers of the reviewers who submitted it."""
    out: dict[str, tuple] = {}
    for key, question in load_codebook(project.codebook).questions.items():
        if question.type not in questions.METRICS:
            continue
        units = [[a.get(key) for a in row if a is not None] for row in data.answers]
        out[key] = (question.type, tuple(question.choices), units)
    return out


def _label_counts(builder: ReportBuilder, label: int) -> dict:
    d = builder.data
    sel = d.span_label == label
    return {
        "spans": int(sel.sum()),
        "paragraphs": int(builder.units.sum()),
        "tokens": int(builder.tok_start.size),
        "pairs": sum(1 for p in builder.pairs if (label, p) in builder.sums.overlap
                     and builder.sums.overlap[(label, p)][:, [1, 3]].sum() > 0),
        "units_submitted_documents": int((d.submitted.sum(axis=1) >= 2).sum()),
    }


def _documents_by_disagreement(builder: ReportBuilder) -> list[dict]:
    d = builder.data
    per_pair = [f1_overlap(builder.sums.overlap[(-1, p)]) for p in builder.pairs
                if (-1, p) in builder.sums.overlap]
    if not per_pair:
        return []
    scores = mean_over_pairs(per_pair)
    rows = [{"id": int(d.doc_ids[i]), "title": d.doc_titles[i], "f1_overlap": float(s)}
            for i, s in enumerate(scores) if np.isfinite(s)]
    rows.sort(key=lambda r: (r["f1_overlap"], r["id"]))
    return rows


def _reviewers_detail(builder: ReportBuilder) -> dict:
    d = builder.data
    detail = {}
    for r, name in enumerate(d.reviewers):
        scores = [f1_overlap(builder.sums.overlap[(-1, p)].sum(0)) for p in builder.pairs
                  if r in p and (-1, p) in builder.sums.overlap]
        exact = [f1_exact(builder.sums.exact[(-1, p)].sum(0)) for p in builder.pairs
                 if r in p and (-1, p) in builder.sums.exact]
        detail[name] = {
            "spans": int((d.span_rev == r).sum()),
            # with those in paragraphs the reviewer has not reviewed, left out of the figures
            "spans_stored": int(d.spans_stored[r]) if d.spans_stored.size else 0,
            "paragraphs_reviewed": int(d.reviewed[:, r].sum()),
            "documents_submitted": int(d.submitted[:, r].sum()),
            "f1_overlap_vs_others": _mean_defined([float(s) for s in scores]),
            "f1_exact_vs_others": _mean_defined([float(s) for s in exact]),
            "vs_gold": _vs_gold(builder, r),
        }
    return detail


def _vs_gold(builder: ReportBuilder, r: int) -> dict | None:
    """A reviewer against the gold: over the paragraphs the reviewer reviewed in documents
    that have gold, token alpha (two coders: the reviewer and the gold; a token's value is the
    set of labels covering it, as for overall.token_alpha) and span F1, exact and overlap
    (all labels, same-label matching), gold taken as the reference (precision is the
    reviewer's)."""
    d = builder.data
    if d.gold_par.size == 0:
        return None
    gold_docs = np.zeros(d.n_docs, dtype=bool)
    gold_docs[d.par_doc[d.gold_par]] = True
    paragraphs = d.reviewed[:, r] & gold_docs[d.par_doc]
    if not paragraphs.any():
        return None
    gold_gs = d.par_start[d.gold_par] + d.gold_start
    gold_ge = d.par_start[d.gold_par] + d.gold_end
    gold_keep = paragraphs[d.gold_par]
    mine = (d.span_rev == r) & paragraphs[d.span_par] if d.span_par.size else \
        np.zeros(0, dtype=bool)
    # tokens of those paragraphs, and each side's set of labels per token
    ts, te, tp = builder.all_tokens
    sel = paragraphs[tp] if tp.size else np.zeros(0, dtype=bool)
    ts, te = ts[sel], te[sel]

    def label_mask(gs, ge, labels):
        out = np.zeros(ts.size, dtype=np.int64)
        lo = np.searchsorted(te, gs, side="right")
        hi = np.searchsorted(ts, ge, side="left")
        for label in range(len(d.labels)):
            ok = (labels == label) & (lo < hi)
            diff = np.bincount(lo[ok], minlength=ts.size + 1)[: ts.size + 1] \
                - np.bincount(hi[ok], minlength=ts.size + 1)[: ts.size + 1]
            out |= (np.cumsum(diff)[: ts.size] > 0).astype(np.int64) << label
        return out

    values = np.stack([
        label_mask(builder.gs[mine], builder.ge[mine], d.span_label[mine]),
        label_mask(gold_gs[gold_keep], gold_ge[gold_keep], d.gold_label[gold_keep]),
    ])
    k = 1 << len(d.labels)
    coinc = pairwise_coincidences(values, np.full(ts.size, 2), np.zeros(ts.size, np.int64),
                                   k, 1)
    big = int(max(builder.ge.max() if builder.ge.size else 0, gold_ge.max())) + 2
    key_a = np.unique((d.span_label[mine] * big + builder.gs[mine]) * big + builder.ge[mine])
    key_b = np.unique((d.gold_label[gold_keep] * big + gold_gs[gold_keep]) * big
                      + gold_ge[gold_keep])
    exact = np.array([np.intersect1d(key_a, key_b).size, key_a.size, key_b.size], float)
    overlap = np.zeros(4)
    ka, sa, ea = merge_intervals(builder.gs[mine], builder.ge[mine], d.span_label[mine])
    kb, sb, eb = merge_intervals(gold_gs[gold_keep], gold_ge[gold_keep], d.gold_label[gold_keep])
    for label in range(len(d.labels)):
        a_s, a_e = sa[ka == label], ea[ka == label]
        b_s, b_e = sb[kb == label], eb[kb == label]
        ia, ib, shared = overlap_terms(a_s, a_e, b_s, b_e)
        overlap += [(shared / (a_e[ia] - a_s[ia])).sum(), a_s.size,
                    (shared / (b_e[ib] - b_s[ib])).sum(), b_s.size]
    return {
        "token_alpha": _value(alpha_from_coincidences(coinc[0])),
        "f1_exact": _value(f1_exact(exact)),
        "f1_overlap": _value(f1_overlap(overlap)),
        "paragraphs": int(paragraphs.sum()),
    }


def _normalise(values: list[Any], kind: str) -> list[Any]:
    """Attribute values as they are compared: text stripped and case-folded, a multi choice as
    a set; None where a value is missing (or of the wrong type)."""
    if kind == "text":
        return [v.strip().casefold() if isinstance(v, str) else None for v in values]
    if kind == "multi":
        return [frozenset(v) if isinstance(v, list) else None for v in values]
    return values


DOMINANT_SHARE = 0.8  # one value this common makes a low alpha a "high agreement" paradox


def attribute_agreement(builder: ReportBuilder, label: int) -> dict[str, dict]:
    """Per attribute: ``alpha`` (nominal, over groups of same-label spans linked by overlap),
    ``percent_agreement`` (Krippendorff's observed agreement, 1 - D_o: the share of the
    pairable values that match within their unit), ``units`` (units with two values or more),
    ``values`` (pairable values) and ``top_share`` (the most common value's share of them):
    when one value dominates, alpha can be low however much reviewers agree."""
    d = builder.data
    key = d.labels[label]
    attributes = d.attributes.get(key, [])
    result: dict[str, dict] = {}
    sel = np.flatnonzero((d.span_label == label) & builder.units[d.span_par]) \
        if d.span_par.size else np.zeros(0, dtype=np.int64)
    if not attributes:
        return result
    if sel.size == 0:
        return {a: _attribute_detail(None, 0) for a, _ in attributes}
    gs, ge, rev = builder.gs[sel], builder.ge[sel], d.span_rev[sel]
    order = np.lexsort((ge, gs))
    gs_o, ge_o = gs[order], ge[order]
    reach = np.maximum.accumulate(ge_o)
    new = np.ones(gs_o.size, dtype=bool)
    new[1:] = gs_o[1:] >= reach[:-1]  # a span sharing no character with those before it
    group_sorted = np.cumsum(new) - 1
    group = np.empty_like(group_sorted)
    group[order] = group_sorted
    n_groups = int(group_sorted[-1]) + 1
    # each reviewer's representative in a group: the longest span, the first by start on a tie
    length = ge - gs
    rep_order = np.lexsort((gs, -length, rev, group))
    g_sorted, r_sorted = group[rep_order], rev[rep_order]
    first = np.ones(rep_order.size, dtype=bool)
    first[1:] = (g_sorted[1:] != g_sorted[:-1]) | (r_sorted[1:] != r_sorted[:-1])
    reps = rep_order[first]
    rep_rev, rep_group = rev[reps], group[reps]
    rep_attrs = [d.span_attrs[i] for i in sel[reps].tolist()]
    for attr, kind in attributes:
        normalised = _normalise(list(map(methodcaller("get", attr), rep_attrs)), kind)
        # each value's code: the position of its first occurrence (dict lookups in C), then
        # numbered 0, 1, ... in that order; None (no value) is left out
        first_seen: dict[Any, int] = {}
        code = np.fromiter(map(first_seen.setdefault, normalised, itertools.count()),
                           dtype=np.int64, count=len(normalised))
        known = code != first_seen.get(None, -1)
        distinct, code = np.unique(code[known], return_inverse=True)
        if distinct.size == 0:
            result[attr] = _attribute_detail(None, 0)
            continue
        values = np.full((d.n_reviewers, n_groups), -1, dtype=np.int64)
        values[rep_rev[known], rep_group[known]] = code
        m = (values >= 0).sum(axis=0)
        coinc = pairwise_coincidences(values, m, np.zeros(n_groups, dtype=np.int64),
                                       distinct.size, 1)
        result[attr] = _attribute_detail(coinc[0], int((m >= 2).sum()))
    return result


def _attribute_detail(coincidences: np.ndarray | None, units: int) -> dict:
    detail = {"alpha": None, "percent_agreement": None, "units": units, "values": 0,
              "top_share": None}
    if coincidences is None:
        return detail
    k = int(round(math.sqrt(coincidences.size)))
    table = np.asarray(coincidences, dtype=np.float64).reshape(k, k)
    n = float(table.sum())
    detail["alpha"] = _value(alpha_from_coincidences(coincidences))
    if n > 0:
        detail["values"] = int(round(n))
        detail["percent_agreement"] = float(np.trace(table) / n)
        detail["top_share"] = float(table.sum(axis=1).max() / n)
    return detail


CI_FIGURES = ("paragraph_alpha", "token_alpha", "unitizing_alpha",
              "unitizing_alpha_document_mean", "f1_exact", "f1_overlap", "fleiss_kappa")


def _add_intervals(report: dict, builder: ReportBuilder, n: int, seed: int | None,
                   project: Project) -> None:
    """95 % percentile intervals from resampling documents with replacement."""
    d = builder.data
    rng = np.random.default_rng(seed)
    weights = rng.multinomial(d.n_docs, np.full(d.n_docs, 1.0 / d.n_docs), size=n) \
        .astype(np.float64)
    resampled = figures_from_sums(builder.sums, d.labels, builder.pairs, weights)

    def interval(values) -> list[float] | None:
        values = np.asarray(values, dtype=np.float64)
        values = values[np.isfinite(values)]
        if values.size == 0:
            return None
        low, high = np.percentile(values, [2.5, 97.5])
        return [float(low), float(high)]

    for key in d.labels:
        report["labels"][key]["ci"] = {
            name: interval(resampled[key][name]) for name in CI_FIGURES}
    report["overall"]["ci"] = {
        name: interval(resampled["__overall__"][name])
        for name in OVERALL_CI_FIGURES}
    for key, (kind, choices, units) in _question_units(project, d).items():
        alphas, percent = questions.resampled(units, kind, choices, weights)
        report["questions"][key]["ci"] = {"alpha": interval(alphas),
                                          "percent_agreement": interval(percent)}
    report["bootstrap"] = {"resamples": n, "seed": seed}


# --- caching ------------------------------------------------------------------------------

def cached_report(
    project: Project,
    bootstrap: int = 0,
    seed: int | None = None,
    document_ids: Sequence[int] | None = None,
    reviewers: Sequence[str] | None = None,
    origin: str | None = None,
) -> dict:
    """The report, computed again only when the project's data changed since it was last
    computed with the same arguments, by any worker (``annotator.cache``: kept in the
    database, found by the fingerprint of every table the report reads, ``data.READS``)."""
    from .. import cache

    key = (project.id, bootstrap, seed,
           sorted(document_ids) if document_ids is not None else None,
           sorted(r.lower() for r in reviewers) if reviewers is not None else None,
           origin)
    return cache.cached(
        "agreement", key, fingerprint(project),
        lambda: build_report(project, bootstrap=bootstrap, seed=seed,
                             document_ids=document_ids, reviewers=reviewers, origin=origin),
        project_id=project.id)
