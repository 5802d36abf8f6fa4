"""Web pages on the admin import page (saved files, and addresses fetched as a server fetches:
only what the operator allows), on both engines; and where a document came from, shown on
its pages.
"""

from __future__ import annotations

import html
import io
import re

import pytest

from tests.helpers import csrf_from, nothing_written
from tests.web_site import PAGES, RU_TITLE, WIRE_TITLE, documents, serving


@pytest.fixture
def site():
    with serving() as base:
        yield base


@pytest.fixture
def admin(client, make_user):
    make_user("root", role="admin", password="password-123")
    client.csrf = csrf_from(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"csrf_token": client.csrf, "username": "root",
                                "password": "password-123"})
    return client


def test_the_documents_pages_show_where_it_came_from(app, runner, admin, make_project, site):
    make_project("news")
    r = runner.invoke(args=["import", "news", "--allow-private", "--url", site + "/wire"])
    assert r.exit_code == 0, r.output
    doc = documents(app)[0]
    when = doc.meta["fetched_at"]
    shown = ('<span class="author">By Dana Whitfield</span>',
             f'Fetched from <a href="{site}/wire" rel="noopener noreferrer nofollow" '
             f'title="{site}/wire">127.0.0.1</a> on <time datetime="'
             f'{when.replace("Z", "+00:00")}">{when[:10]} {when[11:16]} UTC</time>')
    for url in (f"/documents/{doc.id}", f"/documents/{doc.id}/annotate"):
        body = admin.get(url).get_data(as_text=True)
        byline = re.search(r'<p class="byline[^"]*">.*?</p>', body, re.S).group(0)
        for part in shown:
            assert part in byline, (url, byline)


def test_an_origin_from_a_file_is_shown_as_text_and_linked_only_to_the_web(
        app, admin, make_project, make_document):
    make_project("news")
    doc_id = make_document("news", meta={"author": "<script>alert(1)</script>",
                                         "fetched_url": "javascript:alert(2)",
                                         "fetched_at": "yesterday"})
    for url in (f"/documents/{doc_id}", f"/documents/{doc_id}/annotate"):
        body = admin.get(url).get_data(as_text=True)
        assert "By &lt;script&gt;alert(1)&lt;/script&gt;" in body
        assert "<script>alert(1)" not in body
        assert "javascript:" not in body and "Fetched" not in body
    plain = make_document("news", paragraphs=["Other."], title="Plain")
    assert "Fetched" not in admin.get(f"/documents/{plain}").get_data(as_text=True)


# --- the admin import page -------------------------------------------------------------------

def upload(admin, files=(), urls=""):
    data = {"csrf_token": admin.csrf, "urls": urls,
            "files": [(io.BytesIO(content), name) for name, content in files]}
    response = admin.post("/admin/projects/news/import", data=data,
                          content_type="multipart/form-data")
    return response.status_code, html.unescape(response.get_data(as_text=True))


@pytest.mark.both_engines
def test_the_admin_page_imports_saved_pages(app, admin, make_project):
    make_project("news")
    page = admin.get("/admin/projects/news/import").get_data(as_text=True)
    assert 'accept=".txt,.md,.markdown,.html,.htm,.jsonl,.ndjson,.zip"' in page
    assert 'name="urls"' in page
    status, body = upload(admin, [("wire.html", (PAGES / "wire-story.html").read_bytes()),
                                  ("ru.htm", (PAGES / "ru-cp1251.html").read_bytes())])
    assert status == 200, body
    assert "Imported 2 documents, 14 paragraphs, 0 spans." in body
    wire, ru = documents(app)
    assert (wire.title, wire.source, wire.meta["author"]) == (
        WIRE_TITLE, "Northline News", "Dana Whitfield")
    assert (ru.title, ru.source, ru.meta["language"]) == (RU_TITLE, "Новости Поволжья", "ru")


@pytest.mark.both_engines
def test_the_admin_page_refuses_a_page_without_an_article_and_imports_nothing(
        app, admin, make_project):
    make_project("news")
    status, body = upload(admin, [("wire.html", (PAGES / "wire-story.html").read_bytes()),
                                  ("front.html", (PAGES / "no-article.html").read_bytes())])
    assert status == 422
    assert "front.html: the page is a list of articles (teasers that link to other pages), " \
           "not an article; import the articles' own pages." in body
    with app.app_context():
        assert nothing_written(include_users=False)


@pytest.mark.both_engines
def test_the_admin_page_fetches_only_what_the_operator_allows(app, admin, make_project, site):
    make_project("news")
    status, body = upload(admin, urls=f"{site}/wire\n")
    assert status == 422
    assert (f"{site}/wire: 127.0.0.1 is a loopback address, which imports may not fetch from; "
            f"name it in IMPORT_URL_ALLOW to allow it.") in body
    assert "--allow-private" not in body
    with app.app_context():
        assert nothing_written(include_users=False)
    app.config["IMPORT_URL_ALLOW"] = ["127.0.0.1"]
    status, body = upload(admin, [("rt.html", (PAGES / "rt-footnotes.html").read_bytes())],
                          urls=f"# today\n{site}/redirect\n\n{site}/live\n")
    assert status == 200, body
    assert "Imported 3 documents" in body
    rt, wire, live = documents(app)
    assert "fetched_url" not in rt.meta
    assert wire.meta["fetched_url"] == f"{site}/redirect"
    assert wire.meta["final_url"] == f"{site}/wire"
    assert live.meta["fetched_url"] == f"{site}/live"


def test_the_admin_page_fetches_a_limited_number_of_pages(app, admin, make_project, site):
    make_project("news")
    app.config["IMPORT_URL_MAX_PER_UPLOAD"] = 2
    status, body = upload(admin, urls="\n".join(f"{site}/wire?{n}" for n in range(3)))
    assert status == 422
    assert ("3 web pages are more than the 2 this page fetches at once; import a longer list "
            "with annotator import SLUG --urls FILE.") in body
