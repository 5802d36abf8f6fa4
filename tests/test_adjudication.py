"""Adjudication: auto gold by token majority, unanimous spans, accepting and editing gold, the
JSON API and its permissions, and the gold in the --gold-only export."""

from __future__ import annotations

import json
import re

import pytest

from annotator import gold as gold_spans
from annotator import tokens
from annotator.accounts import find_user
from annotator.errors import Conflict, Forbidden, Invalid
from annotator.extensions import db
from annotator.models import Annotation, Document, GoldSpan
from tests.helpers import logout

pytestmark = pytest.mark.both_engines

#       0         1         2         3         4         5         6
#       0123456789012345678901234567890123456789012345678901234567890123456789
TEXT = "The minister said the plan, officials claim, would fail badly."
ALL = [0, 1]  # reviewed paragraphs of the two-paragraph documents below
SECOND = "Nothing here is contested at all."


def span(start, end, label="attribution", **attributes):
    return {"paragraph": 0, "start": start, "end": end, "label": label,
            "attributes": attributes}


def review(name, annotations, reviewed=ALL, status="in_progress"):
    return {"reviewer": name, "status": status, "reviewed_paragraphs": list(reviewed),
            "annotations": annotations}


@pytest.fixture
def project(make_project, make_user):
    make_project("news")
    make_user("carol", role="admin")
    return "news"


@pytest.fixture
def doc(app, project, make_document):
    """make(reviews...) -> the document, in an app context."""
    contexts = []

    def make(*reviews, paragraphs=(TEXT, SECOND), gold=None):
        doc_id = make_document("news", list(paragraphs), reviews=list(reviews),
                               **({"gold": gold} if gold else {}))
        ctx = app.app_context()
        ctx.push()
        contexts.append(ctx)
        return db.session.get(Document, doc_id)

    yield make
    for ctx in reversed(contexts):
        ctx.pop()


def carol():
    return find_user("carol")


def spans_of(result):
    return [(g["paragraph"], g["start"], g["end"], g["label"], g["provenance"])
            for g in result]


def stored_gold(document):
    return [(g.paragraph_index, g.start, g.end, g.label, g.provenance)
            for g in db.session.scalars(db.select(GoldSpan).where(
                GoldSpan.document_id == document.id).order_by(GoldSpan.start))]


# --- tokens and the auto-gold rule ----------------------------------------------------------

def test_tokens_are_words_and_punctuation():
    assert tokens.tokens("He said: no.") == [(0, 2), (3, 7), (7, 8), (9, 11), (11, 12)]


def test_two_of_three_make_a_majority_span_with_bounds_at_token_edges(doc):
    # "minister said the plan" by alice; bob from inside "minister" to inside "plan";
    # dave only "said". Tokens covered by two of three: minister, said, the, plan.
    document = doc(review("alice", [span(4, 26)]),
                   review("bob", [span(6, 24)]),
                   review("dave", [span(13, 17)]))
    proposed = gold_spans.auto_gold(document)
    assert spans_of(proposed) == [(0, 4, 26, "attribution", "majority")]
    assert proposed[0]["text"] == "minister said the plan"
    assert stored_gold(document) == [(0, 4, 26, "attribution", "majority")]


def test_one_of_three_proposes_nothing(doc):
    document = doc(review("alice", [span(4, 26)]), review("bob", []), review("dave", []))
    assert gold_spans.auto_gold(document) == []
    assert stored_gold(document) == []


def test_two_of_four_is_a_tie_not_a_majority(doc):
    document = doc(review("alice", [span(4, 26)]), review("bob", [span(4, 26)]),
                   review("dave", []), review("erin", []))
    assert gold_spans.auto_gold(document) == []
    # Three of four is more than half: "said the plan"; "minister" stays at two of four.
    document = doc(review("alice", [span(4, 26)]), review("bob", [span(4, 26)]),
                   review("dave", [span(13, 26)]), review("erin", []),
                   paragraphs=(TEXT, "Another one."))
    assert spans_of(gold_spans.auto_gold(document)) == [(0, 13, 26, "attribution",
                                                            "majority")]


