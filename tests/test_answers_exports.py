"""Article-level answers through the API's checks, JSONL (round trip exact), the answers-csv
format and the CLI, for every question type, on both engines."""

from __future__ import annotations

import csv
import io
import json

import pytest

from annotator.codebook import default_codebook
from annotator.exports import ExportOptions, export
from annotator.imports import import_paths
from tests.helpers import project_by_slug

pytestmark = pytest.mark.both_engines

QUESTIONS = [
    {"key": "frame", "name": "Primary frame", "type": "choice",
     "choices": ["economic", "security_defense", "=cmd"], "required": True},
    {"key": "tone", "name": "Tone", "type": "ordinal",
     "choices": ["negative", "neutral", "positive"]},
    {"key": "sources", "name": "Sources quoted", "type": "number"},
    {"key": "present", "name": "Frames present", "type": "multi",
     "choices": ["economic", "morality", "legality"]},
    {"key": "supported", "name": "Headline supported", "type": "boolean"},
    {"key": "comment", "name": "Comment", "type": "text"},
]
ALICE = {"frame": "economic", "tone": "negative", "sources": 2.5,
         "present": ["legality", "economic"], "supported": True,
         "comment": "Quotes «one side», then\na second line; =SUM(A1)"}
BOB = {"frame": "=cmd", "tone": "positive", "sources": 0, "supported": False}


def codebook():
    data = json.loads(json.dumps(default_codebook()))
    data["questions"] = QUESTIONS
    return data


@pytest.fixture
def answered(app, client, auth, make_project, make_document):
    make_project("src", codebook=codebook(), blind=False)
    doc = make_document("src", ["One paragraph about the plan.", "Two."], title="Plan",
                        external_id="p-1")
    other = make_document("src", ["Another article."], title="Other")
    for name, answers in (("alice", ALICE), ("bob", BOB)):
        headers = auth(name)
        response = client.put(f"/api/documents/{doc}/answers", json=answers, headers=headers)
        assert response.status_code == 200, response.get_json()
        assert client.post(f"/api/documents/{doc}/submit", headers=headers).status_code == 200
    # carol answers without submitting
    assert client.put(f"/api/documents/{other}/answers", json={"tone": "neutral"},
                      headers=auth("carol")).status_code == 200
    root = auth("root", role="admin")
    for question, value in (("frame", "economic"), ("present", ["morality"]),
                            ("sources", 1)):
        response = client.put(f"/api/documents/{doc}/gold/answers/{question}",
                              json={"value": value}, headers=root)
        assert response.status_code == 200, response.get_json()
    return doc, other


def run(app, slug, fmt, **options):
    with app.app_context():
        return "".join(export(project_by_slug(slug), fmt, ExportOptions(**options)))


def test_answers_are_stored_as_given_in_the_codebooks_order(answered, client, auth):
    doc, _ = answered
    stored = client.get(f"/api/documents/{doc}/answers", headers=auth("alice")).get_json()
    # a set comes back in the codebook's order of choices; a number stays a number
    assert stored == {**ALICE, "present": ["economic", "legality"]}


@pytest.mark.parametrize("body, field", [
    ({"nope": 1}, "nope"),
    ({"frame": "unknown"}, "frame"),
    ({"tone": 2}, "tone"),
    ({"sources": "three"}, "sources"),
    ({"sources": True}, "sources"),
    ({"present": ["economic", "nope"]}, "present"),
    ({"present": "economic"}, "present"),
    ({"supported": "yes"}, "supported"),
    ({"comment": 5}, "comment"),
])
def test_bad_answers_are_refused_naming_the_question(answered, client, auth, body, field):
    _, other = answered
    headers = auth("dave")
    response = client.put(f"/api/documents/{other}/answers", json=body, headers=headers)
    assert response.status_code == 422 and response.get_json()["field"] == field
    assert client.get(f"/api/documents/{other}/answers", headers=headers).get_json() == {}


def test_jsonl_round_trip_keeps_answers_and_gold_answers_exactly(app, answered, make_project,
                                                                 write_file):
    first = run(app, "src", "jsonl")
    doc = json.loads(first.splitlines()[0])
    by_name = {r["reviewer"]: r for r in doc["reviews"]}
    assert by_name["alice"]["answers"] == {**ALICE, "present": ["economic", "legality"]}
    assert by_name["bob"]["answers"] == BOB
    assert doc["gold_answers"] == {
        "frame": {"value": "economic", "provenance": "adjudicated:root"},
        "present": {"value": ["morality"], "provenance": "adjudicated:root"},
        "sources": {"value": 1, "provenance": "adjudicated:root"}}
    make_project("copy", codebook=codebook())
    with app.app_context():
        import_paths(project_by_slug("copy"), [write_file("export.jsonl", first)])
    second = run(app, "copy", "jsonl")

    def strip(line):
        obj = json.loads(line)
        obj.pop("id")
        return obj

    assert [strip(x) for x in second.splitlines()] == [strip(x) for x in first.splitlines()]


def test_a_bad_answer_in_a_file_is_refused_and_nothing_is_imported(app, answered,
                                                                     make_project, write_file):
    from annotator.errors import ImportFailed
    from annotator.extensions import db
    from annotator.models import Document

    make_project("copy", codebook=codebook())
    lines = run(app, "src", "jsonl").splitlines()
    doc = json.loads(lines[0])
    doc["reviews"][0]["answers"]["tone"] = "furious"
    with app.app_context(), pytest.raises(ImportFailed, match="tone"):
        import_paths(project_by_slug("copy"),
                     [write_file("bad.jsonl", "\n".join([json.dumps(doc), lines[1]]))])
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Document.id)).where(
            Document.project_id == project_by_slug("copy").id)) == 0


def test_answers_csv_has_a_row_per_document_and_reviewer_and_gold(app, answered):
    doc, other = answered
    text = run(app, "src", "answers-csv")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["document_id", "external_id", "title", "reviewer", "status",
                       "frame", "tone", "sources", "present", "supported", "comment"]
    body = {(r[0], r[3]): r for r in rows[1:]}
    assert body[(str(doc), "alice")][1:] == [
        "p-1", "Plan", "alice", "submitted", "economic", "negative", "2.5",
        "economic|legality", "true", "'" + ALICE["comment"] if ALICE["comment"][0] in "=+-@"
        else ALICE["comment"]]
    # a value that a spreadsheet would run as a formula is quoted
    assert body[(str(doc), "bob")][5:] == ["'=cmd", "positive", "0", "", "false", ""]
    assert body[(str(doc), "gold")][3:] == ["gold", "", "economic", "", "1", "morality", "",
                                           ""]
    assert body[(str(other), "carol")][4:7] == ["in_progress", "", "neutral"]
    raw = list(csv.reader(io.StringIO(run(app, "src", "answers-csv", raw=True))))
    assert {(r[0], r[3]): r for r in raw[1:]}[(str(doc), "bob")][5] == "=cmd"
    submitted = list(csv.reader(io.StringIO(run(app, "src", "answers-csv",
                                                submitted_only=True))))
    assert {r[3] for r in submitted[1:]} == {"alice", "bob", "gold"}


def test_cli_exports_answers_csv(app, answered, runner, tmp_path):
    out = tmp_path / "answers.csv"
    result = runner.invoke(args=["export", "src", "--format", "answers-csv", "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(out.read_text("utf-8"))))
    assert rows[0][5:] == ["frame", "tone", "sources", "present", "supported", "comment"]
    assert len(rows) == 1 + 4  # alice, bob, gold; carol
