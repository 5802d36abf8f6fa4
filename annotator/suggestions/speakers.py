"""Who speaks: the noun phrase a cue names, what kind of source it is, and who it stands for.

A cue ("said", "according to") names its speaker by a noun phrase next to it: a name with
its title ("Iraqi Prime Minister Mustafa al-Kazimi"), an apposition ("Konstantin Blokhin, a
leading researcher at …"), a description ("the Iraqi diplomat", "the expert"), a pronoun, or
a group ("sources in the Biden administration"). ``subject_before`` and ``phrase_after`` find
it; ``describe`` tells its type from its title words (``lexicon``); ``Registry`` follows the
speakers through the article, so that "he", "the expert" and "al-Kazimi" name the person
introduced earlier, with the type and affiliation given there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from . import lexicon as lx
from .lexicon import words
from .text import Token, tokenize

# Words that may stand inside a noun phrase although lowercase: determiners, title words and
# the modifiers titles take ("senior", "former", "leading").
MODIFIERS = words("""
    senior former top leading local foreign prime acting chief security defence defense
    interior health finance economy economic political military state federal regional
    national international independent well-known prominent veteran retired nationalist
    opposition ruling main lead principal associate assistant vice executive press
    presidential royal supreme high-ranking high ranking junior young elderly anonymous
    unnamed unidentified informed knowledgeable close administration government ministry
    department research visiting familiar knowledgeable briefed
""")
_VOCABULARY = (lx.OFFICIAL_WORDS | lx.WEAK_OFFICIAL_WORDS | lx.EXPERT_WORDS | lx.MEDIA_WORDS
               | lx.ORGANISATION_WORDS | lx.WITNESS_WORDS | lx.ANONYMOUS_WORDS
               | lx.DOCUMENT_WORDS | lx.PLACE_WORDS | MODIFIERS
               | lx.INSTITUTION_WORDS
               | words("people person man woman men women scientist scientists"))
# Words that begin a parenthetical clause between a subject and its verb ("The Wall Street
# Journal, citing sources in …, reported").
PARENTHETICAL_STARTS = words("""
    citing quoting speaking who which whose according referring commenting writing adding
    noting asked responding answering interviewed reached contacted recognized recognised
    designated banned listed known based founded headquartered owned funded backed
""")
_POSSESSIVE = ("'s", "’s")


def _parts(token: Token) -> list[str]:
    """A word's lowercase parts: "then-President" -> ["then", "president"]."""
    return token.low.split("-")


def _in(token: Token, words: frozenset[str]) -> bool:
    low = token.low
    if low.endswith(_POSSESSIVE):
        low = low[:-2]
    return low in words or any(part in words for part in low.split("-")[1:])


def _looks_like_name(token: Token) -> bool:
    """A capitalised word (also after a particle: al-Kazimi), an initialism, or a number."""
    text = token.text
    if not token.is_word:
        return False
    if text[0].isupper():
        return token.low not in lx.NOT_NAME_WORDS or token.low in lx.DETERMINERS
    if "-" in text and any(part[:1].isupper() for part in text.split("-")[1:]):
        return True  # al-Kazimi, then-President
    return text[0].isdigit()


def is_np_word(token: Token) -> bool:
    if not token.is_word:
        return False
    if token.text[0].isupper() and token.low in lx.NOT_NAME_WORDS:
        return False
    return (_looks_like_name(token) or _in(token, _VOCABULARY) or "-year-old" in token.low
            or token.low in lx.NAME_PARTICLES or token.low in lx.NAME_TITLES
            or token.low.endswith(lx.EXPERT_SUFFIXES))


def _is_possessive_name(token: Token) -> bool:
    """"Ukraine's", "Russia’s": a name in the possessive, which stands as a determiner."""
    return token.text[0].isupper() and token.low.endswith(_POSSESSIVE)


# Lowercase words that end a noun phrase read forwards ("the civil protection agency" ends
# before "said", "which", "in").
_NOT_NOUNS = (lx.NP_PREPOSITIONS | lx.SPEECH_VERBS | lx.AUXILIARIES | lx.NOT_SPEAKERS
              | words("and or but as than that who whom whose which where when while "
                          "because if is are was were be been being has have had do does "
                          "did not no by about into over under after before"))