def test_every_reviewer_alike_is_unanimous(doc):
    document = doc(review("alice", [span(28, 43)]), review("bob", [span(28, 43)]),
                   review("dave", [span(28, 43)]))
    assert spans_of(gold_spans.auto_gold(document)) == [(0, 28, 43, "attribution",
                                                            "unanimous")]


def test_unanimous_means_token_for_token_agreement(doc):
    # dave's span runs one token further ("would"): 1 of 3 there, so the run stops before it,
    # but the reviewers do not agree on where it ends: majority, not unanimous.
    document = doc(review("alice", [span(28, 43)]), review("bob", [span(28, 43)]),
                   review("dave", [span(28, 50)]))
    assert spans_of(gold_spans.auto_gold(document)) == [(0, 28, 43, "attribution",
                                                            "majority")]
    # Two spans of one reviewer that together cover the same tokens agree token for token.
    document = doc(review("alice", [span(28, 37), span(38, 43)]), review("bob", [span(28, 43)]),
                   paragraphs=(TEXT, "Third document."))
    assert spans_of(gold_spans.auto_gold(document)) == [(0, 28, 43, "attribution",
                                                            "unanimous")]


def test_unanimous_keeps_the_reviewers_exact_bounds_inside_a_token(doc):
    # Everyone cut "officials" to "official": the proposal keeps their bounds.
    document = doc(review("alice", [span(28, 36)]), review("bob", [span(28, 36)]))
    proposed = gold_spans.auto_gold(document)
    assert spans_of(proposed) == [(0, 28, 36, "attribution", "unanimous")]
    # With different cuts, the bounds are the token edges.
    document = doc(review("alice", [span(28, 36)]), review("bob", [span(28, 37)]),
                   paragraphs=(TEXT, "Yet another."))
    assert spans_of(gold_spans.auto_gold(document)) == [(0, 28, 37, "attribution",
                                                            "unanimous")]


def test_runs_of_majority_tokens_and_labels_are_separate(doc):
    document = doc(
        review("alice", [span(4, 17), span(51, 61, "framing"), span(28, 43)]),
        review("bob", [span(4, 12), span(51, 62, "framing")]),
        review("dave", [span(13, 17), span(28, 43)]))
    assert spans_of(gold_spans.auto_gold(document)) == [
        (0, 4, 17, "attribution", "majority"),  # minister (a, b) + said (a, d)
        (0, 28, 43, "attribution", "majority"),
        (0, 51, 61, "framing", "majority"),  # "fail badly" (a, b); the "." only bob
    ]


def test_attributes_by_majority_of_the_overlapping_spans(doc):
    document = doc(
        review("alice", [span(4, 26, source_type="official", source="The minister",
                              named="named")]),
        review("bob", [span(4, 26, source_type="official", source=" the Minister ",
                            named="unnamed")]),
        review("dave", [span(4, 17, source_type="expert")]))
    [proposal] = gold_spans.auto_gold(document)
    # official 2/3; source "the minister" 2/3 (trimmed, case-folded); named 1 each of 3.
    assert proposal["attributes"] == {"source_type": "official", "source": "The minister"}


def test_attribute_ties_are_left_out(doc):
    document = doc(review("alice", [span(4, 26, source_type="official")]),
                   review("bob", [span(4, 26, source_type="expert")]))
    [proposal] = gold_spans.auto_gold(document)
    assert proposal["attributes"] == {}


def test_unreviewed_paragraphs_and_spans_are_ignored(doc):
    paragraphs = (TEXT, TEXT)
    second = [{**span(4, 26), "paragraph": 1}]
    # Paragraph 1 is reviewed by alice and dave: 1 of 2. Bob's span there would make it 2 of
    # 2, but he has not reviewed the paragraph: his span does not count.
    document = doc(review("alice", second, reviewed=[0, 1]),
                   review("bob", second, reviewed=[0]),
                   review("dave", [], reviewed=[0, 1]),
                   paragraphs=paragraphs)
    assert gold_spans.auto_gold(document) == []
    assert gold_spans.unanimous_offers(document) == []
    # A paragraph reviewed by one reviewer only proposes nothing, even when he tagged it.
    document = doc(review("alice", second, reviewed=[1]), review("bob", [], reviewed=[0]),
                   paragraphs=(TEXT, TEXT + " Again."))
    assert gold_spans.auto_gold(document) == []


