"""The project's alias table (INTERFACE.md, "Source ledger": ``{"alias": "canonical"}``,
admins) and the candidate merges an admin reviews.

An alias and its canonical are source keys (``keys.source_key``: whatever is written is
normalised the same way); the table is applied before the merging within documents, so every
figure follows. Writing refuses an alias of itself and a cycle (a -> b -> a). Candidates are
pairs of source keys seen in the project's documents (gold's and every reviewer's), of three
kinds: the same words in another order, the same name with and without a title ("president
joe biden" / "joe biden"), and a name whose words all lie in a longer one.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select

from ..codebook import load_codebook
from ..errors import Invalid
from ..extensions import db
from ..models import Annotation, Document, GoldSpan, LedgerAlias, Project, User
from .config import ledger_config
from .data import load_aliases
from .keys import resolve_alias, source_key

MAX_KEY = 500
MAX_CANDIDATES = 200
# Words that make a title before a name (the same person with and without it).
TITLES = frozenset({
    "mr", "mrs", "ms", "miss", "dr", "prof", "professor", "sir", "dame", "lord", "lady",
    "president", "vice", "prime", "minister", "premier", "chancellor", "secretary",
    "general", "gen", "col", "colonel", "major", "maj", "captain", "capt", "lt",
    "lieutenant", "admiral", "sergeant", "sgt", "senator", "sen", "representative", "rep",
    "congressman", "congresswoman", "governor", "gov", "mayor", "ambassador", "judge",
    "justice", "king", "queen", "prince", "princess", "sheikh", "emir", "ayatollah", "pope",
    "rev", "reverend", "father", "deputy", "foreign", "defense", "defence", "interior",
    "state", "spokesman", "spokeswoman", "spokesperson", "former", "acting", "chief",
    "head", "leader", "commander", "director", "chairman", "chairwoman", "chair", "ceo",
    "mp", "mep",
})


def aliases_of(project: Project) -> dict[str, str]:
    return load_aliases(project.id)


def _clean(mapping: Any) -> dict[str, str]:
    if not isinstance(mapping, Mapping):
        raise Invalid("Send an object of aliases: {\"alias\": \"canonical\"}.", "aliases")
    clean: dict[str, str] = {}
    for alias, canonical in mapping.items():
        if not isinstance(canonical, str):
            raise Invalid(f"The canonical name of '{alias}' must be text.", alias)
        a, c = source_key(alias), source_key(canonical)
        if not a or not c:
            raise Invalid("An alias and its canonical name must not be empty.", alias)
        if len(a) > MAX_KEY or len(c) > MAX_KEY:
            raise Invalid(f"'{alias[:40]}…' is longer than {MAX_KEY} characters.", alias)
        if a == c:
            raise Invalid(f"'{alias}' would be an alias of itself.", alias)
        if a in clean and clean[a] != c:
            raise Invalid(f"'{alias}' is given twice, with different canonical names.", alias)
        clean[a] = c
    for a in clean:
        seen, key = {a}, clean[a]
        while key in clean:
            if key in seen:
                raise Invalid(f"The aliases of '{a}' go round in a circle.", a)
            seen.add(key)
            key = clean[key]
    return clean


def set_aliases(project: Project, mapping: Any, user: User | None) -> dict[str, str]:
    """Replace the project's alias table (``PUT``); returns it as stored."""
    clean = _clean(mapping)
    db.session.execute(delete(LedgerAlias).where(LedgerAlias.project_id == project.id))
    db.session.add_all(LedgerAlias(project_id=project.id, alias=a, canonical=c,
                                   created_by_id=user.id if user else None)
                       for a, c in sorted(clean.items()))
    db.session.commit()
    return clean


def merge(project: Project, alias: str, canonical: str, user: User | None) -> dict[str, str]:
    """One more alias (or a new canonical for one)."""
    table = aliases_of(project)
    table[source_key(alias)] = source_key(canonical)
    return set_aliases(project, table, user)


