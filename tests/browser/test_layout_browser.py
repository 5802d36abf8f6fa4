"""Mending paragraphs in Chromium: an admin splits a paragraph where the cursor is; a reviewer
whose page was drawn before a merge is told to reload, and is told what could not be kept."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PARAGRAPHS = ["Said Andrei Koshkin, head of the department of the PRUE", "G.V.",
              "Plekhanov's. He stressed the point.", "A fourth paragraph to tag."]


@pytest.fixture
def mend(seed):
    seed.user("root", role="admin")
    seed.user("alice")
    return seed.document(PARAGRAPHS)


def test_split_where_the_cursor_is(page, live_server, login, mend, screenshots):
    login(page, "root")
    page.goto(f"{live_server.url}/documents/{mend}")
    text = page.locator('[data-paragraph-index="2"] .paragraph-text')
    # the caret after "Plekhanov's." (a click there; placed by script for precision)
    page.evaluate("""() => {
        const el = document.querySelector('[data-paragraph-index="2"] .paragraph-text');
        const range = document.createRange();
        range.setStart(el.firstChild, 12); range.collapse(true);
        const sel = getSelection(); sel.removeAllRanges(); sel.addRange(range);
        el.dispatchEvent(new MouseEvent('mouseup', {bubbles: true})); }""")
    field = page.locator('[data-paragraph-index="2"] [data-split-at]')
    expect(field).to_have_value("12")
    page.screenshot(path=str(screenshots / "document-mend.png"), full_page=True)
    page.locator('[data-paragraph-index="2"] .mend-split button').click()
    expect(page.locator(".flash")).to_contain_text("is two now")
    expect(page.locator('[data-paragraph-index="3"] .paragraph-text')).to_have_text(
        "He stressed the point.")
    expect(text).to_have_text("Plekhanov's.")


def test_a_page_drawn_before_a_merge_says_reload(page, live_server, login, mend, seed):
    from annotator.accounts import create_token, find_user
    from annotator.extensions import db  # noqa: F401

    login(page, "alice")
    page.goto(f"{live_server.url}/documents/{mend}/annotate")
    expect(page.locator("#annotate")).to_have_attribute("data-ready", "true")
    with seed.app.app_context():
        token = create_token(find_user("root"))
    client = seed.app.test_client()
    r = client.post(f"/api/documents/{mend}/paragraphs/0/merge",
                    headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    page.evaluate("""() => {
        const el = document.querySelector('[data-paragraph-index="3"] .paragraph-text');
        const range = document.createRange();
        range.setStart(el.firstChild, 2); range.setEnd(el.firstChild, 8);
        const sel = getSelection(); sel.removeAllRanges(); sel.addRange(range); }""")
    page.keyboard.press("1")
    banner = page.locator("#readonly-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("merged or split")
    page.on("dialog", lambda dialog: dialog.accept())
    page.reload()
    expect(page.locator("#annotate")).to_have_attribute("data-ready", "true")
    expect(page.locator("#notice")).to_contain_text("1 unsent change was made before")
    assert page.locator("mark").count() == 0
