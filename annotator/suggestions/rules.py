"""The rules: each a small function that reads a ``text.Document`` and yields candidates.

A candidate is a passage (one piece per paragraph it runs over), a label, the rule's name,
and for attributions the speaker as the cue names them; ``engine`` then merges overlapping
candidates, follows the speakers through the article (``speakers.Registry``), fills the
attributes and turns experts' attributions into expert opinions.

Every rule is listed in ``RULES`` with its label, a sentence on what it finds and an example
(``docs/suggestions.md`` lists them; ``tests/test_suggestion_rules.py`` runs each example).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from . import lexicon as lx
from .lexicon import words
from .speakers import Mention, phrase_after, subject_before
from .text import Document, Paragraph, Quote, Token, tokenize, trim_span


@dataclass
class Candidate:
    rule: str
    label: str
    pieces: list[tuple[int, int, int]]  # (paragraph, start, end)
    mention: Mention | None = None
    form: str | None = None
    cue: str = ""  # the words of the cue, for the channel ("in an interview with RT")
    attributes: dict = field(default_factory=dict)
    quoting: str = ""  # the subject of "the newspaper quoted X as saying"

    @property
    def length(self) -> int:
        return sum(e - s for _, s, e in self.pieces)

    @property
    def position(self) -> tuple[int, int]:
        return self.pieces[0][0], self.pieces[0][1]


@dataclass(frozen=True)
class Rule:
    name: str
    label: str
    summary: str
    example: str
    find: Callable[[Document, list[Candidate]], Iterator[Candidate]] | None


# --- cues -----------------------------------------------------------------------------------

@dataclass
class Cue:
    mention: Mention
    start: int  # where the cue's words begin (the speaker, or "according to")
    end: int  # where the cue ends (the sentence's end, trimmed)
    words: str
    form: str = "direct_quote"
    quoting: str = ""


def _verb_at(tokens: list[Token], k: int, needs_that_ok: bool = True) -> int | None:
    """The index of the last token of a reporting verb starting at ``tokens[k]``
    ("said", "expressed confidence"), or None."""
    if not tokens[k].text[0].islower():
        return None
    low = tokens[k].low
    if low in lx.EXPRESS_VERBS and k + 1 < len(tokens) \
            and tokens[k + 1].low in lx.EXPRESSED_NOUNS:
        return k + 1
    if low in lx.SPEECH_VERBS or low in lx.QUOTING_VERBS:
        if low in lx.NEEDS_THAT and not needs_that_ok:
            return None
        return k
    if low == "pointed" and k + 1 < len(tokens) and tokens[k + 1].low == "out":
        return k + 1
    return None


def _has_that(tokens: list[Token], k: int, within: int = 8) -> bool:
    for token in tokens[k + 1:k + 1 + within]:
        if token.low in ("that", ":") or token.text == ":":
            return True
        if token.text in ".;":
            return False
    return False


def _quoted_speaker(text: str, paragraph: int, tokens: list[Token], k: int, end: int
                    ) -> Mention | None:
    """After "quoted"/"cited": the speaker of "quoted X as saying" or "quoted the words of
    X" (None when the object is not one)."""
    rest = tokens[k + 1:]
    if len(rest) >= 4 and [t.low for t in rest[:3]] == ["the", "words", "of"]:
        return phrase_after(text, paragraph, rest[3].start, end)
    for n, token in enumerate(rest):
        if token.low == "as" and n + 1 < len(rest) and rest[n + 1].low in ("saying", "telling"):
            if n == 0:
                return None
            start, stop = rest[0].start, rest[n - 1].end
            mention = phrase_after(text, paragraph, start, stop)
            return mention
        if token.text in ",.;:":
            break
    return None


