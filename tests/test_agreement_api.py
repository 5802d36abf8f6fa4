"""The agreement report through the CLI and the API: access, filters, caching."""

import json
import re

import pytest
from sqlalchemy import event

from annotator.agreement import report as report_module
from annotator.extensions import db
from annotator.models import Project

# the default codebook's required article-level question, answered before a submission
ANSWERS = {"primary_frame": "political"}

pytestmark = pytest.mark.both_engines

PARAGRAPHS = ["Officials said the troops left the country.", "Experts disagree, he said."]


def _labelled(write_file, blind_reviews=("alice", "bob")):
    reviews = [
        {"reviewer": name, "status": "submitted", "annotations": [
            {"paragraph": 0, "start": 0, "end": 14, "label": "attribution"},
            {"paragraph": 1, "start": 0, "end": 7 if name == "alice" else 16,
             "label": "expert-opinion"}]}
        for name in blind_reviews
    ]
    return write_file("labelled.jsonl", [
        {"title": "One", "paragraphs": PARAGRAPHS, "reviews": reviews},
        {"title": "Two", "paragraphs": ["Another text, unannotated."],
         "reviews": [{"reviewer": "alice", "status": "submitted"},
                     {"reviewer": "bob", "status": "submitted"}]},
    ])


@pytest.fixture
def project(runner, write_file):
    assert runner.invoke(args=["create-project", "news"]).exit_code == 0
    result = runner.invoke(args=["import", "news", str(_labelled(write_file))])
    assert result.exit_code == 0, result.output
    return "news"


def test_cli_text_and_json(runner, project):
    result = runner.invoke(args=["agreement", project])
    assert result.exit_code == 0, result.output
    assert "Agreement in project 'news': 2 documents" in result.output
    assert "attribution" in result.output and "Reading alpha" in result.output
    result = runner.invoke(args=["agreement", project, "--format", "json", "--bootstrap", "50",
                                 "--seed", "3"])
    report = json.loads(result.output)
    assert report["reviewers"] == ["alice", "bob"]
    assert report["documents"] == 2 and report["paragraphs"] == 3
    attribution = report["labels"]["attribution"]
    assert attribution["f1_exact"] == 1.0 and attribution["cohen_kappa"] == {"alice|bob": 1.0}
    # alice [0, 7) against bob [0, 16): P = 1, R = 7/16.
    assert report["labels"]["expert-opinion"]["f1_overlap"] == pytest.approx(
        2 * 1 * (7 / 16) / (1 + 7 / 16))
    assert report["labels"]["framing"]["paragraph_alpha"] is None  # no variation
    assert "ci" in attribution and report["bootstrap"] == {"resamples": 50, "seed": 3}
    assert runner.invoke(args=["agreement", "nope"]).exit_code == 1
    assert runner.invoke(args=["agreement", project, "--bootstrap", "-1"]).exit_code == 2


def test_api_access_blind_and_open(client, auth, project, runner):
    admin = auth("root", role="admin")
    assert client.get(f"/api/projects/{project}/agreement", headers=admin).status_code == 200
    r = client.get(f"/api/projects/{project}/agreement", headers=auth("carol"))
    assert r.status_code == 403 and "blind" in r.get_json()["error"]
    runner.invoke(args=["create-project", "open", "--open"])
    r = client.get("/api/projects/open/agreement", headers=auth("carol"))
    assert r.status_code == 200 and r.get_json()["project"] == "open"


def test_api_filters_and_bad_parameters(client, auth, project):
    h = auth("root", role="admin")
    docs = client.get(f"/api/projects/{project}/documents", headers=h).get_json()
    first = docs[0]["id"]
    r = client.get(f"/api/projects/{project}/agreement?documents={first}&reviewers=alice,bob",
                   headers=h)
    assert r.get_json()["documents"] == 1
    r = client.get(f"/api/projects/{project}/agreement?reviewers=alice", headers=h)
    assert r.get_json()["labels"]["attribution"]["f1_exact"] is None  # one reviewer
    for query in ("bootstrap=lots", "bootstrap=-2", "bootstrap=999999", "documents=a,b"):
        r = client.get(f"/api/projects/{project}/agreement?{query}", headers=h)
        assert r.status_code == 400 and "error" in r.get_json()
    r = client.get(f"/api/projects/{project}/agreement?bootstrap=40&seed=9", headers=h)
    again = client.get(f"/api/projects/{project}/agreement?bootstrap=40&seed=9", headers=h)
    assert r.get_json()["labels"]["attribution"]["ci"] == \
        again.get_json()["labels"]["attribution"]["ci"]


