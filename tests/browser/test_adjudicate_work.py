"""The adjudication page's work in Chromium: nested spans keep both colours (issue 12, item
4); rejecting a reviewer's span, marking paragraphs adjudicated with the progress bar, and gold
edits saved through the offline queue (item 11). Screenshots go to test-output/screenshots/.
"""

from __future__ import annotations

import base64
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from annotator.extensions import db

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


def select_in_gold_row(page, paragraph, start, end):
    """Select [start, end) (UTF-16 units) of the paragraph's gold row, as a mouse would."""
    page.locator(f'[data-paragraph-index="{paragraph}"] [data-gold-text]').evaluate(
        """(el, [a, b]) => {
            const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
            const nodes = [];
            for (let n = walker.nextNode(); n; n = walker.nextNode()) nodes.push(n);
            const point = (u) => {
              for (const n of nodes) { if (u <= n.data.length) return [n, u]; u -= n.data.length; }
            };
            const range = document.createRange();
            range.setStart(...point(a));
            range.setEnd(...point(b));
            const sel = window.getSelection();
            sel.removeAllRanges();
            sel.addRange(range);
            el.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
        }""", [start, end])
    page.locator("#selection-box").wait_for(state="visible")


def wait_saved(page):
    status = page.locator("[data-save-status]")
    expect(status).to_have_attribute("data-state", "saved", timeout=15000)
    expect(status).to_have_attribute("data-unsent", "0")


def api_get(page, live_server, path):
    response = page.request.get(f"{live_server.url}/api{path}")
    assert response.ok, response.text()
    return response.json()


def test_reject_a_span_then_undo_it(page, live_server, login, document, screenshots):
    open_page(page, live_server, login, document)
    p1 = page.locator('[data-paragraph-index="1"]')
    chip = p1.locator('[data-reviewer="alice"] li.chip', has_text="did not respond")
    chip.locator('[data-action="reject"]').click()
    expect(chip).to_have_class(re.compile(r"\bis-rejected\b"))
    expect(chip.locator(".rejected-tag")).to_have_text("✕ rejected")
    # the Undo button takes the focus; the highlight shows it rejected
    expect(chip.locator('[data-action="unreject"]')).to_be_focused()
    mark = p1.locator('[data-reviewer="alice"] mark[data-label="framing"]')
    expect(mark).to_have_class(re.compile(r"\bis-rejected\b"))
    wait_saved(page)
    [rejection] = api_get(page, live_server, f"/documents/{document}/gold/rejections")
    assert (rejection["text"], rejection["label"], rejection["rejected_by"]) == \
        ("did not respond", "framing", "carol")
    p1.screenshot(path=str(screenshots / "adjudicate-rejected.png"))

    # remembered: a reload shows it rejected
    page.reload()
    page.wait_for_selector("html[data-adjudicate-ready]")
    expect(chip).to_have_class(re.compile(r"\bis-rejected\b"))
    # undone: Reject is back, and the server forgot it
    chip.locator('[data-action="unreject"]').click()
    expect(chip.locator('[data-action="reject"]')).to_be_focused()
    expect(mark).not_to_have_class(re.compile(r"\bis-rejected\b"))
    wait_saved(page)
    assert api_get(page, live_server, f"/documents/{document}/gold/rejections") == []
    # a span whose place and label are gold is offered no rejection (delete the gold instead)
    alice0 = page.locator('[data-paragraph-index="0"] [data-reviewer="alice"]')
    accepted = alice0.locator('li.chip[data-label="framing"]')
    expect(accepted.locator(".in-gold")).to_be_visible()
    expect(accepted.locator('[data-action="reject"]')).to_have_count(0)
    other_attributes = alice0.locator('li.chip[data-label="attribution"]')  # gold lacks them
    expect(other_attributes.locator('[data-action="accept"]')).to_be_visible()
    expect(other_attributes.locator('[data-action="reject"]')).to_have_count(0)


def test_mark_paragraphs_adjudicated_moves_the_progress_bar(page, live_server, login, document,
                                                           screenshots):
    open_page(page, live_server, login, document)
    progress = page.locator("#adjudicated-progress")
    text = page.locator("#adjudicated-text")
    expect(text).to_have_text("0 / 3 paragraphs adjudicated")
    assert progress.evaluate("el => [el.value, el.max]") == [0, 3]
    p0 = page.locator('[data-paragraph-index="0"]')
    button = p0.locator('[data-action="adjudicated"]')
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(button).to_have_text("✓ Adjudicated")
    expect(p0.locator("[data-adjudicated-by]")).to_have_text("by carol")
    expect(text).to_have_text("1 / 3 paragraphs adjudicated")
    assert progress.evaluate("el => el.value") == 1
    page.locator('[data-paragraph-index="1"] [data-action="adjudicated"]').click()
    expect(text).to_have_text("2 / 3 paragraphs adjudicated")
    wait_saved(page)
    state = api_get(page, live_server, f"/documents/{document}/gold/adjudicated")
    assert [(m["paragraph"], m["by"]) for m in state["adjudicated"]] == [(0, "carol"),
                                                                        (1, "carol")]
    page.locator(".adj-top").screenshot(path=str(screenshots / "adjudicate-progress.png"))
    # taken back
    page.locator('[data-paragraph-index="1"] [data-action="adjudicated"]').click()
    expect(text).to_have_text("1 / 3 paragraphs adjudicated")
    wait_saved(page)
    state = api_get(page, live_server, f"/documents/{document}/gold/adjudicated")
    assert [m["paragraph"] for m in state["adjudicated"]] == [0]
    # the filter shows the paragraphs left to adjudicate
    page.select_option("#paragraph-filter", "unadjudicated")
    expect(p0).to_be_hidden()
    expect(page.locator('[data-paragraph-index="2"]')).to_be_visible()
    # the team page counts it
    page.goto(f"{live_server.url}/projects/news/team")
    expect(page.locator('td.gold-cell[data-adjudicated="1"]')).to_contain_text(
        "1/3 ¶ adjudicated")


