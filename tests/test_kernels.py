"""The report's unitizing kernels (``annotator.agreement.kernels``) against the oracle's
``unitizing_disagreement`` (tests/agreement/metrics.py): the batched int64 sums, the exact
fallback beyond int64, and the report's use of that fallback."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.agreement import kernels
from annotator.agreement.data import ProjectData
from annotator.agreement.report import ReportBuilder
from tests.agreement.metrics import unitizing_disagreement as oracle

CHECK = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def continua(draw):
    """One continuum [0, length), its raters and units (rater, start, end) of one category,
    overlapping and touching ones included."""
    length = draw(st.integers(1, 60))
    raters = draw(st.integers(2, 4))
    units = []
    for _ in range(draw(st.integers(0, 12))):
        start = draw(st.integers(0, length - 1))
        end = draw(st.integers(start + 1, min(length, start + draw(st.sampled_from([2, 6, 60])))))
        units.append((draw(st.integers(0, raters - 1)), start, end))
    return length, raters, units


def _oracle(length, raters, units):
    return oracle(0, length, [(r, s, e - s) for r, s, e in units], list(range(raters)), None)


def _arrays(units):
    if not units:
        return (np.zeros(0, dtype=np.int64),) * 3
    return tuple(np.array(column, dtype=np.int64) for column in zip(*units, strict=True))


@CHECK
@given(continua())
def test_unitizing_disagreement_is_the_oracle(case):
    length, raters, units = case
    assert kernels.unitizing_disagreement(length, raters, *_arrays(units)) == \
        _oracle(length, raters, units)


@CHECK
@given(st.lists(continua(), min_size=1, max_size=5))
def test_batched_unitizing_sums_make_the_oracle_components(cases):
    max_raters = max(raters for _, raters, _ in cases)
    group, rater, start, end = [], [], [], []
    for g, (_, _, units) in enumerate(cases):
        for r, s, e in units:
            group.append(g)
            rater.append(r)
            start.append(s)
            end.append(e)
    group_raters = np.zeros((len(cases), max_raters), dtype=bool)
    for g, (_, raters, _) in enumerate(cases):
        group_raters[g, :raters] = True
    sums = kernels.unitizing_sums(
        np.array(group, dtype=np.int64), np.array(rater, dtype=np.int64),
        np.array(start, dtype=np.int64), np.array(end, dtype=np.int64), len(cases), max_raters,
        group_raters, np.array([length for length, _, _ in cases], dtype=np.int64))
    for (length, raters, units), (total, expected, q) in zip(cases, sums, strict=True):
        # as the report makes the components from the sums
        assert (2 * total / (raters - 1), 2 * expected * raters * length / q) == \
            _oracle(length, raters, units)


def test_unitizing_beyond_int64():
    units = [(0, 0, 3_000_000), (0, 3_600_000, 3_600_010), (1, 500_000, 3_500_000)]
    length = 4_000_000
    sums = kernels.unitizing_sums(
        np.zeros(3, dtype=np.int64), *_arrays(units), 1, 2, np.ones((1, 2), dtype=bool),
        np.array([length], dtype=np.int64))
    assert sums == [(None, None, None)]  # too large for int64: the exact fallback's case
    assert kernels.unitizing_disagreement(length, 2, *_arrays(units)) == \
        _oracle(length, 2, units)


def test_the_report_falls_back_to_exact_sums_on_long_documents():
    """One document too long for int64 sums, rated by reviewers 0 and 2 (1 did not submit),
    and a short one through the batched sums: both as the oracle computes them."""
    lengths = [4_000_000, 50]
    spans = [  # (paragraph, reviewer, label, start, end)
        (0, 0, 0, 0, 3_000_000), (0, 0, 0, 3_600_000, 3_600_010), (0, 2, 0, 500_000, 3_500_000),
        (0, 2, 1, 10, 20), (1, 0, 0, 5, 9), (1, 2, 0, 7, 30), (1, 1, 0, 0, 50),
    ]
    submitted = np.array([[True, False, True], [True, True, True]])
    column = list(zip(*spans, strict=True))
    data = ProjectData(
        slug="long", labels=["a", "b"], attributes={}, reviewers=["r0", "r1", "r2"],
        doc_ids=np.array([1, 2]), doc_titles=["long", "short"], par_doc=np.array([0, 1]),
        par_start=np.array([0, lengths[0] + 1]), par_len=np.array(lengths), text="",
        reviewed=submitted.copy(), submitted=submitted,
        span_par=np.array(column[0]), span_rev=np.array(column[1]),
        span_label=np.array(column[2]), span_start=np.array(column[3]),
        span_end=np.array(column[4]), span_attrs=[{} for _ in spans])
    builder = ReportBuilder(data)
    builder._unitizing()
    for doc, length in enumerate(lengths):
        raters = np.flatnonzero(submitted[doc]).tolist()
        for label in (0, 1):
            units = [(raters.index(r), s, e) for p, r, k, s, e in spans
                     if p == doc and k == label and r in raters]
            o, e = _oracle(length, len(raters), units)
            # DKPro's D_o and D_e times the document's length squared
            assert tuple(builder.sums.unitizing[label][doc]) == \
                pytest.approx((o / len(raters), e / len(raters)), rel=1e-15, abs=0)


@CHECK
@given(st.integers(2, 3).flatmap(lambda raters: st.lists(
    continua().map(lambda case, raters=raters: (
        case[0], raters, [(r % raters, s, e) for r, s, e in case[2]])),
    min_size=1, max_size=5)))
def test_length_squared_pooling_is_one_continuum_for_the_observed_part(cases):
    """INTERFACE.md: L_d**2 * D_o,d is a document's raw disagreement, so its sum over the
    documents is the observed part of DKPro on one continuum made of all of them (the same
    raters throughout): what ``unitizing_alpha`` pools, unlike a plain sum of D_o."""
    raters = cases[0][1]
    offset, joined, pooled = 0, [], 0.0
    for length, _, units in cases:
        observed, _ = _oracle(length, raters, units)  # times R * L**2
        pooled += observed / raters
        joined += [(r, offset + s, offset + e) for r, s, e in units]
        offset += length
    observed, _ = _oracle(offset, raters, joined)
    assert pooled == pytest.approx(observed / raters, rel=1e-12, abs=1e-12)


def test_the_document_mean_leaves_undefined_documents_out():
    table = np.array([[0.16, 32 / 368], [0.0, 5 / 26], [0.0, 0.0]])
    assert kernels.document_mean_alpha(table) == pytest.approx((1 - 0.16 / (32 / 368) + 1) / 2)
    assert np.isnan(kernels.document_mean_alpha(np.zeros((2, 2))))
    # a resample that draws the first document twice and the last once
    weights = np.array([[2.0, 0.0, 1.0], [0.0, 0.0, 3.0]])
    means = kernels.document_mean_alpha(table, weights)
    assert means[0] == pytest.approx(1 - 0.16 / (32 / 368)) and np.isnan(means[1])
