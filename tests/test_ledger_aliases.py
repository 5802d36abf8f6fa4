"""The project's alias table: the API (admins), its rules, the candidate merges, the admin
page's merge and split; every figure follows."""

from __future__ import annotations

import pytest

from tests.helpers import logout
from tests.test_ledger import PARAGRAPHS, _with_text, attribution, expert
from tests.test_security import login

ANSWERS = {"primary_frame": "political"}


def _review(name, spans):
    return {"reviewer": name, "status": "submitted", "answers": ANSWERS,
            "annotations": _with_text(spans)}


@pytest.fixture
def names(app, make_project, make_document):
    make_project("news")
    make_document("news", PARAGRAPHS, title="One", reviews=[_review("alice", [
        attribution(0, 0, 20, "Prime Minister Mustafa al-Kazimi", source_type="official"),
        attribution(1, 0, 9, "Joe Biden", source_type="official")])])
    make_document("news", [p + "!" for p in PARAGRAPHS], title="Two", reviews=[_review(
        "alice", [attribution(0, 0, 20, "Mustafa al-Kazimi", source_type="official"),
                  attribution(1, 0, 9, "Biden Joe", source_type="official"),
                  expert(2, 0, 18, "Blokhin", stance="neutral")])])
    make_document("news", [p + "?" for p in PARAGRAPHS], title="Three", reviews=[_review(
        "alice", [expert(2, 0, 18, "Konstantin Blokhin", stance="neutral")])])


def test_the_alias_table_through_the_api(client, auth, names):
    admin = auth("root", role="admin")
    url = "/api/projects/news/ledger/aliases"
    assert client.get(url, headers=admin).get_json() == {}
    before = client.get("/api/projects/news/ledger?spans=alice", headers=admin).get_json()
    assert before["totals"]["sources"] == 6
    stored = client.put(url, headers=admin, json={
        "Mustafa al-Kazimi": "Prime  Minister Mustafa al-Kazimi", "BIDEN JOE": "joe biden"})
    assert stored.status_code == 200
    assert stored.get_json() == {"mustafa al-kazimi": "prime minister mustafa al-kazimi",
                                 "biden joe": "joe biden"}
    after = client.get("/api/projects/news/ledger?spans=alice&top=0", headers=admin).get_json()
    top = {s["key"]: s for s in after["top_sources"]}
    assert top["prime minister mustafa al-kazimi"]["documents"] == 2
    assert top["joe biden"]["documents"] == 2
    # a reviewer reads the table, never writes it
    assert client.get(url, headers=auth("alice")).status_code == 200
    assert client.put(url, headers=auth("alice"), json={}).status_code == 403
    # the rules: no alias of itself, no circle, text only
    assert client.put(url, headers=admin, json={"The Kremlin": "kremlin"}).status_code == 422
    circle = client.put(url, headers=admin, json={"a": "b", "b": "a"})
    assert circle.status_code == 422 and "circle" in circle.get_json()["error"]
    assert client.put(url, headers=admin, json={"a": 1}).status_code == 422
    assert client.put(url, headers=admin, json=["a"]).status_code == 422
    assert client.get(url, headers=admin).get_json()["biden joe"] == "joe biden"  # unchanged
    assert client.put(url, headers=admin, json={}).get_json() == {}


def test_candidate_merges(app, names):
    from annotator.ledger.aliases import candidates, merge
    from annotator.projects import find_project

    with app.app_context():
        project = find_project("news")
        found = {(c["alias"], c["canonical"]): c["kind"] for c in candidates(project)}
        assert found[("mustafa al-kazimi", "prime minister mustafa al-kazimi")] == "title"
        assert ("biden joe", "joe biden") in found or ("joe biden", "biden joe") in found
        assert found[("blokhin", "konstantin blokhin")] == "contained"
        merge(project, "Blokhin", "Konstantin Blokhin", None)
        again = {(c["alias"], c["canonical"]) for c in candidates(project)}
        assert ("blokhin", "konstantin blokhin") not in again  # one source now


def test_the_admin_page_merges_and_splits(client, make_user, names):
    make_user("root", role="admin")
    login(client, "root")
    page = client.get("/projects/news/ledger/aliases").get_data(as_text=True)
    assert 'data-candidate="blokhin|konstantin blokhin"' in page
    token = client.csrf_token
    done = client.post("/projects/news/ledger/aliases", data={
        "csrf_token": token, "alias": "blokhin", "canonical": "konstantin blokhin"},
        follow_redirects=True).get_data(as_text=True)
    assert 'data-alias="blokhin"' in done
    ledger = client.get("/projects/news/ledger?spans=alice").get_data(as_text=True)
    assert 'data-source-key="konstantin blokhin"' in ledger
    split = client.post("/projects/news/ledger/aliases", data={
        "csrf_token": token, "alias": "blokhin", "action": "split"},
        follow_redirects=True).get_data(as_text=True)
    assert 'data-alias="blokhin"' not in split
    refused = client.post("/projects/news/ledger/aliases", data={
        "csrf_token": token, "alias": "x", "canonical": "X"}, follow_redirects=True)
    assert "alias of itself" in refused.get_data(as_text=True)
    make_user("alice2")
    logout(client)
    login(client, "alice2")
    assert client.get("/projects/news/ledger/aliases").status_code == 403