def split(project: Project, alias: str, user: User | None) -> dict[str, str]:
    """Undo a merge: the alias is its own source again."""
    table = aliases_of(project)
    table.pop(source_key(alias), None)
    return set_aliases(project, table, user)


def project_keys(project: Project) -> dict[str, dict[str, Any]]:
    """Every source key written in the project's mention spans (gold's and reviewers'), before
    the alias table: ``{key: {"documents", "mentions", "name"}}`` (the longest name)."""
    config = ledger_config(load_codebook(project.codebook).data)
    found: dict[str, dict[str, Any]] = {}
    documents: dict[str, set[int]] = defaultdict(set)
    for kind in config.mention_kinds:
        if not kind.name:
            continue
        for model in (Annotation, GoldSpan):
            rows = db.session.execute(
                select(model.document_id, model.attributes[kind.name].as_string())
                .join(Document, Document.id == model.document_id)
                .where(Document.project_id == project.id, model.label == kind.label))
            for document_id, raw in rows:
                name = _text(raw)
                key = source_key(name)
                if not key:
                    continue
                entry = found.setdefault(key, {"mentions": 0, "name": ""})
                entry["mentions"] += 1
                if len(name) > len(entry["name"]):
                    entry["name"] = name
                documents[key].add(document_id)
    for key, entry in found.items():
        entry["documents"] = len(documents[key])
    return found


def _text(raw: Any) -> str:
    return raw.strip() if isinstance(raw, str) else ""


def candidates(project: Project, keys: dict[str, dict[str, Any]] | None = None
               ) -> list[dict[str, Any]]:
    """Pairs of keys that may be one source, not yet merged: ``{"alias", "canonical", "kind",
    ...}`` with the canonical the longer (or the more mentioned) of the two."""
    keys = project_keys(project) if keys is None else keys
    table = aliases_of(project)
    resolved = {k: resolve_alias(k, table) for k in keys}
    words = {k: k.split() for k in keys}
    out: dict[tuple[str, str], str] = {}

    def add(a: str, b: str, kind: str) -> None:
        if resolved[a] == resolved[b]:
            return  # one source already
        short, long = sorted((a, b), key=lambda k: (len(k), -keys[k]["mentions"], k))
        if kind == "reordered":  # the same length: the more mentioned is canonical
            long, short = sorted((a, b), key=lambda k: (-keys[k]["mentions"], k))
        pair = (short, long)
        if pair not in out:
            out[pair] = kind

    by_sorted: dict[tuple[str, ...], list[str]] = defaultdict(list)
    by_word: dict[str, set[str]] = defaultdict(set)
    for key, ws in words.items():
        by_sorted[tuple(sorted(ws))].append(key)
        for w in ws:
            by_word[w].add(key)
    for group in by_sorted.values():
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                add(a, b, "reordered")
    for key, ws in words.items():
        # with a title: the key is the other key after title words
        rest = list(ws)
        while rest and rest[0].rstrip(".") in TITLES:
            rest = rest[1:]
            other = " ".join(rest)
            if other in keys and other != key:
                add(other, key, "title")
        # contained: every word of the key lies in a longer key
        common = Counter()
        for w in set(ws):
            common.update(by_word[w])
        for other, n in common.items():
            if other != key and n == len(set(ws)) and len(other) > len(key) \
                    and set(ws) <= set(words[other]):
                add(key, other, "contained")
    rows = [{"alias": a, "canonical": c, "kind": kind,
             "alias_name": keys[a]["name"], "canonical_name": keys[c]["name"],
             "alias_documents": keys[a]["documents"], "canonical_documents":
                 keys[c]["documents"], "mentions": keys[a]["mentions"] + keys[c]["mentions"]}
            for (a, c), kind in out.items()]
    order = {"title": 0, "reordered": 1, "contained": 2}
    rows.sort(key=lambda r: (order[r["kind"]], -r["mentions"], r["alias"], r["canonical"]))
    return rows[:MAX_CANDIDATES]
