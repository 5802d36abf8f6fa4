"""The adjudication page's work in Chromium: nested spans keep both colours (issue 12, item
4); rejecting a reviewer's span, marking paragraphs adjudicated with the progress bar, and gold
edits saved through the offline queue (item 11). Screenshots go to test-output/screenshots/.
"""

from __future__ import annotations

import base64

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

P0 = "Officials said the hasty withdrawal would fail badly, analysts warned."
P1 = "The ministry did not respond to a request for comment."
P2 = "Nobody tagged anything in this closing paragraph."


def at(text: str, part: str) -> tuple[int, int]:
    start = text.index(part)
    return start, start + len(part)


def ann(paragraph: int, text: str, part: str, label: str, **attributes) -> dict:
    start, end = at(text, part)
    return {"paragraph": paragraph, "start": start, "end": end, "label": label,
            "attributes": attributes}


OUTER = "Officials said the hasty withdrawal would fail badly"
INNER = "hasty withdrawal"


@pytest.fixture
def document(seed):
    seed.user("carol", role="admin")
    reviews = [
        {"reviewer": "alice", "status": "submitted", "annotations": [
            ann(0, P0, OUTER, "attribution", source_type="official"),
            ann(0, P0, INNER, "framing"),
            ann(1, P1, "did not respond", "framing")]},
        {"reviewer": "bob", "status": "submitted", "annotations": [
            ann(0, P0, "analysts warned", "expert-opinion"),
            ann(1, P1, "The ministry", "attribution")]},
    ]
    gold = [{**ann(0, P0, OUTER, "attribution"), "provenance": "majority"},
            {**ann(0, P0, INNER, "framing"), "provenance": "majority"}]
    return seed.document([P0, P1, P2], title="Withdrawal plan", reviews=reviews, gold=gold)


def open_page(page, live_server, login, document):
    login(page, "carol")
    page.goto(f"{live_server.url}/documents/{document}/adjudicate")
    page.wait_for_selector("html[data-adjudicate-ready]")


PIXELS = """async ([png, points]) => {
    const image = new Image();
    image.src = `data:image/png;base64,${png}`;
    await image.decode();
    const canvas = document.createElement("canvas");
    canvas.width = image.width;
    canvas.height = image.height;
    const ctx = canvas.getContext("2d");
    ctx.drawImage(image, 0, 0);
    return points.map(([x, y]) => Array.from(ctx.getImageData(x, y, 1, 1).data.slice(0, 3)));
}"""

COLOUR = """(el, name) => {
    const probe = document.createElement("span");
    probe.style.color = getComputedStyle(el).getPropertyValue(name).trim();
    document.body.append(probe);
    const rgb = getComputedStyle(probe).color.match(/\\d+/g).slice(0, 3).map(Number);
    probe.remove();
    return rgb;
}"""


def close(a, b, tolerance=12):
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


def pixels(page, points):
    png = base64.b64encode(page.screenshot()).decode()
    return page.evaluate(PIXELS, [png, points])


def nested_bands(page, row):
    """The inner and outer marks of a row: at the inner span, the inner label's tint and line,
    and below them the outer label's line, as drawn on the screen."""
    text = row.locator(".paragraph-text")
    outer = text.locator('mark[data-label="attribution"]').first
    inner = outer.locator('mark[data-label="framing"]')
    expect(inner).to_have_text(INNER)
    o = outer.bounding_box()
    i = inner.bounding_box()
    # the outer mark holds the inner one and reaches below it: a band of its own
    assert o["y"] + o["height"] >= i["y"] + i["height"] + 3
    x = round(i["x"] + i["width"] / 2)
    # the tint: the colour most often seen along the top of the inner mark (between glyphs)
    top = [[round(i["x"] + i["width"] * k / 12), round(i["y"] + 1)] for k in range(1, 12)]
    points = [[x, round(i["y"] + i["height"] - 1)],       # inner line
              [x, round(o["y"] + o["height"] - 1)]] + top  # outer line, below it
    inner_line, outer_line, *along = pixels(page, points)
    tint = max(along, key=along.count)
    return {
        "tint": (tint, outer.evaluate(COLOUR, "--label-tint"),
                 inner.evaluate(COLOUR, "--label-tint")),
        "inner_line": (inner_line, inner.evaluate(COLOUR, "--label-line")),
        "outer_line": (outer_line, outer.evaluate(COLOUR, "--label-line")),
    }


def test_nested_spans_keep_both_colours(page, live_server, login, document, screenshots):
    page.set_viewport_size({"width": 1280, "height": 900})
    open_page(page, live_server, login, document)
    p0 = page.locator('[data-paragraph-index="0"]')
    p0.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "adjudicate-nested.png"))
    p0.locator(".adj-rows").screenshot(path=str(screenshots / "adjudicate-nested-rows.png"))
    for row in (p0.locator('[data-reviewer="alice"]'), p0.locator('[data-row="gold"]')):
        bands = nested_bands(page, row)
        seen, outer_tint, inner_tint = bands["tint"]
        assert close(seen, inner_tint) and not close(seen, outer_tint), bands
        assert close(*bands["inner_line"]), bands
        assert close(*bands["outer_line"]), bands
        assert not close(bands["inner_line"][1], bands["outer_line"][1])
    # no line is drawn through the text: the marks' lines are underlines only
    assert p0.locator("mark.ann").evaluate_all(
        "marks => marks.every(m => "
        "!getComputedStyle(m).textDecorationLine.includes('line-through'))")
    # clicking the inner span opens its gold span, the outer part the outer one
    gold_text = p0.locator('[data-row="gold"] .paragraph-text')
    gold_text.locator('mark[data-label="framing"]').click()
    expect(page.locator("#ed-label")).to_have_value("framing")
    page.keyboard.press("Escape")
    gold_text.locator('mark[data-label="attribution"]').first.click(position={"x": 4, "y": 6})
    expect(page.locator("#ed-label")).to_have_value("attribution")