def test_cache_is_reused_and_invalidated_by_a_change(app, client, auth, project, monkeypatch):
    h = auth("root", role="admin")
    url = f"/api/projects/{project}/agreement"
    calls = []
    original = report_module.build_report
    monkeypatch.setattr(report_module, "build_report",
                        lambda *a, **k: calls.append(1) or original(*a, **k))
    first = client.get(url, headers=h).get_json()
    client.get(url, headers=h)
    assert len(calls) == 1  # the second read came from the cache
    # carol reviews and annotates: the report changes.
    carol = auth("carol")
    doc = client.get(f"/api/projects/{project}/documents", headers=carol).get_json()[0]["id"]
    client.post(f"/api/documents/{doc}/annotations", headers=carol,
                json={"paragraph": 0, "start": 0, "end": 9, "label": "framing"})
    client.put(f"/api/documents/{doc}/paragraphs/0/review", headers=carol)
    second = client.get(url, headers=h).get_json()
    assert len(calls) == 2
    assert second["reviewers"] == ["alice", "bob", "carol"] != first["reviewers"]


def test_reviewers_agreement_with_gold(runner, write_file):
    runner.invoke(args=["create-project", "gold"])
    paragraph = "Officials said the troops left the country."
    gold = [{"paragraph": 0, "start": 0, "end": 14, "label": "attribution"},
            {"paragraph": 0, "start": 15, "end": 25, "label": "framing"}]
    path = write_file("gold.jsonl", [{
        "title": "G", "paragraphs": [paragraph],
        "reviews": [
            {"reviewer": "same", "status": "submitted", "annotations": gold},
            {"reviewer": "half", "status": "submitted",
             "annotations": [{"paragraph": 0, "start": 0, "end": 9, "label": "attribution"}]},
            {"reviewer": "none", "status": "submitted"},
        ],
        "gold": gold,
    }, {"title": "No gold", "paragraphs": ["Nothing adjudicated here."],
        "reviews": [{"reviewer": "same", "status": "submitted"}]}])
    assert runner.invoke(args=["import", "gold", str(path)]).exit_code == 0
    report = json.loads(runner.invoke(args=["agreement", "gold", "--format", "json"]).output)
    detail = report["reviewers_detail"]
    assert detail["same"]["vs_gold"] == {"token_alpha": 1.0, "f1_exact": 1.0,
                                         "f1_overlap": 1.0, "paragraphs": 1}
    half = detail["half"]["vs_gold"]
    assert half["f1_exact"] == 0.0
    # precision 9/9 = 1 against "Officials said"; recall (9/14) / 2 gold spans
    p, r = 1.0, (9 / 14) / 2
    assert half["f1_overlap"] == pytest.approx(2 * p * r / (p + r))
    assert detail["none"]["vs_gold"]["f1_overlap"] == 0.0
    assert report["gold"] == {"documents": 1, "spans": 2}


def test_cache_sees_every_change_of_gold(client, auth, runner, write_file):
    """The report reads gold for its vs-gold figures: gold added, moved in place or removed
    gives a new report, not the cached one."""
    runner.invoke(args=["create-project", "gold"])
    paragraph = "Officials said the troops left the country."
    gold = [{"paragraph": 0, "start": 0, "end": 14, "label": "attribution"},
            {"paragraph": 0, "start": 15, "end": 25, "label": "framing"}]
    path = write_file("reviews.jsonl", [{
        "title": "G", "paragraphs": [paragraph],
        "reviews": [
            {"reviewer": "same", "status": "submitted", "annotations": gold},
            {"reviewer": "half", "status": "submitted",
             "annotations": [{"paragraph": 0, "start": 0, "end": 9, "label": "attribution"}]},
        ]}])
    assert runner.invoke(args=["import", "gold", str(path)]).exit_code == 0
    h = auth("root", role="admin")
    doc = client.get("/api/projects/gold/documents", headers=h).get_json()[0]["id"]

    def half_vs_gold():
        report = client.get("/api/projects/gold/agreement", headers=h).get_json()
        return report["reviewers_detail"]["half"]["vs_gold"]

    assert half_vs_gold() is None  # no gold yet; the report is cached now
    assert client.put(f"/api/documents/{doc}/gold", headers=h, json=gold).status_code == 200
    assert half_vs_gold()["f1_exact"] == 0.0  # [0, 9) is not [0, 14)
    stored = client.get(f"/api/documents/{doc}/gold", headers=h).get_json()
    attribution = next(g["id"] for g in stored if g["label"] == "attribution")
    assert client.patch(f"/api/gold/{attribution}", headers=h, json={"end": 9}).status_code \
        == 200
    assert half_vs_gold()["f1_exact"] == pytest.approx(2 / 3)  # one of two gold spans matched
    assert client.put(f"/api/documents/{doc}/gold", headers=h, json=[]).status_code == 200
    assert half_vs_gold() is None


