"""The agreement report of a large project, against the cost of reading its rows.

The project: 2,000 documents of 25 paragraphs, each reviewed and submitted by 3 reviewers who
mostly agree (``common.AgreementGenerator``: reference spans found by most reviewers, some
boundaries a word off, a few other labels, attribute values mostly shared, some spans of
their own), about 200,000 spans with attributes, imported with ``parse_document_object`` +
``import_documents``. In one run, on that project:

a. a *bare read*: the rows the report reads, fetched with plain SQLAlchemy Core selects into
   Python lists (the documents' ids and titles, the paragraphs' text in order, the paragraph
   review marks, the document statuses, the spans with their attributes decoded by the
   column's JSON type, the gold spans), as the report needs them; nothing computed. It is
   what any report must pay before computing anything (the report itself decodes the
   attributes in one ``json.loads`` call, a little cheaper than the per-row decoding here);
b. ``build_report(project)``: the report without intervals;
c. ``build_report(project, bootstrap=1000, seed=1)``: with 95 % intervals from 1,000
   document resamples;
d. ``cached_report(project)`` called twice: the second call answers from the cache (one
   fingerprint query per table).

(a) is timed ``REPEATS`` times (the first read also warms the database's page cache), then (b)
and (c) alternately ``REPEATS`` times each; the medians are kept, and the resamples' cost
(c) - (b) is the median of the pairs' differences, which a drifting load hardly moves.
"""

from __future__ import annotations

import contextlib
import copy
import statistics
from typing import Any

from .common import (
    Benchmark,
    Context,
    Result,
    Target,
    Timing,
    agreement_project,
    log,
    timed,
)

REPORT_RATIO_TARGET = Target("<=", 5, "x")
BOOTSTRAP_RATIO_TARGET = Target("<=", 5, "x")
SEED = 4242
REVIEWERS = ("alice", "bob", "carol")
REPEATS = 3


def _setup(ctx: Context):
    return agreement_project(ctx, "agreement", SEED, REVIEWERS)


def bare_read(project) -> dict[str, list]:
    """The rows ``build_report`` reads, with plain Core selects into lists (see the module)."""
    from sqlalchemy import select

    from annotator.extensions import db
    from annotator.models import (
        Annotation,
        Document,
        DocumentReview,
        GoldSpan,
        Paragraph,
        ParagraphReview,
    )

    docs, d, p, pr, dr, a, g = (Document.__table__, *(
        m.__table__.c for m in (Document, Paragraph, ParagraphReview, DocumentReview,
                                Annotation, GoldSpan)))
    in_project = d.project_id == project.id
    execute = db.session.execute
    return {
        "documents": execute(select(d.id, d.title).where(in_project).order_by(d.id)).all(),
        "paragraphs": execute(
            select(p.document_id, p.text).join(docs, d.id == p.document_id).where(in_project)
            .order_by(p.document_id, p.position)).all(),
        "review_marks": execute(
            select(pr.document_id, pr.paragraph_index, pr.reviewer_id)
            .join(docs, d.id == pr.document_id).where(in_project)).all(),
        "statuses": execute(
            select(dr.document_id, dr.reviewer_id, dr.status)
            .join(docs, d.id == dr.document_id).where(in_project)).all(),
        "spans": execute(
            select(a.document_id, a.paragraph_index, a.reviewer_id, a.start, a.end, a.label,
                   a.attributes)
            .join(docs, d.id == a.document_id).where(in_project)).all(),
        "gold": execute(
            select(g.document_id, g.paragraph_index, g.start, g.end, g.label)
            .join(docs, d.id == g.document_id).where(in_project)).all(),
    }


def _timed_runs(ctx: Context, name: str, fn, *args: Any, **kwargs: Any) -> list[Timing]:
    """REPEATS timed calls; the first one profiled when the run profiles."""
    runs = []
    for i in range(REPEATS):
        with ctx.profiled(name) if i == 0 else contextlib.nullcontext():
            runs.append(timed(fn, *args, **kwargs))
    return runs


