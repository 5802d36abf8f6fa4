"""The agreement page of a project, its downloads, and the compare view of one document.

Everything is rendered on the server: the figures come from ``agreement.report`` (cached),
the charts are SVG strings from ``agreement.charts``, the compare view's data from
``agreement.compare``, the filters and their queries from ``agreement.filters``. No script
runs on these pages; filters are a GET form, so every view has an address that can be shared
or bookmarked.

Access: admins, and reviewers in open (non-blind) projects (``require_agreement_access``).
"""

from __future__ import annotations

import json
import statistics
from typing import Any

from flask import Blueprint, Response, render_template, request, url_for
from flask_login import current_user, login_required

from .. import answers
from ..access import (
    get_document,
    get_project,
    require_agreement_access,
    require_others_visible,
)
from ..agreement import charts
from ..agreement.compare import compare_document, compare_paragraph, compare_summary
from ..agreement.filters import Filters, document_count, project_reviewers, project_sources
from ..agreement.formats import report_csv
from ..codebook import load_codebook
from ..models import Document, Project
from .annotate import label_stylesheet

bp = Blueprint("agreement", __name__)

BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 20210726  # fixed: the same data, the same intervals, a stable page
# A reviewer whose F1 against the others is more than this below the median of the other
# reviewers' is flagged (with three reviewers or more): one rule, applied to everyone alike.
OUTLIER_GAP = 0.10

FIGURES = (
    ("paragraph_alpha", "Paragraph α",
     "Do reviewers agree on which paragraphs contain this label at all?"),
    ("token_alpha", "Token α",
     "Do reviewers agree, word by word, on which words belong to this label?"),
    ("unitizing_alpha", "Unitizing α",
     "Do reviewers agree on where each passage starts and ends, character by character "
     "(documents submitted by two or more)? Pooled over documents by length: a long article "
     "weighs as much as its text, as if all were one continuous text."),
    ("unitizing_alpha_document_mean", "Unitizing α (doc. mean)",
     "The same computed for each document alone and averaged, as INCEpTION reports it: "
     "every document counts alike, so short ones weigh as much as long ones."),
    ("f1_exact", "F1 exact",
     "How often does another reviewer mark exactly the same passage, to the character? "
     "(share of matching spans, 0 to 1)"),
    ("f1_overlap", "F1 overlap",
     "The same, with partial credit for passages that only overlap: forgives small boundary "
     "differences."),
    ("fleiss_kappa", "Fleiss' κ",
     "Like paragraph α, computed as Fleiss' kappa: chance-corrected agreement on which "
     "paragraphs contain the label."),
)
# What the overall figures say, in a few words, on the cards at the top.
OVERALL_NOTES = {
    "token_alpha": "word by word, all labels at once; corrected for chance",
    "unitizing_alpha": "where passages start and end; corrected for chance",
    "unitizing_alpha_document_mean": "the same per document, averaged (INCEpTION's)",
    "f1_exact": "share of spans marked identically by another reviewer",
    "f1_overlap": "the same, with partial credit for overlapping spans",
}
CHANCE_CORRECTED = {"paragraph_alpha", "token_alpha", "unitizing_alpha",
                    "unitizing_alpha_document_mean", "fleiss_kappa"}
UNDEFINED = ("Undefined: there is nothing to compare here, e.g. nobody (or everybody) used "
             "this label everywhere, or no paragraph was reviewed by two of the reviewers.")


def _agreement_project(slug: str) -> Project:
    project = get_project(slug, current_user)
    require_agreement_access(current_user, project)
    return project


def _report(project: Project, filters: Filters, document_ids: list[int] | None) -> dict:
    # Imported here: the report (numpy) is a tenth of a second of every start otherwise.
    from ..agreement.report import cached_report

    return cached_report(
        project,
        bootstrap=BOOTSTRAP_RESAMPLES if filters.intervals else 0,
        seed=BOOTSTRAP_SEED if filters.intervals else None,
        document_ids=document_ids,
        reviewers=filters.reviewers,
    )


