"""Moving and keeping an instance: dump, load, backup (INTERFACE.md)."""

from __future__ import annotations

import gzip
import json
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from annotator import create_app
from annotator.extensions import db
from tests.conftest import FAST_HASH
from tests.test_models import _fresh_postgres_database

FIXTURE = Path(__file__).parent / "data" / "dump-v1.jsonl.gz"


def _app(url: str, instance: Path):
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "k",
                      "PASSWORD_HASH_METHOD": FAST_HASH, "SERVER_NAME": None})
    assert app.test_cli_runner().invoke(args=["init-db"]).exit_code == 0
    return app


@pytest.fixture
def databases(tmp_path):
    """make(engine) -> an app on a new, empty database of that engine (dropped after)."""
    made = []

    def make(engine: str):
        if engine == "sqlite":
            app = _app(f"sqlite:///{tmp_path / f'db{len(made)}.sqlite3'}", tmp_path)
            made.append((app, None, None))
            return app
        admin, name, url = _fresh_postgres_database()
        app = _app(url, tmp_path)
        made.append((app, admin, name))
        return app

    yield make
    for app, admin, name in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def fill(app) -> dict:
    """A project with everything in it, through the app's own functions and API."""
    runner, client = app.test_cli_runner(), app.test_client()
    assert runner.invoke(args=["create-user", "root", "--role", "admin", "--password",
                               "root-password"]).exit_code == 0
    assert runner.invoke(args=["create-user", "alice", "--password", "alice-password"]
                         ).exit_code == 0
    token = runner.invoke(args=["create-token", "alice", "--expires", "90d"]).output.strip()
    admin = runner.invoke(args=["create-token", "root"]).output.strip()
    assert runner.invoke(args=["create-project", "news", "--reviewers-per-document", "2"]
                         ).exit_code == 0
    with app.app_context():
        from annotator.codebook import load_codebook
        from annotator.imports import import_documents, parse_document_object
        from annotator.models import Project

        project = db.session.scalar(select(Project))
        codebook = load_codebook(project.codebook)
        for i, text_ in enumerate(["Officials said 🙂 the troops left.\nA line.",
                                   "The «hasty» withdrawal, e\u0301 said.", "Third one."]):
            doc = parse_document_object({
                "title": f"Doc {i}", "source": "RT", "published": "2021-07-26",
                "meta": {"lang": "en", "n": i, "nested": {"z": 1, "a": [1, 2]}},
                "url": "https://example.org/a", "external_id": f"x{i}",
                "paragraphs": [text_, "Second paragraph here."],
                "reviews": [{"reviewer": "bob", "status": "submitted", "annotations": [
                    {"paragraph": 0, "start": 0, "end": 9, "label": "attribution",
                     "attributes": {"source_type": "official", "source": "Officials"},
                     "note": "multi\nline"}],
                    "answers": {"primary_frame": "security_defense", "tone": "negative"}}],
                "gold": [{"paragraph": 0, "start": 0, "end": 9, "label": "attribution",
                          "provenance": "majority"}]}, codebook, "t")
            import_documents(project, [doc])
    bearer = {"Authorization": f"Bearer {token}"}
    boss = {"Authorization": f"Bearer {admin}"}
    nxt = client.post("/api/projects/news/next", headers=bearer).json  # an assignment
    span = client.post(f"/api/documents/{nxt['id']}/annotations", headers=bearer, json={
        "paragraph": 0, "start": 0, "end": 9, "label": "framing", "client_id": "k-1"}).json
    client.post(f"/api/documents/{nxt['id']}/annotations", headers=bearer, json={
        "paragraph": 1, "start": 0, "end": 6, "label": "framing", "client_id": "gone"})
    spans = client.get(f"/api/documents/{nxt['id']}/annotations", headers=bearer).json
    gone = next(s for s in spans if s["client_id"] == "gone")
    client.delete(f"/api/annotations/{gone['id']}", headers=bearer)  # a tombstone
    client.put(f"/api/documents/{nxt['id']}/paragraphs/1/review", headers=bearer)
    gold = client.get(f"/api/documents/{nxt['id']}/gold", headers=boss).json
    client.delete(f"/api/gold/{gold[0]['id']}", headers=boss)  # a rejection
    client.put(f"/api/documents/{nxt['id']}/answers", headers=bearer,  # answers
               json={"primary_frame": "political", "tone": "neutral"})
    assert client.put(f"/api/documents/{nxt['id']}/gold/answers/tone", headers=boss,
                      json={"value": "neutral"}).status_code == 200  # a gold answer
    assert client.put(f"/api/documents/{nxt['id']}/paragraphs/1/adjudicated",
                      headers=boss).status_code == 200  # a paragraph marked adjudicated
    assert client.put("/api/projects/news/ledger/aliases", headers=boss,  # ledger aliases
                      json={"The Officials": "officials said"}).status_code == 200
    return {"token": token, "span": span["id"], "document": nxt["id"]}


