"""SVG charts of the agreement page, drawn in Python: no chart library, no script.

Every function returns ``Markup`` holding one ``<svg>`` element. All text that comes from data
(label names, reviewer names) is escaped here; colours are computed here and written as SVG
presentation attributes (``fill="#..."``), which the Content-Security-Policy allows, unlike
``style`` attributes. Layout (fonts, sizes of the text) comes from static/css/agreement.css
through class names.

Colours tell a reader who is not a statistician what is good and what is bad: red for values
below Krippendorff's 0.667, amber between 0.667 and 0.800, green from 0.800; the same colours
everywhere on the page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

from ..colours import hex_colour, readable_ink

TENTATIVE = 0.667
RELIABLE = 0.800

# Zones behind the bars and the colours of the readings.
ZONE_FILL = {"low": "#fdecea", "mid": "#fff4d6", "high": "#e7f5ec"}
READING_INK = {"low": "#b42318", "mid": "#9a6700", "high": "#1f7a44"}
SERIES_FILL = ("#2557a7", "#7aa6e0")
INK = "#1d2430"
MUTED = "#5d6675"
GRID = "#c9ced6"
UNDEFINED_FILL = "#eef0f3"

# Agreement colour scale: value -> colour, stops chosen so that the zones read at a glance.
AGREEMENT_STOPS = (
    (0.0, (0xc6, 0x3b, 0x2d)),
    (0.4, (0xf0, 0x8c, 0x5a)),
    (TENTATIVE, (0xf6, 0xd3, 0x6b)),
    (RELIABLE, (0x9b, 0xd0, 0x7c)),
    (1.0, (0x2e, 0x8b, 0x57)),
)
# Shares of a row (0..1) in the confusion matrix: white to deep blue.
SHARE_STOPS = ((0.0, (0xff, 0xff, 0xff)), (0.5, (0x8f, 0xb4, 0xe3)), (1.0, (0x1f, 0x4e, 0x96)))


# --- helpers ----------------------------------------------------------------------------------

def _e(value: object) -> str:
    return str(escape(str(value)))


def _n(x: float) -> str:
    """A coordinate: short, no exponent."""
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def fmt(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def zone(value: float | None) -> str | None:
    """Krippendorff's reading of an alpha as a zone: low, mid or high (None if undefined)."""
    if value is None:
        return None
    if value >= RELIABLE:
        return "high"
    if value >= TENTATIVE:
        return "mid"
    return "low"


def _interpolate(stops, value: float) -> tuple[int, int, int]:
    value = min(max(value, stops[0][0]), stops[-1][0])
    for (x0, c0), (x1, c1) in zip(stops, stops[1:], strict=False):
        if value <= x1:
            t = 0.0 if x1 == x0 else (value - x0) / (x1 - x0)
            return tuple(round(a + (b - a) * t) for a, b in zip(c0, c1, strict=True))
    return stops[-1][1]


def ink_on(rgb: tuple[int, int, int]) -> str:
    """Dark or white text, whichever reads better on the colour."""
    return readable_ink(rgb, dark=INK)


def agreement_colour(value: float) -> str:
    return hex_colour(_interpolate(AGREEMENT_STOPS, value))


def _svg(width: float, height: float, body: list[str], label: str, css: str) -> Markup:
    return Markup(
        f'<svg class="chart {css}" viewBox="0 0 {_n(width)} {_n(height)}" '
        f'width="{_n(width)}" height="{_n(height)}" role="img" aria-label="{_e(label)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{_e(label)}</title>'
        + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, text: str, css: str = "", anchor: str = "start",
          fill: str | None = None, baseline: str = "middle") -> str:
    attrs = f' class="{css}"' if css else ""
    if fill:
        attrs += f' fill="{fill}"'
    return (f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" '
            f'dominant-baseline="{baseline}"{attrs}>{_e(text)}</text>')


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- bars with intervals ----------------------------------------------------------------------

