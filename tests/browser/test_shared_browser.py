"""What static/js/shared/ holds for both pages, checked in Chromium: the token rule of
shared/tokens.js is annotator/tokens.py's, character for character."""

from __future__ import annotations

import random
import sys
import unicodedata

import pytest

from annotator.tokens import tokens

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
    for text, flat in zip(texts, got):
        numbers = [int(n) for n in flat.split(",")] if flat else []
        js = list(zip(numbers[::2], numbers[1::2]))
        expected = tokens(text)
        if js != expected:
            wrong = next((i for i, (a, b) in enumerate(zip(js, expected)) if a != b),
                         min(len(js), len(expected)))
            start = expected[wrong][0] if wrong < len(expected) else len(text)
            pytest.fail(f"the tokens differ from the server's at code point {start}: "
                        f"{text[max(0, start - 5):start + 5]!r}")
