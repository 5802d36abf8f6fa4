"""The agreement page and the compare view in Chromium, on the demo project annotated by its
three demo reviewers: key elements visible, no console errors (a CSP violation is one), and
screenshots in test-output/screenshots/ to look at."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(live_app):
    from annotator.demo import load_demo

    with live_app.app_context():
        project = load_demo()
        return {"slug": project.slug, "document": project.documents[0].id}


@pytest.fixture
def console_errors(page):
    """Problems the browser reports besides page errors: console errors (a CSP refusal is
    one) and failed requests. The icon is the browser's business: it may ask for
    /favicon.ico by itself (a 404), and it drops an icon load still running when the page
    navigates on (an aborted request); neither is the page's fault. A missing icon file would
    still show as a 404 of /static/favicon.svg."""
    console: list[str] = []
    failed: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    page.on("requestfailed", lambda r: failed.append(f"failed {r.url}")
            if "favicon" not in r.url else None)

    def problems() -> list[str]:
        page.wait_for_timeout(100)  # let late events arrive
        own = [m for m in console if not m.startswith("Failed to load resource")]
        return own + failed

    return problems


def test_agreement_page_of_the_demo(page, live_server, login, demo, screenshots,
                                    console_errors):
    login(page, "admin", "admin-demo")
    page.goto(f"{live_server.url}/projects/{demo['slug']}/agreement")
    expect(page.get_by_role("heading", name="Inter-annotator agreement")).to_be_visible()
    expect(page.locator("[data-summary]")).to_contain_text("dana, eli, fay")
    for chart in ("bars", "heatmap", "confusion"):
        expect(page.locator(f"[data-chart={chart}] svg")).to_be_visible()
    expect(page.locator("[data-reading-guide]")).to_contain_text("0.800")
    expect(page.locator("[data-table=labels] [data-label-row=attribution]")).to_be_visible()
    expect(page.locator("[data-table=reviewers] tr[data-outlier=true]")).to_have_attribute(
        "data-reviewer", "fay")
    # label colours come from the per-project stylesheet: the chips are not left grey
    chip = page.locator("[data-table=labels] .label-chip[data-label=attribution]")
    assert chip.evaluate("e => getComputedStyle(e).borderLeftColor") == "rgb(47, 120, 196)"
    page.screenshot(path=str(screenshots / "agreement-1280.png"))
    page.screenshot(path=str(screenshots / "agreement-1280-full.png"), full_page=True)

    # intervals on, then a wider window
    page.get_by_label("Compute 95% intervals").check()
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state()
    expect(page.locator("[data-ci-note]")).to_be_visible()  # one document: intervals say little
    expect(page.locator("[data-table=labels] .ci").first).to_be_visible()
    page.set_viewport_size({"width": 1440, "height": 900})
    page.screenshot(path=str(screenshots / "agreement-1440-full.png"), full_page=True)

    # a filter that leaves one reviewer: the empty state explains what is needed
    page.goto(f"{live_server.url}/projects/{demo['slug']}/agreement?filtered=1&reviewer=dana")
    expect(page.locator("[data-empty-state]")).to_contain_text("at least two reviewers")
    page.screenshot(path=str(screenshots / "agreement-empty.png"))

    # the ranked documents link to the compare view
    page.goto(f"{live_server.url}/projects/{demo['slug']}/agreement")
    page.locator("[data-table=documents] a").first.click()
    page.wait_for_load_state()
    expect(page).to_have_url(f"{live_server.url}/documents/{demo['document']}/compare")
    assert not console_errors(), console_errors()


def test_compare_view_of_the_demo(page, live_server, login, demo, screenshots, console_errors):
    login(page, "admin", "admin-demo")
    page.goto(f"{live_server.url}/documents/{demo['document']}/compare")
    first = page.locator("[data-paragraph-index='0']")
    expect(first.locator(".cmp-row")).to_have_count(3)
    for name in ("dana", "eli", "fay"):
        expect(first.locator(f".cmp-row[data-reviewer={name}] mark.hl").first).to_be_visible()
    # fay's shorter attribution in paragraph 0 is marked as a disagreement
    expect(first.locator(".span-item[data-reviewer=fay][data-agreed=false]")).to_be_visible()
    mark = first.locator(".cmp-row[data-reviewer=dana] mark.hl").first
    assert mark.evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"
    page.screenshot(path=str(screenshots / "compare-1280.png"))

    page.get_by_role("link", name="Only with disagreement").click()
    page.wait_for_load_state()
    shown = page.locator("article.cmp-par")
    assert shown.count() > 0
    assert page.locator("article.cmp-par[data-disagreement=false]").count() == 0
    page.set_viewport_size({"width": 1440, "height": 900})
    page.screenshot(path=str(screenshots / "compare-disagreement-1440.png"))
    assert not console_errors(), console_errors()
