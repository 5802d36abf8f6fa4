"""Reading a document for the rules: its words, sentences and quotations, with offsets.

Offsets are code points into one paragraph's text, as everywhere in the app (Python ``str``
indices). Quotations are found over the whole document, as a quotation may run over several
paragraphs: either with an opening mark on each paragraph and one closing mark at the end
(the convention of English typography) or with one opening and one closing mark only (as
translated articles often have it). A quotation nested in another (“… ‘…’ …”, “… "…" …”) is
part of the outer one.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import cached_property

from .lexicon import words

# A word: an initialism (U.S., G.V.), or letters and digits joined by hyphens, apostrophes
# and inner dots (al-Kazimi, Biden's, 02.14.2003); anything else is one punctuation mark.
TOKEN_RE = re.compile(r"(?:[A-Z]\.){2,}|\w+(?:[-'’.]\w+)*|[^\w\s]")

OPENING_DOUBLE = "“„«"
CLOSING_DOUBLE = "”»"
QUOTE_MARKS = "“”„«»\"‘’'"
_MARK_RE = re.compile("[" + QUOTE_MARKS + "]")
MAX_QUOTE_PARAGRAPHS = 10  # a quotation longer than this is an unclosed mark

ABBREVIATIONS = words("""
    mr mrs ms dr prof gen lt col sgt capt maj adm gov sen rep st jr sr no vol jan feb mar
    apr jun jul aug sep sept oct nov dec inc corp ltd co vs e.g i.e approx rev hon fig
    cf al mt ft pres sec dept est
