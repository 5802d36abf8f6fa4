"""The codebook: labels and their attributes, validated on the way in.

A codebook is stored as plain JSON on the project (the form of INTERFACE.md); ``Codebook``
wraps a validated one for fast look-ups when spans are checked.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from .errors import Invalid
from .inputs import text_fault, unstorable_search
from .names import has_control

ATTRIBUTE_TYPES = ("choice", "multi", "text", "boolean")
# Article-level questions (INTERFACE.md): answered once per document by each reviewer.
QUESTION_TYPES = ("choice", "ordinal", "multi", "number", "boolean", "text")
MAX_NUMBER = 1e12
KEY_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")  # with fullmatch, as every pattern here
COLOR_RE = re.compile(r"#[0-9a-fA-F]{6}")
MAX_TEXT_VALUE = 2000
# Keys the annotate page keeps for itself (static/js/annotate/main.js), with what they do; a
# label's hotkey is a single character, so Enter, the arrows, Home, End and Escape never clash.
RESERVED_HOTKEYS = {"j": "next paragraph", "k": "previous paragraph",
                    "?": "the list of shortcuts"}


@dataclass(frozen=True)
class Attribute:
    key: str
    name: str
    type: str
    choices: tuple[str, ...] = ()
    # the choices as a set, for the look-up of every span's value
    choice_set: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "choice_set", frozenset(self.choices))

    def clean(self, value: Any, where: str) -> Any:
        """Return the value as stored, or raise Invalid naming the attribute."""
        kind = self.type
        if kind == "choice":
            if isinstance(value, str) and value in self.choice_set:
                return value
            raise Invalid(
                f"{where}: attribute '{self.key}' must be one of "
                f"{', '.join(self.choices)}; got {json.dumps(value, ensure_ascii=False)}.",
                f"attributes.{self.key}",
            )
        if kind == "text":
            if not isinstance(value, str):
                raise Invalid(f"{where}: attribute '{self.key}' must be text.",
                              f"attributes.{self.key}")
            if fault := text_fault(value):
                raise Invalid(f"{where}: attribute '{self.key}' {fault}.",
                              f"attributes.{self.key}")
            if len(value) > MAX_TEXT_VALUE:
                raise Invalid(
                    f"{where}: attribute '{self.key}' is longer than {MAX_TEXT_VALUE} characters.",
                    f"attributes.{self.key}",
                )
            return value
        if kind == "multi":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise Invalid(f"{where}: attribute '{self.key}' must be a list of choices.",
                              f"attributes.{self.key}")
            unknown = [v for v in value if v not in self.choice_set]
            if unknown:
                raise Invalid(
                    f"{where}: attribute '{self.key}' has unknown choice "
                    f"{json.dumps(unknown[0], ensure_ascii=False)}; allowed: "
                    f"{', '.join(self.choices)}.",
                    f"attributes.{self.key}",
                )
            # Stored in codebook order, each once.
            return [c for c in self.choices if c in value]
        if not isinstance(value, bool):
            raise Invalid(f"{where}: attribute '{self.key}' must be true or false.",
                          f"attributes.{self.key}")
        return value


@dataclass(frozen=True)
class Question:
    """An article-level question: asked once per document."""

    key: str
    name: str
    type: str
    choices: tuple[str, ...] = ()
    required: bool = False

    def clean(self, value: Any) -> Any:
        """The answer as stored (None: not answered), or Invalid naming the question."""
        if value is None or value == "" or (self.type == "multi" and value == []):
            return None
        if self.type in ("choice", "ordinal"):
            if not isinstance(value, str) or value not in self.choices:
                raise Invalid(f"{self.key} must be one of {', '.join(self.choices)}; got "
                              f"{json.dumps(value, ensure_ascii=False)}.", self.key)
            return value
        if self.type == "multi":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise Invalid(f"{self.key} must be a list of choices.", self.key)
            unknown = [v for v in value if v not in self.choices]
            if unknown:
                raise Invalid(f"{self.key} has unknown choice "
                              f"{json.dumps(unknown[0], ensure_ascii=False)}; allowed: "
                              f"{', '.join(self.choices)}.", self.key)
            return [c for c in self.choices if c in value]
        if self.type == "number":
            if isinstance(value, bool) or not isinstance(value, int | float) \
                    or value != value or abs(value) > MAX_NUMBER:
                raise Invalid(f"{self.key} must be a number.", self.key)
            return value
        if self.type == "boolean":
            if not isinstance(value, bool):
                raise Invalid(f"{self.key} must be true or false.", self.key)
            return value
        if not isinstance(value, str):
            raise Invalid(f"{self.key} must be text.", self.key)
        if fault := text_fault(value):
            raise Invalid(f"{self.key} {fault}.", self.key)
        if len(value) > MAX_TEXT_VALUE:
            raise Invalid(f"{self.key} is longer than {MAX_TEXT_VALUE} characters.", self.key)
        return value


@dataclass(frozen=True)
class Label:
    key: str
    name: str
    color: str
    hotkey: str | None
    description: str
    attributes: dict[str, Attribute] = field(default_factory=dict)


class Codebook:
    """A validated codebook. Build it with ``Codebook.from_json`` (or ``load_codebook``)."""

    def __init__(self, data: dict[str, Any], labels: dict[str, Label],
                 questions: dict[str, Question] | None = None):
        self.data = data
        self.labels = labels
        self.questions = questions or {}

    @property
    def label_keys(self) -> list[str]:
        return list(self.labels)

    @classmethod
    def from_json(cls, data: Any) -> Codebook:
        data = validate_codebook(data)
        labels = {}
        for item in data["labels"]:
            attrs = {
                a["key"]: Attribute(a["key"], a["name"], a["type"], tuple(a.get("choices", ())))
                for a in item["attributes"]
            }
            labels[item["key"]] = Label(
                item["key"], item["name"], item["color"], item.get("hotkey"),
                item.get("description", ""), attrs,
            )
        questions = {
            q["key"]: Question(q["key"], q["name"], q["type"], tuple(q.get("choices", ())),
                               bool(q.get("required", False)))
            for q in data.get("questions", [])
        }
        return cls(data, labels, questions)

    def clean_answers(self, answers: Any) -> dict[str, Any]:
        """A reviewer's answers as stored (unanswered questions left out), or Invalid naming
        the question at fault."""
        if not isinstance(answers, dict):
            raise Invalid("The answers must be an object of question keys and values.",
                          "answers")
        cleaned = {}
        for key, value in answers.items():
            question = self.questions.get(key)
            if question is None:
                raise Invalid(f"There is no question {json.dumps(key, ensure_ascii=False)}"
                              + (f"; the codebook asks {', '.join(self.questions)}."
                                 if self.questions else "; the codebook asks none."), key)
            value = question.clean(value)
            if value is not None:
                cleaned[key] = value
        return cleaned

    def missing_required(self, answers: dict[str, Any]) -> list[str]:
        """The required questions the answers leave open, in the codebook's order."""
        return [key for key, q in self.questions.items() if q.required and key not in answers]

    def label(self, key: Any, where: str = "span") -> Label:
        if not isinstance(key, str) or key not in self.labels:
            raise Invalid(
                f"{where}: unknown label {json.dumps(key, ensure_ascii=False)}; the codebook has "
                f"{', '.join(self.labels)}.",
                "label",
            )
        return self.labels[key]

    def clean_attributes(self, label_key: str | Label, attributes: Any,
                         where: str = "span") -> dict:
        """Check a span's attributes against its label (its key, or the ``Label`` itself);
        returns them as stored.

        Attributes that are absent, ``None`` or an empty string are left out (not set).
        """
        label = label_key if isinstance(label_key, Label) else self.label(label_key, where)
        if attributes is None:
            return {}
        if not isinstance(attributes, dict):
            raise Invalid(f"{where}: attributes must be an object.", "attributes")
        cleaned = {}
        known = label.attributes
        for key, value in attributes.items():
            attribute = known.get(key)
            if attribute is not None and value.__class__ is str and value:
                # the common cases inline (a call per value costs as much as the check)
                kind = attribute.type
                if kind == "choice":
                    if value in attribute.choice_set:
                        cleaned[key] = value
                        continue
                elif kind == "text" and len(value) <= MAX_TEXT_VALUE \
                        and not unstorable_search(value):
                    cleaned[key] = value
                    continue
            if attribute is None:
                raise Invalid(
                    f"{where}: label '{label.key}' has no attribute "
                    f"{json.dumps(key, ensure_ascii=False)}"
                    + (f"; it has {', '.join(label.attributes)}." if label.attributes else "."),
                    f"attributes.{key}",
                )
            if value is None or value == "":
                continue
            cleaned[key] = attribute.clean(value, where)
        return cleaned


