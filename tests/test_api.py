"""The JSON API with bearer tokens: spans, reviews, submission, gold; errors change nothing."""

import pytest
from sqlalchemy import func, select

from annotator.extensions import db
from annotator.models import Annotation, DocumentReview, GoldSpan, ParagraphReview

# the default codebook's required article-level question, answered before a submission
ANSWERS = {"primary_frame": "political"}

pytestmark = pytest.mark.both_engines

PARAGRAPHS = [
    "Officials said 🙂 the troops left the country quickly.",
    "𝔘nicode café: e\u0301 and עברית text, then 👩‍👩‍👧 family.",
    "A third paragraph with <script>alert(1)</script> in it.",
]


@pytest.fixture
def doc(make_project, make_document):
    make_project("news")
    return make_document("news", PARAGRAPHS, title="Troops <b>leave</b>")


def _span(paragraph, needle, label="framing", **extra):
    text = PARAGRAPHS[paragraph]
    start = text.index(needle)
    return {"paragraph": paragraph, "start": start, "end": start + len(needle), "label": label,
            **extra}


def _count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_projects_and_documents(client, auth, doc):
    h = auth("alice")
    projects = client.get("/api/projects", headers=h).get_json()
    assert projects == [{"slug": "news", "name": "news", "documents": 1,
                         "labels": ["framing", "attribution", "expert-opinion", "disclaimer"],
                         "blind": True, "reviewers_per_document": None}]
    project = client.get("/api/projects/news", headers=h).get_json()
    assert project["codebook"]["labels"][0]["key"] == "framing"
    docs = client.get("/api/projects/news/documents", headers=h).get_json()
    assert [(d["id"], d["paragraphs"], d["status"]) for d in docs] == [(doc, 3, "not_started")]
    body = client.get(f"/api/documents/{doc}", headers=h).get_json()
    assert body["title"] == "Troops <b>leave</b>"
    assert body["paragraphs"] == [{"index": i, "text": t} for i, t in enumerate(PARAGRAPHS)]
    assert client.get("/api/projects/nope", headers=h).status_code == 404
    assert client.get("/api/documents/999", headers=h).get_json() == \
        {"error": "There is no document 999."}


def test_spans_after_astral_characters_round_trip(client, auth, doc):
    h = auth("alice")
    for paragraph, needle in [(0, "the troops"), (1, "𝔘nicode"), (1, "e\u0301 and"),
                              (1, "עברית"), (1, "family"), (0, "🙂")]:
        payload = _span(paragraph, needle, client_id=f"c-{paragraph}-{needle}")
        r = client.post(f"/api/documents/{doc}/annotations", json=payload, headers=h)
        assert r.status_code == 201, r.get_json()
        body = r.get_json()
        assert body["text"] == needle
        assert body["text"] == PARAGRAPHS[paragraph][body["start"]:body["end"]]
        assert body["reviewer"] == "alice" and body["client_id"] == payload["client_id"]
    listed = client.get(f"/api/documents/{doc}/annotations", headers=h).get_json()
    assert sorted(s["text"] for s in listed) == sorted(
        ["the troops", "𝔘nicode", "e\u0301 and", "עברית", "family", "🙂"])
    # "family" sits after a 5-code-point ZWJ emoji sequence: code points, not UTF-16 units.
    fam = next(s for s in listed if s["text"] == "family")
    assert fam["start"] == PARAGRAPHS[1].index("family")


def test_client_id_makes_create_idempotent(app, client, auth, doc):
    h = auth("alice")
    payload = _span(0, "Officials said", "attribution", client_id="abc-1",
                    attributes={"source_type": "official"})
    first = client.post(f"/api/documents/{doc}/annotations", json=payload, headers=h)
    again = client.post(f"/api/documents/{doc}/annotations", json=payload, headers=h)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert _count(app, Annotation) == 1
    # Another reviewer may use the same client_id.
    other = client.post(f"/api/documents/{doc}/annotations", json=payload, headers=auth("bob"))
    assert other.status_code == 201
    assert _count(app, Annotation) == 2