def test_submitted_documents_count_every_paragraph(doc):
    document = doc(review("alice", [span(4, 26)], reviewed=[], status="submitted"),
                   review("bob", [span(4, 26)], reviewed=[], status="submitted"))
    assert spans_of(gold_spans.auto_gold(document)) == [(0, 4, 26, "attribution",
                                                            "unanimous")]


def test_adjudicated_gold_is_kept_unless_replace(doc):
    gold = [{**span(4, 12), "provenance": "adjudicated:carol"},
            {**span(51, 61, "framing"), "provenance": "majority"},
            {**span(0, 3, "framing"), "provenance": "expert panel"}]
    document = doc(review("alice", [span(4, 26), span(28, 43)]),
                   review("bob", [span(4, 26), span(28, 43)]), gold=gold)
    result = gold_spans.run_auto_gold(document)
    assert (result["kept"], result["removed"]) == (2, 1)
    # 4-26 overlaps carol's 4-12 of the same label: skipped; 28-43 is added.
    assert [(s["start"], s["end"]) for s in result["skipped"]] == [(4, 26)]
    assert stored_gold(document) == [
        (0, 0, 3, "framing", "expert panel"),
        (0, 4, 12, "attribution", "adjudicated:carol"),
        (0, 28, 43, "attribution", "unanimous"),
    ]
    # Running again changes nothing.
    gold_spans.auto_gold(document)
    assert len(stored_gold(document)) == 3
    gold_spans.auto_gold(document, replace=True)
    assert stored_gold(document) == [(0, 4, 26, "attribution", "unanimous"),
                                     (0, 28, 43, "attribution", "unanimous")]


def test_auto_gold_needs_an_admin(doc, make_user):
    document = doc(review("alice", [span(4, 26)]), review("bob", [span(4, 26)]))
    with pytest.raises(Forbidden):
        gold_spans.auto_gold(document, user=find_user("alice"))
    assert gold_spans.auto_gold(document, user=carol())[0]["provenance"] == "unanimous"


# --- unanimous spans and accepting --------------------------------------------------------------

def test_unanimous_spans(doc):
    document = doc(review("alice", [span(4, 26, source_type="official"), span(28, 43)]),
                   review("bob", [span(4, 26, source_type="official"), span(28, 44)]))
    [offer] = gold_spans.unanimous_offers(document)
    assert (offer["paragraph"], offer["start"], offer["end"], offer["label"]) == \
        (0, 4, 26, "attribution")
    assert offer["attributes"] == {"source_type": "official"}
    assert len(offer["annotation_ids"]) == 2 and offer["in_gold"] is False
    accepted, created = gold_spans.accept_unanimous(document, carol())
    assert created == 1 and spans_of(accepted) == [(0, 4, 26, "attribution", "unanimous")]
    assert gold_spans.unanimous_offers(document)[0]["in_gold"] is True
    assert gold_spans.accept_unanimous(document, carol())[1] == 0


def _annotation(document, reviewer, start):
    return db.session.scalar(db.select(Annotation).join(Annotation.reviewer).where(
        Annotation.document_id == document.id, Annotation.start == start,
        Annotation.reviewer.has(username=reviewer)))


def test_accept_span_copies_it_and_is_idempotent(doc):
    document = doc(review("alice", [span(4, 26, source_type="official")]),
                   review("bob", [span(4, 17, source_type="expert")]))
    first = _annotation(document, "alice", 4)
    gold, created = gold_spans.accept_span(document, first.id, carol())
    assert created and gold["provenance"] == "adjudicated:carol"
    assert (gold["start"], gold["end"], gold["attributes"]) == (4, 26, {"source_type": "official"})
    again, created = gold_spans.accept_span(document, first.id, carol())
    assert not created and again["id"] == gold["id"]
    assert len(stored_gold(document)) == 1


