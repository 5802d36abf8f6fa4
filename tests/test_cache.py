"""Derived data kept in the database (annotator.cache): found by every worker, valid for one
fingerprint of the data, bounded, never dumped."""

from __future__ import annotations

import datetime as dt
import gzip
import os

import pytest
from sqlalchemy import func, select

from annotator import cache, create_app
from annotator.extensions import db
from annotator.models import CachedValue, utcnow
from tests.conftest import TEST_CONFIG

pytestmark = pytest.mark.both_engines


def _entries(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(CachedValue))


def test_a_value_is_found_by_its_kind_key_and_fingerprint(app, make_project):
    project = make_project("news")
    with app.app_context():
        assert cache.get("ledger", (project, "all"), ["v1"]) is None
        cache.put("ledger", (project, "all"), ["v1"], {"sources": [1, 2], "n": None},
                  project_id=project)
        assert cache.get("ledger", (project, "all"), ["v1"]) == {"sources": [1, 2], "n": None}
        assert cache.get("ledger", [project, "all"], ["v1"]) is not None  # equal keys
        assert cache.get("ledger", (project, "all"), ["v2"]) is None  # the data changed
        assert cache.get("ledger", (project, "some"), ["v1"]) is None  # other arguments
        assert cache.get("agreement", (project, "all"), ["v1"]) is None  # another kind
        # computed once, then found
        calls = []

        def compute():
            calls.append(1)
            return {"computed": len(calls)}

        assert cache.cached("agreement", 1, "fp", compute, project) == {"computed": 1}
        assert cache.cached("agreement", 1, "fp", compute, project) == {"computed": 1}
        assert cache.cached("agreement", 1, "new", compute, project) == {"computed": 2}
        assert len(calls) == 2
        # a put replaces the entry
        assert cache.get("agreement", 1, "fp") is None
        assert _entries(app) == 2


def test_every_worker_finds_what_one_computed(app, database_url, make_project):
    """Two apps on one database, as two gunicorn workers (or two servers) are."""
    project = make_project("news")
    other = create_app({**TEST_CONFIG, "DATABASE_URL": database_url})
    try:
        with app.app_context():
            cache.put("agreement", (project,), "fp", {"alpha": 0.5}, project)
        with other.app_context():
            assert cache.get("agreement", (project,), "fp") == {"alpha": 0.5}
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def test_the_cache_is_bounded_least_recently_used_first(app, make_project):
    project = make_project("news")
    app.config.update(CACHE_MAX_ENTRIES=3, CACHE_MAX_BYTES=10_000)
    with app.app_context():
        for i in range(3):
            cache.put("agreement", i, "fp", {"i": i}, project)
        # entry 0 is used (long ago entries record their use at most once a minute)
        db.session.execute(CachedValue.__table__.update().values(
            used_at=utcnow() - dt.timedelta(days=1)))
        db.session.commit()
        assert cache.get("agreement", 0, "fp") == {"i": 0}  # recorded: now the newest use
        cache.put("agreement", 3, "fp", {"i": 3}, project)
        assert _entries(app) == 3
        assert cache.get("agreement", 0, "fp") == {"i": 0}
        assert cache.get("agreement", 3, "fp") == {"i": 3}
        assert [cache.get("agreement", i, "fp") for i in (1, 2)].count(None) == 1
        # a value larger than a quarter of the bytes allowed is not kept
        cache.put("agreement", "big", "fp", {"blob": os.urandom(3000).hex()}, project)
        assert cache.get("agreement", "big", "fp") is None
        # the bytes bound: the oldest go until the rest fit
        for i in range(4, 7):
            cache.put("agreement", i, "fp", {"blob": os.urandom(900).hex()}, project)
        assert db.session.scalar(select(func.sum(CachedValue.size))) <= 10_000


def test_the_cached_report_is_the_computed_one(app, client, auth, make_project,
                                               make_document):
    """What every worker reads back from the database (JSON) equals the report computed."""
    from annotator.agreement.report import build_report, cached_report
    from annotator.projects import find_project

    make_project("news", blind=False)
    for i in range(2):
        make_document("news", [f"Officials said the troops left, {i}.", "Experts disagree."],
                      reviews=[{"reviewer": name, "status": "submitted", "annotations": [
                          {"paragraph": 0, "start": 0, "end": 9 + n, "label": "attribution",
                           "attributes": {"source_type": "official"}},
                          {"paragraph": 1, "start": 0, "end": 7, "label": "expert-opinion"}]}
                          for n, name in enumerate(("alice", "bob", "carol"))])
    with app.app_context():
        project = find_project("news")
        computed = build_report(project, bootstrap=20, seed=1)
        assert cached_report(project, bootstrap=20, seed=1) == computed  # computed, kept
        db.session.remove()
    with app.app_context():
        project = find_project("news")
        assert cached_report(project, bootstrap=20, seed=1) == computed  # read back
        assert _entries(app) == 1


def test_cached_values_are_not_dumped(app, runner, make_project, tmp_path):
    project = make_project("news")
    with app.app_context():
        cache.put("agreement", 1, "fp", {"a": 1}, project)
    result = runner.invoke(args=["dump", "-o", str(tmp_path / "d.gz")])
    assert result.exit_code == 0, result.output
    assert b"cached_values" not in gzip.decompress((tmp_path / "d.gz").read_bytes())