def test_a_deleted_spans_client_id_stays_taken(app, client, auth, doc):
    """A late retry of a create whose span was deleted meanwhile is answered 410: the span
    does not come back."""
    h = auth("alice")
    url = f"/api/documents/{doc}/annotations"
    payload = _span(0, "Officials said", client_id="late-1")
    span = client.post(url, json=payload, headers=h).get_json()
    assert client.delete(f"/api/annotations/{span['id']}", headers=h).status_code == 204
    late = client.post(url, json=payload, headers=h)
    assert late.status_code == 410 and "late-1" in late.get_json()["error"]
    assert late.get_json()["field"] == "client_id"
    # whatever else the retry says
    late = client.post(url, json=_span(1, "family", client_id="late-1"), headers=h)
    assert late.status_code == 410
    assert _count(app, Annotation) == 0
    # the same place under a new client_id is a new span; bob's late-1 is his own
    assert client.post(url, json={**payload, "client_id": "late-2"}, headers=h
                       ).status_code == 201
    assert client.post(url, json=payload, headers=auth("bob")).status_code == 201


def test_an_equal_span_is_refused_with_the_existing_id(app, client, auth, doc):
    h = auth("alice")
    url = f"/api/documents/{doc}/annotations"
    first = client.post(url, json=_span(0, "Officials said", client_id="a-1"), headers=h)
    assert first.status_code == 201
    twin = client.post(url, json=_span(0, "Officials said", client_id="a-2"), headers=h)
    assert twin.status_code == 409
    assert twin.get_json()["existing"] == first.get_json()["id"]
    assert "already" in twin.get_json()["error"]
    assert client.post(url, json=_span(0, "Officials said"), headers=h).status_code == 409
    # a retry of the first create still gets its span; another label is another span
    assert client.post(url, json=_span(0, "Officials said", client_id="a-1"), headers=h
                       ).status_code == 200
    assert client.post(url, json=_span(0, "Officials said", "attribution"), headers=h
                       ).status_code == 201
    assert _count(app, Annotation) == 2


def test_change_and_delete_own_span_not_anothers(app, client, auth, doc):
    alice, bob = auth("alice"), auth("bob")
    span = client.post(f"/api/documents/{doc}/annotations",
                       json=_span(0, "troops", "attribution"), headers=alice).get_json()
    url = f"/api/annotations/{span['id']}"
    r = client.patch(url, json={"label": "framing", "attributes": {"valence": "negative"},
                                "note": "loaded", "end": span["end"] + 5}, headers=alice)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert (body["label"], body["attributes"], body["note"], body["text"]) == \
        ("framing", {"valence": "negative"}, "loaded", "troops left")
    # Bob cannot see alice's span in a blind project: it does not exist for him.
    assert client.patch(url, json={"note": "mine"}, headers=bob).status_code == 404
    assert client.delete(url, headers=bob).status_code == 404
    with app.app_context():
        assert db.session.get(Annotation, span["id"]).note == "loaded"
    assert client.delete(url, headers=alice).status_code == 204
    assert client.delete(url, headers=alice).status_code == 404
    assert _count(app, Annotation) == 0


def test_open_project_others_can_read_but_not_change(app, client, auth, make_project,
                                                     make_document):
    make_project("open", blind=False)
    doc = make_document("open", PARAGRAPHS)
    alice, bob = auth("alice"), auth("bob")
    span = client.post(f"/api/documents/{doc}/annotations",
                       json=_span(0, "troops"), headers=alice).get_json()
    # Calibration: bob sees the others' spans once he has submitted his own work.
    early = client.get(f"/api/documents/{doc}/annotations?reviewer=alice", headers=bob)
    assert early.status_code == 403 and "Submit your own work" in early.get_json()["error"]
    client.put(f"/api/documents/{doc}/answers", json=ANSWERS, headers=bob)
    client.post(f"/api/documents/{doc}/submit", headers=bob)
    seen = client.get(f"/api/documents/{doc}/annotations?reviewer=alice", headers=bob)
    assert [s["id"] for s in seen.get_json()] == [span["id"]]
    r = client.patch(f"/api/annotations/{span['id']}", json={"note": "x"}, headers=bob)
    assert r.status_code == 403
    assert r.get_json() == {"error": "You can change only your own spans."}
    assert client.delete(f"/api/annotations/{span['id']}", headers=bob).status_code == 403


