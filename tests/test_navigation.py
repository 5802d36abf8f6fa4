"""Navigation: every page has its breadcrumb (a nav labelled "Breadcrumb" whose last step is
the page itself), and the project page links to every page of the project."""

from __future__ import annotations

import io
from html.parser import HTMLParser

import pytest

from tests.test_admin_pages import login, post

pytestmark = pytest.mark.both_engines


class Breadcrumbs(HTMLParser):
    """The steps of each nav[aria-label=Breadcrumb]: (text, href, aria-current)."""

    def __init__(self):
        super().__init__()
        self.navs: list[list[list]] = []
        self.depth = 0  # inside a breadcrumb nav
        self.step: list | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "nav" and attrs.get("aria-label") == "Breadcrumb":
            self.navs.append([])
            self.depth = 1
        elif self.depth and tag == "nav":
            self.depth += 1
        elif self.depth and tag == "li":
            self.step = ["", None, None]
            self.navs[-1].append(self.step)
        elif self.depth and self.step is not None and tag in ("a", "span"):
            if tag == "a":
                self.step[1] = attrs.get("href")
            self.step[2] = attrs.get("aria-current", self.step[2])

    def handle_endtag(self, tag):
        if self.depth and tag == "nav":
            self.depth -= 1
        elif self.depth and tag == "li":
            self.step[0] = " ".join(self.step[0].split())
            self.step = None

    def handle_data(self, data):
        if self.step is not None:
            self.step[0] += data


def breadcrumbs(client, url: str) -> list[tuple]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    parser = Breadcrumbs()
    parser.feed(response.get_data(as_text=True))
    assert len(parser.navs) == 1, f"{url}: {len(parser.navs)} breadcrumb navs"
    return [tuple(step) for step in parser.navs[0]]


@pytest.fixture
def site(app, client, make_user, make_project, make_document):
    make_user("root", role="admin")
    make_user("alice")
    make_project("news", name="News 2021")
    doc = make_document("news", ["First paragraph.", "Second one."], title="Iraq, one year on",
                        reviews=[{"reviewer": "alice", "status": "submitted", "annotations": []}])
    return doc


def trail(*steps):
    """Steps as (text, href) with the last one the page itself."""
    *links, last = steps
    return [(text, href, None) for text, href in links] + [(last, None, "page")]


HOME = ("Projects", "/")
NEWS = ("News 2021", "/projects/news")


def test_every_page_has_its_breadcrumb(client, site):
    doc = site
    document = ("Iraq, one year on", f"/documents/{doc}")
    admin = ("Admin", "/admin/")
    expected = {
        "/projects/news": trail(HOME, "News 2021"),
        f"/documents/{doc}": trail(HOME, NEWS, "Iraq, one year on"),
        f"/documents/{doc}/annotate": trail(HOME, NEWS, document, "Annotate"),
        f"/documents/{doc}/compare": trail(HOME, NEWS, document, "Compare"),
        f"/documents/{doc}/adjudicate": trail(HOME, NEWS, document, "Adjudicate"),
        "/projects/news/agreement": trail(HOME, NEWS, "Agreement"),
        "/projects/news/export": trail(HOME, NEWS, "Download"),
        "/projects/news/team": trail(HOME, NEWS, "Team"),
        "/projects/news/adjudication": trail(HOME, NEWS, "Adjudication"),
        "/projects/news/next": trail(HOME, NEWS, "Next document"),
        "/account/": trail(HOME, "Your account"),
        "/admin/": trail(HOME, "Admin"),
        "/admin/users": trail(HOME, admin, "Users"),
        "/admin/users/1": trail(HOME, admin, ("Users", "/admin/users"), "root"),
        "/admin/projects/new": trail(HOME, admin, "New project"),
        "/admin/projects/news/settings": trail(HOME, NEWS, "Settings"),
        "/admin/projects/news/import": trail(HOME, NEWS, "Import documents"),
    }
    login(client, "root")
    found = {url: breadcrumbs(client, url) for url in expected}
    assert found == expected
    # The page an upload ends on, too.
    response = post(client, "/admin/projects/news/import",
                    files={"files": [(io.BytesIO(b"A new text."), "new.txt")]})
    parser = Breadcrumbs()
    parser.feed(response.get_data(as_text=True))
    assert [tuple(s) for s in parser.navs[0]] == trail(
        HOME, NEWS, ("Import documents", "/admin/projects/news/import"), "Done")


def test_reviewers_pages_have_their_breadcrumb(client, site):
    login(client, "alice")
    assert breadcrumbs(client, "/projects/news") == trail(HOME, "News 2021")
    assert breadcrumbs(client, f"/documents/{site}/annotate")[-1] == ("Annotate", None, "page")
    assert breadcrumbs(client, "/projects/news/export") == trail(HOME, NEWS, "Download")
    assert breadcrumbs(client, "/account/") == trail(HOME, "Your account")


def test_a_long_title_is_shortened_in_the_breadcrumb(client, make_user, make_project,
                                                     make_document):
    make_user("root", role="admin")
    make_project("news")
    title = "A very long title " * 8
    doc = make_document("news", ["Text."], title=title.strip())
    login(client, "root")
    text, href, _ = breadcrumbs(client, f"/documents/{doc}/annotate")[2]
    assert len(text) <= 60 and text.endswith("...") and href == f"/documents/{doc}"


def _links(client, url):
    import re

    return set(re.findall(r'href="([^"]+)"', client.get(url).get_data(as_text=True)))


def test_the_project_page_links_to_every_page_of_the_project(client, site):
    doc = site
    login(client, "root")
    links = _links(client, "/projects/news")
    for url in ("/projects/news/agreement", "/projects/news/export", "/projects/news/team",
                "/projects/news/adjudication", "/admin/projects/news/import",
                "/admin/projects/news/settings",
                f"/documents/{doc}/annotate", f"/documents/{doc}/compare",
                f"/documents/{doc}/adjudicate", f"/documents/{doc}"):
        assert url in links, url


def test_reviewers_see_the_links_they_may_follow(app, client, site):
    from annotator.extensions import db
    from annotator.models import Project
    from tests.helpers import logout

    login(client, "alice")
    links = _links(client, "/projects/news")
    assert "/projects/news/export" in links and f"/documents/{site}/annotate" in links
    for url in ("/projects/news/agreement", "/projects/news/team",
                "/projects/news/adjudication", "/admin/projects/news/settings",
                f"/documents/{site}/adjudicate"):
        assert url not in links, url
    with app.app_context():
        db.session.scalar(db.select(Project)).blind = False
        db.session.commit()
    logout(client)
    login(client, "alice")
    assert "/projects/news/agreement" in _links(client, "/projects/news")