def _cue_after(doc: Document, quote: Quote) -> Cue | None:
    """The cue after a quotation's closing mark, in the same sentence: "…,” al-Kazimi
    said", "…,” said Konstantin Blokhin", "…,” the newspaper quoted the Iraqi diplomat as
    saying", "…,” according to X"."""
    p, _, close = quote.last
    paragraph = doc.paragraphs[p]
    text = paragraph.text
    if close >= len(text):
        return None
    _, sentence_end = paragraph.sentence_at(close - 1)
    for start, _, _ in paragraph.quotes:
        if close <= start < sentence_end:
            sentence_end = start  # the cue ends where the next quotation begins
            break
    tokens = tokenize(text, close, sentence_end)
    while tokens and tokens[0].text in ",—–-":
        tokens = tokens[1:]
    if len(tokens) < 2 or not tokens[0].is_word:
        return None
    end = trim_span(text, tokens[0].start, sentence_end)[1]
    words = text[tokens[0].start:end]
    # "…,” said X" / "…,” added the minister"
    if tokens[0].low in lx.INVERTING_VERBS:
        mention = phrase_after(text, p, tokens[1].start, sentence_end)
        if mention is not None:
            return Cue(mention, tokens[0].start, end, words)
    # "…,” according to X"
    if [t.low for t in tokens[:2]] == ["according", "to"] and len(tokens) > 2:
        mention = phrase_after(text, p, tokens[2].start, sentence_end)
        if mention is not None:
            return Cue(mention, tokens[0].start, end, words)
    # "…,” al-Kazimi said" / "…,” the newspaper quoted the Iraqi diplomat as saying"
    for k in range(1, min(len(tokens), 10)):
        last = _verb_at(tokens, k)
        if last is None:
            continue
        mention = subject_before(text, p, tokens[0].start, tokens[k])
        if mention is None or mention.start != tokens[0].start:
            return None
        if tokens[k].low in lx.QUOTING_VERBS:
            quoted = _quoted_speaker(text, p, tokens, k, sentence_end)
            if quoted is not None:
                return Cue(quoted, tokens[0].start, end, words, quoting=mention.text)
        return Cue(mention, tokens[0].start, end, words)
    return None


def _cue_before(doc: Document, quote: Quote) -> tuple[Cue, int] | None:
    """The cue before a quotation's opening mark: "X said: “…”", "X told RT, “…”",
    "According to X, “…”", "X added that “…”" (mixed); or a paragraph before that ends with
    "X said:". Returns the cue and the paragraph it is in."""
    p, open_, _ = quote.first
    paragraph = doc.paragraphs[p]
    text = paragraph.text
    sentence_start, _ = paragraph.sentence_at(open_)
    if text[sentence_start:open_].strip() == "" and p > 0:
        before = doc.paragraphs[p - 1]
        if before.text.rstrip().endswith(":") and not before.quotes:
            s, e = before.sentences[-1] if before.sentences else (0, len(before.text))
            cue = _cue_in(doc, before, s, e)
            return (cue, p - 1) if cue is not None else None
        return None
    cue = _cue_in(doc, paragraph, sentence_start, open_)
    return (cue, p) if cue is not None else None


def _cue_in(doc: Document, paragraph: Paragraph, start: int, end: int) -> Cue | None:
    """A cue that ends a stretch of text before a quotation (its last words)."""
    text = paragraph.text
    tokens = tokenize(text, start, end)
    while tokens and (tokens[-1].text in ":,—–-" or tokens[-1].text in "“\"«‘"):
        tokens = tokens[:-1]
    form = "direct_quote"
    if tokens and tokens[-1].low == "that":
        tokens = tokens[:-1]
        form = "mixed"
    if not tokens:
        return None
    lows = [t.low for t in tokens]
    if lows[:2] == ["according", "to"] and len(tokens) > 2:
        mention = phrase_after(text, paragraph.index, tokens[2].start, end)
        if mention is not None and _source_like(mention):
            return Cue(mention, tokens[0].start, end, text[tokens[0].start:end], form)
        return None
    for k in range(len(tokens) - 1, max(len(tokens) - 8, -1), -1):
        last = _verb_at(tokens, k)
        if last is None or paragraph.in_quote(tokens[k].start):
            continue
        if tokens[k].low in lx.NEEDS_THAT and form != "mixed" and tokens[-1].text != ":" \
                and text[tokens[-1].end:end].strip()[:1] != ":":
            continue
        mention = subject_before(text, paragraph.index, start, tokens[k])
        if mention is None:
            return None
        if last < len(tokens) - 1 and form == "direct_quote" and \
                text[tokens[-1].end:end].strip()[:1] not in (":", ","):
            form = "mixed"  # words of the reporter between the cue and the quotation
        return Cue(mention, mention.start, end, text[mention.start:end], form)
    return None


def _has_cue(paragraph: Paragraph, start: int, end: int, skip: tuple[int, int] = (0, 0)
             ) -> bool:
    """Whether the sentence ``[start, end)`` has a reporting verb outside its quotations
    (and outside ``skip``)."""
    tokens = tokenize(paragraph.text, start, end)
    for k, token in enumerate(tokens):
        if skip[0] <= token.start < skip[1] or paragraph.in_quote(token.start):
            continue
        last = _verb_at(tokens, k)
        if last is not None and (token.low not in lx.NEEDS_THAT or _has_that(tokens, last)):
            return True
    return False


