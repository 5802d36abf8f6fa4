"""The soak test of issue #10: a real server under writers that retry, killed and restarted.

Per engine (a SQLite file in the run's temp dir, then a fresh PostgreSQL database on
127.0.0.1:5432, or on the server ``--database-url`` names):

1. ``flask --app annotator init-db`` (the migrations, as a deployment runs them), then in
   process: a project, an admin, 20 reviewers ``w01``..``w20`` with an API token each, and
   300 documents of 8 paragraphs that 3 other reviewers have labelled and submitted
   (``AgreementGenerator``: the agreement report has real work to do).
2. ``gunicorn --workers 4 --bind 127.0.0.1:PORT 'annotator:create_app()'`` in its own process
   group, its output into a log file.
3. For ``--seconds`` (default 60, 20 with ``--quick``): 20 writer threads, each a reviewer,
   back to back without pauses: mostly ``POST /api/documents/ID/annotations`` with a
   ``client_id`` of its own per intended span, some ``PATCH`` (a new note) and ``DELETE`` of
   spans the server acknowledged. A request that fails (connection refused or cut, timeout, 5xx)
   is sent again, the same request with the same ``client_id``, with a growing pause, until a
   status answers it. Alongside, one thread streams ``GET /api/projects/SLUG/export?format=
   jsonl`` (every line parsed, 300 documents expected) and one fetches ``GET
   /api/projects/SLUG/agreement``, both as the admin, back to back.
4. At 40 % of the time, ``kill -9`` of gunicorn's whole process group (master and workers,
   mid-request), then the same command again; the writers' retries carry on.
5. When the time is up no new operation starts; one already started may still retry for
   ``GRACE_S``. The server is stopped (SIGTERM) and every stored span of the writers is read
   from the database and compared with what the server acknowledged.

Only 127.0.0.1 is used. The server, the temp files and the PostgreSQL database are removed
after each engine, also on an error or Ctrl-C (SIGTERM too). ``python -m benchmarks --only
soak [--seconds S]``; the server's log is kept in ``benchmarks/output/`` when it shows an
error.
"""

from __future__ import annotations

import contextlib
import http.client
import importlib.util
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .common import (
    CODEBOOK_PATH,
    ROOT,
    SECRET_KEY,
    AgreementGenerator,
    Benchmark,
    Context,
    Result,
    Target,
    log,
    percentile,
    word_bounds,
)

WRITERS = 20
SERVER_WORKERS = 4
DOCUMENTS = 300  # exports span more than 250 documents
PARAGRAPHS = 8
IMPORTED_SPANS = 9_000  # of the 3 reviewers below, all submitted
IMPORTED_REVIEWERS = ("alice", "bob", "carol")
PROJECT = "soak"
ADMIN = "soak-admin"
SEED = 1010
KILL_AT = 0.4  # of the load phase
PATCH_SHARE = 0.12
DELETE_SHARE = 0.06
GRACE_S = 15.0  # an operation started in time may retry this long after the load phase
WRITE_TIMEOUT_S = 15.0
READ_TIMEOUT_S = 60.0
READY_TIMEOUT_S = 60.0
EXPECTED_MARGIN_S = 1.0  # after the restarted server first answers
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
OUTPUT = Path(__file__).resolve().parent / "output"
ZERO = Target("<=", 0, "")
KINDS = ("create", "patch", "delete", "export", "agreement")


# --- HTTP, one connection per request (gunicorn's sync workers close it anyway) -------------

class Failure(Exception):
    """No HTTP status came back: ``kind`` is refused, cut, timeout or another OS error."""

    def __init__(self, kind: str, detail: str):
        super().__init__(f"{kind}: {detail}")
        self.kind = kind


@dataclass
class Attempt:
    """One request sent: its kind, when, and the status or the failure that ended it."""

    kind: str
    started: float
    ended: float
    status: int | None = None
    failure: str | None = None
    detail: str = ""


