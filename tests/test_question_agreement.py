"""Krippendorff's alpha of article-level questions against published examples and independent
implementations: ``krippendorff`` (nominal, ordinal, interval) and NLTK's ``AnnotationTask``
with ``masi_distance`` (sets)."""

from __future__ import annotations

import json
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


# --- the report's "questions" section, end to end ----------------------------------------------

QUESTIONS_CODEBOOK_EXTRA = [
    {"key": "frame", "name": "Frame", "type": "choice", "choices": ["a", "b", "c"],
     "required": True},
    {"key": "tone", "name": "Tone", "type": "ordinal", "choices": ["neg", "mid", "pos"]},
    {"key": "count", "name": "Sources", "type": "number"},
    {"key": "present", "name": "Present", "type": "multi", "choices": ["x", "y", "z"]},
    {"key": "comment", "name": "Comment", "type": "text"},
]

# documents x reviewers: each reviewer's answers (None: not submitted)
ANSWERS = [
    [{"frame": "a", "tone": "neg", "count": 1, "present": ["x"]},
     {"frame": "a", "tone": "neg", "count": 2, "present": ["x", "y"]},
     {"frame": "b", "tone": "mid", "count": 1}],
    [{"frame": "b", "tone": "pos", "count": 4, "present": ["z"]},
     {"frame": "b", "tone": "pos", "count": 4, "present": ["z"]},
     None],
    [{"frame": "c", "tone": "mid", "count": 0, "comment": "odd"},
     {"frame": "a", "tone": "mid", "count": 1, "present": []},
     {"frame": "c", "tone": "neg", "count": 0, "present": ["y"]}],
    [{"frame": "a"}, None, None],  # one reviewer only: not pairable
]
REVIEWERS = ("ann", "ben", "cat")


@pytest.fixture
def answered(app, client, auth, make_project, make_document):
    from annotator.codebook import default_codebook, load_codebook

    codebook = json.loads(json.dumps(default_codebook()))
    codebook["questions"] = QUESTIONS_CODEBOOK_EXTRA
    with app.app_context():
        load_codebook(codebook)  # valid
    make_project("q", blind=False, codebook=codebook)
    docs = [make_document("q", [f"Paragraph of document {i}.", "Two."], title=f"D{i}")
            for i in range(len(ANSWERS))]
    for doc, row in zip(docs, ANSWERS, strict=True):
        for name, answers in zip(REVIEWERS, row, strict=True):
            if answers is None:
                continue
            headers = auth(name)
            response = client.put(f"/api/documents/{doc}/answers", json=answers,
                                  headers=headers)
            assert response.status_code == 200, response.get_json()
            response = client.post(f"/api/documents/{doc}/submit", headers=headers)
            assert response.status_code == 200, response.get_json()
    return docs


ALL_DOCS = range(len(ANSWERS))


def plain_alpha(units, distance):
    """Krippendorff's alpha from its definition, pair by pair (pairable units only)."""
    pairable = [u for u in units if len(u) >= 2]
    values = [v for u in pairable for v in u]
    n = len(values)
    observed = sum(distance(a, b) / (len(u) - 1)
                   for u in pairable for i, a in enumerate(u) for j, b in enumerate(u) if i != j)
    expected = sum(distance(a, b) for i, a in enumerate(values) for j, b in enumerate(values)
                   if i != j) / (n - 1)
    return 1 - observed / expected


def reliability(key, convert, docs=ALL_DOCS, reviewers=range(3)):
    return [[np.nan if ANSWERS[d][r] is None or ANSWERS[d][r].get(key) is None
             else convert(ANSWERS[d][r][key]) for d in docs] for r in reviewers]


@pytest.mark.both_engines
def test_report_questions_match_krippendorff(engine_name, answered, client, auth):
    report = client.get("/api/projects/q/agreement", headers=auth("ann")).get_json()
    q = report["questions"]
    assert set(q) == {"frame", "tone", "count", "present"}  # text has no agreement figure
    frame_codes = {"a": 0, "b": 1, "c": 2}
    assert q["frame"]["metric"] == "nominal"
    assert q["frame"]["units"] == 3
    assert q["frame"]["alpha"] == pytest.approx(krippendorff.alpha(
        reliability_data=reliability("frame", frame_codes.get),
        level_of_measurement="nominal"))
    # pairs: doc 1: (a,a) (a,b) (a,b); doc 2: (b,b); doc 3: (c,a) (c,c) (a,c)
    assert q["frame"]["percent_agreement"] == pytest.approx(3 / 7)
    tone_rank = {"neg": 0, "mid": 1, "pos": 2}
    assert q["tone"]["metric"] == "ordinal"
    assert q["tone"]["alpha"] == pytest.approx(krippendorff.alpha(
        reliability_data=reliability("tone", tone_rank.get), level_of_measurement="ordinal"))
    assert q["count"]["metric"] == "interval"
    assert q["count"]["alpha"] == pytest.approx(krippendorff.alpha(
        reliability_data=reliability("count", float), level_of_measurement="interval"))
    # NLTK's alpha takes every value for its expected disagreement, also those of units with one
    # answer; Krippendorff's (and ours) only pairable ones: the definition, written plainly
    # (an empty set is no answer, as everywhere: ben's [] on the third document is not stored)
    units = [[frozenset(a["present"]) for a in row if a is not None and a.get("present")]
             for row in ANSWERS]
    present = plain_alpha(units, lambda a, b: 0.0 if a == b else nltk_masi(a, b))
    assert q["present"]["metric"] == "masi"
    assert q["present"]["alpha"] == pytest.approx(present)
    assert "ci" not in q["frame"]