def _quote_words(doc: Document, quote: Quote) -> int:
    return sum(len([t for t in tokenize(doc.texts[p], s, e) if t.is_word])
               for p, s, e in quote.pieces)


def _quote_cues(doc: Document) -> list[tuple[Quote, Cue | None, tuple[Cue, int] | None]]:
    """Each quotation with its cue after and its cue before (computed once per document)."""
    found = doc.__dict__.get("_quote_cues")
    if found is None:
        found = [(q, _cue_after(doc, q), _cue_before(doc, q)) for q in doc.quotes]
        doc.__dict__["_quote_cues"] = found
    return found


def _pieces(doc: Document, quote: Quote, start: int | None = None, end: int | None = None
            ) -> list[tuple[int, int, int]]:
    pieces = list(quote.pieces)
    if start is not None:
        p, _, e = pieces[0]
        pieces[0] = (p, start, e)
    if end is not None:
        p, s, _ = pieces[-1]
        pieces[-1] = (p, s, end)
    return pieces


# --- attribution rules ----------------------------------------------------------------------

def quote_cue_after(doc: Document, found: list[Candidate]) -> Iterator[Candidate]:
    """A quotation whose speaker and reporting verb follow its closing mark in the same
    sentence: “…,” al-Kazimi said. / “…,” said Konstantin Blokhin, a researcher at …"""
    split_firsts = {id(c.attributes.get("_first")) for c in found if c.rule == "quote-split"}
    for quote, after, _ in _quote_cues(doc):
        if after is None or id(quote) in split_firsts or _quote_words(doc, quote) < 2:
            continue
        yield Candidate("quote-cue-after", "attribution", _pieces(doc, quote, end=after.end),
                        after.mention, "direct_quote", after.words, quoting=after.quoting)


def quote_cue_before(doc: Document, found: list[Candidate]) -> Iterator[Candidate]:
    """A quotation introduced by its speaker and verb: X said: “…” / X told RT, “…” /
    According to X, “…” / X added that “…” (mixed)."""
    for quote, after, before in _quote_cues(doc):
        if before is None or after is not None:
            continue
        cue, where = before
        if _quote_words(doc, quote) < (2 if cue.form == "direct_quote" else 4):
            continue
        p0 = quote.first[0]
        if where == p0:
            pieces = _pieces(doc, quote, start=cue.start)
        else:
            pieces = [(where, cue.start, trim_span(doc.texts[where], cue.start,
                                                   len(doc.texts[where]))[1]),
                      *quote.pieces]
        # the sentence may go on after the quotation ("…” he added, …")
        yield Candidate("quote-cue-before", "attribution", pieces, cue.mention, cue.form,
                        cue.words)


def quote_split(doc: Document, found: list[Candidate]) -> Iterator[Candidate]:
    """A quotation broken by its cue, in one sentence: “We will leave,” he said, “and we
    will not come back.”"""
    cues = _quote_cues(doc)
    for (quote, after, _), (nxt, _, _) in zip(cues, cues[1:], strict=False):
        if after is None:
            continue
        p, _, close = quote.last
        q, open_, _ = nxt.first
        if q != p or open_ < after.end:
            continue
        between = doc.texts[p][after.end:open_]
        if between.strip() not in (",", ":", "", "—", "–") \
                or doc.paragraphs[p].sentence_at(close - 1) != doc.paragraphs[p].sentence_at(
                    open_):
            continue
        pieces = quote.pieces[:-1] + [(p, quote.last[1], nxt.first[2])] + nxt.pieces[1:]
        candidate = Candidate("quote-split", "attribution", pieces, after.mention,
                              "direct_quote", after.words, quoting=after.quoting)
        candidate.attributes["_first"] = quote
        yield candidate


def quote_same_speaker(doc: Document, found: list[Candidate]) -> Iterator[Candidate]:
    """A quotation with no cue of its own right after an attributed one (in the same
    paragraph, or opening the next): the same speaker goes on. “…,” Kadhimi told reporters.
    “Our forces are capable …”"""
    ends = {}
    for candidate in found:
        if candidate.label == "attribution" and candidate.rule.startswith("quote"):
            p, _, e = candidate.pieces[-1]
            ends[(p, e)] = candidate
    for quote, after, before in _quote_cues(doc):
        if after is not None or before is not None or _quote_words(doc, quote) < 2:
            continue
        last_p, _, close = quote.last
        if doc.texts[last_p][:close - 1].rstrip()[-1:] not in ".!?…,":
            continue  # a heading in quotation marks, not a sentence
        p, open_, _ = quote.first
        text = doc.texts[p]
        previous = None
        for (q, e), candidate in ends.items():
            same_paragraph = q == p and e <= open_ and text[e:open_].strip(" .") == ""
            next_paragraph = (q == p - 1 and text[:open_].strip() == ""
                              and doc.texts[q][e:].strip(" .") == "")
            if same_paragraph or next_paragraph:
                previous = candidate
        if previous is None:
            continue
        candidate = Candidate("quote-same-speaker", "attribution", list(quote.pieces),
                              previous.mention, "direct_quote", previous.cue,
                              quoting=previous.quoting)
        ends[(quote.last[0], quote.last[2])] = candidate
        yield candidate


