"""Exports of a project with a million spans: throughput and peak memory per format.

The project (built once per run, then only read): 5,000 documents of 20 paragraphs, 3
reviewers with 60 spans each per document (3 per paragraph on average, attributes valid for
the default codebook, a few notes; 70 % of the reviews submitted, the others with some
paragraphs marked reviewed) and 20 gold spans per document: 1,000,000 spans. The rows are
written with SQLAlchemy Core straight into the tables (no validation: it is benchmark data),
deterministically (seeded), a few hundred documents per transaction.

Each format (jsonl, csv, conll, brat, doccano) is exported by its own worker process
(``python -m benchmarks.exports export``): it creates the app, then consumes
``annotator.exports.export(project, fmt)`` chunk by chunk, counting the bytes (text chunks
encoded to UTF-8, as a response sends them) and keeping nothing. The worker reports the wall
and CPU time of the loop and its peak RSS (VmHWM), so each format's peak is its own.

Once more, the HTTP path: a worker (``... http``) GETs
``/api/projects/SLUG/export?format=jsonl`` with an admin's bearer token through the Flask test
client, unbuffered, and iterates the response body: a peak RSS far below the size of the
output shows that the response streams.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from dataclasses import dataclass
from typing import Any

from .common import (
    SECRET_KEY,
    Benchmark,
    Context,
    CorpusGenerator,
    Result,
    Target,
    log,
    profile_args,
    rss_mb,
    run_worker,
    word_bounds,
)

THROUGHPUT_TARGET = Target(">=", 100_000, "spans/s")
RSS_TARGET = Target("<=", 200, "MB")
FORMATS = ("jsonl", "csv", "conll", "brat", "doccano")
SEED = 31337
PROJECT = "exports"
REVIEWERS = ("alice", "bob", "carol")
PARAGRAPHS = 20
SPANS_PER_REVIEWER = 60  # per document
GOLD_PER_DOCUMENT = 20
DOCUMENTS_PER_TRANSACTION = 250
STAMP = dt.datetime(2024, 6, 1, 12, 0, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Fixture:
    url: str
    token: str
    documents: int
    spans: int  # reviewers' and gold
    gold: int
    build_s: float


# --- the fixture ----------------------------------------------------------------------------

def _rows(generator: CorpusGenerator, first_id: int, count: int,
          reviewer_ids: list[int], project_id: int, pools: dict[str, list[dict]]
          ) -> dict[str, list[dict[str, Any]]]:
    """The rows of ``count`` documents, ids from ``first_id``."""
    from annotator.imports import content_hash

    rng = generator.rng
    labels = [label["key"] for label in generator.labels]
    weights = generator.label_weights
    steps = (0, 1, 2, 4, 6, 10, 16, 25)
    out: dict[str, list[dict[str, Any]]] = {
        "documents": [], "paragraphs": [], "document_reviews": [], "paragraph_reviews": [],
        "annotations": [], "gold_spans": [],
    }
    for doc_id in range(first_id, first_id + count):
        texts = [generator.paragraph() for _ in range(PARAGRAPHS)]
        bounds = [word_bounds(t) for t in texts]
        out["documents"].append({
            "id": doc_id, "project_id": project_id,
            "title": f"{rng.choice(generator.sentences)[:120]} ({doc_id})",
            "source": "Reuters", "url": f"https://news.example.org/world/{doc_id}",
            "published": dt.date(2020 + doc_id % 5, 1 + doc_id % 12, 1 + doc_id % 28),
            "meta": {"section": "world"}, "external_id": f"export-{doc_id:06d}",
            "content_hash": content_hash(texts), "paragraph_count": PARAGRAPHS,
            "created_at": STAMP,
        })
        out["paragraphs"].extend({"document_id": doc_id, "position": i, "text": t}
                                 for i, t in enumerate(texts))

        def span(par: int, doc_id: int = doc_id, bounds: list = bounds) -> dict[str, Any]:
            words = bounds[par]
            first = rng.randrange(len(words))
            last = min(len(words) - 1, first + rng.choice(steps))
            label = rng.choices(labels, weights=weights)[0]
            return {"document_id": doc_id, "paragraph_index": par, "start": words[first][0],
                    "end": words[last][1], "label": label,
                    "attributes": rng.choice(pools[label]),
                    "note": "check the source" if rng.random() < 0.05 else ""}

        for reviewer_id in reviewer_ids:
            submitted = rng.random() < 0.7
            out["document_reviews"].append({
                "document_id": doc_id, "reviewer_id": reviewer_id,
                "status": "submitted" if submitted else "in_progress",
                "submitted_at": STAMP if submitted else None, "updated_at": STAMP,
            })
            marked = PARAGRAPHS if submitted else rng.randrange(PARAGRAPHS + 1)
            out["paragraph_reviews"].extend(
                {"document_id": doc_id, "paragraph_index": i, "reviewer_id": reviewer_id,
                 "created_at": STAMP} for i in range(marked))
            for _ in range(SPANS_PER_REVIEWER):
                row = span(rng.randrange(PARAGRAPHS))
                row.update(reviewer_id=reviewer_id, client_id=None, created_at=STAMP,
                           updated_at=STAMP)
                out["annotations"].append(row)
        for par in range(GOLD_PER_DOCUMENT):  # one per paragraph: one per place and label
            row = span(par % PARAGRAPHS)
            row.update(provenance=rng.choice(("unanimous", "majority", "adjudicated:admin")),
                       created_by_id=None, created_at=STAMP)
            out["gold_spans"].append(row)
    return out


def build_fixture(ctx: Context) -> Fixture:
    from sqlalchemy import insert

    from annotator.accounts import create_token, create_user
    from annotator.extensions import db
    from annotator.models import (
        Annotation,
        Document,
        DocumentReview,
        GoldSpan,
        Paragraph,
        ParagraphReview,
    )
    from annotator.projects import create_project

    documents = ctx.size(5000, 500)
    began = time.perf_counter()
    url = ctx.new_database("exports")
    app = ctx.make_app(url)
    generator = CorpusGenerator(SEED)
    tables = {"documents": Document, "paragraphs": Paragraph,
              "document_reviews": DocumentReview, "paragraph_reviews": ParagraphReview,
              "annotations": Annotation, "gold_spans": GoldSpan}
    spans = gold = 0
    with app.app_context():
        project = create_project(PROJECT)
        token = create_token(create_user("admin", role="admin"), "exports benchmark")
        reviewer_ids = [create_user(name).id for name in REVIEWERS]
        pools = {label["key"]: [generator.attributes(label) for _ in range(64)]
                 for label in generator.labels}
        project_id = project.id
        for first in range(1, documents + 1, DOCUMENTS_PER_TRANSACTION):
            count = min(DOCUMENTS_PER_TRANSACTION, documents + 1 - first)
            rows = _rows(generator, first, count, reviewer_ids, project_id, pools)
            for name, model in tables.items():
                db.session.execute(insert(model.__table__), rows[name])
            db.session.commit()
            spans += len(rows["annotations"]) + len(rows["gold_spans"])
            gold += len(rows["gold_spans"])
        if ctx.engine == "postgresql":  # ids were given: move the sequence past them
            from sqlalchemy import text

            from annotator.database import refresh_statistics

            db.session.execute(text("SELECT setval(pg_get_serial_sequence('documents', 'id'), "
                                    "(SELECT max(id) FROM documents))"))
            db.session.commit()
            # the planner's statistics, as an import of these rows leaves them
            refresh_statistics(spans)
        db.session.remove()
    return Fixture(url, token, documents, spans, gold, time.perf_counter() - began)


def shared_fixture(ctx: Context) -> Fixture:
    """The million-span project of this run, built once."""
    def make() -> Fixture:
        log(f"  building the export project: {ctx.size(5000, 500):,} documents")
        fixture = build_fixture(ctx)
        log(f"  {fixture.spans:,} spans in {fixture.build_s:.1f} s")
        return fixture

    return ctx.cached(f"exports-fixture-{ctx.size(5000, 500)}", make)


# --- the benchmark ----------------------------------------------------------------------------

def run(ctx: Context) -> list[Result]:
    fixture = shared_fixture(ctx)
    results: list[Result] = []
    mb = 2 ** 20
    for fmt in FORMATS:
        log(f"  {fmt} worker")
        out = run_worker(ctx, __name__, "export", "--database-url", fixture.url,
                         "--format", fmt, *profile_args(ctx, f"exports-{fmt}"))
        what = (f"{fixture.spans:,} spans ({fixture.gold:,} gold) of {fixture.documents:,} "
                f"documents in {out['wall_s']:.1f} s ({out['cpu_s']:.1f} s CPU): "
                f"{out['bytes'] / mb:,.0f} MB in {out['chunks']:,} chunks")
        results.append(Result(f"exports: {fmt}, throughput", "spans/s",
                              fixture.spans / out["wall_s"], target=THROUGHPUT_TARGET,
                              cpu=fixture.spans / out["cpu_s"], note=what))
        results.append(Result(f"exports: {fmt}, worker peak RSS", "MB", out["peak_mb"],
                              target=RSS_TARGET,
                              note=f"{out['baseline_mb']:.1f} MB after create_app"))
    log("  http worker (jsonl)")
    out = run_worker(ctx, __name__, "http", "--database-url", fixture.url,
                     "--token", fixture.token, "--format", "jsonl",
                     *profile_args(ctx, "exports-http"))
    results.append(Result("exports: GET /api/projects/SLUG/export?format=jsonl, throughput",
                          "spans/s", fixture.spans / out["wall_s"], target=THROUGHPUT_TARGET,
                          cpu=fixture.spans / out["cpu_s"],
                          note=f"bearer token, Flask test client, body iterated: "
                               f"{out['bytes'] / mb:,.0f} MB in {out['chunks']:,} chunks in "
                               f"{out['wall_s']:.1f} s"))
    results.append(Result("exports: the same request, worker peak RSS", "MB", out["peak_mb"],
                          target=RSS_TARGET,
                          note=f"{out['baseline_mb']:.1f} MB after create_app; the body is "
                               f"{out['bytes'] / mb:,.0f} MB: it streams"))
    results.append(Result(f"exports: building the {fixture.spans:,}-span project", "s",
                          fixture.build_s,
                          note="SQLAlchemy Core inserts, once per run; no target"))
    return results


BENCHMARK = Benchmark("exports", "export throughput and peak RSS per format, 1M spans", run)


# --- the worker processes -----------------------------------------------------------------

def _app(url: str):
    from annotator import create_app

    return create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET_KEY})


class _Profile:
    """cProfile around the measured loop when the parent run profiles (--profile)."""

    def __init__(self, path: str | None, profiler: str):
        self.path, self.profiler, self.profile = path, profiler, None

    def __enter__(self):
        if self.path:
            import cProfile

            self.profile = (cProfile.Profile(time.process_time) if self.profiler == "cprofile-cpu"
                            else cProfile.Profile())
            self.profile.enable()
        return self

    def __exit__(self, *exc):
        if self.profile is not None:
            import io
            import pstats
            from pathlib import Path

            self.profile.disable()
            path = Path(self.path)
            path.parent.mkdir(parents=True, exist_ok=True)
            self.profile.dump_stats(path.with_suffix(".prof"))
            text = io.StringIO()
            stats = pstats.Stats(self.profile, stream=text)
            stats.sort_stats("cumulative").print_stats(45)
            stats.sort_stats("tottime").print_stats(30)
            path.with_suffix(".txt").write_text(text.getvalue(), "utf-8")


def _consume(chunks) -> tuple[int, int]:
    size = count = 0
    for chunk in chunks:
        size += len(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
        count += 1
    return size, count


def _export(args: argparse.Namespace) -> dict[str, Any]:
    from annotator.exports import export
    from annotator.extensions import db
    from annotator.projects import find_project

    app = _app(args.database_url)
    baseline, _ = rss_mb()
    with app.app_context():
        project = find_project(PROJECT)
        cpu, start = time.process_time(), time.perf_counter()
        with _Profile(args.profile, args.profiler):
            size, count = _consume(export(project, args.format))
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        db.session.remove()
    current, peak = rss_mb()
    return {"wall_s": wall, "cpu_s": cpu, "bytes": size, "chunks": count,
            "baseline_mb": baseline, "rss_mb": current, "peak_mb": peak}


def _http(args: argparse.Namespace) -> dict[str, Any]:
    app = _app(args.database_url)
    client = app.test_client()
    baseline, _ = rss_mb()
    path = f"/api/projects/{PROJECT}/export?format={args.format}"
    cpu, start = time.process_time(), time.perf_counter()
    with _Profile(args.profile, args.profiler):
        response = client.get(path, headers={"Authorization": f"Bearer {args.token}"},
                              buffered=False)
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code}: "
                             f"{response.get_data()[:300]!r}")
        try:
            size, count = _consume(response.response)
        finally:
            response.close()
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    current, peak = rss_mb()
    return {"wall_s": wall, "cpu_s": cpu, "bytes": size, "chunks": count,
            "baseline_mb": baseline, "rss_mb": current, "peak_mb": peak}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.exports")
    sub = parser.add_subparsers(dest="mode", required=True)
    for mode in ("export", "http"):
        p = sub.add_parser(mode)
        p.add_argument("--database-url", required=True)
        p.add_argument("--format", choices=FORMATS, required=True)
        p.add_argument("--profile", metavar="PATH")
        p.add_argument("--profiler", default="cprofile")
        if mode == "http":
            p.add_argument("--token", required=True)
    args = parser.parse_args(argv)
    figures = _export(args) if args.mode == "export" else _http(args)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
