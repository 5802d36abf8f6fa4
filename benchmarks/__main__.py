"""``python -m benchmarks``: run the benchmarks and print one table.

To add a measurement, write a module in this package with a ``run(ctx) -> list[Result]`` and a
``BENCHMARK = Benchmark("name", "what it measures", run)``, and add it to ``BENCHMARKS``.
A benchmark with ``default=False`` (the soak test) runs only when ``--only`` names it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
import traceback
from pathlib import Path

from . import (
    agreement,
    annotate_page,
    api,
    exports,
    imports,
    instance,
    ledger,
    memory,
    server,
    soak,
    suggestions,
)
from .common import Benchmark, Context, Result, engine_of, format_table, log

# The benchmarks, in the order they run and appear in the table.
BENCHMARKS: list[Benchmark] = [
    api.BENCHMARK,
    imports.BENCHMARK,
    memory.BENCHMARK,
    annotate_page.BENCHMARK,
    agreement.BENCHMARK,
    ledger.BENCHMARK,
    exports.BENCHMARK,
    suggestions.BENCHMARK,
    instance.BENCHMARK,
    server.BENCHMARK,
    soak.BENCHMARK,  # only with --only soak
]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    names = ", ".join(b.name for b in BENCHMARKS)
    optional = ", ".join(b.name for b in BENCHMARKS if not b.default)
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Measure the framing annotator and print one table of results.",
    )
    parser.add_argument("--only", action="append", metavar="NAME",
                        help=f"run only these benchmarks (repeat or separate by commas): "
                             f"{names}" + (f"; {optional} only when named here"
                                           if optional else ""))
    parser.add_argument("--database-url", metavar="URL",
                        help="default: fresh SQLite files in a temp dir; a "
                             "postgresql+psycopg:// URL names a server on which fresh "
                             "databases are created for the run and dropped after it")
    parser.add_argument("--quick", action="store_true",
                        help="smaller sizes, for a smoke run")
    parser.add_argument("--seconds", type=float, metavar="S",
                        help="soak: the load phase per engine (default 60 s; 20 s with "
                             "--quick)")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument("--json", metavar="PATH", type=Path,
                        help="also write the results as JSON to PATH")
    parser.add_argument("--profile", metavar="DIR", type=Path, nargs="?",
                        const=Path(__file__).resolve().parent / "output",
                        help="profile the measured blocks into DIR (default "
                             "benchmarks/output/); the timings of such a run are inflated")
    parser.add_argument("--profiler", choices=("cprofile", "cprofile-cpu", "pyinstrument"),
                        default="cprofile",
                        help="cprofile (wall time), cprofile-cpu (this process's CPU time: "
                             "steadier on a busy machine) or pyinstrument (if installed)")
    parser.add_argument("--strict", action="store_true",
                        help="exit with status 1 when a target is missed")
    args = parser.parse_args(argv)
    known = {b.name for b in BENCHMARKS}
    selected = [n.strip() for item in args.only or [] for n in item.split(",") if n.strip()]
    unknown = [n for n in selected if n not in known]
    if unknown:
        parser.error(f"unknown benchmark {unknown[0]!r}; choose from {names}")
    args.selected = selected
    try:
        engine_of(args.database_url)
    except ValueError as exc:
        parser.error(str(exc))
    if args.seconds is not None and args.seconds < 5:
        parser.error("--seconds must be at least 5")
    if args.profiler != "cprofile" and args.profile is None:
        parser.error(f"--profiler {args.profiler} needs --profile")
    return args


def select(names: list[str]) -> list[Benchmark]:
    """The benchmarks named, in the table's order; none named: those run by default."""
    return [b for b in BENCHMARKS if (b.name in names if names else b.default)]


def _load() -> float | None:
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def _cpu_pressure() -> str | None:
    """Linux PSI: the share of the last minute in which some task waited for a CPU."""
    try:
        with open("/proc/pressure/cpu", encoding="ascii") as f:
            fields = dict(item.split("=") for item in f.readline().split()[1:])
        return f"{float(fields['avg60']):.0f} %"
    except (OSError, KeyError, ValueError):
        return None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list:
        for b in BENCHMARKS:
            print(f"{b.name:13} {b.description}")
        return 0
    chosen = select(args.selected)
    ctx = Context(args.database_url, quick=args.quick, profile_dir=args.profile,
                  profiler=args.profiler, seconds=args.seconds)
    results: list[Result] = []
    started = time.perf_counter()
    load_before = _load()
    try:
        try:
            engine = ctx.describe_engine()
        except Exception as exc:
            print(f"python -m benchmarks: cannot reach the database: {exc}", file=sys.stderr)
            return 1
        for benchmark in chosen:
            log(f"{benchmark.name}: {benchmark.description}")
            began = time.perf_counter()
            try:
                results.extend(benchmark.run(ctx))
            except Exception as exc:  # one failing benchmark does not hide the others
                traceback.print_exc()
                results.append(Result.failed(f"{benchmark.name}: failed",
                                             f"{type(exc).__name__}: {exc}"))
            log(f"  {time.perf_counter() - began:.1f} s")
    finally:
        ctx.close()

    print(f"framing annotator benchmarks, {dt.datetime.now().isoformat(timespec='seconds')}")
    print(f"database: {engine}")
    load_after = _load()
    print(f"Python {platform.python_version()} on {platform.system()} {platform.machine()}, "
          f"{os.cpu_count()} CPUs; {'quick' if args.quick else 'full'} sizes; "
          f"{time.perf_counter() - started:.0f} s")
    if load_before is not None and load_after is not None:
        busy = max(load_before, load_after) > (os.cpu_count() or 1) * 0.75
        pressure = _cpu_pressure()
        print(f"load average (1 min) {load_before:.1f} before, {load_after:.1f} after"
              + (f"; CPU pressure {pressure} of the last minute" if pressure else "")
              + ("; THE MACHINE WAS BUSY: wall times are inflated (see the cpu column)"
                 if busy else ""))
    if args.profile is not None:
        print("PROFILED RUN: the timings below are inflated by the profiler.")
    print()
    print(format_table(results))
    for text in ctx.reports:
        print()
        print(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "database": engine, "quick": args.quick,
            "results": [r.to_dict() for r in results], "reports": ctx.reports,
        }, indent=2) + "\n", "utf-8")
    if any(r.error is not None for r in results):
        return 1
    if args.strict and any(r.met is False for r in results):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
