"""What static/js/shared/ holds for the annotate and the adjudicate page, checked in Chromium:
the token rule of shared/tokens.js is annotator/tokens.py's, character for character; the span
editor, its attribute widgets (a boolean is a checkbox) and the Api work alike on both pages."""

from __future__ import annotations

import random
import sys
import time
import unicodedata

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or, under CI, fails) and says why
    expect = None

from annotator.tokens import tokens

from .test_annotate import TYPED_CODEBOOK

pytestmark = pytest.mark.browser

TOKENS_JS = """async (texts) => {
  const { tokens } = await import("/static/js/shared/tokens.js");
  return texts.map((text) => tokens(text).flat().join(","));
}"""

TRICKY = ("Troops 😀 leave Iraq, don't; cafe\u0301 𝔘nicode ‿x \ufeffy \x85z \x1cw 3.5² "
          "U.S. foo_bar 北京欢迎你。 สวัสดีครับ «Zitat» al-Kazimi\u200b! \U0001F1FA\U0001F1F8")


def _assigned() -> str:
    """Every character Python's Unicode database assigns, but surrogates and private use
    (characters only a newer database knows are left out: Python does not know them)."""
    return "".join(chr(c) for c in range(sys.maxunicode + 1)
                   if unicodedata.category(chr(c)) not in ("Cn", "Cs", "Co"))


def test_the_token_rule_is_the_servers(page, live_server):
    page.goto(f"{live_server.url}/login")
    rng = random.Random(9)
    every = _assigned()
    texts = [TRICKY, every] + ["".join(rng.choice(TRICKY) for _ in range(200)) for _ in range(50)]
    got = page.evaluate(TOKENS_JS, texts)
    for text, flat in zip(texts, got, strict=True):
        numbers = [int(n) for n in flat.split(",")] if flat else []
        js = list(zip(numbers[::2], numbers[1::2], strict=True))
        expected = tokens(text)
        if js != expected:
            pairs = zip(js, expected, strict=False)  # where they part, or where one ends
            wrong = next((i for i, (a, b) in enumerate(pairs) if a != b),
                         min(len(js), len(expected)))
            start = expected[wrong][0] if wrong < len(expected) else len(text)
            pytest.fail(f"the tokens differ from the server's at code point {start}: "
                        f"{text[max(0, start - 5):start + 5]!r}")


# --- one editor, one attribute widget set, one Api: the same on both pages ------------------

TEXT = "The minister said oil would flow again."
MINISTER = {"paragraph": 0, "start": 4, "end": 12, "label": "claim", "attributes": {}}


@pytest.fixture
def typed(seed):
    """A document whose codebook has every attribute type: alice's span and a gold span on
    "minister"; carol adjudicates."""
    seed.user("alice")
    seed.user("carol", role="admin")
    seed.project("typed", codebook=TYPED_CODEBOOK)
    return seed.document([TEXT], slug="typed", reviews=[
        {"reviewer": "alice", "status": "in_progress", "reviewed_paragraphs": [0],
         "annotations": [MINISTER]}],
        gold=[{**MINISTER, "provenance": "adjudicated:carol"}])


GOLD_CHIP = '[data-row="gold"] .chip-gold .chip-main'
PAGES = {
    # user: who opens it; ready: what says the page is ready; span: what opens the span;
    # back: where the focus goes back; stored: where the API has the span (both pages send
    # each change at once, through their save queue)
    "annotate": {"user": "alice", "ready": "#annotate[data-ready=true]",
                 "span": '[data-paragraph-index="0"] mark', "back": '[data-paragraph-index="0"]',
                 "stored": "annotations"},
    "adjudicate": {"user": "carol", "ready": "html[data-adjudicate-ready]", "span": GOLD_CHIP,
                   "back": GOLD_CHIP, "stored": "gold"},
}


def _open(page, live_server, login, doc, kind):
    login(page, PAGES[kind]["user"])
    page.goto(f"{live_server.url}/documents/{doc}/{kind}")
    page.wait_for_selector(PAGES[kind]["ready"])


def _stored(page, live_server, doc, what):
    """The attributes of the one span of `what` (annotations, gold) as the API has them."""
    response = page.request.get(f"{live_server.url}/api/documents/{doc}/{what}")
    assert response.ok, response.text()
    [span] = response.json()
    return span["attributes"]


@pytest.mark.parametrize("kind", PAGES)
def test_the_span_editor_and_its_attributes_on_both_pages(page, live_server, login, typed, kind,
                                                          screenshots):
    the = PAGES[kind]
    _open(page, live_server, login, typed, kind)

    def saved(attributes):
        _wait_for(lambda: _stored(page, live_server, typed, the["stored"]) == attributes)

    page.locator(the["span"]).click()
    editor = page.locator(".span-editor")
    expect(editor).to_be_visible()
    expect(page.locator("#ed-label")).to_be_focused()
    # One widget set: a choice of two as buttons, checkboxes for multi and boolean, a text line.
    editor.locator('[data-attribute="kind"] label', has_text="opinion").click()
    editor.locator('[data-attribute="topics"] label', has_text="oil").click()
    editor.locator('[data-attribute="topics"] label', has_text="war").click()
    page.fill("#ed-attr-speaker", "the minister")
    assert page.locator("#ed-attr-hedged").get_attribute("type") == "checkbox"
    page.check("#ed-attr-hedged")
    page.screenshot(path=str(screenshots / f"editor-{kind}.png"))
    saved({"kind": "opinion", "topics": ["war", "oil"], "speaker": "the minister",
           "hedged": True})
    # Keyboard only: untick the boolean, a false that is kept as false.
    page.focus("#ed-attr-hedged")
    page.keyboard.press("Space")
    saved({"kind": "opinion", "topics": ["war", "oil"], "speaker": "the minister",
           "hedged": False})
    # Escape closes the editor and gives the focus back where it was opened from.
    page.focus("#ed-note")
    page.keyboard.press("Escape")
    expect(editor).to_be_hidden()
    expect(page.locator(the["back"])).to_be_focused()


@pytest.mark.parametrize("kind", PAGES)
def test_a_renewed_session_is_taken_up_on_both_pages(page, context, live_server, login, typed,
                                                     kind):
    """The session ended and a new one began in another tab: the page's CSRF token is stale;
    the Api fetches a fresh one and sends the change again."""
    the = PAGES[kind]
    _open(page, live_server, login, typed, kind)
    context.clear_cookies()
    other = context.new_page()
    login(other, the["user"])
    other.close()
    answers = []
    page.on("response", lambda r: answers.append((r.request.method, r.status, r.url)))
    page.locator(the["span"]).click()
    page.fill("#ed-attr-speaker", "the minister")
    _wait_for(lambda: _stored(page, live_server, typed, the["stored"])
              == {"speaker": "the minister"})
    # The retried PATCH is stored before its answer reaches the page: wait for the answer too.
    def calls():
        return [(m, s) for m, s, url in answers if "/api/" in url or "csrf" in url]

    _wait_for(lambda: len(calls()) >= 3)
    assert calls()[:3] == [("PATCH", 400), ("GET", 200), ("PATCH", 200)]


def _wait_for(condition, timeout=10.0):
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.1)
