"""Which labels and attributes the ledger reads (INTERFACE.md, "Source ledger": mentions).

The default codebook needs nothing: attribution spans (name ``source``, type ``source_type``,
``named``, ``channel``, ``form``), expert-opinion spans (name ``expert``, type always
``expert``, ``stance``, ``affiliation_type``, ``affiliation_country``) and disclaimer spans
(``kind``). A codebook may say otherwise in an optional ``"ledger"`` object, any part of which
replaces the default's::

    "ledger": {
      "attribution": {"label": "quote", "name": "speaker", "type": "speaker_type",
                      "named": "named", "channel": "channel", "form": "form"},
      "expert": {"label": "expert-opinion", "name": "expert", "type_value": "expert",
                 "stance": "stance", "affiliation_type": "affiliation_type",
                 "affiliation_country": "affiliation_country"},
      "disclaimer": {"label": "disclaimer", "kind": "kind"},
      "values": {"official": "official", "anonymous": "anonymous", "named": "named",
                 "direct_quote": "direct_quote"}
    }

A part set to ``null`` switches that kind of span off. What the codebook lacks is reported
(``LedgerConfig.missing``), so that a page can say it instead of drawing empty charts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..errors import Invalid

DEFAULTS: dict[str, Any] = {
    "attribution": {"label": "attribution", "name": "source", "type": "source_type",
                    "named": "named", "channel": "channel", "form": "form"},
    "expert": {"label": "expert-opinion", "name": "expert", "type_value": "expert",
               "stance": "stance", "affiliation_type": "affiliation_type",
               "affiliation_country": "affiliation_country"},
    "disclaimer": {"label": "disclaimer", "kind": "kind"},
    "values": {"official": "official", "anonymous": "anonymous", "named": "named",
               "direct_quote": "direct_quote"},
}
# The attributes each part may name (besides "label"), and the values.
PART_FIELDS = {
    "attribution": ("name", "type", "named", "channel", "form"),
    "expert": ("name", "type_value", "stance", "affiliation_type", "affiliation_country"),
    "disclaimer": ("kind",),
}
VALUE_FIELDS = ("official", "anonymous", "named", "direct_quote")


@dataclass(frozen=True)
class MentionKind:
    """A label whose spans are mentions of a source, and the attributes that say what."""

    label: str
    name: str | None = None  # attribute holding the name
    type: str | None = None  # attribute holding the type ...
    type_value: str | None = None  # ... or one type for every span of the label
    named: str | None = None
    channel: str | None = None
    form: str | None = None
    stance: str | None = None
    affiliation_type: str | None = None
    affiliation_country: str | None = None


@dataclass(frozen=True)
class LedgerConfig:
    attribution: MentionKind | None
    expert: MentionKind | None
    disclaimer_label: str | None
    disclaimer_kind: str | None
    official: str
    anonymous: str
    named_value: str
    direct_quote: str
    type_order: tuple[str, ...]  # the codebook's order of the types (ties go to the first)
    form_choices: tuple[str, ...] = ()
    channel_choices: tuple[str, ...] = ()
    stance_choices: tuple[str, ...] = ()
    kind_choices: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()  # what the codebook lacks, one sentence each
    notes: tuple[str, ...] = field(default=())  # what is absent but not needed

    @property
    def usable(self) -> bool:
        """Whether there is anything to count: a mention label with a name attribute."""
        return not self.missing

    @property
    def mention_kinds(self) -> tuple[MentionKind, ...]:
        return tuple(k for k in (self.attribution, self.expert) if k is not None)

    @property
    def labels(self) -> tuple[str, ...]:
        """Every label the ledger reads."""
        found = [k.label for k in self.mention_kinds]
        if self.disclaimer_label:
            found.append(self.disclaimer_label)
        return tuple(found)


def _parts(codebook_json: dict[str, Any]) -> dict[str, Any]:
    """The default's parts, each replaced by the codebook's where it gives one."""
    given = codebook_json.get("ledger") or {}
    parts: dict[str, Any] = {}
    for name, default in DEFAULTS.items():
        if name not in given:
            parts[name] = dict(default)
        elif given[name] is None:
            parts[name] = None
        elif name == "values":
            parts[name] = {**default, **given[name]}
        else:
            parts[name] = dict(given[name])
    return parts


def validate_ledger(value: Any, labels: dict[str, dict]) -> dict[str, Any]:
    """The codebook's ``"ledger"`` object checked: known parts and fields, and the labels and
    attributes it names exist (with the right types). Raises Invalid naming the fault."""
    def fail(message: str) -> None:
        raise Invalid(f"Codebook: ledger: {message}", "ledger")

    if not isinstance(value, dict):
        fail("it must be an object.")
    unknown = set(value) - set(DEFAULTS)
    if unknown:
        fail(f"unknown part {sorted(unknown)[0]!r}; use {', '.join(DEFAULTS)}.")
    clean: dict[str, Any] = {}
    for part, fields in PART_FIELDS.items():
        if part not in value:
            continue
        item = value[part]
        if item is None:
            clean[part] = None
            continue
        if not isinstance(item, dict):
            fail(f"{part} must be an object or null.")
        extra = set(item) - {"label", *fields}
        if extra:
            fail(f"{part} has an unknown field {sorted(extra)[0]!r}.")
        label_key = item.get("label")
        if not isinstance(label_key, str) or label_key not in labels:
            fail(f"{part} names the label {json.dumps(label_key, ensure_ascii=False)}, which "
                 f"the codebook does not have.")
        attributes = {a["key"]: a for a in labels[label_key]["attributes"]}
        for name in fields:
            if name not in item or item[name] is None:
                continue
            if not isinstance(item[name], str) or not item[name]:
                fail(f"{part}.{name} must be a key (text) or null.")
            if name == "type_value":
                continue
            attribute = attributes.get(item[name])
            if attribute is None:
                fail(f"{part}.{name}: label '{label_key}' has no attribute '{item[name]}'.")
            wanted = ("text",) if name == "name" else ("choice",)
            if attribute["type"] not in wanted:
                fail(f"{part}.{name}: attribute '{item[name]}' must be of type "
                     f"{' or '.join(wanted)}.")
        clean[part] = {k: v for k, v in item.items()}
    if "values" in value:
        values = value["values"]
        if not isinstance(values, dict) or set(values) - set(VALUE_FIELDS) \
                or not all(isinstance(v, str) and v for v in values.values()):
            fail(f"values must map some of {', '.join(VALUE_FIELDS)} to choices.")
        clean["values"] = dict(values)
    return clean


def ledger_config(codebook_json: dict[str, Any]) -> LedgerConfig:
    """The ledger's reading of a (validated) codebook."""
    labels = {item["key"]: item for item in codebook_json.get("labels", [])}
    parts = _parts(codebook_json)
    missing: list[str] = []
    notes: list[str] = []

    def attributes_of(label_key: str) -> dict[str, dict]:
        return {a["key"]: a for a in labels[label_key]["attributes"]}

    def kind(part: str) -> MentionKind | None:
        spec = parts.get(part)
        if spec is None:
            return None
        label_key = spec.get("label")
        if label_key not in labels:
            notes.append(f"The codebook has no label '{label_key}' "
                         f"({'attributions' if part == 'attribution' else 'expert opinions'}).")
            return None
        attrs = attributes_of(label_key)
        found = {}
        for name in PART_FIELDS[part]:
            key = spec.get(name)
            if name == "type_value" or (key and key in attrs):
                found[name] = key
            elif key:
                notes.append(f"Label '{label_key}' has no attribute '{key}' ({name}).")
        return MentionKind(label=label_key, **found)

    attribution, expert = kind("attribution"), kind("expert")
    mention_kinds = [k for k in (attribution, expert) if k is not None]
    if not mention_kinds:
        missing.append("No label marks a source: the ledger counts the spans of an "
                       "'attribution' label (or an 'expert-opinion' label), or of the labels a "
                       "\"ledger\" object in the codebook names.")
    elif not any(k.name for k in mention_kinds):
        missing.append("No attribute holds the source's name (the attribution label's "
                       "'source', the expert-opinion label's 'expert', or what the codebook's "
                       "\"ledger\" object names): without names, sources cannot be told apart.")
    if mention_kinds and not any(k.type or k.type_value for k in mention_kinds):
        missing.append("No attribute holds the source's type (the attribution label's "
                       "'source_type'): shares of official and anonymous sources and the "
                       "diversity of types need it.")
    disclaimer = parts.get("disclaimer")
    disclaimer_label = disclaimer_kind = None
    if disclaimer is not None:
        if disclaimer.get("label") in labels:
            disclaimer_label = disclaimer["label"]
            kind_key = disclaimer.get("kind")
            if kind_key in attributes_of(disclaimer_label):
                disclaimer_kind = kind_key
        else:
            notes.append(f"The codebook has no label '{disclaimer.get('label')}' "
                         f"(disclaimers).")

    def choices(label_key: str | None, attr: str | None) -> tuple[str, ...]:
        if not label_key or not attr:
            return ()
        return tuple(attributes_of(label_key).get(attr, {}).get("choices", ()))

    type_order: list[str] = []
    for k in mention_kinds:
        for value in (*choices(k.label, k.type), *((k.type_value,) if k.type_value else ())):
            if value not in type_order:
                type_order.append(value)
    values = parts.get("values") or DEFAULTS["values"]
    return LedgerConfig(
        attribution=attribution, expert=expert,
        disclaimer_label=disclaimer_label, disclaimer_kind=disclaimer_kind,
        official=values["official"], anonymous=values["anonymous"],
        named_value=values["named"], direct_quote=values["direct_quote"],
        type_order=tuple(type_order),
        form_choices=choices(attribution.label, attribution.form) if attribution else (),
        channel_choices=choices(attribution.label, attribution.channel) if attribution else (),
        stance_choices=choices(expert.label, expert.stance) if expert else (),
        kind_choices=choices(disclaimer_label, disclaimer_kind),
        missing=tuple(missing), notes=tuple(notes),
    )
