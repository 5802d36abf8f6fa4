"""gunicorn --preload builds the app once, in the master, and forks the workers from it: the
app must open no database connection while it is built, and a forked worker must never use a
connection of its parent."""

from __future__ import annotations

import os

import pytest

from annotator import create_app
from annotator.extensions import db
from tests.conftest import TEST_CONFIG

pytestmark = pytest.mark.both_engines


def test_building_the_app_opens_no_connection(database_url):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url})
    with app.app_context():
        pool = db.engine.pool
        assert pool.checkedin() == 0 and pool.checkedout() == 0
        db.engine.dispose()


def test_a_forked_worker_starts_with_no_connection_of_its_parent(app, client, auth,
                                                                  make_project, make_document):
    make_project("news")
    doc = make_document("news")
    alice = auth("alice")
    assert client.get(f"/api/documents/{doc}", headers=alice).status_code == 200
    with app.app_context():
        assert db.engine.pool.checkedin() >= 1  # the parent keeps a pooled connection
    pid = os.fork()
    if pid == 0:  # the worker: its own connections, and requests work
        code = 1
        try:
            with app.app_context():
                empty = db.engine.pool.checkedin() == 0
            answered = client.get(f"/api/documents/{doc}", headers=alice).status_code == 200
            code = 0 if empty and answered else 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    # the parent's connection was left alone: it still works
    assert client.get(f"/api/documents/{doc}", headers=alice).status_code == 200


def test_a_forked_worker_leaves_its_parents_objects_out_of_its_collections(app):
    """The objects built before the fork are frozen in the worker (its collections would copy
    the pages it shares with the master), and only there."""
    import gc

    pid = os.fork()
    if pid == 0:
        os._exit(0 if gc.get_freeze_count() > 0 else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert gc.get_freeze_count() == 0  # the parent's own objects are collected as before