""")
_SENTENCE_END_RE = re.compile(r"[.!?…]+[\"”’»)\]]*")
_WORD_BEFORE_RE = re.compile(r"([\w.]+)$")
_SENTENCE_STARTERS = "“\"‘'«„(*[—–-"


class Token:
    """A word or a punctuation mark, with its offsets and its lowercase form."""

    __slots__ = ("end", "is_word", "low", "start", "text")

    def __init__(self, text: str, start: int, end: int):
        self.text = text
        self.start = start
        self.end = end
        self.low = text.lower()
        first = text[0]
        self.is_word = first.isalnum() or first == "_"

    def __repr__(self) -> str:
        return f"Token({self.text!r}, {self.start}, {self.end})"


_TOKEN_CACHE: dict[str, tuple[list[Token], list[int]]] = {}


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """The tokens of ``text`` that lie within ``[start, end)``, with offsets into ``text``.
    A text is tokenized once (the rules ask for many stretches of one paragraph)."""
    cached = _TOKEN_CACHE.get(text)
    if cached is None:
        if len(_TOKEN_CACHE) > 512:
            _TOKEN_CACHE.clear()
        tokens = [Token(m.group(), m.start(), m.end()) for m in TOKEN_RE.finditer(text)]
        cached = _TOKEN_CACHE[text] = (tokens, [t.start for t in tokens])
    tokens, starts = cached
    if start == 0 and end is None:
        return tokens
    first = bisect_left(starts, start)
    stop = len(text) if end is None else end
    last = bisect_left(starts, stop, first)
    while last > first and tokens[last - 1].end > stop:
        last -= 1
    return tokens[first:last]


@dataclass
class Quote:
    """A quotation: its pieces, one per paragraph it runs over, ``(paragraph, start, end)``
    from the opening mark (or the paragraph's start) to after the closing mark (or the
    paragraph's end)."""

    pieces: list[tuple[int, int, int]] = field(default_factory=list)

    @property
    def first(self) -> tuple[int, int, int]:
        return self.pieces[0]

    @property
    def last(self) -> tuple[int, int, int]:
        return self.pieces[-1]


class _Unbalanced(Exception):
    def __init__(self, where: tuple[int, int]):
        self.where = where


def _flanks(text: str, i: int) -> tuple[bool, bool]:
    """Whether the mark at ``i`` can open (space or start before, a character after) and
    whether it can close (a character before)."""
    before = text[i - 1] if i else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    opens = (before.isspace() or before in "([{—–-/«“‘\"'") and not after.isspace()
    closes = not before.isspace() or after.isspace() or after in ".,;:!?)"
    return opens, closes


def _is_apostrophe(text: str, i: int) -> bool:
    before = text[i - 1] if i else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return before.isalnum() and after.isalnum()


def _closes(kind: str, mark: str, text: str, i: int) -> bool:
    if kind == "curly":
        return mark == "”"
    if kind == "low":
        return mark in "“”"
    if kind == "guillemet":
        return mark == "»"
    if kind == "straight":
        return mark == '"'
    if kind in ("single", "straight-single"):
        return (mark == "’" if kind == "single" else mark == "'") \
            and not _is_apostrophe(text, i) and _flanks(text, i)[1]
    return False


def _opens(mark: str, text: str, i: int) -> str | None:
    """The kind of quotation the mark at ``i`` opens, if it can open one."""
    if mark == "“":
        return "curly"
    if mark == "„":
        return "low"
    if mark == "«":
        return "guillemet"
    opens, _ = _flanks(text, i)
    if mark == '"':
        return "straight" if opens else None
    after = text[i + 1] if i + 1 < len(text) else " "
    if mark == "‘" and opens and after.isalpha():
        return "single"
    if mark == "'" and opens and after.isalpha():
        return "straight-single"
    return None


def _scan(texts: list[str], skip: set[tuple[int, int]]) -> list[Quote]:
    quotes: list[Quote] = []
    outer: tuple[str, int, int] | None = None  # kind, paragraph, offset of the opening
    for p, text in enumerate(texts):
        nested: list[str] = []
        for m in _MARK_RE.finditer(text):
            i, mark = m.start(), m.group()
            if (p, i) in skip:
                continue
            if outer is None:
                kind = _opens(mark, text, i)
                if kind is not None:
                    outer = (kind, p, i)
                continue
            kind, op, oi = outer
            if nested and _closes(nested[-1], mark, text, i):
                nested.pop()
                continue
            if _closes(kind, mark, text, i):
                quote = _quote_pieces(texts, op, oi, p, i + 1)
                quotes.append(quote)
                outer = None
                nested = []
                continue
            inner = _opens(mark, text, i)
            if inner is None:
                continue
            if p != op and inner == kind and text[:i].strip() == "":
                continue  # the opening mark a continued paragraph repeats
            if p != op and inner == kind:
                raise _Unbalanced((op, oi))  # a new quotation: the old one never closed
            nested.append(inner)
        if outer is not None:
            kind, op, oi = outer
            if kind in ("single", "straight-single") or p - op + 1 >= MAX_QUOTE_PARAGRAPHS:
                raise _Unbalanced((op, oi))
            following = texts[p + 1].lstrip()[:1] if p + 1 < len(texts) else ""
            if texts[op][:oi].strip() and _opens(following, following, 0) != kind:
                # A quotation that opens inside a paragraph runs on only into a paragraph
                # that opens with the same mark; one without a mark goes on a quotation
                # that opened its paragraph (translations often leave the marks out).
                raise _Unbalanced((op, oi))
    if outer is not None:
        raise _Unbalanced(outer[1:])
    return quotes


def _quote_pieces(texts: list[str], op: int, oi: int, cp: int, ce: int) -> Quote:
    quote = Quote()
    for p in range(op, cp + 1):
        start = oi if p == op else 0
        end = ce if p == cp else len(texts[p])
        quote.pieces.append((p, start, end))
    return quote


def find_quotes(texts: list[str]) -> list[Quote]:
    """Every quotation of the document, in order. An opening mark that never closes (within
    ``MAX_QUOTE_PARAGRAPHS``, or before another quotation of its kind opens) is left out,
    and the marks after it are read again without it."""
    skip: set[tuple[int, int]] = set()
    for _ in range(50):
        try:
            return _scan(texts, skip)
        except _Unbalanced as unbalanced:
            skip.add(unbalanced.where)
    return []


def _sentence_bounds(text: str, inside_quote) -> list[int]:
    """Offsets where a sentence of the paragraph ends (after its final mark and closing
    quotation mark), the paragraph's end last."""
    bounds = []
    n = len(text)
    for m in _SENTENCE_END_RE.finditer(text):
        e = m.end()
        if e >= n:
            break
        if not text[e].isspace():
            continue
        k = e
        while k < n and text[k].isspace():
            k += 1
        if k >= n:
            break
        c = text[k]
        if not (c.isupper() or c.isdigit() or c in _SENTENCE_STARTERS):
            continue
        if text[m.start()] == "." and m.end() - m.start() == 1:
            word = _WORD_BEFORE_RE.search(text, 0, m.start())
            if word:
                w = word.group(1)
                if (w.lower().rstrip(".") in ABBREVIATIONS or (len(w) == 1 and w.isupper())
                        or re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", w)):
                    continue
        if inside_quote(e):
            continue
        bounds.append(e)
    bounds.append(n)
    return bounds


@dataclass
class Paragraph:
    """One paragraph as the rules read it: its text, tokens, sentences and the quotation
    pieces that lie in it."""

    index: int
    text: str
    quotes: list[tuple[int, int, Quote]]  # (start, end, quotation) of each piece

    @cached_property
    def tokens(self) -> list[Token]:
        return tokenize(self.text)

    @cached_property
    def sentences(self) -> list[tuple[int, int]]:
        """(start, end) of each sentence, white space trimmed; a sentence ending inside a
        quotation does not end the sentence that carries the quotation."""
        pieces = [(s, e) for s, e, _ in self.quotes]

        def inside(offset: int) -> bool:
            return any(s < offset < e for s, e in pieces)

        spans, start = [], 0
        for end in _sentence_bounds(self.text, inside):
            s = start
            while s < end and self.text[s].isspace():
                s += 1
            if s < end:
                spans.append((s, end))
            start = end
        return spans

    def sentence_at(self, offset: int) -> tuple[int, int]:
        for s, e in self.sentences:
            if s <= offset < e:
                return s, e
        return (0, len(self.text))

    def in_quote(self, offset: int) -> bool:
        """Whether the character at ``offset`` lies inside a quotation (its marks
        included)."""
        return any(s <= offset < e for s, e, _ in self.quotes)

    def quote_words(self, start: int, end: int) -> int:
        """Words of quotations lying inside ``[start, end)``."""
        return sum(len([t for t in tokenize(self.text, max(s, start), min(e, end))
                        if t.is_word])
                   for s, e, _ in self.quotes if s < end and e > start)

    @property
    def ends_sentence(self) -> bool:
        """Whether the paragraph ends as a sentence does (a final mark or closing quotation
        mark): one that does not is continued by the next (a title broken over lines)."""
        stripped = self.text.rstrip()
        return bool(stripped) and stripped[-1] in ".!?…”\"’»:;)"


def trim_span(text: str, start: int, end: int, keep_final: bool = False
              ) -> tuple[int, int]:
    """``[start, end)`` without white space at either end, and without the final full stop
    (or comma, semicolon or colon) unless ``keep_final``."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if not keep_final:
        while end > start and text[end - 1] in ".,;:":
            end -= 1
            while end > start and text[end - 1].isspace():
                end -= 1
    return start, end


@dataclass
class Document:
    """The paragraphs of a document, read once for every rule; ``outlet`` is the document's
    source (its outlet), for telling an interview given to it."""

    texts: list[str]
    outlet: str | None = None

    @cached_property
    def quotes(self) -> list[Quote]:
        return find_quotes(self.texts)

    @cached_property
    def paragraphs(self) -> list[Paragraph]:
        pieces: list[list[tuple[int, int, Quote]]] = [[] for _ in self.texts]
        for quote in self.quotes:
            for p, s, e in quote.pieces:
                pieces[p].append((s, e, quote))
        return [Paragraph(i, text, pieces[i]) for i, text in enumerate(self.texts)]

    def lead_in(self, index: int, limit: int = 3) -> str:
        """The text of the paragraphs before ``index`` that run on into it (a title broken
        over several lines: no final mark, or a fragment of a few words), joined by spaces;
        empty when the paragraph before ends a sentence."""
        parts: list[str] = []
        p = index - 1
        while p >= 0 and len(parts) < limit:
            paragraph = self.paragraphs[p]
            words = [t for t in paragraph.tokens if t.is_word]
            if paragraph.ends_sentence and len(words) > 3:
                break
            if paragraph.text.lstrip().startswith(("•", "©", "*")):
                break
            parts.insert(0, paragraph.text.strip())
            p -= 1
        return " ".join(parts)
