"""A plain reference implementation of one document's source ledger, written from
INTERFACE.md ("Source ledger (JSON)") and docs/additions.md ("Source ledger"), for the
default codebook's keys, without looking at ``annotator.ledger``: loops and dictionaries over
the spans as stored.

The reading of the definitions, point by point:

- mentions: spans labelled ``attribution`` (name ``source``, type ``source_type``, ``named``,
  ``channel``, ``form``) or ``expert-opinion`` (name ``expert``, type ``expert``, named when the
  name is not empty); a name is trimmed of surrounding white space;
- key: NFKC, case-folded, white space collapsed, a leading "the " dropped; aliases first
  (chains followed); within the document, a key whose words all lie in longer keys (more code
  points) that are all one source, the longer ones resolved first, is that source; an empty
  name is a source of its own;
- type: the most frequent non-empty type among the source's mentions, ties to the first in the
  codebook's order of ``source_type``; named: any mention named (attribution: ``named`` is
  "named", or ``named`` empty and a name given and the type not "anonymous");
- p_t = sources of type t / sources (every source, typed or not); shares and indices None
  without sources; simpson and shannon None when no source has a type; evenness None with
  fewer than two types present;
- attributed: the union of the mentions' spans on the document's paragraphs laid end to end;
- direct quotes: attribution mentions with form direct_quote / attribution mentions with a
  form (None when none has one);
- stance: expert mentions per stance (every choice listed); disclaimers: spans per kind
  (kinds present);
- rows: mentions (desc), attributed code points (desc), key, then the first mention in the
  text (start and end on the document's axis, then the order of the spans); name: the
  longest surface form, the first in the text (paragraph, start, end) on a tie.
"""

from __future__ import annotations

import math
import unicodedata

TYPES = ["official", "expert", "anonymous", "media", "organisation", "witness", "document",
         "other"]
STANCES = ["supports_framing", "opposes_framing", "neutral"]


def key_of(name: str) -> str:
    key = " ".join(unicodedata.normalize("NFKC", name).casefold().split())
    return key[4:] if key.startswith("the ") else key


def alias_of(key: str, aliases: dict[str, str]) -> str:
    seen = [key]
    while key in aliases and aliases[key] not in seen:
        key = aliases[key]
        seen.append(key)
    return key


def within(keys: set[str]) -> dict[str, str]:
    resolved: dict[str, str] = {}
    for key in sorted(keys, key=lambda k: (-len(k), k)):
        longer = [other for other in keys
                  if len(other) > len(key) and set(key.split()) <= set(other.split())]
        targets = {resolved[other] for other in longer}
        resolved[key] = targets.pop() if len(targets) == 1 else key
    return resolved


