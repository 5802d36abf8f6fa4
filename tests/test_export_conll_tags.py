"""The CoNLL writer's blocks against a token-by-token reference, on random paragraphs.

The writer builds a block from the paragraph's all-O text and the runs of tokens its spans
touch; the reference below tags every token of every label one by one, as the interface says:
tokens are ``\\w+|[^\\w\\s]``, a token is inside a span when they share a character, each
label's overlapping spans are merged first, the first token of a merged span is B (and a
token that two spans of a label share, one ending and the next starting in it, is the later
span's B).
"""

import re
from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.exports import SpanRow, _ConllParagraph, _ConllTags

LABELS = ["framing", "attribution", "expert-opinion"]
TOKEN = re.compile(r"\w+|[^\w\s]")


def reference_block(text, spans, labels):
    tokens = [(m.start(), m.end()) for m in TOKEN.finditer(text)]
    columns = [["O"] * len(labels) for _ in tokens]
    by_label = defaultdict(list)
    for s in spans:
        by_label[s.label].append((s.start, s.end))
    for li, label in enumerate(labels):
        merged = []
        for start, end in sorted(by_label.get(label, ())):
            if merged and start < merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        for start, end in merged:
            first = True
            for ti, (ts, te) in enumerate(tokens):
                if ts < end and start < te:
                    columns[ti][li] = ("B-" if first else "I-") + label
                    first = False
    lines = [text[ts:te] + "\t" + "\t".join(cols) + "\n"
             for (ts, te), cols in zip(tokens, columns, strict=True)]
    return "".join(lines) + "\n"


def _block(text, spans):
    tags = _ConllTags(LABELS)
    paragraph = _ConllParagraph(text, tags.blank)
    return paragraph.block(spans, tags) if spans else paragraph.blank


PIECES = ["word", "Ab", "x", "9", "_", ",", ".", "«", "»", "—", " ", "  ", "\n", "🙂", "𝔘n",
          "e\u0301", "עברית", "'s", "\t"]


@st.composite
def paragraphs_with_spans(draw):
    text = "".join(draw(st.lists(st.sampled_from(PIECES), min_size=1, max_size=40)))
    n = len(text)
    spans = []
    for _ in range(draw(st.integers(0, 8))):
        start = draw(st.integers(0, n - 1))
        end = draw(st.integers(start + 1, n))
        spans.append(SpanRow(0, start, end, draw(st.sampled_from(LABELS)), "{}", ""))
    spans.sort(key=lambda s: (s.start, s.end))
    return text, spans


@settings(max_examples=600, deadline=None)
@given(paragraphs_with_spans())
def test_blocks_equal_the_token_by_token_reference(case):
    text, spans = case
    assert _block(text, spans) == reference_block(text, spans, LABELS)


def test_hand_made_cases():
    text = "Officials said the troops left, quickly."
    # adjacent spans of one label meeting inside a token: the later span's B there
    spans = [SpanRow(0, 0, 12, "framing", "{}", ""), SpanRow(0, 12, 18, "framing", "{}", "")]
    block = _block(text, spans)
    assert block.splitlines()[:3] == ["Officials\tB-framing\tO\tO", "said\tB-framing\tO\tO",
                                      "the\tI-framing\tO\tO"]
    assert block == reference_block(text, spans, LABELS)
    # two labels on the same tokens
    spans = [SpanRow(0, 0, 14, "framing", "{}", ""), SpanRow(0, 10, 25, "attribution", "{}", "")]
    block = _block(text, spans)
    assert block.splitlines()[1] == "said\tI-framing\tB-attribution\tO"
    assert block == reference_block(text, spans, LABELS)
    # no tokens at all, and a span on whitespace only touches no token
    assert _block("   ", [SpanRow(0, 0, 2, "framing", "{}", "")]) == "\n"
    assert _block("a  b", [SpanRow(0, 1, 3, "framing", "{}", "")]) == "a\tO\tO\tO\nb\tO\tO\tO\n\n"
