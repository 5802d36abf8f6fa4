"""Names shown to people and keys written into files (user names, project and label names,
attribute choices, slugs, keys): checked whole (``re.fullmatch``: a ``$`` would let a trailing
newline through) and without control characters, which break the brat and CoNLL exports and
make look-alikes ("alice" and "alice\\n")."""

from __future__ import annotations

import unicodedata

from .errors import Invalid


def has_control(value: str) -> bool:
    """Whether the text holds a control character (line breaks and tabs included) or a lone
    surrogate."""
    return any(unicodedata.category(c) in ("Cc", "Cs") for c in value)


def check_name(value: str, field: str, limit: int, required: bool = True) -> str:
    """A name shown to people: at most ``limit`` characters, no control characters."""
    if required and not value.strip():
        raise Invalid(f"{field} must not be empty.", field)
    if len(value) > limit:
        raise Invalid(f"{field} is longer than {limit} characters.", field)
    if has_control(value):
        raise Invalid(f"{field} contains a control character (a line break, a tab, ...).",
                      field)
    return value