def _is_head(token: Token) -> bool:
    """A word a prepositional phrase may hang on: "head of", "spokesman for", "sources
    in", "Ambassador to"."""
    return token.is_word and (_looks_like_name(token) or _in(token, _VOCABULARY))


def np_left(tokens: list[Token], j: int) -> int | None:
    """The index of the first token of the noun phrase that ends with ``tokens[j]``, or None
    when ``tokens[j]`` ends none."""
    last = tokens[j]
    if last.low in lx.PRONOUNS:
        return j
    i = j
    if not is_np_word(last):
        # "the tycoon said", "Ukraine's air force said": an unknown noun after a
        # determiner or a name in the possessive (and up to two words)
        if not (last.is_word and last.text.isalpha()):
            return None
        for k in range(j - 1, max(j - 4, -1), -1):
            if tokens[k].low in ("the", "a", "an") or _is_possessive_name(tokens[k]):
                i = k + 1
                break
            if not tokens[k].is_word or tokens[k].low in _NOT_NOUNS:
                return None
        else:
            return None
    while i > 0:
        prev = tokens[i - 1]
        low = prev.low
        if low in lx.DETERMINERS and not prev.text[0].isupper() or low in ("the", "a", "an"):
            i -= 1
            # past a determiner the phrase goes on only through a preposition after a head
            if (i >= 2 and tokens[i - 1].low in lx.NP_PREPOSITIONS
                    and _is_head(tokens[i - 2])):
                i -= 2
                continue
            break
        if low in lx.NP_PREPOSITIONS:
            if i >= 2 and _is_head(tokens[i - 2]) and tokens[i - 2].low not in ("the", "a"):
                i -= 1
                continue
            break
        if low == "and" and i >= 2 and _looks_like_name(tokens[i]) \
                and _looks_like_name(tokens[i - 2]):
            i -= 1
            continue
        if is_np_word(prev):
            i -= 1
            continue
        if prev.is_word and prev.text.isalpha() and prev.text[0].islower() \
                and low not in _NOT_NOUNS and _determiner_within(tokens, i - 2, 3):
            i -= 1  # "the federal statistics office": a modifier after a determiner
            continue
        break
    while i <= j and (tokens[i].low in lx.NP_PREPOSITIONS or tokens[i].low == "and"
                      or (tokens[i].low in lx.NOT_NAME_WORDS
                          and tokens[i].low not in lx.DETERMINERS)):
        i += 1
    return i if i <= j else None


def _determiner_within(tokens: list[Token], k: int, n: int) -> bool:
    """Whether a determiner (or a name in the possessive) stands at or within ``n`` words
    before ``tokens[k]``, with only words between."""
    for m in range(k, max(k - n, -1), -1):
        token = tokens[m]
        if token.low in ("the", "a", "an") or _is_possessive_name(token):
            return True
        if not token.is_word or token.low in _NOT_NOUNS:
            return False
    return False


def np_right(tokens: list[Token], i: int) -> int | None:
    """The index of the last token of the noun phrase that starts with ``tokens[i]``."""
    if i >= len(tokens):
        return None
    first = tokens[i]
    if first.low in lx.PRONOUNS:
        return i
    j = i
    if first.low in lx.DETERMINERS:
        if i + 1 >= len(tokens):
            return None
        j = i + 1
    if not (is_np_word(tokens[j]) or tokens[j].low in lx.DETERMINERS):
        # "the civil protection agency", "firefighter Luis Ocampo": lowercase nouns, after
        # a determiner or before a name
        k = j
        while k < len(tokens) and k - j < 4 and tokens[k].is_word \
                and tokens[k].text[0].islower() and tokens[k].low not in _NOT_NOUNS:
            k += 1
        if k == j:
            return None
        if k < len(tokens) and _looks_like_name(tokens[k]) and tokens[k].text[0].isupper():
            j = k
        elif j > i:
            j = k - 1
            if not (k < len(tokens) and (is_np_word(tokens[k])
                                         or tokens[k].low in lx.NP_PREPOSITIONS)):
                return j
        else:
            return None
    while j + 1 < len(tokens):
        nxt = tokens[j + 1]
        if nxt.low in lx.NP_PREPOSITIONS and j + 2 < len(tokens) and _is_head(tokens[j]) \
                and (is_np_word(tokens[j + 2]) or tokens[j + 2].low in lx.DETERMINERS):
            j += 2
            continue
        if nxt.low in lx.DETERMINERS and tokens[j].low in lx.NP_PREPOSITIONS:
            j += 1
            continue
        if nxt.low == "and" and j + 2 < len(tokens) and _looks_like_name(tokens[j]) \
                and _looks_like_name(tokens[j + 2]):
            j += 2
            continue
        if is_np_word(nxt) and nxt.low not in lx.NOT_NAME_WORDS:
            j += 1
            continue
        break
    while j >= i and (tokens[j].low in lx.NP_PREPOSITIONS or tokens[j].low in lx.DETERMINERS
                      or tokens[j].low == "and"):
        j -= 1
    return j if j >= i else None


