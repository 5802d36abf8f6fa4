"""The project settings page in Chromium: the codebook edited as a form (labels, colours with
their contrast, hotkeys, attributes and choices, reordered by keyboard and by drag), JSON
import and the JSON view, the refusal to remove what stored spans use, renamed keys carried
into the spans, and the page without JavaScript. Screenshots go to test-output/screenshots/.
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from annotator.codebook import default_codebook
from annotator.colours import contrast_checks
from annotator.extensions import db
from annotator.models import Annotation, GoldSpan, Project

pytestmark = pytest.mark.browser

TEXT = "The minister said the plan is a disaster for everyone involved."


@pytest.fixture
def project(seed):
    seed.user("root", role="admin")
    codebook = {**default_codebook(), "version": 7, "description": "Kept as it is."}
    seed.project("news", codebook=codebook)
    seed.document([TEXT], title="The plan", reviews=[
        {"reviewer": "alice", "status": "submitted", "annotations": [
            {"paragraph": 0, "start": 0, "end": 12, "label": "framing",
             "attributes": {"valence": "negative"}},
            {"paragraph": 0, "start": 13, "end": 17, "label": "attribution",
             "attributes": {"source_type": "official"}}]}],
        gold=[{"paragraph": 0, "start": 0, "end": 12, "label": "framing"}])
    return "news"


def stored(live_app) -> dict:
    with live_app.app_context():
        return db.session.scalar(db.select(Project).where(Project.slug == "news")).codebook


def labels_of(live_app, model) -> list[str]:
    with live_app.app_context():
        return sorted(db.session.scalars(db.select(model.label)))


def row(page, key):
    """The label row whose saved key (or, for a new one, key field) is `key`."""
    return page.locator(f'.cb-label[data-origin="{key}"]')


def open_settings(page, live_server, login):
    login(page, "root")
    page.goto(f"{live_server.url}/admin/projects/news/settings")
    page.wait_for_selector(".cb-label")


def save(page):
    page.click("button[type=submit].primary")
    page.wait_for_load_state()


def test_edit_labels_colours_hotkeys_and_attributes(page, live_server, live_app, login,
                                                   project, screenshots):
    open_settings(page, live_server, login)
    assert page.locator("#codebook_json").is_hidden()
    assert page.locator(".cb-label").count() == 4
    framing = row(page, "framing")
    framing.locator(".cb-toggle").click()
    assert framing.locator(".cb-toggle").get_attribute("aria-expanded") == "true"
    framing.locator("[data-field=name]").fill("Framing, loaded")
    assert framing.locator(".cb-title").inner_text() == "Framing, loaded"

    # The contrast check follows the colour as it is typed, with the server's figures.
    framing.locator("[data-field=color]").fill("#ffff00")
    failing = framing.locator(".cb-checks li.fail")
    assert failing.count() == 1 and failing.get_attribute("data-check") == "page"
    assert float(failing.get_attribute("data-ratio")) == pytest.approx(
        contrast_checks("#ffff00")[1]["ratio"], abs=1e-4)
    assert "1.07:1" in failing.inner_text()
    page.screenshot(path=str(screenshots / "settings-1-contrast.png"), full_page=True)
    save(page)  # refused before it leaves the page
    assert "1 field needs attention" in page.locator("[data-codebook-status]").inner_text()
    assert page.evaluate("document.activeElement.dataset.field") == "color"
    assert stored(live_app)["labels"][0]["name"] == "Framing"
    framing.locator("[data-field=color]").fill("#1f5fa0")
    assert framing.locator(".cb-checks li.fail").count() == 0
    assert framing.locator("[data-field=color-picker]").input_value() == "#1f5fa0"

    # Hotkeys: the annotate page's own keys and another label's are refused as typed.
    hotkey = framing.locator("[data-field=hotkey]")
    hotkey.fill("j")
    error = framing.locator("[data-field=hotkey] ~ .field-error")
    assert error.inner_text() == "'j' is taken by the annotate page (next paragraph)."
    assert hotkey.get_attribute("aria-invalid") == "true"
    hotkey.fill("2")
    assert error.inner_text() == "'2' is already the hotkey of label “Attribution”."
    hotkey.fill("f")
    assert error.is_hidden() and hotkey.get_attribute("aria-invalid") is None

    # Attributes are reordered from the keyboard: the handle and the arrow keys.
    device = framing.locator('.cb-attr[data-origin="device"]')
    device.locator(".cb-attr-handle").focus()
    page.keyboard.press("ArrowUp")
    keys = framing.locator(".cb-attr [data-field=attr-key]")
    assert keys.nth(0).input_value() == "device"
    assert page.evaluate("document.activeElement.classList.contains('cb-attr-handle')")
    assert "moved to place 1 of 4" in page.locator("[data-codebook-status]").inner_text()
    # and choices too
    choice = device.locator(".cb-choice").nth(1)
    choice.locator(".cb-choice-handle").focus()
    page.keyboard.press("Home")
    assert device.locator(".cb-choice input").nth(0).input_value() == "informational"

    # A new label: its key follows its name; an attribute with two choices.
    page.click(".cb-add-label")
    new = page.locator(".cb-label").nth(4)
    assert page.evaluate("document.activeElement.dataset.field") == "name"
    page.keyboard.type("Loaded language")
    assert new.locator("[data-field=key]").input_value() == "loaded-language"
    new.get_by_role("button", name="+ Add an attribute").click()
    page.keyboard.type("Intensity")
    attribute = new.locator(".cb-attr")
    assert attribute.locator("[data-field=attr-key]").input_value() == "intensity"
    attribute.locator(".cb-choice input").fill("mild")
    attribute.get_by_role("button", name="+ Add a choice").click()
    page.keyboard.type("strong")
    new.locator("[data-field=hotkey]").fill("5")
    page.screenshot(path=str(screenshots / "settings-2-form.png"), full_page=True)
    save(page)
    assert "Saved the settings of 'news'." in page.inner_text(".flashes")

    codebook = stored(live_app)
    assert codebook["version"] == 7 and codebook["description"] == "Kept as it is."
    first = codebook["labels"][0]
    assert (first["key"], first["name"], first["color"], first["hotkey"]) == (
        "framing", "Framing, loaded", "#1f5fa0", "f")
    assert [a["key"] for a in first["attributes"]] == ["device", "dimension", "valence",
                                                       "target"]
    assert first["attributes"][0]["choices"] == ["informational", "lexical"]
    assert codebook["labels"][4] == {
        "key": "loaded-language", "name": "Loaded language", "color": codebook["labels"][4][
            "color"], "hotkey": "5", "description": "",
        "attributes": [{"key": "intensity", "name": "Intensity", "type": "choice",
                        "choices": ["mild", "strong"]}]}
    assert not contrast_checks(codebook["labels"][4]["color"])[1]["ratio"] < 3


def test_what_spans_use_stays_and_renamed_keys_follow(page, live_server, live_app, login,
                                                      project, screenshots):
    open_settings(page, live_server, login)
    framing = row(page, "framing")
    assert framing.locator(".cb-head .cb-usage").inner_text() == "2 spans"
    framing.get_by_role("button", name="Remove label “Framing”").click()
    message = framing.locator(".cb-body > .cb-message")
    assert message.inner_text() == ("Label 'framing' is used by 2 spans (1 reviewer's, "
                                    "1 gold); it cannot be removed.")
    assert page.locator(".cb-label").count() == 4

    attribution = row(page, "attribution")
    attribution.locator(".cb-toggle").click()
    source_type = attribution.locator('.cb-attr[data-origin="source_type"]')
    source_type.get_by_role("button", name="Remove choice “official”").click()
    assert "The choice \"official\" of attribute 'source_type' (label 'attribution') is set " \
        "on 1 span (1 reviewer's); it cannot be removed." in source_type.locator(
            ":scope > .cb-message").inner_text()
    assert source_type.locator(".cb-choice").count() == 8
    page.screenshot(path=str(screenshots / "settings-3-refused.png"), full_page=True)

    # An unused label goes; focus moves on, and the page says so.
    row(page, "disclaimer").get_by_role("button", name="Remove label “Disclaimer”").click()
    assert page.locator(".cb-label").count() == 3
    assert "Removed label “Disclaimer”" in page.inner_text("[data-codebook-status]")

    # A key changed in the form is a rename: the stored spans follow.
    framing.locator("[data-field=key]").fill("frame")
    source_type.locator('.cb-choice[data-origin="official"] input').fill("government")
    save(page)
    assert "Saved the settings" in page.inner_text(".flashes")
    codebook = stored(live_app)
    assert [label["key"] for label in codebook["labels"]] == ["frame", "attribution",
                                                             "expert-opinion"]
    assert labels_of(live_app, Annotation) == ["attribution", "frame"]
    assert labels_of(live_app, GoldSpan) == ["frame"]
    with live_app.app_context():
        attrs = db.session.scalar(db.select(Annotation.attributes).where(
            Annotation.label == "attribution"))
    assert attrs == {"source_type": "government"}


def test_labels_reorder_by_drag(page, live_server, live_app, login, project):
    open_settings(page, live_server, login)
    handle = row(page, "disclaimer").locator(".cb-label-handle")
    page.locator(".cb-labels").evaluate("list => list.scrollIntoView({block: 'center'})")
    target = row(page, "framing").bounding_box()
    box = handle.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + 5, target["y"] + 4, steps=12)
    page.mouse.up()
    keys = [k for k in page.locator(".cb-label [data-field=key]").evaluate_all(
        "inputs => inputs.map(i => i.value)")]
    assert keys == ["disclaimer", "framing", "attribution", "expert-opinion"]
    save(page)
    assert [label["key"] for label in stored(live_app)["labels"]] == keys


def test_import_a_json_file_and_edit_as_json(page, live_server, live_app, login, project,
                                             tmp_path, screenshots):
    open_settings(page, live_server, login)
    bad = tmp_path / "broken.json"
    bad.write_text("{", encoding="utf-8")
    page.set_input_files("#codebook_file", str(bad))
    status = page.locator("[data-codebook-status]")
    expect(status).to_contain_text("broken.json: not a codebook")
    assert status.get_attribute("data-kind") == "error"

    codebook = default_codebook()
    codebook["labels"].append({"key": "loaded", "name": "Loaded", "color": "#0f766e",
                               "attributes": []})
    good = tmp_path / "book.json"
    good.write_text(json.dumps(codebook), encoding="utf-8")
    page.set_input_files("#codebook_file", str(good))
    expect(status).to_have_text("Loaded book.json into the form: check it, then save the "
                                "settings.")
    assert page.locator(".cb-label").count() == 5
    assert page.locator("#codebook_file").input_value() == ""

    page.click("[data-codebook-mode]")
    textarea = page.locator("#codebook_json")
    assert textarea.is_visible() and page.locator("[data-codebook-editor]").is_hidden()
    data = json.loads(textarea.input_value())
    assert data["labels"][-1]["key"] == "loaded"
    data["labels"][-1]["name"] = "Loaded words"
    textarea.fill(json.dumps(data, indent=2))
    page.screenshot(path=str(screenshots / "settings-4-json.png"))
    page.click("[data-codebook-mode]")
    assert page.locator(".cb-label").nth(4).locator(".cb-title").inner_text() == "Loaded words"
    save(page)
    saved = stored(live_app)
    assert saved["labels"][-1]["name"] == "Loaded words"
    assert "version" not in saved  # an imported codebook is the whole codebook


def test_a_key_renamed_in_the_form_survives_the_json_view(page, live_server, live_app,
                                                          login, project):
    open_settings(page, live_server, login)
    row(page, "framing").locator(".cb-toggle").click()
    row(page, "framing").locator("[data-field=key]").fill("frame")
    page.click("[data-codebook-mode]")  # to JSON and back: still a rename
    page.click("[data-codebook-mode]")
    assert row(page, "framing").locator("[data-field=key]").input_value() == "frame"
    page.click("[data-codebook-mode]")
    save(page)  # saved from the JSON view
    assert "Saved the settings" in page.inner_text(".flashes")
    assert labels_of(live_app, GoldSpan) == ["frame"]


def test_the_page_works_without_javascript(browser, live_server, live_app, project,
                                           screenshots):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280,
                                                                       "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/login")
        page.fill("#username", "root")
        page.fill("#password", "password-123")
        page.click("button[type=submit]")
        page.goto(f"{live_server.url}/admin/projects/news/settings")
        textarea = page.locator("#codebook_json")
        assert textarea.is_visible() and page.locator("[data-codebook-editor]").is_hidden()
        data = json.loads(textarea.input_value())
        data["labels"][0]["name"] = "Framing (plain)"
        textarea.fill(json.dumps(data))
        page.screenshot(path=str(screenshots / "settings-5-no-javascript.png"))
        page.click("button[type=submit].primary")
        assert stored(live_app)["labels"][0]["name"] == "Framing (plain)"
    finally:
        context.close()


def test_the_pages_colour_maths_is_the_servers(page, live_server, login, project):
    open_settings(page, live_server, login)
    colours = ["#e07a2f", "#2f78c4", "#ffff00", "#000000", "#ffffff", "#808080", "#777777",
               "#1f77b4", "#a21caf", "#0f766e", "#fefefe", "#123456", "#abcdef", "#ff0000"]
    rule = json.loads(page.inner_text("#codebook-editor-data"))["contrast"]
    figures = page.evaluate(
        """async ([colours, rule]) => {
             const m = await import('/static/js/shared/colours.js');
             return colours.map((c) => m.contrastChecks(c, rule).checks.map((x) => x.ratio));
           }""", [colours, rule])
    for colour, ratios in zip(colours, figures, strict=True):
        assert ratios == pytest.approx([c["ratio"] for c in contrast_checks(colour)],
                                       abs=1e-12), colour


@pytest.mark.parametrize("width", [390, 1280])
def test_settings_page_fits_the_screen(page, live_server, login, project, width, screenshots):
    page.set_viewport_size({"width": width, "height": 900})
    open_settings(page, live_server, login)
    row(page, "attribution").locator(".cb-toggle").click()
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    row(page, "attribution").screenshot(path=str(screenshots / f"settings-label-{width}.png"))
    page.screenshot(path=str(screenshots / f"settings-{width}.png"), full_page=True)
    assert overflow <= 0


def test_a_refused_save_comes_back_in_the_form(page, live_server, live_app, login, project):
    open_settings(page, live_server, login)
    page.click("[data-codebook-mode]")
    data = json.loads(page.input_value("#codebook_json"))
    data["labels"] = [label for label in data["labels"] if label["key"] != "framing"]
    data["labels"][0]["name"] = "Attribution, edited"
    page.fill("#codebook_json", json.dumps(data))
    save(page)
    message = ("The new codebook would orphan stored spans or answers: label 'framing' is used "
               "by 2 spans "
               "(1 reviewer's, 1 gold); it cannot be removed. Renaming is fine.")
    assert page.inner_text(".error-box li") == message
    assert page.inner_text("#codebook_json-error") == message
    # The edited codebook is shown as a form again, to correct it.
    assert page.locator("[data-codebook-editor]").is_visible()
    assert page.locator(".cb-label .cb-title").all_inner_texts() == [
        "Attribution, edited", "Expert opinion", "Disclaimer"]
    page.click(".error-box a")
    expect(page.locator("[data-codebook-mode]")).to_be_focused()
    assert stored(live_app)["labels"][0]["key"] == "framing"


def test_the_open_form_passes_axe(page, live_server, login, project):
    from axe_playwright_python.sync_playwright import Axe

    open_settings(page, live_server, login)
    framing = row(page, "framing")
    framing.locator(".cb-toggle").click()
    framing.locator("[data-field=hotkey]").fill("j")  # a field with its error shown
    framing.get_by_role("button", name="Remove label “Framing”").click()  # and a refusal
    page.click(".cb-add-label")
    results = Axe().run(page)
    found = [f"{v['id']} ({v['impact']}): {v['help']} at "
             + "; ".join(" ".join(n["target"]) for n in v["nodes"][:3])
             for v in results.response["violations"] if v.get("impact") in ("serious",
                                                                            "critical")]
    assert not found, "\n".join(found)


def test_questions_are_edited_in_the_form(page, live_server, live_app, login, project,
                                          screenshots):
    """The article-level questions: the default ones shown, one added (its key from its name),
    a scale checked before saving, one removed, the order kept; the JSON view carries them."""
    open_settings(page, live_server, login)
    questions = page.locator(".qf-question")
    expect(questions).to_have_count(2)  # the default codebook's primary frame and tone
    assert page.input_value(".qf-question >> nth=0 >> [data-field=q-key]") == "primary_frame"
    assert page.locator(".qf-question >> nth=0 >> [data-field=q-required]").is_checked()
    page.click("[data-add-question]")
    new = questions.nth(2)
    expect(new.locator("[data-field=q-name]")).to_be_focused()
    page.keyboard.type("Headline supported")
    assert new.locator("[data-field=q-key]").input_value() == "headline_supported"
    new.locator("[data-field=q-type]").select_option("ordinal")
    new.locator("[data-field=q-choices]").fill("no")
    save(page)  # refused in the page: a scale needs two points
    expect(new.locator(".field-error:not([hidden])")).to_have_text(
        "A scale needs two or more points, one per line.")
    expect(new.locator("[data-field=q-choices]")).to_be_focused()
    new.locator("[data-field=q-choices]").fill("no\npartly\n\nyes\n")
    # the tone goes (no one answered it), and the order stays
    questions.nth(1).locator(".cb-remove").click()
    page.screenshot(path=str(screenshots / "settings-questions.png"), full_page=True)
    save(page)
    expect(page.locator(".flash, .notice, [role=status]").first).to_be_attached()
    codebook = stored(live_app)
    assert codebook["questions"] == [
        default_codebook()["questions"][0],
        {"key": "headline_supported", "name": "Headline supported", "type": "ordinal",
         "choices": ["no", "partly", "yes"]}]
    assert codebook["version"] == 7  # other keys are kept
    # the JSON view shows the same questions
    page.goto(f"{live_server.url}/admin/projects/news/settings")
    page.wait_for_selector(".qf-question")
    page.click("[data-codebook-mode]")
    assert json.loads(page.input_value("#codebook_json"))["questions"] == codebook["questions"]