def _filtered_report(slug: str) -> tuple[Project, Filters, list[int] | None, dict]:
    project = _agreement_project(slug)
    filters = Filters.from_args(request.args, project_reviewers(project))
    document_ids = filters.document_ids(project)
    return project, filters, document_ids, _report(project, filters, document_ids)


# --- the page ----------------------------------------------------------------------------------

@bp.get("/projects/<slug>/agreement")
@login_required
def page(slug: str):
    project, filters, document_ids, report = _filtered_report(slug)
    codebook = load_codebook(project.codebook).data
    labels = {label["key"]: label for label in codebook["labels"]}
    context = {
        "project": project,
        "filters": filters,
        "report": report,
        "labels": labels,
        "sources": project_sources(project),
        "total_documents": document_count(project),
        "figures": FIGURES,
        "chance_corrected": CHANCE_CORRECTED,
        "undefined": UNDEFINED,
        "fmt": charts.fmt,
        "zone": charts.zone,
        "resamples": BOOTSTRAP_RESAMPLES,
        "seed": BOOTSTRAP_SEED,
        "downloads": _downloads(project, filters, document_ids),
        "label_css": label_stylesheet(project),
        "outlier_gap": OUTLIER_GAP,
    }
    context["enough"] = len(report["reviewers"]) >= 2 and report["paragraphs"] > 0
    if context["enough"]:
        context.update(_page_sections(report, labels))
    context["question_rows"] = question_rows(report, codebook.get("questions", []))
    return render_template("agreement.html", **context)


def _downloads(project: Project, filters: Filters, document_ids: list[int] | None) -> dict:
    api: dict[str, Any] = {}
    if document_ids is not None:
        api["documents"] = ",".join(str(i) for i in document_ids) or "0"
    if filters.reviewers is not None:
        api["reviewers"] = ",".join(filters.reviewers)
    if filters.intervals:
        api.update(bootstrap=BOOTSTRAP_RESAMPLES, seed=BOOTSTRAP_SEED)
    return {
        "json": url_for("agreement.download_json", slug=project.slug, **filters.query()),
        "csv": url_for("agreement.download_csv", slug=project.slug, **filters.query()),
        "api": url_for("api.agreement", slug=project.slug, **api),
    }


def _name(labels: dict, key: str) -> str:
    return labels[key]["name"] if key in labels else key


def _page_sections(report: dict, labels: dict) -> dict:
    """What the page shows besides the raw report: rows of the tables and the charts."""
    keys = list(report["labels"])
    label_rows = []
    for key in keys:
        entry = report["labels"][key]
        ci = entry.get("ci", {})
        label_rows.append({
            "key": key, "name": _name(labels, key), "counts": entry.get("counts", {}),
            "figures": [{"key": fig, "value": entry[fig], "ci": ci.get(fig),
                         "zone": charts.zone(entry[fig]) if fig in CHANCE_CORRECTED else None}
                        for fig, _, _ in FIGURES],
            "attributes": [
                {"key": attr, "name": _attribute_name(labels, key, attr), "value": value,
                 "zone": charts.zone(value),
                 **attribute_context(entry.get("attribute_agreement", {}).get(attr, {}))}
                for attr, value in entry["attributes"].items()],
        })
    bars = charts.bar_chart(
        [(_name(labels, key), [
            (report["labels"][key]["token_alpha"],
             report["labels"][key].get("ci", {}).get("token_alpha")),
            (report["labels"][key]["f1_overlap"],
             report["labels"][key].get("ci", {}).get("f1_overlap"))])
         for key in keys],
        ["Token α", "F1 overlap"], zoned=(True, False),
        title="Token alpha and F1 overlap per label, with the 0.667 and 0.800 thresholds")
    pairs = sorted({p for key in keys for p in report["labels"][key]["cohen_kappa"]})
    heatmap = charts.heatmap(
        [p.replace("|", " – ") for p in pairs],
        [_name(labels, key) for key in keys],
        [[report["labels"][key]["cohen_kappa"].get(p) for key in keys] for p in pairs],
    ) if pairs else None
    confusion = report.get("confusion")
    confusion_chart = None
    if confusion and any(any(row) for row in confusion["tokens"]):
        confusion_chart = charts.confusion_matrix(
            [_name(labels, k) if k in labels else "no label" for k in confusion["labels"]],
            confusion["tokens"],
            [labels[k]["color"] if k in labels else None for k in confusion["labels"]],
        )
    verdict = [(z, word, [row["name"] for row in label_rows if row["figures"][1]["zone"] == z])
               for z, word in (("high", "Reliable:"), ("mid", "Tentative only:"),
                               ("low", "Not reliable:"))]
    return {
        "verdict": verdict,
        "label_rows": label_rows,
        "bars": bars,
        "heatmap": heatmap,
        "pairs": pairs,
        "confusion_chart": confusion_chart,
        "confusion_pairs": _top_confusions(confusion, labels) if confusion else [],
        "reviewer_rows": reviewer_rows(report["reviewers_detail"]),
        "documents_ranked": report["documents_by_disagreement"],
        "overall": [{"key": fig, "name": name, "value": report["overall"].get(fig),
                     "ci": report["overall"].get("ci", {}).get(fig),
                     "note": OVERALL_NOTES.get(fig, ""),
                     "zone": charts.zone(report["overall"].get(fig))
                     if fig in CHANCE_CORRECTED else None}
                    for fig, name, _ in FIGURES if fig in report["overall"]],
        "inline_bar": charts.inline_bar,
    }


