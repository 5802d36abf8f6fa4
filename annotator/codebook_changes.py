"""Changing the codebook of a project that has spans: what the stored spans use, what a new
codebook would take away from them, and renaming keys in the spans.

The rule (docs/additions.md, "Project settings"): names, colours, descriptions, examples and
hotkeys change freely; a label, an attribute or a choice that stored spans (reviewers' and
gold) use cannot be removed. A key change is a removal and an addition, unless the change
names it as a rename (``Renames``): then the stored spans are renamed with the codebook, in
the same transaction.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update

from .codebook import Codebook, Label
from .colours import colour_problems
from .errors import Conflict, Invalid
from .extensions import db
from .models import (
    Annotation,
    Document,
    DocumentReview,
    GoldAnswer,
    GoldRejection,
    GoldSpan,
    Project,
)

KINDS = ((Annotation, "spans"), (GoldSpan, "gold"))  # stored spans, and the count's name
RENAME_BATCH = 500  # spans rewritten per UPDATE when attribute keys or choices are renamed


# --- what the stored spans use ----------------------------------------------------------------

def span_groups(project: Project) -> Iterator[tuple[str, str, dict, int]]:
    """``(kind, label, attributes, count)`` for the project's stored spans, grouped by label and
    attribute values (a few rows even for many spans); kind is "spans" (reviewers') or "gold"."""
    for model, kind in KINDS:
        for label, attributes, count in db.session.execute(
            select(model.label, model.attributes, func.count())
            .join(Document, Document.id == model.document_id)
            .where(Document.project_id == project.id)
            .group_by(model.label, model.attributes)
        ):
            yield kind, label, attributes or {}, count


def _counts() -> dict[str, int]:
    return {"spans": 0, "gold": 0}


def _values(value: Any) -> list:
    """The choices a stored value holds: the items of a list (``multi``), else the value."""
    return list(value) if isinstance(value, list) else [value]


def _hashable(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool) or value is None \
        else json.dumps(value, ensure_ascii=False, sort_keys=True)


def codebook_usage(project: Project) -> dict[str, dict]:
    """How many stored spans use each label, attribute and value: per label key
    ``{"spans", "gold", "attributes": {key: {"spans", "gold", "values": {value: {"spans",
    "gold"}}}}}`` (a ``multi`` value counts once per choice it holds)."""
    usage: dict[str, dict] = {}
    for kind, label, attributes, count in span_groups(project):
        entry = usage.setdefault(label, {**_counts(), "attributes": {}})
        entry[kind] += count
        for key, value in attributes.items():
            attribute = entry["attributes"].setdefault(key, {**_counts(), "values": {}})
            attribute[kind] += count
            for item in {_hashable(v) for v in _values(value)}:
                attribute["values"].setdefault(item, _counts())[kind] += count
    return usage


def _spans(counts: dict[str, int]) -> str:
    """"42 spans (35 reviewers', 7 gold)"."""
    total = counts["spans"] + counts["gold"]
    parts = []
    if counts["spans"]:
        parts.append(f"{counts['spans']} " + ("reviewer's" if counts["spans"] == 1
                                              else "reviewers'"))
    if counts["gold"]:
        parts.append(f"{counts['gold']} gold")
    return f"{total} span{'' if total == 1 else 's'} ({', '.join(parts)})"


def label_in_use(label: str, counts: dict[str, int]) -> str:
    return f"label '{label}' is used by {_spans(counts)}; it cannot be removed"


def attribute_in_use(label: str, key: str, counts: dict[str, int]) -> str:
    return f"attribute '{key}' of label '{label}' is set on {_spans(counts)}; it cannot be removed"


def choice_in_use(label: str, key: str, value: Any, counts: dict[str, int]) -> str:
    return (f"the choice {json.dumps(value, ensure_ascii=False)} of attribute '{key}' (label "
            f"'{label}') is set on {_spans(counts)}; it cannot be removed")


def value_unfit(label: str, key: str, value: Any, counts: dict[str, int]) -> str:
    return (f"the value {json.dumps(value, ensure_ascii=False)} of attribute '{key}' (label "
            f"'{label}') is set on {_spans(counts)}; the attribute's new type does not take it")


def removal_refusals(project: Project) -> dict[str, Any]:
    """For the settings page: per label in use, the counts and the sentence that refuses its
    removal, and the same for its attributes and their choices (what ``codebook_orphans``
    would say), so the page can tell before saving."""
    codebook = Codebook.from_json(project.codebook)
    result: dict[str, Any] = {}
    for label_key, entry in codebook_usage(project).items():
        label = codebook.labels.get(label_key)
        item = {"spans": entry["spans"], "gold": entry["gold"],
                "message": label_in_use(label_key, entry), "attributes": {}}
        for key, attr in entry["attributes"].items():
            attribute = label.attributes.get(key) if label else None
            choices = {}
            if attribute is not None and attribute.type in ("choice", "multi"):
                choices = {value: {**counts, "message": choice_in_use(label_key, key, value,
                                                                      counts)}
                           for value, counts in attr["values"].items()
                           if value in attribute.choices}
            item["attributes"][key] = {"spans": attr["spans"], "gold": attr["gold"],
                                       "message": attribute_in_use(label_key, key, attr),
                                       "choices": choices}
        result[label_key] = item
    return result


# --- renames ------------------------------------------------------------------------------------

@dataclass
class Renames:
    """Keys renamed by a codebook change, each named by its OLD keys: ``labels`` old → new,
    ``attributes`` (old label, old key) → new key, ``choices`` (old label, old attribute key,
    old choice) → new choice."""

    labels: dict[str, str] = field(default_factory=dict)
    attributes: dict[tuple[str, str], str] = field(default_factory=dict)
    choices: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.labels or self.attributes or self.choices)

    def label(self, label: str) -> str:
        return self.labels.get(label, label)

    def attribute(self, label: str, key: str) -> str:
        return self.attributes.get((label, key), key)

    def span(self, label: str, attributes: dict) -> tuple[str, dict]:
        """A stored span's label and attributes as they read after the renames."""
        renamed = {}
        for key, value in attributes.items():
            def choice(v: Any, key: str = key) -> Any:
                return self.choices.get((label, key, v), v) if isinstance(v, str) else v
            renamed[self.attribute(label, key)] = (
                [choice(v) for v in value] if isinstance(value, list) else choice(value))
        return self.label(label), renamed