def send(port: int, method: str, path: str, token: str, body: Any = None,
         timeout: float = WRITE_TIMEOUT_S) -> tuple[int, bytes]:
    """(status, body) of one request to 127.0.0.1:port; Failure when no status came back."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Authorization": f"Bearer {token}"}
    data = None
    if body is not None:
        data = json.dumps(body).encode("utf-8")
        headers["Content-Type"] = "application/json"
    try:
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    except ConnectionRefusedError as exc:
        raise Failure("refused", str(exc)) from None
    except (http.client.RemoteDisconnected, http.client.IncompleteRead, ConnectionResetError,
            ConnectionAbortedError, BrokenPipeError) as exc:
        raise Failure("cut", f"{type(exc).__name__}: {exc}"[:200]) from None
    except TimeoutError as exc:
        raise Failure("timeout", str(exc)) from None
    except (OSError, http.client.HTTPException) as exc:
        raise Failure(type(exc).__name__, str(exc)[:200]) from None
    finally:
        connection.close()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the server ---------------------------------------------------------------------------

class Server:
    """gunicorn in a process group of its own, so that one signal reaches all its processes."""

    def __init__(self, url: str, instance: Path, log_path: Path):
        self.port = free_port()
        self.log_path = log_path
        self.env = _env(url, instance)
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        command = [sys.executable, "-m", "gunicorn", "--workers", str(SERVER_WORKERS),
                   "--bind", f"127.0.0.1:{self.port}", "--graceful-timeout", "5",
                   "annotator:create_app()"]
        self.starts += 1
        with open(self.log_path, "a", encoding="utf-8") as out:
            out.write(f"=== soak: start {self.starts}: {' '.join(command)}\n")
            out.flush()
            self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=out,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            process_group=0)

    def kill9(self) -> None:
        """SIGKILL to the whole group: the master and every worker, mid-request."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        with open(self.log_path, "a", encoding="utf-8") as out:
            out.write("=== soak: kill -9 of the process group\n")

    def stop(self) -> None:
        """SIGTERM to the group (gunicorn's graceful stop), SIGKILL after 10 s."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            log("  gunicorn did not stop within 10 s of SIGTERM: SIGKILL")
        # Whatever of the group is left (a worker that outlived its master), then reap.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.process = None

    def wait_ready(self, token: str, slug: str) -> float:
        """Poll until the server answers a request of the app with 200; the time it did."""
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with status {self.process.returncode}; "
                                   f"see its log:\n{_tail(self.log_path)}")
            with contextlib.suppress(Failure):
                status, _ = send(self.port, "GET", f"/api/projects/{slug}", token, timeout=5)
                if status == 200:
                    return time.monotonic()
            time.sleep(0.05)
        raise RuntimeError(f"the server did not answer within {READY_TIMEOUT_S:.0f} s; its "
                           f"log:\n{_tail(self.log_path)}")


def _env(url: str, instance: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["ANNOTATOR_DATABASE_URL"] = url
    env["ANNOTATOR_SECRET_KEY"] = SECRET_KEY
    env["ANNOTATOR_INSTANCE_PATH"] = str(instance)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text("utf-8", "replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# --- the data -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Setup:
    tokens: dict[str, str]  # writer name -> token
    admin_token: str
    documents: list[tuple[int, list[str], list[list[tuple[int, int]]]]]  # id, texts, bounds
    labels: list[dict[str, Any]]


def init_database(url: str, instance: Path) -> None:
    """The schema through the migrations, in a process of its own (as ``annotator init-db``)."""
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "annotator", "init-db"],
                          cwd=ROOT, env=_env(url, instance), capture_output=True, text=True,
                          timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"init-db failed ({done.returncode}): {done.stderr[-2000:]}")


def populate(ctx: Context, url: str) -> Setup:
    from annotator.accounts import create_token, create_user
    from annotator.codebook import load_codebook
    from annotator.extensions import db
    from annotator.imports import import_documents, parse_document_object
    from annotator.projects import create_project

    app = ctx.make_app(url, create_schema=False)
    generator = AgreementGenerator(SEED)
    objects = list(generator.agreeing_documents(DOCUMENTS, PARAGRAPHS, IMPORTED_SPANS,
                                                IMPORTED_REVIEWERS))
    with app.app_context():
        project = create_project(PROJECT)
        admin_token = create_token(create_user(ADMIN, role="admin"), "soak")
        tokens = {}
        for i in range(1, WRITERS + 1):
            name = f"w{i:02d}"
            tokens[name] = create_token(create_user(name, role="reviewer"), "soak")
        codebook = load_codebook(project.codebook)
        parsed = [parse_document_object(o, codebook, f"document {i + 1}")
                  for i, o in enumerate(objects)]
        ids = import_documents(project, parsed).documents
        db.session.remove()
        db.engine.dispose()
    documents = [(doc_id, o["paragraphs"], [word_bounds(t) for t in o["paragraphs"]])
                 for doc_id, o in zip(ids, objects, strict=True)]
    labels = json.loads(CODEBOOK_PATH.read_text("utf-8"))["labels"]
    return Setup(tokens, admin_token, documents, labels)


# --- the clients --------------------------------------------------------------------------

@dataclass
class Span:
    """What the server acknowledged of one span of a writer."""

    client_id: str
    id: int
    place: tuple[int, int, int, int, str]  # document, paragraph, start, end, label
    note: str = ""
    maybe_notes: set[str] = field(default_factory=set)  # PATCHes never answered
    deleted: bool = False
    maybe_deleted: bool = False  # a DELETE never answered


@dataclass
class Clock:
    """The moments of the run (time.monotonic()) that decide what is expected."""

    end: float  # no new operation after this
    hard_end: float  # no retry after this
    kill: float | None = None
    ready_again: float | None = None

    def in_kill_window(self, attempt: Attempt) -> bool:
        """Did the request overlap the time from the kill until a moment after the restarted
        server first answered? A refused or cut connection, or a timeout, is expected there."""
        if self.kill is None:
            return False
        until = (self.ready_again or float("inf")) + EXPECTED_MARGIN_S
        return attempt.ended >= self.kill and attempt.started <= until


class Client(threading.Thread):
    def __init__(self, name: str, port: int, token: str, clock: Clock, abort: threading.Event):
        super().__init__(name=f"soak-{name}", daemon=True)
        self.who = name
        self.port = port
        self.token = token
        self.clock = clock
        self.abort = abort
        self.attempts: list[Attempt] = []
        self.crash: BaseException | None = None

    def run(self) -> None:
        try:
            self.work()
        except BaseException as exc:  # reported by the main thread, never lost in a thread
            self.crash = exc

    def work(self) -> None:
        raise NotImplementedError

    def request(self, kind: str, method: str, path: str, body: Any = None,
                timeout: float = WRITE_TIMEOUT_S,
                check: Callable[[int, bytes], str] | None = None) -> tuple[int, bytes] | None:
        """One request, recorded; None when it failed. ``check`` names what is wrong with a
        200's body (an export cut short, say), as a failure."""
        started = time.monotonic()
        try:
            status, payload = send(self.port, method, path, self.token, body, timeout)
        except Failure as exc:
            self.attempts.append(Attempt(kind, started, time.monotonic(), failure=exc.kind,
                                         detail=str(exc)))
            return None
        ended = time.monotonic()
        problem = check(status, payload) if check and status == 200 else ""
        if problem:
            self.attempts.append(Attempt(kind, started, ended, status, "bad body", problem))
            return None
        detail = "" if status < 400 else payload[:300].decode("utf-8", "replace")
        self.attempts.append(Attempt(kind, started, ended, status, detail=detail))
        return status, payload