def test_accepting_an_auto_proposal_marks_it_adjudicated(doc):
    document = doc(review("alice", [span(4, 26, source_type="official")]),
                   review("bob", [span(4, 26)]), review("dave", []))
    [proposal] = gold_spans.auto_gold(document)
    gold, created = gold_spans.accept_span(document, _annotation(document, "alice", 4).id,
                                             carol())
    assert not created and gold["id"] == proposal["id"]
    assert gold["provenance"] == "adjudicated:carol"
    assert gold["attributes"] == {"source_type": "official"}


def test_accept_paragraph(doc):
    document = doc(review("alice", [span(4, 26), span(51, 61, "framing"),
                                    {**span(0, 7), "paragraph": 1}]),
                   review("bob", []))
    accepted, created = gold_spans.accept_paragraph(document, 0, "Alice", carol())
    assert created == 2
    assert spans_of(accepted) == [(0, 4, 26, "attribution", "adjudicated:carol"),
                                  (0, 51, 61, "framing", "adjudicated:carol")]
    assert gold_spans.accept_paragraph(document, 0, "alice", carol())[1] == 0
    with pytest.raises(Invalid):
        gold_spans.accept_paragraph(document, 0, "bob", carol())
    with pytest.raises(Invalid):
        gold_spans.accept_paragraph(document, 7, "alice", carol())


def test_create_update_delete_gold(doc):
    document = doc(review("alice", []), review("bob", []))
    gold = gold_spans.create_gold_span(document, span(4, 12, source_type="official"),
                                         carol())
    assert gold["text"] == "minister" and gold["provenance"] == "adjudicated:carol"
    with pytest.raises(Conflict):
        gold_spans.create_gold_span(document, span(4, 12), carol())
    with pytest.raises(Invalid) as error:
        gold_spans.create_gold_span(document, span(4, 99), carol())
    assert error.value.field == "end"
    with pytest.raises(Invalid) as error:
        gold_spans.create_gold_span(document, span(4, 12, source_type="nobody"), carol())
    assert error.value.field == "attributes.source_type"

    changed = gold_spans.update_gold_span(gold["id"], {"end": 17, "note": "with the cue"},
                                            carol())
    assert (changed["text"], changed["note"]) == ("minister said", "with the cue")
    assert changed["attributes"] == {"source_type": "official"}
    relabelled = gold_spans.update_gold_span(gold["id"], {"label": "framing"}, carol())
    assert relabelled["label"] == "framing" and relabelled["attributes"] == {}
    with pytest.raises(Invalid):
        gold_spans.update_gold_span(gold["id"], {"start": 20, "end": 10}, carol())
    with pytest.raises(Invalid):
        gold_spans.update_gold_span(gold["id"], {"paragraph": 1}, carol())

    other = gold_spans.create_gold_span(document, span(0, 3, "framing"), carol())
    with pytest.raises(Conflict):
        gold_spans.update_gold_span(other["id"], {"start": 4, "end": 17}, carol())
    gold_spans.delete_gold_span(other["id"], carol())
    assert stored_gold(document) == [(0, 4, 17, "framing", "adjudicated:carol")]


def test_edits_by_an_admin_become_adjudicated(doc):
    document = doc(review("alice", [span(4, 26)]), review("bob", [span(4, 26)]))
    [proposal] = gold_spans.auto_gold(document)
    edited = gold_spans.update_gold_span(proposal["id"], {"note": "checked"}, carol())
    assert edited["provenance"] == "adjudicated:carol"


def test_reviewers_cannot_change_gold(doc):
    document = doc(review("alice", [span(4, 26)]), review("bob", [span(4, 26)]))
    alice = find_user("alice")
    annotation = _annotation(document, "alice", 4)
    gold = gold_spans.create_gold_span(document, span(0, 3), carol())
    for call in (
        lambda: gold_spans.accept_span(document, annotation.id, alice),
        lambda: gold_spans.accept_paragraph(document, 0, "alice", alice),
        lambda: gold_spans.accept_unanimous(document, alice),
        lambda: gold_spans.create_gold_span(document, span(4, 12), alice),
        lambda: gold_spans.update_gold_span(gold["id"], {"note": "x"}, alice),
        lambda: gold_spans.delete_gold_span(gold["id"], alice),
    ):
        with pytest.raises(Forbidden):
            call()
    assert stored_gold(document) == [(0, 0, 3, "attribution", "adjudicated:carol")]


