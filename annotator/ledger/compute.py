"""The figures of many ledgers at once (INTERFACE.md, "Source ledger"), with numpy.

A *unit* is one ledger: one document's spans of one set (its gold, or one reviewer's). The
spans of every unit come in as one ``SpanTable`` (flat arrays, read once); ``compute`` returns
``Ledgers``: per unit, the counts, shares and indices as arrays (``nan`` where undefined), and
per source the rows. ``Ledgers.document(u)`` is one unit's ledger as the interface's JSON.

Definitions, in the interface's words (and docs/ledger.md):

- mentions: spans of the attribution and expert-opinion labels (``config``); a source is a
  distinct source key within the unit (``keys``);
- a source's type: the most frequent non-empty type among its mentions, ties to the first in
  the codebook's order; named: any mention named (attribution: ``named`` is "named", or
  ``named`` empty and a name given and a type other than "anonymous"; expert: a name given);
- ``anonymous_share`` = unnamed sources / sources; ``official_share`` = official sources /
  sources; ``simpson`` = 1 - sum p_t**2 and ``shannon`` = -sum p_t ln p_t over the types present,
  p_t = sources of type t / sources; ``evenness`` = shannon / ln S (S types present, >= 2);
- ``attributed_share``: code points in the union of the mentions' spans / the document's code
  points; ``direct_quote_share``: attribution mentions with form direct_quote / those with a
  form;
- flags: ``no_sources``, ``single_source``, ``anonymous_only``, ``single_type_dominates``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from operator import methodcaller
from typing import Any

import numpy as np

from ..agreement.kernels import merge_intervals
from .config import LedgerConfig
from .keys import containers_of, merge_within, resolve_alias, source_key

# The per-unit figures that are shares or indices (null where undefined), in the order the
# interface lists them; ``COUNTS`` are whole numbers, always defined.
SHARES = ("anonymous_share", "official_share", "simpson", "shannon", "evenness",
          "attributed_share", "direct_quote_share")
COUNTS = ("mentions", "sources", "named_sources", "unnamed_sources", "untyped_sources")
FLAGS = ("no_sources", "single_source", "anonymous_only", "single_type_dominates")


def _i64(values: Any) -> np.ndarray:
    return np.asarray(values, dtype=np.int64)


@dataclass
class SpanTable:
    """The spans of many units, as flat arrays (one entry per span)."""

    unit: np.ndarray  # which unit (ledger)
    paragraph: np.ndarray
    start: np.ndarray  # offsets into the paragraph
    end: np.ndarray
    offset: np.ndarray  # the paragraph's start on its document's axis (paragraphs end to end)
    labels: list[str]
    attributes: list[dict]
    ids: np.ndarray  # span ids (-1: none)
    unit_chars: np.ndarray  # (U,) the code points of each unit's document

    @property
    def n_units(self) -> int:
        return len(self.unit_chars)

    @classmethod
    def from_spans(cls, units: Sequence[Sequence[Mapping[str, Any]]],
                   paragraph_lengths: Sequence[Sequence[int]]) -> SpanTable:
        """From plain spans (``{"paragraph", "start", "end", "label", "attributes"}``, ``id``
        optional), a list per unit, and each unit's paragraph lengths."""
        unit, par, start, end, offset, labels, attrs, ids = ([] for _ in range(8))
        for u, (spans, lengths) in enumerate(zip(units, paragraph_lengths, strict=True)):
            before = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
            for s in spans:
                unit.append(u)
                par.append(s["paragraph"])
                start.append(s["start"])
                end.append(s["end"])
                offset.append(int(before[s["paragraph"]]))
                labels.append(s["label"])
                attrs.append(s.get("attributes") or {})
                ids.append(s.get("id", -1))
        return cls(_i64(unit), _i64(par), _i64(start), _i64(end), _i64(offset), labels, attrs,
                   _i64(ids), _i64([sum(lengths) for lengths in paragraph_lengths]))


class _Codes:
    """Values coded by a fixed order (``order``), values outside it after them (sorted); None,
    "" and anything not text are -1."""

    def __init__(self, order: Sequence[str] = ()):
        self.values = list(order)
        self.index = {v: i for i, v in enumerate(self.values)}

    def code(self, values: Sequence[Any]) -> np.ndarray:
        try:
            seen = set(values)
        except TypeError:  # a list or an object where a choice should be: by value
            seen = None
        if seen is None:
            return self._code_slowly(values)
        for v in sorted((v for v in seen if isinstance(v, str) and v), key=str):
            if v not in self.index:
                self.index[v] = len(self.values)
                self.values.append(v)
        lookup = dict(self.index)
        for v in seen:
            if not (isinstance(v, str) and v):
                lookup[v] = -1
        return np.fromiter(map(lookup.__getitem__, values), dtype=np.int64, count=len(values))

    def _code_slowly(self, values: Sequence[Any]) -> np.ndarray:
        out = np.empty(len(values), dtype=np.int64)
        for i, v in enumerate(values):
            if v is None or v == "" or not isinstance(v, str):
                out[i] = -1
                continue
            c = self.index.get(v)
            if c is None:
                c = self.index[v] = len(self.values)
                self.values.append(v)
            out[i] = c
        return out

    def __len__(self) -> int:
        return len(self.values)


