"""Agreement on article-level questions (INTERFACE.md, "Article-level questions"):
Krippendorff's alpha with the metric a question's type calls for, on numpy.

Units are documents; a unit's values are the answers of the reviewers who submitted it with an
answer (a unit with fewer than two is not pairable and counts for nothing). With the
coincidences ``o_ck`` (each unit's ordered pairs of values weighted ``1 / (m_u - 1)``) and their
margins ``n_c``:

    alpha = 1 - D_o / D_e,  D_o = sum o_ck d_ck / n,  D_e = sum n_c n_k d_ck / (n (n - 1))

with the difference ``d_ck`` of the metric (Krippendorff 2011, "Computing Krippendorff's
alpha-reliability"):

- ``nominal`` (choice, boolean): 0 for equal values, 1 otherwise;
- ``ordinal`` (ordinal, on the choices' ranks): ``(sum_{g=c..k} n_g - (n_c + n_k) / 2)**2``,
  from the margins of the values actually used;
- ``interval`` (number): ``(c - k)**2``;
- ``masi`` (multi, values as sets): the MASI distance of Passonneau (2006),
  ``1 - |A & B| / |A | B| * m`` with ``m`` 1 for equal sets, 2/3 when one holds the other,
  1/3 when they share a value, 0 otherwise (NLTK's ``masi_distance``; two empty sets are equal).

``percent_agreement``: the share of pairable answer pairs (within a unit, unordered) that are
equal. Undefined values are ``None``, never a made-up 0 or 1.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np

METRICS = {"choice": "nominal", "boolean": "nominal", "ordinal": "ordinal",
           "number": "interval", "multi": "masi"}


def masi_distance(a: frozenset, b: frozenset) -> float:
    """Passonneau's (2006) MASI distance between two sets (as NLTK computes it)."""
    if a == b:
        return 0.0
    union = len(a | b)
    common = len(a & b)
    if a <= b or b <= a:
        m = 2 / 3
    elif common:
        m = 1 / 3
    else:
        m = 0.0
    return 1 - (common / union) * m if union else 0.0


def codes(units: Sequence[Sequence[Hashable]]) -> tuple[list[Hashable], list[np.ndarray]]:
    """The distinct values (in first-seen order) and each unit's values as their codes."""
    index: dict[Hashable, int] = {}
    coded = [np.fromiter((index.setdefault(v, len(index)) for v in unit), dtype=np.int64,
                         count=len(unit)) for unit in units]
    return list(index), coded


def unit_coincidences(coded: Sequence[np.ndarray], k: int) -> np.ndarray:
    """(U, k*k): each unit's coincidences (zero for units with fewer than two values)."""
    out = np.zeros((len(coded), k * k))
    for u, values in enumerate(coded):
        m = values.size
        if m < 2:
            continue
        counts = np.bincount(values, minlength=k).astype(np.float64)
        table = np.outer(counts, counts) - np.diag(counts)  # ordered pairs of two answers
        out[u] = (table / (m - 1)).ravel()
    return out


def unit_pairs(coded: Sequence[np.ndarray], k: int) -> np.ndarray:
    """(U, 2): each unit's pairs of answers, and how many of them are equal."""
    out = np.zeros((len(coded), 2))
    for u, values in enumerate(coded):
        m = values.size
        if m < 2:
            continue
        counts = np.bincount(values, minlength=k)
        out[u] = (m * (m - 1) / 2, float((counts * (counts - 1) / 2).sum()))
    return out