def test_gold_edits_wait_offline_then_save(page, live_server, login, document, live_app,
                                           screenshots):
    from annotator.models import GoldSpan

    open_page(page, live_server, login, document)
    p0 = page.locator('[data-paragraph-index="0"]')
    page.route("**/api/**", lambda route: route.abort("internetdisconnected"))
    # an edit of a gold span: its note, while the network is gone
    p0.locator('[data-row="gold"] .chip-gold[data-label="framing"] .chip-main').click()
    editor = page.locator("#editor")
    editor.locator("#ed-note").fill("Loaded adjective: framing.")
    status = page.locator("[data-save-status]")
    expect(status).to_have_text("offline — retrying", timeout=15000)
    expect(page.locator("#save-detail")).to_have_text("1 unsent change")
    expect(page.locator("#retry-now")).to_be_visible()
    # and a new gold span from a selection, queued behind it
    page.keyboard.press("Escape")
    start, end = at(P1, "The ministry")
    select_in_gold_row(page, 1, start, end)
    page.locator('#selection-box button[data-label="attribution"]').click()
    expect(page.locator('[data-paragraph-index="1"] [data-row="gold"] .chip-gold')) \
        .to_contain_text("The ministry")
    expect(page.locator("#save-detail")).to_have_text("2 unsent changes")
    page.screenshot(path=str(screenshots / "adjudicate-offline.png"))
    with live_app.app_context():
        assert "Loaded adjective: framing." not in db.session.scalars(select(GoldSpan.note)).all()
        db.session.remove()
    # back online: everything is sent, once
    page.unroute("**/api/**")
    wait_saved(page)
    gold = api_get(page, live_server, f"/documents/{document}/gold")
    assert [(g["text"], g["label"], g["note"], g["provenance"]) for g in gold] == [
        (OUTER, "attribution", "", "majority"),
        (INNER, "framing", "Loaded adjective: framing.", "adjudicated:carol"),
        ("The ministry", "attribution", "", "adjudicated:carol"),
    ]
    page.screenshot(path=str(screenshots / "adjudicate-back-online.png"))


def axe_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now (as
    tests/browser/test_accessibility.py checks every page)."""
    from axe_playwright_python.sync_playwright import Axe

    found = []
    for violation in Axe().run(page).response["violations"]:
        if violation.get("impact") in {"serious", "critical"}:
            nodes = "; ".join(" ".join(n["target"]) for n in violation["nodes"][:3])
            found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} "
                         f"at {nodes}")
    return found


@pytest.mark.parametrize("width", [1280, 390])
def test_axe_on_the_page_at_work_and_the_list(page, live_server, login, document, screenshots,
                                              width):
    page.set_viewport_size({"width": width, "height": 900})
    open_page(page, live_server, login, document)
    p0 = page.locator('[data-paragraph-index="0"]')
    p1 = page.locator('[data-paragraph-index="1"]')
    # a rejected span, a paragraph marked adjudicated, the editor open, changes unsent
    p1.locator('[data-reviewer="alice"] li.chip [data-action="reject"]').click()
    p0.locator('[data-action="adjudicated"]').click()
    wait_saved(page)
    page.route("**/api/**", lambda route: route.abort("internetdisconnected"))
    p0.locator('[data-row="gold"] .chip-gold[data-label="framing"] .chip-main').click()
    page.locator("#ed-note").fill("A note")
    expect(page.locator("[data-save-status]")).to_have_text("offline — retrying",
                                                           timeout=15000)
    page.screenshot(path=str(screenshots / f"adjudicate-axe-{width}.png"))
    found = axe_violations(page)
    page.unroute("**/api/**")
    wait_saved(page)
    assert not found, "\n".join(found)
    page.goto(f"{live_server.url}/projects/news/adjudication")
    row = page.locator(f'tr[data-document="{document}"]')
    assert row.locator("progress").evaluate("el => [el.value, el.max]") == [1, 3]
    expect(row.locator("[data-adjudicated]")).to_have_text("1/3")
    page.screenshot(path=str(screenshots / f"adjudication-list-{width}.png"), full_page=True)
    found = axe_violations(page)
    assert not found, "\n".join(found)