@dataclass
class Mention:
    """A speaker as a cue names them: the noun phrase, where it is, and what stands around
    it that tells who they are (an apposition, a title broken over earlier paragraphs)."""

    paragraph: int
    start: int
    end: int
    text: str
    apposition: str = ""
    apposition_end: int = 0  # after "said X, a researcher at Y": where Y ends
    it_allowed: bool = False  # "…, it said": "it" stands for a body named before
    context: str = ""  # more words about the speaker: a title before a broken line, "speaking
    # on condition of anonymity"

    @property
    def words(self) -> str:
        return " ".join(x for x in (self.context, self.text, self.apposition) if x)


def _segments(tokens: list[Token]) -> list[list[Token]]:
    """``tokens`` split at commas outside parentheses."""
    segments: list[list[Token]] = [[]]
    depth = 0
    for token in tokens:
        if token.text in "([":
            depth += 1
        elif token.text in ")]":
            depth = max(0, depth - 1)
        if token.text == "," and depth == 0:
            segments.append([])
        else:
            segments[-1].append(token)
    return segments


def _is_title_phrase(tokens: list[Token]) -> bool:
    return any(_in(t, lx.OFFICIAL_WORDS | lx.WEAK_OFFICIAL_WORDS | lx.EXPERT_WORDS
                   | lx.MEDIA_WORDS) for t in tokens) or _has_phrase(
        " ".join(t.low for t in tokens), lx.EXPERT_PHRASES)


@cache
def _phrase_re(phrases: tuple[str, ...]) -> re.Pattern:
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p) for p in phrases) + r")(?!\w)")


def _has_phrase(text: str, phrases: tuple[str, ...]) -> bool:
    return _phrase_re(tuple(phrases)).search(text) is not None


def _mention(text: str, paragraph: int, tokens: list[Token], i: int, j: int,
             apposition: str = "", context: str = "") -> Mention:
    start, end = tokens[i].start, tokens[j].end
    return Mention(paragraph, start, end, text[start:end], apposition=apposition,
                   context=context)


def _whole_np(segment: list[Token]) -> bool:
    return bool(segment) and np_left(segment, len(segment) - 1) == 0


def subject_before(text: str, paragraph: int, sentence_start: int, verb: Token
                   ) -> Mention | None:
    """The subject of the reporting verb ``verb``: the noun phrase before it in its
    sentence, past auxiliaries ("also", "has"), an apposition ("X, a researcher at Y,
    said"), a title before the name ("the head of Z, General X, told") or a parenthetical
    clause ("X, citing Y, reported")."""
    tokens = tokenize(text, sentence_start, verb.start)
    j = len(tokens) - 1
    while j >= 0 and tokens[j].low in lx.AUXILIARIES:
        j -= 1
    if j >= 2 and tokens[j].text == "," and tokens[j - 1].low in lx.AUXILIARIES \
            and tokens[j - 2].text == ",":
        j -= 3  # "X, however, said"
    if j < 0:
        return None
    if tokens[j].text != ",":
        i = np_left(tokens, j)
        if i is None:
            return None
        return _mention(text, paragraph, tokens, i, j)
    segments = _segments(tokens[:j])
    if len(segments) < 2:
        last = segments[-1]
        return _mention(text, paragraph, last, 0, len(last) - 1) if _whole_np(last) else None
    last, before = segments[-1], segments[-2]
    if len(before) >= 3 and before[-1].text == ")" and "(" in [t.text for t in before]:
        # "The Anti-Corruption Foundation (FBK), recognized as …, announced"
        before = before[:max(k for k, t in enumerate(before) if t.text == "(")]
    if not last or not before:
        return None
    if last[0].low in PARENTHETICAL_STARTS:
        i = np_left(before, len(before) - 1)
        if i is None:
            return None
        aside = " ".join(t.text for t in last)
        context = aside if (last[0].low in ("who", "whose")
                            or _has_phrase(aside.lower(), lx.ANONYMOUS_PHRASES)) else ""
        return _mention(text, paragraph, before, i, len(before) - 1, context=context)
    i = np_left(before, len(before) - 1)
    if i is None:
        return _mention(text, paragraph, last, 0, len(last) - 1) if _whole_np(last) else None
    if _whole_np(last) and person_name(last) and not person_name(before[i:]) \
            and _is_title_phrase(before[i:]):
        # "the head of the US Central Command, General Frank Mackenzie, told"
        start = before[i].start
        return Mention(paragraph, start, last[-1].end, text[start:last[-1].end])
    if _is_apposition(last):
        # "Andrei Koshkin, head of the department of …, said"
        return _mention(text, paragraph, before, i, len(before) - 1,
                        apposition=text[last[0].start:last[-1].end])
    return _mention(text, paragraph, last, 0, len(last) - 1) if _whole_np(last) else None


