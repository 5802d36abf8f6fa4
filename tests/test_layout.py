"""Mending paragraphs (#12): merge one with the next, split one in two; every span, gold span,
rejection and review mark moves with its text exactly, a cut through a span is refused, and
pages drawn from the old layout are told to reload."""

from __future__ import annotations

import pytest

from annotator.extensions import db
from annotator.models import Document, GoldRejection, ParagraphReview
from tests.helpers import csrf_from, logout

pytestmark = pytest.mark.both_engines

# The sample article's mess: one expert's credential broken over three paragraphs.
PARAGRAPHS = ["Said Andrei Koshkin, head of the Department of Political Analysis and Sociology "
              "of the PRUE", "G.V.", "Plekhanov's. He stressed that “the troops will stay”."]


def span(paragraph, needle, label="attribution", **extra):
    start = PARAGRAPHS[paragraph].index(needle)
    return {"paragraph": paragraph, "start": start, "end": start + len(needle), "label": label,
            **extra}


@pytest.fixture
def doc(make_project, make_document, make_user):
    make_project("news")
    make_user("root", role="admin")
    return make_document("news", PARAGRAPHS, reviews=[
        {"reviewer": "alice", "status": "in_progress", "reviewed_paragraphs": [0, 1],
         "annotations": [span(0, "Andrei Koshkin"), span(1, "G.V."),
                         span(2, "the troops will stay", "framing")]},
        {"reviewer": "bob", "status": "in_progress", "reviewed_paragraphs": [1, 2],
         "annotations": [span(2, "He stressed")]},
    ], gold=[{**span(2, "the troops will stay", "framing"), "provenance": "majority"}])


def texts_of(client, headers, doc_id, reviewer=None):
    url = f"/api/documents/{doc_id}/annotations" + (f"?reviewer={reviewer}" if reviewer else "")
    return sorted((s["paragraph"], s["text"]) for s in client.get(url, headers=headers).json)


def gold_texts(client, admin, doc_id):
    return [(g["paragraph"], g["text"]) for g in
            client.get(f"/api/documents/{doc_id}/gold", headers=admin).json]


def marks(app, doc_id):
    with app.app_context():
        from annotator.models import User

        names = dict(db.session.execute(db.select(User.id, User.username)).all())
        return sorted((names[m.reviewer_id], m.paragraph_index) for m in db.session.scalars(
            db.select(ParagraphReview).where(ParagraphReview.document_id == doc_id)))


def test_merging_moves_every_span_with_its_text(app, client, auth, doc):
    admin, alice = auth("root", role="admin"), auth("alice")
    before = texts_of(client, alice, doc)
    assert before == [(0, "Andrei Koshkin"), (1, "G.V."), (2, "the troops will stay")]
    r = client.post(f"/api/documents/{doc}/paragraphs/0/merge", headers=admin)
    assert r.status_code == 200 and r.json["paragraphs"] == 2
    assert r.json["text"] == PARAGRAPHS[0] + " " + PARAGRAPHS[1]
    assert texts_of(client, alice, doc) == [(0, "Andrei Koshkin"), (0, "G.V."),
                                            (1, "the troops will stay")]
    assert gold_texts(client, admin, doc) == [(1, "the troops will stay")]
    # alice reviewed both halves: the merged paragraph; bob reviewed only the second half
    assert marks(app, doc) == [("alice", 0), ("bob", 1)]
    r = client.post(f"/api/documents/{doc}/paragraphs/0/merge", headers=admin,
                    json={"separator": "line"})
    assert r.status_code == 200
    body = client.get(f"/api/documents/{doc}", headers=alice).json
    assert [p["text"] for p in body["paragraphs"]] == [
        PARAGRAPHS[0] + " " + PARAGRAPHS[1] + "\n" + PARAGRAPHS[2]]
    assert texts_of(client, alice, doc) == [(0, "Andrei Koshkin"), (0, "G.V."),
                                            (0, "the troops will stay")]
    assert texts_of(client, admin, doc, "bob") == [(0, "He stressed")]
    with app.app_context():
        document = db.session.get(Document, doc)
        assert (document.paragraph_count, document.layout_version) == (1, 2)
    # the last paragraph has nothing to merge with
    r = client.post(f"/api/documents/{doc}/paragraphs/0/merge", headers=admin)
    assert r.status_code == 404 and "no next paragraph" in r.json["error"]


def test_splitting_moves_the_spans_after_the_cut(app, client, auth, doc):
    admin, alice = auth("root", role="admin"), auth("alice")
    at = PARAGRAPHS[2].index(" He stressed")  # the white space around the cut goes
    r = client.post(f"/api/documents/{doc}/paragraphs/2/split", headers=admin, json={"at": at})
    assert r.status_code == 200, r.json
    assert (r.json["first"], r.json["second"]) == ("Plekhanov's.",
                                                   "He stressed that “the troops will stay”.")
    assert texts_of(client, alice, doc)[-1] == (3, "the troops will stay")
    assert texts_of(client, admin, doc, "bob") == [(3, "He stressed")]
    assert gold_texts(client, admin, doc) == [(3, "the troops will stay")]
    assert marks(app, doc) == [("alice", 0), ("alice", 1), ("bob", 1), ("bob", 2), ("bob", 3)]
    with app.app_context():
        assert db.session.get(Document, doc).paragraph_count == 4


