"""Moving an instance (issue 16): ``annotator dump`` and ``annotator load`` of the
million-span project of the exports benchmark, each in a worker process of its own.

The instance is the one ``exports`` builds (5,000 documents of 20 paragraphs, 3 reviewers
with 60 spans each per document and 20 gold spans per document: 1,000,000 spans, 100,000
paragraphs, 15,000 reviews, ~70,000 paragraph marks), shared with that benchmark when both run.

1. A *dump* worker (``python -m benchmarks.instance dump``) creates the app and calls
   ``annotator.instance.dump`` into a file, as ``annotator dump -o FILE`` does: the wall and
   CPU time of the call and the worker's peak RSS (VmHWM). The dump is read in one snapshot, a
   batch at a time, and gzip-streamed: its peak must stay flat whatever the instance's size.
2. A *load* worker (``python -m benchmarks.instance load``) creates the app on a fresh,
   empty database and calls ``annotator.instance.load`` on that file, as ``annotator load``
   does: migrations (an empty database is brought to the newest schema first), the rows in
   one transaction (COPY on PostgreSQL, executemany on SQLite), the sequences, the commit.

Each runs ``REPEATS`` times (each load into a database of its own); the rows give the medians,
the footnotes the spread. Throughput is the instance's spans (gold included) divided by the
wall time, comparable with the import's ``spans/s``; the target is the import's own.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from .common import (
    SECRET_KEY,
    Benchmark,
    Context,
    Result,
    Target,
    log,
    profile_args,
    rss_mb,
    run_worker,
)
from .exports import shared_fixture

THROUGHPUT_TARGET = Target(">=", 30_000, "spans/s")  # the import's target
RSS_TARGET = Target("<", 200, "MB")


def _spread(values: list[float], fmt: str = "{:,.0f}") -> str:
    if len(values) == 1:
        return ""
    return f"; {len(values)} runs, " + " / ".join(fmt.format(v) for v in values)


def run(ctx: Context) -> list[Result]:
    fixture = shared_fixture(ctx)
    repeats = ctx.size(3, 2)
    path = ctx.workdir / "instance.dump.gz"
    dumps, loads = [], []
    for i in range(repeats):
        log(f"  dump worker ({i + 1}/{repeats})")
        dumps.append(run_worker(ctx, __name__, "dump", "--database-url", fixture.url,
                                "--file", str(path), *profile_args(ctx, f"instance-dump-{i}")))
    for i in range(repeats):
        log(f"  load worker ({i + 1}/{repeats})")
        url = ctx.new_database(f"instance_load_{i}")
        loads.append(run_worker(ctx, __name__, "load", "--database-url", url,
                                "--file", str(path), *profile_args(ctx, f"instance-load-{i}")))
    rows = dumps[0]["rows"]
    if rows.get("annotations", 0) + rows.get("gold_spans", 0) != fixture.spans:
        raise RuntimeError(f"the dump holds {rows} rows, expected {fixture.spans:,} spans")
    for out in loads:
        if out["rows"] != {k: v for k, v in rows.items() if v}:
            raise RuntimeError(f"the load wrote {out['rows']}, the dump holds {rows}")
    mb = 2 ** 20
    size = path.stat().st_size
    what = (f"{fixture.spans:,} spans ({fixture.gold:,} gold), {sum(rows.values()):,} rows "
            f"in all")

    def figures(outs: list[dict[str, Any]], verb: str) -> list[Result]:
        walls = [o["wall_s"] for o in outs]
        cpus = [o["cpu_s"] for o in outs]
        peaks = [o["peak_mb"] for o in outs]
        wall, cpu = statistics.median(walls), statistics.median(cpus)
        return [
            Result(f"instance: {verb}, throughput", "spans/s", fixture.spans / wall,
                   target=THROUGHPUT_TARGET, cpu=fixture.spans / cpu, n=len(outs),
                   note=f"{what}, {verb} in {wall:.1f} s ({cpu:.1f} s CPU)"
                        + _spread(walls, "{:.1f} s")),
            Result(f"instance: {verb}, worker peak RSS", "MB", statistics.median(peaks),
                   target=RSS_TARGET, n=len(outs),
                   note=f"{outs[0]['baseline_mb']:.1f} MB after create_app"
                        + _spread(peaks, "{:.1f} MB")),
        ]

    results = figures(dumps, "dump")
    results[0].note += f"; the dump is {size / mb:,.0f} MB of gzip"
    results += figures(loads, "load")
    results[-2].note += " (migrations of the empty database included)"
    return results


BENCHMARK = Benchmark("instance", "annotator dump and load of a 1M-span instance", run)


# --- the worker processes -----------------------------------------------------------------

def _app(url: str):
    from annotator import create_app

    return create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET_KEY})


def _timed(args: argparse.Namespace, call) -> dict[str, Any]:
    from .exports import _Profile

    cpu, start = time.process_time(), time.perf_counter()
    with _Profile(args.profile, args.profiler):
        rows = call()
    return {"wall_s": time.perf_counter() - start, "cpu_s": time.process_time() - cpu,
            "rows": rows}


def _dump(args: argparse.Namespace) -> dict[str, Any]:
    from annotator.extensions import db
    from annotator.instance import dump

    app = _app(args.database_url)
    baseline, _ = rss_mb()
    with app.app_context(), open(args.file, "wb") as out:
        figures = _timed(args, lambda: dump(out))
        db.session.remove()
    current, peak = rss_mb()
    return {**figures, "baseline_mb": baseline, "rss_mb": current, "peak_mb": peak}


def _load(args: argparse.Namespace) -> dict[str, Any]:
    from annotator.extensions import db
    from annotator.instance import load

    app = _app(args.database_url)
    baseline, _ = rss_mb()
    with app.app_context():
        figures = _timed(args, lambda: load(Path(args.file)))
        db.session.remove()
    current, peak = rss_mb()
    return {**figures, "baseline_mb": baseline, "rss_mb": current, "peak_mb": peak}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.instance")
    sub = parser.add_subparsers(dest="mode", required=True)
    for mode in ("dump", "load"):
        p = sub.add_parser(mode)
        p.add_argument("--database-url", required=True)
        p.add_argument("--file", required=True)
        p.add_argument("--profile", metavar="PATH")
        p.add_argument("--profiler", default="cprofile")
    args = parser.parse_args(argv)
    figures = _dump(args) if args.mode == "dump" else _load(args)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