def bar_chart(
    rows: Sequence[tuple[str, Sequence[tuple[float | None, Sequence[float] | None]]]],
    series: Sequence[str],
    title: str = "Agreement per label",
    zoned: Sequence[bool] = (),
) -> Markup:
    """Horizontal bars, one group per row (a label), one bar per series, each with its 95 %
    interval as a whisker, over the three zones and the 0.667 / 0.800 threshold lines.

    ``rows``: ``[(name, [(value, [low, high] or None), ...one per series]), ...]``;
    ``zoned``: per series, whether its printed values take the colour of their zone (the
    thresholds are Krippendorff's for alpha; other figures are printed in plain ink).
    """
    values = [v for _, vals in rows for v, _ in vals if v is not None]
    values += [x for _, vals in rows for _, ci in vals if ci for x in ci]
    low = min([0.0, *values])
    axis_min = max(-1.0, math.floor(low * 5) / 5) if low < 0 else 0.0
    axis_max = 1.0
    left, right, top = 128.0, 58.0, 46.0
    plot_w = 470.0
    bar_h, bar_gap, group_gap = 15.0, 4.0, 16.0
    group_h = len(series) * bar_h + (len(series) - 1) * bar_gap
    height = top + len(rows) * (group_h + group_gap) + 30.0
    width = left + plot_w + right

    def x(v: float) -> float:
        return left + (min(max(v, axis_min), axis_max) - axis_min) / (axis_max - axis_min) \
            * plot_w

    plot_bottom = height - 30.0
    body: list[str] = []
    # zones
    for name, lo, hi in (("low", axis_min, TENTATIVE), ("mid", TENTATIVE, RELIABLE),
                         ("high", RELIABLE, axis_max)):
        body.append(f'<rect class="zone zone-{name}" x="{_n(x(lo))}" y="{_n(top - 8)}" '
                    f'width="{_n(x(hi) - x(lo))}" height="{_n(plot_bottom - top + 8)}" '
                    f'fill="{ZONE_FILL[name]}"/>')
    body.append(_text(x((axis_min + TENTATIVE) / 2), top - 16, "not reliable",
                      "zone-label", "middle", READING_INK["low"]))
    body.append(_text(x((TENTATIVE + RELIABLE) / 2), top - 16, "tentative",
                      "zone-label", "middle", READING_INK["mid"]))
    body.append(_text(x((RELIABLE + axis_max) / 2), top - 16, "reliable",
                      "zone-label", "middle", READING_INK["high"]))
    # grid and axis
    tick = 0.2
    t = axis_min
    while t <= axis_max + 1e-9:
        body.append(f'<line x1="{_n(x(t))}" y1="{_n(top - 8)}" x2="{_n(x(t))}" '
                    f'y2="{_n(plot_bottom)}" stroke="{GRID}" stroke-width="0.5"/>')
        if min(abs(t - TENTATIVE), abs(t - RELIABLE)) > 0.07:  # leave room for those labels
            body.append(_text(x(t), plot_bottom + 14, f"{t:.1f}", "tick", "middle", MUTED))
        t = round(t + tick, 6)
    if axis_min < 0:
        body.append(f'<line x1="{_n(x(0))}" y1="{_n(top - 8)}" x2="{_n(x(0))}" '
                    f'y2="{_n(plot_bottom)}" stroke="{MUTED}" stroke-width="1"/>')
    for threshold in (TENTATIVE, RELIABLE):
        body.append(f'<line class="threshold" x1="{_n(x(threshold))}" y1="{_n(top - 8)}" '
                    f'x2="{_n(x(threshold))}" y2="{_n(plot_bottom)}" stroke="{INK}" '
                    f'stroke-width="1" stroke-dasharray="4 3"/>')
        body.append(_text(x(threshold), plot_bottom + 14, f"{threshold:.3f}",
                          "tick threshold-label", "middle", INK))
    # legend
    lx = left
    for i, name in enumerate(series):
        body.append(f'<rect x="{_n(lx)}" y="4" width="12" height="12" rx="2" '
                    f'fill="{SERIES_FILL[i % len(SERIES_FILL)]}"/>')
        body.append(_text(lx + 17, 10, name, "legend"))
        lx += 30 + 7.2 * len(name)
    if any(ci for _, vals in rows for _, ci in vals):
        body.append(f'<g stroke="{INK}" stroke-width="1.4"><line x1="{_n(lx)}" y1="10" '
                    f'x2="{_n(lx + 22)}" y2="10"/><line x1="{_n(lx)}" y1="5" x2="{_n(lx)}" '
                    f'y2="15"/><line x1="{_n(lx + 22)}" y1="5" x2="{_n(lx + 22)}" y2="15"/></g>')
        body.append(_text(lx + 28, 10, "95% interval", "legend"))
    # bars
    y = top
    for name, vals in rows:
        body.append(_text(left - 10, y + group_h / 2, _truncate(name, 22), "row-label", "end"))
        for i, (value, ci) in enumerate(vals):
            by = y + i * (bar_h + bar_gap)
            series_name = series[i]
            if value is None:
                body.append(f'<rect x="{_n(x(max(axis_min, 0)))}" y="{_n(by)}" width="{_n(60)}" '
                            f'height="{_n(bar_h)}" fill="{UNDEFINED_FILL}" rx="2"/>')
                body.append(_text(x(max(axis_min, 0)) + 6, by + bar_h / 2,
                                  "— undefined", "value muted-text", fill=MUTED))
                continue
            x0, x1 = sorted((x(0.0 if axis_min < 0 else axis_min), x(value)))
            fill = SERIES_FILL[i % len(SERIES_FILL)]
            tip = f"{name} · {series_name}: {value:.3f}"
            if ci:
                tip += f" (95% interval {ci[0]:.3f}–{ci[1]:.3f})"
            body.append(f'<rect class="bar" x="{_n(x0)}" y="{_n(by)}" '
                        f'width="{_n(max(x1 - x0, 1))}" height="{_n(bar_h)}" rx="2" '
                        f'fill="{fill}"><title>{_e(tip)}</title></rect>')
            end = x(value)
            label_x = end + 6
            if ci:
                lo_x, hi_x = x(ci[0]), x(ci[1])
                mid = by + bar_h / 2
                body.append(
                    f'<g class="whisker" stroke="{INK}" stroke-width="1.4">'
                    f'<line x1="{_n(lo_x)}" y1="{_n(mid)}" x2="{_n(hi_x)}" y2="{_n(mid)}"/>'
                    f'<line x1="{_n(lo_x)}" y1="{_n(by + 3)}" x2="{_n(lo_x)}" '
                    f'y2="{_n(by + bar_h - 3)}"/>'
                    f'<line x1="{_n(hi_x)}" y1="{_n(by + 3)}" x2="{_n(hi_x)}" '
                    f'y2="{_n(by + bar_h - 3)}"/></g>')
                label_x = max(label_x, hi_x + 6)
            ink = READING_INK[zone(value)] if i < len(zoned) and zoned[i] else INK
            body.append(_text(label_x, by + bar_h / 2, f"{value:.3f}", "value", fill=ink))
        y += group_h + group_gap
    return _svg(width, height, body, title, "bar-chart")