def _count_matrix(row: np.ndarray, code: np.ndarray, n_rows: int, n_codes: int) -> np.ndarray:
    """(n_rows, n_codes) counts of the coded values (code -1 left out) per row."""
    ok = code >= 0
    return np.bincount(row[ok] * n_codes + code[ok],
                       minlength=n_rows * n_codes).reshape(n_rows, n_codes) if n_codes \
        else np.zeros((n_rows, 0), dtype=np.int64)


def _union_length(key: np.ndarray, start: np.ndarray, end: np.ndarray, n: int) -> np.ndarray:
    """(n,) the code points in the union of the intervals of each key."""
    k, s, e = merge_intervals(start, end, key)
    return np.bincount(k, weights=e - s, minlength=n).astype(np.int64)


@dataclass
class Ledgers:
    """The ledgers of ``n_units`` units: per unit, per source, per mention."""

    config: LedgerConfig
    n_units: int
    figures: dict[str, np.ndarray]  # SHARES (float, nan undefined) and COUNTS (int)
    type_names: list[str]
    type_counts: np.ndarray  # (U, T) sources per type
    stance_names: list[str]
    stance_counts: np.ndarray  # (U, St) expert mentions per stance
    kind_names: list[str]
    kind_counts: np.ndarray  # (U, K) disclaimers per kind
    flags: np.ndarray  # (U, len(FLAGS)) bool
    # sources, ordered by unit, then as the rows are (mentions, attributed code points, key)
    src_unit: np.ndarray = field(default_factory=lambda: _i64([]))
    src_key: list[str] = field(default_factory=list)
    src_name: list[str] = field(default_factory=list)
    src_type: np.ndarray = field(default_factory=lambda: _i64([]))  # -1: none
    src_named: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    src_mentions: np.ndarray = field(default_factory=lambda: _i64([]))
    src_chars: np.ndarray = field(default_factory=lambda: _i64([]))
    src_first_paragraph: np.ndarray = field(default_factory=lambda: _i64([]))
    form_names: list[str] = field(default_factory=list)
    src_forms: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.int64))
    channel_names: list[str] = field(default_factory=list)
    src_channels: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.int64))
    unit_attributed: np.ndarray = field(default_factory=lambda: _i64([]))  # union per unit
    unit_first_source: np.ndarray = field(default_factory=lambda: _i64([]))  # (U + 1,)
    # mentions, by source (src) and where they lie
    mention_src: np.ndarray = field(default_factory=lambda: _i64([]))
    mention_places: np.ndarray = field(default_factory=lambda: np.zeros((0, 4), np.int64))

    def value(self, name: str, u: int) -> float | int | None:
        x = self.figures[name][u]
        if name in COUNTS:
            return int(x)
        return None if not np.isfinite(x) else float(x)

    def sources_of(self, u: int) -> range:
        return range(int(self.unit_first_source[u]), int(self.unit_first_source[u + 1]))

    def rows(self, u: int, places: bool = True) -> list[dict]:
        """The unit's per-source rows, in order."""
        out = []
        attributed = int(self.unit_attributed[u])
        mentions_by_src: dict[int, list[dict]] = {}
        if places:
            span = self.sources_of(u)
            sel = np.flatnonzero((self.mention_src >= span.start)
                                 & (self.mention_src < span.stop))
            for i in sel.tolist():
                p, s, e, span_id = self.mention_places[i].tolist()
                place = {"paragraph": p, "start": s, "end": e}
                if span_id >= 0:
                    place["id"] = span_id
                mentions_by_src.setdefault(int(self.mention_src[i]), []).append(place)
        for s in self.sources_of(u):
            t = int(self.src_type[s])
            row = {
                "key": self.src_key[s],
                "name": self.src_name[s],
                "type": self.type_names[t] if t >= 0 else None,
                "named": bool(self.src_named[s]),
                "mentions": int(self.src_mentions[s]),
                "forms": {self.form_names[j]: int(c)
                          for j, c in enumerate(self.src_forms[s].tolist()) if c},
                "channels": {self.channel_names[j]: int(c)
                             for j, c in enumerate(self.src_channels[s].tolist()) if c},
                "first_paragraph": int(self.src_first_paragraph[s]),
                "attributed_chars": int(self.src_chars[s]),
                "attributed_share": int(self.src_chars[s]) / attributed if attributed else None,
            }
            if places:
                row["spans"] = sorted(mentions_by_src.get(s, []),
                                      key=lambda p: (p["paragraph"], p["start"], p["end"]))
            out.append(row)
        return out

    def document(self, u: int, places: bool = True) -> dict:
        """One unit's ledger, as ``GET /api/documents/ID/ledger`` gives it (without the
        ``document`` and ``spans`` keys, which the caller knows)."""
        result: dict[str, Any] = {name: self.value(name, u) for name in
                                  ("mentions", "sources", "named_sources", "unnamed_sources",
                                   "anonymous_share", "official_share")}
        result["untyped_sources"] = self.value("untyped_sources", u)
        result["type_counts"] = {self.type_names[t]: int(c)
                                 for t, c in enumerate(self.type_counts[u].tolist()) if c}
        for name in ("simpson", "shannon", "evenness", "attributed_share",
                     "direct_quote_share"):
            result[name] = self.value(name, u)
        result["stance"] = {name: int(c) for name, c in
                            zip(self.stance_names, self.stance_counts[u].tolist(), strict=True)}
        result["disclaimers"] = {name: int(c) for name, c in
                                 zip(self.kind_names, self.kind_counts[u].tolist(), strict=True)
                                 if c}
        result["flags"] = [name for name, on in
                           zip(FLAGS, self.flags[u].tolist(), strict=True) if on]
        result["rows"] = self.rows(u, places)
        return result


