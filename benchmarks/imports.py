"""Bulk import of the generated corpus (documents JSONL with the reviews of 3 reviewers):
parsing (JSON, offsets, codebook checks) and writing (one transaction), timed apart.

The corpus is generated before the clock starts and handed over as bytes, exactly what
``annotator import`` reads from a file; parsing is ``parse_jsonl``, writing
``import_documents`` into an empty project of a fresh database.
"""

from __future__ import annotations

import time

from .common import Benchmark, Context, Result, Target, import_corpus_size, log, shared_corpus

TOTAL_TARGET = Target("<=", 30, "s")
THROUGHPUT_TARGET = Target(">=", 30_000, "spans/s")


def run(ctx: Context) -> list[Result]:
    from annotator.codebook import load_codebook
    from annotator.documents import import_documents, parse_jsonl
    from annotator.projects import create_project

    size = import_corpus_size(ctx)
    data = shared_corpus(ctx)
    app = ctx.make_app(ctx.new_database("import"))
    with app.app_context():
        project = create_project("bench")
        codebook = load_codebook(project.codebook)
        log(f"  parsing {len(data) / 2**20:.0f} MB of JSONL")
        with ctx.profiled("import-parse"):
            start = time.perf_counter()
            documents = parse_jsonl(data, "corpus.jsonl", codebook)
            parsed = time.perf_counter()
        log("  writing")
        with ctx.profiled("import-write"):
            result = import_documents(project, documents)
            written = time.perf_counter()
    if len(result.documents) != size.documents or result.spans != size.spans:
        raise RuntimeError(f"imported {len(result.documents)} documents and {result.spans} "
                           f"spans, expected {size.documents} and {size.spans}")
    parse_s, write_s, total_s = parsed - start, written - parsed, written - start
    what = f"{size.documents:,} docs, {size.spans:,} spans"
    return [
        Result(f"import: total, parse + write ({what})", "s", total_s, target=TOTAL_TARGET),
        Result("import:   parse (parse_jsonl)", "s", parse_s),
        Result("import:   write (import_documents, one transaction)", "s", write_s,
               note=f"{result.paragraphs:,} paragraphs, {size.documents * 3:,} reviews, "
                    f"{size.spans:,} spans written"),
        Result("import: throughput, parse + write", "spans/s", size.spans / total_s,
               target=THROUGHPUT_TARGET),
    ]


BENCHMARK = Benchmark("import", "bulk import of the generated JSONL corpus", run)
