"""Sharing documents out with K reviewers per document."""

from collections import Counter

import pytest
from sqlalchemy import func, select

from annotator.accounts import find_user
from annotator.assignments import assign_documents, next_document, reassign, team_progress
from annotator.errors import Conflict, Invalid
from annotator.extensions import db
from annotator.models import DocumentReview, Project

pytestmark = pytest.mark.both_engines

REVIEWERS = ["ann", "ben", "cat", "dan", "eve"]


def _project(slug="team"):
    return db.session.scalar(select(Project).where(Project.slug == slug))


@pytest.fixture
def team(app, make_project, make_document, make_user):
    make_project("team", reviewers_per_document=2)
    docs = [make_document("team", [f"Document {i} text.", "Second paragraph."],
                          title=f"Doc {i}") for i in range(20)]
    for name in REVIEWERS:
        make_user(name)
    return docs


def _assignment_counts():
    rows = db.session.execute(select(DocumentReview.document_id, DocumentReview.reviewer_id))
    per_doc, per_reviewer = Counter(), Counter()
    for doc_id, uid in rows:
        per_doc[doc_id] += 1
        per_reviewer[uid] += 1
    return per_doc, per_reviewer


def test_k2_over_5_reviewers_and_20_documents_is_balanced(app, team):
    with app.app_context():
        added = assign_documents(_project(), REVIEWERS)
        per_doc, per_reviewer = _assignment_counts()
        assert set(per_doc.values()) == {2} and len(per_doc) == 20
        assert max(per_reviewer.values()) - min(per_reviewer.values()) <= 1
        assert sum(added.values()) == 40
        # Running it again assigns nothing more.
        assert sum(assign_documents(_project(), REVIEWERS).values()) == 0


def test_balance_holds_with_uneven_totals_and_existing_work(app, team, make_document):
    with app.app_context():
        assign_documents(_project(), REVIEWERS[:3])  # 40 assignments over 3: 14/13/13
        _, per_reviewer = _assignment_counts()
        assert sorted(per_reviewer.values()) == [13, 13, 14]
    make_document("team", ["A new article."], title="Late")
    with app.app_context():
        assign_documents(_project(), REVIEWERS)
        per_doc, per_reviewer = _assignment_counts()
        assert set(per_doc.values()) == {2}
        # the two newcomers get the new document
        assert sorted(per_reviewer.values()) == [1, 1, 13, 13, 14]


def test_assign_needs_k_and_enough_reviewers(app, team, make_project):
    with app.app_context(), pytest.raises(Invalid, match="at least 2"):
        assign_documents(_project(), ["ann"])
    make_project("free")
    with app.app_context(), pytest.raises(Invalid, match="reviewers per document"):
        assign_documents(_project("free"), REVIEWERS)


def test_next_document_pulls_assignments_up_to_k(app, client, auth, team):
    headers = {name: auth(name) for name in REVIEWERS}
    seen = Counter()
    for name in REVIEWERS * 8:
        r = client.post("/api/projects/team/next", headers=headers[name])
        if r.status_code == 204:
            continue
        doc_id = r.get_json()["id"]
        # The same document comes back until it is submitted.
        assert client.post("/api/projects/team/next", headers=headers[name]).get_json()["id"] \
            == doc_id
        assert client.post(f"/api/documents/{doc_id}/submit",
                           headers=headers[name]).status_code == 200
        seen[doc_id] += 1
    assert set(seen.values()) == {2} and len(seen) == 20
    with app.app_context():
        per_doc, _ = _assignment_counts()
        assert set(per_doc.values()) == {2}
    assert all(client.post("/api/projects/team/next", headers=h).status_code == 204
               for h in headers.values())


def test_reviewers_see_and_touch_only_their_documents(app, client, auth, team):
    with app.app_context():
        assign_documents(_project(), REVIEWERS)
    ann = auth("ann")
    listed = client.get("/api/projects/team/documents", headers=ann).get_json()
    assert len(listed) == 8 and {d["status"] for d in listed} == {"not_started"}
    mine = {d["id"] for d in listed}
    other = next(d for d in team if d not in mine)
    r = client.post(f"/api/documents/{other}/annotations", headers=ann,
                    json={"paragraph": 0, "start": 0, "end": 8, "label": "framing"})
    assert r.status_code == 403 and "not assigned to you" in r.get_json()["error"]
    assert client.put(f"/api/documents/{other}/paragraphs/0/review",
                      headers=ann).status_code == 403
    assert client.post(f"/api/documents/{other}/submit", headers=ann).status_code == 403
    first = sorted(mine)[0]
    r = client.post(f"/api/documents/{first}/annotations", headers=ann,
                    json={"paragraph": 0, "start": 0, "end": 8, "label": "framing"})
    assert r.status_code == 201
    admin = auth("boss", role="admin")
    assert len(client.get("/api/projects/team/documents", headers=admin).get_json()) == 20


def test_reassign_only_unstarted_work(app, client, auth, team):
    with app.app_context():
        assign_documents(_project(), REVIEWERS[:2])  # ann and ben on everything
        project = _project()
        doc = project.documents[0]
        with pytest.raises(Conflict, match="already assigned to ben"):
            reassign(doc, "ann", "ben")
        reassign(doc, "ann", "cat")
        progress = team_progress(project)
        assert {r["name"]: r["assigned"] for r in progress["reviewers"]} == \
            {"ann": 19, "ben": 20, "cat": 1}
    ben = auth("ben")
    client.put(f"/api/documents/{team[1]}/paragraphs/0/review", headers=ben)
    with app.app_context():
        doc = db.session.get(type(_project().documents[0]), team[1])
        with pytest.raises(Conflict, match="has started"):
            reassign(doc, "ben", "dan")
        assert db.session.scalar(select(func.count()).select_from(DocumentReview)) == 40


def test_next_without_k_is_first_unsubmitted(app, client, auth, make_project, make_document):
    make_project("plain")
    a = make_document("plain", ["One."], title="A")
    b = make_document("plain", ["Two."], title="B")
    h = auth("zed")
    assert client.post("/api/projects/plain/next", headers=h).get_json()["id"] == a
    client.post(f"/api/documents/{a}/submit", headers=h)
    assert client.post("/api/projects/plain/next", headers=h).get_json()["id"] == b
    with app.app_context():
        assert next_document(_project("plain"), find_user("zed")).id == b