def _fail(message: str, field_name: str = "codebook") -> None:
    raise Invalid(f"Codebook: {message}", field_name)


def validate_codebook(data: Any) -> dict[str, Any]:
    """Check a codebook's JSON and return it normalised; raise Invalid naming the fault."""
    if isinstance(data, list):
        data = {"labels": data}
    if not isinstance(data, dict) or not isinstance(data.get("labels"), list):
        _fail('it must be an object with a list "labels".')
    if not data["labels"]:
        _fail("it has no labels.")
    unknown_top = set(data) - {"labels", "name", "description", "version", "questions",
                              "ledger"}
    if unknown_top:
        _fail(f"unknown key {sorted(unknown_top)[0]!r} at the top level.")
    labels, keys, hotkeys = [], set(), {}
    for i, item in enumerate(data["labels"]):
        where = f"label {i + 1}"
        if not isinstance(item, dict):
            _fail(f"{where} must be an object.")
        key = item.get("key")
        if not isinstance(key, str) or not KEY_RE.fullmatch(key):
            _fail(
                f"{where} needs a key of lowercase letters, digits, '-' or '_' "
                f"(got {json.dumps(key, ensure_ascii=False)})."
            )
        where = f"label '{key}'"
        if key in keys:
            _fail(f"the label key '{key}' appears twice.")
        keys.add(key)
        unknown = set(item) - {"key", "name", "color", "hotkey", "description", "example",
                               "attributes"}
        if unknown:
            _fail(f"{where} has an unknown field {sorted(unknown)[0]!r}.")
        name = item.get("name", key)
        if not isinstance(name, str) or not name.strip():
            _fail(f"{where} needs a name.")
        if has_control(name):
            _fail(f"{where}: the name contains a control character (a line break, a tab...).")
        color = item.get("color", "#888888")
        if not isinstance(color, str) or not COLOR_RE.fullmatch(color):
            _fail(f"{where}: color must look like #1f77b4 (got {json.dumps(color)}).")
        hotkey = item.get("hotkey")
        if hotkey is not None:
            if not isinstance(hotkey, str) or len(hotkey) != 1 or hotkey.isspace():
                _fail(f"{where}: hotkey must be a single character.")
            if hotkey in RESERVED_HOTKEYS:
                _fail(f"{where}: hotkey '{hotkey}' is taken by the annotate page "
                      f"({RESERVED_HOTKEYS[hotkey]}).")
            if hotkey.lower() in hotkeys:
                _fail(f"{where}: hotkey '{hotkey}' is already used by '{hotkeys[hotkey.lower()]}'.")
            hotkeys[hotkey.lower()] = key
        for text_field in ("description", "example"):
            if not isinstance(item.get(text_field, ""), str):
                _fail(f"{where}: {text_field} must be text.")
        attrs = item.get("attributes", [])
        if not isinstance(attrs, list):
            _fail(f"{where}: attributes must be a list.")
        clean_attrs, attr_keys = [], set()
        for j, attr in enumerate(attrs):
            if not isinstance(attr, dict):
                _fail(f"{where}: attribute {j + 1} must be an object.")
            akey = attr.get("key")
            if not isinstance(akey, str) or not KEY_RE.fullmatch(akey):
                _fail(f"{where}: attribute {j + 1} needs a key of lowercase letters, digits, "
                      f"'-' or '_'.")
            if akey in attr_keys:
                _fail(f"{where}: the attribute key '{akey}' appears twice.")
            attr_keys.add(akey)
            unknown = set(attr) - {"key", "name", "type", "choices", "description"}
            if unknown:
                _fail(f"{where}: attribute '{akey}' has an unknown field {sorted(unknown)[0]!r}.")
            atype = attr.get("type")
            if atype not in ATTRIBUTE_TYPES:
                _fail(f"{where}: attribute '{akey}' has type {json.dumps(atype)}; "
                      f"use one of {', '.join(ATTRIBUTE_TYPES)}.")
            aname = attr.get("name", akey)
            if not isinstance(aname, str) or not aname.strip():
                _fail(f"{where}: attribute '{akey}' needs a name.")
            if has_control(aname):
                _fail(f"{where}: the name of attribute '{akey}' contains a control character.")
            clean_attr = {"key": akey, "name": aname, "type": atype}
            if isinstance(attr.get("description"), str):
                clean_attr["description"] = attr["description"]
            if atype in ("choice", "multi"):
                choices = attr.get("choices")
                if (not isinstance(choices, list) or not choices
                        or not all(isinstance(c, str) and c.strip() for c in choices)):
                    _fail(f"{where}: attribute '{akey}' needs a non-empty list of choices.")
                if len(set(choices)) != len(choices):
                    _fail(f"{where}: attribute '{akey}' lists a choice twice.")
                if any(has_control(c) for c in choices):
                    _fail(f"{where}: a choice of attribute '{akey}' contains a control "
                          f"character (a line break, a tab...).")
                clean_attr["choices"] = list(choices)
            elif "choices" in attr:
                _fail(f"{where}: attribute '{akey}' of type {atype} takes no choices.")
            clean_attrs.append(clean_attr)
        clean = {"key": key, "name": name, "color": color.lower(),
                 "description": item.get("description", ""), "attributes": clean_attrs}
        if hotkey is not None:
            clean["hotkey"] = hotkey
        if item.get("example"):
            clean["example"] = item["example"]
        labels.append(clean)
    result = {"labels": labels}
    if "questions" in data:
        result["questions"] = _validate_questions(data["questions"], set(keys))
    if "ledger" in data:
        from .ledger.config import validate_ledger

        result["ledger"] = validate_ledger(data["ledger"], {item["key"]: item for item in labels})
    for extra in ("name", "description", "version"):
        if extra in data:
            result[extra] = data[extra]
    return result


