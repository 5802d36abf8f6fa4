"""Suggestions on the annotate page in Chromium: drawn apart (dashed outline, no annotation
id), listed in the side panel; `n` goes to the next, `a` accepts (a span of the reviewer with
origin suggestion:RULE, through the save queue, also while the server is away), `x` rejects
(remembered); a project with suggestions off shows none."""

from __future__ import annotations

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or, under CI, fails) and says why
    expect = None

from tests.browser.test_annotate import Api, open_document, paragraph, status, wait_saved

pytestmark = pytest.mark.browser

PARAGRAPHS = [
    "“There is no need for foreign combat forces on Iraqi soil,” al-Kazimi said.",
    "Prices rose 3.2% in May, the fastest pace in a year.",
    "Analysts say neither side appears able to win outright.",
    "The militants of Hayat Tahrir al-Sham (a terrorist organization banned in Russia) "
    "attacked.",
]


@pytest.fixture
def doc(seed, live_app):
    from annotator.extensions import db
    from annotator.models import Project

    seed.user("alice")
    document = seed.document(PARAGRAPHS, title="Suggested", source="RT")
    with live_app.app_context():
        project = db.session.scalar(db.select(Project))
        project.suggestion_settings = {"enabled": True}  # off by default
        db.session.commit()
    return document


@pytest.fixture
def api(live_app, doc):
    return Api(live_app)


def suggestions(api, doc):
    response = api.client.get(f"/api/documents/{doc}/suggestions", headers=api.headers)
    assert response.status_code == 200
    return response.get_json()


def test_suggestions_drawn_apart_accepted_and_rejected_by_keys(page, live_server, login, doc,
                                                               api, screenshots):
    login(page)
    open_document(page, live_server, doc)
    marks = page.locator("mark.suggestion")
    expect(marks).to_have_count(3)
    first = paragraph(page, 0).locator("mark.suggestion")
    expect(first).to_have_attribute("data-label", "attribution")
    assert first.get_attribute("data-annotation-id") is None
    assert first.evaluate("m => getComputedStyle(m).outlineStyle") == "dashed"
    # the paragraph's text is untouched by the marks (the page's hooks)
    expect(paragraph(page, 0).locator(".paragraph-text")).to_have_text(PARAGRAPHS[0])
    # listed in the side panel, with the rule that found them
    panel = page.locator("#suggestions-panel")
    expect(panel.locator(".suggestion-item")).to_have_count(1)
    expect(panel.locator(".suggestion-rule")).to_have_text("quote-cue-after")
    # a quotation is shown with its own quotation marks, not inside another pair
    expect(panel.locator(".span-text")).to_have_text(PARAGRAPHS[0][:-1])
    expect(page.locator("#suggestion-count")).to_have_text("3 left")
    page.screenshot(path=str(screenshots / "annotate-suggestions.png"))

    # a: the current paragraph's suggestion becomes alice's span
    paragraph(page, 0).click()
    page.keyboard.press("a")
    wait_saved(page)
    stored = api.spans(doc)
    assert [(s["paragraph"], s["label"], s["origin"]) for s in stored] == [
        (0, "attribution", "suggestion:quote-cue-after")]
    assert stored[0]["text"] == PARAGRAPHS[0][:-1]
    expect(paragraph(page, 0).locator("mark.suggestion")).to_have_count(0)
    expect(paragraph(page, 0).locator(f'mark[data-annotation-id="{stored[0]["id"]}"]')) \
        .to_have_count(1)
    # the span list says where the span came from
    expect(page.locator("#span-list .span-origin")).to_have_text("suggested: quote-cue-after")

    # n: to the next suggestion (paragraph 2), x rejects it
    page.keyboard.press("n")
    expect(paragraph(page, 2)).to_have_attribute("aria-current", "true")
    expect(paragraph(page, 2).locator("mark.suggestion.is-active")).to_have_count(1)
    page.keyboard.press("x")
    wait_saved(page)
    assert [s["paragraph"] for s in suggestions(api, doc)] == [3]
    expect(page.locator("#suggestion-count")).to_have_text("1 left")

    # the panel's buttons do the same: reject the last one there
    page.keyboard.press("n")
    expect(paragraph(page, 3)).to_have_attribute("aria-current", "true")
    page.screenshot(path=str(screenshots / "annotate-suggestion-current.png"))
    page.locator('#suggestions-panel [data-action="reject"]').click()
    wait_saved(page)
    assert suggestions(api, doc) == []
    expect(page.locator("#suggestion-count")).to_have_text("none left")

    # after a reload: what was decided stays decided
    page.reload()
    expect(page.locator("#annotate")).to_have_attribute("data-ready", "true", timeout=20000)
    expect(page.locator("mark.suggestion")).to_have_count(0)
    assert len(api.spans(doc)) == 1
    paragraph(page, 0).click()
    expect(page.locator("#span-list .span-origin")).to_have_text("suggested: quote-cue-after")