# --- the JSON API ---------------------------------------------------------------------------

@pytest.fixture
def three(make_document, project):
    return make_document("news", [TEXT, SECOND], reviews=[
        review("alice", [span(4, 26, source_type="official"), span(51, 61, "framing")]),
        review("bob", [span(4, 26, source_type="official"), span(28, 43)]),
        review("dave", [span(4, 17), span(28, 43)]),
    ])


def test_api_accept_auto_edit_delete(client, auth, three):
    admin = auth("carol", role="admin")
    base = f"/api/documents/{three}"
    annotations = client.get(f"{base}/annotations?reviewer=alice", headers=admin).json
    framing = next(a for a in annotations if a["label"] == "framing")

    r = client.post(f"{base}/gold/accept", json={"annotation_id": framing["id"]}, headers=admin)
    assert r.status_code == 201 and r.json["created"] == 1
    assert r.json["accepted"][0]["provenance"] == "adjudicated:carol"
    r = client.post(f"{base}/gold/accept", json={"annotation_id": framing["id"]}, headers=admin)
    assert r.status_code == 200 and r.json["created"] == 0 and len(r.json["gold"]) == 1

    r = client.get(f"{base}/gold/unanimous", headers=admin)
    assert [(u["start"], u["end"]) for u in r.json] == []  # dave's 4-17 differs
    r = client.get(f"{base}/gold/proposal", headers=admin)
    assert [(p["start"], p["end"], p["provenance"]) for p in r.json] == [
        (4, 26, "majority"), (28, 43, "majority")]

    r = client.post(f"{base}/gold/auto", headers=admin)
    assert r.status_code == 200
    assert [(p["start"], p["end"], p["provenance"]) for p in r.json["proposed"]] == [
        (4, 26, "majority"), (28, 43, "majority")]
    assert r.json["proposed"][0]["attributes"] == {"source_type": "official"}
    assert (r.json["kept"], r.json["removed"]) == (1, 0)
    assert len(r.json["gold"]) == 3

    majority = r.json["proposed"][1]
    r = client.patch(f"/api/gold/{majority['id']}", json={"label": "framing", "end": 50},
                     headers=admin)
    assert r.status_code == 200
    assert (r.json["label"], r.json["text"], r.json["provenance"]) == \
        ("framing", "officials claim, would", "adjudicated:carol")
    r = client.patch(f"/api/gold/{majority['id']}", json={"end": 99}, headers=admin)
    assert r.status_code == 422 and r.json["field"] == "end"

    r = client.delete(f"/api/gold/{majority['id']}", headers=admin)
    assert r.status_code == 204
    assert client.delete(f"/api/gold/{majority['id']}", headers=admin).status_code == 404

    r = client.post(f"{base}/gold/spans", json=span(0, 3, "framing", valence="neutral"),
                    headers=admin)
    assert r.status_code == 201 and r.json["attributes"] == {"valence": "neutral"}
    r = client.post(f"{base}/gold/spans", json=span(0, 3, "framing"), headers=admin)
    assert r.status_code == 409

    r = client.post(f"{base}/gold/accept", json={"paragraph": 0, "reviewer": "dave"},
                    headers=admin)
    assert r.status_code == 201 and r.json["created"] == 2

    gold = client.get(f"{base}/gold", headers=admin).json
    assert [(g["start"], g["end"], g["label"], g["provenance"]) for g in gold] == [
        (0, 3, "framing", "adjudicated:carol"),
        (4, 17, "attribution", "adjudicated:carol"),
        (4, 26, "attribution", "majority"),
        (28, 43, "attribution", "adjudicated:carol"),
        (51, 61, "framing", "adjudicated:carol"),
    ]


