"""The schema: migrations give exactly the models' schema; constraints refuse bad rows."""

import uuid
import warnings

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from annotator import create_app
from annotator.extensions import db
from annotator.models import Annotation, Document, Paragraph, ParagraphReview, User
from tests.conftest import FAST_HASH, IN_CI, PG_URL


def _fresh_postgres_database():
    base = make_url(PG_URL)
    name = f"annotator_migrate_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL is needed under CI: {exc}")
        pytest.skip(f"PostgreSQL is not reachable: {exc}")
    return admin, name, base.set(database=name).render_as_string(hide_password=False)


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_init_db_builds_the_models_schema_and_is_idempotent(engine, tmp_path):
    admin = None
    if engine == "sqlite":
        url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    else:
        admin, name, url = _fresh_postgres_database()
    try:
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "x",
                          "PASSWORD_HASH_METHOD": FAST_HASH})
        runner = app.test_cli_runner()
        for _ in range(2):
            result = runner.invoke(args=["init-db"])
            assert result.exit_code == 0, result.output
            assert "up to date" in result.output
        with app.app_context(), db.engine.connect() as conn:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", "Skipped unsupported reflection")
                warnings.filterwarnings("ignore", "autogenerate skipping")
                diffs = compare_metadata(MigrationContext.configure(conn), db.metadata)
            # The functional unique index on lower(username) is not seen by the comparison.
            diffs = [d for d in diffs if "uq_users_username_lower" not in repr(d)]
            assert diffs == []
            names = conn.execute(text(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'users'"
                if engine == "postgresql" else
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'users'"
            )).scalars().all()
            assert "uq_users_username_lower" in names
        with app.app_context():
            db.engine.dispose()
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


@pytest.mark.both_engines
def test_constraints_refuse_bad_rows(app, make_project, make_document, make_user):
    make_project()
    doc_id = make_document("news", ["Hello world."])
    user_id = make_user("alice")
    good = {"document_id": doc_id, "paragraph_index": 0, "reviewer_id": user_id, "start": 0,
            "end": 5, "label": "framing", "attributes": {}, "note": ""}
    bad_rows = [
        (Annotation, dict(good, paragraph_index=3)),      # no such paragraph
        (Annotation, dict(good, start=5, end=5)),         # empty span
        (Annotation, dict(good, start=-1)),               # negative offset
        (Annotation, dict(good, reviewer_id=999)),        # no such reviewer
        (ParagraphReview, {"document_id": doc_id, "paragraph_index": 9, "reviewer_id": user_id}),
        (Paragraph, {"document_id": doc_id, "position": 0, "text": "again"}),  # duplicate
        (User, {"username": "ALICE", "role": "reviewer"}),  # case-insensitive duplicate
        (User, {"username": "zed", "role": "superuser"}),
        (Document, {"project_id": 1, "title": "t", "content_hash": "h", "paragraph_count": 0,
                    "meta": {}}),
    ]
    with app.app_context():
        for model, row in bad_rows:
            with pytest.raises(IntegrityError):
                db.session.execute(insert(model), [row])
            db.session.rollback()
        db.session.execute(insert(Annotation), [dict(good, client_id="c1")])
        with pytest.raises(IntegrityError):
            db.session.execute(insert(Annotation), [dict(good, client_id="c1")])
        db.session.rollback()


@pytest.mark.both_engines
def test_deleting_a_project_removes_its_documents_and_spans(app, client, auth, make_project,
                                                            make_document):
    make_project()
    doc_id = make_document("news", ["Hello world."])
    h = auth("alice")
    client.post(f"/api/documents/{doc_id}/annotations", headers=h,
                json={"paragraph": 0, "start": 0, "end": 5, "label": "framing"})
    from annotator.models import Project

    with app.app_context():
        db.session.delete(db.session.get(Project, 1))
        db.session.commit()
        for model in (Document, Paragraph, Annotation):
            assert db.session.scalar(db.select(db.func.count()).select_from(model)) == 0


def test_gold_uniqueness_migration_keeps_the_first_of_duplicates(tmp_path):
    from annotator.database import upgrade_schema

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'old.sqlite3'}",
                      "SECRET_KEY": "x", "PASSWORD_HASH_METHOD": FAST_HASH})
    with app.app_context():
        upgrade_schema("0001_initial")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO projects (id, slug, name, codebook, blind, created_at)"
                              " VALUES (1, 'p', 'p', '{}', 1, '2026-01-01')"))
            conn.execute(text("INSERT INTO documents (id, project_id, title, meta, content_hash,"
                              " paragraph_count, created_at) VALUES (1, 1, 't', '{}', 'h', 1,"
                              " '2026-01-01')"))
            conn.execute(text("INSERT INTO paragraphs (document_id, position, text) "
                              "VALUES (1, 0, 'Hello world')"))
            for note in ("first", "second"):
                conn.execute(text(
                    "INSERT INTO gold_spans (document_id, paragraph_index, start, \"end\", label,"
                    " attributes, note, provenance, created_at) VALUES (1, 0, 0, 5, 'framing',"
                    f" '{{}}', '{note}', 'majority', '2026-01-01')"))
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Skipped unsupported reflection")
            upgrade_schema()
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT note FROM gold_spans")).scalars().all() == ["first"]
        db.engine.dispose()
