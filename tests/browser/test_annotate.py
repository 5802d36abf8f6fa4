"""The annotate page in Chromium: tagging, offsets in code points, editing, reviewing,
submitting, and the save queue (server gone, reload, session expired, refused changes)."""

from __future__ import annotations

import re
import time

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or, under CI, fails) and says why
    expect = None

from annotator.extensions import db

pytestmark = pytest.mark.browser

EMOJI = "Troops 😀 leave Iraq after talks, the minister said."
FRAKTUR = "The word 𝔘nicode is written with a Fraktur U 𝔘 here."
ACCENTS = "Le cafe\u0301 de la gare ferme, dit le maire."
RTL = "הוא אמר שלום עולם היום."
PLAIN = "Plain ASCII text about the withdrawal of American troops."
PARAGRAPHS = [EMOJI, FRAKTUR, ACCENTS, RTL, PLAIN]


def u16(text: str, cp: int) -> int:
    """UTF-16 position of a code-point offset."""
    return len(text[:cp].encode("utf-16-le")) // 2


SELECT_JS = """([p, a, q, b]) => {
  const textOf = (i) => document.querySelector(`[data-paragraph-index="${i}"] .paragraph-text`);
  const point = (el, u) => {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      if (u <= node.data.length) return [node, u];
      u -= node.data.length;
    }
    throw new Error("offset beyond the paragraph");
  };
  const [sn, so] = point(textOf(p), a);
  const [en, eo] = point(textOf(q), b);
  const range = document.createRange();
  range.setStart(sn, so);
  range.setEnd(en, eo);
  const sel = window.getSelection();
  sel.removeAllRanges();
  sel.addRange(range);
  return sel.toString();
}"""


def select(page, paragraph: int, text: str, start: int, end: int, end_paragraph=None,
           end_text=None) -> str:
    """Select code points [start, end) of a paragraph (or up to another paragraph)."""
    q = paragraph if end_paragraph is None else end_paragraph
    end_text = text if end_text is None else end_text
    return page.evaluate(SELECT_JS, [paragraph, u16(text, start), q, u16(end_text, end)])


def status(page):
    return page.locator("[data-save-status]")


def wait_saved(page, timeout=15000):
    expect(status(page)).to_have_text("saved", timeout=timeout)


def open_document(page, live_server, doc_id: int):
    page.goto(f"{live_server.url}/documents/{doc_id}/annotate")
    expect(page.locator("#annotate")).to_have_attribute("data-ready", "true", timeout=20000)


def paragraph(page, index: int):
    return page.locator(f'[data-paragraph-index="{index}"]')