def _after_quote(paragraph: Paragraph, start: int) -> bool:
    """Whether a closing quotation mark (and a comma) stands right before ``start``: the
    verb there is the quotation's cue."""
    before = paragraph.text[:start].rstrip(" ,")
    return any(e == len(before) or e == len(before.rstrip(",")) for _, e, _ in
               paragraph.quotes) and bool(before)


_CUE_WORDS = (lx.SPEECH_VERBS | lx.QUOTING_VERBS | lx.EXPRESS_VERBS | lx.DATA_VERBS
              | lx.QUOTE_ONLY_VERBS | {"pointed"})
_PASSIVE = words("to be been being not so is are was were")
_CLAUSE_JOINS = words("while but whereas although though and")


def _forward_cue(paragraph: Paragraph, tokens: list[Token], k: int, sentence_start: int
                 ) -> tuple[int, Mention, str] | None:
    """Whether ``tokens[k]`` is a reporting verb with a subject before it: (the verb's last
    token, the speaker, "the newspaper" of "the newspaper quoted X as saying")."""
    token = tokens[k]
    low = token.low
    if low not in _CUE_WORDS or paragraph.in_quote(token.start):
        return None
    last = _verb_at(tokens, k)
    data = low in lx.DATA_VERBS
    if last is None and not data and low not in lx.QUOTE_ONLY_VERBS:
        return None
    last = k if last is None else last
    previous = tokens[k - 1].low if k else ""
    passive_quote = low in lx.QUOTING_VERBS and previous in ("was", "were", "is", "are")
    if previous in _PASSIVE and not passive_quote:
        return None
    if low in lx.NEEDS_THAT and not _has_that(tokens, last):
        return None
    text = paragraph.text
    if low in lx.QUOTE_ONLY_VERBS and not any(
            s > token.end for s, _, _ in paragraph.quotes
            if s < (tokens[-1].end if tokens else 0)):
        return None
    mention = subject_before(text, paragraph.index, sentence_start, token)
    if mention is None or _after_quote(paragraph, mention.start):
        return None
    if data and not (_word_set_of(mention.text) & lx.DOCUMENT_WORDS):
        return None
    quoting = ""
    if low in lx.QUOTING_VERBS and not passive_quote:
        quoted = _quoted_speaker(text, paragraph.index, tokens, k, tokens[-1].end)
        if quoted is not None:
            quoting, mention = mention.text, quoted
    return last, mention, quoting


def _word_set_of(text: str) -> set[str]:
    return {t.low for t in tokenize(text) if t.is_word}


def reported_speech(doc: Document, found: list[Candidate]) -> Iterator[Candidate]:
    """Reported speech: a subject, a reporting verb, and what was said, to the end of the
    sentence: X said (that) … / X told Y (that) … / X believes that … / X expressed
    confidence that … / polls show … / X defended the plan, saying …  Two cues joined by
    "while" or "but" are two attributions."""
    for paragraph in doc.paragraphs:
        text = paragraph.text
        for s, e in paragraph.sentences:
            tokens = tokenize(text, s, e)
            cues = []  # (start of the passage, verb's last token index, mention, quoting)
            k = 0
            while k < len(tokens):
                found_cue = _forward_cue(paragraph, tokens, k, s)
                if found_cue is None:
                    k += 1
                    continue
                last, mention, quoting = found_cue
                if cues and not _joined(tokens, mention.start, cues[-1][1]):
                    k = last + 1
                    continue
                cues.append((mention.start, last, mention, quoting))
                k = last + 1
            if not cues:
                participle = _participle_cue(paragraph, tokens, s)
                if participle is not None:
                    yield participle
                continue
            for n, (start, last, mention, quoting) in enumerate(cues):
                limit = cues[n + 1][0] if n + 1 < len(cues) else e
                if n + 1 < len(cues):
                    join = max(t.start for t in tokens if t.end <= limit and t.text in ",;")
                    limit = join
                content = [t for t in tokens[last + 1:] if t.is_word and t.end <= limit]
                if len(content) < 3 and tokens[last].low not in lx.DATA_VERBS:
                    break
                if last + 1 < len(tokens):
                    rest = tokens[last + 1]
                    if rest.text in ":," and last + 2 < len(tokens):
                        rest = tokens[last + 2]
                    if rest.text in "“\"«„‘" and paragraph.in_quote(rest.start) \
                            and n + 1 == len(cues):
                        break  # a quotation: the quotation rules have it
                end = trim_span(text, start, limit)[1]
                quoted_words = paragraph.quote_words(tokens[last].end, end)
                form = "mixed" if quoted_words >= 3 else "indirect"
                cue_end = tokens[min(last + 8, len(tokens) - 1)].end
                for t in tokens[last + 1:last + 9]:
                    if t.low == "that":
                        cue_end = t.start
                        break
                yield Candidate("reported-speech", "attribution",
                                [(paragraph.index, start, end)], mention, form,
                                text[start:cue_end], quoting=quoting)


