"""Server memory: the RSS of worker processes that hold nothing of the benchmark's own.

The benchmark process writes the generated corpus to a file and makes an empty project; then

1. an *import* worker (``python -m benchmarks.memory import``) creates the app and imports the
   file as ``annotator import`` does (``import_paths``): its peak RSS is what an import costs
   the process that runs it;
2. a *serve* worker (``python -m benchmarks.memory serve``) creates the app and serves the
   read loop of the annotate page (GET the document, GET the caller's spans) over every
   imported document: its RSS after the loop (and its peak) is the server's.

Each worker prints one JSON line with its figures (MB = 2**20 bytes).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from .common import (
    SECRET_KEY,
    Benchmark,
    Context,
    Result,
    Target,
    import_corpus_size,
    log,
    rss_mb,
    run_worker,
    shared_corpus,
)

RSS_TARGET = Target("<", 150, "MB")


def run(ctx: Context) -> list[Result]:
    from annotator.projects import create_project

    size = import_corpus_size(ctx)
    path = ctx.workdir / "memory-corpus.jsonl"
    path.write_bytes(shared_corpus(ctx))
    url = ctx.new_database("memory")
    app = ctx.make_app(url)
    with app.app_context():
        create_project("bench")

    log("  import worker")
    imported = run_worker(ctx, __name__, "import", "--database-url", url,
                          "--project", "bench", "--file", str(path))
    if imported["spans"] != size.spans:
        raise RuntimeError(f"the import worker imported {imported['spans']} spans, "
                           f"expected {size.spans}")
    reads = ctx.size(2000, 200)
    log("  serve worker")
    served = run_worker(ctx, __name__, "serve", "--database-url", url,
                        "--reader", "alice", "--reads", str(reads))
    return [
        Result("memory: import process, peak RSS", "MB", imported["peak_mb"], target=RSS_TARGET,
               note=f"create_app, then import_paths of the {size.documents:,}-document corpus "
                    f"file; {imported['baseline_mb']:.1f} MB after create_app, "
                    f"{imported['rss_mb']:.1f} MB after the import"),
        Result(f"memory: server after {reads:,} document reads, RSS", "MB", served["rss_mb"],
               target=RSS_TARGET,
               note=f"a fresh process: create_app, then GET document + GET annotations for "
                    f"{served['documents']:,} documents; {served['baseline_mb']:.1f} MB after "
                    f"create_app, peak {served['peak_mb']:.1f} MB"),
    ]


BENCHMARK = Benchmark("memory", "RSS of an import worker and of a server after reads", run)


# --- the worker processes -----------------------------------------------------------------

def _app(url: str):
    from annotator import create_app

    return create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET_KEY})


def _import(args: argparse.Namespace) -> dict[str, Any]:
    from sqlalchemy import select

    from annotator.extensions import db
    from annotator.imports import import_paths
    from annotator.models import Project

    app = _app(args.database_url)
    baseline, _ = rss_mb()
    with app.app_context():
        project = db.session.scalar(select(Project).where(Project.slug == args.project))
        result = import_paths(project, [args.file])
        db.session.remove()
    current, peak = rss_mb()
    return {"baseline_mb": baseline, "rss_mb": current, "peak_mb": peak,
            "documents": len(result.documents), "spans": result.spans}


def _serve(args: argparse.Namespace) -> dict[str, Any]:
    from sqlalchemy import select

    from annotator.accounts import create_token, find_user
    from annotator.extensions import db
    from annotator.models import Document

    app = _app(args.database_url)
    baseline, _ = rss_mb()
    with app.app_context():
        token = create_token(find_user(args.reader), "memory benchmark")
        ids = list(db.session.scalars(select(Document.id).order_by(Document.id)))
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    for i in range(args.reads):
        path = f"/api/documents/{ids[i % len(ids)]}"
        for url in (path, path + "/annotations"):
            response = client.get(url, headers=headers)
            if response.status_code != 200:
                raise SystemExit(f"GET {url} answered {response.status_code}")
    current, peak = rss_mb()
    return {"baseline_mb": baseline, "rss_mb": current, "peak_mb": peak,
            "documents": min(args.reads, len(ids))}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.memory")
    sub = parser.add_subparsers(dest="mode", required=True)
    imp = sub.add_parser("import")
    imp.add_argument("--database-url", required=True)
    imp.add_argument("--project", required=True)
    imp.add_argument("--file", required=True)
    serve = sub.add_parser("serve")
    serve.add_argument("--database-url", required=True)
    serve.add_argument("--reader", required=True)
    serve.add_argument("--reads", type=int, default=2000)
    args = parser.parse_args(argv)
    figures = _import(args) if args.mode == "import" else _serve(args)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