METRIC_NAMES = {"nominal": "nominal", "ordinal": "ordinal (on the scale's ranks)",
                "interval": "interval", "masi": "MASI (sets)"}


def question_rows(report: dict, questions: list[dict]) -> list[dict]:
    """The article-level questions with an agreement figure, in the codebook's order."""
    rows = []
    for question in questions:
        entry = report.get("questions", {}).get(question["key"])
        if entry is None:
            continue
        ci = entry.get("ci", {})
        rows.append({
            "key": question["key"], "name": question["name"], "type": question["type"],
            "metric": METRIC_NAMES.get(entry["metric"], entry["metric"]),
            "alpha": entry["alpha"], "zone": charts.zone(entry["alpha"]),
            "alpha_ci": ci.get("alpha"), "percent": entry["percent_agreement"],
            "percent_ci": ci.get("percent_agreement"), "units": entry["units"],
        })
    return rows


def _attribute_name(labels: dict, key: str, attr: str) -> str:
    for attribute in labels.get(key, {}).get("attributes", []):
        if attribute["key"] == attr:
            return attribute["name"]
    return attr


def _top_confusions(confusion: dict, labels: dict, limit: int = 3) -> list[dict]:
    """The label pairs mixed up most often (off the diagonal, "none" left out), in words."""
    keys, matrix = confusion["labels"], confusion["tokens"]
    found = []
    for i in range(len(keys)):
        for j in range(i + 1, len(keys)):
            if keys[i] == "none" or keys[j] == "none":
                continue
            count = matrix[i][j] + matrix[j][i]
            if count >= 1:
                found.append({"a": _name(labels, keys[i]), "b": _name(labels, keys[j]),
                              "tokens": round(count / 2)})
    found.sort(key=lambda x: -x["tokens"])
    return found[:limit]


def reviewer_rows(detail: dict[str, dict]) -> list[dict]:
    """The reviewers table. One rule flags outliers, the same for every reviewer: with three
    reviewers or more, F1 overlap against the others more than ``OUTLIER_GAP`` below the median
    of the other reviewers' (so two low reviewers are both flagged, not only the lowest)."""
    scores = {name: d["f1_overlap_vs_others"] for name, d in detail.items()}
    defined = {n: s for n, s in scores.items() if s is not None}
    rows = []
    for name, d in detail.items():
        others = [s for n, s in defined.items() if n != name]
        median = statistics.median(others) if len(defined) >= 3 and others else None
        rows.append({"name": name, **d, "others_median": median,
                     "outlier": median is not None and scores[name] is not None
                     and median - scores[name] > OUTLIER_GAP})
    return rows


