"""What comes in from outside, refused before a database or the JSON decoder chokes on it.

- Text a database can store: no NUL character (PostgreSQL refuses it in text, SQLite would
  keep it) and no lone surrogate (``"\\ud800"`` decodes from JSON, but is no Unicode text and
  cannot be encoded as UTF-8 for either engine). ``text_fault`` says what is wrong with a
  string; the checks of each field (note, client_id, text attributes, names) call it.
- JSON from outside (API bodies, JSONL lines, codebooks): ``loads`` is ``json.loads`` with a
  depth limit (the decoder raises RecursionError near a thousand levels, and deep values break
  whatever walks them later) and with every string and field name held to the rule above,
  naming the value at fault (``attributes.source``, ``[2].note``).
- Request values (``init_app``): an id in the address beyond what an INTEGER column holds is a
  404 naming the thing ("There is no document N."), not a driver error; a NUL character in
  the address, a query parameter or a form field is refused (400; 404 in the address).
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, request

from .errors import BadRequest, DomainError, Invalid, NotFound

# The largest value an INTEGER column holds: a larger id or number is never looked up.
MAX_INT = 2**31 - 1
# Nesting of JSON taken from outside: a codebook or an imported document needs 6 levels.
MAX_DEPTH = 64

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Whether a text holds a character that cannot be stored (``text_fault`` says which).
unstorable_search = _UNSTORABLE.search
# How JSON text spells a NUL or a surrogate (also one of a pair, which is fine: then the
# strings are looked at, and pass).
_UNSTORABLE_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")


def text_fault(text: str) -> str | None:
    """Why ``text`` cannot be stored, as the end of a sentence about it, or None when it can:
    ``f"note {fault}."``."""
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return "contains a NUL character, which cannot be stored"
    return (f"contains a lone surrogate (\\u{ord(found.group()):04x}), which is not Unicode "
            f"text and cannot be stored")


def _at(where: str | None, message: str) -> str:
    return f"{where}: {message[0].lower()}{message[1:]}" if where else message


def loads(data: str | bytes, where: str | None = None,
          error: type[DomainError] | None = None, decoded: bool = False,
          check_depth: bool = True) -> Any:
    """``json.loads`` for JSON from outside: nested at most ``MAX_DEPTH`` levels, every string
    and field name storable (``text_fault``). Invalid JSON raises what ``json.loads`` raises
    (a ValueError); the rest ``BadRequest`` (too deep) or ``Invalid`` (naming the value), or
    ``error`` for both, with ``where`` ("file.jsonl, line 3") before the sentence.

    Most input is not walked for text: a string can only hold a NUL or a lone surrogate
    through a ``\\u0000`` or ``\\ud800``-``\\udfff`` escape, or raw: a raw NUL the decoder
    refuses (a control character), a raw lone surrogate no strict decoder of bytes lets
    through, so that only text that did not come from such a decode is searched for them:
    ``decoded`` says it did (a JSONL line read as UTF-8). Nor is it walked for depth when it
    has at most ``MAX_DEPTH`` brackets. With ``check_depth=False`` it is not walked for
    depth at all (but what ``json.loads`` itself cannot take): the caller holds what it keeps
    to the limit (``refuse_too_deep``), as the documents JSONL reader does, whose checks give
    nearly every field a type that cannot be nested.
    """
    if isinstance(data, bytes):
        data, decoded = data.decode(json.detect_encoding(data)), True
    try:
        value = json.loads(data)
    except RecursionError:
        raise _nested_too_deep(where, error) from None
    if check_depth and data.count("[") + data.count("{") > MAX_DEPTH:
        refuse_too_deep(value, where, error)
    if _UNSTORABLE_ESCAPE.search(data) or (not decoded and _SURROGATE.search(data)):
        if not check_depth:
            refuse_too_deep(value, where, error)  # before a walk that recurses
        fault = _text_fault(value)
    else:
        fault = None
    if fault:
        keys, (is_key, why) = fault
        path = _path(keys)
        message = (f"A field name{' in ' + path if path else ''} {why}." if is_key
                   else f"{path or 'The value'} {why}.")
        raise (error or Invalid)(_at(where, message), path or None)
    return value


def refuse_too_deep(value: Any, where: str | None = None,
                    error: type[DomainError] | None = None, level: int = 1) -> None:
    """Raise ``loads``'s error for JSON nested more than ``MAX_DEPTH`` levels when ``value``,
    found at ``level`` of it (the top is level 1), holds containers below that."""
    if type(value) in _CONTAINERS and _too_deep(value, MAX_DEPTH - level + 1):
        raise _nested_too_deep(where, error)


def _nested_too_deep(where: str | None, error: type[DomainError] | None) -> DomainError:
    return (error or BadRequest)(
        _at(where, f"The JSON is nested more than {MAX_DEPTH} levels deep."))


def _too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether ``value`` holds containers more than ``limit`` levels down (the top is
    level 1): level by level, which costs about a microsecond per container."""
    level, depth = [value], 1
    while level:
        if depth > limit:
            return True
        below: list = []
        for node in level:
            children = node.values() if type(node) is dict else node
            if not _CONTAINERS.isdisjoint(map(type, children)):  # most hold only scalars
                below += [child for child in children
                          if type(child) is dict or type(child) is list]
        level, depth = below, depth + 1
    return False


_CONTAINERS = {dict, list}


def _text_fault(node: Any) -> tuple[list, tuple[bool, str]] | None:
    """The first string or field name in ``node`` that cannot be stored: (its keys from the
    bottom up, (whether it is a field name, ``text_fault``)), or None. Recursive: the value
    is known to be nested at most ``MAX_DEPTH`` levels."""
    if isinstance(node, str):
        fault = text_fault(node)
        return ([], (False, fault)) if fault else None
    if isinstance(node, dict):
        for key, child in node.items():
            fault = text_fault(key)
            if fault:
                return [], (True, fault)
            if not isinstance(child, (int, float)) and (found := _text_fault(child)):
                found[0].append(key)
                return found
    elif isinstance(node, list):
        for index, child in enumerate(node):
            if not isinstance(child, (int, float)) and (found := _text_fault(child)):
                found[0].append(index)
                return found
    return None


def _path(keys: list) -> str:
    """``attributes.source``, ``[2].note``: keys gathered from the bottom up, as a path."""
    text = ""
    for key in reversed(keys):
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else key)
    return text


# --- request values -------------------------------------------------------------------------

# What an id in an address names, for the 404 of one beyond MAX_INT.
ID_NAMES = {"gold_id": "gold span", "token_id": "API token"}


def refuse_unfit_request_values() -> None:
    """Run before every view: ids and text in the address, query and form fields that no
    database can compare or store are refused here with one sentence, not a driver error."""
    for name, value in (request.view_args or {}).items():
        if isinstance(value, int) and value > MAX_INT and name.endswith("_id"):
            thing = ID_NAMES.get(name, name.removesuffix("_id").replace("_", " "))
            raise NotFound(f"There is no {thing} {value}.")
        if isinstance(value, str) and "\x00" in value:
            raise NotFound("There is nothing at this address (it holds a NUL character).")
    for values, kind in ((request.args, "query parameter"), (request.form, "form field")):
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                raise BadRequest(f"The {kind} {key!r} contains a NUL character, which cannot "
                                 f"be stored.", key)


def init_app(app: Flask) -> None:
    app.before_request(refuse_unfit_request_values)