def test_a_cut_through_a_span_is_refused_and_changes_nothing(app, client, auth, doc):
    admin = auth("root", role="admin")
    with app.app_context():  # a rejection there is bookkeeping: it may go with a cut
        db.session.add(GoldRejection(document_id=doc, paragraph_index=0, start=0, end=4,
                                     label="framing"))
        db.session.commit()
    inside = PARAGRAPHS[0].index("Koshkin")
    r = client.post(f"/api/documents/{doc}/paragraphs/0/split", headers=admin,
                    json={"at": inside})
    assert r.status_code == 409
    assert "would cut 1 span" in r.json["error"] and "'attribution'" in r.json["error"]
    with app.app_context():
        document = db.session.get(Document, doc)
        assert (document.paragraph_count, document.layout_version) == (3, 0)
        assert db.session.scalar(db.select(db.func.count()).select_from(GoldRejection)) == 1
    for at, field in ((0, "at"), (len(PARAGRAPHS[1]), "at"), ("3", "at")):
        r = client.post(f"/api/documents/{doc}/paragraphs/1/split", headers=admin,
                        json={"at": at})
        assert r.status_code == 422 and r.json["field"] == field
    assert client.post(f"/api/documents/{doc}/paragraphs/7/split", headers=admin,
                       json={"at": 1}).status_code == 404
    # reviewers may not mend
    assert client.post(f"/api/documents/{doc}/paragraphs/0/merge",
                       headers=auth("alice")).status_code == 403


def test_a_page_drawn_before_a_merge_is_refused_with_its_reason(app, client, auth, doc):
    admin, alice = auth("root", role="admin"), auth("alice")
    url = f"/api/documents/{doc}/annotations"
    first = client.post(url, headers={**alice, "X-Document-Layout": "0"},
                        json={**span(2, "Plekhanov's"), "client_id": "c-1"})
    assert first.status_code == 201
    client.post(f"/api/documents/{doc}/paragraphs/0/merge", headers=admin)
    stale = {**alice, "X-Document-Layout": "0"}
    r = client.post(url, headers=stale, json={**span(2, "He stressed"), "client_id": "c-2"})
    assert r.status_code == 409 and r.json["layout"] == 1 and "reload" in r.json["error"]
    # a retry of a create made before gets its span, moved with its text
    r = client.post(url, headers=stale, json={**span(2, "Plekhanov's"), "client_id": "c-1"})
    assert r.status_code == 200 and (r.json["paragraph"], r.json["text"]) == (1, "Plekhanov's")
    assert client.put(f"/api/documents/{doc}/paragraphs/0/review", headers=stale
                      ).status_code == 409
    assert client.delete(f"/api/annotations/{first.json['id']}", headers=stale
                         ).status_code == 409
    fresh = {**alice, "X-Document-Layout": "1"}
    assert client.delete(f"/api/annotations/{first.json['id']}", headers=fresh
                         ).status_code == 204
    # scripts that send no layout are not concerned
    assert client.post(url, headers=alice, json={"paragraph": 1, "start": 0, "end": 11,
                                                 "label": "framing"}).status_code == 201


def test_the_document_page_mends_for_admins(app, client, doc, make_user):
    from tests.test_adjudication import login

    login(client, "root")
    page = client.get(f"/documents/{doc}").get_data(as_text=True)
    assert "Merge with the next" in page and "Split here" in page
    token = csrf_from(page)
    r = client.post(f"/documents/{doc}/paragraphs/1/merge", data={
        "csrf_token": token, "separator": "space"})
    assert r.status_code == 302
    page = client.get(f"/documents/{doc}").get_data(as_text=True)
    assert "G.V. Plekhanov&#39;s." in page and "are one now" in page
    r = client.post(f"/documents/{doc}/paragraphs/0/split", data={
        "csrf_token": token, "at": str(PARAGRAPHS[0].index("Koshkin"))}, follow_redirects=True)
    assert "would cut 1 span" in r.get_data(as_text=True)
    make_user("carol")
    logout(client)
    login(client, "carol")
    page = client.get(f"/documents/{doc}").get_data(as_text=True)
    assert "Merge with the next" not in page
    assert client.post(f"/documents/{doc}/paragraphs/0/merge",
                       data={"csrf_token": csrf_from(page)}).status_code == 403


def test_reports_and_exports_follow(app, client, auth, doc, runner):
    import json

    admin = auth("root", role="admin")
    client.post(f"/api/documents/{doc}/paragraphs/0/merge", headers=admin)
    out = runner.invoke(args=["export", "news", "--format", "jsonl"]).output
    exported = json.loads(out.splitlines()[0])
    assert len(exported["paragraphs"]) == 2
    for review in exported["reviews"]:
        for s in review["annotations"]:
            assert exported["paragraphs"][s["paragraph"]][s["start"]:s["end"]] == s["text"]
    report = client.get("/api/projects/news/agreement", headers=admin).json
    assert report["documents"] == 1
