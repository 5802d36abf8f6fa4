"""The source ledger of a large project (docs/ledger.md), against the target of the brief.

The project: 2,000 documents of 25 paragraphs, each reviewed and submitted by 3 reviewers who
mostly agree (``common.AgreementGenerator``, as the agreement benchmark), about 200,000 spans
with attributes (attributions with sources and types, expert opinions, disclaimers, framing),
and gold spans on every document (the first reviewer's, so that the default ledger is gold's).
In one run:

a. ``build_project_ledger(project)``: gold's ledger of every document and the reliability of
   the three reviewers' per-document figures, which computes a ledger for each of the 6,000
   reviews too: every span of the project is read and counted;
b. the same grouped by outlet with 1,000 bootstrap resamples (seed 1);
c. ``cached_project_ledger`` called twice: the second call answers from the cache (one
   fingerprint query per table read);
d. one document's ledger (``document_ledger``, gold), as the annotate page's panel asks it.

(a) and (b) are timed ``REPEATS`` times each, alternately; medians are kept.
"""

from __future__ import annotations

import contextlib
import statistics

from .common import Benchmark, Context, Result, Target, agreement_project, log, timed

LEDGER_TARGET = Target("<", 2000, "ms")
SEED = 1313
REVIEWERS = ("alice", "bob", "carol")
REPEATS = 3


def _with_gold(obj: dict) -> dict:
    """The document with gold: the first reviewer's spans, one per place and label."""
    seen, gold = set(), []
    for span in obj["reviews"][0]["annotations"]:
        place = (span["paragraph"], span["start"], span["end"], span["label"])
        if place not in seen:
            seen.add(place)
            gold.append({**span, "provenance": "majority"})
    obj["gold"] = gold
    return obj


def _setup(ctx: Context):
    return agreement_project(ctx, "ledger", SEED, REVIEWERS, ", and gold", _with_gold)


def _median(values) -> float:
    return statistics.median(list(values))


def run(ctx: Context) -> list[Result]:
    from annotator.extensions import db
    from annotator.ledger import project as ledger
    from annotator.ledger.report import document_ledger
    from annotator.models import Document

    app, imported = _setup(ctx)
    with app.app_context():
        from annotator.projects import find_project

        project = find_project("ledger")
        db.session.expire_all()
        log("  project ledger, plain and by outlet with 1,000 resamples, alternately")
        plain, booted = [], []
        for i in range(REPEATS):
            with ctx.profiled("ledger-project") if i == 0 else contextlib.nullcontext():
                plain.append(timed(ledger.build_project_ledger, project))
            with ctx.profiled("ledger-bootstrap") if i == 0 else contextlib.nullcontext():
                booted.append(timed(ledger.build_project_ledger, project, by="source",
                                    bootstrap=1000, seed=1))
        log("  cached project ledger")
        from annotator import cache

        cache.clear("ledger")
        first = timed(ledger.cached_project_ledger, project)
        second = timed(ledger.cached_project_ledger, project)
        if second.value != first.value:
            raise RuntimeError("the second cached_project_ledger call answered another ledger")
        log("  one document's ledger")
        doc = db.session.scalar(db.select(Document).where(Document.project_id == project.id)
                                .order_by(Document.id))
        singles = [timed(document_ledger, doc, "gold") for _ in range(10)]

    result = plain[-1].value
    reliability = result["reliability"]
    what = (f"{result['documents']:,} documents (gold), {imported.spans:,} spans imported; "
            f"{result['totals']['mentions']:,} gold mentions of "
            f"{result['totals']['sources']:,} sources")
    if not result["totals"]["sources"]:
        raise RuntimeError("the generated project has no sources")

    def alpha(name: str) -> str:
        value = reliability[name]["alpha"]
        return "-" if value is None else f"{value:.3f}"

    return [
        Result("ledger: (a) project ledger (gold + reliability of 3 reviewers)", "ms",
               _median(t.wall for t in plain), cpu=_median(t.cpu for t in plain), n=REPEATS,
               target=LEDGER_TARGET,
               note=f"{what}; reliability alpha of sources {alpha('sources')}, official "
                    f"share {alpha('official_share')}, over "
                    f"{reliability['sources']['units']:,} documents"),
        Result("ledger: (b) by outlet, bootstrap=1000, seed=1", "ms",
               _median(t.wall for t in booted), cpu=_median(t.cpu for t in booted), n=REPEATS,
               note=f"{len(booted[-1].value['groups'])} outlets"),
        Result("ledger: (c) cached_project_ledger, second call", "ms", second.wall,
               cpu=second.cpu, note=f"the first call took {first.wall:,.0f} ms"),
        Result("ledger: (d) one document's ledger (gold)", "ms",
               _median(t.wall for t in singles), cpu=_median(t.cpu for t in singles),
               n=len(singles)),
    ]


BENCHMARK = Benchmark("ledger", "source ledger of 2,000 docs x 3 reviewers (200,000 spans)",
                      run)