def test_report_questions_follow_filters_and_bootstrap(engine_name, answered, client, auth):
    headers = auth("ann")
    two = client.get("/api/projects/q/agreement?reviewers=ann,ben", headers=headers).get_json()
    assert two["questions"]["frame"]["alpha"] == pytest.approx(krippendorff.alpha(
        reliability_data=reliability("frame", {"a": 0, "b": 1, "c": 2}.get, reviewers=(0, 1)),
        level_of_measurement="nominal"))
    first = ",".join(str(d) for d in answered[:2])
    some = client.get(f"/api/projects/q/agreement?documents={first}", headers=headers).get_json()
    assert some["questions"]["frame"]["units"] == 2
    report = client.get("/api/projects/q/agreement?bootstrap=300&seed=7",
                        headers=headers).get_json()
    ci = report["questions"]["count"]["ci"]
    low, high = ci["alpha"]
    assert low <= report["questions"]["count"]["alpha"] <= high
    low, high = ci["percent_agreement"]
    assert 0 <= low <= high <= 1
    again = client.get("/api/projects/q/agreement?bootstrap=300&seed=7",
                       headers=headers).get_json()
    assert again["questions"] == report["questions"]


@pytest.mark.both_engines
def test_report_questions_change_when_an_answer_changes(engine_name, app, client, auth,
                                                          make_project, make_document):
    """The report cache's fingerprint covers the answers (they live on the document review)."""
    make_project("news", blind=False)
    doc = make_document("news", ["One paragraph."])
    for name, frame in (("ann", "political"), ("ben", "political")):
        client.put(f"/api/documents/{doc}/answers", json={"primary_frame": frame},
                   headers=auth(name))
    client.post(f"/api/documents/{doc}/submit", headers=auth("ann"))
    report = client.get("/api/projects/news/agreement", headers=auth("ann")).get_json()
    assert report["questions"]["primary_frame"]["units"] == 0  # ben has not submitted
    client.post(f"/api/documents/{doc}/submit", headers=auth("ben"))
    report = client.get("/api/projects/news/agreement", headers=auth("ann")).get_json()
    assert report["questions"]["primary_frame"]["units"] == 1
    assert report["questions"]["primary_frame"]["percent_agreement"] == 1.0


def test_agreement_page_text_and_csv_show_the_questions(answered, app, client, auth):
    from annotator.agreement.formats import report_csv, report_text

    headers = auth("ann")
    report = client.get("/api/projects/q/agreement?bootstrap=200&seed=3",
                        headers=headers).get_json()
    with app.app_context():  # the page: logged in as ann
        from annotator.accounts import find_user, start_session

        key = start_session(find_user("ann"))
    with client.session_transaction() as session:
        session["_user_id"] = key
    html = client.get("/projects/q/agreement?ci=1").get_data(as_text=True)
    assert "The article as a whole" in html
    frame = report["questions"]["frame"]
    row = html[html.index('<tr data-question="frame">'):]
    row = row[:row.index("</tr>")]
    assert f'data-value="{frame["alpha"]}"' in row
    assert f'{frame["percent_agreement"] * 100:.0f} %' in row
    assert '<tr data-question="comment">' not in html  # text: no figure
    text = report_text(report)
    assert "The article as a whole" in text and "masi" in text
    csv_text = report_csv(report)
    assert f"question,,alpha,frame,{frame['alpha']!r}," in csv_text
    assert "question,,units,frame,3,," in csv_text


def _page_login(app, client, name):
    from annotator.accounts import find_user, start_session

    with app.app_context():
        key = start_session(find_user(name))
    with client.session_transaction() as session:
        session["_user_id"] = key


def test_compare_view_shows_each_reviewers_answers(answered, app, client, auth):
    auth("ann")
    _page_login(app, client, "ann")
    html = client.get(f"/documents/{answered[0]}/compare").get_data(as_text=True)
    assert "The article as a whole" in html
    frame = html[html.index('<tr data-question="frame"'):]
    frame = frame[:frame.index("</tr>")]
    assert 'data-differ="true"' in frame  # a, a, b
    assert '<td data-reviewer="ann">a</td>' in frame
    assert '<td data-reviewer="cat">b</td>' in frame
    present = html[html.index('<tr data-question="present"'):]
    present = present[:present.index("</tr>")]
    assert '<td data-reviewer="ben">x, y</td>' in present
    assert '<td data-reviewer="cat" class="muted">—</td>' in present  # no answer
    html = client.get(f"/documents/{answered[1]}/compare").get_data(as_text=True)
    tone = html[html.index('<tr data-question="tone"'):]
    assert 'data-differ' not in tone[:tone.index("</tr>")]  # pos, pos
    # only the reviewers shown
    html = client.get(f"/documents/{answered[0]}/compare?filtered=1&reviewer=ann"
                      ).get_data(as_text=True)
    frame = html[html.index('<tr data-question="frame"'):]
    assert 'data-reviewer="cat"' not in frame[:frame.index("</tr>")]
