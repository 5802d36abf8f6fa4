"""Suggestions through the API: listing, accepting (the one span write path, origin,
client_id), rejecting, decisions logged, project settings, evaluation (INTERFACE.md,
"Suggestions")."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from annotator.extensions import db
from annotator.models import Annotation, Project, SuggestionDecision
from tests.test_instance import databases  # noqa: F401 (a fixture)

pytestmark = pytest.mark.both_engines

PARAGRAPHS = [
    "“There is no need for foreign combat forces on Iraqi soil,” al-Kazimi said.",
    "Analysts say neither side appears able to win outright.",
    "The militants of Hayat Tahrir al-Sham (a terrorist organization banned in Russia) "
    "attacked.",
    "Prices rose 3.2% in May.",
]


def turn_on(app, slug="news", **settings):
    from annotator.models import Project

    with app.app_context():
        project = db.session.scalar(select(Project).where(Project.slug == slug))
        project.suggestion_settings = {"enabled": True, **settings}
        db.session.commit()


@pytest.fixture
def doc(app, make_project, make_document):
    make_project("news")
    turn_on(app)
    return make_document("news", PARAGRAPHS, title="Iraq", source="RT")


def _suggestions(client, h, doc):
    response = client.get(f"/api/documents/{doc}/suggestions", headers=h)
    assert response.status_code == 200
    return response.get_json()


def test_list_suggestions(client, auth, doc):
    found = _suggestions(client, auth("alice"), doc)
    assert [(s["paragraph"], s["label"], s["rule"]) for s in found] == [
        (0, "attribution", "quote-cue-after"), (1, "expert-opinion", "expert-opinion"),
        (2, "disclaimer", "designation")]
    first = found[0]
    assert set(first) == {"id", "paragraph", "start", "end", "label", "attributes", "rule"}
    assert PARAGRAPHS[0][first["start"]:first["end"]] == (
        "“There is no need for foreign combat forces on Iraqi soil,” al-Kazimi said")
    assert first["attributes"]["form"] == "direct_quote"
    # stable ids: the same for another reviewer, and the next time
    assert [s["id"] for s in _suggestions(client, auth("bob"), doc)] == [s["id"] for s in found]


def test_accept_makes_the_reviewers_span_with_its_origin(app, client, auth, doc):
    h = auth("alice")
    first = _suggestions(client, h, doc)[0]
    url = f"/api/documents/{doc}/suggestions/{first['id']}/accept"
    response = client.post(url, headers=h, json={"client_id": "s-1"})
    assert response.status_code == 201
    span = response.get_json()
    assert span["origin"] == "suggestion:quote-cue-after"
    assert (span["paragraph"], span["start"], span["end"], span["label"]) == (
        first["paragraph"], first["start"], first["end"], first["label"])
    assert span["attributes"] == first["attributes"]
    # a retry with the same client_id: the span stored the first time
    again = client.post(url, headers=h, json={"client_id": "s-1"})
    assert again.status_code == 200 and again.get_json()["id"] == span["id"]
    # the span is the reviewer's, as any other
    spans = client.get(f"/api/documents/{doc}/annotations", headers=h).get_json()
    assert [(s["id"], s["origin"]) for s in spans] == [(span["id"], "suggestion:quote-cue-after")]
    # it equals the suggestion: no longer offered to alice, still to bob
    assert first["id"] not in [s["id"] for s in _suggestions(client, h, doc)]
    assert first["id"] in [s["id"] for s in _suggestions(client, auth("bob"), doc)]
    with app.app_context():
        decisions = db.session.execute(select(
            SuggestionDecision.decision, SuggestionDecision.rule,
            SuggestionDecision.annotation_id)).all()
    assert decisions == [("accepted", "quote-cue-after", span["id"])]
    # a note changes nothing of the suggestion: still accepted as it was
    client.patch(f"/api/annotations/{span['id']}", headers=h, json={"note": "checked"})
    with app.app_context():
        assert db.session.scalar(select(SuggestionDecision.decision)) == "accepted"
    # editable as any span; changed, the decision becomes "edited"
    changed = client.patch(f"/api/annotations/{span['id']}", headers=h,
                           json={"attributes": {"form": "mixed"}})
    assert changed.status_code == 200 and changed.get_json()["origin"] == span["origin"]
    with app.app_context():
        assert db.session.scalar(select(SuggestionDecision.decision)) == "edited"


def test_accept_with_changes_is_logged_as_edited(app, client, auth, doc):
    h = auth("alice")
    expert = _suggestions(client, h, doc)[1]
    response = client.post(f"/api/documents/{doc}/suggestions/{expert['id']}/accept",
                           headers=h, json={"label": "attribution", "end": expert["end"] - 1})
    assert response.status_code == 201
    span = response.get_json()
    assert (span["label"], span["attributes"], span["origin"]) == (
        "attribution", {}, "suggestion:expert-opinion")
    with app.app_context():
        assert db.session.scalar(select(SuggestionDecision.decision)) == "edited"


def test_accept_checks_the_span_as_every_span(app, client, auth, doc):
    h = auth("alice")
    first = _suggestions(client, h, doc)[0]
    url = f"/api/documents/{doc}/suggestions/{first['id']}/accept"
    response = client.post(url, headers=h, json={"end": 10_000})
    assert response.status_code == 422 and response.get_json()["field"] == "end"
    response = client.post(url, headers=h, json={"colour": "red"})
    assert response.status_code == 422
    response = client.post(url, headers=h, data="not json", content_type="application/json")
    assert response.status_code == 400
    assert client.post(f"/api/documents/{doc}/suggestions/0000000000000000/accept",
                       headers=h).status_code == 404
    with app.app_context():
        assert db.session.scalars(select(Annotation)).all() == []
        assert db.session.scalars(select(SuggestionDecision)).all() == []
    # a span already there: the create's 409, naming it
    client.post(url, headers=h)
    again = client.post(url, headers=h)
    assert again.status_code == 409 and "existing" in again.get_json()


def test_reject_is_remembered_per_reviewer(app, client, auth, doc):
    h = auth("alice")
    found = _suggestions(client, h, doc)
    url = f"/api/documents/{doc}/suggestions/{found[2]['id']}/reject"
    assert client.post(url, headers=h).status_code == 204
    assert client.post(url, headers=h).status_code == 204  # again: harmless
    assert [s["id"] for s in _suggestions(client, h, doc)] == [found[0]["id"], found[1]["id"]]
    assert len(_suggestions(client, auth("bob"), doc)) == 3
    with app.app_context():
        rows = db.session.execute(select(SuggestionDecision.decision,
                                         SuggestionDecision.label)).all()
    assert rows == [("rejected", "disclaimer")]
    assert client.post(f"/api/documents/{doc}/suggestions/nope/reject",
                       headers=h).status_code == 404
    assert client.post(f"/api/documents/999/suggestions/{found[0]['id']}/reject",
                       headers=h).status_code == 404


def test_off_by_default_and_login_needed(client, auth, make_project, make_document):
    make_project("other")
    other = make_document("other", PARAGRAPHS)
    assert client.get(f"/api/documents/{other}/suggestions").status_code == 401
    h = auth("alice")
    assert _suggestions(client, h, other) == []  # a new project has suggestions off
    assert client.get("/api/projects/other/suggestions/settings",
                      headers=h).get_json()["enabled"] is False


def test_settings_turn_suggestions_off(client, auth, doc, make_document):
    admin, alice = auth("root", role="admin"), auth("alice")
    url = "/api/projects/news/suggestions/settings"
    state = client.get(url, headers=alice).get_json()
    assert {k: state[k] for k in ("enabled", "unprimed_documents", "rules_off")} == {
        "enabled": True, "unprimed_documents": 0, "rules_off": []}
    assert "quote-cue-after" in state["rules"] and "footnote" in state["rules"]
    assert client.put(url, headers=alice, json={"enabled": False}).status_code == 403
    response = client.put(url, headers=admin, json={"enabled": "no"})
    assert response.status_code == 422 and response.get_json()["field"] == "enabled"
    response = client.put(url, headers=admin, json={"rules_off": ["no-such-rule"]})
    assert response.status_code == 422 and "no-such-rule" in response.get_json()["error"]
    assert client.put(url, headers=admin, json={"enabled": False}).status_code == 200
    assert _suggestions(client, alice, doc) == []
    client.put(url, headers=admin, json={"enabled": True, "rules_off": ["designation"]})
    assert {s["rule"] for s in _suggestions(client, alice, doc)} == {
        "quote-cue-after", "expert-opinion"}


def test_off_for_each_reviewers_first_documents(client, auth, doc, make_document):
    second = make_document("news", ["“We will stay,” the minister said."], title="Two")
    admin, alice = auth("root", role="admin"), auth("alice")
    client.put("/api/projects/news/suggestions/settings", headers=admin,
               json={"unprimed_documents": 1})
    # alice starts with the second document: her first, unprimed
    client.put(f"/api/documents/{second}/paragraphs/0/review", headers=alice)
    assert _suggestions(client, alice, second) == []
    assert len(_suggestions(client, alice, doc)) == 3
    # bob starts with the other one
    bob = auth("bob")
    client.put(f"/api/documents/{doc}/paragraphs/3/review", headers=bob)
    assert _suggestions(client, bob, doc) == []
    assert len(_suggestions(client, bob, second)) == 1
    sid = _suggestions(client, alice, doc)[0]["id"]
    assert client.post(f"/api/documents/{second}/suggestions/{sid}/accept",
                       headers=alice).status_code == 404


def test_evaluation_against_a_reviewer_and_gold(client, auth, doc):
    admin, alice = auth("root", role="admin"), auth("alice")
    found = _suggestions(client, alice, doc)
    client.post(f"/api/documents/{doc}/suggestions/{found[0]['id']}/accept", headers=alice)
    client.post(f"/api/documents/{doc}/suggestions/{found[1]['id']}/reject", headers=alice)
    for index in range(len(PARAGRAPHS)):
        client.put(f"/api/documents/{doc}/paragraphs/{index}/review", headers=alice)
    url = "/api/projects/news/suggestions/evaluation"
    assert client.get(url, headers=alice).status_code == 403
    body = client.get(url + "?against=alice", headers=admin).get_json()
    at30 = body["thresholds"][0]
    assert at30["coverage"] == 0.3
    assert at30["labels"]["attribution"] == {"suggested": 1, "correct": 1, "reference": 1,
                                             "found": 1, "precision": 1.0, "recall": 1.0}
    assert at30["labels"]["expert-opinion"]["precision"] == 0.0
    assert body["decisions"]["quote-cue-after"]["accepted_rate"] == 1.0
    assert body["decisions"]["expert-opinion"]["rejected"] == 1
    assert client.get(url + "?against=nobody", headers=admin).status_code == 404
    # no gold yet: nothing in scope
    assert client.get(url, headers=admin).get_json()["documents"] == 0
    client.put(f"/api/documents/{doc}/gold", headers=admin, json=[
        {"paragraph": 2, "start": PARAGRAPHS[2].index("("), "end": PARAGRAPHS[2].index(")") + 1,
         "label": "disclaimer"}])
    gold = client.get(url, headers=admin).get_json()
    assert gold["documents"] == 1
    assert gold["thresholds"][1]["labels"]["disclaimer"]["recall"] == 1.0


def test_cli_prints_suggestions_and_their_evaluation(app, runner, auth, client, doc):
    result = runner.invoke(args=["suggest", "news"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split("\t")[:6] == [str(doc), "0", "0-74", "attribution",
                                        "quote-cue-after", PARAGRAPHS[0][:-1]]
    result = runner.invoke(args=["suggest", "news", "--format", "jsonl",
                                 "--documents", str(doc)])
    import json

    items = [json.loads(line) for line in result.output.splitlines()]
    assert [i["rule"] for i in items] == ["quote-cue-after", "expert-opinion", "designation"]
    assert items[0]["document_id"] == doc
    alice = auth("alice")
    for index in range(len(PARAGRAPHS)):
        client.put(f"/api/documents/{doc}/paragraphs/{index}/review", headers=alice)
    result = runner.invoke(args=["suggest", "news", "--evaluate", "--against", "alice"])
    assert result.exit_code == 0, result.output
    assert "token coverage 30 %" in result.output and "token coverage 80 %" in result.output
    assert "quote-cue-after (attribution)" in result.output
    result = runner.invoke(args=["suggest", "news", "--evaluate", "--against", "nobody"])
    assert result.exit_code == 1 and "There is no reviewer 'nobody'" in result.output
    result = runner.invoke(args=["suggest", "nowhere"])
    assert result.exit_code == 1
    result = runner.invoke(args=["suggest", "news", "--documents", "x"])
    assert result.exit_code == 1


def test_agreement_split_by_origin(client, auth, doc, runner):
    """The agreement report over the spans accepted from suggestions, or over those made by
    hand: alice accepts the quotation's suggestion, bob tags the same words by hand."""
    admin, alice, bob = auth("root", role="admin"), auth("alice"), auth("bob")
    first = _suggestions(client, alice, doc)[0]
    client.post(f"/api/documents/{doc}/suggestions/{first['id']}/accept", headers=alice)
    client.post(f"/api/documents/{doc}/annotations", headers=bob, json={
        "paragraph": first["paragraph"], "start": first["start"], "end": first["end"],
        "label": "attribution"})
    for h in (alice, bob):
        for index in range(len(PARAGRAPHS)):
            client.put(f"/api/documents/{doc}/paragraphs/{index}/review", headers=h)
    url = "/api/projects/news/agreement"
    whole = client.get(url, headers=admin).get_json()
    assert whole["labels"]["attribution"]["f1_exact"] == 1.0
    assert "origin" not in whole
    by_suggestion = client.get(url + "?origin=suggestion", headers=admin).get_json()
    assert by_suggestion["origin"] == "suggestion"
    assert by_suggestion["reviewers_detail"]["alice"]["spans"] == 1
    assert by_suggestion["reviewers_detail"]["bob"]["spans"] == 0
    assert by_suggestion["labels"]["attribution"]["f1_exact"] == 0.0
    by_hand = client.get(url + "?origin=hand", headers=admin).get_json()
    assert by_hand["reviewers_detail"]["alice"]["spans"] == 0
    assert by_hand["reviewers_detail"]["bob"]["spans"] == 1
    response = client.get(url + "?origin=robot", headers=admin)
    assert response.status_code == 400 and response.get_json()["field"] == "origin"
    result = runner.invoke(args=["agreement", "news", "--format", "json", "--origin", "hand"])
    assert result.exit_code == 0, result.output
    import json

    assert json.loads(result.output)["origin"] == "hand"