def test_blind_project_hides_others_spans_admin_sees(client, auth, doc):
    alice, bob = auth("alice"), auth("bob")
    client.post(f"/api/documents/{doc}/annotations", json=_span(0, "troops"), headers=alice)
    r = client.get(f"/api/documents/{doc}/annotations?reviewer=alice", headers=bob)
    assert r.status_code == 403 and "blind" in r.get_json()["error"]
    assert client.get(f"/api/documents/{doc}/annotations", headers=bob).get_json() == []
    admin = auth("boss", role="admin")
    seen = client.get(f"/api/documents/{doc}/annotations?reviewer=alice", headers=admin)
    assert [s["text"] for s in seen.get_json()] == ["troops"]


@pytest.mark.parametrize("payload, status, field, message", [
    ({"paragraph": 0, "start": 5, "end": 5, "label": "framing"}, 422, "end", "after start"),
    ({"paragraph": 0, "start": -1, "end": 5, "label": "framing"}, 422, "start", "outside"),
    ({"paragraph": 0, "start": 0, "end": 999, "label": "framing"}, 422, "end", "code points"),
    ({"paragraph": 7, "start": 0, "end": 1, "label": "framing"}, 422, "paragraph",
     "does not exist"),
    ({"paragraph": 0, "start": 0, "end": 3, "label": "bias"}, 422, "label", "unknown label"),
    ({"paragraph": 0, "start": 0, "end": 3, "label": "framing",
      "attributes": {"valence": "angry"}}, 422, "attributes.valence", "must be one of"),
    ({"paragraph": 0, "start": 0, "end": 3, "label": "framing",
      "attributes": {"source": "x"}}, 422, "attributes.source", "no attribute"),
    ({"paragraph": 0, "start": 0, "end": 3, "label": "framing", "attributes": []}, 422,
     "attributes", "must be an object"),
    ({"paragraph": "0", "start": 0, "end": 3, "label": "framing"}, 422, "paragraph",
     "whole number"),
    ({"paragraph": 0, "start": 0.5, "end": 3, "label": "framing"}, 422, "start", "whole number"),
    ({"start": 0, "end": 3, "label": "framing"}, 422, "paragraph", "required"),
    ({"paragraph": 0, "start": 0, "end": 3, "label": "framing", "colour": 1}, 422, "colour",
     "Unknown field"),
    ({"paragraph": 0, "start": 0, "end": 3, "label": "framing", "note": 5}, 422, "note",
     "text"),
    ({"paragraph": 0, "start": 0, "end": 3, "label": "framing", "client_id": ""}, 422,
     "client_id", "client_id"),
    ([1, 2], 400, None, "JSON object"),
    ({"paragraph": 0, "start": 0, "end": 3, "label": "framing", "note": "a\x00b"}, 422, "note",
     "NUL"),
    ({"paragraph": 0, "start": 0, "end": 3, "label": "framing",
      "attributes": {"target": "US\x00"}}, 422, "attributes.target", "NUL"),
])
def test_invalid_spans_refused_with_json_error(app, client, auth, doc, payload, status, field,
                                               message):
    r = client.post(f"/api/documents/{doc}/annotations", json=payload, headers=auth())
    assert r.status_code == status
    body = r.get_json()
    assert message in body["error"]
    assert body.get("field") == field
    assert _count(app, Annotation) == 0
    assert _count(app, DocumentReview) == 0


def test_malformed_bodies(app, client, auth, doc):
    h = auth()
    url = f"/api/documents/{doc}/annotations"
    r = client.post(url, data="{not json", headers={**h, "Content-Type": "application/json"})
    assert r.status_code == 400 and r.get_json() == {"error": "The request body is not valid JSON."}
    r = client.post(url, data="paragraph=0", headers=h)
    assert r.status_code == 400 and "Content-Type: application/json" in r.get_json()["error"]
    r = client.put(f"/api/documents/{doc}/annotations", json={}, headers=h)
    assert r.status_code == 405 and "error" in r.get_json()
    assert client.get("/api/nothing-here", headers=h).get_json() == \
        {"error": "There is nothing at this address."}
    assert _count(app, Annotation) == 0