def test_accept_while_the_server_is_away_goes_through_the_queue(page, live_server, login, doc,
                                                                api):
    login(page)
    open_document(page, live_server, doc)
    live_server.stop()
    paragraph(page, 2).click()
    page.keyboard.press("a")
    expect(status(page)).to_have_text("offline — retrying")
    # drawn as the reviewer's span already, not as a suggestion
    expect(paragraph(page, 2).locator("mark.suggestion")).to_have_count(0)
    expect(paragraph(page, 2).locator('mark.ann[data-label="expert-opinion"]')).to_have_count(1)
    live_server.start()
    wait_saved(page, timeout=20000)
    assert [(s["paragraph"], s["label"], s["origin"]) for s in api.spans(doc)] == [
        (2, "expert-opinion", "suggestion:expert-opinion")]


def test_label_keys_keep_working_and_help_lists_the_keys(page, live_server, login, doc, api):
    login(page)
    open_document(page, live_server, doc)
    page.keyboard.press("?")
    help_text = page.locator("#help-dialog").inner_text()
    assert "Accept the current suggestion" in help_text
    assert "Reject the current suggestion" in help_text
    page.keyboard.press("Escape")
    # a paragraph without suggestions: a says so, and stores nothing
    paragraph(page, 1).click()
    page.keyboard.press("a")
    expect(page.locator("#notice")).to_contain_text("no suggestion in this paragraph")
    assert api.spans(doc) == []


def test_project_with_suggestions_off_shows_none(page, live_server, login, doc, live_app):
    from annotator.extensions import db
    from annotator.models import Project

    with live_app.app_context():
        project = db.session.scalar(db.select(Project))
        project.suggestion_settings = {"enabled": False}
        db.session.commit()
    login(page)
    open_document(page, live_server, doc)
    expect(page.locator("mark.suggestion")).to_have_count(0)
    expect(page.locator("#suggestions-panel")).to_have_count(0)


def test_project_page_shows_the_evaluation_and_the_decisions(page, live_server, login, seed,
                                                             doc, api, live_app, screenshots):
    seed.user("root", role="admin")
    found = suggestions(api, doc)
    api.client.post(f"/api/documents/{doc}/suggestions/{found[0]['id']}/accept",
                    headers=api.headers)
    api.client.post(f"/api/documents/{doc}/suggestions/{found[1]['id']}/reject",
                    headers=api.headers)
    admin = Api(live_app, "root")
    admin.client.put(f"/api/documents/{doc}/gold", headers=admin.headers, json=[
        {key: found[0][key] for key in ("paragraph", "start", "end", "label")},
        {key: found[2][key] for key in ("paragraph", "start", "end", "label")}])
    login(page, "root")
    page.goto(f"{live_server.url}/projects/news#suggestions")
    section = page.locator("#suggestions")
    expect(section.locator("table.suggestion-evaluation")).to_be_visible()
    expect(section.locator("table.suggestion-evaluation tbody tr").first).to_contain_text(
        "attribution")
    expect(section.locator("table.suggestion-decisions")).to_contain_text("quote-cue-after")
    section.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "project-suggestions.png"), full_page=True)
    # the settings form: turn one rule off
    section.locator('input[value="designation"]').check()
    section.get_by_role("button", name="Save the suggestion settings").click()
    expect(page.locator(".flash-success")).to_contain_text("Suggestion settings saved")
    assert [s["rule"] for s in suggestions(api, doc)] == []  # accepted, rejected, turned off


def test_annotate_page_with_suggestions_passes_axe(page, live_server, login, doc):
    from tests.browser.test_accessibility import _audit

    login(page)
    found = _audit(page, f"{live_server.url}/documents/{doc}/annotate")
    assert not found, "\n".join(found)
