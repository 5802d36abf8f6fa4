"""The agreement page, its downloads and the compare view: access, figures, escaping,
filters, empty states; the SVG charts; the demo reviews."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from annotator.agreement import charts
from annotator.extensions import db
from annotator.models import Project
from tests.helpers import logout
from tests.test_security import login

pytestmark = pytest.mark.both_engines

ONE = ["Officials said the troops left the country.", "Experts disagree, he said.",
       "Nothing to see here."]
TWO = ["The minister said talks went well.", "Analysts called the deal a failure."]


def _span(paragraph, start, end, label, **attributes):
    return {"paragraph": paragraph, "start": start, "end": end, "label": label,
            "attributes": attributes}


def _reviews(spans_by_reviewer, status="submitted"):
    return [{"reviewer": name, "status": status, "annotations": spans}
            for name, spans in spans_by_reviewer.items()]


@pytest.fixture
def project(app, make_user, make_project, make_document):
    """An open project: two documents reviewed by alice and bob (who differ a little in the
    first and a lot in the second), a third reviewer carol only in the first."""
    make_user("root", role="admin")
    make_user("alice")
    make_user("bob")
    make_user("carol")
    make_project("news", blind=False)
    first = make_document("news", ONE, title="Troops leave", source="RT", reviews=_reviews({
        "alice": [_span(0, 0, 14, "attribution", source_type="official"),
                  _span(1, 0, 7, "expert-opinion")],
        "bob": [_span(0, 0, 14, "attribution", source_type="official"),
                _span(1, 0, 16, "expert-opinion")],
        "carol": [_span(0, 0, 14, "attribution", source_type="media")],
    }))
    second = make_document("news", TWO, title="Deal talks", source="AP", reviews=_reviews({
        "alice": [_span(0, 0, 33, "attribution"), _span(1, 19, 34, "framing")],
        "bob": [_span(1, 0, 8, "expert-opinion")],
    }))
    return {"slug": "news", "first": first, "second": second}


def figures(html: str) -> dict[tuple[str, str], float | None]:
    """(label key, figure) -> value, from the data-* attributes of the values on the page."""
    out = {}
    for figure, label, value in re.findall(
            r'data-figure="([^"]*)" data-label-key="([^"]*)" data-value="([^"]*)"', html):
        out.setdefault((label, figure), float(value) if value else None)
    return out


def report_for(app, slug, **kwargs):
    from annotator.agreement.report import build_report

    with app.app_context():
        project = db.session.scalar(db.select(Project).where(Project.slug == slug))
        return build_report(project, **kwargs)


# --- access --------------------------------------------------------------------------------

def test_access(client, app, project, make_project, make_document):
    url = f"/projects/{project['slug']}/agreement"
    compare = f"/documents/{project['first']}/compare"
    r = client.get(url)
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert client.get(compare).status_code == 302

    assert login(client, "alice").status_code == 302  # a reviewer, open project
    assert client.get(url).status_code == 200
    assert client.get(compare).status_code == 200

    make_project("blind", blind=True)
    blind_doc = make_document("blind", ["Text."])
    r = client.get("/projects/blind/agreement")
    assert r.status_code == 403 and "blind" in r.get_data(as_text=True)
    assert client.get(f"/documents/{blind_doc}/compare").status_code == 403
    assert client.get("/projects/blind/agreement.csv").status_code == 403
    assert client.get("/projects/blind/agreement.json").status_code == 403
    assert client.get("/projects/nope/agreement").status_code == 404
    assert client.get("/documents/999999/compare").status_code == 404

    logout(client)
    login(client, "root")  # an admin sees blind projects too
    assert client.get("/projects/blind/agreement").status_code == 200
    assert client.get(f"/documents/{blind_doc}/compare").status_code == 200
    assert client.get(url).status_code == 200


def test_page_responses_carry_the_csp_and_no_inline_styles(client, project):
    login(client, "root")
    for url in (f"/projects/{project['slug']}/agreement",
                f"/projects/{project['slug']}/agreement?ci=1",
                f"/documents/{project['first']}/compare"):
        r = client.get(url)
        html = r.get_data(as_text=True)
        assert "script-src 'self'" in r.headers["Content-Security-Policy"]
        assert " style=" not in html and "<style" not in html and "<script" not in html


# --- figures -------------------------------------------------------------------------------

def test_figures_on_the_page_match_the_report(client, app, project):
    login(client, "root")
    html = client.get(f"/projects/{project['slug']}/agreement").get_data(as_text=True)
    report = report_for(app, project["slug"])
    shown = figures(html)
    for key, entry in report["labels"].items():
        for figure in ("paragraph_alpha", "token_alpha", "unitizing_alpha", "f1_exact",
                       "f1_overlap", "fleiss_kappa"):
            assert shown[(key, figure)] == pytest.approx(entry[figure]) \
                if entry[figure] is not None else shown[(key, figure)] is None, (key, figure)
        for attr, value in entry["attributes"].items():
            assert shown[(key, f"attribute:{attr}")] == (
                pytest.approx(value) if value is not None else None)
    for figure in ("token_alpha", "unitizing_alpha", "f1_exact", "f1_overlap"):
        assert shown[("__overall__", figure)] == pytest.approx(report["overall"][figure])
    for name, detail in report["reviewers_detail"].items():
        assert shown[(name, "f1_overlap_vs_others")] == pytest.approx(
            detail["f1_overlap_vs_others"])
    # printed with three decimals next to the machine-readable value
    f1 = report["labels"]["expert-opinion"]["f1_overlap"]
    assert f">{f1:.3f}</span>" in html
    # the things a reader needs: thresholds, undefined explained, every label's basis
    assert "0.800" in html and "0.667" in html and "tentative" in html
    assert 'class="undef" title="Undefined:' in html  # e.g. framing's paragraph alpha
    assert report["labels"]["attribution"]["counts"]["tokens"] > 0
    assert f"{report['labels']['attribution']['counts']['tokens']:,} tokens" in html
    # charts: bars, kappa heatmap with every pair, the confusion matrix with "no label"
    for chart in ("bars", "heatmap", "confusion"):
        assert f'data-chart="{chart}"' in html
    assert "alice – bob" in html and "bob – carol" in html and "no label" in html
    # documents ranked by disagreement, lowest first, linking to the compare view
    ranked = re.findall(r'<tr data-document="(\d+)">', html)
    expected = [str(d["id"]) for d in report["documents_by_disagreement"]]
    assert ranked == expected and ranked[0] == str(project["second"])
    assert f'href="/documents/{project["second"]}/compare"' in html


def test_outlying_reviewer_is_highlighted():
    from annotator.views.agreement import reviewer_rows

    detail = {name: {"spans": 1, "paragraphs_reviewed": 1, "documents_submitted": 1,
                     "f1_overlap_vs_others": value, "f1_exact_vs_others": value}
              for name, value in (("a", 0.9), ("b", 0.88), ("c", 0.6), ("d", None))}
    rows = {r["name"]: r for r in reviewer_rows(detail)}
    assert rows["c"]["outlier"] and not rows["a"]["outlier"] and not rows["d"]["outlier"]
    assert rows["c"]["others_median"] == pytest.approx(0.89)
    two = {k: v for k, v in detail.items() if k in ("a", "c")}
    assert not any(r["outlier"] for r in reviewer_rows(two))  # two reviewers: no outlier


def test_one_outlier_rule_for_everyone():
    """alice (0.281) was flagged and bob (0.293), as far below the median, was not: only the
    lowest could be. Now the one rule holds for each reviewer."""
    from annotator.views.agreement import reviewer_rows

    values = {"alice": 0.281, "bob": 0.293, "carol": 0.45, "dana": 0.48, "eli": 0.5}
    detail = {name: {"spans": 1, "paragraphs_reviewed": 1, "documents_submitted": 1,
                     "f1_overlap_vs_others": v, "f1_exact_vs_others": v}
              for name, v in values.items()}
    flagged = [r["name"] for r in reviewer_rows(detail) if r["outlier"]]
    assert flagged == ["alice", "bob"]


def test_intervals_are_seeded_and_shown(client, project):
    login(client, "root")
    url = f"/projects/{project['slug']}/agreement?ci=1"
    first = client.get(url).get_data(as_text=True)
    second = client.get(url).get_data(as_text=True)
    intervals = re.findall(r'<span class="ci"[^>]*>([^<]+)</span>', first)
    assert intervals and intervals == re.findall(r'<span class="ci"[^>]*>([^<]+)</span>', second)
    assert "data-ci-note" in first  # only two documents: the page says intervals say little
    assert 'name="ci" value="1" checked' in first
    assert '<span class="ci"' not in client.get(url[:-5]).get_data(as_text=True)


# --- escaping ------------------------------------------------------------------------------

def test_titles_text_and_label_names_are_escaped(client, make_user, make_project,
                                                 make_document):
    make_user("root", role="admin")
    evil = "<script>alert('x')</script>"
    codebook = {"labels": [
        {"key": "attribution", "name": f"Attr {evil}", "color": "#2f78c4", "hotkey": "2",
         "attributes": [{"key": "who", "name": f"Who {evil}", "type": "text"}]},
        {"key": "framing", "name": "Framing & <b>co</b>", "color": "#e07a2f", "hotkey": "1"}]}
    make_project("evil", blind=False, codebook=codebook)
    paragraph = f"He said {evil} loudly & clearly."
    doc = make_document("evil", [paragraph], title=f"Title {evil}", source=f"Src {evil}",
                        reviews=_reviews({
                            "alice": [_span(0, 8, 8 + len(evil), "attribution", who=evil)],
                            "bob": [_span(0, 0, 7, "framing")]}))
    login(client, "root")
    for url in ("/projects/evil/agreement", "/projects/evil/agreement?source=" + evil,
                f"/documents/{doc}/compare"):
        html = client.get(url).get_data(as_text=True)
        assert evil not in html and "<b>co</b>" not in html, url
        assert "&lt;script&gt;" in html, url
    html = client.get("/projects/evil/agreement").get_data(as_text=True)
    assert "Title &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "Framing &amp; &lt;b&gt;co&lt;/b&gt;" in html  # in the tables and inside the SVG
    compare = client.get(f"/documents/{doc}/compare").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</mark>" in compare


def test_charts_escape_and_show_undefined():
    evil = '<script>"&'
    svg = str(charts.heatmap([f"a – {evil}"], [evil, "ok"], [[0.5, None]]))
    assert evil not in svg and "&lt;script&gt;&#34;&amp;" in svg
    assert ">—<" in svg and "undefined" in svg and "0.50" in svg
    bars = str(charts.bar_chart([(evil, [(0.7, [0.6, 0.8]), (None, None)])], ["α", "F1"]))
    assert evil not in bars and "— undefined" in bars and "0.667" in bars and "0.800" in bars
    assert "95% interval" in bars
    negative = str(charts.bar_chart([("x", [(-0.3, None)])], ["α"]))
    assert ">-0.4<" in negative  # the axis extends below zero
    matrix = str(charts.confusion_matrix([evil, "none"], [[3, 1], [1, 0]]))
    assert evil not in matrix and ">75%<" in matrix and ">3<" in matrix
    assert " style=" not in svg + bars + matrix
    assert charts.zone(0.8) == "high" and charts.zone(0.7) == "mid" and charts.zone(0.1) == "low"
    assert charts.zone(None) is None


# --- filters -------------------------------------------------------------------------------

def test_filters_change_the_numbers(client, app, project):
    login(client, "root")
    base = f"/projects/{project['slug']}/agreement"
    everything = figures(client.get(base).get_data(as_text=True))
    by_title = client.get(f"{base}?title=troops").get_data(as_text=True)
    assert "1 of 2 documents" in by_title
    shown = figures(by_title)
    only_first = report_for(app, project["slug"], document_ids=[project["first"]])
    assert shown[("__overall__", "f1_overlap")] == pytest.approx(
        only_first["overall"]["f1_overlap"])
    assert shown[("__overall__", "f1_overlap")] != pytest.approx(
        everything[("__overall__", "f1_overlap")])
    by_source = figures(client.get(f"{base}?source=AP").get_data(as_text=True))
    only_second = report_for(app, project["slug"], document_ids=[project["second"]])
    assert by_source[("__overall__", "f1_overlap")] == pytest.approx(
        only_second["overall"]["f1_overlap"])
    # the title filter matches case-insensitively and takes % and _ literally
    assert "0 of 2 documents" in client.get(f"{base}?title=%25").get_data(as_text=True)
    assert "1 of 2 documents" in client.get(f"{base}?title=DEAL").get_data(as_text=True)

    # reviewers: alice and carol only
    html = client.get(f"{base}?filtered=1&reviewer=alice&reviewer=carol").get_data(as_text=True)
    assert "alice, carol" in html
    assert 'value="bob"> bob' in html and 'value="alice" checked' in html
    shown = figures(html)
    two = report_for(app, project["slug"], reviewers=["alice", "carol"])
    assert shown[("attribution", "f1_exact")] == pytest.approx(
        two["labels"]["attribution"]["f1_exact"])
    assert ("bob", "f1_overlap_vs_others") not in shown
    # every box ticked is no filter at all
    html = client.get(f"{base}?filtered=1&reviewer=alice&reviewer=bob&reviewer=carol") \
        .get_data(as_text=True)
    assert "data-filter-summary" not in html
    assert figures(html) == everything


def test_empty_states(client, app, project, make_project, make_document):
    login(client, "root")
    base = f"/projects/{project['slug']}/agreement"
    html = client.get(f"{base}?filtered=1&reviewer=alice").get_data(as_text=True)
    assert "data-empty-state" in html and "at least two reviewers" in html
    assert 'data-table="labels"' not in html and "data-chart" not in html
    html = client.get(f"{base}?title=no-such-title").get_data(as_text=True)
    assert "data-empty-state" in html and "Documents matching the filter: <strong>0" in html

    make_project("fresh", blind=False)
    make_document("fresh", ["Nobody reviewed this."])
    html = client.get("/projects/fresh/agreement").get_data(as_text=True)
    assert "data-empty-state" in html and "No one has reviewed anything yet" in html
    # one reviewer only
    make_project("solo", blind=False)
    make_document("solo", ["One text."], reviews=_reviews({"alice": []}))
    html = client.get("/projects/solo/agreement").get_data(as_text=True)
    assert "data-empty-state" in html and "Reviewers: <strong>1</strong>" in html
    # two reviewers, no paragraph both reviewed
    make_project("apart", blind=False)
    make_document("apart", ["A.", "B."], reviews=[
        {"reviewer": "alice", "status": "in_progress", "reviewed_paragraphs": [0]},
        {"reviewer": "bob", "status": "in_progress", "reviewed_paragraphs": [1]}])
    html = client.get("/projects/apart/agreement").get_data(as_text=True)
    assert "data-empty-state" in html and "two or more of them: <strong>0</strong>" in html


# --- downloads -----------------------------------------------------------------------------

def test_downloads_parse_and_follow_the_filters(client, app, project):
    login(client, "root")
    base = f"/projects/{project['slug']}/agreement"
    r = client.get(f"{base}.json")
    assert r.status_code == 200 and r.mimetype == "application/json"
    assert r.headers["Content-Disposition"] == 'attachment; filename="agreement-news.json"'
    body = json.loads(r.get_data(as_text=True))
    api = client.get(f"/api/projects/{project['slug']}/agreement").get_json()
    assert body == api

    r = client.get(f"{base}.json?filtered=1&reviewer=alice&reviewer=bob&ci=1")
    assert r.headers["Content-Disposition"] == \
        'attachment; filename="agreement-news-filtered.json"'
    body = r.get_json()
    assert body["reviewers"] == ["alice", "bob"] and body["bootstrap"]["resamples"] == 1000
    assert "ci" in body["labels"]["attribution"]

    r = client.get(f"{base}.csv?source=RT")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert r.headers["Content-Disposition"] == 'attachment; filename="agreement-news-filtered.csv"'
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert rows[0].keys() == {"scope", "label", "figure", "detail", "value", "ci_low", "ci_high"}
    value = next(row["value"] for row in rows if row["scope"] == "overall"
                 and row["figure"] == "f1_overlap")
    only_first = report_for(app, project["slug"], document_ids=[project["first"]])
    assert float(value) == pytest.approx(only_first["overall"]["f1_overlap"])
    # the page links to both downloads with its own filters, and to the API
    html = client.get(f"{base}?source=RT").get_data(as_text=True)
    assert f'href="{base}.csv?source=RT"' in html and f'href="{base}.json?source=RT"' in html
    assert f"/api/projects/news/agreement?documents={project['first']}" in html


# --- compare view --------------------------------------------------------------------------

def test_compare_view_shows_each_reviewers_spans_and_disagreements(client, project):
    login(client, "alice")
    html = client.get(f"/documents/{project['first']}/compare?only=all").get_data(as_text=True)
    blocks = re.split(r'<article class="cmp-par', html)[1:]
    assert len(blocks) == len(ONE)
    first, second, third = blocks
    # paragraph 0: all three marked "Officials said" the same: agreed, no disagreement flag
    assert 'data-disagreement="false"' in first
    for name in ("alice", "bob", "carol"):
        assert re.search(rf'data-reviewer="{name}" data-label="attribution" data-start="0" '
                         rf'data-end="14" data-agreed="true"', first)
    assert first.count('<q class="span-text">Officials said</q>') == 3
    # paragraph 1: alice "Experts", bob "Experts disagree", carol nothing: disagreement
    assert 'data-disagreement="true"' in second and 'data-flag="disagreement"' in second
    assert '<q class="span-text">Experts</q>' in second
    assert '<q class="span-text">Experts disagree</q>' in second
    assert re.search(r'data-reviewer="alice" data-label="expert-opinion" data-start="0" '
                     r'data-end="7" data-agreed="false"', second)
    assert "not marked the same by bob, carol" in second
    assert '<mark class="hl hl-disagree" data-label="expert-opinion"' in second
    # each reviewer has a row with the paragraph text, highlights in it
    assert second.count('class="cmp-row"') == 3
    assert "<mark class=\"hl hl-disagree\" data-label=\"expert-opinion\" title=\"Expert " \
           "opinion (not marked the same by bob, carol)\">Experts</mark> disagree, he said." \
           in second
    # paragraph 2: nobody put a span: the text once, no rows
    assert "cmp-par-quiet" in third[:40] and 'class="cmp-row' not in third

    only = client.get(f"/documents/{project['first']}/compare?only=disagreement") \
        .get_data(as_text=True)
    assert only.count('<article class="cmp-par') == 1 and 'data-paragraph-index="1"' in only
    assert 'aria-current="page" data-filter="disagreement"' in only
    # only the paragraphs with disagreement is the default
    assert client.get(f"/documents/{project['first']}/compare").get_data(as_text=True) \
        .count('<article class="cmp-par') == 1


def test_compare_view_hides_reviewers_and_its_flags_follow(client, project):
    """With carol hidden, paragraph 1 is alice "Experts" against bob "Experts disagree": still
    a disagreement, now between the two of them only; the flags name only shown reviewers."""
    login(client, "alice")
    url = f"/documents/{project['first']}/compare?only=all&filtered=1&reviewer=alice&reviewer=bob"
    html = client.get(url).get_data(as_text=True)
    assert 'data-reviewer="carol"' not in html.split('class="compare-list"')[1]
    second = re.split(r'<article class="cmp-par', html)[2]
    assert "not marked the same by bob" in second and "carol" not in second
    # the filter links keep the choice
    assert "filtered=1&amp;reviewer=alice&amp;reviewer=bob" in html
    # alice alone: nothing to compare, no disagreement anywhere
    alone = client.get(f"/documents/{project['first']}/compare?filtered=1&reviewer=alice")
    assert b"data-empty-state" in alone.data


def test_compare_view_marks_unreviewed_paragraphs_and_shows_gold(client, make_user,
                                                                 make_project, make_document):
    make_user("root", role="admin")
    make_project("g", blind=True)
    doc = make_document("g", ["Officials said so.", "Not reviewed by bob."], reviews=[
        {"reviewer": "alice", "status": "submitted",
         "annotations": [_span(0, 0, 9, "attribution"), _span(1, 0, 3, "framing")]},
        {"reviewer": "bob", "status": "in_progress", "reviewed_paragraphs": [0],
         "annotations": [_span(0, 0, 14, "attribution"), _span(1, 4, 12, "framing")]},
    ], gold=[{"paragraph": 0, "start": 0, "end": 14, "label": "attribution",
              "provenance": "adjudicated:root"}])
    login(client, "root")
    html = client.get(f"/documents/{doc}/compare?only=all").get_data(as_text=True)
    first, second = re.split(r'<article class="cmp-par', html)[1:]
    # gold on top of the first paragraph
    assert first.index('data-reviewer="gold"') < first.index('data-reviewer="alice"')
    assert '<q class="span-text">Officials said</q>' in first
    # bob did not review paragraph 1: his row says so, his span there is not counted
    assert 'data-flag="not-compared"' in second
    assert 'data-reviewer="bob" data-reviewed="false"' in second
    assert "paragraph not reviewed by bob: not counted" in second
    assert 'data-disagreement="false"' in second
    assert "gold spans" in html


# --- the demo ------------------------------------------------------------------------------

def test_demo_reviews_make_a_meaningful_page(app, client, runner):
    from annotator.demo import DEMO_REVIEWERS, annotate_demo_reviews, demo_review_spans

    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        project = db.session.scalar(db.select(Project).where(Project.slug == "demo"))
        texts = [p.text for p in project.documents[0].paragraphs]
        assert annotate_demo_reviews(project) == 0  # already there: nothing added twice
        spans = demo_review_spans(texts)
    assert set(spans) == set(DEMO_REVIEWERS) and all(len(s) > 30 for s in spans.values())
    for items in spans.values():  # offsets found in the text: exact
        for s in items:
            assert 0 <= s["start"] < s["end"] <= len(texts[s["paragraph"]])
    report = report_for(app, "demo")
    assert report["reviewers"] == ["dana", "eli", "fay"]
    assert all(d["documents_submitted"] == 1 for d in report["reviewers_detail"].values())
    zones = {charts.zone(e["token_alpha"]) for e in report["labels"].values()}
    assert zones == {"high", "mid", "low"}  # something good, something tentative, something bad
    assert login(client, "alice", "alice-demo").status_code == 302
    html = client.get("/projects/demo/agreement").get_data(as_text=True)
    assert 'data-reviewer="fay" class="outlier" data-outlier="true"' in html
    assert "Not reliable:" in html and "Reliable:" in html
