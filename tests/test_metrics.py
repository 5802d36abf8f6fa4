"""Tests of the agreement metrics of the test oracle (tests/agreement/metrics.py).

Published worked examples, DKPro Agreement's unitizing test cases, cross-checks against
independent implementations (krippendorff, statsmodels, scikit-learn, nltk) on generated data,
the undefined cases, and span F1.
"""

from __future__ import annotations

import importlib
import os
import warnings
from fractions import Fraction
from types import ModuleType

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tests.agreement.metrics import (
    cohen_kappa,
    coincidence_matrix,
    counts_from_values,
    exact_counts,
    f1_exact,
    f1_from_overlap_sums,
    f1_overlap,
    fleiss_kappa,
    merge_overlapping,
    nominal_alpha,
    nominal_alpha_from_counts,
    overlap_sums,
    unitizing_alpha,
    unitizing_disagreement,
    value_counts,
)

CROSS_CHECK = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def reference(module: str) -> ModuleType:
    """Import a reference implementation: skip when missing, except under CI, where fail."""
    if os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}:
        return importlib.import_module(module)
    return pytest.importorskip(module)


# ============================================================================================
# Krippendorff's alpha, nominal
# ============================================================================================

M = -1  # missing
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers
# (A-D) x 12 units, nominal alpha = 0.743.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, M, M, M],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, M, 3],
    [M, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, M],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, M],
]


def test_krippendorff_2011_example() -> None:
    alpha = nominal_alpha(np.array(KRIPPENDORFF_2011), missing=M)
    assert alpha is not None
    assert round(alpha, 3) == 0.743
    # Exactly: n = 40 pairable values, sum_{c!=k} o_ck = 8, n_c = (9, 13, 10, 5, 3) so
    # sum_{c!=k} n_c n_k = 1600 - 384 = 1216; alpha = 1 - 39 * 8 / 1216 = 113/152 = 0.7434...
    assert alpha == float(Fraction(113, 152))


def test_krippendorff_2011_coincidence_matrix() -> None:
    # The coincidence matrix of the 2011 paper (section C, step "coincidences"), values 1..5.
    counts = value_counts(np.array(KRIPPENDORFF_2011), missing=M)
    o = coincidence_matrix(counts)
    expected = np.array(
        [
            [7, 4 / 3, 1 / 3, 1 / 3, 0],
            [4 / 3, 10, 4 / 3, 1 / 3, 0],
            [1 / 3, 4 / 3, 8, 1 / 3, 0],
            [1 / 3, 1 / 3, 1 / 3, 4, 0],
            [0, 0, 0, 0, 3],
        ]
    )
    np.testing.assert_allclose(o, expected, rtol=0, atol=1e-12)
    assert o.sum() == pytest.approx(40)


def test_nominal_alpha_accepts_hashable_categories() -> None:
    letters = [[None if v == M else "abcde"[v - 1] for v in row] for row in KRIPPENDORFF_2011]
    assert nominal_alpha(letters, missing=None) == float(Fraction(113, 152))
    sets = [[None if v is None else frozenset(v) for v in row] for row in letters]
    assert nominal_alpha(sets, missing=None) == float(Fraction(113, 152))
    floats = np.where(np.array(KRIPPENDORFF_2011) == M, np.nan, KRIPPENDORFF_2011)
    assert nominal_alpha(floats) == float(Fraction(113, 152))


def test_value_counts_code_layouts() -> None:
    data = np.array([[0, 4, 2, 4], [4, 4, 0, 2], [1, 0, 2, 2]])
    # 2 marks missing here although it lies between the codes in use.
    assert value_counts(data, missing=2).tolist() == [[1, 1, 1], [1, 0, 2], [1, 0, 0], [0, 0, 1]]
    # Codes far apart take the sorting path and give the same counts.
    spread = np.where(data == 2, 2, data * 1_000_000)
    assert value_counts(spread, missing=2).tolist() == value_counts(data, missing=2).tolist()
    assert value_counts(data, missing=None).sum() == data.size
    assert nominal_alpha(spread, missing=2) == nominal_alpha(data, missing=2)


def test_counts_from_values() -> None:
    counts, categories = counts_from_values([["x", None, "y"], ["x", "y", "y"]])
    assert categories == ["x", "y"]
    assert counts.tolist() == [[2, 0], [0, 1], [0, 2]]
    with pytest.raises(ValueError):
        counts_from_values([["x"], ["x", "y"]])


@pytest.mark.parametrize(
    "data",
    [
        [[1, 1, 1], [1, 1, 1]],  # no variation
        [[1, 2, 3, 4]],  # one coder: nothing pairable
        [[1, M, 2], [M, 1, M]],  # no unit with two values
        [[M, M], [M, M]],  # all missing
        np.zeros((2, 0), dtype=int),  # no units
        np.zeros((0, 0), dtype=int),  # nothing at all
        [[0, 1, M], [0, M, 1]],  # variation only in unpairable values
    ],
)
def test_nominal_alpha_undefined(data: object) -> None:
    assert nominal_alpha(data) is None


def test_nominal_alpha_from_counts_undefined_and_invalid() -> None:
    assert nominal_alpha_from_counts(np.zeros((0, 3), dtype=int)) is None
    assert nominal_alpha_from_counts(np.zeros((5, 0), dtype=int)) is None
    # The only other category is in a unit with one value (not pairable).
    assert nominal_alpha_from_counts([[3, 0], [2, 0], [0, 1]]) is None
    with pytest.raises(ValueError):
        nominal_alpha_from_counts([[1, -1]])
    with pytest.raises(ValueError):
        nominal_alpha_from_counts([1, 2])
    with pytest.raises(ValueError):
        nominal_alpha_from_counts([[0.5, 1]])


def test_nominal_alpha_simple_values() -> None:
    # Two coders, 4 units, each coder says 0 on two and 1 on two, agreeing on 2 units:
    # n = 8, o_00 = o_11 = 2, o_01 = o_10 = 2; alpha = 1 - 7 * 4 / (64 - 32) = 1/8.
    assert nominal_alpha([[0, 0, 1, 1], [0, 1, 0, 1]]) == 0.125
    # Perfect agreement with variation.
    assert nominal_alpha([[0, 1, 2], [0, 1, 2], [0, 1, M]]) == 1.0


