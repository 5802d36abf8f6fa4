"""Suggestions: rules that propose attributions, expert opinions and disclaimers.

Pure Python, no network and no model: ``suggest(paragraphs)`` reads a document's paragraphs
and returns ``Suggestion`` s, each a passage of one paragraph (offsets in code points, as
every span), a label of the default codebook, its attributes and the name of the rule that
found it. The rules are in ``rules`` (each a small function, listed in ``RULES``), the words
they look for in ``lexicon``, the reading of the text in ``text`` and of speakers in
``speakers``; ``evaluate`` measures suggestions against reference spans.

What a person does with them (accepting, rejecting, the project's settings) lives in
``annotator/suggestions/store.py``; nothing here touches the database.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from . import lexicon as lx
from .rules import EXPERT_RULE, RULE_NAMES, RULES, Candidate
from .speakers import Registry, describe
from .text import Document

__all__ = ["RULES", "RULE_NAMES", "Suggestion", "fit_to_codebook", "suggest"]


@dataclass(frozen=True)
class Suggestion:
    id: str
    paragraph: int
    start: int
    end: int
    label: str
    rule: str
    attributes: dict = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict:
        return {"id": self.id, "paragraph": self.paragraph, "start": self.start,
                "end": self.end, "label": self.label, "attributes": dict(self.attributes),
                "rule": self.rule}


def suggestion_id(rule: str, label: str, paragraph: int, start: int, end: int,
                  text: str) -> str:
    """Stable for the same text and rule set: the rule, the label, the place and the
    passage's text."""
    key = f"{rule}\x1f{label}\x1f{paragraph}\x1f{start}\x1f{end}\x1f{text[start:end]}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def suggest(paragraphs: Sequence[str], outlet: str | None = None,
            rules_off: Iterable[str] = ()) -> list[Suggestion]:
    """The suggestions for a document's paragraphs, in reading order. ``outlet`` is the
    document's source ("RT"): an interview given to it is an exclusive one. ``rules_off``
    names rules to leave out (``RULE_NAMES``)."""
    off = set(rules_off)
    doc = Document(list(paragraphs), outlet)
    found: list[Candidate] = []
    for rule in RULES:
        if rule.find is not None and rule.name not in off:
            found.extend(rule.find(doc, found))
    kept = _merge(found)
    kept.sort(key=lambda c: c.position)
    registry = Registry()
    out: list[Suggestion] = []
    for candidate in kept:
        label, rule, attributes = candidate.label, candidate.rule, dict(candidate.attributes)
        attributes.pop("_first", None)
        if label == "attribution":
            described = _attribution(doc, candidate, registry, outlet)
            if described is None:
                continue
            attributes, expert = described
            if expert is not None and EXPERT_RULE not in off:
                label, rule, attributes = "expert-opinion", EXPERT_RULE, expert
        for p, s, e in candidate.pieces:
            if e <= s:
                continue
            out.append(Suggestion(suggestion_id(rule, label, p, s, e, doc.texts[p]), p, s, e,
                                  label, rule, attributes))
    out.sort(key=lambda x: (x.paragraph, x.start, x.end, x.label))
    return out


_ORDER = {name: i for i, name in enumerate(RULE_NAMES)}


def _merge(found: list[Candidate]) -> list[Candidate]:
    """Of candidates of one label that overlap, the longest (the earlier rule on a tie)."""
    kept: list[Candidate] = []
    taken: dict[tuple[int, str], list[tuple[int, int]]] = {}
    for candidate in sorted(found, key=lambda c: (-c.length, _ORDER.get(c.rule, 99))):
        places = [(p, s, e) for p, s, e in candidate.pieces]
        if any(s < e2 and s2 < e for p, s, e in places
               for s2, e2 in taken.get((p, candidate.label), ())):
            continue
        kept.append(candidate)
        for p, s, e in places:
            taken.setdefault((p, candidate.label), []).append((s, e))
    return kept