# --- heatmap of pairwise kappa --------------------------------------------------------------

def heatmap(
    row_names: Sequence[str],
    col_names: Sequence[str],
    values: Sequence[Sequence[float | None]],
    title: str = "Cohen's kappa per pair of reviewers and label",
    row_header: str = "reviewer pair",
) -> Markup:
    """A grid of agreement values, each cell coloured on the red–amber–green scale and
    printed; undefined cells grey with a dash. A legend of the scale below."""
    left = max(120.0, 7.4 * max((len(n) for n in row_names), default=10) + 24)
    cell_w, cell_h, top = 118.0, 34.0, 34.0
    width = left + cell_w * len(col_names) + 10
    grid_h = cell_h * len(row_names)
    legend_y = top + grid_h + 22
    height = legend_y + 46
    width = max(width, left + 420)
    body: list[str] = [_text(left - 10, top - 14, row_header, "axis-title", "end", MUTED)]
    for j, col in enumerate(col_names):
        body.append(_text(left + cell_w * (j + 0.5), top - 14, _truncate(col, 16),
                          "col-label", "middle"))
    for i, row in enumerate(row_names):
        y = top + i * cell_h
        body.append(_text(left - 10, y + cell_h / 2, row, "row-label", "end"))
        for j, col in enumerate(col_names):
            value = values[i][j]
            x = left + j * cell_w
            if value is None:
                body.append(
                    f'<rect x="{_n(x + 1)}" y="{_n(y + 1)}" width="{_n(cell_w - 2)}" '
                    f'height="{_n(cell_h - 2)}" fill="{UNDEFINED_FILL}" rx="3">'
                    f'<title>{_e(f"{row} · {col}: undefined (nothing to compare)")}</title>'
                    f'</rect>')
                body.append(_text(x + cell_w / 2, y + cell_h / 2, "—", "cell-value", "middle",
                                  MUTED))
                continue
            rgb = _interpolate(AGREEMENT_STOPS, value)
            body.append(
                f'<rect class="cell" x="{_n(x + 1)}" y="{_n(y + 1)}" width="{_n(cell_w - 2)}" '
                f'height="{_n(cell_h - 2)}" fill="{hex_colour(rgb)}" rx="3">'
                f'<title>{_e(f"{row} · {col}: {value:.3f}")}</title></rect>')
            body.append(_text(x + cell_w / 2, y + cell_h / 2, f"{value:.2f}", "cell-value",
                              "middle", ink_on(rgb)))
    body.extend(_scale_legend(left, legend_y))
    return _svg(width, height, body, title, "heatmap")