def test_api_accept_unanimous(client, auth, make_document, project):
    doc_id = make_document("news", [TEXT], reviews=[
        review("alice", [span(4, 26), span(28, 43)], reviewed=[0]),
        review("bob", [span(4, 26), span(28, 43)], reviewed=[0])])
    admin = auth("carol", role="admin")
    base = f"/api/documents/{doc_id}/gold"
    r = client.post(f"{base}/accept-unanimous",
                    json={"paragraph": 0, "label": "attribution", "start": 28, "end": 43},
                    headers=admin)
    assert r.status_code == 201 and [g["start"] for g in r.json["gold"]] == [28]
    r = client.post(f"{base}/accept-unanimous", headers=admin)
    assert r.status_code == 201 and r.json["created"] == 1
    assert [(g["start"], g["provenance"]) for g in r.json["gold"]] == [
        (4, "unanimous"), (28, "unanimous")]
    assert client.post(f"{base}/accept-unanimous", headers=admin).status_code == 200


def test_api_errors(client, auth, three):
    admin = auth("carol", role="admin")
    base = f"/api/documents/{three}/gold"
    r = client.post(f"{base}/accept", json={"annotation_id": 99999}, headers=admin)
    assert r.status_code == 404 and "99999" in r.json["error"]
    r = client.post(f"{base}/accept", json={"annotation_id": "x"}, headers=admin)
    assert r.status_code == 422 and r.json["field"] == "annotation_id"
    r = client.post(f"{base}/accept", json={"reviewer": "alice"}, headers=admin)
    assert r.status_code == 422
    r = client.post(f"{base}/accept", json={"paragraph": 0, "reviewer": "nobody"},
                    headers=admin)
    assert r.status_code == 404 and "nobody" in r.json["error"]
    r = client.post(f"{base}/auto", json={"replace": "yes"}, headers=admin)
    assert r.status_code == 422 and r.json["field"] == "replace"
    r = client.post(f"{base}/spans", data="{", headers={**admin,
                                                        "Content-Type": "application/json"})
    assert r.status_code == 400
    assert client.post("/api/documents/9999/gold/auto", headers=admin).status_code == 404
    assert client.post(f"{base}/auto").status_code == 401


def test_api_reviewers_get_403(client, auth, three):
    admin = auth("carol", role="admin")
    gold = client.post(f"/api/documents/{three}/gold/spans", json=span(0, 3),
                       headers=admin).json
    reviewer = auth("alice")
    base = f"/api/documents/{three}/gold"
    annotation = client.get(f"/api/documents/{three}/annotations", headers=reviewer).json[0]
    for method, url, body in (
        ("post", f"{base}/auto", None),
        ("post", f"{base}/accept", {"annotation_id": annotation["id"]}),
        ("post", f"{base}/accept", {"paragraph": 0, "reviewer": "alice"}),
        ("post", f"{base}/accept-unanimous", None),
        ("post", f"{base}/spans", span(4, 12)),
        ("get", f"{base}/unanimous", None),
        ("get", f"{base}/proposal", None),
        ("patch", f"/api/gold/{gold['id']}", {"note": "mine"}),
        ("delete", f"/api/gold/{gold['id']}", None),
    ):
        r = getattr(client, method)(url, json=body, headers=reviewer)
        assert r.status_code == 403, (method, url, r.json)
        assert r.json["error"] == "Only an admin can do this."
    gold_now = client.get(f"/api/documents/{three}/gold", headers=admin).json
    assert [(g["id"], g["note"]) for g in gold_now] == [(gold["id"], "")]


# --- the page -----------------------------------------------------------------------------

CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def login(client, name):
    form = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"username": name, "password": "password-123",
                                "csrf_token": CSRF_FIELD.search(form).group(1)})


def test_session_writes_need_the_csrf_token_of_the_page(client, three):
    login(client, "carol")
    html = client.get(f"/documents/{three}/adjudicate").get_data(as_text=True)
    token = CSRF_META.search(html).group(1)
    r = client.post(f"/api/documents/{three}/gold/auto", json={})
    assert r.status_code == 400 and "CSRF" in r.json["error"]
    r = client.post(f"/api/documents/{three}/gold/auto", json={},
                    headers={"X-CSRFToken": token})
    assert r.status_code == 200 and len(r.json["proposed"]) == 2


