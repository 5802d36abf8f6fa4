"""Concurrent creates with one client_id: one span is stored, and every request is answered
with it (a retry that overtakes the original request must not make a second span, nor fail)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from annotator import annotations
from annotator.extensions import db
from annotator.models import Annotation, DocumentReview

pytestmark = pytest.mark.both_engines

PARAGRAPHS = ["Officials said the troops left the country quickly.", "A second paragraph."]


@pytest.fixture
def doc(make_project, make_document):
    make_project("news")
    return make_document("news", PARAGRAPHS)


def _span(client_id: str, label: str = "framing", start: int = 0) -> dict:
    return {"paragraph": 0, "start": start, "end": start + 9, "label": label,
            "client_id": client_id}


def _post_at_once(app, headers: dict, path: str, bodies: list[dict]) -> list[tuple[int, dict]]:
    """POST every body from its own thread and test client, released together."""
    start = threading.Barrier(len(bodies))
    results: list = [None] * len(bodies)

    def post(i: int) -> None:
        client = app.test_client()
        start.wait(timeout=10)
        response = client.post(path, json=bodies[i], headers=headers)
        results[i] = (response.status_code, response.get_json())

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a request hung"
    return results


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_same_client_id_checked_together_stores_one_span(app, auth, doc, monkeypatch):
    # Both requests pass every check before either inserts: the insert alone must decide.
    checked = threading.Barrier(2)
    new_span = annotations._new_span

    def new_span_then_wait(*args, **kwargs):
        values = new_span(*args, **kwargs)
        checked.wait(timeout=10)
        return values

    monkeypatch.setattr(annotations, "_new_span", new_span_then_wait)
    path = f"/api/documents/{doc}/annotations"
    # The twin says something else: it still gets the span stored first.
    results = _post_at_once(app, auth("alice"), path,
                            [_span("twin-1"), _span("twin-1", label="attribution")])
    assert sorted(status for status, _ in results) == [200, 201], results
    first, second = (body for _, body in results)
    assert first == second
    assert first["client_id"] == "twin-1" and first["reviewer"] == "alice"
    assert _count(app, Annotation) == 1
    with app.app_context():
        assert db.session.scalars(select(DocumentReview.status)).all() == ["in_progress"]


def test_many_races_of_one_client_id(app, auth, doc):
    headers = auth("alice")
    path = f"/api/documents/{doc}/annotations"
    for i in range(8):
        # each race at its own place: an equal span under another client_id is a 409
        results = _post_at_once(app, headers, path, [_span(f"race-{i}", start=i)] * 2)
        assert sorted(status for status, _ in results) == [200, 201], results
        assert results[0][1] == results[1][1]
    assert _count(app, Annotation) == 8
    # A later retry still gets its span.
    again = app.test_client().post(path, json=_span("race-3", start=3), headers=headers)
    assert again.status_code == 200 and again.get_json()["client_id"] == "race-3"
    assert _count(app, Annotation) == 8