def _alpha_by_formula(counts: np.ndarray) -> float:
    """Krippendorff (2011) with the full coincidence matrix, in floating point."""
    n_u = counts.sum(axis=1)
    c = counts[n_u >= 2].astype(float)
    w = 1.0 / (c.sum(axis=1) - 1)
    o = (c * w[:, None]).T @ c - np.diag((c * w[:, None]).sum(axis=0))
    n_c = o.sum(axis=1)
    n = n_c.sum()
    d_o = (o.sum() - np.trace(o)) / n
    d_e = (n * n - (n_c**2).sum()) / (n * (n - 1))
    return 1 - d_o / d_e


def test_nominal_alpha_from_counts_vectorized_at_scale() -> None:
    rng = np.random.default_rng(7)
    units = 1_000_000
    # 2..5 coders per unit, 4 categories, correlated: mostly the unit's "true" category.
    truth = rng.integers(0, 4, size=units)
    coders = rng.integers(2, 6, size=units)
    counts = np.zeros((units, 4), dtype=np.int64)
    for k in range(5):
        rated = coders > k
        value = np.where(rng.random(units) < 0.7, truth, rng.integers(0, 4, size=units))
        np.add.at(counts, (np.flatnonzero(rated), value[rated]), 1)
    alpha = nominal_alpha_from_counts(counts)
    assert alpha is not None
    assert alpha == pytest.approx(_alpha_by_formula(counts), abs=1e-9)


def _pairable_categories(data: np.ndarray) -> set[int]:
    present = data != M
    pairable_units = present.sum(axis=0) >= 2
    return set(data[:, pairable_units][present[:, pairable_units]].tolist())


alpha_data = hnp.arrays(
    np.int64,
    hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=10),
    elements=st.sampled_from([M, M, 0, 1, 2, 3]),
)


@CROSS_CHECK
@given(alpha_data)
def test_nominal_alpha_matches_krippendorff_package(data: np.ndarray) -> None:
    krippendorff = reference("krippendorff")
    ours = nominal_alpha(data, missing=M)
    if len(_pairable_categories(data)) < 2:
        assert ours is None
        return
    assert ours is not None
    reliability = np.where(data == M, np.nan, data).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = krippendorff.alpha(reliability, level_of_measurement="nominal")
    assert ours == pytest.approx(theirs, abs=1e-9)


@CROSS_CHECK
@given(alpha_data)
def test_nominal_alpha_matches_nltk(data: np.ndarray) -> None:
    agreement = reference("nltk.metrics.agreement")
    ours = nominal_alpha(data, missing=M)
    if len(_pairable_categories(data)) < 2:
        assert ours is None
        return
    triples = [
        (f"c{c}", f"u{u}", int(data[c, u]))
        for c in range(data.shape[0])
        for u in range(data.shape[1])
        if data[c, u] != M
    ]
    theirs = agreement.AnnotationTask(data=triples).alpha()
    assert ours == pytest.approx(theirs, abs=1e-9)


@CROSS_CHECK
@given(alpha_data)
def test_nominal_alpha_counts_path_equals_values_path(data: np.ndarray) -> None:
    ours = nominal_alpha(data, missing=M)
    rows = [[None if v == M else str(v) for v in row] for row in data.tolist()]
    assert nominal_alpha(rows, missing=None) == ours
    if ours is not None:
        assert ours == pytest.approx(_alpha_by_formula(value_counts(data, missing=M)), abs=1e-9)


# ============================================================================================
# Cohen's kappa
# ============================================================================================


def _from_table(table: list[list[int]]) -> tuple[list[int], list[int]]:
    """Expand a 2-D contingency table (rows: coder a, columns: coder b) to two code arrays."""
    a: list[int] = []
    b: list[int] = []
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            a += [i] * count
            b += [j] * count
    return a, b


@pytest.mark.parametrize(
    ("table", "kappa"),
    [
        # Wikipedia, "Cohen's kappa", simple example: 50 proposals, yes/yes 20, yes/no 5,
        # no/yes 10, no/no 15: p_o = 0.7, p_e = 0.5, kappa = 0.4.
        ([[20, 5], [10, 15]], 0.4),
        # Same percentage agreement (60 %), different kappas: 0.1304 and 0.2593.
        ([[45, 15], [25, 15]], 0.1304),
        ([[25, 35], [5, 35]], 0.2593),
    ],
)
def test_cohen_kappa_wikipedia(table: list[list[int]], kappa: float) -> None:
    a, b = _from_table(table)
    ours = cohen_kappa(a, b)
    assert ours is not None
    assert round(ours, 4) == kappa


def test_cohen_kappa_exact_values() -> None:
    assert cohen_kappa(*_from_table([[20, 5], [10, 15]])) == 0.4
    assert cohen_kappa(*_from_table([[45, 15], [25, 15]])) == float(Fraction(3, 23))
    assert cohen_kappa(*_from_table([[25, 35], [5, 35]])) == float(Fraction(7, 27))


def test_cohen_kappa_dkpro_krippendorff_1995_digitized() -> None:
    # DKPro Agreement, Krippendorff1995Test.testDigitizedAgreement: two coders' character-level
    # 0/1 codes of Krippendorff's (1995) examples; Cohen's kappa 0.385 (A, B), 0.314 (C),
    # Krippendorff's alpha 0.329 (A), and insufficient data for D (no variation).
    a1 = [0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0]
    a2 = [0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0]
    assert cohen_kappa(a1, a2) == pytest.approx(0.385, abs=0.001)
    assert nominal_alpha([a1, a2]) == pytest.approx(0.329, abs=0.001)
    b1 = [1] * 18 + [0] * 6
    b2 = [1] * 10 + [0] * 14
    assert cohen_kappa(b1, b2) == pytest.approx(0.385, abs=0.001)
    c1 = [0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0]
    c2 = [1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0]
    assert cohen_kappa(c1, c2) == pytest.approx(0.314, abs=0.001)
    assert cohen_kappa([1] * 24, [1] * 24) is None


