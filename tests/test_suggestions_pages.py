"""The project page's suggestions section (admins): the settings form, the evaluation against
gold once there is gold, the decisions per rule."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from annotator.extensions import db
from annotator.models import Project
from tests.test_admin_pages import PASSWORD, login, post, text
from tests.test_suggestions_api import PARAGRAPHS

pytestmark = pytest.mark.both_engines


@pytest.fixture
def setup(app, make_user, make_project, make_document):
    make_user("root", role="admin", password=PASSWORD)
    make_user("alice", password=PASSWORD)
    make_project("news")
    return make_document("news", PARAGRAPHS, title="Iraq", source="RT")


def settings(app):
    with app.app_context():
        return db.session.scalar(select(Project.suggestion_settings))


def test_settings_form_on_the_project_page(app, client, setup):
    login(client, "root")
    page = text(client.get("/projects/news"))
    assert 'id="suggestions"' in page and "They are off in this project" in page
    assert "Once documents have gold" in page
    response = post(client, "/projects/news/suggestions",
                    {"enabled": "y", "unprimed_documents": "2", "rules_off": ["designation"]})
    assert response.status_code == 302
    assert settings(app) == {"enabled": True, "unprimed_documents": 2,
                             "rules_off": ["designation"]}
    page = text(client.get("/projects/news"))
    assert "off for each reviewer's first 2 documents" in page
    assert 'value="designation" checked' in page
    # a bad number: refused with the reason, nothing changed
    response = post(client, "/projects/news/suggestions",
                    {"enabled": "y", "unprimed_documents": "²"}, follow_redirects=True)
    assert "Enter a whole number of documents" in text(response)
    assert settings(app)["unprimed_documents"] == 2
    response = post(client, "/projects/news/suggestions", {"rules_off": ["no-such-rule"]},
                    follow_redirects=True)
    assert "not a valid choice" in text(response).lower()
    assert settings(app)["rules_off"] == ["designation"]
    # without the CSRF token: refused
    assert client.post("/projects/news/suggestions", data={"enabled": "y"}).status_code == 400


def test_reviewers_see_no_section_and_cannot_post(app, client, setup):
    login(client, "alice")
    assert 'id="suggestions"' not in text(client.get("/projects/news"))
    assert post(client, "/projects/news/suggestions", {"enabled": "y"}).status_code == 403
    assert settings(app) == {}


def test_evaluation_table_once_gold_exists_and_decisions(app, client, auth, setup):
    doc = setup
    admin = auth("boss", role="admin")
    client.put("/api/projects/news/suggestions/settings", headers=admin, json={"enabled": True})
    alice = auth("alice")
    found = client.get(f"/api/documents/{doc}/suggestions", headers=alice).get_json()
    client.post(f"/api/documents/{doc}/suggestions/{found[0]['id']}/accept", headers=alice)
    client.post(f"/api/documents/{doc}/suggestions/{found[2]['id']}/reject", headers=alice)
    client.put(f"/api/documents/{doc}/gold", headers=admin, json=[
        {"paragraph": found[0]["paragraph"], "start": found[0]["start"],
         "end": found[0]["end"], "label": "attribution"}])
    login(client, "root")
    page = text(client.get("/projects/news"))
    assert "Measured against gold" in page
    assert "Precision 30 %" in page and "Recall 80 %" in page
    assert "<code>quote-cue-after</code>" in page
    assert "What reviewers decided" in page
    assert "1 <span class=\"muted\">(100 %)</span>" in page
