"""Bulk import of the generated corpus (documents JSONL with the reviews of 3 reviewers):
parsing (JSON, offsets, codebook checks) and writing (one transaction), timed apart.

The corpus is generated before the clock starts and handed over as bytes, exactly what
``annotator import`` reads from a file; parsing is ``parse_jsonl``, writing
``import_documents`` into an empty project of a fresh database.
"""

from __future__ import annotations

from .common import (
    Benchmark,
    Context,
    Result,
    Target,
    import_corpus_size,
    log,
    shared_corpus,
    timed,
)

TOTAL_TARGET = Target("<=", 30, "s")
THROUGHPUT_TARGET = Target(">=", 30_000, "spans/s")


def run(ctx: Context) -> list[Result]:
    from annotator.codebook import load_codebook
    from annotator.imports import import_documents, parse_jsonl
    from annotator.projects import create_project

    size = import_corpus_size(ctx)
    data = shared_corpus(ctx)
    app = ctx.make_app(ctx.new_database("import"))
    with app.app_context():
        project = create_project("bench")
        codebook = load_codebook(project.codebook)
        log(f"  parsing {len(data) / 2**20:.0f} MB of JSONL")
        with ctx.profiled("import-parse"):
            parse = timed(parse_jsonl, data, "corpus.jsonl", codebook)
        log("  writing")
        with ctx.profiled("import-write"):
            write = timed(import_documents, project, parse.value)
    result = write.value
    if len(result.documents) != size.documents or result.spans != size.spans:
        raise RuntimeError(f"imported {len(result.documents)} documents and {result.spans} "
                           f"spans, expected {size.documents} and {size.spans}")
    total_s = (parse.wall + write.wall) / 1000
    what = f"{size.documents:,} docs, {size.spans:,} spans"
    return [
        Result(f"import: total, parse + write ({what})", "s", total_s, target=TOTAL_TARGET,
               cpu=(parse.cpu + write.cpu) / 1000),
        Result("import:   parse (parse_jsonl)", "s", parse.wall / 1000, cpu=parse.cpu / 1000),
        Result("import:   write (import_documents, one transaction)", "s", write.wall / 1000,
               cpu=write.cpu / 1000,
               note=f"{result.paragraphs:,} paragraphs, {size.documents * 3:,} reviews, "
                    f"{size.spans:,} spans written"),
        Result("import: throughput, parse + write", "spans/s", size.spans / total_s,
               target=THROUGHPUT_TARGET),
    ]


BENCHMARK = Benchmark("import", "bulk import of the generated JSONL corpus", run)
