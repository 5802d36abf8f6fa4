"""The app served as the README deploys it: gunicorn with 4 workers on the run's engine.

1. The database: a project of 300 documents of 8 paragraphs with the submitted work of 3
   reviewers who mostly agree (9,000 spans, ``AgreementGenerator``: the soak test's project),
   an admin and a reviewer with API tokens.
2. gunicorn, started with ``SERVER_COMMAND`` (the README's deploy command) on a free port of
   127.0.0.1, its access log giving the pid of the worker that answered each request.
3. **Warm workers**: ``READS`` reads of a document with its spans (GET document, GET the
   caller's spans) spread over the documents, from 4 clients; the agreement report asked for
   until every worker has answered it; one JSONL export of the project. Every worker has
   served (its connections open, its statements compiled), as on a server that has been up.
4. **The agreement report across workers after a change**: the reviewer adds a span (the
   report's data changed: its cached copies are stale), one ``GET /api/projects/SLUG/
   agreement`` computes the report again; then it is asked for again and again, one request
   after the other, each on a new connection (gunicorn's workers take turns at accepting
   them), until each worker has answered at least ``PER_WORKER`` times. The rows: the
   computing request, and the *slowest first answer of another worker* after it, the figure
   of the issue: a worker that did not compute the report must not compute it again (target
   < 50 ms); then the median and p90 of the answers.
   The times are the server's own (gunicorn's ``%(M)s``, by the pid of the worker in the
   access log), without the client's waits.
5. **Memory after that work**: the PSS (proportional set size: shared pages counted once
   across the processes that share them) of the master and each worker, from
   ``/proc/PID/smaps_rollup``, summed; RSS alongside.
"""

from __future__ import annotations

import contextlib
import http.client
import importlib.util
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from .common import ROOT, AgreementGenerator, Benchmark, Context, Result, Target, log
from .soak import Server, send

SERVER_WORKERS = 4
# The README's deploy command ("Deploying on PostgreSQL behind gunicorn"), but the bind.
SERVER_COMMAND = ["--workers", str(SERVER_WORKERS), "--worker-class", "gthread",
                  "--threads", "8", "--timeout", "60", "--preload"]
DOCUMENTS = 300
PARAGRAPHS = 8
SPANS = 9_000
REVIEWERS = ("alice", "bob", "carol")
PROJECT = "server"
SEED = 1010
PER_WORKER = 5  # report answers each worker gives, at least
MAX_REPORT_REQUESTS = 400
READS = 400
CLIENTS = 4
FIRST_ANSWER_TARGET = Target("<", 50, "ms")
PSS_TARGET = Target("<=", 300, "MB")
ACCESS_FORMAT = "%(p)s %(s)s %(M)s %(U)s"  # worker pid, status, ms, path


