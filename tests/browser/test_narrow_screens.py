"""Every main page on a narrow screen (a tablet held upright, a small laptop window): nothing
sticks out sideways. Wide tables scroll inside their own box; page headers wrap their buttons
below the title."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

PAGES = ["/", "/projects/{slug}", "/documents/{doc}/annotate", "/projects/{slug}/agreement",
         "/documents/{doc}/compare", "/documents/{doc}/adjudicate", "/projects/{slug}/export",
         "/projects/{slug}/team", "/admin/", "/admin/projects/{slug}/settings",
         "/admin/users", "/documents/{doc}", "/projects/{slug}/next", "/account/",
         "/admin/projects/{slug}/import", "/admin/projects/new"]


@pytest.fixture
def demo(live_app):
    from annotator.demo import load_demo

    with live_app.app_context():
        project = load_demo()
        return {"slug": project.slug, "doc": project.documents[0].id}


@pytest.mark.parametrize("width", [600, 820])
def test_no_page_overflows_sideways(page, live_server, login, seed, demo, width, screenshots):
    seed.user("root", role="admin")
    page.set_viewport_size({"width": width, "height": 900})
    login(page, "root")
    wide = {}
    for path in PAGES:
        page.goto(live_server.url + path.format(**demo))
        page.wait_for_load_state("networkidle")
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if overflow > 0:
            wide[path] = overflow
            page.screenshot(path=str(screenshots / f"narrow-{width}-overflow.png"))
    assert wide == {}, f"pages wider than a {width}px screen (px too wide): {wide}"