def _median(values) -> float:
    return statistics.median(list(values))


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def run(ctx: Context) -> list[Result]:
    from annotator.agreement import report as agreement
    from annotator.agreement.data import load_project_data
    from annotator.extensions import db

    app, imported = _setup(ctx)
    with app.app_context():
        from annotator.projects import find_project

        project = find_project("agreement")
        log("  bare read")
        reads = _timed_runs(ctx, "agreement-read", bare_read, project)
        spans = len(reads[-1].value["spans"])
        # The rows read are dropped: held, they would slow the collector in what follows.
        reads = [Timing(t.wall, t.cpu, None) for t in reads]
        db.session.expire_all()
        # The report without and with the bootstrap, alternately: the bootstrap's extra cost
        # is the median of the differences of the pairs, which load drifts hardly touch.
        log("  report without and with 1,000 bootstrap resamples, alternately")
        plain, booted = [], []
        for i in range(REPEATS):
            with ctx.profiled("agreement-report") if i == 0 else contextlib.nullcontext():
                plain.append(timed(agreement.build_report, project))
            with ctx.profiled("agreement-bootstrap") if i == 0 else contextlib.nullcontext():
                booted.append(timed(agreement.build_report, project, bootstrap=1000, seed=1))
        # The resampling step alone, on a computed builder: what (c) - (b) estimates.
        builder = agreement.ReportBuilder(load_project_data(project))
        builder.compute()
        scratch = copy.deepcopy(plain[-1].value)  # _add_intervals writes into it
        step = [timed(agreement._add_intervals, scratch, builder, 1000, 1, project)
                for _ in range(REPEATS)]
        log("  cached report")
        from annotator import cache

        cache.clear("agreement")
        first = timed(agreement.cached_report, project)
        with ctx.profiled("agreement-cached"):
            second = timed(agreement.cached_report, project)
        if second.value != first.value:
            raise RuntimeError("the second cached_report call answered another report")

    read_ms = _median(t.wall for t in reads)
    report_ms = _median(t.wall for t in plain)
    boot_ms = _median(t.wall for t in booted)
    extra_ms = _median(c.wall - b.wall for b, c in zip(plain, booted, strict=True))
    extra_cpu = _median(c.cpu - b.cpu for b, c in zip(plain, booted, strict=True))
    report = plain[-1].value
    ci = booted[-1].value["overall"]["ci"]["token_alpha"]
    overall = report["overall"]
    if overall["token_alpha"] is None or not 0.2 < overall["token_alpha"] < 0.98:
        raise RuntimeError(f"the generated project's agreement is not realistic: {overall}")
    what = (f"{report['documents']:,} documents, {report['paragraphs']:,} paragraphs, "
            f"{spans:,} spans of {len(report['reviewers'])} reviewers")
    return [
        Result("agreement: (a) bare read of the report's rows", "ms", read_ms,
               cpu=_median(t.cpu for t in reads), n=REPEATS,
               note=f"{what}; Core selects into lists: documents, paragraph texts, review "
                    f"marks, document statuses, spans with attributes (JSON decoded), gold"),
        Result("agreement: (b) build_report, no bootstrap", "ms", report_ms,
               cpu=_median(t.cpu for t in plain), n=REPEATS,
               note=f"overall token alpha {_figure(overall['token_alpha'])}, unitizing alpha "
                    f"{_figure(overall['unitizing_alpha'])}, F1 exact "
                    f"{_figure(overall['f1_exact'])}, F1 overlap "
                    f"{_figure(overall['f1_overlap'])}; {imported.spans:,} spans imported"),
        Result("agreement: (c) build_report, bootstrap=1000, seed=1", "ms", boot_ms,
               cpu=_median(t.cpu for t in booted), n=REPEATS,
               note=f"overall token alpha 95 % interval "
                    f"[{_figure(ci[0] if ci else None)}, {_figure(ci[1] if ci else None)}]; "
                    f"cpu above wall: numpy's matrix products use several threads"),
        Result("agreement: (d) cached_report, second call", "ms", second.wall, cpu=second.cpu,
               note=f"the first call (computes and caches) took {first.wall:,.0f} ms"),
        Result("agreement: report / bare read, (b) / (a)", "x", report_ms / read_ms,
               target=REPORT_RATIO_TARGET),
        Result("agreement: 1,000 resamples / report, (c - b) / (b)", "x",
               extra_ms / report_ms, target=BOOTSTRAP_RATIO_TARGET,
               note=f"the resamples add {extra_ms:,.0f} ms (median of the {REPEATS} pairs' "
                    f"differences; {extra_cpu:,.0f} ms of CPU); the resampling step alone "
                    f"(_add_intervals on a computed report) takes "
                    f"{_median(t.wall for t in step):,.0f} ms"),
    ]


BENCHMARK = Benchmark("agreement", "agreement report of 2,000 docs x 3 reviewers vs a bare "
                      "read of its rows", run)