def _is_apposition(tokens: list[Token]) -> bool:
    """Whether words after a name and a comma describe it: "a leading researcher at …",
    "head of the department …", "who heads …"."""
    if not tokens:
        return False
    if tokens[0].low in ("who", "whose", "a", "an"):
        return True
    if tokens[0].text.isdigit() and len(tokens) == 1:
        return True  # "Marisol Vega, 58, who lived …"
    if tokens[0].low == "the" and len(tokens) > 1 and not tokens[1].text[0].isupper():
        return True
    if tokens[0].text[0].isupper() and tokens[0].low not in ("a", "an", "the"):
        return _is_title_phrase(tokens[:4]) and person_name(tokens) is None
    return _is_title_phrase(tokens[:6]) or "-year-old" in " ".join(t.low for t in tokens[:4])


def phrase_after(text: str, paragraph: int, start: int, end: int) -> Mention | None:
    """The noun phrase that starts at ``start`` (after "said", "according to", "told"),
    with its apposition up to ``end`` ("said Konstantin Blokhin, a leading researcher at
    …")."""
    tokens = tokenize(text, start, end)
    j = np_right(tokens, 0) if tokens else None
    if j is None:
        return None
    mention = _mention(text, paragraph, tokens, 0, j)
    rest = tokens[j + 1:]
    if len(rest) >= 2 and rest[0].text == ",":
        aside = _segments(rest[1:])[0]
        while aside and aside[-1].text in ".!?;:":
            aside = aside[:-1]
        if _is_apposition(aside):
            mention.apposition = text[aside[0].start:aside[-1].end]
            mention.apposition_end = aside[-1].end
    return mention


# --- what a speaker is ----------------------------------------------------------------------

@dataclass
class Speaker:
    """What the words about a speaker tell: ``kind`` is ``pronoun``, ``description`` ("the
    Iraqi diplomat": to be resolved), ``name`` (a person or a named body) or ``group``
    ("sources", "officials")."""

    kind: str
    name: str  # the source as named: the person's name, or the phrase as written
    source_type: str | None = None
    named: bool = False
    person: bool = False
    titles: set[str] = field(default_factory=set)
    head: str = ""  # a description's title word ("diplomat")
    affiliation: str = ""
    credentials: str | None = None


def _words(text: str) -> list[str]:
    return [w for t in tokenize(text) if t.is_word for w in [t.low]]


def _word_set(text: str) -> set[str]:
    words: set[str] = set()
    for word in _words(text):
        if word.endswith(_POSSESSIVE):
            word = word[:-2]
        words.add(word)
        words.update(word.split("-"))
    return words