def differences(metric: str, values: Sequence[Any], margins: np.ndarray | None = None
                ) -> np.ndarray:
    """The k x k matrix of the metric's differences ``d_ck`` between the values."""
    k = len(values)
    if metric == "nominal":
        return 1.0 - np.eye(k)
    if metric == "interval":
        v = np.asarray(values, dtype=np.float64)
        return (v[:, None] - v[None, :]) ** 2
    if metric == "masi":
        return np.array([[masi_distance(a, b) for b in values] for a in values])
    if metric == "ordinal":
        # values are ranks; the margins of every rank between two values count
        ranks = np.asarray(values, dtype=np.int64)
        order = np.argsort(ranks)
        n = np.asarray(margins, dtype=np.float64)[order]
        cum = np.concatenate([[0.0], np.cumsum(n)])
        pos = np.empty(k, dtype=np.int64)
        pos[order] = np.arange(k)
        lo = np.minimum(pos[:, None], pos[None, :])
        hi = np.maximum(pos[:, None], pos[None, :])
        between = cum[hi + 1] - cum[lo]
        nc = np.asarray(margins, dtype=np.float64)
        return (between - (nc[:, None] + nc[None, :]) / 2) ** 2
    raise ValueError(f"unknown metric {metric!r}")


def alpha(o: np.ndarray, metric: str, values: Sequence[Any]) -> float | None:
    """Krippendorff's alpha from a k x k coincidence matrix."""
    k = len(values)
    o = np.asarray(o, dtype=np.float64).reshape(k, k)
    margins = o.sum(axis=1)
    n = margins.sum()
    if n <= 1:
        return None
    d = differences(metric, values, margins if metric == "ordinal" else None)
    observed = (o * d).sum() / n
    expected = (np.outer(margins, margins) * d).sum() / (n * (n - 1))
    if expected <= 0:
        return None
    return float(1 - observed / expected)


def question_agreement(units: Sequence[Sequence[Any]], kind: str,
                       choices: Sequence[str] = ()) -> dict:
    """``{"alpha", "metric", "units", "percent_agreement"}`` of one question's answers, a
    list per unit (document) of the submitted reviewers' answers (None left out)."""
    metric = METRICS.get(kind)
    if metric is None:  # text: no agreement figure
        return {"alpha": None, "metric": None, "units": 0, "percent_agreement": None}
    values, coded = codes(_prepared(units, kind, choices))
    k = len(values)
    pairable = sum(1 for unit in coded if unit.size >= 2)
    pairs = unit_pairs(coded, k).sum(axis=0)
    o = unit_coincidences(coded, k).sum(axis=0) if k else np.zeros(0)
    return {
        "alpha": alpha(o, metric, values) if k else None,
        "metric": metric,
        "units": pairable,
        "percent_agreement": float(pairs[1] / pairs[0]) if pairs[0] else None,
    }


def resampled(units: Sequence[Sequence[Any]], kind: str, choices: Sequence[str],
              weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Alpha and percent agreement under each row of ``weights`` (resamples x units: how
    often each unit is drawn), as the bootstrap of the report resamples documents: the units'
    coincidences and pairs are summed with the weights. NaN where a figure is undefined."""
    metric = METRICS[kind]
    values, coded = codes(_prepared(units, kind, choices))
    n = weights.shape[0]
    k = len(values)
    if not k:
        return np.full(n, np.nan), np.full(n, np.nan)
    o = weights @ unit_coincidences(coded, k)  # (n, k*k)
    pairs = weights @ unit_pairs(coded, k)  # (n, 2)
    alphas = np.array([a if (a := alpha(row, metric, values)) is not None else np.nan
                       for row in o])
    with np.errstate(invalid="ignore", divide="ignore"):
        percent = np.where(pairs[:, 0] > 0, pairs[:, 1] / pairs[:, 0], np.nan)
    return alphas, percent


def _prepared(units: Sequence[Sequence[Any]], kind: str, choices: Sequence[str]
              ) -> list[list[Hashable]]:
    return [[v for v in (_value(x, kind, choices) for x in unit if x is not None)
             if v is not None] for unit in units]


def _value(value: Any, kind: str, choices: Sequence[str]) -> Hashable | None:
    """An answer as the metric compares it: an ordinal choice as its rank, a set of choices
    as a frozenset, a number as a float; text folded as elsewhere."""
    if kind == "ordinal":
        return choices.index(value) if value in choices else None
    if kind == "multi":
        return frozenset(value) if isinstance(value, list | tuple | set | frozenset) else None
    if kind == "number":
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) \
            else None
    return value
