# ruff: noqa: F811  (the fixtures of test_annotate, imported, are the tests' arguments)
"""The annotate page's "Your sources" panel: the reviewer's own ledger, asked again after
every change reaches the server, with the checks ("you tagged 2 sources, 1 of them has no
type")."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_annotate import (  # noqa: F401  (fixtures)
    PLAIN,
    annotating,
    api,
    doc,
    select,
    wait_saved,
)

pytestmark = pytest.mark.browser


def named(api, doc, name, timeout=15.0):
    """Wait until the server has a span of that source name."""
    import time

    until = time.monotonic() + timeout
    while time.monotonic() < until:
        if any(s["attributes"].get("source") == name for s in api.spans(doc)):
            return
        time.sleep(0.1)
    raise AssertionError(f"no span of the source {name!r} reached the server")


def test_the_panel_follows_the_reviewers_sources(annotating, api, doc, screenshots):
    page = annotating
    panel = page.locator("#ledger-panel")
    expect(panel).to_have_attribute("data-state", "ready")
    expect(panel.locator("[data-ledger-summary]")).to_have_text("No sources tagged yet.")
    # two attributions through the API's own page actions: tag, then name and type them
    start = PLAIN.index("Plain")
    select(page, 4, PLAIN, start, start + len("Plain ASCII"))
    page.keyboard.press("2")  # attribution
    editor = page.locator("#span-editor")
    expect(editor).to_be_visible()
    editor.get_by_label("Source (as named in the text)").fill("Plain Ascii")
    named(api, doc, "Plain Ascii")  # a typed value is sent once the typing pauses
    page.keyboard.press("Escape")
    wait_saved(page)
    expect(panel).to_have_attribute("data-sources", "1")
    # (the ledger asked after the span was made may come before the one after it was named:
    # wait for the one check, which a locator matching several would refuse at once)
    expect(panel.locator(".ledger-check")).to_have_count(1)
    expect(panel.locator(".ledger-check")).to_have_text(
        ["You tagged 1 source, 1 of them has no type."], timeout=15000)
    select(page, 4, PLAIN, PLAIN.index("American"), PLAIN.index("American") + len("American"))
    page.keyboard.press("2")
    editor.get_by_label("Source (as named in the text)").fill("Americans")
    editor.get_by_label("Source type").select_option("official")
    named(api, doc, "Americans")
    page.keyboard.press("Escape")
    wait_saved(page)
    expect(panel).to_have_attribute("data-sources", "2", timeout=15000)
    expect(panel.locator(".ledger-check")).to_have_text(
        ["You tagged 2 sources, 1 of them has no type."], timeout=15000)
    expect(panel.locator(".ledger-row")).to_have_count(2)
    expect(panel.locator('[data-source-key="americans"] .ledger-type')).to_have_text("official")
    page.screenshot(path=str(screenshots / "ledger-panel.png"))
    # the server agrees
    ledger = api.client.get(f"/api/documents/{doc}/ledger?spans=alice",
                            headers=api.headers).get_json()
    assert ledger["sources"] == 2 and ledger["untyped_sources"] == 1
