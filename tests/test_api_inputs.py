"""Input that used to answer 500 (issue #10, item 8) answers a 4xx naming the field, on both
engines, and stores nothing: lone surrogates and NUL characters in text, JSON nested too deep,
ids beyond the INTEGER range, NUL in addresses, query parameters and form fields."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from annotator.errors import Invalid
from annotator.extensions import db
from annotator.inputs import MAX_DEPTH, loads
from annotator.models import Annotation, GoldSpan, Project
from annotator.spans import clean_client_id, clean_note

pytestmark = pytest.mark.both_engines

HUGE = "99999999999999999999"
SPAN = {"paragraph": 0, "start": 0, "end": 5, "label": "attribution"}


@pytest.fixture
def doc(make_project, make_document):
    make_project("news")
    return make_document("news", ["Officials said the troops left.", "Second one."])


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _send(client, method, path, raw: str, headers):
    return client.open(path, method=method, data=raw.encode("utf-8"),
                       content_type="application/json", headers=headers)


# --- text that no database stores ------------------------------------------------------------

@pytest.mark.parametrize("fields, field, fault", [
    ({"note": "\ud800"}, "note", "lone surrogate (\\ud800)"),
    ({"client_id": "\udfff-1"}, "client_id", "lone surrogate (\\udfff)"),
    ({"client_id": "a\x00b"}, "client_id", "NUL character"),  # SQLite used to store it
    ({"attributes": {"source": "x\ud83d"}}, "attributes.source", "lone surrogate (\\ud83d)"),
    ({"note": "a\x00b"}, "note", "NUL character"),
])
def test_span_text_that_cannot_be_stored_is_refused(app, client, auth, doc, fields, field,
                                                    fault):
    h = auth("alice", role="admin")
    raw = json.dumps({**SPAN, **fields})  # ensure_ascii: "\\ud800" in the JSON text
    response = _send(client, "POST", f"/api/documents/{doc}/annotations", raw, h)
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["field"] == field and fault in body["error"] and field in body["error"]
    for method, path, payload in [
        ("POST", f"/api/documents/{doc}/gold/spans", {**SPAN, **fields}),
        ("PUT", f"/api/documents/{doc}/gold", [{**SPAN, **fields}]),
    ]:
        if "client_id" in fields:
            continue
        response = _send(client, method, path, json.dumps(payload), h)
        assert response.status_code == 422, (path, response.get_json())
        assert fault in response.get_json()["error"]
    assert _count(app, Annotation) == _count(app, GoldSpan) == 0


def test_patch_with_a_lone_surrogate_changes_nothing(app, client, auth, doc):
    h = auth("alice")
    span = client.post(f"/api/documents/{doc}/annotations", json={**SPAN, "note": "kept"},
                       headers=h).get_json()
    response = _send(client, "PATCH", f"/api/annotations/{span['id']}",
                     '{"note": "\\ud800 and more"}', h)
    assert response.status_code == 422
    assert response.get_json() == {
        "error": "note contains a lone surrogate (\\ud800), which is not Unicode text and "
                 "cannot be stored.", "field": "note"}
    listed = client.get(f"/api/documents/{doc}/annotations", headers=h).get_json()
    assert [s["note"] for s in listed] == ["kept"]


def test_a_surrogate_pair_is_text(client, auth, doc):
    """Escaped as a pair, an astral character is fine; only a lone half is refused."""
    h = auth("alice")
    raw = json.dumps({**SPAN, "note": "🙂 ok", "client_id": "c-🙂"})
    assert "\\ud83d\\ude42" in raw
    response = _send(client, "POST", f"/api/documents/{doc}/annotations", raw, h)
    assert response.status_code == 201
    assert response.get_json()["note"] == "🙂 ok"


def test_a_field_name_that_cannot_be_stored(client, auth, doc):
    response = _send(client, "POST", f"/api/documents/{doc}/annotations",
                     '{"attributes": {"\\u0000": 1}}', auth("alice"))
    assert response.status_code == 422
    assert response.get_json() == {
        "error": "A field name in attributes contains a NUL character, which cannot be stored.",
        "field": "attributes"}


def test_domain_checks_refuse_what_the_api_would(app):
    """The span checks hold the same rule for callers other than the API (imports)."""
    for bad in ("a\x00", "\ud800"):
        with pytest.raises(Invalid) as caught:
            clean_client_id(bad)
        assert caught.value.field == "client_id"
        with pytest.raises(Invalid):
            clean_note(bad)


# --- JSON nested too deep --------------------------------------------------------------------

@pytest.mark.parametrize("raw", [
    "[" * 100_000 + "]" * 100_000,
    '{"a":' * 100_000 + "1" + "}" * 100_000,
    "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1),
])
def test_json_nested_too_deep_is_400(app, client, auth, doc, raw):
    h = auth("alice", role="admin")
    for method, path in [("POST", f"/api/documents/{doc}/annotations"),
                         ("PUT", f"/api/documents/{doc}/gold"),
                         ("PATCH", "/api/annotations/1"),
                         ("POST", f"/api/documents/{doc}/gold/accept")]:
        response = _send(client, method, path, raw, h)
        assert response.status_code == 400, (path, response.status_code)
        assert response.get_json() == {
            "error": f"The JSON is nested more than {MAX_DEPTH} levels deep."}
    assert _count(app, Annotation) == 0


def test_json_at_the_depth_limit_is_read():
    value = loads("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    for _ in range(MAX_DEPTH - 1):
        value = value[0]
    assert value == []


def test_not_json_is_still_400(client, auth, doc):
    for raw in ["{", "\x00", '{"note": "\x01"}']:
        response = _send(client, "POST", f"/api/documents/{doc}/annotations", raw,
                         auth("alice"))
        assert response.status_code == 400
        assert response.get_json() == {"error": "The request body is not valid JSON."}


# --- ids beyond the INTEGER range ------------------------------------------------------------

def test_ids_beyond_the_integer_range_are_404(client, auth, doc):
    h = auth("alice", role="admin")
    for method, path, message in [
        ("GET", f"/api/documents/{HUGE}", f"There is no document {HUGE}."),
        ("GET", f"/api/documents/{HUGE}/annotations", f"There is no document {HUGE}."),
        ("POST", f"/api/documents/{HUGE}/submit", f"There is no document {HUGE}."),
        ("GET", f"/api/documents/{HUGE}/gold", f"There is no document {HUGE}."),
        ("PATCH", f"/api/annotations/{HUGE}", f"There is no span {HUGE}."),
        ("DELETE", f"/api/annotations/{HUGE}", f"There is no span {HUGE}."),
        ("PATCH", f"/api/gold/{HUGE}", f"There is no gold span {HUGE}."),
        ("DELETE", f"/api/gold/{HUGE}", f"There is no gold span {HUGE}."),
    ]:
        response = client.open(path, method=method, json={}, headers=h)
        assert response.status_code == 404, (path, response.get_json())
        assert response.get_json() == {"error": message}
    # the page of a document, too
    assert client.get(f"/documents/{HUGE}/annotate", headers=h).status_code in (302, 404)


def test_huge_ids_in_bodies_and_queries(client, auth, doc):
    h = auth("alice", role="admin")
    response = client.post(f"/api/documents/{doc}/gold/accept",
                           json={"annotation_id": int(HUGE)}, headers=h)
    assert response.status_code == 404
    assert response.get_json() == {"error": f"There is no span {HUGE} in document {doc}."}
    for path in ["/api/projects/news/agreement", "/api/projects/news/export"]:
        for value in [HUGE, "0", "-1", "1,x"]:
            response = client.get(f"{path}?documents={value}", headers=h)
            assert response.status_code == 400, (path, value)
            assert response.get_json() == {
                "error": "documents must be a comma-separated list of document ids.",
                "field": "documents"}


# --- NUL in the address, the query and forms -------------------------------------------------

def test_nul_in_the_address_or_the_query(client, auth, doc):
    h = auth("alice", role="admin")
    for path in ["/api/projects/%00", "/api/projects/news%00/agreement",
                 "/api/projects/%00/export"]:
        response = client.get(path, headers=h)
        assert response.status_code == 404
        assert "NUL" in response.get_json()["error"]
    for path in [f"/api/documents/{doc}/annotations?reviewer=%00",
                 "/api/projects/news/export?reviewers=bob%00",
                 "/api/projects/news/agreement?reviewers=%00"]:
        response = client.get(path, headers=h)
        assert response.status_code == 400, path
        assert "contains a NUL character" in response.get_json()["error"]


def test_nul_in_a_page_address_or_form(app, client, make_user):
    from tests.test_admin_pages import login, post, text

    make_user("root", role="admin")
    login(client, "root")
    assert client.get("/projects/%00/agreement").status_code == 404
    response = post(client, "/admin/projects/new", {
        "slug": "spin", "name": "a\x00b", "mode": "blind", "codebook_source": "default"})
    assert response.status_code == 400
    assert "The form field 'name' contains a NUL character" in text(response)
    assert _count(app, Project) == 0