def _joined(tokens: list[Token], start: int, last: int) -> bool:
    """Whether a second cue starting at ``start`` stands in a clause of its own after the
    first cue's verb (tokens[last]): ", while officials reported …", "; X said …"."""
    before = [t for t in tokens if tokens[last].end <= t.start < start]
    if not before:
        return False
    lows = [t.low for t in before]
    return (lows[-1] in _CLAUSE_JOINS and len(lows) >= 2 and lows[-2] in (",", ";")) \
        or lows[-1] == ";"


def _participle_cue(paragraph: Paragraph, tokens: list[Token], sentence_start: int
                    ) -> Candidate | None:
    """"X defended the plan, saying …": a participle cue after a comma reports what the
    sentence's subject said; the whole sentence is the passage."""
    text = paragraph.text
    for k, token in enumerate(tokens):
        if token.low not in lx.PARTICIPLE_CUES or k == 0 or tokens[k - 1].text != "," \
                or paragraph.in_quote(token.start):
            continue
        first = 0
        while first < k and not tokens[first].is_word:
            first += 1
        j = first
        while j + 1 < k and tokens[j + 1].is_word:
            j += 1
        from .speakers import np_right

        end_np = np_right(tokens, first)
        if end_np is None:
            return None
        mention = Mention(paragraph.index, tokens[first].start, tokens[end_np].end,
                          text[tokens[first].start:tokens[end_np].end])
        if _word_set_of(mention.text) & lx.NOT_SPEAKERS:
            return None
        content = [t for t in tokens[k + 1:] if t.is_word]
        if len(content) < 3:
            return None
        start, end = trim_span(text, tokens[first].start, tokens[-1].end)
        return Candidate("reported-speech", "attribution", [(paragraph.index, start, end)],
                         mention, "indirect", text[token.start:tokens[min(k + 6,
                                                                         len(tokens) - 1)].end])
    return None


_ADJUNCT_STARTS = words("in on at during to after before while when for with from "
                        "last this yesterday today earlier later as ahead following shortly "
                        "late early")


def reported_speech_after(doc: Document, found: list[Candidate]) -> Iterator[Candidate]:
    """Reported speech whose cue closes the sentence: …, the political scientist added. /
    …, said Konstantin Blokhin, a leading researcher at … / …, it said on Tuesday, … /
    …, official figures show."""
    for paragraph in doc.paragraphs:
        text = paragraph.text
        for s, e in paragraph.sentences:
            tokens = tokenize(text, s, e)
            commas = [k for k, t in enumerate(tokens) if t.text == ","
                      and not paragraph.in_quote(t.start)]
            for c in reversed(commas):
                tail = tokens[c + 1:]
                cue = _closing_cue(paragraph, tail, e)
                if cue is None:
                    continue
                head_words = [t for t in tokens[:c] if t.is_word]
                before = text[s:tokens[c].start].rstrip()
                if len(head_words) < 4 or before.endswith(("”", '"', "»", "’")) \
                        or np_left_covers(tokens[:c]):
                    break
                start, end = trim_span(text, s, e)
                yield Candidate("reported-speech-after", "attribution",
                                [(paragraph.index, start, end)], cue, "indirect",
                                text[tail[0].start:end])
                break


def np_left_covers(tokens: list[Token]) -> bool:
    """Whether ``tokens`` are one noun phrase (a subject and its apposition, not what was
    said)."""
    from .speakers import np_left

    words = [t for t in tokens if t.text != ","]
    return bool(words) and np_left(words, len(words) - 1) == 0


