"""Planner statistics after a large import (PostgreSQL): the import ANALYZEs what it grew."""

import pytest
from sqlalchemy import text

from annotator.database import refresh_statistics
from annotator.extensions import db
from annotator.imports import import_paths
from tests.helpers import project_by_slug

pytestmark = pytest.mark.both_engines


def _believed(table):
    return db.session.execute(
        text("SELECT reltuples FROM pg_class WHERE oid = CAST(:t AS regclass)"), {"t": table}
    ).scalar()


def _documents(n, spans, tag):
    return [{"title": f"Doc {i}", "paragraphs": [f"Paragraph {i} of {tag}.", "Another."],
             "reviews": [{"reviewer": "alice", "status": "submitted", "annotations": [
                 {"paragraph": 0, "start": 0, "end": 9, "label": "framing"}] * spans}]}
            for i in range(n)]


def test_a_large_import_refreshes_the_statistics(app, make_project, write_file, engine_name):
    make_project("news")
    with app.app_context():
        if engine_name == "sqlite":
            assert refresh_statistics(10_000) is False  # SQLite plans without them
            return
        assert _believed("annotations") == -1  # never analyzed: the planner guesses
        news = project_by_slug("news")
        small = import_paths(news, [write_file("a.jsonl", _documents(3, 1, "a"))])
        assert small.spans == 3
        assert _believed("annotations") == -1  # 12 rows: not worth it
        big = import_paths(news, [write_file("b.jsonl", _documents(40, 3, "b"))])
        assert big.spans == 120
        assert _believed("annotations") == 123 and _believed("paragraphs") == 86
        # a tenth more is needed before the next ANALYZE
        assert refresh_statistics(55) is False
        assert refresh_statistics(70) is True


def test_a_failing_analyze_is_logged_not_raised(app, engine_name, caplog):
    with app.app_context():
        assert refresh_statistics(10_000, {"no_such_table": ("id",)}) is False
        failed = "ANALYZE after a bulk write failed" in caplog.text
        assert failed == (engine_name == "postgresql")  # SQLite: nothing to refresh
        assert db.session.execute(text("SELECT 1")).scalar() == 1  # the session still works


def test_migrating_keeps_the_apps_logger(tmp_path, caplog):
    """Alembic's logging set-up must not disable the loggers that exist (the app's): after
    `init-db` in a process, the app's warnings still reach the log (a failing ANALYZE, say)."""
    from annotator import create_app
    from tests.conftest import FAST_HASH

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'm.sqlite3'}",
                      "SECRET_KEY": "x", "PASSWORD_HASH_METHOD": FAST_HASH})
    assert app.test_cli_runner().invoke(args=["init-db"]).exit_code == 0
    assert not app.logger.disabled
    # (Alembic's logging set-up replaced the root logger's handlers, caplog's among them)
    app.logger.addHandler(caplog.handler)
    try:
        with app.app_context():
            app.logger.warning("still heard")
            db.engine.dispose()
    finally:
        app.logger.removeHandler(caplog.handler)
    assert "still heard" in caplog.text
