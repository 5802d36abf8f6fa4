"""The JSON API in-process (Flask test client, bearer token): creating a span, reading a
document with its spans.

The database first gets a background corpus (unmeasured) so that the indexes have some depth;
the document read is a 20-paragraph document holding 30 spans of the caller (and 30 each of
two other reviewers); spans are created on ten other 20-paragraph documents, each request with
its own ``client_id``. Requests run outside any app context, as a server's do, so every
request gets a fresh session.
"""

from __future__ import annotations

from typing import Any

from .common import (
    Benchmark,
    Context,
    CorpusGenerator,
    Result,
    Target,
    log,
    timed,
    word_bounds,
)

CREATE_TARGET = Target("<=", 10, "ms")
READ_TARGET = Target("<=", 10, "ms")
SEED = 777


def _setup(ctx: Context) -> dict[str, Any]:
    from annotator.accounts import create_token, create_user
    from annotator.codebook import load_codebook
    from annotator.imports import import_documents, parse_document_object
    from annotator.projects import create_project

    app = ctx.make_app(ctx.new_database("api"))
    generator = CorpusGenerator(SEED)
    background = ctx.size(500, 50)
    with app.app_context():
        project = create_project("bench")
        user = create_user("alice", role="reviewer")
        token = create_token(user, "benchmark")
        codebook = load_codebook(project.codebook)
        objects = list(generator.documents(background, background * 100))
        read_doc = generator.document(
            background + 1, 20, {"alice": 30, "bob": 30, "carol": 30},
            submitted={"alice": False, "bob": True, "carol": True},
        )
        write_docs = [
            generator.document(background + 2 + i, 20, {"bob": 30}) for i in range(10)
        ]
        objects += [read_doc, *write_docs]
        parsed = [parse_document_object(o, codebook, f"document {i + 1}")
                  for i, o in enumerate(objects)]
        ids = import_documents(project, parsed).documents
    log(f"  background: {background:,} documents, {background * 100:,} spans")
    return {
        "app": app,
        "headers": {"Authorization": f"Bearer {token}"},
        "read_id": ids[background],
        "write": list(zip(ids[background + 1:], [d["paragraphs"] for d in write_docs],
                          strict=True)),
        "generator": generator,
    }


def _create_payloads(setup: dict[str, Any], count: int) -> list[tuple[str, dict[str, Any]]]:
    generator: CorpusGenerator = setup["generator"]
    rng = generator.rng
    payloads = []
    bounds = {doc_id: [word_bounds(t) for t in texts] for doc_id, texts in setup["write"]}
    for i in range(count):
        doc_id, texts = setup["write"][i % len(setup["write"])]
        span = generator.span(texts, paragraph=rng.randrange(len(texts)), bounds=bounds[doc_id])
        body = {k: span[k] for k in ("paragraph", "start", "end", "label", "attributes")}
        if "note" in span:
            body["note"] = span["note"]
        body["client_id"] = f"bench-{i:06d}"
        payloads.append((f"/api/documents/{doc_id}/annotations", body))
    return payloads


def run(ctx: Context) -> list[Result]:
    setup = _setup(ctx)
    client = setup["app"].test_client()
    headers = setup["headers"]
    warmup = 20

    # Reading: GET the document, then GET the caller's spans, as the annotate page does.
    reads = ctx.size(500, 60)
    doc_path = f"/api/documents/{setup['read_id']}"
    get_doc, get_spans, both, cpu_doc, cpu_spans, cpu_both = [], [], [], [], [], []
    with ctx.profiled("api-read"):
        for i in range(warmup + reads):
            doc = timed(client.get, doc_path, headers=headers)
            spans = timed(client.get, doc_path + "/annotations", headers=headers)
            r_doc, r_spans = doc.value, spans.value
            if r_doc.status_code != 200 or r_spans.status_code != 200:
                raise RuntimeError(f"read failed: {r_doc.status_code} {r_doc.get_data()[:200]!r}"
                                   f" / {r_spans.status_code} {r_spans.get_data()[:200]!r}")
            if i == 0 and (len(r_doc.get_json()["paragraphs"]) != 20
                           or len(r_spans.get_json()) != 30):
                raise RuntimeError("the read document does not have 20 paragraphs and 30 spans")
            if i >= warmup:
                get_doc.append(doc.wall)
                get_spans.append(spans.wall)
                both.append(doc.wall + spans.wall)
                cpu_doc.append(doc.cpu)
                cpu_spans.append(spans.cpu)
                cpu_both.append(doc.cpu + spans.cpu)

    # Writing: POST a span with a client_id, each to a new id.
    creates = ctx.size(1000, 100)
    payloads = _create_payloads(setup, warmup + creates)
    post, cpu_post = [], []
    with ctx.profiled("api-create"):
        for i, (path, body) in enumerate(payloads):
            t = timed(client.post, path, json=body, headers=headers)
            if t.value.status_code != 201:
                raise RuntimeError(f"POST {path} answered {t.value.status_code}: "
                                   f"{t.value.get_data()[:300]!r}")
            if i >= warmup:
                post.append(t.wall)
                cpu_post.append(t.cpu)

    return [
        Result.latency("api: create span (POST .../annotations, client_id)", post,
                       CREATE_TARGET, cpu_ms=cpu_post),
        Result.latency("api: read document + its spans (the 2 GETs)", both, READ_TARGET,
                       note="GET /api/documents/ID then GET .../annotations: 20 paragraphs, "
                            "30 spans of the caller",
                       cpu_ms=cpu_both),
        Result.latency("api:   GET /api/documents/ID", get_doc, cpu_ms=cpu_doc),
        Result.latency("api:   GET /api/documents/ID/annotations", get_spans, cpu_ms=cpu_spans),
    ]


BENCHMARK = Benchmark("api", "span creation and document reads through the JSON API", run)