@dataclass
class Outcome:
    status: int | None  # None: never answered before the hard end
    body: Any
    attempts: int
    ambiguous: bool  # an earlier attempt may have been carried out (no status, or a 5xx)
    first_sent: float
    answered: float


class Writer(Client):
    """A reviewer: creates spans with client_ids, patches and deletes some of them; retries
    each request, unchanged, until a status other than 5xx answers it."""

    def __init__(self, name: str, port: int, token: str, clock: Clock,
                 abort: threading.Event, setup: Setup, seed: int):
        super().__init__(name, port, token, clock, abort)
        self.setup = setup
        self.rng = random.Random(seed)
        self.spans: dict[str, Span] = {}
        self.live: list[str] = []  # client_ids of acknowledged spans not deleted
        self.used: set[tuple[int, int, int, int, str]] = set()
        self.sent: set[str] = set()  # every client_id sent
        self.refused: dict[str, str] = {}  # client_id -> the 4xx that answered its create
        self.unresolved: Counter[str] = Counter()  # operations never answered, by kind
        self.unresolved_creates: set[str] = set()
        self.acked = Counter()  # acknowledged operations, by kind
        self.acked_on_retry = 0  # creates answered 200: an earlier attempt stored the span
        self.to_ack_ms: list[float] = []  # creates: first attempt until acknowledged
        self.surprises: list[str] = []  # answers that contradict what the writer knows
        self.sequence = 0

    def work(self) -> None:
        while time.monotonic() < self.clock.end and not self.abort.is_set():
            roll = self.rng.random()
            if self.live and roll < PATCH_SHARE:
                self.patch()
            elif self.live and roll < PATCH_SHARE + DELETE_SHARE:
                self.delete()
            else:
                self.create()

    def until_answered(self, kind: str, method: str, path: str, body: Any = None) -> Outcome:
        attempt = 0
        ambiguous = False
        first = time.monotonic()
        while not self.abort.is_set() and time.monotonic() < self.clock.hard_end:
            got = self.request(kind, method, path, body)
            if got is not None and got[0] < 500:
                status, payload = got
                try:
                    parsed = json.loads(payload) if payload else None
                except ValueError:
                    parsed = payload[:200].decode("utf-8", "replace")
                return Outcome(status, parsed, attempt + 1, ambiguous, first, time.monotonic())
            ambiguous = True
            attempt += 1
            time.sleep(min(1.0, 0.05 * 2 ** attempt) * self.rng.uniform(0.5, 1.5))
        return Outcome(None, None, attempt, ambiguous, first, time.monotonic())

    def create(self) -> None:
        doc_id, texts, bounds = self.rng.choice(self.setup.documents)
        paragraph = self.rng.randrange(len(texts))
        words = bounds[paragraph]
        first = self.rng.randrange(len(words))
        last = min(len(words) - 1, first + self.rng.choice((0, 1, 2, 4, 8)))
        label = self.rng.choice(self.setup.labels)
        place = (doc_id, paragraph, words[first][0], words[last][1], label["key"])
        if place in self.used:  # an equal span of the caller answers 409: not a soak matter
            return
        self.used.add(place)
        self.sequence += 1
        client_id = f"soak-{self.who}-{self.sequence:06d}"
        self.sent.add(client_id)
        body = {"paragraph": paragraph, "start": place[2], "end": place[3], "label": place[4],
                "attributes": _attributes(self.rng, label), "client_id": client_id}
        out = self.until_answered("create", "POST", f"/api/documents/{doc_id}/annotations",
                                  body)
        if out.status is None:
            self.unresolved["create"] += 1
            self.unresolved_creates.add(client_id)
        elif out.status in (200, 201):
            span = out.body
            if span.get("client_id") != client_id or span.get("document_id") != doc_id \
                    or (span["paragraph"], span["start"], span["end"], span["label"]) \
                    != place[1:]:
                self.surprises.append(f"POST {client_id} answered {out.status} with another "
                                      f"span: {json.dumps(span)[:200]}")
            if out.status == 200:
                self.acked_on_retry += 1
                if not out.ambiguous:
                    self.surprises.append(f"POST {client_id} answered 200 (a repeat) on its "
                                          f"first attempt")
            self.spans[client_id] = Span(client_id, span["id"], place)
            self.live.append(client_id)
            self.acked["create"] += 1
            self.to_ack_ms.append((out.answered - out.first_sent) * 1000)
        else:
            self.refused[client_id] = f"{out.status} {json.dumps(out.body)[:200]}"

    def _pick(self) -> Span:
        index = self.rng.randrange(len(self.live))
        self.live[index], self.live[-1] = self.live[-1], self.live[index]
        return self.spans[self.live[-1]]

    def patch(self) -> None:
        span = self._pick()
        self.sequence += 1
        note = f"edit {self.sequence}"
        out = self.until_answered("patch", "PATCH", f"/api/annotations/{span.id}",
                                  {"note": note})
        if out.status is None:
            self.unresolved["patch"] += 1
            span.maybe_notes.add(note)
        elif out.status == 200:
            span.note = note
            span.maybe_notes.clear()  # acknowledged later than any of them
            self.acked["patch"] += 1
        else:
            self.surprises.append(f"PATCH span {span.id} ({span.client_id}) answered "
                                  f"{out.status}: {json.dumps(out.body)[:200]}")

    def delete(self) -> None:
        span = self._pick()
        self.live.pop()
        out = self.until_answered("delete", "DELETE", f"/api/annotations/{span.id}")
        if out.status is None:
            self.unresolved["delete"] += 1
            span.maybe_deleted = True
        elif out.status == 204 or (out.status == 404 and out.ambiguous):
            # 404 after an attempt that may have been carried out: that attempt deleted it.
            span.deleted = True
            self.acked["delete"] += 1
        else:
            span.maybe_deleted = True
            self.surprises.append(f"DELETE span {span.id} ({span.client_id}) answered "
                                  f"{out.status} on its first attempt: "
                                  f"{json.dumps(out.body)[:200]}")