def test_cohen_kappa_undefined_and_invalid() -> None:
    assert cohen_kappa([], []) is None
    assert cohen_kappa([2, 2, 2], [2, 2, 2]) is None
    assert cohen_kappa(["x"], ["x"]) is None
    # Constant but different: p_o = 0, p_e = 0 -> 0, defined.
    assert cohen_kappa([0, 0], [1, 1]) == 0.0
    assert cohen_kappa(["a", "b", "a"], ["a", "b", "b"]) == pytest.approx(0.4)
    with pytest.raises(ValueError):
        cohen_kappa([1, 2], [1])
    with pytest.raises(ValueError):
        cohen_kappa([[1]], [[1]])


kappa_pairs = st.integers(1, 30).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 3), min_size=n, max_size=n),
        st.lists(st.integers(0, 3), min_size=n, max_size=n),
    )
)


@CROSS_CHECK
@given(kappa_pairs)
def test_cohen_kappa_matches_references(pair: tuple[list[int], list[int]]) -> None:
    sklearn_metrics = reference("sklearn.metrics")
    inter_rater = reference("statsmodels.stats.inter_rater")
    agreement = reference("nltk.metrics.agreement")
    a, b = pair
    ours = cohen_kappa(a, b)
    if len(set(a) | set(b)) == 1:
        assert ours is None
        return
    assert ours is not None
    assert ours == pytest.approx(sklearn_metrics.cohen_kappa_score(a, b), abs=1e-9)
    categories = sorted(set(a) | set(b))
    table = np.zeros((len(categories), len(categories)))
    for x, y in zip(a, b, strict=True):
        table[categories.index(x), categories.index(y)] += 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # its standard errors, not kappa
        statsmodels_kappa = inter_rater.cohens_kappa(table).kappa
    assert ours == pytest.approx(statsmodels_kappa, abs=1e-9)
    triples = [("a", i, x) for i, x in enumerate(a)] + [("b", i, y) for i, y in enumerate(b)]
    assert ours == pytest.approx(agreement.AnnotationTask(data=triples).kappa(), abs=1e-9)


# ============================================================================================
# Fleiss' kappa
# ============================================================================================

# Wikipedia, "Fleiss' kappa", worked example (after Fleiss 1971): 10 subjects, 14 raters,
# 5 categories; P_bar = 0.378, P_e = 0.213, kappa = 0.210.
FLEISS_WIKIPEDIA = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]


def test_fleiss_kappa_wikipedia() -> None:
    kappa = fleiss_kappa(FLEISS_WIKIPEDIA)
    assert kappa is not None
    assert round(kappa, 3) == 0.210
    # Exactly: sum_i (sum_j n_ij^2 - 14) = 688, so P_bar = 688 / (10 * 14 * 13); column sums
    # (20, 28, 39, 32, 21), so P_e = 4170 / 140^2.
    p_bar = Fraction(688, 1820)
    p_e = Fraction(4170, 19600)
    assert kappa == float((p_bar - p_e) / (1 - p_e))


def test_fleiss_kappa_undefined_and_invalid() -> None:
    assert fleiss_kappa(np.zeros((0, 3), dtype=int)) is None
    assert fleiss_kappa([[3, 0], [3, 0]]) is None  # one category only: P_e = 1
    assert fleiss_kappa([[2, 0], [0, 2]]) == 1.0
    with pytest.raises(ValueError):
        fleiss_kappa([[2, 0], [1, 2]])  # unequal numbers of ratings
    with pytest.raises(ValueError):
        fleiss_kappa([[1, 0], [0, 1]])  # one rating per subject
    with pytest.raises(ValueError):
        fleiss_kappa([[3, -1], [1, 1]])


fleiss_tables = st.tuples(st.integers(1, 12), st.integers(2, 6), st.integers(1, 4)).flatmap(
    lambda nmk: st.lists(
        st.lists(st.integers(0, nmk[2] - 1), min_size=nmk[1], max_size=nmk[1]),
        min_size=nmk[0],
        max_size=nmk[0],
    ).map(lambda subjects: (subjects, nmk[2]))
)


@CROSS_CHECK
@given(fleiss_tables)
def test_fleiss_kappa_matches_references(case: tuple[list[list[int]], int]) -> None:
    inter_rater = reference("statsmodels.stats.inter_rater")
    agreement = reference("nltk.metrics.agreement")
    subjects, k = case
    counts = np.array([np.bincount(s, minlength=k) for s in subjects])
    ours = fleiss_kappa(counts)
    if len({v for s in subjects for v in s}) == 1:
        assert ours is None
        return
    assert ours is not None
    assert ours == pytest.approx(inter_rater.fleiss_kappa(counts, method="fleiss"), abs=1e-9)
    # With every rater rating every subject, Fleiss' kappa is the multi-pi of Siegel and
    # Castellan, nltk's AnnotationTask.pi().
    triples = [(f"r{r}", i, v) for i, s in enumerate(subjects) for r, v in enumerate(s)]
    assert ours == pytest.approx(agreement.AnnotationTask(data=triples).pi(), abs=1e-9)


# ============================================================================================
# Krippendorff's unitizing alpha
# ============================================================================================


def dkpro_measure_distance(
    offset1: int, length1: int, category1: object, offset2: int, length2: int, category2: object
) -> int:
    """KrippendorffAlphaUnitizingAgreement.measureDistance, transliterated."""
    begin_diff = offset1 - offset2
    length_diff = length1 - length2
    if category1 is not None and category2 is not None and -length1 < begin_diff < length2:
        return begin_diff * begin_diff + (begin_diff + length_diff) * (begin_diff + length_diff)
    if category1 is not None and category2 is None and -length_diff >= begin_diff >= 0:
        return length1 * length1
    if category1 is None and category2 is not None and -length_diff <= begin_diff <= 0:
        return length2 * length2
    return 0


