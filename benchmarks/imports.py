"""Bulk import of the generated corpus (documents JSONL with the reviews of 3 reviewers):
parsing (JSON, offsets, codebook checks) and writing (one transaction), timed apart.

The corpus is generated before the clock starts and handed over as bytes, exactly what
``annotator import`` reads from a file; parsing is ``parse_jsonl``, writing
``import_documents`` into an empty project of a fresh database.
"""

from __future__ import annotations

import resource
import statistics

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
STREAM_TARGET = Target(">=", 45_000, "spans/s")  # issue 18.3: on PostgreSQL (elsewhere 30,000)
STREAM_REPEATS = 3


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
    streamed = _streamed(ctx, data, size)
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
        *streamed,
    ]


def _streamed(ctx: Context, data: bytes, size) -> list[Result]:
    """The corpus file imported as ``annotator import`` does (``import_paths``: read, parsed
    and written a chunk at a time in one transaction, parsed by processes of its own while it
    writes), each of ``STREAM_REPEATS`` times into a fresh database."""
    from annotator.imports import import_paths
    from annotator.projects import create_project

    path = ctx.workdir / "import-corpus.jsonl"
    path.write_bytes(data)
    walls, cpus = [], []
    for i in range(STREAM_REPEATS):
        app = ctx.make_app(ctx.new_database(f"import_stream_{i}"))
        with app.app_context():
            project = create_project("bench")
            log(f"  import_paths of the corpus file ({i + 1}/{STREAM_REPEATS})")
            readers = _children_cpu()
            with ctx.profiled(f"import-stream-{i}"):
                t = timed(import_paths, project, [path])
            readers = _children_cpu() - readers
        if t.value.spans != size.spans:
            raise RuntimeError(f"import_paths imported {t.value.spans} spans, expected "
                               f"{size.spans}")
        walls.append(t.wall / 1000)
        cpus.append(t.cpu / 1000 + readers)
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    parsed_by = ""
    if n := app.config["IMPORT_READ_AHEAD_PROCESSES"]:
        parsed_by = f", parsed by {n} processes of its own (their CPU counted in)"
    return [Result("import: streamed (import_paths, as annotator import), throughput",
                   "spans/s", size.spans / wall, n=len(walls),
                   target=STREAM_TARGET if ctx.engine == "postgresql" else THROUGHPUT_TARGET,
                   cpu=size.spans / cpu,
                   note=f"the corpus file read, parsed and written a chunk at a time in one "
                        f"transaction{parsed_by}: {wall:.2f} s ({cpu:.2f} s CPU); runs "
                        + " / ".join(f"{w:.2f} s" for w in walls))]


def _children_cpu() -> float:
    """The CPU seconds of this process's ended children (the import's readers)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


BENCHMARK = Benchmark("import", "bulk import of the generated JSONL corpus", run)