def _validate_questions(questions: Any, label_keys: set[str]) -> list[dict[str, Any]]:
    """Article-level questions, checked like labels: unique keys, a name, a type, choices
    where the type has them (an ordinal scale at least two, in order), ``required``."""
    if not isinstance(questions, list):
        _fail('"questions" must be a list.', "questions")
    cleaned, keys = [], set()
    for i, item in enumerate(questions):
        where = f"question {i + 1}"
        if not isinstance(item, dict):
            _fail(f"{where} must be an object.", "questions")
        key = item.get("key")
        if not isinstance(key, str) or not KEY_RE.fullmatch(key):
            _fail(f"{where} needs a key of lowercase letters, digits, '-' or '_' (got "
                  f"{json.dumps(key, ensure_ascii=False)}).", "questions")
        where = f"question '{key}'"
        if key in keys:
            _fail(f"the question key '{key}' appears twice.", "questions")
        keys.add(key)
        unknown = set(item) - {"key", "name", "type", "choices", "required", "description"}
        if unknown:
            _fail(f"{where} has an unknown field {sorted(unknown)[0]!r}.", "questions")
        name = item.get("name", key)
        if not isinstance(name, str) or not name.strip() or has_control(name):
            _fail(f"{where} needs a name (without control characters).", "questions")
        kind = item.get("type")
        if kind not in QUESTION_TYPES:
            _fail(f"{where} has type {json.dumps(kind)}; use one of "
                  f"{', '.join(QUESTION_TYPES)}.", "questions")
        clean: dict[str, Any] = {"key": key, "name": name, "type": kind}
        if kind in ("choice", "ordinal", "multi"):
            choices = item.get("choices")
            if (not isinstance(choices, list) or len(choices) < (2 if kind == "ordinal" else 1)
                    or not all(isinstance(c, str) and c.strip() and not has_control(c)
                               for c in choices)):
                _fail(f"{where} needs a list of choices"
                      + (" (an ordinal scale of two or more, in order)." if kind == "ordinal"
                         else "."), "questions")
            if len(set(choices)) != len(choices):
                _fail(f"{where} lists a choice twice.", "questions")
            clean["choices"] = list(choices)
        elif "choices" in item:
            _fail(f"{where} of type {kind} takes no choices.", "questions")
        required = item.get("required", False)
        if not isinstance(required, bool):
            _fail(f"{where}: required must be true or false.", "questions")
        if required:
            clean["required"] = True
        if isinstance(item.get("description"), str) and item["description"]:
            clean["description"] = item["description"]
        cleaned.append(clean)
    return cleaned


@cache
def _default_json() -> str:
    return resources.files("annotator").joinpath("data/default_codebook.json").read_text("utf-8")


def default_codebook() -> dict[str, Any]:
    """A fresh copy of the default codebook (CODEBOOK.md)."""
    return json.loads(_default_json())


_cache: dict[str, Codebook] = {}


def load_codebook(data: dict[str, Any]) -> Codebook:
    """A ``Codebook`` for a project's stored JSON, cached by content."""
    key = json.dumps(data, sort_keys=True, ensure_ascii=False)
    codebook = _cache.get(key)
    if codebook is None:
        if len(_cache) > 256:
            _cache.clear()
        codebook = _cache[key] = Codebook.from_json(data)
    return codebook