class Api:
    """The JSON API of the live app, called with a bearer token through the test client."""

    def __init__(self, app, name="alice"):
        from annotator.accounts import create_token, find_user

        self.client = app.test_client()
        with app.app_context():
            self.headers = {"Authorization": f"Bearer {create_token(find_user(name))}"}

    def spans(self, doc_id: int) -> list[dict]:
        response = self.client.get(f"/api/documents/{doc_id}/annotations", headers=self.headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    def review(self, doc_id: int) -> dict:
        return self.client.get(f"/api/documents/{doc_id}/review", headers=self.headers).get_json()

    def create(self, doc_id: int, **span) -> dict:
        response = self.client.post(f"/api/documents/{doc_id}/annotations",
                                    headers=self.headers, json=span)
        assert response.status_code == 201, response.get_data(as_text=True)
        return response.get_json()

    def answers(self, doc_id: int) -> dict:
        response = self.client.get(f"/api/documents/{doc_id}/answers", headers=self.headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    def submit(self, doc_id: int) -> None:
        # the default codebook's required question first, as the page asks it
        response = self.client.put(f"/api/documents/{doc_id}/answers", headers=self.headers,
                                   json={"primary_frame": "political"})
        assert response.status_code == 200, response.get_data(as_text=True)
        response = self.client.post(f"/api/documents/{doc_id}/submit", headers=self.headers)
        assert response.status_code == 200


def brief(spans: list[dict]) -> list[tuple]:
    return sorted((s["paragraph"], s["start"], s["end"], s["label"], s["text"]) for s in spans)


@pytest.fixture
def doc(seed):
    seed.user("alice")
    return seed.document(PARAGRAPHS, title="Offsets <b>and</b> scripts")


@pytest.fixture
def api(live_app, doc):
    return Api(live_app)


@pytest.fixture
def annotating(page, live_server, login, doc):
    """Alice logged in through /login, on the annotate page of the test document."""
    login(page)
    open_document(page, live_server, doc)
    return page


# --- tagging and offsets --------------------------------------------------------------------

def test_login_then_tag_by_hotkey_after_an_emoji(annotating, api, doc):
    page = annotating
    start = EMOJI.index("leave")
    # "eave Ira" snaps to the whole words "leave Iraq".
    assert select(page, 0, EMOJI, start + 1, start + 9) == "eave Ira"
    page.keyboard.press("1")
    mark = paragraph(page, 0).locator('mark[data-label="framing"]')
    expect(mark).to_have_text("leave Iraq")
    wait_saved(page)
    expect(mark).to_have_attribute("data-annotation-id", re.compile(r"^\d+$"))
    assert brief(api.spans(doc)) == [(0, start, start + 10, "framing", "leave Iraq")]
    text_el = paragraph(page, 0).locator(".paragraph-text")
    assert text_el.evaluate("el => el.textContent") == EMOJI


def test_tag_by_button_in_a_fraktur_paragraph(annotating, api, doc):
    page = annotating
    start = FRAKTUR.index("𝔘nicode")
    select(page, 1, FRAKTUR, start + 2, start + 4)  # "ic" inside the word
    page.click('button[data-label="attribution"]')
    expect(paragraph(page, 1).locator('mark[data-label="attribution"]')).to_have_text("𝔘nicode")
    # The lone 𝔘 near the end, exactly (a whole word of one astral character).
    lone = FRAKTUR.rindex("𝔘")
    select(page, 1, FRAKTUR, lone, lone + 1)
    page.click('button[data-label="disclaimer"]')
    wait_saved(page)
    assert brief(api.spans(doc)) == [
        (1, start, start + 7, "attribution", "𝔘nicode"),
        (1, lone, lone + 1, "disclaimer", "𝔘"),
    ]
    assert paragraph(page, 1).locator(".paragraph-text").evaluate(
        "el => el.textContent") == FRAKTUR


def test_alt_keeps_the_exact_characters_and_accents_stay_whole(annotating, api, doc):
    page = annotating
    cafe = ACCENTS.index("cafe")
    # Select "af" + "e" without its combining accent: the accent comes along (one grapheme),
    # and with Alt the selection is not widened to the whole word.
    select(page, 2, ACCENTS, cafe + 1, cafe + 4)
    page.click('button[data-label="framing"]', modifiers=["Alt"])
    wait_saved(page)
    assert brief(api.spans(doc)) == [(2, cafe + 1, cafe + 5, "framing", "afe\u0301")]


def test_alt_with_the_hotkey(annotating, api, doc):
    page = annotating
    start = PLAIN.index("withdrawal")
    select(page, 4, PLAIN, start + 4, start + 7)  # "dra"
    page.keyboard.press("Alt+4")
    wait_saved(page)
    select(page, 4, PLAIN, start + 4, start + 7)
    page.keyboard.press("4")
    wait_saved(page)
    assert brief(api.spans(doc)) == [
        (4, start, start + 10, "disclaimer", "withdrawal"),
        (4, start + 4, start + 7, "disclaimer", "dra"),
    ]


def test_snap_toggle_off_keeps_the_exact_characters(annotating, api, doc):
    page = annotating
    page.uncheck("#snap-words")
    select(page, 4, PLAIN, 1, 4)
    page.keyboard.press("1")
    wait_saved(page)
    assert brief(api.spans(doc)) == [(4, 1, 4, "framing", "lai")]


def test_right_to_left_text(annotating, api, doc):
    page = annotating
    word = RTL.index("שלום")
    select(page, 3, RTL, word + 1, word + 3)
    page.keyboard.press("3")
    wait_saved(page)
    assert brief(api.spans(doc)) == [(3, word, word + 4, "expert-opinion", "שלום")]


def test_keyboard_only_selection(annotating, api, doc):
    page = annotating
    page.keyboard.press("k")  # the first paragraph is current already; stays there
    expect(paragraph(page, 0)).to_have_attribute("aria-current", "true")
    page.keyboard.press("ArrowRight")  # selects "Troops"
    page.keyboard.press("ArrowRight")  # selects the emoji
    page.keyboard.press("ArrowRight")  # "leave"
    page.keyboard.press("Shift+ArrowRight")  # "leave Iraq"
    assert page.evaluate("getSelection().toString()") == "leave Iraq"
    page.keyboard.press("2")
    wait_saved(page)
    start = EMOJI.index("leave")
    assert brief(api.spans(doc)) == [(0, start, start + 10, "attribution", "leave Iraq")]


def test_selection_across_paragraphs_is_refused(annotating, api, doc):
    page = annotating
    select(page, 0, EMOJI, 3, 5, end_paragraph=1, end_text=FRAKTUR)
    page.keyboard.press("1")
    notice = page.locator("#notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("within one paragraph")
    expect(page.locator("mark")).to_have_count(0)
    assert api.spans(doc) == []


def test_overlapping_spans_stay_visible_and_clickable(annotating, api, doc):
    page = annotating
    a = PLAIN.index("ASCII")
    b = PLAIN.index("withdrawal")
    select(page, 4, PLAIN, a, b + len("withdrawal"))
    page.keyboard.press("1")
    select(page, 4, PLAIN, PLAIN.index("about"), PLAIN.index("troops") + 6)
    page.keyboard.press("2")
    wait_saved(page)
    text_el = paragraph(page, 4).locator(".paragraph-text")
    assert text_el.evaluate("el => el.textContent") == PLAIN
    assert len(api.spans(doc)) == 2
    # The overlap ("about the withdrawal") lies under both marks: clicking it offers both.
    overlap = paragraph(page, 4).locator("mark mark").first
    expect(overlap).to_contain_text("about")
    overlap.click()
    menu = page.locator("#span-menu")
    expect(menu).to_be_visible()
    expect(menu.locator("[role=menuitem]")).to_have_count(2)
    menu.locator('[role=menuitem][data-label="attribution"]').click()
    expect(page.locator("#span-editor")).to_be_visible()
    expect(page.locator("#ed-label")).to_have_value("attribution")
    # The part covered by one span only opens that span's editor directly.
    page.keyboard.press("Escape")
    paragraph(page, 4).locator('mark[data-label="framing"]').first.click(position={"x": 3, "y": 8})
    expect(page.locator("#ed-label")).to_have_value("framing")


# --- editing --------------------------------------------------------------------------------

def test_edit_attributes_and_note_then_delete(annotating, api, doc):
    page = annotating
    start = PLAIN.index("American")
    select(page, 4, PLAIN, start, start + len("American troops"))
    page.keyboard.press("1")
    wait_saved(page)
    paragraph(page, 4).locator("mark").click()
    editor = page.locator("#span-editor")
    expect(editor).to_be_visible()
    expect(page.locator("#ed-label")).to_be_focused()
    page.select_option("#ed-attr-dimension", "security_defense")
    editor.locator('[data-attribute="valence"] label', has_text="negative").click()
    editor.locator('[data-attribute="device"] label', has_text="informational").click()
    page.fill("#ed-attr-target", "United States")
    page.fill("#ed-note", "Selected background, one-sided.")
    wait_saved(page)
    [span] = api.spans(doc)
    assert span["attributes"] == {"dimension": "security_defense", "valence": "negative",
                                  "device": "informational", "target": "United States"}
    assert span["note"] == "Selected background, one-sided."
    # Escape closes the editor and gives the focus back to the paragraph.
    page.keyboard.press("Escape")
    expect(editor).to_be_hidden()
    expect(paragraph(page, 4)).to_be_focused()
    # The side panel lists the span; Enter on it opens the editor again.
    item = page.locator("#span-list .span-item")
    expect(item).to_contain_text("American troops")
    expect(item).to_contain_text("security defense")
    item.focus()
    page.keyboard.press("Enter")
    expect(editor).to_be_visible()
    # Changing the label clears the attributes of the old label.
    page.select_option("#ed-label", "attribution")
    expect(page.locator("#ed-attr-source")).to_be_visible()
    wait_saved(page)
    [span] = api.spans(doc)
    assert (span["label"], span["attributes"]) == ("attribution", {})
    page.click("#ed-delete")
    expect(editor).to_be_hidden()
    expect(page.locator("mark")).to_have_count(0)
    wait_saved(page)
    assert api.spans(doc) == []


# A codebook with every attribute type (test_shared_browser.py uses it on both pages too).
TYPED_CODEBOOK = {"labels": [{
    "key": "claim", "name": "Claim", "color": "#ffd400", "hotkey": "c",
    "description": "A claim.",
    "attributes": [
        {"key": "kind", "name": "Kind", "type": "choice", "choices": ["fact", "opinion"]},
        {"key": "topics", "name": "Topics", "type": "multi",
         "choices": ["war", "oil", "elections"]},
        {"key": "speaker", "name": "Speaker", "type": "text"},
        {"key": "hedged", "name": "Hedged", "type": "boolean"},
    ]}]}


def test_every_attribute_type_in_the_editor(page, live_server, login, seed, live_app):
    seed.user("alice")
    seed.project("typed", codebook=TYPED_CODEBOOK)
    doc_id = seed.document(["The minister said oil would flow again."], slug="typed")
    api = Api(live_app)
    login(page)
    open_document(page, live_server, doc_id)
    text = "The minister said oil would flow again."
    select(page, 0, text, 4, 12)
    page.keyboard.press("c")
    mark = paragraph(page, 0).locator('mark[data-label="claim"]')
    expect(mark).to_have_text("minister")
    mark.click()
    editor = page.locator("#span-editor")
    editor.locator('[data-attribute="kind"] label', has_text="opinion").click()
    editor.locator('[data-attribute="topics"] label', has_text="oil").click()
    editor.locator('[data-attribute="topics"] label', has_text="war").click()
    page.fill("#ed-attr-speaker", "the minister")
    page.check("#ed-attr-hedged")
    wait_saved(page)
    [span] = api.spans(doc_id)
    assert span["attributes"] == {"kind": "opinion", "topics": ["war", "oil"],
                                  "speaker": "the minister", "hedged": True}
    # Keyboard only: unset the boolean, untick a topic.
    page.focus("#ed-attr-hedged")
    page.keyboard.press("Space")
    editor.locator('[data-attribute="topics"] input[value="war"]').focus()
    page.keyboard.press("Space")
    wait_saved(page)
    assert api.spans(doc_id)[0]["attributes"] == {"kind": "opinion", "topics": ["oil"],
                                                  "speaker": "the minister", "hedged": False}
    # The label colour is readable: dark text on the light yellow tint.
    colour = mark.evaluate("el => getComputedStyle(el).color")
    assert colour == "rgb(22, 27, 36)"


# --- reviewing and submitting ---------------------------------------------------------------

def test_enter_marks_reviewed_and_moves_on(annotating, api, doc):
    page = annotating
    expect(paragraph(page, 0)).to_have_attribute("aria-current", "true")
    page.keyboard.press("j")
    page.keyboard.press("ArrowDown")
    expect(paragraph(page, 2)).to_have_attribute("aria-current", "true")
    page.keyboard.press("ArrowUp")
    expect(paragraph(page, 1)).to_have_attribute("aria-current", "true")
    expect(paragraph(page, 1)).to_be_focused()
    page.keyboard.press("Enter")
    expect(paragraph(page, 1)).to_have_attribute("data-reviewed", "true")
    expect(paragraph(page, 2)).to_have_attribute("aria-current", "true")
    expect(paragraph(page, 1)).not_to_have_attribute("aria-current", "true")
    expect(page.locator("#progress-text")).to_contain_text("1 / 5")
    paragraph(page, 4).click()
    expect(paragraph(page, 4)).to_have_attribute("aria-current", "true")
    page.keyboard.press("Enter")
    expect(paragraph(page, 4)).to_have_attribute("data-reviewed", "true")
    wait_saved(page)
    assert api.review(doc)["reviewed_paragraphs"] == [1, 4]
    # Shift+Enter takes the mark back.
    page.keyboard.press("Shift+Enter")
    expect(paragraph(page, 4)).not_to_have_attribute("data-reviewed", "true")
    wait_saved(page)
    assert api.review(doc)["reviewed_paragraphs"] == [1]
    # The marks survive a reload.
    page.reload()
    expect(page.locator("#annotate")).to_have_attribute("data-ready", "true")
    expect(paragraph(page, 1)).to_have_attribute("data-reviewed", "true")
    expect(paragraph(page, 0)).to_have_attribute("aria-current", "true")


def test_submit_names_unreviewed_paragraphs_then_read_only(annotating, api, doc):
    page = annotating
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.click("#submit-button")
    dialog = page.locator("#submit-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("3 paragraphs are not marked reviewed")
    for n in (3, 4, 5):
        expect(dialog).to_contain_text(f"¶ {n}")
    expect(dialog).not_to_contain_text("¶ 1 ")
    expect(dialog).to_contain_text("Le cafe\u0301 de la gare")
    # the required question about the article as a whole is open: submitting waits for it
    expect(dialog).to_contain_text("Answer this required question about the article first")
    expect(dialog.locator("#submit-confirm")).to_be_disabled()
    dialog.get_by_role("button", name="Primary frame").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#q-primary_frame")).to_be_focused()
    page.select_option("#q-primary_frame", "security_defense")
    wait_saved(page)
    assert api.answers(doc) == {"primary_frame": "security_defense"}
    page.click("#submit-button")
    expect(dialog).not_to_contain_text("required question")
    dialog.locator("#submit-confirm").click()
    expect(page.locator("#readonly-banner")).to_be_visible()
    expect(page.locator("#readonly-banner")).to_contain_text("read-only")
    wait_saved(page)
    assert api.review(doc) == {"status": "submitted", "reviewed_paragraphs": [0, 1, 2, 3, 4]}
    expect(page.locator('button[data-label="framing"]')).to_be_disabled()
    select(page, 4, PLAIN, 0, 5)
    page.keyboard.press("1")
    # said once, by the banner (which draws the eye), not a second time in a notice
    expect(page.locator("#readonly-banner")).to_have_class(re.compile(r"\battention\b"))
    expect(page.locator("#notice")).to_be_hidden()
    expect(page.locator("#announcer")).to_have_text(  # for screen readers
        "You have submitted this document: it is read-only.")
    expect(page.locator("mark")).to_have_count(0)
    page.reload()
    expect(page.locator("#readonly-banner")).to_be_visible()
    expect(paragraph(page, 2)).to_have_attribute("data-reviewed", "true")
    expect(page.locator("#q-primary_frame")).to_have_value("security_defense")
    expect(page.locator("#q-primary_frame")).to_be_disabled()


def test_help_dialog_lists_every_shortcut(annotating):
    page = annotating
    page.keyboard.press("?")
    dialog = page.locator("#help-dialog")
    expect(dialog).to_be_visible()
    for text in ("Next paragraph", "Mark the paragraph reviewed", "Framing", "Attribution",
                 "Expert opinion", "Disclaimer", "Alt"):
        expect(dialog).to_contain_text(text)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()


# --- the save queue -------------------------------------------------------------------------

def test_server_stopped_mid_save_loses_nothing_and_doubles_nothing(annotating, api, doc,
                                                                   live_server, screenshots):
    page = annotating
    kept = PLAIN.index("ASCII")
    select(page, 4, PLAIN, kept, kept + 5)
    page.keyboard.press("2")
    doomed = PLAIN.index("troops")
    select(page, 4, PLAIN, doomed, doomed + 6)
    page.keyboard.press("4")
    wait_saved(page)
    assert len(api.spans(doc)) == 2

    live_server.stop()
    # A new span, then its attributes: the patch waits for the create's id.
    start = EMOJI.index("leave")
    select(page, 0, EMOJI, start, start + 5)
    page.keyboard.press("1")
    expect(status(page)).to_have_text("offline — retrying")
    expect(page.locator("#save-detail")).to_contain_text("unsent change")
    paragraph(page, 0).locator("mark").click()
    page.locator('#span-editor [data-attribute="valence"] label', has_text="negative").click()
    page.keyboard.press("Escape")
    # Delete a stored span, mark two paragraphs reviewed.
    paragraph(page, 4).locator('mark[data-label="disclaimer"]').click()
    page.click("#ed-delete")
    paragraph(page, 0).click()
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    expect(status(page)).to_have_text("offline — retrying")
    unsent = int(status(page).get_attribute("data-unsent"))
    assert unsent >= 4
    expect(page.locator("#save-detail")).to_have_text(f"{unsent} unsent changes")
    page.screenshot(path=str(screenshots / "annotate-offline.png"))
    time.sleep(1.5)  # a few retries against the stopped server

    live_server.start()
    wait_saved(page, timeout=20000)
    assert brief(api.spans(doc)) == [
        (0, start, start + 5, "framing", "leave"),
        (4, kept, kept + 5, "attribution", "ASCII"),
    ]
    framing = next(s for s in api.spans(doc) if s["label"] == "framing")
    assert framing["attributes"] == {"valence": "negative"}
    assert api.review(doc)["reviewed_paragraphs"] == [0, 1]
    assert page.evaluate("Object.keys(localStorage).filter(k => k.includes('queue'))") == []


def test_lost_answer_is_not_a_duplicate(annotating, api, doc):
    """The server stored the span but the answer never came: the retry reuses the client id."""
    page = annotating
    lost = []

    def store_then_drop(route):
        if route.request.method == "POST" and not lost:
            response = route.fetch()  # the server stores the span...
            lost.append(response.status)
            route.abort("connectionreset")  # ...and the page never hears of it
        else:
            route.continue_()

    page.route("**/api/documents/*/annotations", store_then_drop)
    select(page, 4, PLAIN, 0, 5)
    page.keyboard.press("1")
    wait_saved(page)
    assert lost == [201]
    spans = api.spans(doc)
    assert brief(spans) == [(4, 0, 5, "framing", "Plain")]
    mark = paragraph(page, 4).locator("mark")
    expect(mark).to_have_attribute("data-annotation-id", str(spans[0]["id"]))


def test_a_create_whose_span_was_deleted_meanwhile_is_settled(annotating, api, doc):
    """The answer to a create was lost, and the span it stored was deleted (in another tab)
    before the retry: the server answers 410, the queue takes it as settled, no error shows,
    and the span is gone from the page as from the server."""
    page = annotating
    lost = []

    def store_delete_then_drop(route):
        if route.request.method == "POST" and not lost:
            response = route.fetch()  # the server stores the span...
            lost.append(response.json()["id"])
            api.client.delete(f"/api/annotations/{lost[0]}", headers=api.headers)  # ...deleted
            route.abort("connectionreset")  # ...and the page never hears of it
        else:
            route.continue_()

    page.route("**/api/documents/*/annotations", store_delete_then_drop)
    select(page, 4, PLAIN, 0, 5)
    page.keyboard.press("1")
    wait_saved(page)
    assert len(lost) == 1 and api.spans(doc) == []
    expect(paragraph(page, 4).locator("mark")).to_have_count(0)
    expect(page.locator("#notice")).to_be_hidden()


def test_the_same_words_tagged_again_are_not_stored_twice(annotating, api, doc):
    page = annotating
    for _ in range(2):
        select(page, 4, PLAIN, 0, 5)
        page.keyboard.press("1")
    expect(page.locator("#notice")).to_contain_text("Already tagged")
    wait_saved(page)
    assert brief(api.spans(doc)) == [(4, 0, 5, "framing", "Plain")]
    expect(paragraph(page, 4).locator("mark")).to_have_count(1)


def test_reload_with_unsent_changes_sends_them(annotating, api, doc):
    page = annotating
    page.route("**/api/**", lambda route: route.abort("internetdisconnected"))
    start = FRAKTUR.index("𝔘nicode")
    select(page, 1, FRAKTUR, start, start + 7)
    page.keyboard.press("3")
    paragraph(page, 1).click()
    page.keyboard.press("Enter")
    expect(status(page)).to_have_text("offline — retrying")
    stored = page.evaluate("""() => Object.entries(localStorage)
        .filter(([k]) => k.includes('queue')).map(([k, v]) => JSON.parse(v))""")
    assert [op["kind"] for op in stored[0]["ops"]] == ["create", "review"]
    assert api.spans(doc) == []
    page.unroute("**/api/**")
    page.on("dialog", lambda dialog: dialog.accept())  # the "unsent changes" warning
    page.reload()
    expect(page.locator("#annotate")).to_have_attribute("data-ready", "true")
    wait_saved(page)
    assert brief(api.spans(doc)) == [(1, start, start + 7, "expert-opinion", "𝔘nicode")]
    assert api.review(doc)["reviewed_paragraphs"] == [1]
    expect(paragraph(page, 1).locator("mark")).to_have_text("𝔘nicode")
    expect(paragraph(page, 1)).to_have_attribute("data-reviewed", "true")


def test_beforeunload_warns_with_unsent_changes(annotating):
    page = annotating
    page.route("**/api/**", lambda route: route.abort("internetdisconnected"))
    select(page, 4, PLAIN, 0, 5)
    page.keyboard.press("1")
    expect(status(page)).to_have_text("offline — retrying")
    warned = page.evaluate("""() => {
        const event = new Event('beforeunload', {cancelable: true});
        window.dispatchEvent(event);
        return event.defaultPrevented;
    }""")
    assert warned is True


def test_expired_session_goes_to_login_and_keeps_the_queue(annotating, api, doc, context,
                                                           live_server):
    page = annotating
    context.clear_cookies()
    select(page, 4, PLAIN, 6, 11)
    page.keyboard.press("2")
    page.wait_for_url(re.compile(r"/login\?next="))
    assert f"/documents/{doc}/annotate" in page.url.replace("%2F", "/")
    page.fill("#username", "alice")
    page.fill("#password", "password-123")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(rf"/documents/{doc}/annotate$"))
    expect(page.locator("#annotate")).to_have_attribute("data-ready", "true")
    wait_saved(page)
    assert brief(api.spans(doc)) == [(4, 6, 11, "attribution", "ASCII")]
    expect(paragraph(page, 4).locator("mark")).to_have_text("ASCII")


def test_refused_change_is_shown_and_reverted(annotating, api, doc, screenshots):
    page = annotating
    api.submit(doc)  # in another tab, say: the document is now read-only on the server
    select(page, 4, PLAIN, 0, 5)
    page.keyboard.press("1")
    notice = page.locator("#notice")
    expect(notice).to_contain_text("was not saved")
    expect(notice).to_contain_text("submitted")
    expect(page.locator("mark")).to_have_count(0)
    wait_saved(page)
    page.screenshot(path=str(screenshots / "annotate-refused.png"))
    assert api.spans(doc) == []
    assert page.evaluate("Object.keys(localStorage).filter(k => k.includes('queue'))") == []


def test_refused_patch_reverts_to_the_server_state(annotating, api, doc, live_app):
    page = annotating
    select(page, 4, PLAIN, 0, 5)
    page.keyboard.press("1")
    wait_saved(page)
    paragraph(page, 4).locator("mark").click()
    with live_app.app_context():  # the span changes behind the page's back, then is refused
        from annotator.models import Annotation

        db.session.execute(db.update(Annotation).values(note="from elsewhere"))
        db.session.commit()
    api.submit(doc)
    page.fill("#ed-note", "mine")
    expect(page.locator("#notice")).to_contain_text("was not saved")
    expect(page.locator("#ed-note")).to_have_value("from elsewhere")
    wait_saved(page)
    assert api.spans(doc)[0]["note"] == "from elsewhere"
    expect(page.locator("#readonly-banner")).to_be_visible()


# --- the sample article, screenshots, a long article ----------------------------------------

SAMPLE_SPANS = [
    # (paragraph, phrase, label, attributes)
    (0, "Iraqi Prime Minister Mustafa al-Kazimi said", "attribution",
     {"source": "Mustafa al-Kazimi", "source_type": "official", "named": "named",
      "channel": "interview_elsewhere", "form": "indirect"}),
    (0, "no longer needs the presence of the US military", "framing",
     {"dimension": "security_defense", "device": "informational", "valence": "negative",
      "target": "United States"}),
    (0, "the support of the US-led coalition", "framing", {"valence": "negative"}),
    (1, "in an interview with the Associated Press", "attribution",
     {"source_type": "media", "channel": "press_report"}),
    (7, "The Wall Street Journal, citing sources in the Biden administration, reported",
     "attribution", {"source_type": "media", "named": "named", "channel": "press_report"}),
    (7, "citing sources in the Biden administration", "attribution",
     {"source_type": "anonymous", "named": "unnamed"}),
]


def _sample_document(seed, api_for, sample_path):
    doc_id = seed.text_document(sample_path, slug="demo", source="RT",
                                title="Iraq no longer needs US troops, says Prime Minister "
                                      "al-Kazimi")
    with seed.app.app_context():
        from annotator.annotations import paragraph_texts

        texts = paragraph_texts(doc_id)
    spans = list(SAMPLE_SPANS)
    for i, text in enumerate(texts):
        if "researcher" in text or "political scientist" in text or "expert" in text:
            spans.append((i, text[: min(len(text), 60)].rsplit(" ", 1)[0], "expert-opinion",
                          {"credentials": "explicit", "access": "exclusive_to_outlet"}))
        if "recognized as terrorist" in text:
            spans.append((i, text[: min(len(text), 80)].rsplit(" ", 1)[0], "disclaimer",
                          {"kind": "legal_designation", "authority": "court",
                           "placement": "footnote"}))
    for i, phrase, label, attributes in spans:
        start = texts[i].index(phrase)
        api_for.create(doc_id, paragraph=i, start=start, end=start + len(phrase), label=label,
                       attributes=attributes)
    for i in range(3):
        api_for.client.put(f"/api/documents/{doc_id}/paragraphs/{i}/review",
                           headers=api_for.headers)
    return doc_id, texts


def test_screenshots_of_the_sample_article(page, live_server, login, seed, live_app,
                                           screenshots):
    from pathlib import Path

    sample = Path(__file__).resolve().parents[2] / "annotator" / "data" / "samples" / \
        "rt-iraq-withdrawal.txt"
    seed.user("alice")
    api_for = Api(live_app)
    doc_id, texts = _sample_document(seed, api_for, sample)
    login(page)
    open_document(page, live_server, doc_id)
    for label in ("framing", "attribution", "expert-opinion", "disclaimer"):
        assert page.locator(f'mark[data-label="{label}"]').count() >= 1, label
    # Every paragraph reads exactly as stored, highlights or not.
    shown = page.eval_on_selector_all(".paragraph-text", "els => els.map(e => e.textContent)")
    assert shown == texts
    expect(paragraph(page, 3)).to_have_attribute("aria-current", "true")
    paragraph(page, 0).click(position={"x": 600, "y": 60})
    page.mouse.move(0, 0)
    page.screenshot(path=str(screenshots / "annotate.png"))

    paragraph(page, 0).locator('mark[data-label="attribution"]').first.click()
    expect(page.locator("#span-editor")).to_be_visible()
    page.fill("#ed-note", "The prime minister, quoted from an AP interview.")
    wait_saved(page)
    page.screenshot(path=str(screenshots / "annotate-editor.png"))
    page.keyboard.press("Escape")

    paragraph(page, 7).scroll_into_view_if_needed()
    overlap = paragraph(page, 7).locator("mark mark").first
    overlap.click()
    expect(page.locator("#span-menu")).to_be_visible()
    page.screenshot(path=str(screenshots / "annotate-overlap-menu.png"))
    page.keyboard.press("Escape")

    page.keyboard.press("?")
    page.screenshot(path=str(screenshots / "annotate-help.png"))
    page.keyboard.press("Escape")
    page.click("#submit-button")
    page.screenshot(path=str(screenshots / "annotate-submit.png"))
    page.keyboard.press("Escape")
    for name in ("annotate.png", "annotate-editor.png", "annotate-help.png"):
        assert (screenshots / name).stat().st_size > 10000


def test_long_article_opens_and_scrolls(page, live_server, login, seed, live_app):
    """1,000 paragraphs with 5,000 spans: rendered at once, the keys move through all of it.
    How long it takes is measured by the annotate_page benchmark, not here."""
    from annotator.models import Annotation

    seed.user("alice")
    paragraphs = [f"Paragraph {i}: the quick brown fox 🦊 jumps over the lazy dog, said an "
                  f"official to the newspaper on Tuesday." for i in range(1000)]
    doc_id = seed.document(paragraphs, slug="big", title="A long article")
    with live_app.app_context():
        from annotator.accounts import find_user

        uid = find_user("alice").id
        labels = ["framing", "attribution", "expert-opinion", "disclaimer", "framing"]
        db.session.execute(db.insert(Annotation), [
            {"document_id": doc_id, "paragraph_index": i // 5, "reviewer_id": uid,
             "start": (i % 5) * 12, "end": (i % 5) * 12 + 20, "label": labels[i % 5],
             "attributes": {}, "note": ""} for i in range(5000)])
        db.session.commit()
    login(page)
    open_document(page, live_server, doc_id)
    assert page.locator("mark[data-annotation-id]").count() >= 5000
    page.evaluate("""() => {
        for (let i = 0; i < 200; i++) {
          document.dispatchEvent(new KeyboardEvent('keydown', {key: 'j', bubbles: true}));
        }
    }""")
    expect(paragraph(page, 200)).to_have_attribute("aria-current", "true")
    page.keyboard.press("End")
    expect(paragraph(page, 999)).to_be_in_viewport()


@pytest.mark.parametrize("code, text", [(500, "server error — retrying"),
                                        (503, "server busy — retrying")])
def test_a_failing_server_is_told_apart_from_the_network(annotating, api, doc, code, text,
                                                         screenshots):
    page = annotating
    page.route("**/api/documents/*/annotations", lambda route: route.fulfill(
        status=code, content_type="application/json",
        body='{"error": "Internal server error."}'))
    select(page, 4, PLAIN, 0, 5)
    page.keyboard.press("1")
    expect(status(page)).to_have_text(text)
    expect(page.locator("#save-detail")).to_have_text(
        f"1 unsent change · the server answered {code}")
    page.screenshot(path=str(screenshots / f"annotate-server-{code}.png"))
    assert api.spans(doc) == []
    page.unroute("**/api/documents/*/annotations")
    page.locator("#retry-now").dispatch_event("click")  # hidden once a timed retry got through
    wait_saved(page)
    expect(page.locator("#save-detail")).to_have_text("")
    assert brief(api.spans(doc)) == [(4, 0, 5, "framing", "Plain")]


# --- several tabs ---------------------------------------------------------------------------

def _stored_queues(page):
    return page.evaluate("""() => Object.keys(localStorage)
        .filter((k) => k.startsWith('framing-annotator:queue:'))""")


def test_two_tabs_on_one_document_both_save(annotating, context, live_server, api, doc):
    first = annotating
    second = context.new_page()
    open_document(second, live_server, doc)
    select(first, 4, PLAIN, 0, 5)
    first.keyboard.press("1")
    select(second, 2, ACCENTS, 0, 2)
    second.keyboard.press("2")
    wait_saved(first)
    wait_saved(second)
    assert brief(api.spans(doc)) == [(2, 0, 2, "attribution", "Le"),
                                     (4, 0, 5, "framing", "Plain")]
    # offline, each tab keeps its changes under its own key: neither writes over the other
    for page in (first, second):
        page.route("**/api/**", lambda route: route.abort("internetdisconnected"))
    # (changes made offline: the first tab's, then the second's)
    start = PLAIN.index("ASCII")
    select(first, 4, PLAIN, start, start + 5)
    first.keyboard.press("3")
    start = ACCENTS.index("gare")
    select(second, 2, ACCENTS, start, start + 4)
    second.keyboard.press("4")
    expect(status(first)).to_have_text("offline — retrying")
    expect(status(second)).to_have_text("offline — retrying")
    assert len(_stored_queues(first)) == 2
    # the first tab is closed before the network comes back: its change is not lost
    first.close(run_before_unload=False)
    second.unroute("**/api/**")
    second.locator("#retry-now").dispatch_event("click")  # hidden once saved: no wait
    wait_saved(second)
    assert len(api.spans(doc)) == 3
    third = context.new_page()  # the next page of the document sends what the first left
    open_document(third, live_server, doc)
    wait_saved(third)
    assert brief(api.spans(doc)) == [
        (2, 0, 2, "attribution", "Le"), (2, start, start + 4, "disclaimer", "gare"),
        (4, 0, 5, "framing", "Plain"),
        (4, PLAIN.index("ASCII"), PLAIN.index("ASCII") + 5, "expert-opinion", "ASCII")]
    assert _stored_queues(third) == []
    second.close()
    third.close()


def test_a_closed_tabs_unsent_changes_are_sent_by_the_next_page(annotating, context,
                                                                 live_server, api, doc):
    page = annotating
    page.route("**/api/**", lambda route: route.abort("internetdisconnected"))
    start = PLAIN.index("troops")
    select(page, 4, PLAIN, start, start + 6)
    page.keyboard.press("1")
    paragraph(page, 3).click()
    page.keyboard.press("Enter")  # paragraph 4 reviewed
    expect(status(page)).to_have_text("offline — retrying")
    assert len(_stored_queues(page)) == 1
    page.close(run_before_unload=False)  # the tab is closed with its changes unsent
    assert api.spans(doc) == []

    later = context.new_page()
    open_document(later, live_server, doc)
    wait_saved(later)
    assert brief(api.spans(doc)) == [(4, start, start + 6, "framing", "troops")]
    assert api.review(doc)["reviewed_paragraphs"] == [3]
    expect(paragraph(later, 4).locator("mark")).to_have_text("troops")
    expect(paragraph(later, 3)).to_have_attribute("data-reviewed", "true")
    assert _stored_queues(later) == []
    later.close()


# --- the article as a whole -------------------------------------------------------------------

def test_questions_are_answered_saved_and_kept_while_offline(annotating, api, doc, context,
                                                              screenshots):
    """The codebook's article-level questions: answered in the side panel (q goes there),
    saved through the page's queue like spans, kept across a dropped connection and a reload."""
    page = annotating
    panel = page.locator("#questions-panel")
    expect(panel).to_contain_text("The article as a whole")
    expect(page.locator("#questions-count")).to_have_text("0 of 2 answered")
    expect(panel.locator('[data-question="primary_frame"]')).to_have_class(re.compile("is-missing"))
    page.keyboard.press("q")
    expect(page.locator("#q-primary_frame")).to_be_focused()
    page.select_option("#q-primary_frame", "economic")
    page.locator("#q-tone").get_by_label("3 neutral").check()
    wait_saved(page)
    assert api.answers(doc) == {"primary_frame": "economic", "tone": "neutral"}
    expect(page.locator("#questions-count")).to_have_text("2 of 2 answered")
    expect(panel.locator('[data-question="primary_frame"]')).not_to_have_class(
        re.compile("is-missing"))
    page.screenshot(path=str(screenshots / "annotate-questions.png"))

    # the connection drops: the change waits in the browser, and goes when it comes back
    context.set_offline(True)
    page.locator("#q-tone").get_by_label("2 negative").check()
    expect(page.locator("[data-save-status]")).to_contain_text("offline", timeout=15000)
    assert api.answers(doc)["tone"] == "neutral"
    context.set_offline(False)
    page.locator("#retry-now").dispatch_event("click")  # hidden once the "online" retry went
    wait_saved(page)
    assert api.answers(doc) == {"primary_frame": "economic", "tone": "negative"}

    # "—" takes an answer back; the reload shows what the server holds
    page.locator("#q-tone").get_by_label("—").check()
    wait_saved(page)
    assert api.answers(doc) == {"primary_frame": "economic"}
    page.reload()
    expect(page.locator("#annotate")).to_have_attribute("data-ready", "true")
    expect(page.locator("#q-primary_frame")).to_have_value("economic")
    expect(page.locator("#questions-count")).to_have_text("1 of 2 answered")