def test_page_for_admins_only(client, make_user, three):
    make_user("erin")
    login(client, "erin")
    assert client.get(f"/documents/{three}/adjudicate").status_code == 403
    logout(client)
    login(client, "carol")
    r = client.get(f"/documents/{three}/adjudicate")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert 'name="csrf-token"' in html and "adjudicate-data" in html
    assert 'data-paragraph-index="0"' in html
    assert "style=" not in html and "<script>" not in html
    assert client.get("/documents/9999/adjudicate").status_code == 404


def test_page_data_holds_rows_gold_and_offers(client, make_document, project):
    doc_id = make_document("news", [TEXT, SECOND], reviews=[
        review("alice", [span(4, 26)]), review("bob", [span(4, 26)])],
        gold=[{**span(51, 61, "framing"), "provenance": "majority"}])
    login(client, "carol")
    html = client.get(f"/documents/{doc_id}/adjudicate").get_data(as_text=True)
    start = html.index('id="adjudicate-data">') + len('id="adjudicate-data">')
    data = json.loads(html[start:html.index("</script>", start)])
    assert [r["reviewer"] for r in data["paragraphs"][0]["reviewers"]] == ["alice", "bob"]
    assert [(g["start"], g["provenance"]) for g in data["gold"]] == [(51, "majority")]
    assert [(u["start"], u["end"]) for u in data["unanimous"]] == [(4, 26)]
    assert data["urls"]["auto"].endswith(f"/api/documents/{doc_id}/gold/auto")


# --- the export -----------------------------------------------------------------------------

def test_gold_comes_out_in_the_gold_only_export(app, runner, doc):
    document = doc(review("alice", [span(4, 26), span(51, 61, "framing")]),
                   review("bob", [span(4, 26)]), review("dave", [span(4, 17)]))
    gold_spans.auto_gold(document)
    framing = _annotation(document, "alice", 51)
    gold_spans.accept_span(document, framing.id, carol())
    result = runner.invoke(args=["export", "news", "--format", "jsonl", "--gold-only"])
    assert result.exit_code == 0, result.output
    [line] = result.output.strip().splitlines()
    exported = json.loads(line)
    assert [(g["paragraph"], g["start"], g["end"], g["label"], g["text"], g["provenance"])
            for g in exported["gold"]] == [
        (0, 4, 26, "attribution", "minister said the plan", "majority"),
        (0, 51, 61, "framing", "fail badly", "adjudicated:carol"),
    ]


# --- rejected proposals ---------------------------------------------------------------------

def test_a_deleted_proposal_is_not_proposed_again(client, auth, three):
    admin = auth("carol", role="admin")
    base = f"/api/documents/{three}"
    first = client.post(f"{base}/gold/auto", headers=admin).json
    assert [(p["start"], p["end"]) for p in first["proposed"]] == [(4, 26), (28, 43)]
    assert first["rejected"] == []
    rejected = first["proposed"][1]
    assert client.delete(f"/api/gold/{rejected['id']}", headers=admin).status_code == 204

    again = client.post(f"{base}/gold/auto", headers=admin).json
    assert [(p["start"], p["end"]) for p in again["proposed"]] == [(4, 26)]
    assert [(p["start"], p["end"], p["label"]) for p in again["rejected"]] == [
        (28, 43, "attribution")]
    assert [(g["start"], g["end"]) for g in again["gold"]] == [(4, 26)]
    # the rejection is per label: gold of another label there is a separate matter, and
    # gold set there by hand lifts it
    r = client.post(f"{base}/gold/spans", json=span(28, 43), headers=admin)
    assert r.status_code == 201
    assert client.delete(f"/api/gold/{r.json['id']}", headers=admin).status_code == 204
    assert client.post(f"{base}/gold/auto", headers=admin).json["rejected"] != []
    # replace: a fresh start from the reviewers' spans, rejections forgotten
    fresh = client.post(f"{base}/gold/auto", json={"replace": True}, headers=admin).json
    assert [(p["start"], p["end"]) for p in fresh["proposed"]] == [(4, 26), (28, 43)]
    assert fresh["rejected"] == []


