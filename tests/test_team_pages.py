"""The downloads page and the team dashboard."""

import re

import pytest
from sqlalchemy import func, select

from annotator.extensions import db
from annotator.models import DocumentReview
from tests.helpers import logout
from tests.test_security import login

pytestmark = pytest.mark.both_engines


@pytest.fixture
def project(make_project, make_document, make_user):
    make_user("root", role="admin")
    for name in ("ann", "ben", "cat"):
        make_user(name)
    make_project("team", reviewers_per_document=2)
    return [make_document("team", [f"Text {i}."], title=f"Doc <{i}>", source="RT" if i % 2
                          else "AP") for i in range(6)]


def _csrf(html):
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_export_page_builds_download_links(client, project):
    login(client, "root")
    html = client.get("/projects/team/export?format=csv&source=RT&title=doc").get_data(
        as_text=True)
    assert "3 of 6 documents selected" in html
    link = re.search(r'href="(/api/projects/team/export\?[^"]+)"', html).group(1)
    link = link.replace("&amp;", "&")
    assert "format=csv" in link and "documents=" in link
    response = client.get(link)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    html = client.get("/projects/team/export?title=nothing-matches").get_data(as_text=True)
    assert "No document matches" in html


def test_blind_reviewer_downloads_only_their_own(client, project):
    login(client, "ann")
    html = client.get("/projects/team/export").get_data(as_text=True)
    assert "you download your own spans" in html and "reviewers=ann" in html
    assert "gold_only" not in html


def test_dashboard_assigns_and_reassigns(app, client, project):
    login(client, "ann")
    assert client.get("/projects/team/team").status_code == 403
    logout(client)
    login(client, "root")
    html = client.get("/projects/team/team").get_data(as_text=True)
    assert "Team progress" in html and "2 reviewers per document" in html
    token = _csrf(html)
    r = client.post("/projects/team/team/assign", data={"reviewer": ["ann", "ben", "cat"],
                                                      "csrf_token": token})
    assert r.status_code == 302
    html = client.get("/projects/team/team").get_data(as_text=True)
    assert "Made 12 new assignments" in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DocumentReview)) == 12
    # without the CSRF token nothing happens
    assert client.post("/projects/team/team/assign", data={"reviewer": ["ann"]}).status_code \
        == 400
    # the first document went to the two least loaded by name: ann and ben
    client.post("/projects/team/team/reassign", data={
        "document": str(project[0]), "from": "ann", "to": "ben", "csrf_token": token})
    assert "already assigned to ben" in client.get("/projects/team/team").get_data(as_text=True)
    client.post("/projects/team/team/reassign", data={
        "document": str(project[0]), "from": "ann", "to": "cat", "csrf_token": token})
    html = client.get("/projects/team/team").get_data(as_text=True)
    assert f"Document {project[0]} moved from ann to cat" in html
    assert "Doc &lt;0&gt;" in html and "<0>" not in html


def test_dashboard_links_titles_and_shows_gold(app, client, make_user, make_project,
                                               make_document):
    make_user("root", role="admin")
    make_project("team")
    first = make_document("team", ["One.", "Two.", "Three."], title="With gold", reviews=[
        {"reviewer": "ann", "status": "submitted", "annotations": [
            {"paragraph": 0, "start": 0, "end": 3, "label": "framing"}]}],
        gold=[{"paragraph": 0, "start": 0, "end": 3, "label": "framing"},
              {"paragraph": 1, "start": 0, "end": 3, "label": "framing"}])
    second = make_document("team", ["Four."], title="Without gold")
    login(client, "root")
    html = client.get("/projects/team/team").get_data(as_text=True)
    rows = {m.group(1): m.group(0) for m in re.finditer(
        r"<tr>\s*<td class=\"num muted\">(\d+)</td>.*?</tr>", html, re.S)}
    gold_cell = re.search(r'<td class="gold-cell"[^>]*>(.*?)</td>', rows[str(first)], re.S)
    assert f'<a href="/documents/{first}" title="With gold">With gold</a>' in rows[str(first)]
    assert 'data-gold-spans="2" data-adjudicated="0"' in rows[str(first)]
    assert f'href="/documents/{first}/adjudicate">2 spans</a>' in gold_cell.group(1)
    assert "0/3 ¶ adjudicated" in gold_cell.group(1)
    assert 'data-gold-spans="0"' in rows[str(second)] and "0 spans" in rows[str(second)]
    # A reviewer's cell opens that reviewer's spans.
    assert f'href="/documents/{first}/annotate?reviewer=ann"' in rows[str(first)]


def test_gold_column_counts_adjudicated_paragraphs(app, client, make_user, make_project,
                                                   make_document):
    make_user("root", role="admin")
    make_project("team")
    doc = make_document("team", ["One.", "Two."], title="Adjudicated")
    login(client, "root")
    token = client.get("/annotate/csrf-token").json["csrf_token"]
    for index in (0, 1):
        r = client.put(f"/api/documents/{doc}/paragraphs/{index}/adjudicated",
                       headers={"X-CSRFToken": token})
        assert r.status_code == 200, r.json
    html = client.get("/projects/team/team").get_data(as_text=True)
    assert 'data-gold-spans="0" data-adjudicated="2"' in html and "2/2 ¶ adjudicated" in html
