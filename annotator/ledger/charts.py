"""SVG charts of the ledger page, drawn in Python like the agreement page's
(``agreement.charts``: the same helpers, inks and escaping; no script, no ``style``
attributes).

- ``stacked_shares``: one bar per group (outlet), split by source type, 100 % wide;
- ``share_bars``: one bar per group and series (a share from 0 to 1) with its 95 % interval;
- ``count_bars``: the top sources, a bar per source of the documents it speaks in.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from ..agreement.charts import GRID, INK, MUTED, UNDEFINED_FILL, _e, _n, _svg, _text, _truncate

# Okabe and Ito's colour-blind-safe palette, in the codebook's order of the types.
TYPE_FILL = ("#0072b2", "#e69f00", "#7f7f7f", "#56b4e9", "#009e73", "#cc79a7", "#d55e00",
             "#b8a300", "#332288", "#88ccee")
SERIES_FILL = ("#2557a7", "#c2571a", "#2e8b57")


def type_colour(index: int) -> str:
    return TYPE_FILL[index % len(TYPE_FILL)]


def _legend(items: Sequence[tuple[str, str]], x0: float, y: float, width: float
            ) -> tuple[list[str], float]:
    """Swatches and names, wrapped to ``width``; returns the elements and the height used."""
    body, x, line = [], x0, 0
    for name, fill in items:
        w = 26 + 7.0 * len(name)
        if x + w > x0 + width and x > x0:
            x, line = x0, line + 1
        yy = y + line * 18
        body.append(f'<rect x="{_n(x)}" y="{_n(yy - 6)}" width="12" height="12" rx="2" '
                    f'fill="{fill}"/>')
        body.append(_text(x + 17, yy, name, "legend"))
        x += w
    return body, (line + 1) * 18


def stacked_shares(rows: Sequence[tuple[str, int, Sequence[int]]], types: Sequence[str],
                   title: str = "Source types per outlet") -> Markup:
    """``rows``: ``[(group, sources, [sources of each type])]``; a bar per group split by
    type (shares of the group's sources; untyped sources in grey at the end)."""
    left, right, top, plot_w = 140.0, 70.0, 12.0, 460.0
    bar_h, gap = 20.0, 10.0
    items = [(t, type_colour(i)) for i, t in enumerate(types)] + [("no type", UNDEFINED_FILL)]
    legend, legend_h = _legend(items, left, top + 6, plot_w + right)
    y0 = top + legend_h + 8
    height = y0 + len(rows) * (bar_h + gap) + 24
    body = legend
    for t in (0, 0.25, 0.5, 0.75, 1.0):
        x = left + t * plot_w
        body.append(f'<line x1="{_n(x)}" y1="{_n(y0 - 4)}" x2="{_n(x)}" '
                    f'y2="{_n(height - 20)}" stroke="{GRID}" stroke-width="0.5"/>')
        body.append(_text(x, height - 10, f"{t:.0%}", "tick", "middle", MUTED))
    y = y0
    for name, total, counts in rows:
        body.append(_text(left - 8, y + bar_h / 2, _truncate(name, 20), "row-label", "end"))
        x = left
        untyped = total - sum(counts)
        parts = [(types[i], c, type_colour(i)) for i, c in enumerate(counts) if c]
        if untyped > 0:
            parts.append(("no type", untyped, UNDEFINED_FILL))
        for type_name, count, fill in parts:
            w = plot_w * count / total if total else 0
            tip = f"{name} · {type_name}: {count} of {total} sources ({count / total:.0%})"
            body.append(f'<rect class="bar" x="{_n(x)}" y="{_n(y)}" width="{_n(max(w, 0.5))}" '
                        f'height="{_n(bar_h)}" fill="{fill}"><title>{_e(tip)}</title></rect>')
            x += w
        body.append(_text(left + plot_w + 6, y + bar_h / 2, f"{total} src.", "value", fill=INK))
        y += bar_h + gap
    return _svg(left + plot_w + right, height, body, title, "stacked-chart")


def share_bars(rows: Sequence[tuple[str, Sequence[tuple[float | None, Sequence[float] | None]]]],
               series: Sequence[str], title: str, maximum: float = 1.0,
               percent: bool = True) -> Markup:
    """Horizontal bars from 0 to ``maximum``, a group per row, a bar per series, each with its
    95 % interval as a whisker when given; undefined values as a grey stub."""
    left, right, top, plot_w = 140.0, 70.0, 12.0, 440.0
    bar_h, bar_gap, group_gap = 13.0, 3.0, 12.0
    items = [(s, SERIES_FILL[i % len(SERIES_FILL)]) for i, s in enumerate(series)]
    if any(ci for _, vals in rows for _, ci in vals):
        items.append(("95% interval", INK))
    legend, legend_h = _legend(items, left, top + 6, plot_w + right)
    y0 = top + legend_h + 8
    group_h = len(series) * bar_h + (len(series) - 1) * bar_gap
    height = y0 + len(rows) * (group_h + group_gap) + 24

    def x(v: float) -> float:
        return left + min(max(v, 0.0), maximum) / maximum * plot_w

    def label(v: float) -> str:
        return f"{v:.0%}" if percent else f"{v:.2f}"

    body = legend
    for k in range(5):
        t = maximum * k / 4
        body.append(f'<line x1="{_n(x(t))}" y1="{_n(y0 - 4)}" x2="{_n(x(t))}" '
                    f'y2="{_n(height - 20)}" stroke="{GRID}" stroke-width="0.5"/>')
        body.append(_text(x(t), height - 10, label(t), "tick", "middle", MUTED))
    y = y0
    for name, values in rows:
        body.append(_text(left - 8, y + group_h / 2, _truncate(name, 20), "row-label", "end"))
        for i, (value, ci) in enumerate(values):
            by = y + i * (bar_h + bar_gap)
            if value is None:
                body.append(f'<rect x="{_n(left)}" y="{_n(by)}" width="40" '
                            f'height="{_n(bar_h)}" fill="{UNDEFINED_FILL}" rx="2"/>')
                body.append(_text(left + 46, by + bar_h / 2, "— undefined", "value muted-text",
                                  fill=MUTED))
                continue
            tip = f"{name} · {series[i]}: {label(value)}"
            if ci:
                tip += f" (95% interval {label(ci[0])}–{label(ci[1])})"
            fill = SERIES_FILL[i % len(SERIES_FILL)]
            body.append(f'<rect class="bar" x="{_n(left)}" y="{_n(by)}" '
                        f'width="{_n(max(x(value) - left, 1))}" height="{_n(bar_h)}" rx="2" '
                        f'fill="{fill}"><title>{_e(tip)}</title></rect>')
            end = x(value) + 6
            if ci:
                lo, hi, mid = x(ci[0]), x(ci[1]), by + bar_h / 2
                body.append(
                    f'<g class="whisker" stroke="{INK}" stroke-width="1.3">'
                    f'<line x1="{_n(lo)}" y1="{_n(mid)}" x2="{_n(hi)}" y2="{_n(mid)}"/>'
                    f'<line x1="{_n(lo)}" y1="{_n(by + 2)}" x2="{_n(lo)}" '
                    f'y2="{_n(by + bar_h - 2)}"/><line x1="{_n(hi)}" y1="{_n(by + 2)}" '
                    f'x2="{_n(hi)}" y2="{_n(by + bar_h - 2)}"/></g>')
                end = max(end, hi + 6)
            body.append(_text(end, by + bar_h / 2, label(value), "value", fill=INK))
        y += group_h + group_gap
    return _svg(left + plot_w + right, height, body, title, "share-chart")


def count_bars(rows: Sequence[tuple[str, int, str | None, int]], types: Sequence[str],
               title: str = "Top sources") -> Markup:
    """``rows``: ``[(name, documents, type, mentions)]``: a bar per source of its documents,
    coloured by its type."""
    left, right, top, plot_w = 230.0, 190.0, 8.0, 300.0
    bar_h, gap = 14.0, 5.0
    height = top + len(rows) * (bar_h + gap) + 8
    most = max((r[1] for r in rows), default=1) or 1
    body: list[str] = []
    y = top
    for name, documents, kind, mentions in rows:
        fill = type_colour(types.index(kind)) if kind in types else UNDEFINED_FILL
        body.append(_text(left - 8, y + bar_h / 2, _truncate(name, 34), "row-label", "end"))
        w = plot_w * documents / most
        tip = (f"{name} ({kind or 'no type'}): {documents} document"
               f"{'' if documents == 1 else 's'}, {mentions} mention{'' if mentions == 1 else 's'}")
        body.append(f'<rect class="bar" x="{_n(left)}" y="{_n(y)}" width="{_n(max(w, 1))}" '
                    f'height="{_n(bar_h)}" rx="2" fill="{fill}"><title>{_e(tip)}</title></rect>')
        body.append(_text(left + w + 6, y + bar_h / 2,
                          f"{documents} doc. · {mentions} mentions", "value",
                          fill=INK))
        y += bar_h + gap
    return _svg(left + plot_w + right, height, body, title, "count-chart")
