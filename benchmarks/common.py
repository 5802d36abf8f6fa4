"""What every benchmark shares: result rows and targets, the run context (fresh databases and
apps, sizes, profiling), the deterministic corpus generator and the table printer."""

from __future__ import annotations

import contextlib
import cProfile
import io
import json
import os
import pstats
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CODEBOOK_PATH = ROOT / "annotator" / "data" / "default_codebook.json"
SECRET_KEY = "benchmark-secret-key"
FAST_HASH = "pbkdf2:sha256:1000"


def log(message: str) -> None:
    """Progress goes to stderr; stdout holds only the table."""
    print(message, file=sys.stderr, flush=True)


# --- results ------------------------------------------------------------------------------

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": lambda v, t: v <= t,
    "<": lambda v, t: v < t,
    ">=": lambda v, t: v >= t,
    ">": lambda v, t: v > t,
}


@dataclass(frozen=True)
class Target:
    """``Target("<=", 10, "ms")``: what the project brief asks of a measurement's median."""

    op: str
    value: float
    unit: str

    def __post_init__(self) -> None:
        if self.op not in _OPS:
            raise ValueError(f"unknown comparison {self.op!r}")

    def met(self, value: float) -> bool:
        return _OPS[self.op](value, self.value)

    def __str__(self) -> str:
        value = f"{self.value:,.0f}" if self.value == int(self.value) else f"{self.value:g}"
        return f"{self.op} {value} {self.unit}".rstrip()


@dataclass
class Result:
    """One row of the table. ``p90`` only for latencies; ``target`` None for context rows."""

    name: str
    unit: str
    median: float | None
    p90: float | None = None
    n: int = 1
    target: Target | None = None
    note: str = ""
    error: str | None = None
    cpu: float | None = None  # the median's counterpart in this process's CPU time

    @classmethod
    def latency(cls, name: str, samples_ms: Sequence[float], target: Target | None = None,
                note: str = "", cpu_ms: Sequence[float] | None = None) -> Result:
        return cls(name, "ms", statistics.median(samples_ms), percentile(samples_ms, 90),
                   len(samples_ms), target, note,
                   cpu=statistics.median(cpu_ms) if cpu_ms else None)

    @classmethod
    def failed(cls, name: str, error: str) -> Result:
        return cls(name, "", None, error=error)

    @property
    def met(self) -> bool | None:
        if self.error is not None:
            return False
        if self.target is None or self.median is None:
            return None
        return self.target.met(self.median)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "unit": self.unit, "median": self.median, "p90": self.p90,
            "n": self.n, "cpu": self.cpu, "target": str(self.target) if self.target else None,
            "met": self.met, "note": self.note or None, "error": self.error,
        }


def percentile(samples: Sequence[float], pct: float) -> float:
    """The pct-th percentile, linear between closest ranks (numpy's default)."""
    ordered = sorted(samples)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, int):  # a count
        return f"{value:,}"
    if unit.endswith("/s") or abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.1f}"
    return f"{value:.2f}"


def format_table(results: Sequence[Result]) -> str:
    """The results as one plain-text table, then footnotes for notes and errors.

    ``cpu`` is the median's counterpart in the benchmark process's CPU time, where measured.
    """
    header = ("measurement", "n", "median", "p90", "cpu", "unit", "target", "met")
    rows = []
    footnotes = []
    for r in results:
        met = {True: "yes", False: "NO", None: "-"}[r.met]
        if r.error is not None:
            met = "ERROR"
        name = r.name
        if r.note or r.error:
            footnotes.append(r.error or r.note)
            name = f"{name} [{len(footnotes)}]"
        rows.append((
            name, f"{r.n:,}" if r.error is None else "-", format_value(r.median, r.unit),
            format_value(r.p90, r.unit), format_value(r.cpu, r.unit), r.unit or "-",
            str(r.target) if r.target else "-", met,
        ))
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    right = {1, 2, 3, 4}

    def line(cells: Sequence[str]) -> str:
        pairs = enumerate(zip(cells, widths, strict=True))
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in pairs).rstrip()

    out = [line(header), line(["-" * w for w in widths])]
    out.extend(line(row) for row in rows)
    if any(r.cpu is not None for r in results):
        out.append("cpu: the median (or total) in the benchmark process's CPU time; a wall time "
                   "far above it on SQLite means waits for a CPU")
    for i, text in enumerate(footnotes, start=1):
        out.append(f"[{i}] {text}")
    return "\n".join(out)


