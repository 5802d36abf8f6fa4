"""The JSON API in-process (Flask test client, bearer token): creating a span, reading a
document with its spans, and another reviewer's spans.

The database first gets a background corpus (unmeasured) so that the indexes have some depth;
the document read is a 20-paragraph document holding 30 spans of the caller (and 30 each of
two other reviewers); spans are created on ten other 20-paragraph documents, each request with
its own ``client_id``. Requests run outside any app context, as a server's do, so every
request gets a fresh session. The project is open, and ``bob`` (who submitted his review)
reads ``alice``'s spans with ``?reviewer=alice``: the whole access rule.

Round trips: on PostgreSQL, the waits on the server per request, counted exactly from libpq's
protocol trace (one ``ReadyForQuery`` ends each: a query, BEGIN, COMMIT, a ping); on SQLite,
where there is no server, the statements run. With a PostgreSQL URL the same reads are also
timed on SQLite, alternating request by request, for the ratio of the two engines.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import tempfile
from collections.abc import Iterator
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
RATIO_TARGET = Target("<=", 1.5, "x")
SEED = 777


def _setup(ctx: Context, url: str) -> dict[str, Any]:
    from annotator.accounts import create_token, create_user
    from annotator.codebook import load_codebook
    from annotator.imports import import_documents, parse_document_object
    from annotator.projects import create_project

    app = ctx.make_app(url)
    generator = CorpusGenerator(SEED)
    background = ctx.size(500, 50)
    with app.app_context():
        project = create_project("bench", blind=False)
        user = create_user("alice", role="reviewer")
        token = create_token(user, "benchmark")
        bob = create_token(create_user("bob", role="reviewer"), "benchmark")
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
    doc_path = f"/api/documents/{ids[background]}"
    alice = {"Authorization": f"Bearer {token}"}
    return {
        "app": app,
        "headers": alice,
        # the reads, as (name, path, headers, what the answer holds)
        "reads": [
            ("GET /api/documents/ID", doc_path, alice, ("paragraphs", 20)),
            ("GET /api/documents/ID/annotations", doc_path + "/annotations", alice, 30),
            ("GET .../annotations?reviewer=alice (bob, submitted)",
             doc_path + "/annotations?reviewer=alice", {"Authorization": f"Bearer {bob}"}, 30),
        ],
        "write": list(zip(ids[background + 1:], [d["paragraphs"] for d in write_docs],
                          strict=True)),
        "generator": generator,
    }


def _check(response, expected) -> None:
    if response.status_code != 200:
        raise RuntimeError(f"read failed: {response.status_code} "
                           f"{response.get_data()[:200]!r}")
    body = response.get_json()
    if isinstance(expected, tuple):
        key, count = expected
        ok = len(body[key]) == count
    else:
        ok = len(body) == expected
    if not ok:
        raise RuntimeError(f"the read document does not hold what it should: {expected}")


class RoundTrips:
    """Counts the statements the app runs, and on PostgreSQL the waits on the server: libpq
    traces the protocol of each connection taken from the pool while ``counting``; every round
    trip ends with the server's ``ReadyForQuery``. A context manager: the listeners are there
    only inside it."""

    def __init__(self, app, trace):
        from annotator.extensions import db

        with app.app_context():
            self.engine = db.engine
        self.postgresql = self.engine.dialect.name == "postgresql"
        self.trace = trace
        self.on = False
        self.statements = 0
        self.listeners = [(self.engine, "before_cursor_execute", self._statement)]
        self.traced: list = []
        if self.postgresql:
            self.listeners += [(self.engine.pool, "checkout", self._checkout)]

    def __enter__(self) -> RoundTrips:
        from sqlalchemy import event

        for target, name, fn in self.listeners:
            event.listen(target, name, fn)
        return self

    def __exit__(self, *exc) -> None:
        from sqlalchemy import event

        for target, name, fn in self.listeners:
            event.remove(target, name, fn)
        for connection in self.traced:
            with contextlib.suppress(Exception):
                connection.pgconn.untrace()

    def _statement(self, *args) -> None:
        self.statements += 1

    def _checkout(self, dbapi_connection, record, proxy) -> None:
        # traced from its first checkout on, until the end: the ping that the pool may send
        # before the next checkout (pool_pre_ping) is traced too
        if self.on and dbapi_connection not in self.traced:
            from psycopg import pq

            dbapi_connection.pgconn.trace(self.trace.fileno())
            dbapi_connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
            self.traced.append(dbapi_connection)

    @contextlib.contextmanager
    def counting(self) -> Iterator[dict[str, int]]:
        counts: dict[str, int] = {}
        position = os.lseek(self.trace.fileno(), 0, os.SEEK_END)
        self.statements, self.on = 0, True
        try:
            yield counts
        finally:
            self.on = False
            self.trace.seek(position)
            counts["statements"] = self.statements
            counts["round trips"] = (self.trace.read().count(b"ReadyForQuery")
                                     if self.postgresql else self.statements)


def _reads(ctx: Context, setups: list[dict[str, Any]], warmup: int, reads: int
           ) -> list[dict[str, dict[str, list[float]]]]:
    """Each read of each setup, ``reads`` times after ``warmup``: wall and CPU ms, setup by
    setup within each round (so that a drifting load moves both engines alike)."""
    clients = [setup["app"].test_client() for setup in setups]
    timings: list[dict[str, dict[str, list[float]]]] = [
        {name: {"wall": [], "cpu": []} for name, *_ in setup["reads"]} for setup in setups]
    with ctx.profiled("api-read"):
        for i in range(warmup + reads):
            for setup, client, times in zip(setups, clients, timings, strict=True):
                for name, path, headers, expected in setup["reads"]:
                    t = timed(client.get, path, headers=headers)
                    if i == 0 or t.value.status_code != 200:
                        _check(t.value, expected)
                    if i >= warmup:
                        times[name]["wall"].append(t.wall)
                        times[name]["cpu"].append(t.cpu)
    return timings


def _round_trips(setup: dict[str, Any], repeats: int = 5) -> dict[str, dict[str, int]]:
    """Round trips and statements of each read (the most frequent count of ``repeats``: the
    first of a connection misses the ping before its checkout; the token's use, recorded once
    a minute, is not in it)."""
    client = setup["app"].test_client()
    found = {}
    with tempfile.TemporaryFile() as trace, RoundTrips(setup["app"], trace) as counter:
        for name, path, headers, _ in setup["reads"]:
            seen = []
            for _ in range(repeats):
                with counter.counting() as counts:
                    client.get(path, headers=headers)
                seen.append((counts["round trips"], counts["statements"]))
            trips, statements = statistics.mode(seen)
            found[name] = {"round trips": trips, "statements": statements}
    return found


def _create_payloads(setup: dict[str, Any], count: int) -> list[tuple[str, dict[str, Any]]]:
    generator: CorpusGenerator = setup["generator"]
    rng = generator.rng
    payloads = []
    bounds = {doc_id: [word_bounds(t) for t in texts] for doc_id, texts in setup["write"]}
    places = set()  # a span equal to one of the caller's is refused (409): each place once
    i = 0
    while len(payloads) < count:
        doc_id, texts = setup["write"][i % len(setup["write"])]
        i += 1
        span = generator.span(texts, paragraph=rng.randrange(len(texts)), bounds=bounds[doc_id])
        place = (doc_id, span["paragraph"], span["start"], span["end"], span["label"])
        if place in places:
            continue
        places.add(place)
        body = {k: span[k] for k in ("paragraph", "start", "end", "label", "attributes")}
        if "note" in span:
            body["note"] = span["note"]
        body["client_id"] = f"bench-{len(payloads):06d}"
        payloads.append((f"/api/documents/{doc_id}/annotations", body))
    return payloads


def run(ctx: Context) -> list[Result]:
    setup = _setup(ctx, ctx.new_database("api"))
    setups = [setup]
    if ctx.engine == "postgresql":  # the same reads on SQLite, for the ratio
        path = ctx.workdir / "api-sqlite.sqlite3"
        ctx._sqlite_files.append(path)
        setups.append(_setup(ctx, f"sqlite:///{path}"))
    client = setup["app"].test_client()
    headers = setup["headers"]
    warmup = 20

    # Reading: GET the document, then GET the caller's spans, as the annotate page does; and
    # another reviewer's spans, as the compare view and scripts do.
    reads = ctx.size(500, 60)
    timings = _reads(ctx, setups, warmup, reads)
    trips = [_round_trips(s) for s in setups]

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

    own = timings[0]
    names = [name for name, *_ in setup["reads"]]
    doc, spans, others = names
    both = [a + b for a, b in zip(own[doc]["wall"], own[spans]["wall"], strict=True)]
    cpu_both = [a + b for a, b in zip(own[doc]["cpu"], own[spans]["cpu"], strict=True)]
    results = [
        Result.latency("api: create span (POST .../annotations, client_id)", post,
                       CREATE_TARGET, cpu_ms=cpu_post),
        Result.latency("api: read document + its spans (the 2 GETs)", both, READ_TARGET,
                       note="GET /api/documents/ID then GET .../annotations: 20 paragraphs, "
                            "30 spans of the caller",
                       cpu_ms=cpu_both),
    ]
    unit = "trips" if ctx.engine == "postgresql" else "stmts"
    for name in names:
        results.append(Result.latency(f"api:   {name}", own[name]["wall"],
                                      cpu_ms=own[name]["cpu"]))
    for name in names:
        found = trips[0][name]
        what = ("waits on the server (libpq's trace: queries, BEGIN, COMMIT, pings)"
                if ctx.engine == "postgresql" else "statements (SQLite: no server)")
        results.append(Result(f"api:   {name.split(' (')[0]}, round trips", unit,
                              found["round trips"], note=f"{what}; "
                              f"{found['statements']} statements"))
    if len(setups) == 2:
        lite = timings[1]
        for name in names:
            pg, sq = (statistics.median(t[name]["wall"]) for t in (own, lite))
            results.append(Result(
                f"api:   {name.split(' (')[0]}, PostgreSQL / SQLite", "x", pg / sq,
                target=RATIO_TARGET,
                note=f"medians {pg:.2f} ms / {sq:.2f} ms, the requests alternating between "
                     f"the engines; SQLite: {trips[1][name]['statements']} statements"))
    return results


BENCHMARK = Benchmark("api", "span creation and document reads through the JSON API", run)
