"""The annotate page as HTML: rendering, escaping, access, the per-project stylesheet."""

from __future__ import annotations

import html
import json
import re

import pytest
from sqlalchemy import func, select

from annotator.colours import contrast, label_colours
from annotator.extensions import db
from tests.helpers import csrf_from

# the default codebook's required article-level question, answered before a submission
ANSWERS = {"primary_frame": "political"}


def login(client, user_id: int) -> None:
    """Log the user in without the form: a session of theirs, named in the cookie."""
    from annotator.accounts import start_session
    from annotator.extensions import db
    from annotator.models import User

    with client.application.app_context():
        key = start_session(db.session.get(User, user_id))
    with client.session_transaction() as session:
        session["_user_id"] = key
        session["_fresh"] = True


def take_next(client, slug: str):
    """"Next document" as a browser asks for it: the GET only offers a button, whose form
    posts with the CSRF token."""
    page = client.get(f"/projects/{slug}/next")
    assert page.status_code == 200
    return client.post(f"/projects/{slug}/next",
                       data={"csrf_token": csrf_from(page.get_data(as_text=True))})


def page_data(body: str) -> dict:
    match = re.search(r'<script type="application/json" id="annotate-data">(.*?)</script>',
                      body, re.S)
    assert match, "the page has no annotate-data block"
    return json.loads(match.group(1))


@pytest.fixture
def alice(make_user):
    return make_user("alice")


@pytest.fixture
def document(make_project, make_document):
    make_project("news")
    return make_document("news", ["Iraqi Prime Minister said so.", "Second 😀 paragraph."],
                         title="Troops leave Iraq", source="RT")


@pytest.mark.both_engines
def test_page_renders_paragraphs_and_hooks(client, alice, document):
    login(client, alice)
    response = client.get(f"/documents/{document}/annotate")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert '<meta name="csrf-token" content="' in body
    assert 'data-paragraph-index="0"' in body and 'data-paragraph-index="1"' in body
    assert '<div class="paragraph-text">Iraqi Prime Minister said so.</div>' in body
    assert '<div class="paragraph-text">Second 😀 paragraph.</div>' in body
    assert 'aria-current="true"' in body
    assert "data-save-status" in body
    for key in ("framing", "attribution", "expert-opinion", "disclaimer"):
        assert f'data-label="{key}"' in body
    assert "Troops leave Iraq" in body and "RT" in body
    assert 'type="module"' in body
    data = page_data(body)
    assert data["document"] == {"id": document, "title": "Troops leave Iraq",
                                "project": "news", "paragraphs": 2, "layout": 0}
    assert data["user"]["id"] == alice
    assert data["readonly"] is False
    assert data["spans"] == [] and data["reviewed"] == []
    assert data["urls"]["annotation"] == "/api/annotations/{id}"
    assert data["urls"]["review"] == f"/api/documents/{document}/paragraphs/{{index}}/review"
    assert data["urls"]["annotations"] == f"/api/documents/{document}/annotations"


def test_page_obeys_the_content_security_policy(client, alice, document):
    login(client, alice)
    response = client.get(f"/documents/{document}/annotate")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    body = response.get_data(as_text=True)
    assert "style=" not in body
    # The only script without src is the JSON data block, which is never executed.
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", body)
    assert inline == [' type="application/json" id="annotate-data"']


@pytest.mark.both_engines
def test_spans_and_reviews_are_in_the_page(client, alice, auth, document):
    headers = auth("alice")
    span = client.post(f"/api/documents/{document}/annotations", headers=headers, json={
        "paragraph": 1, "start": 7, "end": 8, "label": "framing", "client_id": "c-1",
        "attributes": {"valence": "negative"}, "note": "emoji"}).get_json()
    client.put(f"/api/documents/{document}/paragraphs/0/review", headers=headers)
    login(client, alice)
    body = client.get(f"/documents/{document}/annotate").get_data(as_text=True)
    data = page_data(body)
    assert data["spans"] == [{
        "id": span["id"], "paragraph": 1, "start": 7, "end": 8, "label": "framing",
        "attributes": {"valence": "negative"}, "note": "emoji", "client_id": "c-1"}]
    assert data["reviewed"] == [0]
    assert data["current"] == 1
    assert 'data-paragraph-index="0" data-number="1" data-reviewed="true"' in body
    assert re.search(r'data-paragraph-index="1"[^>]*aria-current="true"', body)