def dump_bytes(app, path: Path) -> list[str]:
    result = app.test_cli_runner().invoke(args=["dump", "-o", str(path)])
    assert result.exit_code == 0, result.output
    lines = gzip.decompress(path.read_bytes()).decode().splitlines()
    return lines[1:]  # the header aside


def load(app, path: Path):
    return app.test_cli_runner().invoke(args=["load", str(path)])


def test_a_round_trip_sqlite_postgresql_sqlite_gives_the_same_dump(databases, tmp_path):
    first = databases("sqlite")
    facts = fill(first)
    lines = dump_bytes(first, tmp_path / "a.gz")
    assert json.loads(lines[-1])["rows"]["annotations"] == 4
    assert not any('"user_sessions"' in line for line in lines)
    assert json.loads(lines[-1])["rows"]["adjudicated_paragraphs"] == 1
    assert json.loads(lines[-1])["rows"]["gold_answers"] == 1
    assert sum('"political"' in line for line in lines if '"document_reviews"' in line) == 1
    pg = databases("postgresql")
    r = load(pg, tmp_path / "a.gz")
    assert r.exit_code == 0, r.output
    assert dump_bytes(pg, tmp_path / "b.gz") == lines
    back = databases("sqlite")
    assert load(back, tmp_path / "b.gz").exit_code == 0
    assert dump_bytes(back, tmp_path / "c.gz") == lines
    # the same passwords and tokens work, ids and client_ids are kept
    for app in (pg, back):
        client = app.test_client()
        bearer = {"Authorization": f"Bearer {facts['token']}"}
        spans = client.get(f"/api/documents/{facts['document']}/annotations",
                           headers=bearer).json
        assert {(s["id"], s["client_id"]) for s in spans} >= {(facts["span"], "k-1")}
        assert client.post(f"/api/documents/{facts['document']}/annotations", headers=bearer,
                           json={"paragraph": 0, "start": 1, "end": 9, "label": "framing",
                                 "client_id": "gone"}).status_code == 410
        page = client.get("/login").get_data(as_text=True)
        import re

        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        assert client.post("/login", data={"username": "alice", "password": "alice-password",
                                           "csrf_token": csrf}).status_code == 302
        # new rows get new ids past the loaded ones (PostgreSQL's sequences are set)
        new = client.post(f"/api/documents/{facts['document']}/annotations", headers=bearer,
                          json={"paragraph": 0, "start": 10, "end": 14, "label": "framing"})
        assert new.status_code == 201 and new.json["id"] > facts["span"]


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_bad_dumps_are_refused_with_nothing_written(databases, tmp_path, engine):
    source = databases("sqlite")
    fill(source)
    dump_bytes(source, tmp_path / "good.gz")
    raw = gzip.decompress((tmp_path / "good.gz").read_bytes()).decode().splitlines()
    target = databases(engine)

    def refused(name: str, lines=None, data: bytes | None = None, message: str = ""):
        path = tmp_path / name
        path.write_bytes(data if data is not None else gzip.compress(
            ("\n".join(lines) + "\n").encode()))
        r = load(target, path)
        assert r.exit_code == 1 and message in r.output, r.output
        with target.app_context():
            from annotator.models import User

            assert db.session.scalar(select(func.count()).select_from(User)) == 0

    refused("cut.gz", raw[:-1], message="cut short")
    refused("truncated.gz", data=(tmp_path / "good.gz").read_bytes()[:-40],
            message="cut short")
    refused("damaged.gz", raw[:5] + ["{not json"] + raw[5:], message="not a JSON line")
    header = json.loads(raw[0])
    refused("newer.gz", [json.dumps({**header, "version": 99}), *raw[1:]],
            message="newer version")
    refused("other.gz", ['{"hello": 1}'], message="not a dump")
    refused("plain.txt", data=b"hello", message="gzip")
    missing_row = [line for line in raw if '"table":"gold_spans"' not in line]
    refused("rows.gz", missing_row, message="damaged")
    # a database with rows is refused
    assert load(target, tmp_path / "good.gz").exit_code == 0
    r = load(target, tmp_path / "good.gz")
    assert r.exit_code == 1 and "not empty" in r.output


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_a_dump_of_this_version_kept_as_a_fixture_loads(databases, tmp_path, engine):
    """The fixture was written by dump format version 1 (tests/data/dump-v1.jsonl.gz): every
    later version must still load it (upgrading it where the format changed)."""
    app = databases(engine)
    r = load(app, FIXTURE)
    assert r.exit_code == 0, r.output
    with app.app_context():
        from annotator.models import Annotation, Document, User

        assert db.session.scalar(select(func.count()).select_from(Annotation)) == 4
        assert {u.username for u in db.session.scalars(select(User))} >= {"root", "alice"}
        assert db.session.scalar(select(Document.meta).where(Document.external_id == "x0")) \
            == {"lang": "en", "n": 0, "nested": {"z": 1, "a": [1, 2]}}