def _closing_cue(paragraph: Paragraph, tail: list[Token], sentence_end: int
                 ) -> Mention | None:
    """The speaker of a cue that ends a sentence: "the political scientist added", "said
    X, a …", "it said on Tuesday", "Deputy Minister X told TASS", "official figures
    show"; None when ``tail`` is no such cue."""
    if not tail or not tail[0].is_word:
        return None
    text = paragraph.text
    if tail[0].low in lx.INVERTING_VERBS and len(tail) > 1:
        mention = phrase_after(text, paragraph.index, tail[1].start, sentence_end)
        if mention is None:
            return None
        rest = tokenize(text, max(mention.end, mention.apposition_end), sentence_end)
        if rest and rest[0].is_word and rest[0].low not in _ADJUNCT_STARTS:
            return None  # "…, insisted the target had not been abandoned"
        words = [t for t in rest if t.is_word]
        return mention if len(words) <= 8 else None
    for k in range(1, min(len(tail), 12)):
        low = tail[k].low
        data = low in lx.DATA_VERBS
        if not (low in lx.SPEECH_VERBS and low not in lx.NEEDS_THAT or data
                or low in lx.INVERTING_VERBS) or not tail[k].text[0].islower():
            continue
        if tail[0].low == "it" and k == 1:
            mention = Mention(paragraph.index, tail[0].start, tail[0].end, tail[0].text,
                              it_allowed=True)
        else:
            mention = subject_before(text, paragraph.index, tail[0].start, tail[k])
        if mention is None or mention.start != tail[0].start:
            return None
        if data and not (_word_set_of(mention.text) & lx.DOCUMENT_WORDS):
            return None
        rest = tail[k + 1:]
        if low in ("told", "tells") and rest:
            from .speakers import np_right

            j = np_right(rest, 0)
            if j is not None:
                rest = rest[j + 1:]
        if rest and rest[0].is_word and rest[0].low not in _ADJUNCT_STARTS:
            return None  # "…, he said that …": reported speech forwards
        if rest and rest[0].low == "to" and len(rest) > 1 and rest[1].is_word \
                and rest[1].low not in ("the", "a", "an", "reporters") \
                and not rest[1].text[0].isupper():
            return None
        return mention
    return None


def _source_like(mention: Mention) -> bool:
    """Whether "according to X" names a source (a person, a body, a report), not a plan or
    a scenario."""
    tokens = [t for t in tokenize(mention.text) if t.is_word]
    if not tokens:
        return False
    if len(tokens) == 1 and tokens[0].low in ("him", "her", "them"):
        return True
    from .speakers import _VOCABULARY, _looks_like_name

    return any((_looks_like_name(t) and not t.text[0].isdigit()) or t.low in _VOCABULARY
               - {"people", "person", "man", "woman", "men", "women"}
               for t in tokens if t.low not in lx.DETERMINERS)


_PREPOSITION_RE = re.compile(
    r"(?<!\w)(according to|citing|quoting|as quoted by|in the words of)\s+", re.IGNORECASE)


def according_to(doc: Document, found: list[Candidate]) -> Iterator[Candidate]:
    """A source named by a preposition: According to X, … / …, according to X. / Citing X,
    the newspaper wrote … The whole sentence is the attributed passage."""
    for paragraph in doc.paragraphs:
        text = paragraph.text
        for m in _PREPOSITION_RE.finditer(text):
            if paragraph.in_quote(m.start()):
                continue
            s, e = paragraph.sentence_at(m.start())
            mention = phrase_after(text, paragraph.index, m.end(), e)
            if mention is None or not _source_like(mention):
                continue
            inside = m.group(1).lower() != "according to" or text[s:m.start()].strip()
            if inside and _has_cue(paragraph, s, e, skip=(m.start(), mention.end)):
                continue  # inside a sentence that has a cue of its own: the cue's rule has it
            start, end = trim_span(text, s, e)
            yield Candidate("according-to", "attribution", [(paragraph.index, start, end)],
                            mention, "indirect", m.group(0) + mention.text)


# --- disclaimers ----------------------------------------------------------------------------

_FOOTNOTE_RE = re.compile(r"^\s*(\*{1,4})\s*(?=\S)")
_DESIGNATION_RE = re.compile("|".join(f"(?:{p})" for p in lx.DESIGNATION_PATTERNS),
                             re.IGNORECASE)
_DESIGNATION_WORDS_RE = re.compile(
    r"terroris|extremis|foreign agent|undesirable|banned|prohibited|outlawed|иноагент|"
    r"запрещ|экстремист|террорист|нежелательн", re.IGNORECASE)
_MARKER_RE = re.compile(r"(?:(?<=[\w\"”»)])|(?<=[\w\"”»)] ))(\*{1,4})(?![\w*])")