@pytest.mark.both_engines
def test_script_in_titles_and_text_is_escaped(client, alice, auth, make_project,
                                              make_document):
    make_project("news")
    evil = '</script><script>alert("x")</script> & <b>bold</b>'
    doc = make_document("news", [evil, "Fine."], title='<script>alert("title")</script>',
                        source="<i>Outlet</i>")
    client.post(f"/api/documents/{doc}/annotations", headers=auth("alice"), json={
        "paragraph": 0, "start": 0, "end": 9, "label": "framing", "note": evil,
        "attributes": {"target": "</script><!-- 'x' & y"}})
    login(client, alice)
    body = client.get(f"/documents/{doc}/annotate").get_data(as_text=True)
    assert "<script>alert(" not in body
    assert "<b>bold</b>" not in body and "<i>Outlet</i>" not in body
    assert html.escape(evil, quote=False) in body.replace("&#34;", '"')
    assert "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;" in body
    data = page_data(body)  # the JSON block survives and reads back exactly
    assert data["document"]["title"] == '<script>alert("title")</script>'
    assert data["spans"][0]["note"] == evil
    assert data["spans"][0]["attributes"] == {"target": "</script><!-- 'x' & y"}
    block = re.search(r'id="annotate-data">(.*?)</script>', body, re.S).group(1)
    assert "<" not in block and "&" not in block


def test_unknown_document_is_404(client, alice, document):
    login(client, alice)
    response = client.get("/documents/9999/annotate")
    assert response.status_code == 404
    assert "There is no document 9999." in response.get_data(as_text=True)


def test_anonymous_is_sent_to_login(client, document):
    response = client.get(f"/documents/{document}/annotate")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert f"/documents/{document}/annotate" in response.headers["Location"].replace("%2F", "/")


def test_other_reviewers_spans_in_a_blind_project_are_403(client, alice, make_user,
                                                           document):
    make_user("bob")
    login(client, alice)
    response = client.get(f"/documents/{document}/annotate?reviewer=bob")
    assert response.status_code == 403
    assert "blind" in response.get_data(as_text=True)


def test_admin_sees_another_reviewers_spans_read_only(client, make_user, auth, document):
    auth("bob")
    client.post(f"/api/documents/{document}/annotations", headers=auth("bob"), json={
        "paragraph": 0, "start": 0, "end": 5, "label": "attribution"})
    admin = make_user("root", role="admin")
    login(client, admin)
    response = client.get(f"/documents/{document}/annotate?reviewer=bob")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    data = page_data(body)
    assert data["readonly"] is True and data["viewing_other"] is True
    assert data["owner"] == "bob"
    assert [s["label"] for s in data["spans"]] == ["attribution"]
    assert "spans: read-only" in body
    assert client.get(f"/documents/{document}/annotate?reviewer=nobody").status_code == 404


@pytest.mark.both_engines
def test_submitted_document_is_read_only(client, alice, auth, document):
    client.put(f"/api/documents/{document}/answers", json=ANSWERS, headers=auth("alice"))
    client.post(f"/api/documents/{document}/submit", headers=auth("alice"))
    login(client, alice)
    body = client.get(f"/documents/{document}/annotate").get_data(as_text=True)
    data = page_data(body)
    assert data["readonly"] is True and data["status"] == "submitted"
    assert data["reviewed"] == [0, 1]
    assert "You have submitted this document: it is read-only." in body
    assert re.search(r'<button type="button" class="label-button" data-label="framing"[^>]*'
                     r"disabled", body)