def attribute_context(detail: dict) -> dict:
    """What the page shows beside an attribute's alpha: percent agreement, units, and whether
    one value dominates (the paradox of high agreement and low alpha)."""
    from ..agreement.report import DOMINANT_SHARE  # with the report: see _report

    percent, top, alpha = (detail.get("percent_agreement"), detail.get("top_share"),
                           detail.get("alpha"))
    paradox = (percent is not None and top is not None and percent >= 0.8
               and top >= DOMINANT_SHARE and (alpha is None or alpha < 0.667))
    return {"percent": percent, "units": detail.get("units", 0), "top_share": top,
            "paradox": paradox}


# --- downloads ---------------------------------------------------------------------------------

def _attachment(body: str, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/projects/<slug>/agreement.json")
@login_required
def download_json(slug: str):
    project, filters, _, report = _filtered_report(slug)
    suffix = "-filtered" if filters.active else ""
    return _attachment(json.dumps(report, ensure_ascii=False, indent=2) + "\n",
                       "application/json", f"agreement-{project.slug}{suffix}.json")


@bp.get("/projects/<slug>/agreement.csv")
@login_required
def download_csv(slug: str):
    project, filters, _, report = _filtered_report(slug)
    suffix = "-filtered" if filters.active else ""
    return _attachment(report_csv(report), "text/csv; charset=utf-8",
                       f"agreement-{project.slug}{suffix}.csv")


# --- the compare view ------------------------------------------------------------------------

@bp.get("/documents/<int:document_id>/compare")
@login_required
def compare(document_id: int):
    document = get_document(document_id, current_user)
    project = document.project
    require_agreement_access(current_user, project)
    require_others_visible(document, current_user)
    data = compare_document(document)
    codebook = load_codebook(project.codebook).data
    labels = {label["key"]: label for label in codebook["labels"]}
    # By default only the paragraphs with disagreement (a long article with many reviewers
    # is long to read); reviewers can be hidden, with the choice kept in the address.
    only = request.args.get("only", "disagreement") != "all"
    everyone = [r["name"] for r in data["reviewers"]]
    chosen = everyone
    if request.args.get("filtered") == "1":
        wanted = {name.lower() for name in request.args.getlist("reviewer")}
        chosen = [name for name in everyone if name.lower() in wanted]
    paragraphs = [compare_paragraph(p, labels, set(chosen)) for p in data["paragraphs"]]
    summary = compare_summary(data, paragraphs)
    shown = [p for p in paragraphs if p["disagreement"]] if only else paragraphs
    keep = {"filtered": "1", "reviewer": chosen} if chosen != everyone else {}
    return render_template("compare.html", project=project, document=document, data=data,
                           paragraphs=shown, summary=summary, only=only, labels=labels,
                           chosen=chosen, keep=keep, label_css=label_stylesheet(project),
                           answer_rows=compare_answers(document, codebook.get("questions", []),
                                                       chosen))


def answer_text(value: Any) -> str:
    """An answer as the pages show it."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v).replace("_", " ") for v in value) or "—"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("_", " ") if isinstance(value, str) else str(value)


def compare_answers(document: Document, questions: list[dict], chosen: list[str]) -> list[dict]:
    """Each article-level question with every shown reviewer's answer and the gold one;
    ``differ`` when two reviewers gave different answers."""
    if not questions:
        return []
    given = answers.reviewers_answers(document)
    gold = answers.list_gold_answers(document)
    rows = []
    for q in questions:
        cells = []
        for name in chosen:
            value = given.get(name, {}).get("answers", {}).get(q["key"])
            cells.append({"reviewer": name, "value": value, "text": answer_text(value)})
        values = [json.dumps(c["value"], sort_keys=True) for c in cells if c["value"] is not None]
        gold_value = gold.get(q["key"], {}).get("value")
        rows.append({"key": q["key"], "name": q["name"], "cells": cells,
                     "differ": len(set(values)) > 1,
                     "gold": None if gold_value is None else answer_text(gold_value)})
    return rows