@dataclass(frozen=True)
class Benchmark:
    """A measured area: ``run(ctx)`` sets up what it needs and returns its rows."""

    name: str
    description: str
    run: Callable[[Context], list[Result]]
    default: bool = True  # False: runs only when named with --only (the soak test)


# --- the run context ----------------------------------------------------------------------

def engine_of(url: str | None) -> str:
    """"sqlite" or "postgresql" for a --database-url; ValueError for anything else."""
    if not url or url.split(":", 1)[0] == "sqlite":
        return "sqlite"
    from sqlalchemy.engine import make_url

    try:
        backend = make_url(url).get_backend_name()
    except Exception:
        backend = None
    if backend != "postgresql":
        raise ValueError(f"unsupported database URL {url!r}: use sqlite:// or "
                         f"postgresql+psycopg://")
    return backend


class Context:
    """Fresh databases, apps and sizes for one run; everything is removed by ``close()``.

    ``base_url`` None (or a bare ``sqlite://``) means SQLite files in the run's temp dir; a
    SQLite URL with a path puts the files next to that path instead (and removes them after);
    a PostgreSQL URL names the server on which a database is created per benchmark and
    dropped after the run.
    """

    def __init__(self, base_url: str | None = None, quick: bool = False,
                 profile_dir: Path | None = None, profiler: str = "cprofile",
                 seconds: float | None = None):
        self.engine = engine_of(base_url)
        self.base_url = base_url
        self.quick = quick
        self.seconds = seconds  # the soak test's load phase per engine; None: its default
        self.reports: list[str] = []  # tables of their own, printed after the main one
        self.profile_dir = profile_dir
        self.profiler = profiler
        self.run_id = uuid.uuid4().hex[:8]
        self.workdir = Path(tempfile.mkdtemp(prefix="annotator-bench-"))
        self.instance_path = self.workdir / "instance"
        self.instance_path.mkdir()
        # create_app reads it: the run never touches the project's instance/ folder.
        os.environ["ANNOTATOR_INSTANCE_PATH"] = str(self.instance_path)
        self._apps: list[Any] = []
        self._pg_databases: list[str] = []
        self._sqlite_files: list[Path] = []
        self._cache: dict[str, Any] = {}

    def size(self, full: int, quick: int) -> int:
        return quick if self.quick else full

    def cached(self, key: str, make: Callable[[], Any]) -> Any:
        """A value shared by the benchmarks of one run (e.g. the generated corpus)."""
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    # databases and apps

    def new_database(self, tag: str) -> str:
        """The URL of a fresh, empty database for one benchmark."""
        if self.engine == "postgresql":
            from sqlalchemy import create_engine, text
            from sqlalchemy.engine import make_url

            base = make_url(self.base_url)
            name = f"annotator_bench_{self.run_id}_{re.sub(r'[^a-z0-9]', '_', tag.lower())}"
            admin = create_engine(base, isolation_level="AUTOCOMMIT")
            try:
                with admin.connect() as conn:
                    conn.execute(text(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' '
                                      f"TEMPLATE template0"))
            finally:
                admin.dispose()
            self._pg_databases.append(name)
            return base.set(database=name).render_as_string(hide_password=False)
        path = self._sqlite_folder() / f"annotator-bench-{self.run_id}-{tag}.sqlite3"
        self._sqlite_files.append(path)
        return f"sqlite:///{path}"

    def app_config(self, url: str) -> dict[str, Any]:
        return {
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET_KEY,
            "PASSWORD_HASH_METHOD": FAST_HASH,
        }

    def make_app(self, url: str, create_schema: bool = True):
        """An app on the given database, its schema created (as the tests create it)."""
        from annotator import create_app
        from annotator.extensions import db

        app = create_app(self.app_config(url))
        if create_schema:
            with app.app_context():
                db.create_all()
        self._apps.append(app)
        return app

    def subprocess_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["ANNOTATOR_INSTANCE_PATH"] = str(self.instance_path)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p
        )
        return env

    def describe_engine(self) -> str:
        if self.engine == "postgresql":
            from sqlalchemy import create_engine, text
            from sqlalchemy.engine import make_url

            engine = create_engine(make_url(self.base_url))
            try:
                with engine.connect() as conn:
                    version = conn.execute(text("SHOW server_version")).scalar()
            finally:
                engine.dispose()
            host = make_url(self.base_url).host or "local socket"
            return f"PostgreSQL {version} on {host} (a fresh database per benchmark)"
        import sqlite3

        where = self._sqlite_folder()
        return f"SQLite {sqlite3.sqlite_version} (a fresh file per benchmark in {where})"

    def _sqlite_folder(self) -> Path:
        """The run's temp dir, or the folder of the file a SQLite URL names."""
        if self.base_url and self.base_url.startswith("sqlite:///"):
            database = self.base_url.removeprefix("sqlite:///").split("?", 1)[0]
            if database and database != ":memory:":
                return Path(database).resolve().parent
        return self.workdir

    def close(self) -> None:
        from annotator.extensions import db

        for app in self._apps:
            with contextlib.suppress(Exception), app.app_context():
                db.session.remove()
                db.engine.dispose()
        if self._pg_databases:
            from sqlalchemy import create_engine, text
            from sqlalchemy.engine import make_url

            admin = create_engine(make_url(self.base_url), isolation_level="AUTOCOMMIT")
            try:
                with admin.connect() as conn:
                    for name in self._pg_databases:
                        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            finally:
                admin.dispose()
        for path in self._sqlite_files:
            for suffix in ("", "-wal", "-shm", "-journal"):
                with contextlib.suppress(FileNotFoundError):
                    Path(str(path) + suffix).unlink()
        shutil.rmtree(self.workdir, ignore_errors=True)

    # profiling

    @contextlib.contextmanager
    def profiled(self, name: str) -> Iterator[None]:
        """Profile the block when the run was asked to (``--profile DIR``); else nothing.

        Profiled timings are inflated: read the profile, not the table, of such a run.
        """
        if self.profile_dir is None:
            yield
            return
        self.profile_dir.mkdir(parents=True, exist_ok=True)
        if self.profiler == "pyinstrument":
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
            try:
                yield
            finally:
                profiler.stop()
                path = self.profile_dir / f"{name}.txt"
                path.write_text(profiler.output_text(unicode=True, show_all=False), "utf-8")
                (self.profile_dir / f"{name}.html").write_text(profiler.output_html(), "utf-8")
                log(f"  profile of {name}: {path}")
            return
        # "cprofile-cpu" counts this process's CPU time, not wall time: on a busy machine it
        # shows where the work goes without the waits for a CPU (nor those for the database).
        profile = (cProfile.Profile(time.process_time) if self.profiler == "cprofile-cpu"
                   else cProfile.Profile())
        profile.enable()
        try:
            yield
        finally:
            profile.disable()
            profile.dump_stats(self.profile_dir / f"{name}.prof")
            text = io.StringIO()
            stats = pstats.Stats(profile, stream=text)
            stats.sort_stats("cumulative").print_stats(45)
            stats.sort_stats("tottime").print_stats(30)
            path = self.profile_dir / f"{name}.txt"
            path.write_text(text.getvalue(), "utf-8")
            log(f"  profile of {name}: {path} (and .prof)")