def test_the_cache_key_covers_every_table_the_report_reads(app, project):
    """The tables the loader's queries touch (lazy loads included), recorded from the SQL
    sent, are all among the tables the fingerprint aggregates (data.READS)."""
    from annotator.agreement.data import READS, load_project_data
    from annotator.extensions import db
    from annotator.projects import find_project

    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        news = find_project(project)
        first = news.documents[0].id
        db.session.expire_all()
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            load_project_data(news)
            load_project_data(news, document_ids=[first], reviewers=["alice"])
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        tables = {table.name for table in db.metadata.tables.values()}
    read = {name for name in tables
            if any(re.search(rf"\b{name}\b", statement) for statement in statements)}
    assert {"documents", "annotations", "gold_spans", "users"} <= read
    assert read <= {r.model.__tablename__ for r in READS}


def test_each_table_the_report_reads_makes_a_fresh_report(app, client, auth, project,
                                                          monkeypatch, write_file, runner):
    """The cache's key covers every table the report reads: a change of each of them in turn
    (through the app, as users make them) is followed by a recomputed report."""
    h = auth("root", role="admin")
    url = f"/api/projects/{project}/agreement"
    calls = []
    original = report_module.build_report
    monkeypatch.setattr(report_module, "build_report",
                        lambda *a, **k: calls.append(1) or original(*a, **k))
    carol = auth("carol")
    doc = client.get(f"/api/projects/{project}/documents", headers=h).get_json()[0]["id"]
    state = {}

    def codebook():  # projects: a label renamed in the settings
        with app.app_context():
            from annotator.projects import update_project

            p = db.session.scalar(db.select(Project).where(Project.slug == project))
            changed = json.loads(json.dumps(p.codebook))
            changed["labels"][0]["name"] = "Framing, renamed"
            update_project(p, codebook=changed)

    def document():  # documents and paragraphs: one more article
        runner.invoke(args=["import", project, str(write_file("more.txt", "A new text."))])

    def mark():  # paragraph_reviews (and document_reviews: carol starts)
        client.put(f"/api/documents/{doc}/paragraphs/0/review", headers=carol)

    def span():  # annotations: a new span, then a change of it
        state["span"] = client.post(f"/api/documents/{doc}/annotations", headers=carol, json={
            "paragraph": 0, "start": 0, "end": 9, "label": "framing"}).get_json()["id"]

    def span_change():
        client.patch(f"/api/annotations/{state['span']}", headers=carol, json={"end": 12})

    def submit():  # document_reviews
        client.put(f"/api/documents/{doc}/answers", json=ANSWERS, headers=carol)
        client.post(f"/api/documents/{doc}/submit", headers=carol)

    def gold():  # gold_spans
        client.put(f"/api/documents/{doc}/gold", headers=h, json=[
            {"paragraph": 0, "start": 0, "end": 9, "label": "framing"}])

    def user():  # users: a new reviewer (names never change; a new account is a new row)
        client.post(f"/api/documents/{doc}/annotations", headers=auth("dave"), json={
            "paragraph": 0, "start": 0, "end": 9, "label": "framing"})

    client.get(url, headers=h)
    for change in (codebook, document, mark, span, span_change, submit, gold, user):
        before = len(calls)
        client.get(url, headers=h)
        assert len(calls) == before, f"{change.__name__}: read twice without a change"
        change()
        client.get(url, headers=h)
        assert len(calls) == before + 1, f"{change.__name__}: the cached report was served"
