"""Colours: the WCAG contrast maths and the label colours of a codebook, for the pages' per-
project stylesheet and the agreement charts."""

from __future__ import annotations

import hashlib
import json
import math
import re
from typing import Any

DARK_INK = "#161b24"
LIGHT_INK = "#ffffff"
FALLBACK = "#888888"  # the codebook validates colours; this is only a safety net
PAGE = "#ffffff"  # the background the pages draw labels on
TINT_WEIGHT = 0.26  # how much of the label colour the highlight tint holds
TEXT_CONTRAST = 4.5  # WCAG 1.4.3 (AA): text on the highlight
GRAPHIC_CONTRAST = 3.0  # WCAG 1.4.11: a swatch or a border of the colour on the page
_HEX = re.compile(r"#[0-9a-fA-F]{6}")
_CSS_SAFE = re.compile(r"[^a-z0-9_-]")

RGB = tuple[int, int, int]


def rgb(color: str) -> RGB:
    if not _HEX.fullmatch(color):
        color = FALLBACK
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def hex_colour(value: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in value)


def luminance(color: str | RGB) -> float:
    """WCAG relative luminance of a "#rrggbb" colour or an (r, g, b) triple."""
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = rgb(color) if isinstance(color, str) else color
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str | RGB, b: str | RGB) -> float:
    """WCAG contrast ratio (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def readable_ink(background: str | RGB, dark: str = DARK_INK) -> str:
    """``dark`` or white text, whichever contrasts more with the background (dark on a tie)."""
    return max((dark, LIGHT_INK), key=lambda ink: contrast(ink, background))


def mix(color: str, weight: float, other: str = "#ffffff") -> str:
    c, o = rgb(color), rgb(other)
    return hex_colour(tuple(weight * c[i] + (1 - weight) * o[i] for i in range(3)))


def label_colours(color: str) -> dict[str, str]:
    """A label's colour and what the pages draw with it: ``label``, ``label-ink`` (readable
    text on it), ``label-tint`` (the highlight background: the colour mixed into white),
    ``label-tint-ink``, ``label-soft`` and ``label-line`` (darkened until it stands out against
    white, 3:1)."""
    color = color.lower() if _HEX.fullmatch(color) else FALLBACK
    tint = mix(color, TINT_WEIGHT)
    line = color
    for _ in range(20):
        if contrast(line, "#ffffff") >= 3:
            break
        line = mix(line, 0.85, "#000000")
    return {
        "label": color,
        "label-ink": readable_ink(color),
        "label-tint": tint,
        "label-tint-ink": readable_ink(tint),
        "label-soft": mix(color, 0.12),
        "label-line": line,
    }


def contrast_checks(color: str) -> list[dict[str, Any]]:
    """How a label colour reads where the pages draw it: text on its highlight tint, and the
    colour itself (swatches, borders) on the white page; each with its WCAG ratio and the
    ratio it needs. The settings page shows the same figures (static/js/shared/colours.js)."""
    colours = label_colours(color)
    return [
        {"check": "highlight", "what": "text on its highlight",
         "ratio": contrast(colours["label-tint"], colours["label-tint-ink"]),
         "needed": TEXT_CONTRAST},
        {"check": "page", "what": "its swatches and borders on the white page",
         "ratio": contrast(colours["label"], PAGE), "needed": GRAPHIC_CONTRAST},
    ]


def ratio_text(ratio: float) -> str:
    """A contrast ratio as people read it, rounded down ("2.99:1", never a flattering 3:1)."""
    return f"{math.floor(ratio * 100) / 100:.2f}:1"


def colour_problems(color: str) -> list[str]:
    """What a label colour fails of ``contrast_checks``, one sentence each."""
    return [f"the colour {color} gives {c['what']} a contrast of {ratio_text(c['ratio'])}; "
            f"it needs {c['needed']:g}:1 (WCAG): choose a darker or stronger colour."
            for c in contrast_checks(color) if c["ratio"] < c["needed"]]


def css_identifier(value: str) -> str:
    """Escape anything but [a-z0-9_-] for use inside a quoted CSS attribute selector."""
    return _CSS_SAFE.sub(lambda m: f"\\{ord(m.group()):x} ", value)


def codebook_version(codebook: dict[str, Any]) -> str:
    """A short hash of the codebook: the stylesheet's version and ETag."""
    raw = json.dumps(codebook, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(raw).hexdigest()[:12]


def codebook_stylesheet(labels: list[dict[str, Any]]) -> str:
    """CSS custom properties per label (``label_colours``), used by static/css/*.css."""
    lines = ["/* Label colours of this project's codebook (generated). */"]
    for label in labels:
        colours = label_colours(label["color"])
        selector = f'[data-label="{css_identifier(label["key"])}"]'
        body = "; ".join(f"--{name}: {value}" for name, value in colours.items())
        lines.append(f"{selector} {{ {body}; }}")
    return "\n".join(lines) + "\n"