def _authority(text: str) -> str | None:
    low = text.lower()
    if any(w in low for w in lx.COURT_WORDS):
        return "court"
    if any(w in low for w in lx.GOVERNMENT_WORDS):
        return "government_body"
    return None


def _footnote_entity(text: str, start: int) -> str:
    """What a footnote line is about: the quoted name after its marker, or its words up to
    "(", " - ", " is" or ","."""
    rest = text[start:].lstrip()
    if rest[:1] in "\"“«„'‘":
        close = {"“": "”", "«": "»", "„": "“", "‘": "’"}.get(rest[0], rest[0])
        end = rest.find(close, 1)
        if end == -1 and rest[0] == "„":
            end = rest.find("”", 1)
        if end > 1:
            return rest[1:end].strip()
    m = re.search(r"\s*(?:\(|\s[-–—]\s|\s(?:is|was|are|were|has been)\s|,|\.)", rest)
    return (rest[:m.start()] if m else rest).strip(" \"“”")


def footnotes(doc: Document) -> dict[str, dict]:
    """The document's footnote lines by their marker ("*", "**"): their paragraph and the
    attributes they give."""
    found = doc.__dict__.get("_footnotes")
    if found is not None:
        return found
    found = {}
    for paragraph in doc.paragraphs:
        m = _FOOTNOTE_RE.match(paragraph.text)
        if not m or len([t for t in paragraph.tokens if t.is_word]) < 2:
            continue
        text = paragraph.text
        attributes = {"kind": ("legal_designation" if _DESIGNATION_WORDS_RE.search(text)
                               else "editorial_note"),
                      "attached_to": _footnote_entity(text, m.end()),
                      "placement": "footnote"}
        if authority := _authority(text):
            attributes["authority"] = authority
        found.setdefault(m.group(1), {"paragraph": paragraph.index, "start": m.start(1),
                                      "attributes": attributes})
    doc.__dict__["_footnotes"] = found
    return found


def footnote(doc: Document, found: list[Candidate]) -> Iterator[Candidate]:
    """A footnote line: a paragraph that starts with asterisks and says what a marked name
    is: * "Islamic State" (IS, ISIS) - the organization was recognized as terrorist …"""
    for marker, note in footnotes(doc).items():
        p = note["paragraph"]
        text = doc.texts[p]
        start, end = trim_span(text, note["start"], len(text), keep_final=True)
        yield Candidate("footnote", "disclaimer", [(p, start, end)],
                        attributes=dict(note["attributes"]))
        del marker


def footnote_marker(doc: Document, found: list[Candidate]) -> Iterator[Candidate]:
    """An asterisk after a name that points to a footnote line of the document: … the
    Taliban fighters ** and …  (attached to what the footnote names)."""
    notes = footnotes(doc)
    lines = {note["paragraph"] for note in notes.values()}
    for paragraph in doc.paragraphs:
        if paragraph.index in lines or "*" not in paragraph.text:
            continue
        for m in _MARKER_RE.finditer(paragraph.text):
            note = notes.get(m.group(1))
            if note is None:
                continue
            yield Candidate("footnote-marker", "disclaimer",
                            [(paragraph.index, m.start(1), m.end(1))],
                            attributes=dict(note["attributes"]))


_CLAUSE_LEFT = re.compile(r"\(|,\s|\s[–—-]\s")
_CLAUSE_RIGHT = re.compile(r"\)|,\s|\s[–—-]\s|[.;](?:\s|$)")


def designation(doc: Document, found: list[Candidate]) -> Iterator[Candidate]:
    """A legal designation in the text: (banned in Russia), recognized as a foreign agent,
    an undesirable organization, a terrorist organization banned in Russia: the clause that
    holds it, attached to the name before it."""
    lines = {note["paragraph"] for note in footnotes(doc).values()}
    for paragraph in doc.paragraphs:
        if paragraph.index in lines:
            continue
        text = paragraph.text
        if not _DESIGNATION_WORDS_RE.search(text):
            continue
        for m in _DESIGNATION_RE.finditer(text):
            s, e = paragraph.sentence_at(m.start())
            left = None
            for lm in _CLAUSE_LEFT.finditer(text, s, m.start()):
                left = lm
            if left is not None and left.group().startswith("("):
                close = text.find(")", m.end())
                if close == -1 or close > e:
                    continue
                start, end, anchor = left.start(), close + 1, left.start()
            else:
                start = left.end() if left is not None else s
                right = _CLAUSE_RIGHT.search(text, m.end(), e)
                end = right.start() if right is not None else e
                anchor = left.start() if left is not None else None
            start, end = trim_span(text, start, end, keep_final=True)
            attributes = {"kind": "legal_designation", "placement": "inline"}
            if anchor is not None:
                entity = _name_before(text, s, anchor)
                if entity:
                    attributes["attached_to"] = entity
            if authority := _authority(text[start:end]):
                attributes["authority"] = authority
            yield Candidate("designation", "disclaimer", [(paragraph.index, start, end)],
                            attributes=attributes)


