"""Values derived from a project's data, kept in the database so that every worker of every
server finds them computed: the agreement report, and whatever else is costly to compute
and cheap to fingerprint (the source ledger).

An entry is named by its ``kind`` ("agreement", "ledger", ...) and a ``key``: the arguments
the value was computed with (project, filters, ...), any JSON-able value, stored as its
SHA-256. It holds the value and the ``fingerprint`` of the data it was computed from: ``get``
answers the value only while the caller's fingerprint (of the data as it is now) is the
stored one, so a change to the data invalidates the entry without anyone having to remove
it. Fingerprints are the caller's own (for the report, ``agreement.data.fingerprint``: every
table it reads); a kind with another fingerprint never reads another kind's entries.

Values are JSON (what a JSON API answers), zlib-compressed. The table is bounded: at most
``CACHE_MAX_ENTRIES`` entries and ``CACHE_MAX_BYTES`` of compressed values in all, the least
recently used going first; a value larger than a quarter of ``CACHE_MAX_BYTES`` is not kept.
Writes go through a connection of their own, committed at once, so that they never commit or
roll back the caller's work, and a write that fails (a busy database) only logs: the value is
computed again next time.

    report = cache.cached("agreement", (project.id, filters), fingerprint(project),
                          lambda: build_report(project, ...), project_id=project.id)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zlib
from collections.abc import Callable
from typing import Any

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db
from .models import CachedValue, utcnow

_table = CachedValue.__table__
_c = _table.c
# A hit records its use at most this often (a read stays a read).
USE_RESOLUTION = dt.timedelta(minutes=1)


def digest(value: Any) -> str:
    """The SHA-256 of a JSON-able value (a key, a fingerprint): the same for equal values."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def get(kind: str, key: Any, fingerprint: Any) -> Any | None:
    """The value kept for ``kind`` and ``key`` if it was computed from data with this
    ``fingerprint``; None otherwise (values are never None)."""
    name = digest(key)
    row = db.session.execute(
        select(_c.value, _c.fingerprint, _c.used_at).where(_c.kind == kind, _c.key == name)
    ).first()
    if row is None or row.fingerprint != digest(fingerprint):
        return None
    used_at = row.used_at if row.used_at.tzinfo else row.used_at.replace(tzinfo=dt.UTC)
    now = utcnow()
    if now - used_at > USE_RESOLUTION:
        _write(update(_table).where(_c.kind == kind, _c.key == name).values(used_at=now))
    return json.loads(zlib.decompress(row.value))


def put(kind: str, key: Any, fingerprint: Any, value: Any, project_id: int | None = None
        ) -> None:
    """Keep ``value`` (JSON-able, not None) for ``kind`` and ``key``, computed from data with
    this ``fingerprint``, replacing what was kept; then the least recently used entries go
    beyond the bounds."""
    packed = zlib.compress(json.dumps(value, separators=(",", ":")).encode("utf-8"), 6)
    limit = current_app.config["CACHE_MAX_BYTES"]
    if len(packed) > limit // 4:
        current_app.logger.info("not caching %s: %d bytes compressed", kind, len(packed))
        return
    now = utcnow()
    row = {"kind": kind, "key": digest(key), "project_id": project_id,
           "fingerprint": digest(fingerprint), "value": packed, "size": len(packed),
           "computed_at": now, "used_at": now}
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(_table).values(**row)
    statement = statement.on_conflict_do_update(
        index_elements=[_c.kind, _c.key],
        set_={name: statement.excluded[name] for name in row if name not in ("kind", "key")})
    _write(statement, evict=True)


def cached(kind: str, key: Any, fingerprint: Any, compute: Callable[[], Any],
           project_id: int | None = None) -> Any:
    """The value kept for ``kind`` and ``key`` if it is still valid for ``fingerprint``, else
    ``compute()``, kept for the next caller (in any worker)."""
    value = get(kind, key, fingerprint)
    if value is None:
        value = compute()
        put(kind, key, fingerprint, value, project_id)
    return value


def clear(kind: str | None = None) -> None:
    """Remove every entry (of one ``kind``)."""
    statement = delete(_table)
    if kind is not None:
        statement = statement.where(_c.kind == kind)
    _write(statement)


def _write(statement, evict: bool = False) -> None:
    """Run a write in a transaction of its own, then (``evict``) remove what is beyond the
    bounds: the least recently used entries after the ``CACHE_MAX_ENTRIES`` newest, and those
    after the newest ``CACHE_MAX_BYTES``."""
    config = current_app.config
    try:
        with db.engine.begin() as connection:
            connection.execute(statement)
            if not evict:
                return
            kept = 0
            doomed = []
            for entries, (kind, key, size) in enumerate(connection.execute(
                    select(_c.kind, _c.key, _c.size)
                    .order_by(_c.used_at.desc(), _c.computed_at.desc())), start=1):
                kept += size
                if entries > config["CACHE_MAX_ENTRIES"] or kept > config["CACHE_MAX_BYTES"]:
                    doomed.append((kind, key))
            for kind, key in doomed:
                connection.execute(delete(_table).where(_c.kind == kind, _c.key == key))
    except SQLAlchemyError as error:  # a cache: the value is computed again next time
        current_app.logger.warning("the cache could not be written: %s", error)