def test_codebook_css(client, alice, make_project):
    codebook = {"labels": [
        {"key": "loaded", "name": "Loaded", "color": "#FFEE00", "hotkey": "l"},
        {"key": "dark_one", "name": "Dark", "color": "#101010"},
    ]}
    make_project("css", codebook=codebook)
    login(client, alice)
    response = client.get("/projects/css/codebook.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    css = response.get_data(as_text=True)
    assert '[data-label="loaded"] { --label: #ffee00; --label-ink: #161b24;' in css
    assert '[data-label="dark_one"] { --label: #101010; --label-ink: #ffffff;' in css
    assert "<" not in css and "style" not in css
    again = client.get("/projects/css/codebook.css",
                       headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert client.get("/projects/nothing/codebook.css").status_code == 404


def test_codebook_css_needs_login(client, make_project):
    make_project("news")
    assert client.get("/projects/news/codebook.css").status_code == 302


@pytest.mark.parametrize("color", ["#e07a2f", "#2f78c4", "#2a9a5b", "#8a5cc7", "#ffff00",
                                   "#000000", "#ffffff", "#777777"])
def test_label_colours_are_readable(color):
    colours = label_colours(color)
    assert contrast(colours["label-ink"], colours["label"]) >= 4.5 or color == "#777777"
    assert contrast(colours["label-tint-ink"], colours["label-tint"]) >= 7
    assert contrast(colours["label-line"], "#ffffff") >= 3


def test_project_page_links_to_the_annotate_page(client, alice, document):
    login(client, alice)
    body = client.get("/projects/news").get_data(as_text=True)
    assert f'href="/documents/{document}/annotate"' in body
    response = take_next(client, "news")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/documents/{document}/annotate")


def test_csrf_token_endpoint(client, alice):
    login(client, alice)
    response = client.get("/annotate/csrf-token")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert len(response.get_json()["csrf_token"]) > 20


def test_large_document_renders(app, client, alice, make_project):
    """1,000 paragraphs and 5,000 spans: the page holds all of them. How long it takes is
    measured by the annotate_page benchmark, not here."""
    from annotator.codebook import load_codebook
    from annotator.imports import import_documents, parse_document_object
    from annotator.models import Annotation, Project

    make_project("big")
    paragraphs = [f"Paragraph {i}: the quick brown fox 🦊 jumps over the lazy dog, said "
                  f"an official to the newspaper." for i in range(1000)]
    with app.app_context():
        project = db.session.scalar(db.select(Project).where(Project.slug == "big"))
        doc = parse_document_object({"title": "Big", "paragraphs": paragraphs},
                                    load_codebook(project.codebook), "test")
        doc_id = import_documents(project, [doc]).documents[0]
        labels = ["framing", "attribution", "expert-opinion", "disclaimer", "framing"]
        db.session.execute(db.insert(Annotation), [
            {"document_id": doc_id, "paragraph_index": i // 5, "reviewer_id": alice,
             "start": (i % 5) * 10, "end": (i % 5) * 10 + 15, "label": labels[i % 5],
             "attributes": {}, "note": ""} for i in range(5000)])
        db.session.commit()
    login(client, alice)
    response = client.get(f"/documents/{doc_id}/annotate")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.count('class="paragraph-text"') == 1000
    assert len(page_data(body)["spans"]) == 5000


def test_open_project_shows_others_spans_after_submitting(client, alice, auth, make_user,
                                                         make_project, make_document):
    make_project("open", blind=False)
    doc = make_document("open", ["One.", "Two."])
    auth("bob")
    login(client, alice)
    response = client.get(f"/documents/{doc}/annotate?reviewer=bob")
    assert response.status_code == 403
    assert "Submit your own work" in response.get_data(as_text=True)
    client.put(f"/api/documents/{doc}/answers", json=ANSWERS, headers=auth("alice"))
    client.post(f"/api/documents/{doc}/submit", headers=auth("alice"))
    response = client.get(f"/documents/{doc}/annotate?reviewer=bob")
    assert response.status_code == 200
    assert page_data(response.get_data(as_text=True))["viewing_other"] is True


@pytest.mark.both_engines
def test_reviewers_per_document_limits_the_page_to_assigned_documents(
        client, alice, make_user, make_project, make_document):
    make_project("shared", reviewers_per_document=1)
    first = make_document("shared", ["First document."])
    second = make_document("shared", ["Second document."])
    login(client, alice)
    response = client.get(f"/documents/{first}/annotate")
    assert response.status_code == 403
    assert "not assigned to you" in response.get_data(as_text=True)
    assert f"/documents/{first}/annotate" not in client.get("/projects/shared").get_data(
        as_text=True)
    # A GET of "next" (a link from anywhere) assigns nothing.
    assert client.get("/projects/shared/next").status_code == 200
    with client.application.app_context():
        from annotator.models import DocumentReview

        assert db.session.scalar(select(func.count()).select_from(DocumentReview)) == 0
    # "Next document" assigns one and opens it on the annotate page.
    response = take_next(client, "shared")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/documents/{first}/annotate")
    assert client.get(f"/documents/{first}/annotate").status_code == 200
    body = client.get("/projects/shared").get_data(as_text=True)
    assert f"/documents/{first}/annotate" in body and f"/documents/{second}/annotate" not in body
    # Bob gets the other one; then nothing is left for a third reviewer.
    login(client, make_user("bob"))
    assert take_next(client, "shared").headers["Location"].endswith(
        f"/documents/{second}/annotate")
    login(client, make_user("carol"))
    response = take_next(client, "shared")
    assert response.headers["Location"] == "/projects/shared"
    # An admin opens any document.
    login(client, make_user("root", role="admin"))
    assert client.get(f"/documents/{second}/annotate").status_code == 200
