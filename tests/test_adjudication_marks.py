"""Adjudication work that is not gold spans (issue 12, item 11): rejecting a reviewer's span
(remembered through gold's one write path, undone by lifting it), paragraphs marked
adjudicated (who and when, counted per document), on both engines."""

from __future__ import annotations

import pytest

from annotator import gold
from annotator.extensions import db
from annotator.models import AdjudicatedParagraph, Document, GoldRejection

pytestmark = pytest.mark.both_engines

#       0         1         2         3         4         5         6
#       0123456789012345678901234567890123456789012345678901234567890123456789
TEXT = "The minister said the plan, officials claim, would fail badly."
SECOND = "Nothing here is contested at all."
THIRD = "A third paragraph closes it."


def span(start, end, label="attribution", paragraph=0, **attributes):
    return {"paragraph": paragraph, "start": start, "end": end, "label": label,
            "attributes": attributes}


def review(name, annotations):
    return {"reviewer": name, "status": "submitted", "reviewed_paragraphs": [0, 1, 2],
            "annotations": annotations}


@pytest.fixture
def doc(make_project, make_user, make_document):
    make_project("news")
    make_user("carol", role="admin")
    return make_document("news", [TEXT, SECOND, THIRD], reviews=[
        review("alice", [span(4, 26), span(51, 61, "framing")]),
        review("bob", [span(4, 26), span(28, 43)]),
        review("dave", [span(4, 17), span(28, 43)]),
    ])


def annotation(client, headers, doc, reviewer, start):
    spans = client.get(f"/api/documents/{doc}/annotations?reviewer={reviewer}",
                       headers=headers).json
    return next(s for s in spans if s["start"] == start)


# --- rejections -------------------------------------------------------------------------------

def test_reject_a_reviewers_span_remember_it_and_undo_it(client, auth, doc):
    admin = auth("carol", role="admin")
    base = f"/api/documents/{doc}/gold"
    target = annotation(client, admin, doc, "bob", 28)  # bob and dave: 28-43 attribution
    r = client.post(f"{base}/rejections", json={"annotation_id": target["id"]}, headers=admin)
    assert r.status_code == 201, r.json
    rejection = r.json
    assert (rejection["paragraph"], rejection["start"], rejection["end"], rejection["label"],
            rejection["text"], rejection["rejected_by"]) == \
        (0, 28, 43, "attribution", "officials claim", "carol")
    assert rejection["created_at"].endswith("+00:00")
    # again: the same rejection, nothing new; dave's identical span is the same place
    dave = annotation(client, admin, doc, "dave", 28)
    again = client.post(f"{base}/rejections", json={"annotation_id": dave["id"]},
                        headers=admin)
    assert again.status_code == 200 and again.json["id"] == rejection["id"]
    assert [r["id"] for r in client.get(f"{base}/rejections", headers=admin).json] == \
        [rejection["id"]]
    # remembered: auto gold leaves it out
    auto = client.post(f"{base}/auto", headers=admin).json
    assert [(p["start"], p["end"]) for p in auto["rejected"]] == [(28, 43)]
    assert [(g["start"], g["end"]) for g in auto["gold"]] == [(4, 26)]
    # undone: proposed again
    assert client.delete(f"/api/gold/rejections/{rejection['id']}",
                         headers=admin).status_code == 204
    assert client.delete(f"/api/gold/rejections/{rejection['id']}",
                         headers=admin).status_code == 404
    assert client.get(f"{base}/rejections", headers=admin).json == []
    auto = client.post(f"{base}/auto", headers=admin).json
    assert [(g["start"], g["end"]) for g in auto["gold"]] == [(4, 26), (28, 43)]