def populate(ctx: Context, url: str) -> dict[str, Any]:
    from annotator.accounts import create_token, create_user
    from annotator.codebook import load_codebook
    from annotator.extensions import db
    from annotator.imports import import_documents, parse_document_object
    from annotator.projects import create_project

    app = ctx.make_app(url)
    generator = AgreementGenerator(SEED)
    documents = ctx.size(DOCUMENTS, 100)
    objects = list(generator.agreeing_documents(documents, PARAGRAPHS,
                                                SPANS * documents // DOCUMENTS, REVIEWERS))
    with app.app_context():
        project = create_project(PROJECT, blind=False)
        admin = create_token(create_user("server-admin", role="admin"), "benchmark")
        reader = create_token(create_user("reader", role="reviewer"), "benchmark")
        codebook = load_codebook(project.codebook)
        parsed = [parse_document_object(o, codebook, f"document {i + 1}")
                  for i, o in enumerate(objects)]
        result = import_documents(project, parsed)
        db.session.remove()
        db.engine.dispose()
    return {"admin": admin, "reader": reader, "documents": result.documents,
            "spans": result.spans}


class Gunicorn(Server):
    """``Server`` of the soak test, started with the deploy command and an access log."""

    def __init__(self, url: str, instance: Path, log_path: Path, access_path: Path):
        super().__init__(url, instance, log_path)
        self.access_path = access_path

    def start(self) -> None:
        command = [sys.executable, "-m", "gunicorn", *SERVER_COMMAND,
                   "--bind", f"127.0.0.1:{self.port}", "--graceful-timeout", "5",
                   "--access-logfile", str(self.access_path),
                   "--access-logformat", ACCESS_FORMAT, "annotator:create_app()"]
        with open(self.log_path, "a", encoding="utf-8") as out:
            out.write(" ".join(command) + "\n")
            out.flush()
            self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=out,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            process_group=0)

    def workers(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()]


class AccessLog:
    """The pids of the workers that answered, line by line as gunicorn writes them."""

    def __init__(self, path: Path):
        self.path = path
        self.read = 0

    def wait_lines(self, count: int, timeout: float = 5) -> list[tuple[int, int, float, str]]:
        """The next ``count`` lines at least (a worker logs a request after answering it)."""
        lines, deadline = [], time.monotonic() + timeout
        while len(lines) < count and time.monotonic() < deadline:
            lines += self.new_lines()
            if len(lines) < count:
                time.sleep(0.02)
        return lines

    def new_lines(self) -> list[tuple[int, int, float, str]]:
        with contextlib.suppress(FileNotFoundError), open(self.path, encoding="utf-8") as f:
            lines = f.read().splitlines()
            fresh, self.read = lines[self.read:], len(lines)
            out = []
            for line in fresh:
                pid, status, ms, path = line.split(" ", 3)
                out.append((int(pid.strip("<>")), int(status), float(ms), path))
            return out
        return []


def _timed_get(port: int, path: str, token: str) -> tuple[float, int, bytes]:
    started = time.perf_counter()
    status, body = send(port, "GET", path, token, timeout=120)
    return (time.perf_counter() - started) * 1000, status, body


def _pss(pid: int) -> tuple[float, float]:
    """(PSS, RSS) of a process in MB."""
    values = {}
    with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("Pss", "Rss"):
                values[key] = int(rest.split()[0]) / 1024
    return values["Pss"], values["Rss"]


def report_across_workers(server: Gunicorn, access: AccessLog, token: str,
                          per_worker: int = PER_WORKER, clients: int = 1) -> dict[str, Any]:
    """The first request computes (or not: a warm-up); then parallel clients until every
    worker answered ``per_worker`` times: each answer's time by the worker that gave it."""
    path = f"/api/projects/{PROJECT}/agreement"
    access.new_lines()
    first_ms, status, body = _timed_get(server.port, path, token)
    if status != 200:
        raise RuntimeError(f"GET {path} answered {status}: {body[:300]!r}")
    # the computing request's line (a line of an earlier request may come later than its
    # answer: gunicorn logs after answering)
    lines: list = []
    while not any(line[3] == path for line in lines):
        fresh = access.wait_lines(1)
        if not fresh:
            raise RuntimeError(f"no line of GET {path} in gunicorn's access log")
        lines += fresh
    computing = next(line[0] for line in lines if line[3] == path)
    workers = set(server.workers())
    answers: dict[int, list[float]] = {pid: [] for pid in workers}
    sent = 0

    def one(_: int) -> None:
        _, code, payload = _timed_get(server.port, path, token)
        if code != 200:
            raise RuntimeError(f"GET {path} answered {code}: {payload[:300]!r}")

    with ThreadPoolExecutor(clients) as pool:
        while sent < MAX_REPORT_REQUESTS and min(map(len, answers.values())) < per_worker:
            list(pool.map(one, range(clients)))
            sent += clients
            for pid, _, ms, logged in access.wait_lines(clients):
                if logged == path:
                    answers.setdefault(pid, []).append(ms)
    missing = [pid for pid, times in answers.items() if not times]
    if missing:
        raise RuntimeError(f"workers {missing} never answered in {sent} requests")
    return {"first_ms": first_ms, "computing": computing, "answers": answers, "sent": sent}


def serve_reads(server: Gunicorn, documents: list[int], token: str, count: int) -> None:
    paths = []
    for i in range(count):
        doc = documents[i % len(documents)]
        paths += [f"/api/documents/{doc}", f"/api/documents/{doc}/annotations"]

    def one(path: str) -> None:
        status, body = send(server.port, "GET", path, token, timeout=60)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}: {body[:300]!r}")

    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(one, paths))


