"""The agreement report through the CLI and the API: access, filters, caching."""

import json

import pytest

from annotator.agreement import report as report_module

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