def test_an_older_dump_without_a_newer_column_takes_its_default(databases, tmp_path):
    """A dump of a version before documents had layout_version loads with the default."""
    lines = gzip.decompress(FIXTURE.read_bytes()).decode().splitlines()
    older = []
    for line in lines:
        obj = json.loads(line)
        if obj.get("table") == "documents":
            obj["row"].pop("layout_version")
        older.append(json.dumps(obj))
    path = tmp_path / "older.gz"
    path.write_bytes(gzip.compress(("\n".join(older) + "\n").encode()))
    app = databases("sqlite")
    assert load(app, path).exit_code == 0
    with app.app_context():
        from annotator.models import Document

        assert set(db.session.scalars(select(Document.layout_version))) == {0}


def test_a_live_sqlite_database_is_backed_up_while_it_is_written(databases, tmp_path):
    app = databases("sqlite")
    facts = fill(app)
    client = app.test_client()
    bearer = {"Authorization": f"Bearer {facts['token']}"}
    stop = threading.Event()
    written = []

    def write():
        i = 0
        while not stop.is_set() and i < 400:
            r = client.post(f"/api/documents/{facts['document']}/annotations", headers=bearer,
                            json={"paragraph": 1, "start": i % 15, "end": 16 + i % 5,
                                  "label": "framing", "client_id": f"w-{i}"})
            if r.status_code in (200, 201, 409):
                written.append(i)
            i += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        r = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "copy.sqlite3")])
    finally:
        stop.set()
        writer.join()
    assert r.exit_code == 0, r.output
    copy = sqlite3.connect(tmp_path / "copy.sqlite3")
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    count = copy.execute("SELECT count(*) FROM annotations").fetchone()[0]
    copy.close()
    assert count >= 4
    # the copy is a working instance
    shutil.copy(tmp_path / "copy.sqlite3", tmp_path / "again.sqlite3")
    again = _app(f"sqlite:///{tmp_path / 'again.sqlite3'}", tmp_path)
    assert again.test_client().get("/api/projects", headers=bearer).status_code == 200


def test_backup_on_postgresql_says_to_use_pg_dump(databases, tmp_path):
    app = databases("postgresql")
    r = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "x")])
    assert r.exit_code == 1 and "pg_dump" in r.output and not (tmp_path / "x").exists()