def source_type(words: set[str], text: str, np_words: set[str], person: bool = True
                ) -> str | None:
    """The source type the title words tell, in the order of ``lexicon``: anonymous before
    expert before official (a "source in the ministry" is anonymous, "an analyst at the
    ministry's institute" an expert). ``person``: the speaker is a person (a research
    institution makes a person an expert, not the institution itself)."""
    if np_words & lx.ANONYMOUS_WORDS or _has_phrase(text, lx.ANONYMOUS_PHRASES):
        return "anonymous"
    if words & lx.EXPERT_WORDS or _has_phrase(text, lx.EXPERT_PHRASES) \
            or any(w.endswith(lx.EXPERT_SUFFIXES) for w in words):
        return "expert"
    if words & lx.OFFICIAL_WORDS or _has_phrase(text, lx.OFFICIAL_NAMES):
        return "official"
    if np_words & lx.MEDIA_WORDS or _has_phrase(text, lx.MEDIA_NAMES):
        return "media"
    academic = words & (lx.ACADEMIC_WORDS | lx.THINK_TANK_WORDS)
    if person and academic and (academic - {"department"} or words & lx.DISCIPLINES):
        return "expert"
    if words & lx.WEAK_OFFICIAL_WORDS or "department" in words:
        return "official"
    if np_words & lx.ORGANISATION_WORDS or _has_phrase(text, lx.ORGANISATION_NAMES):
        return "organisation"
    if np_words & lx.WITNESS_WORDS or "year-old" in text:
        return "witness"
    if np_words & lx.DOCUMENT_WORDS:
        return "document"
    if len(np_words) == 1 and np_words <= lx.PLACE_WORDS:
        return "official"  # "Washington said", "Moscow insists"
    return None


_TITLE_WORDS = (lx.OFFICIAL_WORDS | lx.WEAK_OFFICIAL_WORDS | lx.EXPERT_WORDS
                | lx.MEDIA_WORDS | lx.ORGANISATION_WORDS | lx.WITNESS_WORDS
                | lx.DOCUMENT_WORDS | lx.ANONYMOUS_WORDS)


def person_name(tokens: list[Token]) -> str | None:
    """The person's name at the end of a noun phrase ("Iraqi Prime Minister Mustafa
    al-Kazimi" -> "Mustafa al-Kazimi"), or before a preposition that names where they are
    from ("Tom Ashdown of the Woodland Coalition"); None when the phrase names no person
    (a title, an institution, a newspaper)."""
    name = None if _ends_in_institution(tokens) else _trailing_name(tokens)
    if name is None:
        for k, token in enumerate(tokens):
            if k and token.low in ("of", "at", "from", "for", "with") \
                    and tokens[k - 1].text[0].isupper():
                head = tokens[:k]
                return None if _ends_in_institution(head) else _trailing_name(head)
    return name


def _ends_in_institution(tokens: list[Token]) -> bool:
    """Whether the capitalised words at the end of a phrase, joined by "of", "for" and
    "and", name a body ("the Royal College of Nursing", "the Woodland Coalition")."""
    for token in reversed(tokens):
        if token.low in ("of", "for", "and", "on") or token.is_word and token.text[0].isupper():
            if token.text[0].isupper() and _in(token, lx.INSTITUTION_WORDS
                                              | lx.ORGANISATION_WORDS | lx.MEDIA_WORDS):
                return True
            continue
        return False
    return False


def _trailing_name(tokens: list[Token]) -> str | None:
    run: list[Token] = []
    for token in reversed(tokens):
        if token.low.endswith(_POSSESSIVE) and run:
            break
        if _looks_like_name(token) and not token.text[0].isdigit() \
                or (token.low in lx.NAME_PARTICLES and run):
            run.insert(0, token)
            continue
        break
    while run and (run[0].low in lx.NAME_PARTICLES or _is_not_name(run[0])):
        run.pop(0)
    if not run or any(_in(t, _TITLE_WORDS | lx.INSTITUTION_WORDS) or t.low in lx.PLACE_WORDS
                      for t in run):
        return None
    if len(run) == 1 and run[0].text.isupper() and len(run[0].text) > 1:
        return None  # an acronym: a body, not a person
    return " ".join(t.text for t in run)


def _is_not_name(token: Token) -> bool:
    low = token.low
    if low.endswith(_POSSESSIVE):
        return True
    if low.startswith(("then-", "ex-", "former-")) or low in lx.DETERMINERS \
            or low.rstrip(".") in lx.NAME_TITLES:
        return True
    if _in(token, _TITLE_WORDS) or low in lx.PLACE_WORDS or low in MODIFIERS:
        return True
    if token.text.isupper() and len(token.text) > 1 and "." not in token.text:
        return True  # US, UN, PRUE
    return low in lx.NOT_NAME_WORDS