def run_worker(ctx: Context, module: str, *args: str) -> dict[str, Any]:
    """Run ``python -m MODULE ARGS`` (a benchmark's worker, measured in a process of its own)
    and return the JSON object its last line of output holds; a failure raises with the end
    of its error output."""
    import subprocess

    command = [sys.executable, "-m", module, *args]
    done = subprocess.run(command, capture_output=True, text=True, env=ctx.subprocess_env(),
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the {' '.join(args[:3])} worker failed ({done.returncode}): "
                           f"{done.stderr.strip()[-800:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def profile_args(ctx: Context, name: str) -> list[str]:
    """A worker's arguments asking it to profile itself into ``name`` (with --profile)."""
    if ctx.profile_dir is None:
        return []
    return ["--profile", str(ctx.profile_dir / name), "--profiler", ctx.profiler]


@dataclass(frozen=True)
class Timing:
    """Wall-clock and CPU milliseconds of one call, and what it returned."""

    wall: float
    cpu: float
    value: Any


def timed(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Timing:
    """Time one call of ``fn(*args, **kwargs)``.

    The CPU time is this process's: it hardly moves when other processes load the machine,
    so a wall time far above it (on SQLite, where the work is in-process) means contention.
    """
    cpu = time.process_time_ns()
    start = time.perf_counter_ns()
    value = fn(*args, **kwargs)
    wall = time.perf_counter_ns() - start
    return Timing(wall / 1e6, (time.process_time_ns() - cpu) / 1e6, value)


def rss_mb() -> tuple[float, float]:
    """(current RSS, peak RSS) of this process in MB (1 MB = 2**20 bytes)."""
    current = peak = None
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    current = int(line.split()[1]) / 1024
                elif line.startswith("VmHWM:"):
                    peak = int(line.split()[1]) / 1024
    except OSError:
        pass
    if peak is None:
        import resource

        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        peak = maxrss / 1024 / (1024 if sys.platform == "darwin" else 1)
    return (current if current is not None else peak), peak


# --- the generated corpus -----------------------------------------------------------------

_WORD_TEXT = (
    "the government officials withdrawal troops country region security forces military "
    "operation analysts administration policy decision crisis conflict negotiations talks "
    "sanctions economy inflation prices energy supplies pipeline border refugees migrants "
    "election campaign parliament opposition protesters police violence ceasefire agreement "
    "statement ministry spokesman report sources claimed according warned announced said "
    "would could should might allegedly reportedly apparently hasty chaotic unprecedented "
    "catastrophic strategic humanitarian international domestic foreign western eastern "
    "alliance partners allies influence pressure threat attack counteroffensive insurgents "
    "militants terrorist organization weapons equipment billions dollars budget funding aid "
    "investment companies markets exports imports growth recession unemployment workers "
    "families children hospitals schools infrastructure cities villages province capital "
    "residents witnesses journalists newspaper television channel interview conference week "
    "month year months years days hours since after before during while although because "
    "however despite moreover meanwhile instead therefore yet still already only also even "
    "first last new old large small major minor key senior former current future recent "
    "in on at of for with by from into over under against between among about across "
    "a an and or but not no its their his her our this that these those which who whom"
)
_WORDS = _WORD_TEXT.split()
_NAMES = (
    "Konstantin Blokhin", "Joe Biden", "Lloyd Austin", "José Álvarez", "Ahmed Al-Rashid",
    "Angela Müller", "Søren Kierkegaard", "Zhang Wei", "Olga Ivanova", "Mustafa al-Kadhimi",
    "Jean-Luc Mélenchon", "Ngozi Okonjo-Iweala", "Сергей Лавров", "François Dupont",
)
_ORGS = (
    "the Pentagon", "the Kremlin", "the State Department", "the Russian Academy of Sciences",
    "the Center for Security Studies", "The Wall Street Journal", "RT", "Reuters",
    "the United Nations", "NATO", "the European Commission", "Islamic State*", "Taliban**",
)
_SOURCES = ("RT", "TASS", "RIA Novosti", "Reuters", "AP", "BBC", "Al Jazeera", "Le Monde")
_SECTIONS = ("world", "politics", "economy", "opinion", "society")


def _sentence(rng: random.Random) -> str:
    kind = rng.random()
    words = [rng.choice(_WORDS) for _ in range(rng.randint(8, 24))]
    body = " ".join(words)
    if kind < 0.2:
        return f"“{body.capitalize()},” said {rng.choice(_NAMES)}, a researcher at " \
               f"{rng.choice(_ORGS)}."
    if kind < 0.35:
        return f"According to {rng.choice(_ORGS)}, {body}."
    if kind < 0.4:
        return (f"* {rng.choice(_ORGS).strip('*')} — the organization was recognized as "
                f"terrorist by the decision of the Supreme Court of the Russian Federation.")
    if kind < 0.5:
        return f"{rng.choice(_NAMES)} {body} — {rng.choice(_WORDS)} {rng.choice(_WORDS)}."
    return body.capitalize() + "."


class CorpusGenerator:
    """Deterministic documents in the documents JSONL format (INTERFACE.md).

    Paragraphs are drawn from a pool of news-like sentences (some non-ASCII: curly quotes,
    dashes, accented and Cyrillic names) so that generating 50,000 paragraphs is quick;
    spans start and end on word boundaries and carry attribute values valid for the
    default codebook, with their ``text`` as an export writes it.
    """

    def __init__(self, seed: int = 20240601, codebook: dict[str, Any] | None = None):
        self.rng = random.Random(seed)
        self.codebook = codebook or json.loads(CODEBOOK_PATH.read_text("utf-8"))
        self.labels = self.codebook["labels"]
        self.label_weights = [0.4, 0.35, 0.15, 0.1][: len(self.labels)] or None
        self.sentences = [_sentence(self.rng) for _ in range(4000)]

    def paragraph(self) -> str:
        return " ".join(self.rng.choices(self.sentences, k=self.rng.randint(2, 5)))

    def attributes(self, label: dict[str, Any]) -> dict[str, Any]:
        rng = self.rng
        values: dict[str, Any] = {}
        for attr in label["attributes"]:
            if rng.random() < 0.2:
                continue
            kind = attr["type"]
            if kind == "choice":
                values[attr["key"]] = rng.choice(attr["choices"])
            elif kind == "multi":
                values[attr["key"]] = rng.sample(attr["choices"],
                                                 rng.randint(1, len(attr["choices"])))
            elif kind == "boolean":
                values[attr["key"]] = rng.random() < 0.5
            else:
                values[attr["key"]] = rng.choice(_NAMES + _ORGS)
        return values

    def span(self, paragraphs: Sequence[str], paragraph: int | None = None,
             bounds: list[list[tuple[int, int]]] | None = None) -> dict[str, Any]:
        """A random span (a dict of the JSONL format) on word boundaries."""
        rng = self.rng
        if paragraph is None:
            paragraph = rng.randrange(len(paragraphs))
        text = paragraphs[paragraph]
        words = bounds[paragraph] if bounds else word_bounds(text)
        first = rng.randrange(len(words))
        last = min(len(words) - 1, first + rng.choice((0, 1, 2, 4, 6, 10, 16, 25)))
        start, end = words[first][0], words[last][1]
        label = rng.choices(self.labels, weights=self.label_weights)[0]
        span = {"paragraph": paragraph, "start": start, "end": end, "label": label["key"],
                "text": text[start:end], "attributes": self.attributes(label)}
        if rng.random() < 0.05:
            span["note"] = "check the source"
        return span

    def document(self, index: int, paragraphs: int, spans_by_reviewer: dict[str, int],
                 submitted: dict[str, bool] | None = None) -> dict[str, Any]:
        rng = self.rng
        texts = [self.paragraph() for _ in range(paragraphs)]
        bounds = [word_bounds(t) for t in texts]
        reviews = []
        for reviewer, count in spans_by_reviewer.items():
            done = (submitted or {}).get(reviewer, rng.random() < 0.7)
            review: dict[str, Any] = {"reviewer": reviewer,
                                      "status": "submitted" if done else "in_progress"}
            if not done:
                review["reviewed_paragraphs"] = list(range(rng.randrange(paragraphs + 1)))
            review["annotations"] = [self.span(texts, bounds=bounds) for _ in range(count)]
            reviews.append(review)
        return {
            "title": f"{rng.choice(self.sentences)[:120]} ({index})",
            "source": rng.choice(_SOURCES),
            "url": f"https://news.example.org/{rng.choice(_SECTIONS)}/{index}",
            "published": f"20{rng.randint(15, 24)}-{rng.randint(1, 12):02d}-"
                         f"{rng.randint(1, 28):02d}",
            "meta": {"section": rng.choice(_SECTIONS)},
            "external_id": f"bench-{index:06d}",
            "paragraphs": texts,
            "reviews": reviews,
        }

    def documents(self, count: int, spans_total: int,
                  reviewers: Sequence[str] = ("alice", "bob", "carol"),
                  paragraphs: tuple[int, int] = (15, 35),
                  first_index: int = 1) -> Iterator[dict[str, Any]]:
        """``count`` documents holding exactly ``spans_total`` review spans in all.

        Spans per document vary around the mean (pairs of documents compensate), split
        unevenly among the reviewers; paragraphs per document are uniform in the range
        (25 on average by default).
        """
        rng = self.rng
        base, extra = divmod(spans_total, count)
        per_doc = [base + (1 if i < extra else 0) for i in range(count)]
        for i in range(0, count - 1, 2):
            d = rng.randint(-(per_doc[i + 1] * 2 // 5), per_doc[i + 1] * 2 // 5)
            per_doc[i] += d
            per_doc[i + 1] -= d
        for i, total in enumerate(per_doc):
            weights = [rng.uniform(0.7, 1.3) for _ in reviewers]
            shares = [int(total * w / sum(weights)) for w in weights]
            shares[0] += total - sum(shares)
            yield self.document(first_index + i, rng.randint(*paragraphs),
                                dict(zip(reviewers, shares, strict=True)))


def word_bounds(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in re.finditer(r"\w+", text)] or [(0, len(text))]


def corpus_jsonl(documents: int, spans: int, seed: int = 20240601) -> bytes:
    """The import corpus: documents JSONL, one line per document, UTF-8."""
    generator = CorpusGenerator(seed)
    lines = [json.dumps(doc, ensure_ascii=False) for doc in generator.documents(documents, spans)]
    return ("\n".join(lines) + "\n").encode("utf-8")


@dataclass(frozen=True)
class CorpusSize:
    documents: int
    spans: int


def import_corpus_size(ctx: Context) -> CorpusSize:
    """The size the brief names (2,000 documents, 200,000 spans); a tenth with --quick."""
    return CorpusSize(ctx.size(2000, 200), ctx.size(200_000, 20_000))


def shared_corpus(ctx: Context) -> bytes:
    """The import corpus of this run, generated once and shared by the benchmarks."""
    size = import_corpus_size(ctx)

    def make() -> bytes:
        log(f"  generating the corpus: {size.documents:,} documents, {size.spans:,} spans")
        return corpus_jsonl(size.documents, size.spans)

    return ctx.cached(f"corpus-{size.documents}-{size.spans}", make)


# --- helpers of the page, agreement and export benchmarks ---------------------------------

_CSRF_INPUT = re.compile(r'<input[^>]*\bname="csrf_token"[^>]*>')
_VALUE = re.compile(r'\bvalue="([^"]+)"')


def login_with_form(client: Any, username: str, password: str) -> None:
    """Log the test client in through the real /login form, CSRF token included."""
    page = client.get("/login")
    tag = _CSRF_INPUT.search(page.get_data(as_text=True))
    value = _VALUE.search(tag.group()) if tag else None
    if page.status_code != 200 or value is None:
        raise RuntimeError(f"GET /login answered {page.status_code} without a CSRF token")
    response = client.post("/login", data={"csrf_token": value.group(1), "username": username,
                                           "password": password})
    if response.status_code != 302:
        raise RuntimeError(f"logging in as {username} answered {response.status_code}: "
                           f"{response.get_data(as_text=True)[:300]!r}")


class AgreementGenerator(CorpusGenerator):
    """Documents whose reviewers mostly agree, as trained annotators do: every document has
    reference spans, and each reviewer finds most of them (some with a boundary a word or two
    off, a few with another label, attribute values mostly the same) and adds a few of their
    own. All reviews are submitted, so every paragraph counts in the agreement figures."""

    MISS = 0.12  # a reference span the reviewer does not mark
    SHIFT = 0.2  # a marked one with its start or end moved by one or two words
    RELABEL = 0.06  # a marked one with another label
    ATTRIBUTE_CHANGE = 0.15  # per attribute value of a marked one
    EXTRA = 0.12  # per reference span, a span of the reviewer's own

    def _shifted(self, words: list[tuple[int, int]], first: int, last: int) -> tuple[int, int]:
        rng = self.rng
        step = rng.choice((-2, -1, 1, 2))
        if rng.random() < 0.5:
            first = min(max(0, first + step), last)
        else:
            last = max(min(len(words) - 1, last + step), first)
        return first, last

    def agreeing_document(self, index: int, paragraphs: int, reviewers: Sequence[str],
                          references: int) -> dict[str, Any]:
        rng = self.rng
        texts = [self.paragraph() for _ in range(paragraphs)]
        bounds = [word_bounds(t) for t in texts]
        truth = []
        for _ in range(references):
            par = rng.randrange(paragraphs)
            words = bounds[par]
            first = rng.randrange(len(words))
            last = min(len(words) - 1, first + rng.choice((0, 1, 2, 4, 6, 10, 16, 25)))
            label = rng.choices(self.labels, weights=self.label_weights)[0]
            truth.append((par, first, last, label, self.attributes(label)))
        reviews = []
        for reviewer in reviewers:
            spans = []
            for par, first, last, label, attributes in truth:
                if rng.random() < self.MISS:
                    continue
                words = bounds[par]
                if rng.random() < self.SHIFT:
                    first, last = self._shifted(words, first, last)
                if rng.random() < self.RELABEL:
                    label = rng.choice([x for x in self.labels if x is not label] or [label])
                    attributes = self.attributes(label)
                else:
                    fresh = self.attributes(label)
                    attributes = {k: (fresh[k] if k in fresh and rng.random()
                                      < self.ATTRIBUTE_CHANGE else v)
                                  for k, v in attributes.items()}
                start, end = words[first][0], words[last][1]
                spans.append({"paragraph": par, "start": start, "end": end,
                              "label": label["key"], "text": texts[par][start:end],
                              "attributes": attributes})
            extra = sum(rng.random() < self.EXTRA for _ in truth)
            spans.extend(self.span(texts, bounds=bounds) for _ in range(extra))
            spans.sort(key=lambda s: (s["paragraph"], s["start"], s["end"]))
            reviews.append({"reviewer": reviewer, "status": "submitted", "annotations": spans})
        return {
            "title": f"{rng.choice(self.sentences)[:120]} ({index})",
            "source": rng.choice(_SOURCES),
            "url": f"https://news.example.org/{rng.choice(_SECTIONS)}/{index}",
            "published": f"20{rng.randint(15, 24)}-{rng.randint(1, 12):02d}-"
                         f"{rng.randint(1, 28):02d}",
            "meta": {"section": rng.choice(_SECTIONS)},
            "external_id": f"agree-{index:06d}",
            "paragraphs": texts,
            "reviews": reviews,
        }

    def agreeing_documents(self, count: int, paragraphs: int, spans_total: int,
                           reviewers: Sequence[str] = ("alice", "bob", "carol"),
                           ) -> Iterator[dict[str, Any]]:
        """``count`` documents of ``paragraphs`` paragraphs holding about ``spans_total`` review
        spans in all (each reviewer marks as many spans as there are references, on average;
        the number of references varies by +-40 % between documents)."""
        mean = spans_total / (count * len(reviewers))
        for i in range(count):
            references = max(1, round(mean * self.rng.uniform(0.6, 1.4)))
            yield self.agreeing_document(i + 1, paragraphs, reviewers, references)


def agreement_project(ctx: Context, slug: str, seed: int, reviewers: Sequence[str],
                      extra: str = "", shape: Callable[[dict], dict] | None = None):
    """The agreement and ledger benchmarks' project: 2,000 documents (200 with --quick) x 25
    paragraphs, ~100 spans per document of ``reviewers`` who mostly agree
    (``AgreementGenerator``), each document's object passed through ``shape`` (gold added,
    say) before it is parsed, imported into a fresh database. Returns the app and the
    ``ImportResult``."""
    from annotator.codebook import load_codebook
    from annotator.imports import import_documents, parse_document_object
    from annotator.projects import create_project

    documents = ctx.size(2000, 200)
    paragraphs = 25
    spans_target = documents * 100
    app = ctx.make_app(ctx.new_database(slug))
    generator = AgreementGenerator(seed)
    with app.app_context():
        project = create_project(slug)
        codebook = load_codebook(project.codebook)
        log(f"  generating and parsing {documents:,} documents x {paragraphs} paragraphs, "
            f"~{spans_target:,} spans of {len(reviewers)} reviewers{extra}")
        parsed = [parse_document_object(shape(obj) if shape else obj, codebook,
                                        f"document {i + 1}")
                  for i, obj in enumerate(generator.agreeing_documents(
                      documents, paragraphs, spans_target, reviewers))]
        log("  importing")
        result = import_documents(project, parsed)
        del parsed
    return app, result
