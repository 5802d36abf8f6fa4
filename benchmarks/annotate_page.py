"""The annotate page of a long article: server time to render it.

A 1,000-paragraph article holding 5,000 spans of the reviewer (and 5,000 of another
reviewer, which the page must leave out) is imported; the reviewer logs in through the real
/login form (its CSRF token included) and the Flask test client GETs
``/documents/ID/annotate`` repeatedly, outside any app context as a server's requests are.
The time is the whole request: loading the document, the review state, the paragraphs and
the spans, building the page's JSON and rendering the template.
"""

from __future__ import annotations

from .common import (
    Benchmark,
    Context,
    CorpusGenerator,
    Result,
    Target,
    log,
    login_with_form,
    timed,
)

RENDER_TARGET = Target("<=", 150, "ms")
SEED = 1000
PASSWORD = "benchmark-password-1"


def _setup(ctx: Context, paragraphs: int, spans: int):
    from annotator.accounts import create_user
    from annotator.codebook import load_codebook
    from annotator.imports import import_documents, parse_document_object
    from annotator.projects import create_project

    app = ctx.make_app(ctx.new_database("annotate"))
    generator = CorpusGenerator(SEED)
    with app.app_context():
        project = create_project("bench")
        create_user("alice", role="reviewer", password=PASSWORD)
        codebook = load_codebook(project.codebook)
        article = generator.document(1, paragraphs, {"alice": spans, "bob": spans},
                                     submitted={"alice": False, "bob": True})
        parsed = parse_document_object(article, codebook, "the article")
        document_id = import_documents(project, [parsed]).documents[0]
    return app, document_id


def run(ctx: Context) -> list[Result]:
    paragraphs, spans = ctx.size(1000, 1000), ctx.size(5000, 5000)
    app, document_id = _setup(ctx, paragraphs, spans)
    log(f"  article: {paragraphs:,} paragraphs, {spans:,} spans of the reviewer")
    client = app.test_client()
    login_with_form(client, "alice", PASSWORD)
    path = f"/documents/{document_id}/annotate"
    warmup, renders = 3, ctx.size(30, 10)
    walls, cpus, size = [], [], 0
    with ctx.profiled("annotate-page"):
        for i in range(warmup + renders):
            t = timed(client.get, path)
            response = t.value
            if response.status_code != 200:
                raise RuntimeError(f"GET {path} answered {response.status_code}: "
                                   f"{response.get_data()[:300]!r}")
            if i == 0:
                body = response.get_data(as_text=True)
                size = len(response.get_data())
                if (body.count('"client_id":') != spans
                        or body.count('class="paragraph-text"') != paragraphs):
                    raise RuntimeError(f"the page does not show the {spans} spans and "
                                       f"{paragraphs} paragraphs")
            if i >= warmup:
                walls.append(t.wall)
                cpus.append(t.cpu)
    return [
        Result.latency(f"annotate page: GET /documents/ID/annotate ({paragraphs:,} paragraphs, "
                       f"{spans:,} spans)", walls, RENDER_TARGET, cpu_ms=cpus,
                       note=f"logged in through the /login form; a {size / 2**20:.1f} MB page; "
                            f"another reviewer's {spans:,} spans in the same document"),
    ]


BENCHMARK = Benchmark("annotate_page", "server time to render the annotate page of a "
                      "1,000-paragraph article with 5,000 spans", run)
