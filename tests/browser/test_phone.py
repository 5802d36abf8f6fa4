"""The annotate page on a phone (390 × 844, touch): a compact header, the labels docked at the
bottom, the article given most of the screen, and the current paragraph following the scroll."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import SAMPLE

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True,
                                  is_mobile=True, device_scale_factor=2, locale="en-GB")
    context.set_default_timeout(10000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def test_the_annotate_page_on_a_phone(phone, live_server, login, seed, screenshots):
    seed.user("alice")
    doc = seed.text_document(SAMPLE)
    login(phone)
    phone.goto(f"{live_server.url}/documents/{doc}/annotate")
    expect(phone.locator("#annotate")).to_have_attribute("data-ready", "true", timeout=20000)
    phone.screenshot(path=str(screenshots / "phone-annotate.png"))
    labels = phone.locator(".labels-panel")
    box = labels.bounding_box()
    assert box["y"] + box["height"] >= 844 - 2, "the labels are docked at the bottom"
    assert box["height"] <= 844 * 0.2
    header = phone.locator(".topbar").bounding_box()
    assert header["height"] <= 60, "a compact header: one line"
    title = phone.locator(".doc-title").bounding_box()
    toolbar = phone.locator(".reader-top").bounding_box()
    assert title["y"] >= toolbar["y"] + toolbar["height"] - 1, "the title is not under the toolbar"
    # scrolling the article makes a paragraph in view the current one
    phone.evaluate("() => document.querySelector('[data-paragraph-index=\"12\"]')"
                   ".scrollIntoView({block: 'start'})")
    current = phone.locator('[aria-current="true"]')
    expect(current).not_to_have_attribute("data-paragraph-index", "0")
    number = int(current.get_attribute("data-paragraph-index"))
    assert 12 <= number < 30  # the paragraph a third down the reading area
    box = current.bounding_box()
    reader = phone.locator("#reader-scroll").bounding_box()
    assert box["y"] < reader["y"] + reader["height"] and box["y"] + box["height"] > reader["y"]
    expect(phone.locator("#current-number")).to_have_text(str(number + 1))
    phone.screenshot(path=str(screenshots / "phone-annotate-scrolled.png"))
    # tagging with a thumb: select words, tap a label; the editor rises above the labels
    phone.evaluate("""(p) => {
        const text = document.querySelector(`[data-paragraph-index="${p}"] .paragraph-text`);
        const node = text.firstChild; const range = document.createRange();
        range.setStart(node, 0); range.setEnd(node, 8);
        const sel = getSelection(); sel.removeAllRanges(); sel.addRange(range); }""", number)
    phone.locator('button[data-label="attribution"]').tap()
    editor = phone.locator("#span-editor")
    expect(editor).to_be_visible()
    labels = phone.locator(".labels-panel").bounding_box()
    assert editor.bounding_box()["y"] < labels["y"], "the editor above the docked labels"
    expect(phone.locator(f'[data-paragraph-index="{number}"] mark')).to_have_count(1)
    phone.screenshot(path=str(screenshots / "phone-annotate-editing.png"))