def test_a_span_in_gold_is_not_rejected_and_accepting_lifts_a_rejection(client, auth, doc):
    admin = auth("carol", role="admin")
    base = f"/api/documents/{doc}/gold"
    framing = annotation(client, admin, doc, "alice", 51)
    gold_span = client.post(f"{base}/accept", json={"annotation_id": framing["id"]},
                            headers=admin).json["accepted"][0]
    r = client.post(f"{base}/rejections", json={"annotation_id": framing["id"]}, headers=admin)
    assert r.status_code == 409 and r.json["existing"] == gold_span["id"]
    assert f"Gold span {gold_span['id']}" in r.json["error"]
    # deleting the gold rejects its place (listed); accepting again lifts it
    assert client.delete(f"/api/gold/{gold_span['id']}", headers=admin).status_code == 204
    assert [(r["start"], r["label"]) for r in
            client.get(f"{base}/rejections", headers=admin).json] == [(51, "framing")]
    client.post(f"{base}/accept", json={"annotation_id": framing["id"]}, headers=admin)
    assert client.get(f"{base}/rejections", headers=admin).json == []


def test_reject_by_place_and_bad_requests(client, auth, doc, app):
    admin = auth("carol", role="admin")
    base = f"/api/documents/{doc}/gold/rejections"
    r = client.post(base, json={"paragraph": 0, "start": 4, "end": 17, "label": "attribution"},
                    headers=admin)
    assert r.status_code == 201 and r.json["text"] == "minister said"
    for body, status, field in [
        ({"annotation_id": 99999}, 404, None),
        ({"annotation_id": "x"}, 422, "annotation_id"),
        ({"annotation_id": 1, "label": "framing"}, 422, "annotation_id"),
        ({"paragraph": 0, "start": 4, "end": 99, "label": "attribution"}, 422, "end"),
        ({"paragraph": 0, "start": 4, "end": 17, "label": "nonsense"}, 422, "label"),
        ({"paragraph": 0, "start": 4, "end": 17}, 422, "label"),
        ({"colour": "red"}, 422, "colour"),
    ]:
        r = client.post(base, json=body, headers=admin)
        assert r.status_code == status, (body, r.json)
        if field:
            assert r.json.get("field") == field, (body, r.json)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(GoldRejection)) == 1


def test_reviewers_may_not_reject_or_mark(client, auth, doc):
    admin = auth("carol", role="admin")
    alice = auth("alice")
    target = annotation(client, admin, doc, "bob", 28)
    rejection = client.post(f"/api/documents/{doc}/gold/rejections",
                            json={"annotation_id": target["id"]}, headers=admin).json
    for method, url, body in [
        ("post", f"/api/documents/{doc}/gold/rejections", {"annotation_id": target["id"]}),
        ("get", f"/api/documents/{doc}/gold/rejections", None),
        ("delete", f"/api/gold/rejections/{rejection['id']}", None),
        ("get", f"/api/documents/{doc}/gold/adjudicated", None),
        ("put", f"/api/documents/{doc}/paragraphs/0/adjudicated", None),
        ("delete", f"/api/documents/{doc}/paragraphs/0/adjudicated", None),
    ]:
        r = getattr(client, method)(url, json=body, headers=alice)
        assert r.status_code == 403, (method, url, r.status_code)
    assert client.put(f"/api/documents/{doc}/paragraphs/0/adjudicated").status_code == 401


# --- paragraphs marked adjudicated ---------------------------------------------------------------

def test_mark_paragraphs_adjudicated_with_who_and_when(client, auth, doc, make_user):
    admin = auth("carol", role="admin")
    other = auth("root", role="admin")
    url = f"/api/documents/{doc}/paragraphs/{{}}/adjudicated"
    assert client.get(f"/api/documents/{doc}/gold/adjudicated", headers=admin).json == {
        "paragraphs": 3, "adjudicated": []}
    r = client.put(url.format(2), headers=admin)
    assert r.status_code == 200
    [mark] = r.json["adjudicated"]
    assert (mark["paragraph"], mark["by"]) == (2, "carol") and mark["at"].endswith("+00:00")
    # marking again (another admin) keeps the first mark
    r = client.put(url.format(2), headers=other)
    assert [(m["paragraph"], m["by"]) for m in r.json["adjudicated"]] == [(2, "carol")]
    r = client.put(url.format(0), headers=other)
    assert [(m["paragraph"], m["by"]) for m in r.json["adjudicated"]] == [
        (0, "root"), (2, "carol")]
    r = client.delete(url.format(2), headers=admin)
    assert r.status_code == 200 and [m["paragraph"] for m in r.json["adjudicated"]] == [0]
    assert client.delete(url.format(2), headers=admin).status_code == 200  # nothing to undo
    r = client.put(url.format(3), headers=admin)
    assert r.status_code == 404 and "3 paragraphs" in r.json["error"]
    assert client.put("/api/documents/9999/paragraphs/0/adjudicated",
                      headers=admin).status_code == 404


