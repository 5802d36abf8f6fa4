"""The project ledger as text (the CLI) and as CSV: the per-document table, the per-source
table, the groups. Cells a spreadsheet would run as formulas (a title or a name starting with
=, +, -, @) get a leading ``'``, as in the CSV export."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from ..exports import _safe_cell
from .compute import COUNTS, SHARES
from .project import MEANS, RELIABILITY

LABELS = {
    "sources": "sources per document", "mentions": "mentions per document",
    "anonymous_share": "anonymous share", "official_share": "official share",
    "simpson": "Simpson diversity", "shannon": "Shannon diversity",
    "evenness": "Pielou evenness", "attributed_share": "attributed share",
    "direct_quote_share": "direct-quote share",
}


def _f(value: Any, digits: int = 3) -> str:
    if value is None:
        return "—"
    if isinstance(value, int):
        return str(value)
    return f"{value:.{digits}f}"


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return _safe_cell(value)
    if isinstance(value, float):
        return repr(value)
    return value


def _write(rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return buffer.getvalue()


def documents_csv(ledger: dict[str, Any]) -> str:
    """One row per document: its counts, shares, indices, sources per type and flags."""
    types = ledger.get("type_names", [])
    questions = ledger.get("questions", [])  # the article-level questions' answers, if any
    head = ["document_id", "title", "source", "month", "spans", *COUNTS, *SHARES,
            *(f"type_{t}" for t in types), "flags", *(f"answer_{q}" for q in questions)]
    rows = [head]
    for d in ledger["document_rows"]:
        answers = d.get("answers", {})
        rows.append([d["id"], d["title"], d["source"], d["month"], d["spans"],
                     *(d[n] for n in COUNTS), *(d[n] for n in SHARES),
                     *(d["type_counts"].get(t, 0) for t in types), "|".join(d["flags"]),
                     *(_answer(answers.get(q)) for q in questions)])
    return _write(rows)


def _answer(value: Any) -> Any:
    """An answer in a cell: a set's choices joined by ``|``, yes/no as true/false."""
    if isinstance(value, list):
        return "|".join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def sources_csv(ledger: dict[str, Any]) -> str:
    """One row per source key across documents."""
    rows = [["key", "name", "type", "documents", "mentions"]]
    rows += [[s["key"], s["name"], s["type"], s["documents"], s["mentions"]]
             for s in ledger["top_sources"]]
    return _write(rows)


def groups_csv(ledger: dict[str, Any]) -> str:
    """One row per group (outlet or month): documents, means and their intervals."""
    head = [ledger.get("by", "group"), "documents"]
    for name in MEANS:
        head += [name, f"{name}_ci_low", f"{name}_ci_high"]
    rows = [head]
    for g in ledger["groups"]:
        row = [g["key"], g["documents"]]
        for name in MEANS:
            ci = (g.get("ci") or {}).get(name)
            row += [g["means"][name], ci[0] if ci else None, ci[1] if ci else None]
        rows.append(row)
    return _write(rows)


def ledger_text(ledger: dict[str, Any], top: int = 10) -> str:
    lines = [f"Source ledger of project '{ledger['project']}' ({ledger['spans']} spans): "
             f"{ledger['documents']} document{'' if ledger['documents'] == 1 else 's'}."]
    for sentence in ledger.get("missing", []):
        lines.append(f"Missing: {sentence}")
    t = ledger["totals"]
    lines.append(f"Mentions {t['mentions']}, sources {t['sources']} (named "
                 f"{t['named_sources']}, unnamed {t['unnamed_sources']}, untyped "
                 f"{t['untyped_sources']}).")
    if t["type_counts"]:
        lines.append("Sources by type: " + ", ".join(f"{k} {v}"
                                                     for k, v in t["type_counts"].items()) + ".")
    lines.append("")
    lines.append("Means over documents (where defined):")
    ci = ledger.get("ci") or {}
    for name in MEANS:
        interval = ci.get(name)
        extra = f"  [{interval[0]:.3f}, {interval[1]:.3f}]" if interval else ""
        lines.append(f"  {LABELS[name]:<24} {_f(ledger['means'][name])}{extra}")
    if ledger.get("groups"):
        lines.append("")
        lines.append(f"By {ledger['by']}:")
        width = max(len(str(g["key"] or "(none)")) for g in ledger["groups"])
        lines.append(f"  {'':<{width}}  docs  sources  anonymous  official  simpson")
        for g in ledger["groups"]:
            m = g["means"]
            lines.append(f"  {str(g['key'] or '(none)'):<{width}}  {g['documents']:>4}  "
                         f"{_f(m['sources'], 2):>7}  {_f(m['anonymous_share']):>9}  "
                         f"{_f(m['official_share']):>8}  {_f(m['simpson']):>7}")
    if ledger["top_sources"]:
        lines.append("")
        lines.append("Top sources (documents, mentions):")
        for s in ledger["top_sources"][:top]:
            lines.append(f"  {s['name'] or s['key']} ({s['type'] or 'no type'}): "
                         f"{s['documents']}, {s['mentions']}")
    if ledger.get("reliability"):
        lines.append("")
        lines.append("Reliability (Krippendorff's alpha, interval, reviewers' per-document "
                     "figures):")
        for name in RELIABILITY:
            r = ledger["reliability"][name]
            lines.append(f"  {LABELS.get(name, name):<24} {_f(r['alpha'])}  "
                         f"({r['units']} document{'' if r['units'] == 1 else 's'}, "
                         f"{r['values']} values)")
    flagged = [d for d in ledger["document_rows"] if d["flags"]]
    if flagged:
        lines.append("")
        lines.append(f"Flagged documents: {len(flagged)}")
        for d in flagged[:top]:
            lines.append(f"  {d['id']} {d['title']}: {', '.join(d['flags'])}")
    return "\n".join(lines) + "\n"


def ledger_json(ledger: dict[str, Any]) -> str:
    return json.dumps(ledger, ensure_ascii=False, indent=2) + "\n"