def _name_before(text: str, sentence_start: int, end: int) -> str:
    """The name right before ``end``: a quoted name, or a run of capitalised words."""
    before = text[sentence_start:end].rstrip()
    if before[-1:] in "\"”»’":
        open_ = max(before.rfind(c) for c in "\"“«‘")
        if open_ != -1 and open_ < len(before) - 1:
            return before[open_ + 1:-1].strip()
    tokens = tokenize(before)
    run: list[Token] = []
    for token in reversed(tokens):
        name_word = token.is_word and (
            token.text[0].isupper() or token.low in lx.NAME_PARTICLES
            or "-" in token.text and token.text.split("-")[-1][:1].isupper())
        if name_word or (token.low in ("of", "for", "and") and run):
            run.insert(0, token)
        else:
            break
    while run and not run[0].text[0].isupper():
        run.pop(0)
    return before[run[0].start:run[-1].end] if run else ""


# --- the rule set ---------------------------------------------------------------------------

EXPERT_RULE = "expert-opinion"

RULES: tuple[Rule, ...] = (
    Rule("quote-split", "attribution",
         "A quotation broken by its cue in one sentence, taken whole.",
         "“We will leave,” he said, “and we will not come back.”", quote_split),
    Rule("quote-cue-after", "attribution",
         "A quotation followed by its speaker and reporting verb in the same sentence.",
         "“There is no need for the presence of foreign military forces on Iraqi soil,” "
         "al-Kazimi said.", quote_cue_after),
    Rule("quote-cue-before", "attribution",
         "A quotation introduced by its speaker and verb (\"X said:\"), also from the "
         "paragraph before; with \"that\" between them it is mixed.",
         "The minister told reporters: “We are not leaving.”", quote_cue_before),
    Rule("reported-speech", "attribution",
         "A subject, a reporting verb and what was said, to the end of the sentence.",
         "Iraqi Prime Minister Mustafa al-Kazimi said that his country no longer needs the "
         "presence of the US military on its territory.", reported_speech),
    Rule("reported-speech-after", "attribution",
         "A sentence that ends with its cue: the whole sentence is reported.",
         "Washington will keep its troops in Iraq until the end of the year, the official "
         "added.",
         reported_speech_after),
    Rule("according-to", "attribution",
         "A source named by \"according to\", \"citing\", \"quoting\": the whole sentence.",
         "According to the Pentagon, there were more than 182,000 American troops in the "
         "country.", according_to),
    Rule("quote-same-speaker", "attribution",
         "A quotation with no cue of its own right after an attributed one: the same "
         "speaker goes on.",
         "“There is no need for combat forces,” Kadhimi told reporters. “Our forces are "
         "capable of protecting our country.”", quote_same_speaker),
    Rule(EXPERT_RULE, "expert-opinion",
         "An attribution whose speaker is introduced as an expert (an analyst, a "
         "researcher, a professor, a political scientist, a fellow of an institute), here "
         "or earlier in the article, becomes an expert opinion with the expert, the "
         "affiliation and the credentials.",
         "Now Washington wants to cut costs, said Konstantin Blokhin, a leading researcher "
         "at the Center for Security Studies of the Russian Academy of Sciences.", None),
    Rule("footnote", "disclaimer",
         "A footnote line: a paragraph that starts with asterisks, attached to the name it "
         "explains.",
         "* \"Islamic State\" (IS, ISIS) - the organization was recognized as terrorist by "
         "the decision of the Supreme Court of the Russian Federation.", footnote),
    Rule("footnote-marker", "disclaimer",
         "An asterisk after a name that points to a footnote line of the document.",
         "… a large-scale counteroffensive by the Taliban fighters ** and …",
         footnote_marker),
    Rule("designation", "disclaimer",
         "A legal designation in the running text (recognized as terrorist or extremist, "
         "banned in Russia, a foreign agent, an undesirable organisation): its clause, "
         "attached to the name before it.",
         "Meduza (recognized as a foreign agent in Russia) reported the arrest.",
         designation),
)
RULE_NAMES = tuple(rule.name for rule in RULES)