def _attribution(doc: Document, candidate: Candidate, registry: Registry,
                 outlet: str | None) -> tuple[dict, dict | None] | None:
    """An attribution's attributes, and an expert opinion's when its speaker is an expert;
    None when the cue names no speaker ("it said", "we")."""
    mention = candidate.mention
    if mention is None:
        return None
    if not mention.context and not doc.texts[mention.paragraph][:mention.start].strip():
        # a title broken over the lines before the name
        mention.context = doc.lead_in(mention.paragraph)
    speaker = describe(mention)
    if speaker is None:
        return None
    entity = registry.resolve(speaker)
    if entity is not None and (speaker.kind in ("pronoun", "description") or speaker.person
                               or speaker.named):
        name, source_type, named = entity.name, entity.source_type, entity.named
        affiliation, credentials = entity.affiliation, entity.credentials
    else:
        name, source_type, named = speaker.name, speaker.source_type, speaker.named
        affiliation, credentials = speaker.affiliation, speaker.credentials
    if speaker.kind in ("name", "group") and speaker.source_type:
        source_type = speaker.source_type if source_type != "expert" else source_type
    attributes: dict = {}
    if name:
        attributes["source"] = name
    if source_type:
        attributes["source_type"] = source_type
    attributes["named"] = "named" if named else "unnamed"
    channel = _channel(candidate, source_type, outlet)
    if channel:
        attributes["channel"] = channel
    if candidate.form:
        attributes["form"] = candidate.form
    if source_type != "expert":
        return attributes, None
    expert = {}
    if name and named:
        expert["expert"] = name
    if affiliation:
        expert["affiliation"] = affiliation
    expert["affiliation_type"] = _affiliation_type(affiliation)
    if credentials:
        expert["credentials"] = credentials
    if channel == "interview_with_outlet":
        expert["access"] = "exclusive_to_outlet"
    return attributes, expert


def _affiliation_type(affiliation: str) -> str:
    if not affiliation:
        return "unstated"
    words = {w.lower() for w in re.findall(r"\w+", affiliation)}
    if words & lx.ACADEMIC_WORDS:
        return "academic"
    if words & lx.THINK_TANK_WORDS:
        return "think_tank"
    if words & lx.MEDIA_WORDS:
        return "media"
    if words & (lx.OFFICIAL_WORDS | {"state"}):
        return "state_affiliated"
    return "unstated"


_SOCIAL_RE = re.compile(r"\b(?:tweet\w*|twitter|telegram|facebook|instagram|social media|"
                        r"posted|youtube|vkontakte|weibo|on x)\b", re.IGNORECASE)
_STATEMENT_RE = re.compile(r"\b(?:statement|press conference|news conference|briefing|"
                           r"told (?:reporters|journalists|a press|a news|lawmakers))\b",
                           re.IGNORECASE)
_INTERVIEW_RE = re.compile(r"\b(?:in an? (?:interview|conversation|talk) with|told) "
                           r"(?:the )?([A-Z][\w.&'’-]*(?: [A-Z][\w.&'’-]*)*)")


def _channel(candidate: Candidate, source_type: str | None, outlet: str | None) -> str | None:
    cue = candidate.cue
    if outlet:
        name = re.escape(outlet.strip())
        if re.search(r"\b(?:conversation|interview|talk|comment\w*|speaking|spoke)\s+"
                     r"(?:with|to|for)\s+(?:the\s+)?" + name + r"\b", cue, re.IGNORECASE) \
                or re.search(r"\btold\s+(?:the\s+)?" + name + r"\b", cue, re.IGNORECASE):
            return "interview_with_outlet"
    if _SOCIAL_RE.search(cue):
        return "social_media"
    if _INTERVIEW_RE.search(cue):
        return "interview_elsewhere"
    if _STATEMENT_RE.search(cue):
        return "statement"
    if candidate.quoting or source_type == "media":
        return "press_report"
    if source_type == "document":
        return "document"
    return None


def fit_to_codebook(suggestions: Iterable[Suggestion], codebook) -> list[Suggestion]:
    """The suggestions a project's codebook can hold: those of its labels, with only the
    attributes and choices it has (a project with its own codebook gets what fits)."""
    out = []
    for suggestion in suggestions:
        label = codebook.labels.get(suggestion.label)
        if label is None:
            continue
        attributes = {}
        for key, value in suggestion.attributes.items():
            attribute = label.attributes.get(key)
            if attribute is None:
                continue
            if attribute.type == "choice" and value not in attribute.choices:
                continue
            if attribute.type == "multi" and not isinstance(value, list):
                continue
            if attribute.type == "boolean" and not isinstance(value, bool):
                continue
            if attribute.type == "text" and not isinstance(value, str):
                continue
            attributes[key] = value
        out.append(Suggestion(suggestion.id, suggestion.paragraph, suggestion.start,
                              suggestion.end, suggestion.label, suggestion.rule, attributes))
    return out
