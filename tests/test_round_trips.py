"""The hot reads of the API in few statements, and what that must not change: the access rule
for another reviewer's spans, and a pooled PostgreSQL connection that the server closed."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.pool import NullPool

from annotator.extensions import db
from tests.test_api import ANSWERS

pytestmark = pytest.mark.both_engines

PARAGRAPHS = ["Officials said the troops left.", "Second paragraph here."]


def _span(paragraph: int, start: int, end: int, client_id: str) -> dict:
    return {"paragraph": paragraph, "start": start, "end": end, "label": "framing",
            "client_id": client_id}


def _submit(client, document: int, headers: dict) -> None:
    client.put(f"/api/documents/{document}/answers", json=ANSWERS, headers=headers)
    assert client.post(f"/api/documents/{document}/submit", headers=headers).status_code == 200


class Statements:
    """The statements the app's engine runs while counting (``with counted:``)."""

    def __init__(self, app):
        self.app, self.seen = app, []

    def __enter__(self):
        with self.app.app_context():
            self.engine = db.engine
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, *args):
        self.seen.append(statement)


def test_the_hot_reads_are_two_statements_each(app, client, auth, make_project,
                                               make_document):
    make_project("open", blind=False)
    doc = make_document("open", PARAGRAPHS)
    alice, bob = auth("alice"), auth("bob")
    client.post(f"/api/documents/{doc}/annotations", json=_span(0, 0, 9, "a"), headers=alice)
    _submit(client, doc, bob)
    for path, headers in ((f"/api/documents/{doc}", alice),
                          (f"/api/documents/{doc}/annotations", alice),
                          (f"/api/documents/{doc}/annotations?reviewer=ALICE", bob)):
        client.get(path, headers=headers)  # the token's use recorded (once a minute)
        with Statements(app) as counted:
            response = client.get(path, headers=headers)
        assert response.status_code == 200, response.get_json()
        # the caller (by the token), then the document or the spans with their access facts
        assert len(counted.seen) == 2, counted.seen


def test_another_reviewers_spans_follow_the_access_rule(app, client, auth, make_project,
                                                        make_document):
    make_project("open", blind=False)
    make_project("blind", blind=True)
    doc = make_document("open", PARAGRAPHS)
    hidden = make_document("blind", PARAGRAPHS)
    alice, bob, boss = auth("alice"), auth("bob"), auth("boss", role="admin")
    for document in (doc, hidden):
        client.post(f"/api/documents/{document}/annotations",
                    json=_span(0, 0, 9, f"a{document}"), headers=alice)
        client.post(f"/api/documents/{document}/annotations",
                    json=_span(1, 7, 16, f"b{document}"), headers=alice)

    def get(document, reviewer, headers):
        return client.get(f"/api/documents/{document}/annotations?reviewer={reviewer}",
                          headers=headers)

    # no such document: 404 before anything else
    r = get(9999, "alice", bob)
    assert r.status_code == 404 and r.get_json()["error"] == "There is no document 9999."
    # blind project: 403; open project before submitting: 403
    r = get(hidden, "alice", bob)
    assert r.status_code == 403 and "blind" in r.get_json()["error"]
    r = get(doc, "nobody", bob)
    assert r.status_code == 403 and "Submit your own work" in r.get_json()["error"]
    _submit(client, doc, bob)
    # then: the spans, in order, with their text and their reviewer's own name
    spans = get(doc, "Alice", bob).get_json()
    assert [(s["paragraph"], s["text"], s["reviewer"]) for s in spans] == [
        (0, "Officials", "alice"), (1, "paragraph", "alice")]
    assert spans == client.get(f"/api/documents/{doc}/annotations", headers=alice).get_json()
    # an unknown reviewer is 404 once the caller may see others; one without spans is []
    r = get(doc, "nobody", bob)
    assert r.status_code == 404 and r.get_json()["error"] == "There is no reviewer 'nobody'."
    auth("carol")
    assert get(doc, "carol", bob).get_json() == []
    # admins see everyone's, in blind projects too
    assert [s["text"] for s in get(hidden, "alice", boss).get_json()] == ["Officials",
                                                                          "paragraph"]
    assert get(hidden, "nobody", boss).status_code == 404


@pytest.mark.postgresql_only  # a PostgreSQL server closing a pooled connection
def test_a_connection_the_server_closed_is_replaced_without_a_failed_request(
        app, client, auth, make_project, make_document, engine_name):
    make_project("news")
    doc = make_document("news", PARAGRAPHS)
    alice = auth("alice")
    assert client.get(f"/api/documents/{doc}", headers=alice).status_code == 200
    with app.app_context():
        pooled = db.engine.pool.checkedin()
        url = db.engine.url
    assert pooled >= 1
    # the server ends every session of this database (as a restart would), from outside
    outside = create_engine(url, poolclass=NullPool)
    with outside.begin() as conn:
        ended = conn.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    outside.dispose()
    assert ended >= pooled
    time.sleep(0.2)  # the ended sessions' last words reach their sockets
    for _ in range(3):
        r = client.get(f"/api/documents/{doc}", headers=alice)
        assert r.status_code == 200, r.get_json()
        r = client.post(f"/api/documents/{doc}/annotations", json=_span(0, 0, 9, "x"),
                        headers=alice)
        assert r.status_code in (200, 201), r.get_json()