def test_decisions_origins_and_settings_move_with_a_dump(tmp_path, databases):  # noqa: F811
    """annotator dump / load carry the suggestion decisions, the spans' origin and the
    project's suggestion settings (INTERFACE.md, "Moving and keeping an instance")."""
    from tests.test_instance import dump_bytes, load

    first = databases("sqlite")
    runner = first.test_cli_runner()
    runner.invoke(args=["create-user", "alice", "--password", "alice-password"])
    runner.invoke(args=["create-project", "news"])
    with first.app_context():
        from annotator.codebook import load_codebook
        from annotator.imports import import_documents, parse_document_object


        project = db.session.scalar(select(Project))
        project.suggestion_settings = {"enabled": True, "unprimed_documents": 0,
                                       "rules_off": ["footnote"]}
        db.session.commit()
        parsed = parse_document_object({"title": "Iraq", "source": "RT",
                                        "paragraphs": PARAGRAPHS},
                                       load_codebook(project.codebook), "t")
        doc = import_documents(project, [parsed]).documents[0]
    token = runner.invoke(args=["create-token", "alice"]).output.strip()
    client = first.test_client()
    h = {"Authorization": f"Bearer {token}"}
    found = _suggestions(client, h, doc)
    client.post(f"/api/documents/{doc}/suggestions/{found[0]['id']}/accept", headers=h,
                json={"client_id": "s-1"})
    client.post(f"/api/documents/{doc}/suggestions/{found[1]['id']}/reject", headers=h)
    lines = dump_bytes(first, tmp_path / "a.gz")
    assert sum('"table":"suggestion_decisions"' in line for line in lines) == 2
    back = databases("sqlite")
    assert load(back, tmp_path / "a.gz").exit_code == 0
    assert dump_bytes(back, tmp_path / "b.gz") == lines
    client = back.test_client()
    spans = client.get(f"/api/documents/{doc}/annotations", headers=h).get_json()
    assert [(s["client_id"], s["origin"]) for s in spans] == [("s-1", "suggestion:quote-cue-after")]
    assert [s["id"] for s in _suggestions(client, h, doc)] == [found[2]["id"]]
    with back.app_context():
        assert db.session.scalar(select(Project.suggestion_settings))["rules_off"] == ["footnote"]
