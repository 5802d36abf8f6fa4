"""Inter-annotator agreement metrics: pure functions on numpy arrays and plain Python data.

The tests' oracle: validated on published examples and against other implementations
(tests/test_metrics.py), it checks the report's numpy kernels (``annotator.agreement.kernels``,
tests/test_kernels.py) and, through ``reference.py``, the whole report (tests/test_report.py).
The application does not call it. No Flask, no database. Every coefficient that is undefined
for its input (no variation, nothing to compare) is returned as ``None``, never as a made-up 0
or 1.

Where a result is a ratio of integers, it is computed exactly (integer and
:class:`fractions.Fraction` arithmetic) and rounded to a float once, at the end.

Sources
-------
- Krippendorff, K. (2011). *Computing Krippendorff's Alpha-Reliability*. Annenberg School for
  Communication, Departmental Papers 43. (Nominal alpha via the coincidence matrix.)
- Cohen, J. (1960). A coefficient of agreement for nominal scales. *Educational and
  Psychological Measurement* 20(1): 37-46.
- Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters. *Psychological
  Bulletin* 76(5): 378-382.
- Krippendorff, K. (1995). On the reliability of unitizing contiguous data. *Sociological
  Methodology* 25: 47-76; Krippendorff, K. (2004). *Content Analysis: An Introduction to Its
  Methodology*, 2nd ed., Sage (the unitizing alpha, worked example on p. 254); as implemented
  by DKPro Agreement (Meyer, Mieskes, Stab & Gurevych 2014, COLING demos), class
  ``org.dkpro.statistics.agreement.unitizing.KrippendorffAlphaUnitizingAgreement``.
- Da San Martino, G. et al. (2020). SemEval-2020 Task 11: Detection of Propaganda Techniques
  in News Articles. *Proc. SemEval-2020*, 1377-1414. (Span F1 with partial overlap credit.)
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "coincidence_matrix",
    "cohen_kappa",
    "counts_from_values",
    "exact_counts",
    "f1_exact",
    "f1_from_overlap_sums",
    "f1_overlap",
    "fleiss_kappa",
    "merge_overlapping",
    "nominal_alpha",
    "nominal_alpha_from_counts",
    "overlap_sums",
    "unitizing_alpha",
    "unitizing_disagreement",
    "value_counts",
]

Span = tuple[Hashable, Hashable, int, int]
"""A span: ``(unit_key, label, start, end)``, a half-open interval ``[start, end)``."""

# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _as_count_matrix(counts: ArrayLike) -> NDArray[np.int64]:
    """Check and convert a (units, categories) matrix of non-negative integer counts."""
    arr = np.asarray(counts)
    if arr.ndim != 2:
        raise ValueError(f"counts must be a 2-D array (units, categories), got shape {arr.shape}")
    if arr.dtype.kind == "b":
        arr = arr.astype(np.int64)
    elif arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or not np.all(arr == np.floor(arr)):
            raise ValueError("counts must be integers")
        arr = arr.astype(np.int64)
    elif arr.dtype.kind not in "iu":
        raise ValueError(f"counts must be integers, got dtype {arr.dtype}")
    arr = arr.astype(np.int64, copy=False)
    if arr.size and arr.min() < 0:
        raise ValueError("counts must be non-negative")
    return arr


def _encode(values: Sequence[Hashable]) -> tuple[NDArray[np.intp], int]:
    """Map category values to codes 0..K-1; returns (codes, K).

    Uses :func:`numpy.unique` where the values are orderable, a dictionary otherwise (for
    example for ``frozenset`` categories).
    """
    try:
        arr = np.asarray(values)
        if arr.ndim == 1 and arr.dtype.kind != "O":
            cats, codes = np.unique(arr, return_inverse=True)
            return codes.reshape(-1).astype(np.intp), len(cats)
    except (TypeError, ValueError):
        pass
    index: dict[Hashable, int] = {}
    codes_list = [index.setdefault(v, len(index)) for v in values]
    return np.asarray(codes_list, dtype=np.intp), len(index)


# --------------------------------------------------------------------------------------------
# Krippendorff's alpha, nominal
# --------------------------------------------------------------------------------------------


def coincidence_matrix(counts: ArrayLike) -> NDArray[np.float64]:
    """Krippendorff's coincidence matrix ``o_ck`` from a (units, categories) count matrix.

    ``o_ck = sum_u (n_uc * n_uk - [c = k] * n_uc) / (n_u - 1)`` over the pairable units
    (``n_u >= 2``), Krippendorff (2011), section C ("nominal data, any number of observers,
    missing values"). Row sums are the pairable value counts ``n_c``; the total is ``n``.
    """
    c = _as_count_matrix(counts)
    k = c.shape[1]
    n_u = c.sum(axis=1)
    out = np.zeros((k, k), dtype=np.float64)
    for m in np.unique(n_u[n_u >= 2]):
        block = c[n_u == m]
        prod = block.T @ block
        prod[np.diag_indices(k)] -= block.sum(axis=0)
        out += prod / float(m - 1)
    return out


def nominal_alpha_from_counts(counts: ArrayLike) -> float | None:
    """Krippendorff's alpha for nominal data from a (units, categories) count matrix.

    ``counts[u, c]`` is how many coders gave unit ``u`` category ``c``. Following Krippendorff
    (2011, section C), units with fewer than two values are not pairable and are dropped; the
    coincidence matrix is ``o_ck = sum_u (n_uc n_uk - [c=k] n_uc) / (n_u - 1)``, ``n_c`` its
    row sums and ``n`` their total, and with the nominal metric (``delta = 0`` iff ``c = k``)

    ``D_o = (1/n) sum_{c != k} o_ck``, ``D_e = 1/(n(n-1)) sum_{c != k} n_c n_k``,
    ``alpha = 1 - D_o / D_e = 1 - (n - 1) sum_{c != k} o_ck / sum_{c != k} n_c n_k``.

    For the nominal metric only the diagonal of the coincidence matrix is needed:
    ``sum_{c != k} o_ck = n - sum_c o_cc`` and ``sum_{c != k} n_c n_k = n^2 - sum_c n_c^2``.
    The computation is vectorized (one pass per distinct number of values in a unit) and
    exact: integer sums per group, rational arithmetic, one final rounding.

    Returns ``None`` when alpha is undefined: no pairable value, or an expected disagreement of
    0 (only one category among the pairable values).
    """
    # Categories x units, contiguous: the per-unit sums run along rows, which is fast for the
    # usual tall, narrow count matrices.
    ct = np.ascontiguousarray(_as_count_matrix(counts).T)
    n_u = ct.sum(axis=0)
    pairable = n_u >= 2
    if not pairable.any():
        return None
    n_c = [int(np.dot(row, pairable)) for row in ct]  # pairable values per category
    n = sum(n_c)
    expected_pairs = n * n - sum(x * x for x in n_c)  # sum_{c != k} n_c n_k
    if expected_pairs == 0:
        return None
    # sum_c n_uc (n_uc - 1) per pairable unit, summed per number of values m = n_u; the
    # diagonal of the coincidence matrix is sum_m (that sum) / (m - 1).
    same_u = (ct * (ct - 1)).sum(axis=0)[pairable]
    m_u = n_u[pairable]
    if int(same_u.sum()) < 2**53:  # float bin sums of integers are then exact
        per_m = np.bincount(m_u, weights=same_u)
        groups = [(int(m), int(per_m[m])) for m in np.flatnonzero(per_m)]
    else:
        groups = [(int(m), int(same_u[m_u == m].sum())) for m in np.unique(m_u)]
    diagonal = sum((Fraction(total, m - 1) for m, total in groups), Fraction(0))
    observed = n - diagonal  # sum_{c != k} o_ck
    return float(1 - (n - 1) * observed / expected_pairs)


def _counts_from_codes(arr: NDArray[Any], missing: Any) -> NDArray[np.int64]:
    """Counts (units, categories) from a numeric coders x units array."""
    if arr.dtype.kind == "f":
        mask = ~np.isnan(arr)
        if missing is not None and not (isinstance(missing, float) and math.isnan(missing)):
            mask &= arr != missing
    elif missing is None:
        mask = np.ones(arr.shape, dtype=bool)
    else:
        mask = arr != missing
    n_units = arr.shape[1]
    if not mask.any():
        return np.zeros((n_units, 0), dtype=np.int64)
    if arr.dtype.kind in "biu":
        arr = arr.astype(np.int64, copy=False)
        low = int(arr.min(where=mask, initial=np.iinfo(np.int64).max))
        high = int(arr.max(where=mask, initial=np.iinfo(np.int64).min))
        if high - low < 64:
            # Few possible codes: one vectorized pass per code, no sorting.
            columns = []
            for value in range(low, high + 1):
                column = ((arr == value) & mask).sum(axis=0)
                if column.any():
                    columns.append(column)
            return np.stack(columns, axis=1).astype(np.int64)
    unit_index = np.broadcast_to(np.arange(n_units), arr.shape)[mask]
    values = arr[mask]
    cats, codes = np.unique(values, return_inverse=True)
    k = len(cats)
    flat = unit_index.astype(np.int64) * k + codes.reshape(-1)
    return np.bincount(flat, minlength=n_units * k).reshape(n_units, k).astype(np.int64)


def counts_from_values(
    rows: Iterable[Sequence[Hashable]], missing: Hashable = None
) -> tuple[NDArray[np.int64], list[Hashable]]:
    """Counts (units, categories) from coders x units rows of arbitrary hashable values.

    ``None`` and values equal to ``missing`` are missing. Returns the count matrix and the list
    of categories in column order (first appearance). Rows must have equal length.
    """
    rows = [list(r) for r in rows]
    n_units = len(rows[0]) if rows else 0
    if any(len(r) != n_units for r in rows):
        raise ValueError("every coder's row must have one value per unit")
    index: dict[Hashable, int] = {}
    unit_idx: list[int] = []
    codes: list[int] = []
    for row in rows:
        for u, v in enumerate(row):
            if v is None or (missing is not None and v == missing):
                continue
            unit_idx.append(u)
            codes.append(index.setdefault(v, len(index)))
    k = len(index)
    counts = np.zeros((n_units, k), dtype=np.int64)
    if codes:
        flat = np.asarray(unit_idx, dtype=np.int64) * k + np.asarray(codes, dtype=np.int64)
        counts = np.bincount(flat, minlength=n_units * k).reshape(n_units, k).astype(np.int64)
    return counts, list(index)


def value_counts(
    data: ArrayLike | Sequence[Sequence[Hashable]], missing: Any = -1
) -> NDArray[np.int64]:
    """Convert coders x units data to a (units, categories) count matrix.

    Numeric arrays (bool, int, float) take the vectorized path: entries equal to ``missing``
    (and NaN, for floats) are missing. Anything else (strings, frozensets, mixed values) goes
    through :func:`counts_from_values`, where ``None`` and ``missing`` are missing.
    """
    arr: NDArray[Any] | None
    try:
        arr = np.asarray(data)
    except ValueError:  # ragged or otherwise not an array
        arr = None
    if arr is not None and arr.ndim == 2 and arr.dtype.kind in "biuf":
        return _counts_from_codes(arr, missing)
    if arr is not None and arr.ndim == 2 and arr.shape[0] == 0:
        return np.zeros((arr.shape[1], 0), dtype=np.int64)
    counts, _ = counts_from_values(data, missing=missing)  # type: ignore[arg-type]
    return counts


def nominal_alpha(
    data: ArrayLike | Sequence[Sequence[Hashable]], missing: Any = -1
) -> float | None:
    """Krippendorff's alpha, nominal, from a coders x units array of category codes.

    ``missing`` marks a missing value (default -1; NaN is always missing in a float array).
    Rows of arbitrary hashable categories are accepted as well (see :func:`value_counts`).
    Krippendorff (2011); see :func:`nominal_alpha_from_counts`, which this calls.
    """
    return nominal_alpha_from_counts(value_counts(data, missing=missing))


# --------------------------------------------------------------------------------------------
# Cohen's and Fleiss' kappa
# --------------------------------------------------------------------------------------------


def cohen_kappa(a: ArrayLike, b: ArrayLike) -> float | None:
    """Cohen's (1960) kappa of two coders' categories for the same items (no missing values).

    ``p_o`` = share of items with equal categories, ``p_e = sum_c p_a(c) p_b(c)`` from each
    coder's own marginal distribution, ``kappa = (p_o - p_e) / (1 - p_e)``; computed exactly as
    ``(N * agree - sum_c n_ac n_bc) / (N^2 - sum_c n_ac n_bc)``.

    Returns ``None`` for empty input or when ``p_e = 1`` (both coders used one and the same
    category for every item).
    """
    a_arr = np.asarray(a)
    b_arr = np.asarray(b)
    if a_arr.ndim != 1 or b_arr.ndim != 1 or a_arr.shape != b_arr.shape:
        raise ValueError("cohen_kappa needs two 1-D arrays of equal length")
    n = a_arr.shape[0]
    if n == 0:
        return None
    try:
        joined = np.concatenate([a_arr, b_arr])
    except (TypeError, ValueError):
        joined = np.asarray(list(a_arr) + list(b_arr), dtype=object)
    codes, k = _encode(list(joined) if joined.dtype.kind == "O" else joined)
    ca, cb = codes[:n], codes[n:]
    agree = int(np.count_nonzero(ca == cb))
    chance = int(np.bincount(ca, minlength=k) @ np.bincount(cb, minlength=k))
    denominator = n * n - chance
    if denominator == 0:
        return None
    return float(Fraction(n * agree - chance, denominator))


def fleiss_kappa(counts: ArrayLike) -> float | None:
    """Fleiss' (1971) kappa from a (subjects, categories) count matrix.

    Every row must sum to the same number ``m >= 2`` of ratings (``ValueError`` otherwise).
    ``P_i = (sum_j n_ij^2 - m) / (m (m - 1))``, ``P_bar`` their mean,
    ``p_j = sum_i n_ij / (N m)``, ``P_e = sum_j p_j^2``,
    ``kappa = (P_bar - P_e) / (1 - P_e)`` (computed exactly).

    Returns ``None`` when there is no subject or ``P_e = 1`` (a single category used).
    """
    c = _as_count_matrix(counts)
    n_subjects = c.shape[0]
    if n_subjects == 0:
        return None
    row_sums = c.sum(axis=1)
    m = int(row_sums[0])
    if np.any(row_sums != m):
        raise ValueError("every subject must have the same number of ratings")
    if m < 2:
        raise ValueError("fleiss_kappa needs at least two ratings per subject")
    squares = int((c * c).sum())
    p_bar = Fraction(squares - n_subjects * m, n_subjects * m * (m - 1))
    columns = [int(x) for x in c.sum(axis=0)]
    p_e = Fraction(sum(x * x for x in columns), (n_subjects * m) ** 2)
    if p_e == 1:
        return None
    return float((p_bar - p_e) / (1 - p_e))


# --------------------------------------------------------------------------------------------
# Krippendorff's unitizing alpha (alpha_U), as DKPro Agreement computes it
# --------------------------------------------------------------------------------------------


def _unit_arrays(
    begin: int,
    length: int,
    units: Iterable[Sequence[Any]],
    raters: Sequence[Hashable],
    category: Hashable,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Select the units of ``category``, validate, shift to 0, merge overlaps per rater.

    Returns (rater index, start, end) arrays sorted by rater then start, each rater's units
    disjoint (units sharing no position, for example touching ones, are kept apart).
    """
    rater_index: dict[Hashable, int] = {}
    for r in raters:
        if r in rater_index:
            raise ValueError(f"rater {r!r} is listed twice")
        rater_index[r] = len(rater_index)
    rs: list[int] = []
    ss: list[int] = []
    es: list[int] = []
    end_of_continuum = begin + length
    for unit in units:
        if len(unit) == 3:
            rater, start, size = unit
            unit_category: Hashable = None
        elif len(unit) == 4:
            rater, start, size, unit_category = unit
        else:
            raise ValueError("a unit is (rater, begin, length) or (rater, begin, length, category)")
        if unit_category != category:
            continue
        if rater not in rater_index:
            raise ValueError(f"unit of rater {rater!r}, who is not among the raters")
        start = int(start)
        size = int(size)
        if size < 1 or start < begin or start + size > end_of_continuum:
            raise ValueError(
                f"unit ({start}, {size}) is empty or outside the continuum "
                f"[{begin}, {end_of_continuum})"
            )
        rs.append(rater_index[rater])
        ss.append(start - begin)
        es.append(start - begin + size)
    r = np.asarray(rs, dtype=np.int64)
    s = np.asarray(ss, dtype=np.int64)
    e = np.asarray(es, dtype=np.int64)
    if r.size == 0:
        return r, s, e
    # Composite keys rater * M + position (M > every position) make each rater a block of a
    # single sorted axis, so that one cumulative maximum merges within every rater at once.
    big = length + 1
    order = np.lexsort((e, s, r))
    ks = r[order] * big + s[order]
    ke = r[order] * big + e[order]
    reach = np.maximum.accumulate(ke)
    new = np.ones(ks.size, dtype=bool)
    new[1:] = ks[1:] >= reach[:-1]  # overlapping (sharing a position) -> same merged unit
    first = np.flatnonzero(new)
    merged_ks = ks[first]
    merged_ke = np.maximum.reduceat(ke, first)
    r_out = merged_ks // big
    return r_out, merged_ks - r_out * big, merged_ke - r_out * big


def _unitizing_sums(
    n_raters: int, length: int, r: NDArray[np.int64], s: NDArray[np.int64], e: NDArray[np.int64]
) -> tuple[int, int, int]:
    """Exact integer sums behind DKPro's category D_o and D_e.

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


def unitizing_disagreement(
    begin: int,
    length: int,
    units: Iterable[Sequence[Any]],
    raters: Sequence[Hashable],
    category: Hashable,
) -> tuple[float, float]:
    """Observed and expected disagreement of Krippendorff's unitizing alpha for one continuum
    and one category, as poolable components.

    The continuum is ``[begin, begin + length)``. ``units`` holds ``(rater, begin, length)`` or
    ``(rater, begin, length, category)`` tuples (a 3-tuple has category ``None``); only the
    units whose category equals ``category`` are used. ``raters`` lists every rater taking
    part: a rater with no unit of the category has one gap covering the whole continuum, and
    the number of raters ``R`` enters the formulas. A unit must lie inside the continuum and be
    at least 1 long (``ValueError`` otherwise), and its rater must be listed.

    Overlapping units of one rater (sharing at least one position) are **merged** first, as
    DKPro requires a rater's units of one category not to overlap; touching units such as
    ``[0, 5)`` and ``[5, 9)`` share no position and stay two units, which DKPro allows.

    The formulas are DKPro Agreement's ``calculateObservedCategoryDisagreement`` and
    ``calculateExpectedCategoryDisagreement`` (Krippendorff 1995, 2004):

    - ``D_o = 2 S / (R (R - 1) L^2)`` where ``S`` sums over rater pairs the squared boundary
      differences ``(b_i - b_j)^2 + (e_i - e_j)^2`` of every two overlapping units and ``l^2``
      for every unit lying inside a gap of the other rater;
    - ``D_e = (2 / L) E / (R L (R L - 1) - sum_units l (l - 1))`` where
      ``E = sum_units [(N_c - 1)(2 l^3 - 3 l^2 + l) / 3 + l^2 sum_{gaps g >= l} (g - l + 1)]``
      over all raters' units (``N_c`` of them) and gaps.

    **Normalisation, and what to pool.** DKPro's ``D_o`` and ``D_e`` are divided by ``L^2``
    (``D_e`` effectively so) and by the number of rater pairs: they shrink like ``1 / L`` as a
    continuum grows, so summing them over documents would weigh a short document more than a
    long one. The components returned here are DKPro's values multiplied by ``R * L^2``:

    - ``observed = R L^2 D_o = 2 S / (R - 1)``: for each rater, the total squared boundary
      disagreement (in characters squared) with the other raters, averaged over those other
      raters, summed over the raters. This is the weighting of Krippendorff's coincidences,
      which divide by ``n_u - 1``: every rater's data counts once however many raters there are;
    - ``expected = R L^2 D_e = 2 E R L / (R L (R L - 1) - sum l (l - 1))``: the same quantity
      expected by chance within this continuum.

    Both are extensive (they grow in proportion to the length of the continuum and to the
    number of raters) and in the same currency, so they can be added over documents and over
    categories; the pooled alpha is ``1 - sum(observed) / sum(expected)``. For a single
    continuum and category, ``1 - observed / expected`` equals DKPro's
    ``calculateCategoryAgreement`` (the factor ``R L^2`` cancels); summed over the categories
    of one continuum it equals DKPro's ``calculateAgreement``, which averages ``D_o`` and
    ``D_e`` over the categories. Divide a component by ``R * L^2`` to get DKPro's value.

    With fewer than two raters or an empty continuum nothing can be compared and ``(0.0,
    0.0)`` is returned, which adds nothing to a pooled sum. ``expected`` is 0 when there is no
    unit of the category (or no possible disagreement); alpha is then undefined.

    Vectorized: every unit is looked up against every other rater's sorted units with
    :func:`numpy.searchsorted`; the sums are exact integers and each component is rounded
    once.
    """
    n_raters = len(raters)
    r, s, e = _unit_arrays(begin, length, units, raters, category)
    if n_raters < 2 or length <= 0:
        return 0.0, 0.0
    total, expected, q = _unitizing_sums(n_raters, length, r, s, e)
    observed_component = float(Fraction(2 * total, n_raters - 1))
    expected_component = float(Fraction(2 * expected * n_raters * length, q))
    return observed_component, expected_component


def unitizing_alpha(
    begin: int,
    length: int,
    units: Iterable[Sequence[Any]],
    raters: Sequence[Hashable],
    category: Hashable = None,
) -> float | None:
    """Krippendorff's unitizing alpha (alpha_U) of one continuum, as DKPro Agreement computes it.

    With a ``category``, DKPro's ``calculateCategoryAgreement(category)``; with
    ``category=None``, DKPro's ``calculateAgreement()``: pooled over every category that occurs
    among ``units`` (3-tuples count as category ``None``), ``1 - sum D_o / sum D_e``. See
    :func:`unitizing_disagreement` for the input and the formulas.

    Returns ``None`` when the expected disagreement is 0 (no unit, fewer than two raters).
    Unlike DKPro, which returns 0.0 whenever ``D_o == D_e`` (also when both are 0) and NaN
    for a study without units, an undefined value is ``None``.
    """
    units = list(units)
    if category is None:
        categories: list[Hashable] = []
        for unit in units:
            c = unit[3] if len(unit) == 4 else None
            if c not in categories:
                categories.append(c)
    else:
        categories = [category]
    observed = 0.0
    expected = 0.0
    for c in categories:
        o, x = unitizing_disagreement(begin, length, units, raters, c)
        observed += o
        expected += x
    if expected == 0:
        return None
    return 1.0 - observed / expected


# --------------------------------------------------------------------------------------------
# Span F1
# --------------------------------------------------------------------------------------------


def _merged_groups(
    spans: Iterable[Sequence[Any]],
) -> dict[tuple[Hashable, Hashable], list[tuple[int, int]]]:
    """Spans grouped by (unit_key, label), each group merged and sorted by start."""
    groups: dict[tuple[Hashable, Hashable], list[tuple[int, int]]] = {}
    for span in spans:
        unit_key, label, start, end = span
        if not start < end:
            raise ValueError(f"span {tuple(span)!r} is empty (start must be < end)")
        groups.setdefault((unit_key, label), []).append((start, end))
    for key, intervals in groups.items():
        intervals.sort()
        merged: list[tuple[int, int]] = []
        cur_start, cur_end = intervals[0]
        for start, end in intervals[1:]:
            if start < cur_end:  # shares at least one character
                cur_end = max(cur_end, end)
            else:
                merged.append((cur_start, cur_end))
                cur_start, cur_end = start, end
        merged.append((cur_start, cur_end))
        groups[key] = merged
    return groups


def merge_overlapping(spans: Iterable[Span]) -> list[Span]:
    """Merge overlapping spans of the same ``(unit_key, label)``.

    Spans are ``(unit_key, label, start, end)`` half-open intervals ``[start, end)`` with
    ``start < end`` (``ValueError`` otherwise). Two spans overlap when they share at least one
    character: ``[0, 5)`` and ``[3, 9)`` merge into ``[0, 9)``; touching spans ``[0, 5)`` and
    ``[5, 9)`` share none and are **not** merged; duplicates collapse into one. Spans of
    different units or labels never merge.

    Returns the merged spans, grouped by ``(unit_key, label)`` in order of first appearance and
    sorted by start within a group.
    """
    return [
        (unit_key, label, start, end)
        for (unit_key, label), intervals in _merged_groups(spans).items()
        for start, end in intervals
    ]


def exact_counts(a: Iterable[Hashable], b: Iterable[Hashable]) -> tuple[int, int, int]:
    """``(|A & B|, |A|, |B|)`` of two collections of spans compared as sets."""
    set_a = set(a)
    set_b = set(b)
    return len(set_a & set_b), len(set_a), len(set_b)


def f1_exact(a: Iterable[Hashable], b: Iterable[Hashable]) -> float | None:
    """Exact-match span F1: ``2 |A & B| / (|A| + |B|)``.

    ``a`` and ``b`` hold hashable span tuples, for example ``(paragraph_key, label, start,
    end)``; each side is a set (two identical spans count once). Symmetric. ``None`` when both
    sides are empty; 0.0 when only one is.
    """
    matches, n_a, n_b = exact_counts(a, b)
    if n_a + n_b == 0:
        return None
    return 2 * matches / (n_a + n_b)


def overlap_sums(a: Iterable[Span], b: Iterable[Span]) -> tuple[float, int, float, int]:
    """Partial-credit sums of SemEval-2020 Task 11 (Da San Martino et al. 2020, section 3).

    Spans are ``(unit_key, label, start, end)``. Each side's overlapping spans of one
    ``(unit_key, label)`` are merged first (:func:`merge_overlapping`); only spans of the same
    unit (paragraph) and the same label can intersect. With ``|s & t|`` the number of shared
    characters, returns

    ``(sum_p, n_a, sum_r, n_b)`` where ``sum_p = sum_{s in A} sum_{t in B} |s & t| / |s|``,
    ``sum_r = sum_{s in A} sum_{t in B} |s & t| / |t|`` and ``n_a``, ``n_b`` are the numbers
    of merged spans. The sums add over paragraphs (and documents):
    ``P = sum_p / n_a``, ``R = sum_r / n_b``, see :func:`f1_from_overlap_sums`.
    Swapping ``a`` and ``b`` swaps ``(sum_p, n_a)`` and ``(sum_r, n_b)``.
    """
    groups_a = _merged_groups(a)
    groups_b = _merged_groups(b)
    n_a = sum(len(v) for v in groups_a.values())
    n_b = sum(len(v) for v in groups_b.values())
    terms_p: list[float] = []
    terms_r: list[float] = []
    for key, spans_a in groups_a.items():
        spans_b = groups_b.get(key)
        if not spans_b:
            continue
        i = k = 0
        while i < len(spans_a) and k < len(spans_b):
            start_a, end_a = spans_a[i]
            start_b, end_b = spans_b[k]
            shared = min(end_a, end_b) - max(start_a, start_b)
            if shared > 0:
                terms_p.append(shared / (end_a - start_a))
                terms_r.append(shared / (end_b - start_b))
            if end_a <= end_b:
                i += 1
            else:
                k += 1
    return math.fsum(terms_p), n_a, math.fsum(terms_r), n_b


def f1_from_overlap_sums(sum_p: float, n_a: int, sum_r: float, n_b: int) -> float | None:
    """F1 from (possibly pooled) :func:`overlap_sums`.

    ``P = sum_p / n_a`` (0 when ``n_a = 0``), ``R = sum_r / n_b`` (0 when ``n_b = 0``),
    ``F1 = 2 P R / (P + R)``, 0.0 when ``P + R = 0``; ``None`` when both sides are empty.
    """
    if n_a == 0 and n_b == 0:
        return None
    precision = sum_p / n_a if n_a else 0.0
    recall = sum_r / n_b if n_b else 0.0
    if precision + recall == 0:
        return 0.0
    return 2 * precision * recall / (precision + recall)


def f1_overlap(a: Iterable[Span], b: Iterable[Span]) -> float | None:
    """Span F1 with SemEval-2020 Task 11 partial credit (see :func:`overlap_sums`).

    ``None`` when both sides are empty; 0.0 when exactly one is (its P or R is taken as 0).
    """
    return f1_from_overlap_sums(*overlap_sums(a, b))