def _attributes(rng: random.Random, label: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for attribute in label["attributes"]:
        if rng.random() < 0.4:
            continue
        kind = attribute["type"]
        if kind == "choice":
            values[attribute["key"]] = rng.choice(attribute["choices"])
        elif kind == "multi":
            values[attribute["key"]] = rng.sample(attribute["choices"], 1)
        elif kind == "boolean":
            values[attribute["key"]] = rng.random() < 0.5
        else:
            values[attribute["key"]] = "the ministry"
    return values


class Reader(Client):
    """The admin, back to back: the JSONL export (every line parsed) or the agreement report."""

    def __init__(self, kind: str, port: int, token: str, clock: Clock,
                 abort: threading.Event):
        super().__init__(kind, port, token, clock, abort)
        self.kind = kind
        self.path = (f"/api/projects/{PROJECT}/export?format=jsonl" if kind == "export"
                     else f"/api/projects/{PROJECT}/agreement")

    def work(self) -> None:
        while time.monotonic() < self.clock.end and not self.abort.is_set():
            got = self.request(self.kind, "GET", self.path, timeout=READ_TIMEOUT_S,
                               check=self.check)
            if got is None or got[0] != 200:
                time.sleep(0.2)

    def check(self, status: int, payload: bytes) -> str:
        try:
            if self.kind == "agreement":
                report = json.loads(payload)
                return "" if "labels" in report else "a report without labels"
            lines = payload.decode("utf-8").splitlines()
            ids = {json.loads(line)["id"] for line in lines}
        except (ValueError, KeyError, TypeError) as exc:
            return f"unreadable: {type(exc).__name__}: {exc}"[:200]
        return "" if len(ids) == DOCUMENTS else f"{len(ids)} documents, not {DOCUMENTS}"


# --- reading back and counting --------------------------------------------------------------

@dataclass
class Stored:
    id: int
    reviewer: str
    client_id: str | None
    place: tuple[int, int, int, int, str]
    note: str


def read_back(url: str, writers: list[str]) -> list[Stored]:
    from sqlalchemy import bindparam, create_engine, text

    query = text('SELECT a.id, u.username, a.client_id, a.document_id, a.paragraph_index, '
                 'a.start, a."end", a.label, a.note FROM annotations a '
                 "JOIN users u ON u.id = a.reviewer_id WHERE u.username IN :names "
                 "ORDER BY a.id").bindparams(bindparam("names", expanding=True))
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(query, {"names": writers}).all()
    finally:
        engine.dispose()
    return [Stored(r[0], r[1], r[2], (r[3], r[4], r[5], r[6], r[7]), r[8] or "")
            for r in rows]


@dataclass
class Verdict:
    acknowledged: int = 0  # writes the server acknowledged (creates, patches, deletes)
    acked_on_retry: int = 0
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    unresolved: Counter[str] = field(default_factory=Counter)
    unresolved_stored: int = 0
    refused: list[str] = field(default_factory=list)
    surprises: list[str] = field(default_factory=list)
    stored: int = 0


def judge(writers: list[Writer], stored: list[Stored]) -> Verdict:
    """Compare the stored spans of the writers with what the server acknowledged.

    LOST: an acknowledged span (not deleted by an acknowledged DELETE, nor by one never
    answered) with no stored row of its id and client_id.
    DUPLICATED: a stored row of a writer that is not the only one of its (reviewer,
    client_id), or not the only one of its (reviewer, document, paragraph, start, end,
    label), or whose client_id the writer never sent, sent without one, or sent and was
    refused with a 4xx (never acknowledged and not retried).
    STALE: a row that still exists after an acknowledged DELETE, or whose note or place is
    not what the last acknowledged write says (a PATCH never answered may have applied).
    UNRESOLVED: operations still unanswered when the retries had to stop; a create among
    them may or may not be stored, and is neither lost nor duplicated.
    """
    verdict = Verdict(stored=len(stored))
    by_writer = {w.who: w for w in writers}
    by_client: dict[tuple[str, str | None], list[Stored]] = defaultdict(list)
    by_place: dict[tuple[str, tuple], list[Stored]] = defaultdict(list)
    by_id = {row.id: row for row in stored}
    for row in stored:
        by_client[(row.reviewer, row.client_id)].append(row)
        by_place[(row.reviewer, row.place)].append(row)
    for row in stored:
        writer = by_writer[row.reviewer]
        why = None
        if row.client_id is None:
            why = "stored without a client_id"
        elif row.client_id not in writer.sent:
            why = "a client_id never sent"
        elif row.client_id in writer.refused:
            why = f"its create was refused ({writer.refused[row.client_id]})"
        elif len(by_client[(row.reviewer, row.client_id)]) > 1 \
                and row.id != by_client[(row.reviewer, row.client_id)][0].id:
            why = "a second row of its client_id"
        elif len(by_place[(row.reviewer, row.place)]) > 1 \
                and row.id != by_place[(row.reviewer, row.place)][0].id:
            why = "a second row of the same place and label"
        if why:
            verdict.duplicated.append(f"{row.reviewer} span {row.id} ({row.client_id}): {why}")
    for writer in writers:
        verdict.acknowledged += sum(writer.acked.values())
        verdict.acked_on_retry += writer.acked_on_retry
        verdict.unresolved.update(writer.unresolved)
        verdict.refused.extend(f"{writer.who} {cid}: {why}" for cid, why in
                               writer.refused.items())
        verdict.surprises.extend(f"{writer.who}: {s}" for s in writer.surprises)
        verdict.unresolved_stored += sum(
            1 for cid in writer.unresolved_creates if by_client.get((writer.who, cid)))
        for span in writer.spans.values():
            row = by_id.get(span.id)
            if row is not None and (row.reviewer != writer.who
                                    or row.client_id != span.client_id):
                row = None
            if span.deleted:
                if row is not None:
                    verdict.stale.append(f"{writer.who} span {span.id} ({span.client_id}): "
                                         f"still stored after an acknowledged DELETE")
                continue
            if row is None:
                if not span.maybe_deleted:
                    verdict.lost.append(f"{writer.who} span {span.id} ({span.client_id}) "
                                        f"at {span.place}")
                continue
            if row.place != span.place:
                verdict.stale.append(f"{writer.who} span {span.id}: stored at {row.place}, "
                                     f"acknowledged at {span.place}")
            elif row.note != span.note and row.note not in span.maybe_notes:
                verdict.stale.append(f"{writer.who} span {span.id}: note {row.note!r}, the "
                                     f"last acknowledged {span.note!r}")
    return verdict


# --- one engine ---------------------------------------------------------------------------

@dataclass
class EngineRun:
    engine: str
    version: str
    seconds: float
    verdict: Verdict
    attempts: list[Attempt]
    clock: Clock
    started: float
    to_ack_ms: list[float]
    server_errors: list[str]
    log_kept: Path | None


def soak_engine(ctx: Context, engine: str, url: str, seconds: float) -> EngineRun:
    folder = ctx.workdir / f"soak-{engine}"
    folder.mkdir(exist_ok=True)
    instance = folder / "instance"
    instance.mkdir(exist_ok=True)
    log(f"  {engine}: init-db, then {DOCUMENTS} documents, {WRITERS} reviewers with tokens")
    init_database(url, instance)
    setup = populate(ctx, url)
    server = Server(url, instance, folder / "gunicorn.log")
    abort = threading.Event()
    clients: list[Client] = []
    try:
        server.start()
        server.wait_ready(setup.admin_token, PROJECT)
        started = time.monotonic()
        clock = Clock(end=started + seconds, hard_end=started + seconds + GRACE_S)
        writers = [Writer(name, server.port, token, clock, abort, setup, SEED + i)
                   for i, (name, token) in enumerate(sorted(setup.tokens.items()))]
        readers = [Reader(kind, server.port, setup.admin_token, clock, abort)
                   for kind in ("export", "agreement")]
        clients = [*writers, *readers]
        log(f"  {engine}: gunicorn on 127.0.0.1:{server.port}; {len(writers)} writers, an "
            f"export and an agreement reader for {seconds:.0f} s; kill -9 at "
            f"{seconds * KILL_AT:.0f} s")
        for client in clients:
            client.start()
        _sleep_until(started + seconds * KILL_AT, clients)
        clock.kill = time.monotonic()
        server.kill9()
        server.start()
        clock.ready_again = server.wait_ready(setup.admin_token, PROJECT)
        log(f"  {engine}: killed and restarted; answering again after "
            f"{clock.ready_again - clock.kill:.1f} s")
        for client in clients:
            client.join(max(0.0, clock.hard_end + READ_TIMEOUT_S - time.monotonic()))
        crashed = [c for c in clients if c.crash is not None or c.is_alive()]
        if crashed:
            c = crashed[0]
            raise RuntimeError(f"client {c.name} failed: {c.crash!r}" if c.crash
                               else f"client {c.name} did not finish")
        server.stop()
        log(f"  {engine}: reading every span of the writers back")
        stored = read_back(url, sorted(setup.tokens))
    finally:
        abort.set()
        server.stop()
    verdict = judge(writers, stored)
    attempts = [a for c in clients for a in c.attempts]
    server_errors = _server_errors(server.log_path)
    unexpected = [a for a in attempts if not _expected(a, clock)]
    log_kept = None
    if server_errors or unexpected or verdict.lost or verdict.duplicated or verdict.stale:
        OUTPUT.mkdir(parents=True, exist_ok=True)
        log_kept = OUTPUT / f"soak-{engine}-gunicorn.log"
        shutil.copyfile(server.log_path, log_kept)
    return EngineRun(engine, _version(url), seconds, verdict, attempts, clock, started,
                     [ms for w in writers for ms in w.to_ack_ms], server_errors, log_kept)


def _version(url: str) -> str:
    if url.startswith("sqlite"):
        import sqlite3

        return sqlite3.sqlite_version
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SHOW server_version")).scalar().split()[0]
    finally:
        engine.dispose()


def _sleep_until(moment: float, clients: list[Client]) -> None:
    while time.monotonic() < moment:
        for client in clients:
            if client.crash is not None:
                raise RuntimeError(f"client {client.name} failed: {client.crash!r}")
        time.sleep(min(0.2, max(0.0, moment - time.monotonic())))


_LOG_ERROR = re.compile(r"Traceback|\[(ERROR|CRITICAL)\]|WORKER TIMEOUT|Exception|"
                        r"OperationalError|database is locked", re.IGNORECASE)


def _server_errors(path: Path) -> list[str]:
    try:
        lines = path.read_text("utf-8", "replace").splitlines()
    except OSError:
        return []
    return [line for line in lines if _LOG_ERROR.search(line)]


def _expected(attempt: Attempt, clock: Clock) -> bool:
    """A status below 500 where one was to come, or a connection that failed around the
    kill; everything else (5xx, failures elsewhere, bad bodies, 4xx) is an error."""
    if attempt.failure is None:
        if attempt.status is None:
            return True
        if attempt.status < 400:
            return True
        return attempt.kind == "delete" and attempt.status == 404  # judged by the writer
    if attempt.failure in ("refused", "cut", "timeout"):
        return clock.in_kill_window(attempt)
    return False


# --- the benchmark --------------------------------------------------------------------------

def postgres_admin_url(ctx: Context) -> str:
    url = ctx.base_url if ctx.engine == "postgresql" else DEFAULT_POSTGRES
    from sqlalchemy.engine import make_url

    host = make_url(url).host
    if host is not None and host not in LOOPBACK:
        raise ValueError(f"the soak test runs on the loopback interface only; {host} is not")
    return url


@contextlib.contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """A fresh database on the server of ``admin_url``, dropped after (connections forced)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"annotator_soak_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0"))
        try:
            yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@contextlib.contextmanager
def sqlite_database(ctx: Context) -> Iterator[str]:
    path = ctx.workdir / f"soak-{uuid.uuid4().hex[:8]}.sqlite3"
    try:
        yield f"sqlite:///{path}"
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                Path(str(path) + suffix).unlink()


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """A SIGTERM to the benchmark unwinds like Ctrl-C, so the servers and databases go too."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run(ctx: Context) -> list[Result]:
    if importlib.util.find_spec("gunicorn") is None:
        raise RuntimeError("gunicorn is not installed: pip install -e '.[test]'")
    seconds = ctx.seconds if ctx.seconds is not None else ctx.size(60, 20)
    runs: list[EngineRun] = []
    results: list[Result] = []
    with _sigterm_as_interrupt():
        for engine in ("sqlite", "postgresql"):
            try:
                if engine == "sqlite":
                    database = sqlite_database(ctx)
                else:
                    database = postgres_database(postgres_admin_url(ctx))
                with database as url:
                    runs.append(soak_engine(ctx, engine, url, seconds))
            except Exception as exc:  # the other engine still runs
                log(f"  {engine}: failed: {type(exc).__name__}: {exc}")
                results.append(Result.failed(f"soak {engine}: failed",
                                             f"{type(exc).__name__}: {exc}"[:2000]))
    for r in runs:
        results.extend(_rows(r))
        _log_problems(r)
    if runs:
        ctx.reports.append(report(runs))
    return results


# --- what is printed ------------------------------------------------------------------------

def _rows(r: EngineRun) -> list[Result]:
    v = r.verdict
    unexpected = [a for a in r.attempts if not _expected(a, r.clock)]
    return [
        Result(f"soak {r.engine}: requests sent", "requests", len(r.attempts)),
        Result(f"soak {r.engine}: acknowledged writes", "writes", v.acknowledged),
        Result(f"soak {r.engine}: lost", "writes", len(v.lost), target=ZERO),
        Result(f"soak {r.engine}: duplicated", "spans", len(v.duplicated), target=ZERO),
        Result(f"soak {r.engine}: stale", "spans", len(v.stale), target=ZERO),
        Result(f"soak {r.engine}: errors (5xx, 4xx, failures outside the kill)", "requests",
               len(unexpected) + len(v.surprises), target=ZERO),
    ]


def _latencies(r: EngineRun, kind: str) -> list[float]:
    """Milliseconds of the requests of a kind answered below 400 away from the kill: those
    that waited for the restart count in "to ack max" instead."""
    return [(a.ended - a.started) * 1000 for a in r.attempts
            if a.kind == kind and a.failure is None and a.status is not None
            and a.status < 400 and not r.clock.in_kill_window(a)]


def _ms(samples: list[float], pct: float) -> str:
    return f"{percentile(samples, pct):,.0f}" if samples else "-"


def _status_counts(attempts: list[Attempt]) -> str:
    counts = Counter(str(a.status) if a.failure is None else a.failure for a in attempts)
    return " ".join(f"{k}:{n:,}" for k, n in sorted(counts.items()))


def report(runs: list[EngineRun]) -> str:
    """The soak table: one row per engine, then latencies and answers per request kind."""
    first = runs[0]
    title = (f"soak: {WRITERS} writers (retrying, client_id per span), an export stream and an "
             f"agreement reader against gunicorn --workers {SERVER_WORKERS} on 127.0.0.1; "
             f"{DOCUMENTS} documents; {first.seconds:.0f} s per engine, kill -9 of the process "
             f"group at {first.seconds * KILL_AT:.0f} s, then a restart")
    lines = textwrap.wrap(title, 100)
    header = ("engine", "requests", "acked writes", "on retry", "lost", "duplicated", "stale",
              "unresolved", "create p50", "p95", "to ack max", "errors", "kill: failed",
              "down s")
    rows = []
    for r in runs:
        v = r.verdict
        creates = _latencies(r, "create")
        unexpected = [a for a in r.attempts if not _expected(a, r.clock)]
        expected_failures = [a for a in r.attempts if a.failure and _expected(a, r.clock)]
        unresolved = sum(v.unresolved.values())
        rows.append((
            f"{r.engine} {r.version}", f"{len(r.attempts):,}", f"{v.acknowledged:,}",
            f"{v.acked_on_retry:,}",
            f"{len(v.lost):,}", f"{len(v.duplicated):,}", f"{len(v.stale):,}",
            f"{unresolved:,}" + (f" ({v.unresolved_stored} stored)" if unresolved else ""),
            _ms(creates, 50), _ms(creates, 95), _ms(r.to_ack_ms, 100),
            f"{len(unexpected) + len(v.surprises):,}", f"{len(expected_failures):,}",
            f"{r.clock.ready_again - r.clock.kill:.1f}"
            if r.clock.kill and r.clock.ready_again else "-",
        ))
    lines.append(_table(header, rows, left={0}))
    lines.append("")
    header = ("engine", "kind", "requests", "p50 ms", "p95 ms", "max ms", "answers")
    rows = []
    for r in runs:
        for kind in KINDS:
            attempts = [a for a in r.attempts if a.kind == kind]
            answered = _latencies(r, kind)
            rows.append((r.engine, kind, f"{len(attempts):,}", _ms(answered, 50),
                         _ms(answered, 95), f"{max(answered):,.0f}" if answered else "-",
                         _status_counts(attempts)))
    lines.append(_table(header, rows, left={0, 1, 6}))
    lines.append("")
    lines.extend(textwrap.fill(paragraph, 100) for paragraph in LEGEND)
    for r in runs:
        lines.extend(_problems(r))
    return "\n".join(lines)


LEGEND = [
    "requests: every request sent (retries included) by the writers and the two readers. "
    "acked writes: creates answered 201 or 200, PATCHes 200, DELETEs 204 (or 404 after an "
    "attempt that got no status). on retry: creates answered 200, i.e. an earlier attempt "
    "had stored the span.",
    "lost: acknowledged spans (not deleted by the writer) with no stored row of their id and "
    "client_id. duplicated: stored rows of a writer beyond the first of their client_id or of "
    "their place and label, or whose client_id was never sent, or was refused with a 4xx "
    "(never acknowledged and not retried). stale: rows still there after an acknowledged "
    "DELETE, or whose note or place differs from the last acknowledged write. unresolved: "
    f"operations still unanswered when retries stopped (load phase + {GRACE_S:.0f} s); they "
    "may or may not have applied and count in none of the above.",
    "create p50/p95, and p50/p95/max per kind: requests answered below 400 that did not "
    "overlap the kill window (an export: until its whole body). to ack max: the longest "
    "time from a create's first attempt to its acknowledgement, retries and the restart "
    "included.",
    "errors: 5xx and 4xx answers, bodies that did not parse (or an export short of its "
    "documents), refused, cut or timed-out requests outside the kill window, and answers "
    "that contradict what the writer knew. kill: failed: refused, cut or timed-out requests "
    "overlapping the kill window, from the kill until 1 s after the restarted server first "
    "answered (expected). down s: from the kill until that first answer. answers: statuses "
    "and failures per request kind.",
]


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]], left: set[int]) -> str:
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(c.ljust(w) if i in left else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    return "\n".join([line(header), line(tuple("-" * w for w in widths)),
                      *(line(row) for row in rows)])


def _problems(r: EngineRun, limit: int = 10) -> list[str]:
    """What went wrong on one engine, for the report: the first few of each."""
    v = r.verdict
    out = []
    unexpected = [a for a in r.attempts if not _expected(a, r.clock)]
    sections = [
        ("lost", v.lost), ("duplicated", v.duplicated), ("stale", v.stale),
        ("unexpected answers", v.surprises),
        ("refused creates", v.refused),
        ("errors", [f"{a.kind} at {a.started - r.started:.1f} s (+{a.ended - a.started:.2f} "
                    f"s): {a.status or ''} {a.failure or ''} {a.detail}".strip()
                    for a in unexpected]),
        ("server log lines", r.server_errors),
    ]
    for title, items in sections:
        if items:
            out.append(f"{r.engine}: {title} ({len(items)}):")
            out.extend(f"  {item}" for item in items[:limit])
            if len(items) > limit:
                out.append(f"  ... and {len(items) - limit} more")
    if r.log_kept:
        out.append(f"{r.engine}: the server's log is kept in {r.log_kept}")
    return out


def _log_problems(r: EngineRun) -> None:
    for line in _problems(r):
        log(f"  {line}")


BENCHMARK = Benchmark(
    "soak", "20 writers with retries, exports and reports, kill -9 and restart of gunicorn "
            "(SQLite and PostgreSQL; only with --only soak)", run, default=False)
