"""Sharing documents out with K reviewers per document."""

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from annotator.accounts import find_user
from annotator.assignments import (
    assign_documents,
    next_document,
    plan_assignments,
    reassign,
    team_progress,
)
from annotator.errors import Conflict, Invalid
from annotator.extensions import db
from annotator.models import DocumentReview, Project

# the default codebook's required article-level question, answered before a submission
ANSWERS = {"primary_frame": "political"}

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
        client.put(f"/api/documents/{doc_id}/answers", json=ANSWERS, headers=headers[name])
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
    client.put(f"/api/documents/{a}/answers", json=ANSWERS, headers=h)
    client.post(f"/api/documents/{a}/submit", headers=h)
    assert client.post("/api/projects/plain/next", headers=h).get_json()["id"] == b
    with app.app_context():
        assert next_document(_project("plain"), find_user("zed")).id == b


def test_changing_k_applies_to_new_assignments_and_keeps_the_old(app, team):
    from annotator.projects import update_project

    with app.app_context():
        assign_documents(_project(), REVIEWERS)  # every document: 2 reviewers
        before = set(db.session.execute(
            select(DocumentReview.document_id, DocumentReview.reviewer_id)).all())
        update_project(_project(), reviewers_per_document=3)
        added = assign_documents(_project(), REVIEWERS)
        per_doc, per_reviewer = _assignment_counts()
        assert set(per_doc.values()) == {3} and sum(added.values()) == 20
        assert max(per_reviewer.values()) - min(per_reviewer.values()) <= 1
        after = set(db.session.execute(
            select(DocumentReview.document_id, DocumentReview.reviewer_id)).all())
        assert before < after
        # fewer: nothing is taken away, and nobody gets a new document
        update_project(_project(), reviewers_per_document=1)
        assert sum(assign_documents(_project(), REVIEWERS).values()) == 0
        assert set(_assignment_counts()[0].values()) == {3}
        fresh = find_user("ann")
        for review in db.session.scalars(select(DocumentReview).where(
                DocumentReview.reviewer_id == fresh.id)):
            review.status = "submitted"
        db.session.commit()
        assert next_document(_project(), fresh) is None


def test_k_set_on_a_project_without_assignment(app, make_project, make_document, make_user):
    from annotator.projects import update_project

    make_project("open-door")
    docs = [make_document("open-door", [f"Text {i}."], title=f"D{i}") for i in range(3)]
    for name in ("ann", "ben"):
        make_user(name)
    with app.app_context():
        project = _project("open-door")
        ann, ben = find_user("ann"), find_user("ben")
        # without K, everyone may take any document; ann starts the first
        assert next_document(project, ann).id == docs[0]
        db.session.add(DocumentReview(document_id=docs[0], reviewer_id=ann.id,
                                      status="in_progress"))
        db.session.commit()
        update_project(project, reviewers_per_document=1)
        # ann's started document is her assignment; ben gets another one
        assert next_document(_project("open-door"), ann).id == docs[0]
        assert next_document(_project("open-door"), ben).id != docs[0]


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2", 101, 99999999999])
def test_k_must_be_a_whole_number_from_1_to_100(app, team, bad):
    from annotator.projects import update_project

    with app.app_context(), pytest.raises(Invalid, match="whole number from 1 to 100"):
        update_project(_project(), name="Renamed", reviewers_per_document=bad)
    with app.app_context():
        assert _project().reviewers_per_document == 2 and _project().name == "team"


def _least_possible_maximum(doc_ids, on_doc, load, k):
    """The smallest maximum load any plan can reach: the least L for which a flow gives
    every document its missing reviewers (each reviewer not on it, each reviewer at most
    L in all), by breadth-first augmenting paths (Edmonds-Karp), written for this test."""
    need = {d: max(0, min(k - len(on_doc.get(d, ())),
                          sum(1 for r in load if r not in on_doc.get(d, ()))))
            for d in doc_ids}
    total = sum(need.values())

    def flow_reaches(limit):
        cap = {}

        def edge(a, b, c):
            cap[(a, b)] = cap.get((a, b), 0) + c
            cap.setdefault((b, a), 0)

        for d in doc_ids:
            edge("s", ("d", d), need[d])
            for r in load:
                if r not in on_doc.get(d, ()):
                    edge(("d", d), ("r", r), 1)
        for r in load:
            edge(("r", r), "t", max(0, limit - load[r]))
        nodes = {a for a, _ in cap}
        out = {n: [b for (a, b) in cap if a == n] for n in nodes}
        flow = 0
        while True:
            came = {"s": None}
            queue = ["s"]
            while queue and "t" not in came:
                node = queue.pop(0)
                for nxt in out.get(node, ()):
                    if nxt not in came and cap[(node, nxt)] > 0:
                        came[nxt] = node
                        queue.append(nxt)
            if "t" not in came:
                return flow == total
            node = "t"
            while came[node] is not None:
                cap[(came[node], node)] -= 1
                cap[(node, came[node])] += 1
                node = came[node]
            flow += 1

    limit = max(load.values())
    while not flow_reaches(limit):
        limit += 1
    return limit


@st.composite
def _plans(draw):
    reviewers = list(range(1, draw(st.integers(2, 6)) + 1))
    doc_ids = list(range(100, 100 + draw(st.integers(1, 12))))
    k = draw(st.integers(1, len(reviewers)))
    on_doc = {d: set(draw(st.lists(st.sampled_from(reviewers), max_size=k, unique=True)))
              for d in doc_ids}
    load = {r: sum(r in present for present in on_doc.values()) for r in reviewers}
    return doc_ids, on_doc, load, k


@settings(max_examples=300, deadline=None)
@given(_plans())
def test_plans_fill_every_document_and_reach_the_least_maximum(plan):
    doc_ids, on_doc, load, k = plan
    before = {d: set(r) for d, r in on_doc.items()}
    best = _least_possible_maximum(doc_ids, before, dict(load), k)
    order = {r: r for r in load}
    new = plan_assignments(doc_ids, on_doc, load, order, k)
    for d in doc_ids:
        got = {r for r, docs in new.items() if d in docs}
        assert not got & before[d]  # nobody twice on a document, earlier ones kept
        assert len(before[d] | got) == max(len(before[d]), min(k, len(load)))
    assert load == {r: sum(r in p for p in before.values()) + len(new[r]) for r in load}
    assert max(load.values()) == best
