"""The numpy kernels of the agreement report: pure functions on arrays, no database.

- Krippendorff's coincidences, summed per group (document) with ``np.bincount``, and alpha
  from them (Krippendorff 2011, nominal);
- intervals: merging a reviewer's overlapping spans, the intersections of two sorted interval
  lists (SemEval-2020 Task 11's partial credit);
- unitizing: DKPro Agreement's D_o and D_e of Krippendorff's unitizing alpha, for many
  continua at once (``unitizing_sums``), and exactly for one continuum where int64 could
  overflow (``unitizing_disagreement``);
- the figures (alphas, kappas, F1) from per-document sums (``DocumentSums``), for the report
  and for every bootstrap resample at once (``figures_from_sums``).

Each kernel is checked against the slow, plain oracle in ``tests/agreement/`` (``metrics.py``
and ``reference.py``), which the application never calls.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

# --- Krippendorff's coincidences ---------------------------------------------------------

def reviewer_pairs(n: int) -> list[tuple[int, int]]:
    """Every pair (a, b) of reviewer indices with a < b."""
    return list(itertools.combinations(range(n), 2))


def binary_coincidences(n1: np.ndarray, m: np.ndarray, group: np.ndarray,
                        n_groups: int) -> np.ndarray:
    """Per group, the 2x2 coincidence matrix flattened (o00, o01, o10, o11).

    Units with m >= 2 values, n1 of them 1: o11 = n1(n1-1)/(m-1), o00 = n0(n0-1)/(m-1),
    o01 = o10 = n0 n1/(m-1) (Krippendorff 2011).
    """
    ok = m >= 2
    n1, m, group = n1[ok].astype(np.float64), m[ok].astype(np.float64), group[ok]
    n0 = m - n1
    w = 1.0 / (m - 1)
    out = np.zeros((n_groups, 4))
    out[:, 0] = np.bincount(group, weights=n0 * (n0 - 1) * w, minlength=n_groups)
    cross = np.bincount(group, weights=n0 * n1 * w, minlength=n_groups)
    out[:, 1] = cross
    out[:, 2] = cross
    out[:, 3] = np.bincount(group, weights=n1 * (n1 - 1) * w, minlength=n_groups)
    return out


def pairwise_coincidences(values: np.ndarray, m: np.ndarray, group: np.ndarray, k: int,
                          n_groups: int) -> np.ndarray:
    """Per group, the k x k coincidence matrix (flattened) of a (reviewers, units) value
    matrix with -1 for missing: o_ck = sum_u sum_{i != j} [v_iu = c][v_ju = k] / (m_u - 1)."""
    out = np.zeros(n_groups * k * k)
    ok_unit = m >= 2
    w = np.zeros(m.shape, dtype=np.float64)
    w[ok_unit] = 1.0 / (m[ok_unit] - 1)
    n_rev = values.shape[0]
    for i in range(n_rev):
        for j in range(n_rev):
            if i == j:
                continue
            ok = ok_unit & (values[i] >= 0) & (values[j] >= 0)
            if not ok.any():
                continue
            idx = (group[ok] * k + values[i][ok]) * k + values[j][ok]
            out += np.bincount(idx, weights=w[ok], minlength=n_groups * k * k)
    return out.reshape(n_groups, k * k)


def alpha_from_coincidences(flat: np.ndarray) -> np.ndarray:
    """Nominal alpha from coincidence matrices flattened on the last axis (k*k values);
    NaN where undefined. Works on a batch (..., k*k)."""
    k = int(round(math.sqrt(flat.shape[-1])))
    o = flat.reshape(*flat.shape[:-1], k, k)
    n_c = o.sum(axis=-1)
    n = n_c.sum(axis=-1)
    diagonal = np.trace(o, axis1=-2, axis2=-1)
    expected = n * n - (n_c * n_c).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = 1.0 - (n - 1) * (n - diagonal) / expected
    return np.where((expected > 1e-12) & (n > 0), alpha, np.nan)


# --- intervals ---------------------------------------------------------------------------

def merge_intervals(gs: np.ndarray, ge: np.ndarray, key: np.ndarray) -> tuple[np.ndarray, ...]:
    """Merge intervals that share a character, within each key (intervals of different keys
    never merge). Returns merged (key, start, end) sorted by key then start."""
    if gs.size == 0:
        return key[:0], gs[:0], ge[:0]
    order = np.lexsort((ge, gs, key))
    k, s, e = key[order], gs[order], ge[order]
    # Offsets on the character axis are unique per position, so (key, position) pairs are
    # made one sortable axis by spacing the keys further apart than any position.
    big = int(e.max()) + 1
    ks, ke = k * big + s, k * big + e
    reach = np.maximum.accumulate(ke)
    new = np.ones(ks.size, dtype=bool)
    new[1:] = ks[1:] >= reach[:-1]
    first = np.flatnonzero(new)
    return k[first], s[first], np.maximum.reduceat(ke, first) - k[first] * big


def overlap_terms(a_s, a_e, b_s, b_e):
    """For sorted, disjoint interval lists A and B on one axis: the pairs that intersect and
    their intersection lengths. Returns (index in A, index in B, shared length)."""
    if a_s.size == 0 or b_s.size == 0:
        z = np.zeros(0, dtype=np.int64)
        return z, z, z
    lo = np.searchsorted(b_e, a_s, side="right")
    hi = np.searchsorted(b_s, a_e, side="left")
    counts = np.maximum(hi - lo, 0)
    total = int(counts.sum())
    if total == 0:
        z = np.zeros(0, dtype=np.int64)
        return z, z, z
    ia = np.repeat(np.arange(a_s.size), counts)
    offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    ib = np.repeat(lo, counts) + offsets
    shared = np.minimum(a_e[ia], b_e[ib]) - np.maximum(a_s[ia], b_s[ib])
    keep = shared > 0
    return ia[keep], ib[keep], shared[keep]


def exact_sums(n: int, index: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Exact int64 sums of ``values`` by ``index`` (bincount would sum in floats)."""
    out = np.zeros(n, dtype=np.int64)
    np.add.at(out, index, values.astype(np.int64))
    return out


