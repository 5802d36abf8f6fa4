"""Fixtures: a fresh database per test, on SQLite and (for tests marked both_engines) on
PostgreSQL; clients; small factories.

The schema is built once per run: SQLite tests get a copy of a file that holds it, PostgreSQL
tests share one database whose tables are emptied before each test, ids starting at 1.

PostgreSQL: ``TEST_DATABASE_URL`` names the server (default
postgresql+psycopg://postgres@127.0.0.1:5432/postgres); a fresh database is created for the run
and dropped after it. Outside CI the PostgreSQL runs are skipped with the reason when no server
answers; under CI (CI=true) they fail instead.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from annotator import create_app
from annotator.extensions import db

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PG_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
FAST_HASH = "pbkdf2:sha256:1000"
TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key",
    "PASSWORD_HASH_METHOD": FAST_HASH,
    "SERVER_NAME": None,
}
# A table grown past this by the rows earlier tests deleted is truncated instead.
GROWN_TABLE_BYTES = 512 * 1024


def pytest_generate_tests(metafunc):
    if "engine_name" in metafunc.fixturenames:
        if metafunc.definition.get_closest_marker("postgresql_only"):
            metafunc.parametrize("engine_name", ["postgresql"], indirect=True)
        elif metafunc.definition.get_closest_marker("both_engines"):
            metafunc.parametrize("engine_name", ["sqlite", "postgresql"], indirect=True)
        else:
            metafunc.parametrize("engine_name", ["sqlite"], indirect=True)


class PostgresServer:
    """One database for the whole run, its schema built once; each test starts from empty
    tables whose ids start at 1 and that no ANALYZE has seen."""

    def __init__(self):
        self.url = None
        self.error = None
        self.schema_ready = False

    def empty_tables(self) -> None:
        """Build the schema on first use, then empty every table (in an app context).

        What ``TRUNCATE ... RESTART IDENTITY`` of every table gives, at a tenth of its cost:
        a truncation makes new files for each table and index (60 ms for all of them) where
        deleting a test's few rows takes a millisecond or two. The tables the planner has
        statistics of (a test's ANALYZE) and those the deleted rows of earlier tests have
        grown are truncated; autovacuum is off in this database, so that only the code under
        test gathers statistics.
        """
        tables = db.metadata.sorted_tables
        if not self.schema_ready:
            db.create_all()
            with db.engine.begin() as conn:
                for table in tables:
                    conn.execute(text(f'ALTER TABLE "{table.name}" SET (autovacuum_enabled = '
                                      f"false, toast.autovacuum_enabled = false)"))
            self.schema_ready = True
        with db.engine.begin() as conn:
            seen_or_grown = conn.execute(text(
                "SELECT relname FROM pg_class WHERE oid = ANY(CAST(:names AS regclass[])) "
                "AND (reltuples >= 0 OR pg_total_relation_size(oid) > :grown)"
            ), {"names": [t.name for t in tables], "grown": GROWN_TABLE_BYTES}).scalars().all()
            if seen_or_grown:
                names = ", ".join(f'"{name}"' for name in seen_or_grown)
                conn.execute(text(f"TRUNCATE {names} CASCADE"))
            for table in reversed(tables):  # the referencing rows first
                conn.execute(table.delete())
            conn.execute(text(
                "SELECT setval(seqrelid, seqstart, false) FROM pg_sequence JOIN pg_class "
                "ON pg_class.oid = seqrelid WHERE relnamespace = CAST(current_schema() AS "
                "regnamespace)"))

    def database_url(self) -> str:
        if self.url is None and self.error is None:
            base = make_url(PG_URL)
            name = f"annotator_test_{uuid.uuid4().hex[:10]}"
            try:
                admin = create_engine(base, isolation_level="AUTOCOMMIT")
                with admin.connect() as conn:
                    conn.execute(text(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' '
                                      f"TEMPLATE template0"))
                admin.dispose()
            except Exception as exc:  # no server, no driver, no rights
                self.error = f"PostgreSQL is not reachable at {base.render_as_string()}: {exc}"
            else:
                self.url = base.set(database=name).render_as_string(hide_password=False)
        if self.error:
            if IN_CI:
                pytest.fail(self.error + " (CI=true: the PostgreSQL tests must run)")
            pytest.skip(self.error)
        return self.url

    def drop(self):
        if self.url is None:
            return
        url = make_url(self.url)
        admin = create_engine(make_url(PG_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_server():
    server = PostgresServer()
    yield server
    server.drop()


@pytest.fixture
def engine_name(request):
    return getattr(request, "param", "sqlite")


@pytest.fixture(scope="session")
def sqlite_schema(tmp_path_factory) -> Path:
    """A SQLite file holding the empty schema, built once per run: each test gets a copy."""
    path = tmp_path_factory.mktemp("schema") / "schema.sqlite3"
    app = create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{path}"}, web=False)
    with app.app_context():
        db.create_all()
        db.session.remove()
        db.engine.dispose()
    # The last connection closed, SQLite wrote its log into the file: the file is all of it.
    assert not Path(f"{path}-wal").exists()
    return path


def sqlite_copy(schema: Path, path: Path) -> str:
    """The URL of a fresh SQLite database at ``path``: a copy of the empty schema."""
    shutil.copyfile(schema, path)
    return f"sqlite:///{path}"


@pytest.fixture
def database_url(engine_name, tmp_path, postgres_server, sqlite_schema):
    if engine_name == "sqlite":
        return sqlite_copy(sqlite_schema, tmp_path / "test.sqlite3")
    return postgres_server.database_url()


@pytest.fixture
def app(database_url, tmp_path, postgres_server):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url})
    if database_url.startswith("postgresql"):
        with app.app_context():
            postgres_server.empty_tables()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


# --- factories ---------------------------------------------------------------------------

@pytest.fixture
def make_user(app):
    from annotator.accounts import create_user

    def make(name="alice", role="reviewer", password="password-123"):
        with app.app_context():
            user = create_user(name, role=role, password=password)
            return user.id

    return make


@pytest.fixture
def make_token(app):
    from annotator.accounts import create_token, find_user

    def make(name):
        with app.app_context():
            return create_token(find_user(name))

    return make


@pytest.fixture
def auth(app, make_user, make_token):
    """auth("alice") -> headers with a bearer token for alice (created when missing)."""
    from annotator.accounts import find_user

    tokens = {}

    def headers(name="alice", role="reviewer"):
        if name not in tokens:
            with app.app_context():
                exists = find_user(name) is not None
            if not exists:
                make_user(name, role=role)
            tokens[name] = make_token(name)
        return {"Authorization": f"Bearer {tokens[name]}"}

    return headers


@pytest.fixture
def make_project(app):
    from annotator.projects import create_project

    def make(slug="news", blind=True, codebook=None, **kwargs):
        with app.app_context():
            return create_project(slug, codebook=codebook, blind=blind, **kwargs).id

    return make


@pytest.fixture
def make_document(app):
    """make_document(slug, paragraphs, title=..., reviews=..., gold=...) -> document id."""
    from annotator.codebook import load_codebook
    from annotator.imports import import_documents, parse_document_object
    from annotator.models import Project

    def make(slug="news", paragraphs=("First paragraph.", "Second one."), **fields):
        with app.app_context():
            project = db.session.scalar(db.select(Project).where(Project.slug == slug))
            obj = {"title": fields.pop("title", "A document"), "paragraphs": list(paragraphs),
                   **fields}
            doc = parse_document_object(obj, load_codebook(project.codebook), "test")
            return import_documents(project, [doc]).documents[0]

    return make


@pytest.fixture
def write_file(tmp_path):
    def write(name: str, content: str | bytes | list) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, list):
            content = "\n".join(json.dumps(x, ensure_ascii=False) for x in content) + "\n"
        if isinstance(content, str):
            content = content.encode("utf-8")
        path.write_bytes(content)
        return path

    return write


SAMPLE = Path(__file__).resolve().parent.parent / "annotator" / "data" / "samples" / \
    "rt-iraq-withdrawal.txt"


@pytest.fixture
def sample_path():
    return SAMPLE