def _bad(message: str) -> None:
    raise Invalid(f"Renames: {message}", "codebook_renames")


def _mapping(value: Any, where: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        _bad(f"{where} must be an object.")
    return value


def _rename_pair(old: Any, new: Any, kind: str, old_keys: Any, new_keys: Any) -> None:
    if not isinstance(new, str):
        _bad(f"the new {kind} of {old!r} must be text.")
    if old not in old_keys:
        _bad(f"there is no {kind} {old!r} to rename.")
    if old == new:
        return
    if old in new_keys:
        _bad(f"the {kind} {old!r} is renamed to {new!r} but also kept.")
    if new not in new_keys:
        _bad(f"the {kind} {old!r} is renamed to {new!r}, which the new codebook lacks.")
    if new in old_keys:
        _bad(f"the {kind} {old!r} cannot take the name {new!r}: it is in use already.")


def _both_labels(label: str, old: Codebook, new: Codebook, renames: Renames
                 ) -> tuple[Label, Label]:
    """A label of the old codebook and what it is in the new one (renamed or not)."""
    old_label = old.labels.get(label)
    if old_label is None:
        _bad(f"there is no label {label!r} to rename in.")
    new_label = new.labels.get(renames.label(label))
    if new_label is None:
        _bad(f"the label {label!r} is not in the new codebook.")
    return old_label, new_label


def parse_renames(data: Any, old: Codebook, new: Codebook) -> Renames:
    """Check renames against the old and new codebook; raise Invalid naming the fault.

    ``data`` is ``{"labels": {OLD: NEW}, "attributes": {OLD_LABEL: {OLD: NEW}}, "choices":
    {OLD_LABEL: {OLD_ATTRIBUTE: {OLD: NEW}}}}`` (every key the old one). A new key must be in
    the new codebook and not in the old one, the old key in the old codebook only.
    """
    data = _mapping(data, "the renames")
    unknown = set(data) - {"labels", "attributes", "choices"}
    if unknown:
        _bad(f"unknown key {sorted(unknown)[0]!r}.")
    renames = Renames()
    targets: set = set()
    for old_key, new_key in _mapping(data.get("labels"), "labels").items():
        _rename_pair(old_key, new_key, "label", old.labels, new.labels)
        if old_key != new_key:
            if new_key in targets:
                _bad(f"two labels are renamed to {new_key!r}.")
            targets.add(new_key)
            renames.labels[old_key] = new_key
    for label, keys in _mapping(data.get("attributes"), "attributes").items():
        old_label, new_label = _both_labels(label, old, new, renames)
        targets = set()
        for old_key, new_key in _mapping(keys, f"the attributes of {label!r}").items():
            _rename_pair(old_key, new_key, f"attribute of label {label!r}",
                         old_label.attributes, new_label.attributes)
            if old_key != new_key:
                if new_key in targets:
                    _bad(f"two attributes of label {label!r} are renamed to {new_key!r}.")
                targets.add(new_key)
                renames.attributes[(label, old_key)] = new_key
    for label, attributes in _mapping(data.get("choices"), "choices").items():
        old_label, new_label = _both_labels(label, old, new, renames)
        for key, values in _mapping(attributes, f"the choices of {label!r}").items():
            old_attr = old_label.attributes.get(key)
            new_attr = new_label.attributes.get(renames.attribute(label, key))
            if old_attr is None or new_attr is None:
                _bad(f"label {label!r} has no attribute {key!r} in both codebooks.")
            targets = set()
            for old_value, new_value in _mapping(values, f"the choices of {key!r}").items():
                _rename_pair(old_value, new_value, f"choice of attribute {key!r}",
                             old_attr.choices, new_attr.choices)
                if old_value != new_value:
                    if new_value in targets:
                        _bad(f"two choices of attribute {key!r} are renamed to {new_value!r}.")
                    targets.add(new_value)
                    renames.choices[(label, key, old_value)] = new_value
    return renames


def apply_renames(project: Project, renames: Renames) -> int:
    """Rename keys in the project's stored spans (reviewers', gold, and gold rejections' labels);
    no commit: the caller saves the codebook in the same transaction. Returns the number of
    spans changed."""
    if not renames:
        return 0
    in_project = select(Document.id).where(Document.project_id == project.id)
    changed = 0
    touched_labels = {label for label, _ in renames.attributes} | {
        label for label, _, _ in renames.choices}
    for model, _ in KINDS:
        # Attributes first, read by their old label.
        for label in sorted(touched_labels):
            rows = db.session.execute(
                select(model.id, model.attributes)
                .where(model.document_id.in_(in_project), model.label == label)).all()
            batch = []
            for span_id, attributes in rows:
                _, renamed = renames.span(label, attributes or {})
                if renamed != (attributes or {}):
                    batch.append({"id": span_id, "attributes": renamed})
            for i in range(0, len(batch), RENAME_BATCH):
                db.session.execute(update(model), batch[i:i + RENAME_BATCH])
            changed += len(batch)
    for old_key, new_key in renames.labels.items():
        for model in (Annotation, GoldSpan, GoldRejection):
            result = db.session.execute(
                update(model)
                .where(model.document_id.in_(in_project), model.label == old_key)
                .values(label=new_key)
                .execution_options(synchronize_session=False))
            if model is not GoldRejection:
                changed += result.rowcount
    return changed


# --- what a new codebook takes away -------------------------------------------------------------

def codebook_orphans(project: Project, codebook: Any, renames: Renames | None = None
                     ) -> list[str]:
    """What a new codebook would take away from the spans stored in the project.

    Each item names a label, an attribute or a choice that stored spans (reviewers' and gold)
    use but the new codebook lacks or no longer accepts, with the number of spans. Adding
    labels, attributes and choices, changing names, colours and hotkeys, and renaming keys
    given in ``renames`` orphan nothing.
    """
    new = Codebook.from_json(codebook)
    renames = renames or Renames()
    lost_labels: dict[str, Counter] = {}
    lost_attributes: dict[tuple[str, str], Counter] = {}
    lost_values: dict[tuple[str, str, str, bool], Counter] = {}
    for kind, stored_label, stored_attributes, count in span_groups(project):
        label_key, attributes = renames.span(stored_label, stored_attributes)
        label = new.labels.get(label_key)
        if label is None:
            lost_labels.setdefault(stored_label, Counter())[kind] += count
            continue
        for key, value in attributes.items():
            attribute = label.attributes.get(key)
            if attribute is None:
                lost_attributes.setdefault((label_key, key), Counter())[kind] += count
                continue
            try:
                attribute.clean(value, "span")
            except Invalid:
                # Name the choices that went; a value of the wrong shape as a whole.
                missing = [v for v in _values(value) if v not in attribute.choices]
                removed = attribute.type in ("choice", "multi") and bool(missing) and \
                    isinstance(value, list) == (attribute.type == "multi")
                for item in (missing if removed else [value]):
                    lost_values.setdefault(
                        (label_key, key, json.dumps(item, ensure_ascii=False), removed),
                        Counter())[kind] += count
    problems = [label_in_use(label, counts) for label, counts in sorted(lost_labels.items())]
    problems += [attribute_in_use(label, key, counts)
                 for (label, key), counts in sorted(lost_attributes.items())]
    problems += [(choice_in_use if removed else value_unfit)(label, key, json.loads(value), counts)
                 for (label, key, value, removed), counts in sorted(lost_values.items())]
    return problems + answer_orphans(project, new)


def stored_answers(project: Project) -> Iterator[tuple[str, str, Any]]:
    """``(kind, question, value)`` for every stored answer of the project: the reviewers'
    ("answer") and the gold ones ("gold answer")."""
    in_project = select(Document.id).where(Document.project_id == project.id)
    for (answers,) in db.session.execute(
            select(DocumentReview.answers).where(DocumentReview.document_id.in_(in_project))):
        for question, value in (answers or {}).items():
            yield "answer", question, value
    for question, value in db.session.execute(
            select(GoldAnswer.question, GoldAnswer.value)
            .where(GoldAnswer.document_id.in_(in_project))):
        yield "gold answer", question, value


def answer_orphans(project: Project, new: Codebook) -> list[str]:
    """The article-level questions (and their choices) that stored answers use but the new
    codebook lacks or no longer accepts, with the number of answers."""
    lost_questions: dict[str, Counter] = {}
    lost_values: dict[tuple[str, str], Counter] = {}
    for kind, key, value in stored_answers(project):
        question = new.questions.get(key)
        if question is None:
            lost_questions.setdefault(key, Counter())[kind] += 1
            continue
        try:
            question.clean(value)
        except Invalid:
            bad = [v for v in _values(value) if v not in question.choices] \
                if question.choices else [value]
            for item in bad or [value]:
                lost_values.setdefault((key, json.dumps(item, ensure_ascii=False)),
                                       Counter())[kind] += 1

    def counted(counts: Counter) -> str:
        return " and ".join(f"{n} {kind}{'' if n == 1 else 's'}"
                            for kind, n in sorted(counts.items()))

    problems = [f"the question '{key}' has {counted(counts)}"
                for key, counts in sorted(lost_questions.items())]
    problems += [f"the answer {json.loads(value)!r} to question '{key}' is stored "
                 f"({counted(counts)})" for (key, value), counts in sorted(lost_values.items())]
    return problems


def check_codebook_change(project: Project, data: dict, renames: Renames | None = None) -> None:
    """Refuse a new codebook (already validated) that orphans stored spans, or that gives a
    label a colour its text or swatch cannot be read on (new and changed colours only: a
    stored codebook stays saveable). Raises Invalid or Conflict naming the fault."""
    renames = renames or Renames()
    old_colours = {renames.label(label["key"]): label["color"]
                   for label in project.codebook.get("labels", [])}
    for label in data["labels"]:
        if old_colours.get(label["key"]) == label["color"]:
            continue
        problems = colour_problems(label["color"])
        if problems:
            raise Invalid(f"Codebook: label '{label['key']}': {problems[0]}", "codebook")
    problems = codebook_orphans(project, data, renames)
    if problems:
        raise Conflict("The new codebook would orphan stored spans or answers: "
                       + "; ".join(problems)
                       + ". Renaming is fine.", "codebook")