def _scale_legend(x0: float, y: float) -> list[str]:
    """The colour scale from 0 to 1 in steps, with the thresholds marked."""
    steps, w = 50, 6.0
    out = [_text(x0 - 10, y + 7, "scale", "axis-title", "end", MUTED)]
    for k in range(steps):
        v = (k + 0.5) / steps
        out.append(f'<rect x="{_n(x0 + k * w)}" y="{_n(y)}" width="{_n(w + 0.3)}" height="14" '
                   f'fill="{agreement_colour(v)}"/>')
    for v, text in ((0.0, "0 chance"), (TENTATIVE, "0.667"), (RELIABLE, "0.800"),
                    (1.0, "1 perfect")):
        tx = x0 + v * steps * w
        out.append(f'<line x1="{_n(tx)}" y1="{_n(y - 2)}" x2="{_n(tx)}" y2="{_n(y + 18)}" '
                   f'stroke="{INK}" stroke-width="1"/>')
        out.append(_text(tx, y + 28, text, "tick", "middle", MUTED))
    gx = x0 + steps * w + 30
    out.append(f'<rect x="{_n(gx)}" y="{_n(y)}" width="22" height="14" rx="2" '
               f'fill="{UNDEFINED_FILL}"/>')
    out.append(_text(gx + 28, y + 7, "— undefined", "tick", fill=MUTED))
    return out


# --- confusion matrix -----------------------------------------------------------------------