def _is_proper(tokens: list[Token]) -> bool:
    """Whether a phrase names a body: a capitalised word that is no determiner, place,
    title or sentence opener ("the Pentagon", "The Wall Street Journal")."""
    for k, token in enumerate(tokens):
        if not token.is_word or not token.text[0].isupper():
            continue
        low = token.low.removesuffix("'s").removesuffix("’s")
        if low in lx.INSTITUTION_WORDS and k:
            return True  # "the Russian Defence Ministry", "Greater Manchester Police"
        if low in lx.DETERMINERS or low in lx.PLACE_WORDS or low in lx.NOT_NAME_WORDS:
            continue
        if (low in _TITLE_WORDS or low in MODIFIERS or low in lx.NAME_TITLES) \
                and low not in ("pentagon", "kremlin"):
            continue
        return True
    return False


_INSTITUTION = lx.ACADEMIC_WORDS | lx.THINK_TANK_WORDS


def affiliation(text: str, exclude: str | None = None) -> str:
    """The name of the institution an expert's title names ("a leading researcher at the
    Center for Security Studies of the Russian Academy of Sciences" -> "Center for Security
    Studies of the Russian Academy of Sciences"), or ""."""
    tokens = tokenize(text)
    for k, token in enumerate(tokens):
        if not (token.text[0].isupper() and _in(token, _INSTITUTION)):
            continue
        i = k
        while i > 0 and (tokens[i - 1].is_word and tokens[i - 1].text[0].isupper()
                         and tokens[i - 1].low not in lx.DETERMINERS):
            i -= 1
        j = k
        while j + 1 < len(tokens):
            nxt = tokens[j + 1]
            if nxt.is_word and (nxt.text[0].isupper() or nxt.text[0].isdigit()):
                if nxt.low.endswith(_POSSESSIVE):
                    j += 1
                    break
                j += 1
                continue
            if nxt.low in ("of", "for", "and", "on", "in") and j + 2 < len(tokens) and (
                    tokens[j + 2].text[0].isupper() or tokens[j + 2].low == "the"):
                j += 2 if tokens[j + 2].text[0].isupper() else 1
                continue
            if nxt.low == "the" and tokens[j].low in ("of", "for", "and", "on", "in"):
                j += 1
                continue
            break
        name = text[tokens[i].start:tokens[j].end].removesuffix("'s").removesuffix("’s")
        if exclude and exclude in name:
            name = name[:name.index(exclude)].rstrip()
        return name.strip(" ,")
    return ""


def describe(mention: Mention) -> Speaker | None:
    """What the words about a speaker tell; None when the phrase names no speaker ("it",
    "we", "this")."""
    tokens = tokenize(mention.text)
    words = [t for t in tokens if t.is_word]
    if not words:
        return None
    first = words[0].low
    if len(words) == 1 and (first in lx.PRONOUNS or first == "it" and mention.it_allowed):
        return Speaker("pronoun", "", head=first)
    if (first in lx.NOT_SPEAKERS and (len(words) == 1 or first not in lx.DETERMINERS)) \
            or (len(words) == 1 and first in lx.DETERMINERS):
        return None
    all_text = mention.words.lower()
    np_words = _word_set(mention.text)
    title_words = _word_set(mention.words)
    name_tokens = tokens
    person = person_name(name_tokens)
    kind_type = source_type(title_words, all_text, np_words | _word_set(mention.apposition),
                            person=bool(person) or bool(np_words & lx.WEAK_OFFICIAL_WORDS)
                            or bool(np_words & lx.EXPERT_WORDS))
    titles = {w for w in title_words
              if w in _TITLE_WORDS or w in ("prime", "foreign", "political")}
    speaker = Speaker("name", person or _as_written(name_tokens), kind_type,
                      named=bool(person), person=bool(person), titles=titles)
    if not person:
        proper = _is_proper(name_tokens)
        if proper and kind_type != "anonymous":
            speaker.named = True
        elif words[0].low == "the" or words[0].low in ("this", "that"):
            speaker.kind = "description"
            speaker.head = _head(name_tokens)
        else:
            speaker.kind = "group"
    if kind_type == "anonymous":
        speaker.named = False
    if kind_type == "expert":
        speaker.affiliation = affiliation(mention.words, person)
        generic = {"expert", "experts", "analyst", "analysts", "observer", "observers",
                   "specialist", "specialists", "commentator", "commentators"}
        specific = (titles & lx.EXPERT_WORDS) - generic
        speaker.credentials = ("explicit" if speaker.affiliation or specific
                               or _has_phrase(all_text, lx.EXPERT_PHRASES) else "vague")
    return speaker


