"""The ledger's API, its project figures, its cache and its command (INTERFACE.md, "Source
ledger (JSON)")."""

from __future__ import annotations

import json

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.ledger.project import interval_alpha
from tests.test_ledger import ALICE, GOLD, PARAGRAPHS, _with_text, attribution

ANSWERS = {"primary_frame": "political"}


def _review(name, spans, status="submitted"):
    return {"reviewer": name, "status": status, "reviewed_paragraphs": [0, 1, 2],
            "answers": ANSWERS, "annotations": _with_text(spans)}


BOB = [attribution(0, 0, 38, "Mustafa al-Kazimi", source_type="official"),
       attribution(1, 39, 50, "", source_type="anonymous")]


@pytest.fixture
def news(app, make_project, make_document):
    """Three documents: RT (July, gold; alice and bob submitted), RT (August; alice), TASS
    (no date; bob in progress)."""
    make_project("news", blind=False)
    first = make_document("news", PARAGRAPHS, title="One", source="RT",
                          published="2021-07-26",
                          reviews=[_review("alice", ALICE), _review("bob", BOB)],
                          gold=_with_text(GOLD))
    second = make_document("news", [p + " (2)" for p in PARAGRAPHS], title="Two", source="RT",
                           published="2021-08-02", reviews=[_review("alice", ALICE[:1])])
    third = make_document("news", [p + " (3)" for p in PARAGRAPHS], title="Three",
                          source="TASS", reviews=[_review("bob", BOB, "in_progress")])
    return first, second, third


# --- the document ledger ---------------------------------------------------------------------

def test_the_document_ledger_defaults_to_gold_then_to_the_callers_spans(client, auth, news):
    first, second, _ = news
    admin = auth("root", role="admin")
    body = client.get(f"/api/documents/{first}/ledger", headers=admin).get_json()
    assert (body["document"], body["spans"], body["sources"]) == (first, "gold", 1)
    alice = auth("alice")
    body = client.get(f"/api/documents/{second}/ledger", headers=alice).get_json()
    assert (body["spans"], body["sources"]) == ("alice", 1)
    # gold is open to every reader; one's own spans too
    assert client.get(f"/api/documents/{first}/ledger?spans=gold", headers=alice) \
        .get_json()["spans"] == "gold"
    assert client.get(f"/api/documents/{first}/ledger?spans=ALICE", headers=alice) \
        .get_json()["sources"] == 3


def test_another_reviewers_ledger_needs_the_right_to_read_their_spans(
        client, auth, news, make_project, make_document):
    first, second, third = news
    carol = auth("carol")
    # an open project: only after submitting one's own work on the document
    response = client.get(f"/api/documents/{first}/ledger?spans=alice", headers=carol)
    assert response.status_code == 403
    bob = auth("bob")
    assert client.get(f"/api/documents/{first}/ledger?spans=alice", headers=bob) \
        .get_json()["sources"] == 3
    assert client.get(f"/api/documents/{first}/ledger?spans=nobody",
                      headers=auth("root", role="admin")).status_code == 404
    assert client.get("/api/documents/999/ledger", headers=bob).status_code == 404
    # a blind project: never
    make_project("blind")
    doc = make_document("blind", PARAGRAPHS, reviews=[_review("alice", ALICE),
                                                      _review("bob", BOB)])
    assert client.get(f"/api/documents/{doc}/ledger?spans=alice", headers=bob).status_code \
        == 403


# --- the project ledger ----------------------------------------------------------------------

def test_the_project_ledger_of_gold_and_of_a_reviewer(client, auth, news):
    first, second, third = news
    h = auth("root", role="admin")
    gold = client.get("/api/projects/news/ledger", headers=h).get_json()
    assert (gold["spans"], gold["documents"]) == ("gold", 1)
    assert gold["totals"]["sources"] == 1 and gold["totals"]["type_counts"] == {"official": 1}
    assert gold["means"]["official_share"] == 1.0
    assert gold["top_sources"] == [{"key": "iraqi prime minister mustafa al-kazimi",
                                    "name": "Iraqi Prime Minister Mustafa al-Kazimi",
                                    "type": "official", "documents": 1, "mentions": 2}]
    alice = client.get("/api/projects/news/ledger?spans=alice&by=source", headers=h).get_json()
    assert alice["documents"] == 2  # the two she submitted
    assert alice["totals"]["sources"] == 3 + 1
    assert alice["means"]["sources"] == pytest.approx(2.0)
    assert alice["means"]["official_share"] == pytest.approx((1 / 3 + 1) / 2)
    assert [g["key"] for g in alice["groups"]] == ["RT"]
    top = alice["top_sources"][0]
    assert (top["key"], top["documents"], top["mentions"]) == (
        "iraqi prime minister mustafa al-kazimi", 2, 3)
    rows = {r["id"]: r for r in alice["document_rows"]}
    assert rows[first]["sources"] == 3 and rows[second]["flags"] == ["single_source"]
    by_month = client.get("/api/projects/news/ledger?spans=bob&by=month", headers=h).get_json()
    # bob submitted the first document only (the third is in progress)
    assert by_month["documents"] == 1 and by_month["groups"][0]["key"] == "2021-07"


