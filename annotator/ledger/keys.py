"""Source keys (INTERFACE.md, "Source ledger"): which mentions are one source.

- ``source_key``: the name NFKC-normalised, case-folded, white space collapsed, a leading
  "the " dropped;
- the project's alias table (``resolve_alias``) is applied first: ``{"alias": "canonical"}``,
  followed through chains (a -> b -> c);
- then, within one document (``merge_within``), a key whose words are all among the words of
  exactly one longer key of that document is that source ("al-kazimi" -> "mustafa al-kazimi").
  Longer keys are resolved first, so a chain ("kazimi" within "al-kazimi" within "mustafa
  al-kazimi") ends at the longest; a key whose words lie in longer keys that are different
  sources ("smith" beside "john smith" and "jane smith") stays a source of its own
  (docs/additions.md, "Source ledger");
- a mention with an empty name is a source of its own (its key is "", never merged).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping

_KEYS: dict[str, str] = {}
_KEYS_SIZE = 200_000


def source_key(name: str | None) -> str:
    """The key of a name as written in the text."""
    if not name:
        return ""
    key = _KEYS.get(name)
    if key is None:
        key = " ".join(unicodedata.normalize("NFKC", name).casefold().split())
        if key.startswith("the "):
            key = key[4:]
        if len(_KEYS) >= _KEYS_SIZE:
            _KEYS.clear()
        _KEYS[name] = key
    return key


def resolve_alias(key: str, aliases: Mapping[str, str]) -> str:
    """The canonical key of ``key`` through the alias table (chains followed; a cycle, which
    the table refuses, stops where it would repeat)."""
    seen = {key}
    while key in aliases:
        key = aliases[key]
        if key in seen:
            break
        seen.add(key)
    return key


def containers_of(keys: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """For distinct non-empty keys: each key's longer keys holding all its words (only keys
    that have some). A property of the keys alone, found once for all documents."""
    keys = set(keys) - {""}
    words = {k: frozenset(k.split()) for k in keys}
    by_word: dict[str, set[str]] = {}
    for key, own in words.items():
        for word in own:
            by_word.setdefault(word, set()).add(key)
    found: dict[str, tuple[str, ...]] = {}
    for key, own in words.items():
        if not own:
            continue
        # the keys holding its rarest word, then checked
        candidates = min((by_word[w] for w in own), key=len)
        longer = tuple(sorted(other for other in candidates
                              if len(other) > len(key) and own <= words[other]))
        if longer:
            found[key] = longer
    return found


def merge_within(keys: Iterable[str], containers: Mapping[str, tuple[str, ...]] | None = None
                 ) -> dict[str, str]:
    """For the distinct non-empty keys of one document: each key's source key (itself, or the
    longer key whose source it is). ``containers``: ``containers_of`` over these keys or more
    (computed here when not given)."""
    keys = set(keys) - {""}
    if containers is None:
        containers = containers_of(keys)
    resolved: dict[str, str] = {}

    def resolve(key: str) -> str:
        if key not in resolved:
            longer = [other for other in containers.get(key, ()) if other in keys]
            targets = {resolve(other) for other in longer}  # longer keys first
            resolved[key] = targets.pop() if len(targets) == 1 else key
        return resolved[key]

    for key in keys:
        resolve(key)
    return resolved