def _attribute(attributes: list[dict], key: str | None) -> list[Any]:
    if not key:
        return [None] * len(attributes)
    return list(map(methodcaller("get", key), attributes))


def compute(table: SpanTable, config: LedgerConfig,
            aliases: Mapping[str, str] | None = None) -> Ledgers:
    """Every unit's ledger (see the module's docstring)."""
    aliases = aliases or {}
    n_units = table.n_units
    labels = np.array(table.labels, dtype=object) if table.labels else np.zeros(0, object)
    attrs = table.attributes
    types = _Codes(config.type_order)
    forms, channels = _Codes(config.form_choices), _Codes(config.channel_choices)
    stances, kinds = _Codes(config.stance_choices), _Codes(config.kind_choices)

    # --- the mentions, kind by kind (attribution, expert), then laid end to end
    parts: dict[str, list] = {k: [] for k in ("index", "name", "type", "named", "form",
                                              "channel", "stance", "is_attr")}
    for kind in config.mention_kinds:
        idx = np.flatnonzero(labels == kind.label) if labels.size else _i64([])
        a = [attrs[i] for i in idx.tolist()]
        names = [n.strip() if isinstance(n, str) else "" for n in _attribute(a, kind.name)]
        type_values = [kind.type_value] * len(a) if kind.type_value \
            else _attribute(a, kind.type)
        type_code = types.code(type_values)
        has_name = np.array([bool(n) for n in names], dtype=bool)
        is_attr = kind is config.attribution
        if is_attr:
            # "named" as stored; where it is empty, a name of a type other than anonymous
            named_code = _Codes((config.named_value,)).code(_attribute(a, kind.named))
            anonymous = types.index.get(config.anonymous, -2)
            named = np.where(named_code >= 0, named_code == 0,
                             has_name & (type_code != anonymous))
        else:
            named = has_name
        parts["index"].append(idx)
        parts["name"].extend(names)
        parts["type"].append(type_code)
        parts["named"].append(named)
        parts["form"].append(forms.code(_attribute(a, kind.form)) if is_attr
                             else np.full(len(a), -1, np.int64))
        parts["channel"].append(channels.code(_attribute(a, kind.channel)) if is_attr
                                else np.full(len(a), -1, np.int64))
        parts["stance"].append(stances.code(_attribute(a, kind.stance)) if not is_attr
                               else np.full(len(a), -1, np.int64))
        parts["is_attr"].append(np.full(len(a), is_attr, dtype=bool))

    def joined(name: str, dtype) -> np.ndarray:
        return np.concatenate(parts[name]).astype(dtype) if parts[name] else np.zeros(0, dtype)

    m_idx = joined("index", np.int64)
    m_names: list[str] = parts["name"]
    m_type, m_named = joined("type", np.int64), joined("named", bool)
    m_form, m_channel = joined("form", np.int64), joined("channel", np.int64)
    m_stance, m_is_attr = joined("stance", np.int64), joined("is_attr", bool)
    m_unit = table.unit[m_idx]
    m_par, m_start, m_end = table.paragraph[m_idx], table.start[m_idx], table.end[m_idx]
    m_pos = table.offset[m_idx] + m_start
    m_pos_end = table.offset[m_idx] + m_end
    n_m = m_idx.size

    # --- source keys: aliases first, then merging within each unit. Names repeat: each
    # distinct name is keyed once; only the units holding a key that lies in a longer key
    # (``containers``) are looked at one by one.
    key_of = {n: resolve_alias(source_key(n), aliases) for n in set(m_names) if n}
    key_of[""] = ""
    distinct = sorted(set(key_of.values()) - {""})
    key_code = {k: i for i, k in enumerate(distinct)}
    n_keys = len(distinct)
    code_of = {n: key_code[k] if k else -1 for n, k in key_of.items()}
    m_code = np.fromiter(map(code_of.__getitem__, m_names), dtype=np.int64, count=n_m)
    containers = containers_of(distinct)
    if containers:
        inside = np.zeros(n_keys, dtype=bool)
        inside[[key_code[k] for k in containers]] = True
        named = m_code >= 0
        pairs = np.unique(m_unit[named] * max(n_keys, 1) + m_code[named])
        pair_unit, pair_code = pairs // max(n_keys, 1), pairs % max(n_keys, 1)
        starts = np.searchsorted(pair_unit, np.unique(pair_unit[inside[pair_code]]))
        ends = np.searchsorted(pair_unit, pair_unit[starts], side="right")
        remap = {}  # (unit, code) -> code
        for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
            u = int(pair_unit[a])
            merged = merge_within([distinct[c] for c in pair_code[a:b].tolist()], containers)
            for key, target in merged.items():
                if key != target:
                    remap[u * n_keys + key_code[key]] = key_code[target]
        if remap:
            flat = m_unit * max(n_keys, 1) + m_code
            moved = named & np.isin(flat, np.fromiter(remap, np.int64, len(remap)))
            m_code[moved] = [remap[x] for x in flat[moved].tolist()]
    # a source: (unit, key); a mention without a name is a source of its own
    code = np.where(m_code >= 0, m_code, n_keys + np.arange(n_m))
    composite = m_unit * (n_keys + n_m + 1) + code
    uniq, m_src = np.unique(composite, return_inverse=True) if n_m else (_i64([]), _i64([]))
    m_src = m_src.reshape(-1)
    n_src = uniq.size
    src_unit = uniq // (n_keys + n_m + 1) if n_src else _i64([])
    src_code = uniq % (n_keys + n_m + 1) if n_src else _i64([])

    # --- per source
    n_types = len(types)
    src_mentions = np.bincount(m_src, minlength=n_src)
    type_matrix = _count_matrix(m_src, m_type, n_src, n_types)
    src_type = np.where(type_matrix.sum(axis=1) > 0, type_matrix.argmax(axis=1), -1) \
        if n_types else np.full(n_src, -1, np.int64)
    src_named = np.bincount(m_src, weights=m_named, minlength=n_src) > 0
    src_chars = _union_length(m_src, m_pos, m_pos_end, n_src)
    src_first_par = np.full(n_src, np.iinfo(np.int64).max, np.int64)
    np.minimum.at(src_first_par, m_src, m_par)
    src_forms = _count_matrix(m_src, m_form, n_src, len(forms))
    src_channels = _count_matrix(m_src, m_channel, n_src, len(channels))
    # the name: the longest surface form, the first in the text on a tie
    name_len = np.fromiter(map(len, m_names), dtype=np.int64, count=n_m)
    order = np.lexsort((m_idx, m_end, m_pos, -name_len, m_src))
    first = np.ones(n_m, dtype=bool)
    first[1:] = m_src[order][1:] != m_src[order][:-1]
    src_name = [m_names[i] for i in order[first].tolist()]
    src_key = [distinct[c] if c < n_keys else "" for c in src_code.tolist()]

    # --- per unit
    figures: dict[str, np.ndarray] = {}
    mentions = np.bincount(m_unit, minlength=n_units)
    sources = np.bincount(src_unit, minlength=n_units)
    named = np.bincount(src_unit, weights=src_named, minlength=n_units).astype(np.int64)
    type_counts = _count_matrix(src_unit, src_type, n_units, n_types)
    figures["mentions"], figures["sources"] = mentions, sources
    figures["untyped_sources"] = sources - type_counts.sum(axis=1)
    figures["named_sources"], figures["unnamed_sources"] = named, sources - named
    with np.errstate(divide="ignore", invalid="ignore"):
        total = np.where(sources > 0, sources, np.nan).astype(np.float64)
        figures["anonymous_share"] = (sources - named) / total
        official = types.index.get(config.official)
        figures["official_share"] = (type_counts[:, official] if official is not None
                                     else np.zeros(n_units)) / total
        p = type_counts / total[:, None]
        present = (type_counts > 0).sum(axis=1)
        # over the types present: undefined (not 1 and 0) when no source has a type
        figures["simpson"] = np.where(present > 0, 1.0 - (p ** 2).sum(axis=1), np.nan)
        logs = np.where(type_counts > 0, np.log(np.where(p > 0, p, 1.0)), 0.0)
        shannon = -(np.where(type_counts > 0, p, 0.0) * logs).sum(axis=1)
        figures["shannon"] = np.where(present > 0, shannon, np.nan)
        figures["evenness"] = np.where(present >= 2, shannon / np.log(np.maximum(present, 2)),
                                       np.nan)
        unit_attributed = _union_length(m_unit, m_pos, m_pos_end, n_units)
        chars = table.unit_chars.astype(np.float64)
        figures["attributed_share"] = np.where(
            (sources > 0) & (chars > 0), unit_attributed / np.where(chars > 0, chars, 1.0),
            np.nan)
        dq = forms.index.get(config.direct_quote)
        with_form = np.bincount(m_unit, weights=m_is_attr & (m_form >= 0), minlength=n_units)
        direct = np.bincount(m_unit, weights=m_is_attr & (m_form == (-2 if dq is None else dq)),
                             minlength=n_units)
        figures["direct_quote_share"] = np.where(with_form > 0, direct / np.maximum(with_form, 1),
                                                 np.nan)
    # the stance of expert mentions; disclaimers by kind
    stance_counts = _count_matrix(m_unit, m_stance, n_units, len(stances))
    if config.disclaimer_label and labels.size:
        d_idx = np.flatnonzero(labels == config.disclaimer_label)
        d_kind = kinds.code(_attribute([attrs[i] for i in d_idx.tolist()],
                                       config.disclaimer_kind))
        kind_counts = _count_matrix(table.unit[d_idx], d_kind, n_units, len(kinds))
    else:
        kind_counts = np.zeros((n_units, len(kinds)), np.int64)
    flags = np.stack([
        sources == 0,
        sources == 1,
        (sources > 0) & (named == 0),
        (sources >= 3) & (type_counts.max(axis=1, initial=0) * 2 > sources),
    ], axis=1) if n_units else np.zeros((0, len(FLAGS)), bool)

    # --- sources in row order: unit, mentions (desc), attributed code points (desc), key
    # (keys are coded in their sorted order; "" sorts first); sources still tied (without
    # names) by their first mention in the text
    key_rank = np.where(src_code < n_keys, src_code + 1, 0)
    in_text = np.lexsort((m_idx, m_end, m_pos, m_src))
    first_in_text = np.ones(n_m, dtype=bool)
    first_in_text[1:] = m_src[in_text][1:] != m_src[in_text][:-1]
    lead = in_text[first_in_text]  # each source's first mention
    order = np.lexsort((m_idx[lead], m_end[lead], m_pos[lead], key_rank, -src_chars,
                        -src_mentions, src_unit))
    rank = np.empty(n_src, dtype=np.int64)
    rank[order] = np.arange(n_src)
    first_source = np.searchsorted(src_unit[order], np.arange(n_units + 1), side="left") \
        if n_src else np.zeros(n_units + 1, np.int64)
    places = np.stack([m_par, m_start, m_end, table.ids[m_idx]], axis=1) if n_m \
        else np.zeros((0, 4), np.int64)
    return Ledgers(
        config=config, n_units=n_units, figures=figures, type_names=types.values,
        type_counts=type_counts, stance_names=stances.values, stance_counts=stance_counts,
        kind_names=kinds.values, kind_counts=kind_counts, flags=flags,
        src_unit=src_unit[order], src_key=[src_key[i] for i in order.tolist()],
        src_name=[src_name[i] for i in order.tolist()], src_type=src_type[order],
        src_named=src_named[order], src_mentions=src_mentions[order],
        src_chars=src_chars[order], src_first_paragraph=src_first_par[order],
        form_names=forms.values, src_forms=src_forms[order],
        channel_names=channels.values, src_channels=src_channels[order],
        unit_attributed=unit_attributed, unit_first_source=first_source,
        mention_src=rank[m_src] if n_m else _i64([]), mention_places=places,
    )