def reference_ledger(spans: list[dict], paragraph_lengths: list[int],
                     aliases: dict[str, str] | None = None) -> dict:
    aliases = aliases or {}
    offsets = [sum(paragraph_lengths[:i]) for i in range(len(paragraph_lengths))]
    mentions = []
    for index, s in enumerate(spans):
        a = s.get("attributes") or {}
        if s["label"] == "attribution":
            name = (a.get("source") or "").strip()
            kind = a.get("source_type") or None
            named = a["named"] == "named" if a.get("named") \
                else bool(name) and kind != "anonymous"
            mentions.append({"span": s, "name": name, "type": kind, "named": named,
                             "form": a.get("form") or None, "channel": a.get("channel") or None,
                             "attribution": True, "index": index})
        elif s["label"] == "expert-opinion":
            name = (a.get("expert") or "").strip()
            mentions.append({"span": s, "name": name, "type": "expert", "named": bool(name),
                             "stance": a.get("stance") or None, "attribution": False,
                             "index": index})
    keys = {m["name"] and alias_of(key_of(m["name"]), aliases) for m in mentions}
    merged = within({k for k in keys if k})
    sources: dict[object, list[dict]] = {}
    for i, m in enumerate(mentions):
        k = alias_of(key_of(m["name"]), aliases) if m["name"] else ""
        m["key"] = merged[k] if k else ""
        sources.setdefault(m["key"] if k else ("empty", i), []).append(m)

    def interval(m):
        s = m["span"]
        start = offsets[s["paragraph"]] + s["start"]
        return start, offsets[s["paragraph"]] + s["end"]

    def union(ms) -> int:
        covered = set()
        for m in ms:
            a, b = interval(m)
            covered.update(range(a, b))
        return len(covered)

    rows = []
    for group in sources.values():
        lead = min(group, key=lambda m: (interval(m), m["index"]))
        counts: dict[str, int] = {}
        for m in group:
            if m["type"]:
                counts[m["type"]] = counts.get(m["type"], 0) + 1
        kind = None
        if counts:
            best = max(counts.values())
            tied = [t for t in counts if counts[t] == best]
            kind = min(tied, key=lambda t: TYPES.index(t) if t in TYPES else len(TYPES))
        forms, channels = {}, {}
        for m in group:
            if m.get("form"):
                forms[m["form"]] = forms.get(m["form"], 0) + 1
            if m.get("channel"):
                channels[m["channel"]] = channels.get(m["channel"], 0) + 1
        in_text = sorted(group, key=lambda m: (m["span"]["paragraph"], m["span"]["start"],
                                               m["span"]["end"]))
        name = max(in_text, key=lambda m: len(m["name"]))["name"]  # max keeps the first
        rows.append({"key": group[0]["key"], "name": name, "type": kind,
                     "named": any(m["named"] for m in group), "mentions": len(group),
                     "forms": forms, "channels": channels,
                     "first_paragraph": min(m["span"]["paragraph"] for m in group),
                     "attributed_chars": union(group),
                     "_lead": (interval(lead), lead["index"])})
    total = union(mentions)
    for row in rows:
        row["attributed_share"] = row["attributed_chars"] / total if total else None
    rows.sort(key=lambda r: (-r["mentions"], -r["attributed_chars"], r["key"], r.pop("_lead")))

    n = len(rows)
    named = sum(r["named"] for r in rows)
    type_counts: dict[str, int] = {}
    for r in rows:
        if r["type"]:
            type_counts[r["type"]] = type_counts.get(r["type"], 0) + 1
    result = {"mentions": len(mentions), "sources": n, "named_sources": named,
              "unnamed_sources": n - named, "type_counts": type_counts}
    if n:
        p = [c / n for c in type_counts.values()]
        result["anonymous_share"] = (n - named) / n
        result["official_share"] = type_counts.get("official", 0) / n
        result["simpson"] = 1 - sum(x * x for x in p) if p else None
        result["shannon"] = -sum(x * math.log(x) for x in p) if p else None
        result["evenness"] = result["shannon"] / math.log(len(p)) if len(p) >= 2 else None
        result["attributed_share"] = total / sum(paragraph_lengths)
    else:
        for name in ("anonymous_share", "official_share", "simpson", "shannon", "evenness",
                     "attributed_share"):
            result[name] = None
    with_form = [m for m in mentions if m["attribution"] and m["form"]]
    result["direct_quote_share"] = (
        sum(m["form"] == "direct_quote" for m in with_form) / len(with_form)
        if with_form else None)
    result["stance"] = {s: sum(1 for m in mentions if m.get("stance") == s) for s in STANCES}
    kinds: dict[str, int] = {}
    for s in spans:
        kind = (s.get("attributes") or {}).get("kind")
        if s["label"] == "disclaimer" and kind:
            kinds[kind] = kinds.get(kind, 0) + 1
    result["disclaimers"] = kinds
    flags = []
    if n == 0:
        flags.append("no_sources")
    if n == 1:
        flags.append("single_source")
    if n > 0 and named == 0:
        flags.append("anonymous_only")
    if n >= 3 and any(c > n / 2 for c in type_counts.values()):
        flags.append("single_type_dominates")
    result["flags"] = flags
    result["rows"] = rows
    return result