# --- unitizing ---------------------------------------------------------------------------

def unitizing_sums(group: np.ndarray, rater: np.ndarray, start: np.ndarray, end: np.ndarray,
                   n_groups: int, n_reviewers: int, group_raters: np.ndarray,
                   group_length: np.ndarray) -> list[tuple]:
    """``_continuum_sums`` (S, E, Q) of many continua at once.

    A group is one continuum ``[0, group_length[g])`` and one category, rated by the raters
    ``group_raters[g]`` (a row of booleans over the reviewers); the units (group, rater,
    start, end) must lie inside their continuum and belong to its raters. Returns per group
    (S, E, Q) as Python ints, or (None, None, None) where int64 could overflow
    (``unitizing_disagreement`` then computes that group with Python integers)."""
    n_r = group_raters.sum(axis=1).astype(np.int64)
    length = group_length.astype(np.int64)
    big = int(length.max()) + 1 if length.size else 1
    # each rater's units of a group merged (sharing a position), as merge_intervals does
    key = group.astype(np.int64) * n_reviewers + rater
    order = np.lexsort((end, start, key))
    k, ks, ke = key[order], key[order] * big + start[order], key[order] * big + end[order]
    if k.size:
        reach = np.maximum.accumulate(ke)
        new = np.ones(k.size, dtype=bool)
        new[1:] = ks[1:] >= reach[:-1]
        first = np.flatnonzero(new)
        k, ks, ke = k[first], ks[first], np.maximum.reduceat(ke, first)
    g, r = k // n_reviewers, k % n_reviewers
    s, e = ks - k * big, ke - k * big
    lengths = e - s
    n = np.bincount(g, minlength=n_groups).astype(np.int64)  # units per group

    q = n_r * length * (n_r * length - 1) - exact_sums(n_groups, g, lengths * (lengths - 1))

    # Observed: every unit u against every other rater j of its group.
    u = np.repeat(np.arange(k.size), n_reviewers)
    j = np.tile(np.arange(n_reviewers, dtype=np.int64), k.size)
    ok = (j != r[u]) & group_raters[g[u], j]
    u, j = u[ok], j[ok]
    other = (g[u] * n_reviewers + j) * big
    lo = np.searchsorted(ke, other + s[u], side="right")  # j's first unit ending after b_u
    hi = np.searchsorted(ks, other + e[u], side="left")  # j's first unit starting at/after e_u
    overlapping = hi - lo
    in_gap = overlapping == 0
    total = exact_sums(n_groups, g[u[in_gap]], lengths[u[in_gap]] ** 2)
    pairs = (j > r[u]) & (overlapping > 0)  # each unordered pair of overlapping units once
    if pairs.any():
        counts = overlapping[pairs]
        first_u = np.repeat(u[pairs], counts)
        offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        second = np.repeat(lo[pairs], counts) + offsets
        db, de = s[first_u] - s[second], e[first_u] - e[second]
        total += exact_sums(n_groups, g[first_u], db * db + de * de)

    # Expected: the gaps of every rater of a group (the complement of its units in the
    # continuum; a rater without units has one gap, the whole continuum).
    first_of_rater = np.ones(k.size, dtype=bool)
    first_of_rater[1:] = k[1:] != k[:-1]
    last_of_rater = np.ones(k.size, dtype=bool)
    last_of_rater[:-1] = k[:-1] != k[1:]
    previous_end = np.where(first_of_rater, 0, np.roll(e, 1))
    without_units = n_r - np.bincount(g[first_of_rater], minlength=n_groups)
    gap_group = np.concatenate([g, g[last_of_rater], np.repeat(np.arange(n_groups),
                                                               without_units)])
    gaps = np.concatenate([s - previous_end, length[g[last_of_rater]] - e[last_of_rater],
                           np.repeat(length, without_units)])
    positive = gaps > 0
    gap_key = np.sort(gap_group[positive] * big + gaps[positive])
    gap_value = gap_key % big
    tail = np.concatenate([np.cumsum(gap_value[::-1])[::-1], [0]])  # tail[i] = sum(gaps[i:])
    at = np.searchsorted(gap_key, g * big + lengths, side="left")  # first gap >= l_u
    stop = np.searchsorted(gap_key, (g + 1) * big, side="left")  # the group's last gap + 1
    n_long = stop - at
    fit = tail[at] - tail[stop] - n_long * (lengths - 1)
    within = (n[g] - 1) * (lengths * (lengths - 1) * (2 * lengths - 1) // 3)
    # int64 holds every sum of a group while (N + R) R L^3 < 2^62, as in _continuum_sums
    exact = (n + n_r).astype(float) * n_r * length.astype(float) ** 3 < 2.0 ** 62
    safe = exact[g]
    expected = exact_sums(n_groups, g[safe], within[safe] + lengths[safe] ** 2 * fit[safe])
    return [(int(t), int(x), int(y)) if ok_ else (None, None, None)
            for t, x, y, ok_ in zip(total.tolist(), expected.tolist(), q.tolist(),
                                    exact.tolist(), strict=True)]


def unitizing_disagreement(length: int, n_raters: int, rater: np.ndarray, start: np.ndarray,
                           end: np.ndarray) -> tuple[float, float]:
    """DKPro's D_o and D_e of one continuum ``[0, length)`` and one category, multiplied by
    ``R * L**2`` (R = ``n_raters``): the poolable components of Krippendorff's unitizing alpha,
    computed with Python integers wherever int64 could overflow.

    The units are (``rater``, ``start``, ``end``) with raters numbered ``0 .. n_raters - 1``;
    one rater's overlapping units (sharing a position) are merged first. ``observed = 2 S /
    (R - 1)`` and ``expected = 2 E R L / Q`` with S, E and Q of ``_continuum_sums``; so
    ``1 - observed / expected`` is DKPro's ``calculateCategoryAgreement``, and the components
    add over documents and categories. ``(0.0, 0.0)`` with fewer than two raters or an empty
    continuum. The same as the oracle's (tests/agreement/metrics.py).
    """
    if n_raters < 2 or length <= 0:
        return 0.0, 0.0
    r, s, e = merge_intervals(np.asarray(start, dtype=np.int64),
                              np.asarray(end, dtype=np.int64),
                              np.asarray(rater, dtype=np.int64))
    total, expected, q = _continuum_sums(n_raters, length, r, s, e)
    return (float(Fraction(2 * total, n_raters - 1)),
            float(Fraction(2 * expected * n_raters * length, q)))


def _continuum_sums(
    n_raters: int, length: int, r: np.ndarray, s: np.ndarray, e: np.ndarray
) -> tuple[int, int, int]:
    """Exact integer sums behind DKPro's category D_o and D_e of one continuum, from each
    rater's merged units sorted by rater then start (as ``merge_intervals`` returns them).

    Returns ``(S, E, Q)`` with

    - ``S``: the sum, over unordered rater pairs, of DKPro's ``measureDistance`` over the pair's
      segments: ``(b_i - b_j)^2 + (e_i - e_j)^2`` for every two overlapping units, ``l^2`` for a
      unit lying inside a gap of the other rater (a unit overlapping no unit of the other);
    - ``E``: ``sum_units [(N_c - 1) l (l - 1) (2l - 1) / 3 + l^2 sum_{gaps g >= l} (g - l + 1)]``
      over all raters' units and gaps;
    - ``Q``: ``R L (R L - 1) - sum_units l (l - 1)``;

    so that DKPro's ``D_o = 2 S / (R (R - 1) L^2)`` and ``D_e = (2 / L) E / Q``.
    """
    n = int(s.size)
    lengths = e - s
    q = n_raters * length * (n_raters * length - 1) - int((lengths * (lengths - 1)).sum())
    if n == 0:
        return 0, 0, q
    big = length + 1
    ks = r * big + s
    ke = r * big + e

    # Observed: every unit u against every other rater j.
    u = np.repeat(np.arange(n), n_raters)
    j = np.tile(np.arange(n_raters, dtype=np.int64), n)
    keep = j != r[u]
    u = u[keep]
    j = j[keep]
    lo = np.searchsorted(ke, j * big + s[u], side="right")  # first unit of j ending after b_u
    hi = np.searchsorted(ks, j * big + e[u], side="left")  # first unit of j starting at/after e_u
    overlapping = hi - lo
    in_gap = overlapping == 0
    total = int((lengths[u[in_gap]] ** 2).sum())
    pairs = (j > r[u]) & (overlapping > 0)  # each unordered pair of overlapping units once
    if pairs.any():
        counts = overlapping[pairs]
        first = np.repeat(u[pairs], counts)
        offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        second = np.repeat(lo[pairs], counts) + offsets
        db = s[first] - s[second]
        de = e[first] - e[second]
        total += int((db * db + de * de).sum())

    # Expected: gaps of every rater (complement of its units in [0, L)), raters without units
    # having one gap of length L.
    first_of_rater = np.ones(n, dtype=bool)
    first_of_rater[1:] = r[1:] != r[:-1]
    previous_end = np.where(first_of_rater, 0, np.roll(e, 1))
    last_of_rater = np.ones(n, dtype=bool)
    last_of_rater[:-1] = r[:-1] != r[1:]
    raters_with_units = int(first_of_rater.sum())
    gaps = np.concatenate(
        [
            s - previous_end,
            length - e[last_of_rater],
            np.full(n_raters - raters_with_units, length, dtype=np.int64),
        ]
    )
    gaps = np.sort(gaps[gaps > 0])
    tail = np.concatenate([np.cumsum(gaps[::-1])[::-1], [0]])  # tail[i] = sum(gaps[i:])
    # Exact in int64 while (N + R) R L^3 < 2^62 bounds every sum; Python integers beyond.
    dtype: type | np.dtype[Any] = np.int64
    if (n + n_raters) * n_raters * length**3 >= 2**62:
        dtype = object
    lw = lengths.astype(dtype)
    idx = np.searchsorted(gaps, lengths, side="left")
    n_long = (gaps.size - idx).astype(dtype)
    # sum_{g >= l} (g - l + 1) = sum_{g >= l} g - count * (l - 1)
    fit = tail[idx].astype(dtype) - n_long * (lw - 1)
    within = (n - 1) * (lw * (lw - 1) * (2 * lw - 1) // 3)
    expected = int((within + lw * lw * fit).sum())
    return total, expected, q


# --- figures from per-document sums ------------------------------------------------------

@dataclass
class DocumentSums:
    """Per-document sums (rows: documents) from which every figure, and every bootstrap
    resample of it, is computed."""

    paragraph_coinc: dict[int, np.ndarray] = field(default_factory=dict)  # label -> (D, 4)
    token_coinc: dict[int, np.ndarray] = field(default_factory=dict)  # label -> (D, 4)
    overall_token_coinc: np.ndarray | None = None  # (D, K*K)
    # label -> (D, 2): L_d**2 * D_o,d and L_d**2 * D_e,d (DKPro's, times the length squared)
    unitizing: dict[int, np.ndarray] = field(default_factory=dict)
    # (label or -1 for overall, pair) -> (D, 3) exact: matches, |A|, |B|
    exact: dict[tuple[int, tuple[int, int]], np.ndarray] = field(default_factory=dict)
    # (label or -1, pair) -> (D, 4) overlap: sum_p, n_a, sum_r, n_b
    overlap: dict[tuple[int, tuple[int, int]], np.ndarray] = field(default_factory=dict)
    cohen: dict[tuple[int, tuple[int, int]], np.ndarray] = field(default_factory=dict)
    fleiss: dict[int, np.ndarray] = field(default_factory=dict)  # label -> (D, 4)
    fleiss_m: int | None = None


def f1_exact(t: np.ndarray) -> np.ndarray:
    """Exact-match F1 from (matches, |A|, |B|) on the last axis; NaN when both are empty."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(t[..., 1] + t[..., 2] > 0, 2 * t[..., 0] / (t[..., 1] + t[..., 2]),
                        np.nan)


def f1_overlap(t: np.ndarray) -> np.ndarray:
    """Partial-credit F1 from (sum_p, n_a, sum_r, n_b) on the last axis; NaN when both sides
    are empty."""
    sum_p, n_a, sum_r, n_b = t[..., 0], t[..., 1], t[..., 2], t[..., 3]
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(n_a > 0, sum_p / n_a, 0.0)
        r = np.where(n_b > 0, sum_r / n_b, 0.0)
        f1 = np.where(p + r > 0, 2 * p * r / (p + r), 0.0)
    return np.where(n_a + n_b > 0, f1, np.nan)


def mean_over_pairs(values: list[np.ndarray]) -> np.ndarray:
    """The mean of the pairs' figures where defined (elementwise); NaN where none is."""
    if not values:
        return np.float64(np.nan)
    stacked = np.stack(values)
    defined = np.isfinite(stacked)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(defined.any(axis=0),
                        np.where(defined, stacked, 0).sum(axis=0) / defined.sum(axis=0),
                        np.nan)


def cohen_kappa(t: np.ndarray) -> float | None:
    """Cohen's kappa from a 2x2 table flattened as (00, 01, 10, 11): rows a, columns b."""
    n = t.sum()
    if n == 0:
        return None
    table = t.reshape(2, 2) / n
    p_o = table[0, 0] + table[1, 1]
    p_e = table.sum(axis=1) @ table.sum(axis=0)
    if abs(1 - p_e) < 1e-15:
        return None
    return float((p_o - p_e) / (1 - p_e))


def fleiss_kappa(t: np.ndarray, m: int | None) -> np.ndarray:
    """Fleiss' kappa from per-document sums (sum P_i, N, sum n1, sum n0)."""
    sum_p, n, n1, n0 = t[..., 0], t[..., 1], t[..., 2], t[..., 3]
    with np.errstate(divide="ignore", invalid="ignore"):
        p_bar = sum_p / n
        p1 = n1 / (n * m)
        p0 = n0 / (n * m)
        p_e = p1 * p1 + p0 * p0
        kappa = (p_bar - p_e) / (1 - p_e)
    return np.where((n > 0) & (np.abs(1 - p_e) > 1e-15), kappa, np.nan)


def document_mean_alpha(table: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """The mean over documents of each document's own unitizing alpha, ``1 - D_o,d / D_e,d``
    (rows of ``table``: a document's two components, in any common scale), leaving out the
    documents where it is undefined (D_e,d = 0): what INCEpTION 31+ reports. With ``weights``
    (B, D), the mean of each resample (a document drawn twice counts twice)."""
    table = np.asarray(table, dtype=np.float64).reshape(-1, 2)
    defined = table[:, 1] > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        alphas = np.where(defined, 1 - table[:, 0] / np.where(defined, table[:, 1], 1.0), 0.0)
    if weights is None:
        count = defined.sum()
        return np.float64(alphas.sum() / count) if count else np.float64(np.nan)
    count = weights @ defined
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(count > 0, (weights @ alphas) / count, np.nan)


def figures_from_sums(sums: DocumentSums, labels: list[str], pairs: list[tuple[int, int]],
                      weights: np.ndarray | None = None) -> dict:
    """All figures from per-document sums; with ``weights`` (B, D), arrays of B values."""

    def total(table):
        return table.sum(axis=0) if weights is None else weights @ table

    out: dict[str, Any] = {}
    for label in range(len(labels)):
        fig = {
            "paragraph_alpha": alpha_from_coincidences(total(sums.paragraph_coinc[label])),
            "token_alpha": alpha_from_coincidences(total(sums.token_coinc[label])),
        }
        u = total(sums.unitizing[label])
        with np.errstate(divide="ignore", invalid="ignore"):
            fig["unitizing_alpha"] = np.where(u[..., 1] > 0, 1 - u[..., 0] / u[..., 1],
                                              np.nan)
        fig["unitizing_alpha_document_mean"] = document_mean_alpha(sums.unitizing[label],
                                                                   weights)
        fig["f1_exact"] = mean_over_pairs(
            [f1_exact(total(sums.exact[(label, p)])) for p in pairs if
             (label, p) in sums.exact])
        fig["f1_overlap"] = mean_over_pairs(
            [f1_overlap(total(sums.overlap[(label, p)])) for p in pairs if
             (label, p) in sums.overlap])
        fig["fleiss_kappa"] = fleiss_kappa(total(sums.fleiss[label]), sums.fleiss_m) \
            if label in sums.fleiss else np.nan
        out[labels[label]] = fig
    # per document, summed over labels
    per_document = sum(sums.unitizing[label] for label in range(len(labels))) \
        if labels else np.zeros((0, 2))
    overall_u = total(per_document) if labels else np.zeros(2)
    with np.errstate(divide="ignore", invalid="ignore"):
        overall_unitizing = np.where(overall_u[..., 1] > 0,
                                     1 - overall_u[..., 0] / overall_u[..., 1], np.nan)
    out["__overall__"] = {
        "token_alpha": alpha_from_coincidences(total(sums.overall_token_coinc))
        if sums.overall_token_coinc is not None else np.nan,
        "unitizing_alpha": overall_unitizing,
        "unitizing_alpha_document_mean": document_mean_alpha(per_document, weights),
        "f1_exact": mean_over_pairs([f1_exact(total(sums.exact[(-1, p)]))
                                     for p in pairs if (-1, p) in sums.exact]),
        "f1_overlap": mean_over_pairs([f1_overlap(total(sums.overlap[(-1, p)]))
                                       for p in pairs if (-1, p) in sums.overlap]),
    }
    return out


def token_confusion(values: np.ndarray, n_labels: int) -> np.ndarray:
    """Token-level label confusion, "none" included (last row and column): over every
    ordered pair of reviewers and every token both reviewed, reviewer a's labels against
    reviewer b's, a token with several labels on a side split evenly among them."""
    k = 1 << n_labels
    mask_pairs = np.zeros(k * k)
    for a in range(values.shape[0]):
        for b in range(values.shape[0]):
            if a == b:
                continue
            ok = (values[a] >= 0) & (values[b] >= 0)
            mask_pairs += np.bincount(values[a][ok] * k + values[b][ok], minlength=k * k)
    out = np.zeros((n_labels + 1, n_labels + 1))
    members = [[i for i in range(n_labels) if m >> i & 1] or [n_labels] for m in range(k)]
    for code in np.flatnonzero(mask_pairs):
        xs, ys = members[code // k], members[code % k]
        share = mask_pairs[code] / (len(xs) * len(ys))
        for x in xs:
            for y in ys:
                out[x, y] += share
    return out