def test_groups_by_month_with_intervals_seeded(client, auth, news):
    h = auth("root", role="admin")
    url = "/api/projects/news/ledger?spans=alice&by=month&bootstrap=200&seed=7"
    one = client.get(url, headers=h).get_json()
    assert [g["key"] for g in one["groups"]] == ["2021-07", "2021-08"]
    assert one["ci"]["sources"][0] <= one["means"]["sources"] <= one["ci"]["sources"][1]
    # one document in a group: every resample is that document
    assert one["groups"][1]["ci"]["sources"] == [1.0, 1.0]
    assert one["groups"][1]["ci"]["evenness"] is None  # undefined in every resample
    client.get("/api/projects/news/ledger?bootstrap=0", headers=h)
    assert client.get(url, headers=h).get_json()["ci"] == one["ci"]
    assert client.get("/api/projects/news/ledger?by=week", headers=h).status_code == 400


def test_reliability_compares_the_reviewers_per_document_figures(client, auth, news):
    h = auth("root", role="admin")
    body = client.get("/api/projects/news/ledger", headers=h).get_json()
    r = body["reliability"]
    # document one: alice 3 sources, bob 2; document two: alice alone (not pairable)
    assert r["sources"]["units"] == 1 and r["sources"]["values"] == 2
    expected = krippendorff.alpha(reliability_data=[[3, np.nan], [2, np.nan]],
                                  level_of_measurement="interval")
    assert r["sources"]["alpha"] == pytest.approx(expected)
    # a reviewer of an open project sees it; the document filter and reviewers filter apply
    assert client.get("/api/projects/news/ledger?reviewers=alice", headers=h) \
        .get_json()["reliability"]["sources"]["values"] == 0


def test_the_project_ledger_of_others_in_a_blind_project_is_for_admins(
        client, auth, make_project, make_document):
    make_project("blind")
    make_document("blind", PARAGRAPHS, reviews=[_review("alice", ALICE), _review("bob", BOB)])
    bob = auth("bob")
    own = client.get("/api/projects/blind/ledger", headers=bob).get_json()
    assert own["spans"] == "bob" and own["documents"] == 1
    assert own["reliability"] is None  # the others' figures are hidden
    assert client.get("/api/projects/blind/ledger?spans=alice", headers=bob).status_code \
        == 403
    admin = client.get("/api/projects/blind/ledger?spans=alice",
                       headers=auth("root", role="admin")).get_json()
    assert admin["documents"] == 1 and admin["reliability"]["sources"]["units"] == 1


def test_the_cache_follows_every_table_the_ledger_reads(app, client, auth, news, monkeypatch):
    from annotator.ledger import project as module

    h = auth("root", role="admin")
    calls = []
    original = module.build_project_ledger
    monkeypatch.setattr(module, "build_project_ledger",
                        lambda *a, **k: calls.append(1) or original(*a, **k))
    url = "/api/projects/news/ledger?spans=gold"
    first = news[0]
    gold = client.get(f"/api/documents/{first}/gold", headers=h).get_json()

    def gold_change():  # an attribute of a gold span, changed in place
        client.patch(f"/api/gold/{gold[0]['id']}", headers=h,
                     json={"attributes": {"source": "Someone else", "source_type": "media"}})

    def alias():
        with app.app_context():
            from annotator.extensions import db
            from annotator.models import LedgerAlias, Project

            project = db.session.scalar(db.select(Project).where(Project.slug == "news"))
            db.session.add(LedgerAlias(project_id=project.id, alias="someone else",
                                       canonical="someone"))
            db.session.commit()

    client.get(url, headers=h)
    for change in (gold_change, alias):
        before = len(calls)
        client.get(url, headers=h)
        assert len(calls) == before, change.__name__
        change()
        body = client.get(url, headers=h).get_json()
        assert len(calls) == before + 1, change.__name__
    assert {s["key"] for s in body["top_sources"]} == {"someone", "al-kazimi"}