def confusion_matrix(
    names: Sequence[str],
    matrix: Sequence[Sequence[float]],
    colours: Sequence[str | None] | None = None,
    title: str = "Which labels reviewers mix up (tokens)",
) -> Markup:
    """Rows: what one reviewer gave a token; columns: what another reviewer gave the same
    token. Shading is the share of the row; each cell prints the token count and that share.
    The diagonal (agreement) is outlined."""
    n = len(names)
    left = max(130.0, 7.4 * max((len(x) for x in names), default=8) + 34)
    cell_w, cell_h, top = 104.0, 44.0, 58.0
    width = left + cell_w * n + 12
    height = top + cell_h * n + 12
    body: list[str] = [
        _text(left + cell_w * n / 2, 12, "…and another reviewer said", "axis-title", "middle",
              MUTED),
        _text(left - 10, top - 12, "one reviewer said…", "axis-title", "end", MUTED),
    ]
    for j, name in enumerate(names):
        cx = left + cell_w * (j + 0.5)
        body.append(_text(cx, top - 14, _truncate(name, 14), "col-label", "middle"))
        if colours and colours[j]:
            body.append(f'<rect x="{_n(cx - 14)}" y="{_n(top - 34)}" width="28" height="5" '
                        f'rx="2" fill="{colours[j]}"/>')
    for i, row_name in enumerate(names):
        y = top + i * cell_h
        total = sum(matrix[i])
        body.append(_text(left - 10, y + cell_h / 2, _truncate(row_name, 18), "row-label", "end"))
        if colours and colours[i]:
            body.append(f'<rect x="{_n(left - 6)}" y="{_n(y + 8)}" width="4" '
                        f'height="{_n(cell_h - 16)}" rx="2" fill="{colours[i]}"/>')
        for j, col_name in enumerate(names):
            count = matrix[i][j]
            share = count / total if total else 0.0
            rgb = _interpolate(SHARE_STOPS, share)
            x = left + j * cell_w
            tip = (f"{row_name} by one reviewer, {col_name} by another: "
                   f"{_count(count)} tokens ({share:.0%} of the row)")
            stroke = f' stroke="{INK}" stroke-width="1.5"' if i == j else \
                f' stroke="{GRID}" stroke-width="0.5"'
            body.append(f'<rect class="cell" x="{_n(x + 1)}" y="{_n(y + 1)}" '
                        f'width="{_n(cell_w - 2)}" height="{_n(cell_h - 2)}" '
                        f'fill="{hex_colour(rgb)}"{stroke} rx="2"><title>{_e(tip)}</title></rect>')
            ink = ink_on(rgb)
            body.append(_text(x + cell_w / 2, y + cell_h / 2 - 7, _count(count), "cell-value",
                              "middle", ink))
            body.append(_text(x + cell_w / 2, y + cell_h / 2 + 9,
                              f"{share:.0%}" if total else "", "cell-share", "middle", ink))
    return _svg(width, height, body, title, "confusion")


def _count(value: float) -> str:
    """Token counts are whole unless a token carried several labels (then split)."""
    rounded = round(value)
    if abs(value - rounded) < 0.05:
        return f"{rounded:,}"
    return f"{value:,.1f}"


# --- small inline bars ------------------------------------------------------------------------

NEUTRAL_FILL = "#2557a7"
ALERT_FILL = "#c63b2d"


def inline_bar(value: float | None, reference: float | None = None, width: float = 120.0,
               label: str = "", alert: bool = False) -> Markup:
    """A small bar of a 0..1 value (red when ``alert``), with a tick at ``reference`` (e.g.
    the median of the others)."""
    height = 12.0
    body = [f'<rect x="0" y="2" width="{_n(width)}" height="8" rx="4" fill="{UNDEFINED_FILL}"/>']
    if value is not None:
        v = min(max(value, 0.0), 1.0)
        body.append(f'<rect x="0" y="2" width="{_n(max(v * width, 2))}" height="8" rx="4" '
                    f'fill="{ALERT_FILL if alert else NEUTRAL_FILL}"/>')
    if reference is not None:
        rx = min(max(reference, 0.0), 1.0) * width
        body.append(f'<line x1="{_n(rx)}" y1="0" x2="{_n(rx)}" y2="{_n(height)}" '
                    f'stroke="{INK}" stroke-width="1.5"/>')
    text = label or ("undefined" if value is None else f"{value:.3f}")
    return _svg(width, height, body, text, "inline-bar")
