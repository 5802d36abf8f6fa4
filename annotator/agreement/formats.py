"""The agreement report as text (the CLI) and as CSV (a download)."""

from __future__ import annotations

import csv
import io
from typing import Any

LABEL_FIGURES = ("paragraph_alpha", "token_alpha", "unitizing_alpha",
                 "unitizing_alpha_document_mean", "f1_exact", "f1_overlap", "fleiss_kappa")
OVERALL_FIGURES = ("token_alpha", "unitizing_alpha", "unitizing_alpha_document_mean",
                   "f1_exact", "f1_overlap")


def fmt(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def fmt_interval(ci: list[float] | None) -> str:
    return "" if not ci else f"[{ci[0]:.3f}, {ci[1]:.3f}]"


def reading(value: float | None) -> str:
    """Krippendorff's thresholds for alpha."""
    if value is None:
        return "undefined"
    if value >= 0.8:
        return "reliable"
    if value >= 0.667:
        return "tentative"
    return "not reliable"


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def report_text(report: dict[str, Any]) -> str:
    lines = [
        f"Agreement in project '{report['project']}': {_n(report['documents'], 'document')}, "
        f"{_n(report['paragraphs'], 'paragraph')} reviewed by two or more of "
        f"{len(report['reviewers'])} reviewers ({', '.join(report['reviewers']) or 'none'}).",
        "",
    ]
    header = ["label", *LABEL_FIGURES]
    rows = []
    for key, entry in report["labels"].items():
        rows.append([key, *(fmt(entry[f]) for f in LABEL_FIGURES)])
        if "ci" in entry:
            rows.append(["  95% CI", *(fmt_interval(entry["ci"].get(f)) for f in LABEL_FIGURES)])
    overall = report["overall"]
    rows.append(["overall", "", *(fmt(overall[f]) for f in OVERALL_FIGURES), ""])
    if "ci" in overall:
        rows.append(["  95% CI", "", *(fmt_interval(overall["ci"].get(f))
                                       for f in OVERALL_FIGURES), ""])
    lines.extend(_table(header, rows))
    pairs = sorted({pair for e in report["labels"].values() for pair in e["cohen_kappa"]})
    if pairs:
        lines += ["", "Cohen's kappa per pair (paragraph level)"]
        lines.extend(_table(["label", *pairs], [
            [key, *(fmt(e["cohen_kappa"].get(p)) for p in pairs)]
            for key, e in report["labels"].items()]))
    attr_rows = [[key, attr, fmt(value)] for key, e in report["labels"].items()
                 for attr, value in e["attributes"].items()]
    if attr_rows:
        lines += ["", "Attribute agreement (Krippendorff's alpha over linked spans)"]
        lines.extend(_table(["label", "attribute", "alpha"], attr_rows))
    questions = report.get("questions") or {}
    if questions:
        lines += ["", "The article as a whole (Krippendorff's alpha over documents)"]
        q_rows = []
        for key, q in questions.items():
            percent = "—" if q["percent_agreement"] is None else f"{q['percent_agreement']:.0%}"
            q_rows.append([key, q["metric"], fmt(q["alpha"]), percent, str(q["units"])])
            if "ci" in q:
                q_rows.append(["  95% CI", "", fmt_interval(q["ci"].get("alpha")),
                               fmt_interval(q["ci"].get("percent_agreement")), ""])
        lines.extend(_table(["question", "metric", "alpha", "equal answers", "documents"],
                            q_rows))
    if report["reviewers_detail"]:
        lines += ["", "Reviewers"]
        lines.extend(_table(
            ["reviewer", "spans", "paragraphs reviewed", "F1 overlap vs others"],
            [[name, str(d["spans"]), str(d["paragraphs_reviewed"]),
              fmt(d["f1_overlap_vs_others"])] for name, d in report["reviewers_detail"].items()]))
    worst = report["documents_by_disagreement"][:10]
    if worst:
        lines += ["", "Documents with the most disagreement (overall F1 overlap)"]
        lines.extend(_table(["id", "F1 overlap", "title"],
                            [[str(d["id"]), fmt(d["f1_overlap"]), d["title"][:70]]
                             for d in worst]))
    lines += ["", "Reading alpha (Krippendorff): >= 0.800 reliable; 0.667-0.800 tentative "
              "conclusions only; below 0.667 not reliable. — means undefined."]
    return "\n".join(lines) + "\n"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip(),
           "  ".join("-" * w for w in widths)]
    for row in rows:
        out.append("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return out


def report_csv(report: dict[str, Any]) -> str:
    """One row per figure: scope, label, figure, pair or attribute, value, CI low, CI high."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["scope", "label", "figure", "detail", "value", "ci_low", "ci_high"])

    def row(scope, label, figure, detail, value, ci=None):
        writer.writerow([scope, label, figure, detail, "" if value is None else repr(value),
                         "" if not ci else repr(ci[0]), "" if not ci else repr(ci[1])])

    for key, entry in report["labels"].items():
        ci = entry.get("ci", {})
        for figure in LABEL_FIGURES:
            row("label", key, figure, "", entry[figure], ci.get(figure))
        for pair, value in entry["cohen_kappa"].items():
            row("label", key, "cohen_kappa", pair, value)
        for attr, value in entry["attributes"].items():
            row("attribute", key, "alpha", attr, value)
    ci = report["overall"].get("ci", {})
    for figure in OVERALL_FIGURES:
        row("overall", "", figure, "", report["overall"][figure], ci.get(figure))
    for key, q in (report.get("questions") or {}).items():
        ci = q.get("ci", {})
        row("question", "", "alpha", key, q["alpha"], ci.get("alpha"))
        row("question", "", "percent_agreement", key, q["percent_agreement"],
            ci.get("percent_agreement"))
        row("question", "", "units", key, q["units"])
    for name, detail in report["reviewers_detail"].items():
        for figure, value in detail.items():
            if not isinstance(value, dict):
                row("reviewer", "", figure, name, value)
    for doc in report["documents_by_disagreement"]:
        row("document", "", "f1_overlap", f"{doc['id']}: {doc['title']}", doc["f1_overlap"])
    return buffer.getvalue()