def test_the_cache_key_covers_every_table_the_ledger_reads(app, news):
    import re

    from sqlalchemy import event

    from annotator.extensions import db
    from annotator.ledger.data import READS, load_ledger_data
    from annotator.projects import find_project

    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        project = find_project("news")
        db.session.expire_all()
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            load_ledger_data(project, gold=True, reviewer_ids=None)
            load_ledger_data(project, [news[0]], reviewer_ids=[1], finished_only=False)
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        tables = {table.name for table in db.metadata.tables.values()}
    read = {name for name in tables
            if any(re.search(rf"\b{name}\b", statement) for statement in statements)}
    assert {"documents", "annotations", "gold_spans", "ledger_aliases"} <= read
    assert read <= {r.model.__tablename__ for r in READS}


# --- the command -----------------------------------------------------------------------------

def test_the_ledger_command(runner, news):
    text = runner.invoke(args=["ledger", "news", "--spans", "alice", "--by", "source"])
    assert text.exit_code == 0, text.output
    assert "2 documents" in text.output and "RT" in text.output
    as_json = runner.invoke(args=["ledger", "news", "--format", "json"])
    assert json.loads(as_json.output)["documents"] == 1
    csv = runner.invoke(args=["ledger", "news", "--spans", "alice", "--format", "csv"])
    lines = csv.output.splitlines()
    assert lines[0].startswith("document_id,title,source,month,spans,mentions,sources")
    assert len(lines) == 3
    grouped = runner.invoke(args=["ledger", "news", "--spans", "alice", "--by", "month",
                                  "--format", "csv"])
    assert grouped.output.splitlines()[0].startswith("month,documents,sources")
    missing = runner.invoke(args=["ledger", "nope"])
    assert missing.exit_code == 1 and "nope" in missing.output
    assert runner.invoke(args=["ledger", "news", "--spans", "nobody"]).exit_code == 1
    assert runner.invoke(args=["ledger", "news", "--by", "week"]).exit_code == 2


# --- Krippendorff's alpha, interval, against the krippendorff package ---------------------------

def test_interval_alpha_by_hand():
    # Krippendorff (2011), interval data: two coders, units with values
    unit = np.array([0, 0, 1, 1, 2, 2, 3])
    value = np.array([1.0, 2.0, 3.0, 3.0, 5.0, 4.0, 9.0])
    expected = krippendorff.alpha(reliability_data=[[1, 3, 5, 9], [2, 3, 4, np.nan]],
                                  level_of_measurement="interval")
    assert interval_alpha(unit, value)["alpha"] == pytest.approx(expected)
    assert interval_alpha(unit, value)["units"] == 3
    assert interval_alpha(np.array([0, 0]), np.array([2.0, 2.0]))["alpha"] is None  # no variation
    assert interval_alpha(np.array([0, 1]), np.array([2.0, 3.0]))["alpha"] is None  # no pairs
    assert interval_alpha(np.array([], int), np.array([]))["alpha"] is None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.one_of(st.none(), st.integers(0, 1000).map(lambda i: i / 100)),
                         min_size=3, max_size=3), min_size=1, max_size=12))
def test_interval_alpha_equals_the_krippendorff_package(units):
    # (values on a grid of 0.01: subnormal floats such as 5e-324 square to 0, where ours says
    # "no variation" and the package divides 0 by 0)
    unit = np.array([u for u, values in enumerate(units) for v in values if v is not None])
    value = np.array([v for values in units for v in values if v is not None], dtype=float)
    ours = interval_alpha(unit, value)["alpha"]
    data = np.array([[np.nan if v is None else v for v in values] for values in units]).T
    pairable = sum(sum(v is not None for v in values) >= 2 for values in units)
    values = [v for values in units if sum(x is not None for x in values) >= 2
              for v in values if v is not None]
    if pairable == 0 or len(set(values)) < 2:
        assert ours is None
        return
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="interval")
    if np.isnan(expected):  # undefined there too (squares that underflow to 0)
        assert ours is None
        return
    assert ours == pytest.approx(expected, abs=1e-9)


def test_spans_of_unfinished_reviews_never_count(client, auth, news, make_user):
    """bob's in-progress review of the third document is no unit of the project ledger, and
    its spans land in no other unit (whatever the reviewers' ids)."""
    h = auth("root", role="admin")
    body = client.get("/api/projects/news/ledger?spans=alice&top=0", headers=h).get_json()
    assert body["documents"] == 2
    assert body["totals"]["mentions"] == len(ALICE) - 1 + 1  # 4 of the first, 1 of the second
    bob = client.get("/api/projects/news/ledger?spans=bob", headers=h).get_json()
    assert bob["documents"] == 1 and bob["totals"]["mentions"] == 2