class DKProStudy:
    """Slow reference: DKPro Agreement's UnitizingAnnotationStudy and
    KrippendorffAlphaUnitizingAgreement transliterated line by line from the Java source
    (the sweep over both raters' units and gaps for D_o, the gap list for D_e), with exact
    rational arithmetic instead of double/BigDecimal. A rater's units of one category must not
    overlap (as in DKPro)."""

    def __init__(self, rater_count: int, begin: int, length: int) -> None:
        self.rater_count = rater_count
        self.begin = begin
        self.length = length
        self.units: list[tuple[int, int, int, object]] = []  # (offset, length, rater, cat)

    def add_unit(self, offset: int, length: int, rater: int, category: object) -> None:
        self.units.append((offset, length, rater, category))

    def categories(self) -> list[object]:
        return sorted({u[3] for u in self.units}, key=str)

    def _units_of(self, rater: int, category: object):  # noqa: ANN202
        # The TreeSet orders units by offset, then length, then rater.
        return iter(
            [
                u
                for u in sorted(self.units, key=lambda u: u[:3])
                if u[2] == rater and u[3] == category
            ]
        )

    def observed(self, category: object) -> Fraction:
        b, length, r_count = self.begin, self.length, self.rater_count
        result = 0
        for r1 in range(r_count):
            for r2 in range(r1 + 1, r_count):
                units1 = self._units_of(r1, category)
                units2 = self._units_of(r2, category)
                next1 = next(units1, None)
                next2 = next(units2, None)
                offset1, length1, offset2, length2 = b, 0, b, 0
                category1: object = None
                category2: object = None
                pos = b
                while pos < b + length and (next1 is not None or next2 is not None):
                    if pos == offset1 + length1:
                        if next1 is not None and pos == next1[0]:
                            length1, category1 = next1[1], next1[3]
                            next1 = next(units1, None)
                        else:
                            length1 = (next1[0] if next1 is not None else b + length) - pos
                            category1 = None
                        offset1 = pos
                    if pos == offset2 + length2:
                        if next2 is not None and pos == next2[0]:
                            length2, category2 = next2[1], next2[3]
                            next2 = next(units2, None)
                        else:
                            length2 = (next2[0] if next2 is not None else b + length) - pos
                            category2 = None
                        offset2 = pos
                    result += dkpro_measure_distance(
                        offset1, length1, category1, offset2, length2, category2
                    )
                    pos = min(offset1 + length1, offset2 + length2)
        return Fraction(2 * result, r_count * (r_count - 1) * length * length)

    def expected(self, category: object) -> Fraction:
        b, length, r_count = self.begin, self.length, self.rater_count
        mine = [u for u in self.units if u[3] == category]
        n_c = len(mine)
        squared_lengths = sum(u[1] * (u[1] - 1) for u in mine)
        gaps: list[int] = []
        for r in range(r_count):
            units = self._units_of(r, category)
            next_unit = next(units, None)
            offset, size, pos = b, 0, b
            while pos < b + length:
                if pos == offset + size:
                    if next_unit is not None and pos == next_unit[0]:
                        size = next_unit[1]
                        next_unit = next(units, None)
                    else:
                        size = (next_unit[0] if next_unit is not None else b + length) - pos
                        gaps.append(size)
                    offset = pos
                pos = offset + size
        gaps.sort(reverse=True)
        result = Fraction(0)
        for unit in mine:
            l1 = unit[1]
            sum1 = Fraction((n_c - 1) * (2 * l1**3 - 3 * l1**2 + l1), 3)
            sum2 = 0
            for gap in gaps:
                if gap >= l1:
                    sum2 += gap - l1 + 1
                else:
                    break
            result += sum1 + sum2 * l1 * l1
        result *= Fraction(2, length)
        return result / (r_count * length * (r_count * length - 1) - squared_lengths)

    def category_agreement(self, category: object) -> float:
        d_o, d_e = self.observed(category), self.expected(category)
        if d_o == d_e:
            return 0.0
        if d_e == 0:
            return float("-inf")
        return float(1 - d_o / d_e)

    def agreement(self) -> float:
        cats = self.categories()
        if not cats:
            return float("nan")
        d_o = sum((self.observed(c) for c in cats), Fraction(0))
        d_e = sum((self.expected(c) for c in cats), Fraction(0))
        return 0.0 if d_o == d_e else float(1 - d_o / d_e)

    # Our API's view of the same study.
    def our_units(self) -> list[tuple[int, int, int, object]]:
        return [(rater, offset, size, cat) for offset, size, rater, cat in self.units]

    def ours(self, category: object) -> tuple[float, float]:
        return unitizing_disagreement(
            self.begin, self.length, self.our_units(), list(range(self.rater_count)), category
        )

    def ours_dkpro_scale(self, category: object) -> tuple[float, float]:
        """Our components divided by R * L^2: DKPro's D_o and D_e."""
        o, e = self.ours(category)
        scale = self.rater_count * self.length**2
        return o / scale, e / scale

    def our_alpha(self, category: object = None) -> float | None:
        return unitizing_alpha(
            self.begin, self.length, self.our_units(), list(range(self.rater_count)), category
        )


def assert_same_as_dkpro(study: DKProStudy, category: object) -> None:
    """Our components are exactly DKPro's D_o and D_e times R * L^2, rounded once."""
    scale = study.rater_count * study.length**2
    observed, expected = study.ours(category)
    assert observed == float(study.observed(category) * scale)
    assert expected == float(study.expected(category) * scale)


# --- DKPro's own test cases --------------------------------------------------------------


