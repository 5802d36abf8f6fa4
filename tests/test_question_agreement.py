"""Krippendorff's alpha of article-level questions against published examples and independent
implementations: ``krippendorff`` (nominal, ordinal, interval) and NLTK's ``AnnotationTask``
with ``masi_distance`` (sets)."""

from __future__ import annotations

import math

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nltk.metrics.agreement import AnnotationTask
from nltk.metrics.distance import masi_distance as nltk_masi

from annotator.agreement.questions import masi_distance, question_agreement

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", the example with four
# observers, twelve units and missing values: nominal .743, ordinal .815, interval .849.
NAN = np.nan
PUBLISHED = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
    [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
]
SCALE = ["1", "2", "3", "4", "5"]


def units_of(matrix, convert=lambda v: v):
    return [[convert(row[u]) for row in matrix if not math.isnan(row[u])]
            for u in range(len(matrix[0]))]


def test_krippendorffs_published_example():
    units = units_of(PUBLISHED)
    nominal = question_agreement([[str(int(v)) for v in u] for u in units], "choice")
    ordinal = question_agreement([[str(int(v)) for v in u] for u in units], "ordinal", SCALE)
    interval = question_agreement(units, "number")
    assert round(nominal["alpha"], 3) == 0.743
    assert round(ordinal["alpha"], 3) == 0.815
    assert round(interval["alpha"], 3) == 0.849
    assert (nominal["metric"], ordinal["metric"], interval["metric"]) == \
        ("nominal", "ordinal", "interval")
    assert nominal["units"] == 11  # the twelfth unit has one value: not pairable


reliability = st.integers(2, 5).flatmap(lambda coders: st.integers(2, 12).flatmap(
    lambda units: st.lists(st.lists(st.one_of(st.none(), st.integers(0, 4)),
                                    min_size=units, max_size=units),
                           min_size=coders, max_size=coders)))


@settings(max_examples=200, deadline=None)
@given(reliability)
def test_nominal_ordinal_interval_match_krippendorff(matrix):
    data = np.array([[NAN if v is None else v for v in row] for row in matrix], dtype=float)
    units = [[int(row[u]) for row in matrix if row[u] is not None]
             for u in range(len(matrix[0]))]
    pairable = [u for u in units if len(u) >= 2]
    values = {v for u in pairable for v in u}
    for kind, level, convert, extra in (
            ("choice", "nominal", str, ()), ("ordinal", "ordinal", lambda v: SCALE[v], SCALE),
            ("number", "interval", float, ())):
        ours = question_agreement([[convert(v) for v in u] for u in units], kind, extra)
        if len(values) < 2:
            assert ours["alpha"] is None or ours["alpha"] == pytest.approx(1.0)
            continue
        theirs = krippendorff.alpha(reliability_data=data, level_of_measurement=level,
                                    value_domain=list(range(5)) if level == "ordinal" else None)
        assert ours["alpha"] == pytest.approx(theirs, abs=1e-9), (kind, matrix)


# NLTK's masi_distance divides by zero on two empty sets; ours calls them equal (distance 0)
sets = st.frozensets(st.sampled_from("abcd"), min_size=1, max_size=3)


@settings(max_examples=150, deadline=None)
@given(st.integers(2, 4).flatmap(lambda coders: st.lists(
    st.lists(sets, min_size=coders, max_size=coders), min_size=2, max_size=8)))
def test_masi_matches_nltk(units):
    for a in units[0]:
        for b in units[-1]:
            assert masi_distance(a, b) == pytest.approx(nltk_masi(set(a), set(b)))
    ours = question_agreement([[sorted(v) for v in unit] for unit in units], "multi")
    task = AnnotationTask(data=[(f"c{c}", f"u{u}", value) for u, unit in enumerate(units)
                                for c, value in enumerate(unit)], distance=nltk_masi)
    distinct = {v for unit in units for v in unit}
    if len(distinct) < 2:
        return
    assert ours["alpha"] == pytest.approx(task.alpha(), abs=1e-9)


def test_two_empty_sets_are_equal():
    assert masi_distance(frozenset(), frozenset()) == 0.0
    assert masi_distance(frozenset(), frozenset("a")) == 1.0


def test_percent_agreement_units_and_undefined():
    result = question_agreement([["a", "a"], ["a", "b", "b"], ["c"]], "choice")
    # pairs: (a,a) | (a,b) (a,b) (b,b): 2 equal of 4
    assert result["percent_agreement"] == pytest.approx(0.5) and result["units"] == 2
    everyone_alike = question_agreement([["a", "a"], ["a", "a"]], "choice")
    assert everyone_alike["alpha"] is None and everyone_alike["percent_agreement"] == 1.0
    assert question_agreement([["x", "y"]], "text") == {
        "alpha": None, "metric": None, "units": 0, "percent_agreement": None}
    assert question_agreement([[True, False], [True, True]], "boolean")["metric"] == "nominal"