def test_adjudicated_paragraph_counts_per_document(app, client, auth, doc, make_document):
    admin = auth("carol", role="admin")
    other = make_document("news", ["One.", "Two."], title="Other")
    make_document("news", ["Untouched."], title="Untouched")
    for d, i in [(doc, 0), (doc, 1), (other, 1)]:
        assert client.put(f"/api/documents/{d}/paragraphs/{i}/adjudicated",
                          headers=admin).status_code == 200
    with app.app_context():
        project_id = db.session.get(Document, doc).project_id
        assert gold.adjudicated_paragraph_counts(project_id) == {doc: 2, other: 1}
        assert gold.adjudicated_paragraph_counts(project_id + 1) == {}


def test_marks_go_with_their_document(app, client, auth, doc):
    admin = auth("carol", role="admin")
    client.put(f"/api/documents/{doc}/paragraphs/1/adjudicated", headers=admin)
    with app.app_context():
        db.session.delete(db.session.get(Document, doc))
        db.session.commit()
        assert db.session.scalar(db.select(db.func.count())
                                 .select_from(AdjudicatedParagraph)) == 0


def test_marks_follow_merged_and_split_paragraphs(app, client, auth, doc):
    admin = auth("carol", role="admin")
    base = f"/api/documents/{doc}"
    for i in (1, 2):
        client.put(f"{base}/paragraphs/{i}/adjudicated", headers=admin)

    def marked():
        return [m["paragraph"] for m in
                client.get(f"{base}/gold/adjudicated", headers=admin).json["adjudicated"]]

    # 0 (not marked) + 1 (marked): the merged paragraph is not; 2 moves to 1 with its mark
    assert client.post(f"{base}/paragraphs/0/merge", headers=admin).status_code == 200
    assert marked() == [1]
    # split the marked paragraph: both halves are marked
    at = len("A third")
    assert client.post(f"{base}/paragraphs/1/split", json={"at": at},
                       headers=admin).status_code == 200
    assert marked() == [1, 2]
    # both halves marked: the merged one stays marked
    assert client.post(f"{base}/paragraphs/1/merge", headers=admin).status_code == 200
    assert marked() == [1]


# --- the project's adjudication list ----------------------------------------------------------

def test_the_projects_adjudication_list_shows_progress(client, auth, doc, make_document):
    import re

    from tests.test_security import login

    admin = auth("carol", role="admin")
    other = make_document("news", ["One.", "Two."], title="Other <doc>")
    for d, i in [(doc, 0), (other, 0), (other, 1)]:
        client.put(f"/api/documents/{d}/paragraphs/{i}/adjudicated", headers=admin)
    login(client, "carol")
    html = client.get("/projects/news/adjudication").get_data(as_text=True)
    assert "3 of 5 paragraphs adjudicated" in html and "1 of 2 documents finished" in html
    rows = dict(re.findall(r'<tr data-document="(\d+)">(.*?)</tr>', html, re.S))
    assert re.search(r'<progress max="3" value="1"', rows[str(doc)])
    assert f'href="/documents/{doc}/adjudicate"' in rows[str(doc)]
    assert re.search(r'<progress max="2" value="2"', rows[str(other)])
    assert "done" in rows[str(other)]
    assert "Other &lt;doc&gt;" in rows[str(other)]


def test_reviewers_do_not_see_the_adjudication_list(client, doc, make_user):
    from tests.test_security import login

    make_user("erin")
    login(client, "erin")
    assert client.get("/projects/news/adjudication").status_code == 403
    assert client.get("/projects/nothing/adjudication").status_code == 404