def test_accepting_by_hand_lifts_a_rejection(doc):
    """A unanimous span accepted by a person is gold with provenance unanimous, which auto
    gold recomputes: the rejection made before must not make it vanish on the next run."""
    document = doc(review("alice", [span(4, 26)]), review("bob", [span(4, 26)]))
    carol = find_user("carol")
    first = gold_spans.run_auto_gold(document, user=carol)
    target = first["proposed"][0]
    assert target["provenance"] == "unanimous"
    gold_spans.delete_gold_span(target["id"], carol)
    assert [p["start"] for p in gold_spans.run_auto_gold(document, user=carol)["rejected"]] \
        == [4]
    only = {k: target[k] for k in ("paragraph", "label", "start", "end")}
    _, added = gold_spans.accept_unanimous(document, carol, only)
    assert added == 1
    after = gold_spans.run_auto_gold(document, user=carol)
    assert after["rejected"] == [] and [p["start"] for p in after["proposed"]] == [4]
    assert stored_gold(document) == [(0, 4, 26, "attribution", "unanimous")]


def test_rejections_go_with_their_document(app, client, auth, three):
    from annotator.models import GoldRejection

    admin = auth("carol", role="admin")
    proposed = client.post(f"/api/documents/{three}/gold/auto", headers=admin).json["proposed"]
    client.delete(f"/api/gold/{proposed[0]['id']}", headers=admin)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(GoldRejection)) == 1
        db.session.delete(db.session.get(Document, three))
        db.session.commit()
        assert db.session.scalar(db.select(db.func.count()).select_from(GoldRejection)) == 0


def test_an_edited_proposal_is_not_proposed_again_in_its_first_form(client, auth, three):
    admin = auth("carol", role="admin")
    base = f"/api/documents/{three}"
    proposed = client.post(f"{base}/gold/auto", headers=admin).json["proposed"]
    first = proposed[0]  # attribution 4-26
    r = client.patch(f"/api/gold/{first['id']}", json={"label": "framing"}, headers=admin)
    assert r.status_code == 200
    # a note only changes nothing of the place: no rejection
    r = client.patch(f"/api/gold/{proposed[1]['id']}", json={"note": "checked"}, headers=admin)
    assert r.status_code == 200
    again = client.post(f"{base}/gold/auto", headers=admin).json
    assert [(p["start"], p["label"]) for p in again["rejected"]] == [(4, "attribution")]
    assert sorted((g["start"], g["label"], g["provenance"]) for g in again["gold"]) == [
        (4, "framing", "adjudicated:carol"), (28, "attribution", "adjudicated:carol")]


def test_put_gold_goes_through_the_one_write_path(client, auth, three):
    """PUT of the gold is a person's gold like any other: a span it sets lifts a rejection
    at its place, and a span it drops is rejected as if deleted (it used to do neither)."""
    admin = auth("carol", role="admin")
    base = f"/api/documents/{three}"
    proposed = client.post(f"{base}/gold/auto", headers=admin).json["proposed"]
    first, second = proposed  # attribution 4-26 and 28-43
    assert client.delete(f"/api/gold/{second['id']}", headers=admin).status_code == 204
    assert [p["start"] for p in client.post(f"{base}/gold/auto", headers=admin)
            .json["rejected"]] == [28]
    # PUT sets 28-43 again and drops 4-26
    r = client.put(f"{base}/gold", json=[{**span(28, 43), "provenance": "majority"}],
                   headers=admin)
    assert r.status_code == 200, r.json
    again = client.post(f"{base}/gold/auto", headers=admin).json
    assert [(p["start"], p["end"]) for p in again["rejected"]] == [(4, 26)]
    assert [(g["start"], g["end"]) for g in again["gold"]] == [(28, 43)]


def test_a_submitted_document_is_reviewed_throughout_for_adjudication(doc):
    """The one reviewed rule (tokens.py): a reviewer who submitted the document reviewed every
    paragraph of it, marks or no marks, as in the agreement figures and the compare view."""
    from annotator.models import ParagraphReview

    document = doc(review("alice", [span(4, 26)], reviewed=[], status="submitted"),
                   review("bob", [span(4, 26)], reviewed=[], status="submitted"))
    db.session.execute(db.delete(ParagraphReview))
    db.session.commit()
    assert spans_of(gold_spans.auto_gold(document)) == [(0, 4, 26, "attribution", "unanimous")]
