# ruff: noqa: F811  (the fixtures of test_annotate, imported, are the tests' arguments)
"""The annotate page's editing comforts (#12): the editor opens on a new span and is driven by
the keyboard, a span's bounds move in place (keys and handles), a deletion can be undone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_annotate import (  # noqa: F401  (fixtures)
    PLAIN,
    annotating,
    api,
    brief,
    doc,
    paragraph,
    select,
    wait_saved,
)

pytestmark = pytest.mark.browser

WORDS = PLAIN.index("ASCII"), PLAIN.index("ASCII") + len("ASCII")


def test_the_editor_opens_after_tagging_and_enter_closes_it(annotating, api, doc):
    page = annotating
    select(page, 4, PLAIN, *WORDS)
    page.keyboard.press("1")
    editor = page.locator("#span-editor")
    expect(editor).to_be_visible()
    expect(page.locator("#editor-title")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.locator("#ed-label")).to_be_focused()
    page.keyboard.press("Enter")
    expect(editor).to_be_hidden()
    expect(paragraph(page, 4)).to_be_focused()
    wait_saved(page)
    # a label's key in the open editor tags a new selection (typing goes on)
    select(page, 4, PLAIN, 0, 5)
    page.keyboard.press("1")
    select(page, 4, PLAIN, PLAIN.index("troops"), len(PLAIN) - 1)
    page.keyboard.press("2")
    wait_saved(page)
    assert [s[3] for s in brief(api.spans(doc))] == ["framing", "framing", "attribution"]
    # off: tagging leaves the editor closed, and the choice is remembered
    page.keyboard.press("Escape")
    page.locator("#edit-after-tag").uncheck()
    page.reload()
    expect(page.locator("#edit-after-tag")).not_to_be_checked()
    select(page, 3 + 1, PLAIN, PLAIN.index("withdrawal"), PLAIN.index("withdrawal") + 10)
    page.keyboard.press("1")
    expect(page.locator("#span-editor")).to_be_hidden()


def test_bounds_move_by_keys_and_by_the_handles(annotating, api, doc, screenshots):
    page = annotating
    select(page, 4, PLAIN, *WORDS)
    page.keyboard.press("1")
    expect(page.locator("#span-editor")).to_be_visible()
    page.keyboard.press("Shift+ArrowRight")  # the end, one word later
    expect(page.locator("#ed-end")).to_have_text(str(PLAIN.index(" about")))
    page.keyboard.press("Alt+Shift+ArrowLeft")  # the start, one word earlier
    expect(page.locator("#ed-start")).to_have_text(str(PLAIN.index("Plain")))
    wait_saved(page)
    assert brief(api.spans(doc)) == [(4, 0, PLAIN.index(" about"), "framing", "Plain ASCII text")]
    # the end handle dragged to the end of "withdrawal"
    handle = page.locator(".span-handle-end")
    expect(handle).to_be_visible()
    page.screenshot(path=str(screenshots / "annotate-handles.png"))
    target = _point_after(page, 4, PLAIN.index("withdrawal") + len("withdrawal") - 2)
    box = handle.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(target[0], target[1], steps=8)
    page.mouse.up()
    end = PLAIN.index("withdrawal") + len("withdrawal")  # snapped to the word's end
    expect(page.locator("#ed-end")).to_have_text(str(end))
    wait_saved(page)
    assert brief(api.spans(doc)) == [(4, 0, end, "framing", PLAIN[:end])]


def _point_after(page, index: int, cp: int) -> tuple[float, float]:
    """The screen point of code point ``cp`` of paragraph ``index`` (ASCII text here)."""
    return page.evaluate("""([p, u]) => {
        const el = document.querySelector(`[data-paragraph-index="${p}"] .paragraph-text`);
        const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        let node = walker.nextNode();
        while (node && u > node.data.length) { u -= node.data.length; node = walker.nextNode(); }
        const range = document.createRange();
        range.setStart(node, u); range.setEnd(node, u + 1);
        const r = range.getBoundingClientRect();
        return [r.left + r.width / 2, r.top + r.height / 2];
    }""", [index, cp])


def test_a_deletion_can_be_undone(annotating, api, doc, screenshots):
    page = annotating
    select(page, 4, PLAIN, *WORDS)
    page.keyboard.press("1")
    page.locator("#ed-note").fill("checked twice")
    wait_saved(page)
    [first] = api.spans(doc)
    page.locator("#ed-delete").click()
    toast = page.locator("#undo-toast")
    expect(toast).to_be_visible()
    expect(toast).to_contain_text("deleted")
    page.screenshot(path=str(screenshots / "annotate-undo.png"))
    wait_saved(page)
    assert api.spans(doc) == []
    toast.locator("#undo-button").click()
    wait_saved(page)
    [back] = api.spans(doc)
    assert (back["start"], back["end"], back["label"], back["note"]) == \
        (first["start"], first["end"], first["label"], "checked twice")
    assert back["client_id"] != first["client_id"]  # a new span: the old one's id stays taken
    expect(paragraph(page, 4).locator("mark")).to_have_count(1)
    # Ctrl+Z undoes the last deletion too
    paragraph(page, 4).locator("mark").click()
    page.locator("#ed-delete").click()
    wait_saved(page)
    assert api.spans(doc) == []
    paragraph(page, 4).focus()
    page.keyboard.press("Control+z")
    wait_saved(page)
    assert len(api.spans(doc)) == 1
    expect(page.locator("#announcer")).to_have_text(re.compile("is back"))


def test_no_next_document_link_while_the_document_is_open(annotating):
    """The read-only banner (with its "Next document" form) shows only once submitted."""
    expect(annotating.get_by_role("button", name="Next document →")).to_be_hidden()
