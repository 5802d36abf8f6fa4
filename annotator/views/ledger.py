"""The source ledger's pages: a document's (its text with the mentions marked, the rows linking
to them) and a project's (server-rendered SVG charts, as the agreement page), and their
downloads. The figures come from ``ledger`` (the project's cached); the charts from
``ledger.charts``; the filters are the agreement page's (``agreement.filters``)."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..access import (
    get_document,
    get_project,
    may_see_agreement,
    require_admin,
    require_spans_access,
)
from ..agreement.filters import Filters, document_count, project_reviewers, project_sources
from ..annotations import paragraph_texts
from ..codebook import load_codebook
from ..errors import DomainError, NotFound
from ..models import Project
from .annotate import label_stylesheet
from .forms import ActionForm

bp = Blueprint("ledger", __name__)

GOLD = "gold"
BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 20210726  # fixed: the same data, the same intervals
TOP = 20
FLAG_WORDS = {"no_sources": "no sources", "single_source": "a single source",
              "anonymous_only": "anonymous sources only",
              "single_type_dominates": "one type holds most sources"}


# --- a document -------------------------------------------------------------------------------

def _segments(text: str, spans: list[dict]) -> list[dict]:
    """A paragraph cut where mentions start and end: each piece with the mentions covering it
    (their span ids) and the ids of the mentions that start at it (anchors)."""
    cuts = sorted({0, len(text), *(s["start"] for s in spans), *(s["end"] for s in spans)})
    pieces = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        covering = [s for s in spans if s["start"] < b and s["end"] > a]
        pieces.append({"text": text[a:b], "sources": sorted({s["source"] for s in covering}),
                       "anchors": [s["id"] for s in spans if s["start"] == a]})
    return pieces


@bp.get("/documents/<int:document_id>/ledger")
@login_required
def document_page(document_id: int):
    from ..ledger.config import ledger_config
    from ..ledger.report import document_ledger, has_gold

    document = get_document(document_id, current_user)
    project = document.project
    config = ledger_config(load_codebook(project.codebook).data)
    gold = has_gold(document.id)
    spans = request.args.get("spans", "").strip() or (GOLD if gold else current_user.username)
    if spans == GOLD:
        ledger = document_ledger(document, GOLD)
    else:
        ledger = document_ledger(document, require_spans_access(document, current_user, spans))
    texts = paragraph_texts(document.id)
    marks: dict[int, list[dict]] = {}
    for number, row in enumerate(ledger["rows"], start=1):
        row["number"] = number
        for place in row["spans"]:
            place["anchor"] = f"m{place.get('id', '')}-{place['paragraph']}-{place['start']}"
            place["text"] = texts[place["paragraph"]][place["start"]:place["end"]]
            marks.setdefault(place["paragraph"], []).append(
                {"start": place["start"], "end": place["end"], "id": place["anchor"],
                 "source": number})
    paragraphs = [_segments(text, marks.get(i, [])) for i, text in enumerate(texts)]
    choices = ([GOLD] if gold else []) + [current_user.username]
    if ledger["spans"] not in choices:
        choices.append(ledger["spans"])
    return render_template(
        "ledger_document.html", document=document, project=project, ledger=ledger,
        paragraphs=paragraphs, config=config, choices=choices, flag_words=FLAG_WORDS,
        label_css=label_stylesheet(project))


# --- a project --------------------------------------------------------------------------------

def _project_ledger(slug: str, by: str | None = None
                    ) -> tuple[Project, Filters, dict[str, Any], str]:
    """The project, the filters, the ledger grouped ``by`` (default: the query's, else by
    outlet) and the grouping."""
    from ..accounts import find_user
    from ..ledger.project import cached_project_ledger
    from ..ledger.report import project_spans

    project = get_project(slug, current_user)
    filters = Filters.from_args(request.args, project_reviewers(project))
    document_ids = filters.document_ids(project)
    spans, user_id = project_spans(project, current_user,
                                   request.args.get("spans", "").strip(), document_ids)
    reviewer_ids = None
    if filters.reviewers is not None:
        reviewer_ids = [u.id for u in map(find_user, filters.reviewers) if u is not None]
    by = by or request.args.get("by", "source")
    by = by if by in ("source", "month") else "source"
    ledger = cached_project_ledger(
        project, spans=spans, spans_user_id=user_id, by=by,
        bootstrap=BOOTSTRAP_RESAMPLES if filters.intervals else 0,
        seed=BOOTSTRAP_SEED if filters.intervals else None,
        document_ids=document_ids, reviewer_ids=reviewer_ids,
        reliability=may_see_agreement(current_user, project), top=None)
    return project, filters, ledger, by


def _charts(ledger: dict[str, Any], by_month: dict[str, Any] | None) -> dict[str, Any]:
    from ..ledger import charts

    types = ledger["type_names"]
    groups = ledger["groups"]

    def name(key):
        return key if key is not None else "(none)"

    out: dict[str, Any] = {}
    with_sources = [g for g in groups if g["totals"]["sources"]]
    if with_sources:
        out["types"] = charts.stacked_shares(
            [(name(g["key"]), g["totals"]["sources"],
              [g["totals"]["type_counts"].get(t, 0) for t in types]) for g in with_sources],
            types, "Shares of the sources by type, per outlet")

    def shares(rows, title):
        return charts.share_bars(
            [(name(g["key"]), [(g["means"][f], (g.get("ci") or {}).get(f))
                               for f in ("official_share", "anonymous_share")]) for g in rows],
            ["official share", "anonymous share"], title)

    if groups:
        out["shares"] = shares(groups, "Official and anonymous shares per outlet")
        out["diversity"] = charts.share_bars(
            [(name(g["key"]), [(g["means"][f], (g.get("ci") or {}).get(f))
                               for f in ("simpson", "evenness")]) for g in groups],
            ["Simpson diversity", "Pielou evenness"], "Diversity of source types per outlet",
            percent=False)
    if by_month and by_month["groups"]:
        out["months"] = shares(by_month["groups"], "Official and anonymous shares per month")
    top = ledger["top_sources"][:TOP]
    if top:
        out["top"] = charts.count_bars([(s["name"] or s["key"], s["documents"], s["type"],
                                         s["mentions"]) for s in top], types,
                                       "The top sources by documents")
    return out


@bp.get("/projects/<slug>/ledger")
@login_required
def project_page(slug: str):
    from ..ledger.config import ledger_config

    project, filters, ledger, by = _project_ledger(slug)
    config = ledger_config(load_codebook(project.codebook).data)
    by_month = None
    if config.usable and ledger["documents"]:
        # the same ledger by month, for the chart over time (cached alike)
        by_month = _project_ledger(slug, "month")[2]
    keep = dict(filters.query())
    if request.args.get("spans"):
        keep["spans"] = request.args["spans"]
    spans_choices = [GOLD, current_user.username]
    if may_see_agreement(current_user, project):
        spans_choices += [r for r in project_reviewers(project) if r not in spans_choices]
    downloads = {name: url_for("ledger.download", slug=project.slug, table=table, fmt=fmt,
                               **keep)
                 for name, table, fmt in (("documents_csv", "documents", "csv"),
                                          ("documents_json", "documents", "json"),
                                          ("sources_csv", "sources", "csv"),
                                          ("sources_json", "sources", "json"))}
    return render_template(
        "ledger_project.html", project=project, ledger=ledger, filters=filters, by=by,
        config=config, charts=_charts(ledger, by_month) if config.usable else {},
        sources=project_sources(project), total_documents=document_count(project),
        spans_choices=spans_choices, downloads=downloads, flag_words=FLAG_WORDS, top=TOP,
        flagged=[d for d in ledger["document_rows"] if d["flags"]], keep=keep,
        resamples=BOOTSTRAP_RESAMPLES, label_css=label_stylesheet(project))


@bp.get("/projects/<slug>/ledger-<table>.<fmt>")
@login_required
def download(slug: str, table: str, fmt: str):
    from ..ledger.formats import documents_csv, sources_csv

    if table not in ("documents", "sources") or fmt not in ("csv", "json"):
        raise NotFound("There is no such download.")
    project, filters, ledger, _ = _project_ledger(slug)
    if fmt == "csv":
        body = documents_csv(ledger) if table == "documents" else sources_csv(ledger)
        mimetype = "text/csv; charset=utf-8"
    else:
        rows = ledger["document_rows"] if table == "documents" else ledger["top_sources"]
        body = json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
        mimetype = "application/json"
    suffix = "-filtered" if filters.active else ""
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="ledger-{table}-{project.slug}{suffix}.{fmt}"')
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- the alias table (admins) ------------------------------------------------------------------

@bp.get("/projects/<slug>/ledger/aliases")
@login_required
def aliases_page(slug: str):
    from ..ledger.aliases import aliases_of, candidates, project_keys

    project = get_project(slug, current_user)
    require_admin(current_user)
    keys = project_keys(project)
    table = aliases_of(project)
    return render_template(
        "ledger_aliases.html", project=project, form=ActionForm(),
        aliases=[{"alias": a, "canonical": c, "name": keys.get(a, {}).get("name", a),
                  "documents": keys.get(a, {}).get("documents", 0)}
                 for a, c in sorted(table.items())],
        candidates=candidates(project, keys), keys=len(keys))


@bp.post("/projects/<slug>/ledger/aliases")
@login_required
def aliases_change(slug: str):
    from ..ledger.aliases import merge, split

    project = get_project(slug, current_user)
    require_admin(current_user)
    if not ActionForm().validate_on_submit():
        abort(400)
    alias = request.form.get("alias", "")
    try:
        if request.form.get("action") == "split":
            split(project, alias, current_user)
            flash(f"“{alias}” is its own source again.", "success")
        else:
            canonical = request.form.get("canonical", "")
            merge(project, alias, canonical, current_user)
            flash(f"“{alias}” is now counted as “{canonical}”.", "success")
    except DomainError as exc:
        flash(exc.message, "error")
    return redirect(url_for("ledger.aliases_page", slug=project.slug))