def test_dkpro_measure_distance_cases() -> None:
    # Krippendorff2004Test.testDistanceMetric1 / testDistanceMetric2 and
    # UnitizingAgreementTest.testDistanceMetric, on the transliterated reference.
    d = dkpro_measure_distance
    assert d(2, 3, None, 2, 2, "X") + d(5, 6, "X", 4, 7, None) == 40
    assert d(3, 2, None, 3, 2, "X") + d(5, 6, "X", 5, 6, None) == 40
    assert d(5, 6, "X", 4, 2, "X") == 26
    assert d(5, 6, "X", 5, 2, "X") == 16
    assert d(5, 6, "X", 6, 2, "X") == 10
    assert d(5, 6, "X", 7, 2, "X") == 8
    assert d(5, 6, "X", 6, 4, "X") == 2
    assert d(5, 6, "X", 5, 6, "X") == 0
    assert d(225, 70, "c", 220, 80, "c") == 50
    assert d(370, 30, "c", 355, 20, "c") == 850
    assert d(400, 50, None, 400, 20, "c") == 400
    assert d(0, 1, None, 0, 2, None) == 0
    assert d(1, 8, "A", 0, 2, None) == 0
    assert d(1, 8, "A", 2, 1, "A") == 37
    assert d(1, 8, "A", 3, 1, None) == 0
    assert d(1, 8, "A", 4, 1, "A") == 25
    assert d(1, 8, "A", 5, 1, None) == 0
    assert d(1, 8, "A", 6, 1, "A") == 29
    assert d(1, 8, "A", 7, 4, None) == 0
    assert d(9, 2, None, 7, 4, None) == 0


def krippendorff_2004_example() -> DKProStudy:
    """Krippendorff2004Test.createExample: Krippendorff (2004: p. 254), continuum [150, 450)."""
    study = DKProStudy(2, 150, 300)
    for offset, size, rater, category in [
        (225, 70, 0, "c"),
        (370, 30, 0, "c"),
        (220, 80, 1, "c"),
        (355, 20, 1, "c"),
        (400, 20, 1, "c"),
        (180, 60, 0, "k"),
        (300, 50, 0, "k"),
        (180, 60, 1, "k"),
        (300, 50, 1, "k"),
    ]:
        study.add_unit(offset, size, rater, category)
    return study


def test_dkpro_krippendorff_2004_category_agreement() -> None:
    # Krippendorff2004Test.testCategoryAgreement
    study = krippendorff_2004_example()
    d_o, d_e = study.ours_dkpro_scale("c")
    assert d_o == pytest.approx(0.0144, abs=0.0001)
    assert d_e == pytest.approx(0.0532, abs=0.0001)
    assert study.our_alpha("c") == pytest.approx(0.7286, abs=0.0001)
    d_o, d_e = study.ours_dkpro_scale("k")
    assert d_o == pytest.approx(0.0, abs=0.0001)
    assert d_e == pytest.approx(0.0490, abs=0.0001)
    assert study.our_alpha("k") == pytest.approx(1.0, abs=0.0001)
    for category in ("c", "k"):
        assert_same_as_dkpro(study, category)


def test_dkpro_krippendorff_2004_agreement() -> None:
    # Krippendorff2004Test.testAgreement: pooled over the two categories.
    study = krippendorff_2004_example()
    assert study.our_alpha() == pytest.approx(0.8591, abs=0.0005)
    assert study.our_alpha() == pytest.approx(study.agreement(), abs=1e-12)


def krippendorff_1995_example(stretch: float) -> DKProStudy:
    """Krippendorff1995Test.createExample: Krippendorff (1995: p. 57), scaled by ``stretch``
    with Java's (int) truncation."""

    def s(x: int) -> int:
        return int(x * stretch)

    study = DKProStudy(2, s(0), s(24))
    for offset, size, rater, category in [
        (2, 8, 0, "A"),
        (14, 6, 0, "A"),
        (4, 4, 1, "A"),
        (15, 2, 1, "A"),
        (0, 18, 0, "B"),
        (0, 2, 1, "B"),
        (2, 1, 1, "B"),
        (3, 1, 1, "B"),
        (4, 1, 1, "B"),
        (5, 1, 1, "B"),
        (6, 3, 1, "B"),
        (9, 1, 1, "B"),
        (2, 6, 0, "C"),
        (10, 2, 0, "C"),
        (14, 4, 0, "C"),
        (20, 2, 0, "C"),
        (0, 2, 1, "C"),
        (4, 4, 1, "C"),
        (10, 4, 1, "C"),
        (16, 2, 1, "C"),
        (20, 2, 1, "C"),
        (0, 2, 0, "D"),
        (2, 8, 0, "D"),
        (10, 4, 0, "D"),
        (14, 6, 0, "D"),
        (20, 4, 0, "D"),
        (0, 4, 1, "D"),
        (4, 4, 1, "D"),
        (8, 7, 1, "D"),
        (15, 2, 1, "D"),
        (17, 7, 1, "D"),
    ]:
        study.add_unit(s(offset), s(size), rater, category)
    return study