def _as_written(tokens: list[Token]) -> str:
    if not tokens:
        return ""
    return tokens[0].text if len(tokens) == 1 else _join(tokens)


def _join(tokens: list[Token]) -> str:
    out = tokens[0].text
    for prev, token in zip(tokens, tokens[1:], strict=False):
        out += (" " if token.start > prev.end else "") + token.text
    return out


def _head(tokens: list[Token]) -> str:
    """A description's title word: its last title word ("the Iraqi prime minister" ->
    "minister"), or its last word."""
    for token in reversed(tokens):
        if _in(token, _TITLE_WORDS - lx.PLACE_WORDS) and token.low not in MODIFIERS:
            return token.low
    words = [t.low for t in tokens if t.is_word]
    return words[-1] if words else ""


# --- following speakers through an article --------------------------------------------------

@dataclass
class Entity:
    name: str
    source_type: str | None
    named: bool
    person: bool
    titles: set[str]
    affiliation: str = ""
    credentials: str | None = None


def _name_key(word: str) -> str:
    word = word.lower().removesuffix("'s").removesuffix("’s")
    for prefix in ("al-", "el-", "ал-"):
        if word.startswith(prefix):
            word = word[len(prefix):]
    return word


class Registry:
    """The speakers of one article, most recent last."""

    def __init__(self) -> None:
        self.entities: list[Entity] = []

    def _touch(self, entity: Entity) -> Entity:
        self.entities.remove(entity)
        self.entities.append(entity)
        return entity

    def resolve(self, speaker: Speaker) -> Entity | None:
        """The entity the speaker stands for, registered or updated; None for a pronoun or
        a description that names nobody introduced before."""
        if speaker.kind == "pronoun":
            want_person = speaker.head in ("he", "she", "him", "her")
            for entity in reversed(self.entities):
                if entity.person == want_person or speaker.head in ("they", "them"):
                    return entity
            return None
        if speaker.kind == "description":
            entity = self._by_description(speaker)
            if entity is not None:
                return self._touch(entity)
            return self._add(speaker)
        if speaker.person:
            keys = {_name_key(w) for w in speaker.name.split()}
            last = _name_key(speaker.name.split()[-1])
            for entity in reversed(self.entities):
                if entity.person and (last in {_name_key(w) for w in entity.name.split()}
                                      or keys & {_name_key(entity.name.split()[-1])}):
                    if len(speaker.name) > len(entity.name):
                        entity.name = speaker.name
                    self._merge(entity, speaker)
                    return self._touch(entity)
            return self._add(speaker)
        key = _plain(speaker.name)
        for entity in reversed(self.entities):
            if not entity.person and _plain(entity.name) == key:
                self._merge(entity, speaker)
                return self._touch(entity)
        return self._add(speaker)

    def _by_description(self, speaker: Speaker) -> Entity | None:
        head = speaker.head
        if head in lx.EXPERT_WORDS or head in ("scientist", "scientists"):
            wanted = "expert"
        elif head in lx.MEDIA_WORDS:
            wanted = "media"
        else:
            wanted = None
        heads = lx.TITLE_SYNONYMS.get(head, set()) | {head}
        for entity in reversed(self.entities):
            if wanted is not None:
                if entity.source_type == wanted:
                    return entity
            elif entity.titles & heads:
                return entity
        return None

    @staticmethod
    def _merge(entity: Entity, speaker: Speaker) -> None:
        entity.titles |= speaker.titles
        if speaker.source_type and (entity.source_type is None
                                    or speaker.source_type == "expert"):
            entity.source_type = speaker.source_type
        entity.affiliation = entity.affiliation or speaker.affiliation
        if speaker.credentials == "explicit" or entity.credentials is None:
            entity.credentials = speaker.credentials or entity.credentials
        entity.named = entity.named or speaker.named

    def _add(self, speaker: Speaker) -> Entity:
        entity = Entity(speaker.name, speaker.source_type, speaker.named, speaker.person,
                        set(speaker.titles), speaker.affiliation, speaker.credentials)
        self.entities.append(entity)
        return entity


def _plain(name: str) -> str:
    name = " ".join(name.lower().split())
    return name[4:] if name.startswith("the ") else name