def test_paragraph_review_and_submit(app, client, auth, doc):
    h = auth("alice")
    assert client.get(f"/api/documents/{doc}/review", headers=h).get_json() == \
        {"status": "not_started", "reviewed_paragraphs": []}
    r = client.put(f"/api/documents/{doc}/paragraphs/1/review", headers=h)
    assert r.get_json() == {"status": "in_progress", "reviewed_paragraphs": [1]}
    client.put(f"/api/documents/{doc}/paragraphs/1/review", headers=h)  # idempotent
    client.put(f"/api/documents/{doc}/paragraphs/0/review", headers=h)
    r = client.delete(f"/api/documents/{doc}/paragraphs/1/review", headers=h)
    assert r.get_json()["reviewed_paragraphs"] == [0]
    assert client.put(f"/api/documents/{doc}/paragraphs/3/review", headers=h).status_code == 404
    docs = client.get("/api/projects/news/documents", headers=h).get_json()
    assert docs[0]["status"] == "in_progress"
    # the default codebook's required question first
    r = client.post(f"/api/documents/{doc}/submit", headers=h)
    assert r.status_code == 422 and r.get_json()["field"] == "primary_frame"
    assert "'Primary frame'" in r.get_json()["error"]
    client.put(f"/api/documents/{doc}/answers", json=ANSWERS, headers=h)
    r = client.post(f"/api/documents/{doc}/submit", headers=h)
    assert r.get_json() == {"status": "submitted", "reviewed_paragraphs": [0, 1, 2]}
    assert client.post(f"/api/documents/{doc}/submit", headers=h).status_code == 200
    # answers are final too
    assert client.put(f"/api/documents/{doc}/answers", json={"tone": "neutral"},
                      headers=h).status_code == 409
    # After submitting, the work is final.
    r = client.post(f"/api/documents/{doc}/annotations", json=_span(0, "troops"), headers=h)
    assert r.status_code == 409 and "submitted" in r.get_json()["error"]
    assert client.delete(f"/api/documents/{doc}/paragraphs/0/review", headers=h).status_code \
        == 409
    assert _count(app, ParagraphReview) == 3
    assert client.post("/api/projects/news/next", headers=h).status_code == 204
    # bob has not started: his next document is this one.
    assert client.post("/api/projects/news/next", headers=auth("bob")).get_json() == \
        {"id": doc, "title": "Troops <b>leave</b>"}


def test_gold_read_and_replace_admin_only(app, client, auth, doc):
    admin, alice = auth("carol", role="admin"), auth("alice")
    gold = [_span(0, "Officials said", "attribution", attributes={"source_type": "official"}),
            _span(1, "𝔘nicode", provenance="majority")]
    assert client.put(f"/api/documents/{doc}/gold", json=gold, headers=alice).status_code == 403
    r = client.put(f"/api/documents/{doc}/gold", json=gold, headers=admin)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert [(g["text"], g["provenance"]) for g in body] == \
        [("Officials said", "adjudicated:carol"), ("𝔘nicode", "majority")]
    assert client.get(f"/api/documents/{doc}/gold", headers=admin).get_json() == body
    assert client.get(f"/api/documents/{doc}/gold", headers=alice).status_code == 403
    # A bad span refuses the whole replacement; the old gold stays.
    r = client.put(f"/api/documents/{doc}/gold", json={"gold": [gold[0], _span(0, "left", "zz")]},
                   headers=admin)
    assert r.status_code == 422 and "gold span 2" in r.get_json()["error"]
    assert _count(app, GoldSpan) == 2
    r = client.put(f"/api/documents/{doc}/gold", json=[gold[0], gold[0]], headers=admin)
    assert r.status_code == 422 and "repeats gold span 1" in r.get_json()["error"]
    assert _count(app, GoldSpan) == 2
    assert client.put(f"/api/documents/{doc}/gold", json=[], headers=admin).get_json() == []
    assert _count(app, GoldSpan) == 0


def test_no_token_or_bad_token_is_401(client, doc):
    r = client.get("/api/projects")
    assert r.status_code == 401 and "Bearer" in r.get_json()["error"]
    r = client.get("/api/projects", headers={"Authorization": "Bearer ann_wrong"})
    assert r.status_code == 401 and "not valid" in r.get_json()["error"]
    r = client.get("/api/projects", headers={"Authorization": "Basic abc"})
    assert r.status_code == 401
    r = client.post(f"/api/documents/{doc}/annotations", json=_span(0, "troops"))
    assert r.status_code == 401