def export_once(server: Gunicorn, token: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=300)
    try:
        connection.request("GET", f"/api/projects/{PROJECT}/export?format=jsonl",
                           headers={"Authorization": f"Bearer {token}"})
        response = connection.getresponse()
        size = 0
        while chunk := response.read(65536):
            size += len(chunk)
        if response.status != 200:
            raise RuntimeError(f"the export answered {response.status}")
        return size
    finally:
        connection.close()


def run(ctx: Context) -> list[Result]:
    if importlib.util.find_spec("gunicorn") is None:
        raise RuntimeError("gunicorn is not installed: pip install -e '.[test]'")
    url = ctx.new_database("server")
    reads = ctx.size(READS, 100)
    log("  populating")
    data = populate(ctx, url)
    folder = ctx.workdir / "server"
    folder.mkdir()
    (folder / "instance").mkdir()
    server = Gunicorn(url, folder / "instance", folder / "gunicorn.log", folder / "access.log")
    access = AccessLog(folder / "access.log")
    try:
        server.start()
        server.wait_ready(data["admin"], PROJECT)
        log(f"  gunicorn on 127.0.0.1:{server.port}: {' '.join(SERVER_COMMAND)}; warming up: "
            f"{reads} document reads, reports until every worker answered, one export")
        serve_reads(server, data["documents"], data["reader"], reads)
        report_across_workers(server, access, data["admin"], per_worker=1, clients=CLIENTS)
        exported = export_once(server, data["admin"])
        log("  a span added; the report computed again, then asked of every worker")
        status, body = send(server.port, "POST",
                            f"/api/documents/{data['documents'][0]}/annotations",
                            data["reader"], {"paragraph": 0, "start": 0, "end": 3,
                                             "label": "framing"})
        if status != 201:
            raise RuntimeError(f"adding a span answered {status}: {body[:300]!r}")
        found = report_across_workers(server, access, data["admin"])
        time.sleep(0.5)
        master = server.process.pid
        processes = [master, *server.workers()]
        memory = {pid: _pss(pid) for pid in processes}
    finally:
        server.stop()
    answers = found["answers"]
    others = {pid: times for pid, times in answers.items() if pid != found["computing"]}
    firsts = {pid: times[0] for pid, times in others.items()}
    every = [ms for times in answers.values() for ms in times]
    pss = sum(p for p, _ in memory.values())
    rss = sum(r for _, r in memory.values())
    what = (f"{len(data['documents']):,} documents x {PARAGRAPHS} paragraphs, "
            f"{data['spans']:,} spans of {len(REVIEWERS)} reviewers")
    return [
        Result("server: agreement report after a change, the computing request", "ms",
               found["first_ms"],
               note=f"{what}; gunicorn {' '.join(SERVER_COMMAND)}"),
        Result("server: agreement report, slowest first answer of another worker", "ms",
               max(firsts.values()), target=FIRST_ANSWER_TARGET,
               note="each worker's first answer after the computing one, by the worker's "
                    "pid in the access log (gunicorn's own time, %(M)s): "
                    + ", ".join(f"{ms:.0f}" for ms in sorted(firsts.values()))
                    + f" ms; {found['sent']} requests one after the other, a connection "
                      f"each"),
        Result.latency("server: agreement report, every answer after the computing one", every,
                       note=f"{len(answers)} workers, at least {PER_WORKER} answers each"),
        Result("server: PSS of master + workers after the work", "MB", pss,
               target=PSS_TARGET,
               note=f"after {reads} document reads (document + spans), the report requests "
                    f"and a {exported / 2**20:.1f} MB JSONL export: "
                    + ", ".join(f"{p:.0f}" for p, _ in memory.values())
                    + f" MB (master first); RSS {rss:.0f} MB in all"),
    ]


BENCHMARK = Benchmark("server", "gunicorn --workers 4: the report across workers, memory",
                      run)