@pytest.mark.parametrize(
    ("stretch", "d_e", "d_e_tolerance", "alpha"),
    [
        (12 / 24.0, 0.05494, 0.00001, 0.494),
        (120 / 24.0, 0.08234, 0.005, 0.663),
        (1200 / 24.0, 0.08600, 0.005, 0.677),
        (12000 / 24.0, 0.08638, 0.005, 0.678),
        (120000 / 24.0, 0.08642, 0.005, 0.679),
        (1200000 // 24, 0.08642, 0.005, 0.679),
    ],
)
def test_dkpro_krippendorff_1995_varying_lengths(
    stretch: float, d_e: float, d_e_tolerance: float, alpha: float
) -> None:
    # Krippendorff1995Test.testVaryingLengths, category C.
    study = krippendorff_1995_example(stretch)
    if stretch < 1:  # the other categories have units truncated to length 0 here
        study.units = [u for u in study.units if u[3] == "C"]
    ours_o, ours_e = study.ours_dkpro_scale("C")
    assert ours_o == pytest.approx(0.02777, abs=0.00001)
    assert ours_e == pytest.approx(d_e, abs=d_e_tolerance)
    assert study.our_alpha("C") == pytest.approx(alpha, abs=0.02)
    assert_same_as_dkpro(study, "C")


def test_dkpro_krippendorff_1995_agreement() -> None:
    # Krippendorff1995Test.testAgreement
    study = krippendorff_1995_example(1)
    observed = {c: study.ours_dkpro_scale(c)[0] for c in "ABCD"}
    assert observed["A"] == pytest.approx(0.03125, abs=0.00001)
    assert observed["B"] == pytest.approx(2.26736, abs=0.00001)
    assert observed["C"] == pytest.approx(0.02777, abs=0.00001)
    assert observed["D"] == pytest.approx(0.38715, abs=0.00001)
    for c in "ABCD":
        assert_same_as_dkpro(study, c)

    study = krippendorff_1995_example(1200000 // 24)
    expected = {c: study.ours_dkpro_scale(c)[1] for c in "ABCD"}
    assert expected["A"] == pytest.approx(0.06990, abs=0.005)
    assert expected["B"] == pytest.approx(1.17731, abs=0.005)
    assert expected["C"] == pytest.approx(0.08642, abs=0.005)
    assert expected["D"] == pytest.approx(0.41445, abs=0.005)
    assert study.our_alpha("A") == pytest.approx(0.553, abs=0.02)
    assert study.our_alpha("B") == pytest.approx(-0.926, abs=0.02)
    assert study.our_alpha("C") == pytest.approx(0.679, abs=0.02)
    assert study.our_alpha("D") == pytest.approx(0.066, abs=0.02)
    for c in "ABCD":
        assert_same_as_dkpro(study, c)


def test_dkpro_unitizing_agreement_example() -> None:
    # UnitizingAgreementTest.testAgreement
    # r0: -11111111-
    # r1: --1-1-1---
    study = DKProStudy(2, 0, 10)
    study.add_unit(1, 8, 0, "A")
    study.add_unit(2, 1, 1, "A")
    study.add_unit(4, 1, 1, "A")
    study.add_unit(6, 1, 1, "A")
    d_o, d_e = study.ours_dkpro_scale("A")
    assert d_o == pytest.approx(0.9100, abs=0.0001)
    assert d_e == pytest.approx(0.5351, abs=0.0001)
    assert study.our_alpha("A") == pytest.approx(-0.7003, abs=0.0001)
    assert_same_as_dkpro(study, "A")


def test_dkpro_single_annotation_unit() -> None:
    # UnitizingAgreementTest.testSingleAnnotationUnit: D_o == D_e, so alpha = 0.0.
    study = DKProStudy(3, 0, 20)
    study.add_unit(0, 1, 0, "X")
    assert study.agreement() == 0.0
    assert study.our_alpha() == 0.0
    # By hand: S = 1 + 1 (the unit inside the gaps of raters 1 and 2): observed = 2S/(R-1) = 2;
    # gaps 19, 20, 20: E = 59, Q = 60 * 59, expected = 2 * 59 * 3 * 20 / 3540 = 2.
    assert study.ours("X") == (2.0, 2.0)


def test_dkpro_empty_annotation_set() -> None:
    # UnitizingAgreementTest.testEmptyAnnotationSet: NaN in DKPro, undefined (None) here.
    study = DKProStudy(3, 0, 20)
    assert np.isnan(study.agreement())
    assert study.our_alpha() is None
    assert study.ours("X") == (0.0, 0.0)


# --- hand-made cases ------------------------------------------------------------------------


def test_unitizing_perfect_agreement() -> None:
    units = [(r, b, n) for r in ("a", "b", "c") for b, n in [(2, 4), (8, 1), (10, 2)]]
    assert unitizing_alpha(0, 12, units, ["a", "b", "c"]) == 1.0
    observed, expected = unitizing_disagreement(0, 12, units, ["a", "b", "c"], None)
    assert observed == 0.0
    assert expected > 0


def test_unitizing_hand_computed() -> None:
    # Continuum [0, 10), raters a: [2, 6) (l = 4), b: [3, 6) (l = 3).
    # Observed: one overlapping pair, (2 - 3)^2 + (6 - 6)^2 = 1, so S = 1,
    #   DKPro D_o = 2 S / (R (R - 1) L^2) = 2 / 200 = 0.01.
    # Gaps: a: 2 ([0, 2)), 4 ([6, 10)); b: 3 ([0, 3)), 4 ([6, 10)).
    # E = sum over units of (N_c - 1) l (l - 1)(2 l - 1) / 3 + l^2 sum_{g >= l} (g - l + 1):
    #   l = 4: 1 * 4 * 3 * 7 / 3 = 28, gaps >= 4: 4, 4 -> 16 * (1 + 1) = 32; total 60
    #   l = 3: 1 * 3 * 2 * 5 / 3 = 10, gaps >= 3: 4, 3, 4 -> 9 * (2 + 1 + 2) = 45; total 55
    #   E = 115; Q = R L (R L - 1) - sum l (l - 1) = 20 * 19 - (12 + 6) = 362;
    #   DKPro D_e = (2 / L) E / Q = 23 / 362.
    # alpha = 1 - 0.01 / (23 / 362) = 1 - 362 / 2300 = 969 / 1150.
    units = [("a", 2, 4), ("b", 3, 3)]
    observed, expected = unitizing_disagreement(0, 10, units, ["a", "b"], None)
    assert observed == 2.0  # R L^2 D_o = 2 S / (R - 1)
    assert expected == float(Fraction(4600, 362))  # R L^2 D_e = 2 E R L / Q
    assert unitizing_alpha(0, 10, units, ["a", "b"]) == pytest.approx(969 / 1150, abs=1e-15)
    # The same continuum starting at 100 gives the same components.
    shifted = [(r, b + 100, n) for r, b, n in units]
    assert unitizing_disagreement(100, 10, shifted, ["a", "b"], None) == (observed, expected)


def test_unitizing_rater_without_units_counts() -> None:
    # A third rater without units has a gap over the whole continuum: both units lie in it.
    units = [("a", 2, 4), ("b", 3, 3)]
    two = unitizing_alpha(0, 10, units, ["a", "b"])
    three = unitizing_alpha(0, 10, units, ["a", "b", "c"])
    assert two is not None and three is not None
    assert three < two
    study = DKProStudy(3, 0, 10)
    study.add_unit(2, 4, 0, "X")
    study.add_unit(3, 3, 1, "X")
    assert three == pytest.approx(study.category_agreement("X"), abs=1e-12)


def test_unitizing_merges_overlapping_units_of_one_rater() -> None:
    overlapping = [("a", 0, 5), ("a", 3, 4), ("a", 3, 4), ("b", 1, 6)]
    merged = [("a", 0, 7), ("b", 1, 6)]
    assert unitizing_disagreement(0, 12, overlapping, ["a", "b"], None) == (
        unitizing_disagreement(0, 12, merged, ["a", "b"], None)
    )


def test_unitizing_touching_units_stay_apart() -> None:
    # a: [0, 5) and [5, 9) (touching, two units), b: [0, 9).
    # S = (0 - 0)^2 + (5 - 9)^2 + (5 - 0)^2 + (9 - 9)^2 = 16 + 25 = 41 -> observed 82.
    touching = [("a", 0, 5), ("a", 5, 4), ("b", 0, 9)]
    observed, _ = unitizing_disagreement(0, 12, touching, ["a", "b"], None)
    assert observed == 82.0
    assert unitizing_alpha(0, 12, [("a", 0, 9), ("b", 0, 9)], ["a", "b"]) == 1.0


def test_unitizing_categories_and_pooling() -> None:
    units = [
        ("a", 0, 4, "x"),
        ("b", 1, 4, "x"),
        ("a", 6, 3, "y"),
        ("b", 6, 2, "y"),
        ("b", 10, 2, "y"),
    ]
    raters = ["a", "b"]
    ox, ex = unitizing_disagreement(0, 14, units, raters, "x")
    oy, ey = unitizing_disagreement(0, 14, units, raters, "y")
    assert unitizing_alpha(0, 14, units, raters, "x") == 1 - ox / ex
    assert unitizing_alpha(0, 14, units, raters) == pytest.approx(1 - (ox + oy) / (ex + ey))
    assert unitizing_disagreement(0, 14, units, raters, "z") == (0.0, 0.0)
    assert unitizing_alpha(0, 14, units, raters, "z") is None
    # Pooled over documents: a document repeated gives the same alpha as once.
    doc2 = unitizing_disagreement(50, 14, [(r, b + 50, n, c) for r, b, n, c in units], raters, "x")
    assert 1 - (ox + doc2[0]) / (ex + doc2[1]) == pytest.approx(1 - ox / ex, abs=1e-15)


def test_unitizing_undefined_and_invalid() -> None:
    assert unitizing_alpha(0, 10, [], ["a", "b"]) is None
    assert unitizing_alpha(0, 10, [("a", 0, 3)], ["a"]) is None  # one rater
    assert unitizing_disagreement(0, 10, [("a", 0, 3)], ["a"], None) == (0.0, 0.0)
    # Every position a unit of length 1 for both raters: no possible disagreement.
    assert unitizing_alpha(0, 1, [("a", 0, 1), ("b", 0, 1)], ["a", "b"]) is None
    with pytest.raises(ValueError):
        unitizing_disagreement(0, 10, [("a", 8, 3)], ["a", "b"], None)  # past the end
    with pytest.raises(ValueError):
        unitizing_disagreement(5, 10, [("a", 4, 3)], ["a", "b"], None)  # before the begin
    with pytest.raises(ValueError):
        unitizing_disagreement(0, 10, [("a", 4, 0)], ["a", "b"], None)  # empty
    with pytest.raises(ValueError):
        unitizing_disagreement(0, 10, [("z", 4, 1)], ["a", "b"], None)  # unknown rater
    with pytest.raises(ValueError):
        unitizing_disagreement(0, 10, [], ["a", "a"], None)  # rater twice
    with pytest.raises(ValueError):
        unitizing_disagreement(0, 10, [("a", 4)], ["a", "b"], None)  # malformed


# --- vectorized against the slow reference --------------------------------------------------


def naive_merge(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge intervals sharing at least one position (touching ones stay apart)."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(intervals):
        if out and start < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


@st.composite
def unitizing_studies(draw: st.DrawFn) -> tuple[int, int, int, list[tuple[int, int, int, str]]]:
    begin = draw(st.integers(0, 5))
    length = draw(st.integers(1, 40))
    raters = draw(st.integers(2, 4))
    units = []
    for _ in range(draw(st.integers(0, 16))):
        start = draw(st.integers(0, length - 1))
        size = draw(st.integers(1, min(length - start, draw(st.sampled_from([2, 5, 40])))))
        units.append(
            (draw(st.integers(0, raters - 1)), begin + start, size, draw(st.sampled_from("xy")))
        )
    return begin, length, raters, units


@CROSS_CHECK
@given(unitizing_studies())
def test_unitizing_matches_reference(
    case: tuple[int, int, int, list[tuple[int, int, int, str]]],
) -> None:
    begin, length, raters, units = case
    study = DKProStudy(raters, begin, length)
    for rater in range(raters):
        for category in "xy":
            mine = [(b, b + n) for r, b, n, c in units if r == rater and c == category]
            for start, end in naive_merge(mine):
                study.add_unit(start, end - start, rater, category)
    scale = raters * length * length
    observed = expected = 0.0
    for category in "xy":
        o, e = unitizing_disagreement(begin, length, units, list(range(raters)), category)
        assert o == float(study.observed(category) * scale)
        assert e == float(study.expected(category) * scale)
        observed += o
        expected += e
        alpha = unitizing_alpha(begin, length, units, list(range(raters)), category)
        if e == 0:
            assert alpha is None
        else:
            assert alpha == pytest.approx(study.category_agreement(category), abs=1e-12)
    pooled = unitizing_alpha(begin, length, units, list(range(raters)))
    if expected == 0:
        assert pooled is None
    else:
        assert pooled == pytest.approx(1 - observed / expected, abs=1e-12)
        assert pooled == pytest.approx(study.agreement(), abs=1e-12)


def test_unitizing_large_document_matches_reference() -> None:
    rng = np.random.default_rng(3)
    length = 20_000
    study = DKProStudy(4, 0, length)
    for rater in range(4):
        cuts = np.sort(rng.choice(length, size=400, replace=False))
        for start, end in zip(cuts[0::2], cuts[1::2], strict=True):
            study.add_unit(int(start), int(end - start), rater, "x")
    assert_same_as_dkpro(study, "x")


def test_unitizing_exact_beyond_int64() -> None:
    # (N_c - 1) * 2 l^3 / 3 alone exceeds 2^63 here: the sums must be exact Python integers.
    study = DKProStudy(2, 0, 4_000_000)
    study.add_unit(0, 3_000_000, 0, "x")
    study.add_unit(3_600_000, 10, 0, "x")
    study.add_unit(500_000, 3_000_000, 1, "x")
    assert_same_as_dkpro(study, "x")


# ============================================================================================
# Span F1
# ============================================================================================


def test_f1_exact() -> None:
    a = [(0, "x", 0, 5), (0, "x", 6, 9)]
    b = [(0, "x", 0, 5), (1, "x", 0, 5)]
    assert f1_exact(a, b) == 0.5
    assert f1_exact(b, a) == 0.5
    assert exact_counts(a, b) == (1, 2, 2)
    # Duplicates count once.
    assert f1_exact([(0, "x", 0, 5)] * 2, [(0, "x", 0, 5)]) == 1.0
    # Label, start and end must all be equal.
    assert f1_exact([(0, "x", 0, 5)], [(0, "y", 0, 5)]) == 0.0
    assert f1_exact([(0, "x", 0, 5)], [(0, "x", 0, 6)]) == 0.0
    assert f1_exact([(0, "x", 0, 5)], []) == 0.0
    assert f1_exact([], [(0, "x", 0, 5)]) == 0.0
    assert f1_exact([], []) is None


def test_merge_overlapping() -> None:
    spans = [
        (0, "x", 3, 9),
        (0, "x", 0, 5),  # overlaps [3, 9)
        (0, "x", 9, 12),  # touches [0, 9): not merged
        (0, "x", 9, 12),  # duplicate
        (0, "y", 4, 6),  # other label
        (1, "x", 1, 2),  # other paragraph
        (0, "x", 20, 25),
        (0, "x", 21, 22),  # inside
    ]
    assert merge_overlapping(spans) == [
        (0, "x", 0, 9),
        (0, "x", 9, 12),
        (0, "x", 20, 25),
        (0, "y", 4, 6),
        (1, "x", 1, 2),
    ]
    assert merge_overlapping([]) == []
    with pytest.raises(ValueError):
        merge_overlapping([(0, "x", 5, 5)])


def test_f1_overlap_partial_credit() -> None:
    # |s & t| = 5 of 10 on both sides: P = R = 0.5.
    a = [(0, "x", 0, 10)]
    b = [(0, "x", 5, 15)]
    assert overlap_sums(a, b) == (0.5, 1, 0.5, 1)
    assert f1_overlap(a, b) == 0.5
    # One long span against two short ones inside it:
    # P = (2/10 + 2/10) / 1 = 0.4, R = (2/2 + 2/2) / 2 = 1, F1 = 0.8 / 1.4 = 4/7.
    a = [(0, "x", 0, 10)]
    b = [(0, "x", 0, 2), (0, "x", 8, 10)]
    assert overlap_sums(a, b) == pytest.approx((0.4, 1, 2.0, 2))
    assert f1_overlap(a, b) == pytest.approx(4 / 7)
    assert overlap_sums(b, a) == pytest.approx((2.0, 2, 0.4, 1))  # symmetric
    assert f1_overlap(b, a) == pytest.approx(4 / 7)


def test_f1_overlap_merges_first() -> None:
    # a's two overlapping spans become [0, 10): a perfect match.
    a = [(0, "x", 0, 4), (0, "x", 2, 10), (0, "x", 2, 10)]
    b = [(0, "x", 0, 10)]
    assert overlap_sums(a, b) == (1.0, 1, 1.0, 1)
    assert f1_overlap(a, b) == 1.0
    # Touching spans are not merged: two spans each fully inside b.
    a = [(0, "x", 0, 5), (0, "x", 5, 10)]
    assert overlap_sums(a, b) == (2.0, 2, 1.0, 1)
    assert f1_overlap(a, b) == 1.0


def test_f1_overlap_matches_same_label_and_paragraph_only() -> None:
    assert f1_overlap([(0, "x", 0, 10)], [(0, "y", 0, 10)]) == 0.0
    assert f1_overlap([(0, "x", 0, 10)], [(1, "x", 0, 10)]) == 0.0
    assert f1_overlap([(0, "x", 0, 10)], [(0, "x", 10, 20)]) == 0.0  # touching: no overlap
    mixed_a = [(0, "x", 0, 10), (0, "y", 0, 10)]
    mixed_b = [(0, "x", 0, 10)]
    # P = 1/2, R = 1/1: F1 = 2/3.
    assert f1_overlap(mixed_a, mixed_b) == pytest.approx(2 / 3)


def test_f1_overlap_empty_sides() -> None:
    assert f1_overlap([], []) is None
    assert f1_overlap([(0, "x", 0, 10)], []) == 0.0
    assert f1_overlap([], [(0, "x", 0, 10)]) == 0.0
    assert overlap_sums([], [(0, "x", 0, 10)]) == (0.0, 0, 0.0, 1)
    assert f1_from_overlap_sums(0.0, 0, 0.0, 0) is None
    assert f1_from_overlap_sums(0.0, 3, 0.0, 2) == 0.0


def test_overlap_sums_add_over_paragraphs() -> None:
    a = [(0, "x", 0, 10), (1, "x", 3, 6), (2, "x", 0, 4)]
    b = [(0, "x", 5, 15), (1, "x", 0, 4), (3, "x", 0, 1)]
    per_paragraph = [
        overlap_sums([s for s in a if s[0] == p], [t for t in b if t[0] == p]) for p in range(4)
    ]
    summed = tuple(sum(x[i] for x in per_paragraph) for i in range(4))
    assert overlap_sums(a, b) == pytest.approx(summed)
    # P = (0.5 + 1/3 + 0) / 3, R = (0.5 + 1/4 + 0) / 3.
    p, r = (0.5 + 1 / 3) / 3, (0.5 + 0.25) / 3
    assert f1_overlap(a, b) == pytest.approx(2 * p * r / (p + r))
    assert f1_from_overlap_sums(*summed) == pytest.approx(2 * p * r / (p + r))
