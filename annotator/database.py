"""Database set-up that depends on the engine: SQLite pragmas, upserts, schema creation."""

from __future__ import annotations

import datetime as dt
import gc
import json
import os
import queue
import select
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from operator import itemgetter
from typing import Any

from flask import Flask, current_app, request
from sqlalchemy import Column, Table, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InvalidatePoolError, SQLAlchemyError

from .extensions import db


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """Foreign keys on, WAL so readers never wait for the writer, a wait instead of 'locked'."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 10000")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()


def init_app(app: Flask) -> None:
    """On PostgreSQL: a pooled connection is checked without a round trip when it is taken
    from the pool (``_dead_connection``), and the requests of views marked ``reads_only`` run
    without a transaction (``_read_without_transaction``)."""
    with app.app_context():
        engine = db.engine
    # gunicorn --preload builds the app once and forks the workers from it: nothing here
    # connects before, but should a connection have been opened, a worker must not share it
    # with its parent; its pool starts empty (the parent's connections stay the parent's).
    alive = weakref.ref(engine)
    os.register_at_fork(after_in_child=lambda: _forget_connections(alive))
    if engine.dialect.name == "postgresql":
        event.listen(engine.pool, "checkout", _dead_connection)
        app.before_request(_read_without_transaction)


def _forget_connections(alive: weakref.ref) -> None:
    engine = alive()
    if engine is not None:
        engine.dispose(close=False)


def _dead_connection(dbapi_connection, connection_record, connection_proxy) -> None:
    """A pooled connection that the server has closed (a restart, a terminated backend, an
    idle timeout) is thrown away before use, and the pool with it, as ``pool_pre_ping`` does,
    but without its round trip on every checkout: an idle connection's socket has nothing to
    read unless the server said goodbye (an error message, then end of file), so a poll of the
    socket that returns at once tells the two apart."""
    pgconn = getattr(dbapi_connection, "pgconn", None)
    if pgconn is None:
        return
    try:
        alive = not dbapi_connection.closed and not _readable(pgconn.socket)
    except Exception:  # no socket any more
        alive = False
    if not alive:
        raise InvalidatePoolError("the server closed the connection")


def _readable(fd: int) -> bool:
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))


def reads_only(view: Callable) -> Callable:
    """Mark a view that only reads (a hot GET of the API): on PostgreSQL its request runs in
    autocommit, each statement its own transaction, which saves the BEGIN and COMMIT round
    trips and the ROLLBACK that would make psycopg forget its prepared statements. Under READ
    COMMITTED, PostgreSQL's default, each statement sees its own snapshot in a transaction
    too, so the answers are the same. A write such a request makes (a token's last use,
    recorded at most once a minute) is committed by itself, as it is anyway."""
    view.reads_only = True
    return view


def _read_without_transaction() -> None:
    """Before everything else a request runs (the caller's look-up first): a request of a
    ``reads_only`` view takes its connection in autocommit."""
    if request.method not in ("GET", "HEAD"):
        return
    view = current_app.view_functions.get(request.endpoint)
    if view is not None and getattr(view, "reads_only", False):
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def dialect_name() -> str:
    return db.session.get_bind().dialect.name


def insert_ignoring_conflicts(model):
    """``INSERT ... ON CONFLICT DO NOTHING`` for the engine in use (SQLite or PostgreSQL)."""
    module = postgresql if dialect_name() == "postgresql" else sqlite
    return module.insert(model).on_conflict_do_nothing()


def driver_value(column: Column, value: Any) -> Any:
    """``value`` as ``bulk_insert`` takes it for ``column`` on the engine in use, for a value
    that many rows share, processed once: a timestamp as SQLite stores it; on PostgreSQL a
    timestamp or date as ISO text, which the COPY reads as the server would read the value
    (the driver would format the same datetime again for every row, a third of a span row's
    formatting). Not for JSON: ``bulk_insert`` takes JSON as text."""
    dialect = db.session.get_bind().dialect
    if dialect.name == "postgresql" and isinstance(value, dt.date):
        return value.isoformat()
    process = column.type._cached_bind_processor(dialect)
    return value if process is None else process(value)


def json_text_encoder(ensure_ascii: bool = True) -> Callable[[Any], str]:
    """A function that writes a JSON value as ``json.dumps(value, ensure_ascii=...)`` does,
    for the many small values of a bulk write (a span's attributes): ``json.dumps`` builds
    its C encoder anew for every call, half of the time of such a value; this one is built
    once. Values without cycles (the check is off), as JSON columns hold."""
    base = json.JSONEncoder(ensure_ascii=ensure_ascii)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # a Python without the C accelerator
        return base.encode
    encoder = make(None, base.default,
                   json.encoder.encode_basestring_ascii if ensure_ascii
                   else json.encoder.encode_basestring,
                   None, base.key_separator, base.item_separator, False, False, True)
    join = "".join

    def encode(value: Any) -> str:
        return join(encoder(value, 0))

    return encode


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off for a bulk parse, import or export read: it would
    walk the many objects of a batch again and again (rows, spans: they hold no cycles), and
    now and then every object of the process, to find nothing. Reference counting still frees
    everything; the collector is back on after (unless it was off before). Keep the stretch
    short and never yield to a caller inside it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def prefetched(batches: Iterator[Any], depth: int = 2) -> Iterator[Any]:
    """The batches, the next ``depth`` made by a thread of their own while the caller works on
    this one: a dump's reads overlap its encoding, an import's parsing overlaps the server's
    writing (the GIL is free while either waits on the database). Whatever makes the batches
    runs in that thread only (a dump's connection is used there alone until the batches are
    done); when the caller stops early, the thread is waited for. An error making a batch is
    raised in the caller's thread. The thread runs in the caller's app context (its
    configuration: an import's archive limits, say), when there is one."""
    from flask import current_app, has_app_context

    app = current_app._get_current_object() if has_app_context() else None
    handed: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def hand(item) -> bool:
        while not stop.is_set():
            try:
                handed.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def fetch() -> None:
        try:
            if app is None:
                make()
            else:
                with app.app_context():
                    make()
        except BaseException as error:  # handed over, raised in the caller's thread
            hand(error)

    def make() -> None:
        for batch in batches:
            if not hand(batch):
                return
        hand(done)

    thread = threading.Thread(target=fetch, name="prefetch", daemon=True)
    thread.start()
    try:
        while (item := handed.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


def begin_snapshot() -> None:
    """End the session's transaction (it has only read) and begin one that reads a single
    snapshot of the database until it ends, whatever others write meanwhile: REPEATABLE READ
    on PostgreSQL; on SQLite an explicit BEGIN, as its driver starts no transaction for reads
    (in WAL mode a read transaction keeps the snapshot of its first read)."""
    db.session.commit()
    if dialect_name() == "postgresql":
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    else:
        db.session.connection().exec_driver_sql("BEGIN")


def bulk_insert(table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]],
                checks: KeyChecks | None = None) -> None:
    """Insert many rows into ``table`` inside the session's transaction, as fast as the engine
    allows: ``COPY ... FROM STDIN`` on PostgreSQL, one ``executemany`` on SQLite.

    ``rows`` may be a stream (an iterator): on PostgreSQL one COPY takes it all as it comes, the
    server writing rows while the caller makes the next ones; on SQLite it is inserted a batch
    at a time. Each row gives the ``columns`` in order, as the driver takes them: nothing is
    processed per row (timestamps through ``driver_value``, JSON as text:
    ``json_text_encoder``).
    Columns left out are NULL (or their server default); the models' Python-side defaults do
    not apply.

    ``checks`` (from ``foreign_keys_checked_together``): the foreign keys of the rows are not
    checked row by row by the server but noted, and checked together when the block ends.
    """
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        if checks is not None:
            rows = checks.noted(table, columns, rows)
        # psycopg 3: write_row escapes text (tabs, newlines, backslashes) and writes None as
        # NULL, datetimes and dates in ISO form.
        with _copy(connection, table, columns) as copy:
            for row in rows:
                copy.write_row(row)
        return
    quote = connection.dialect.identifier_preparer.quote
    names = ", ".join(quote(name) for name in columns)
    target = connection.dialect.identifier_preparer.format_table(table)
    marks = ", ".join("?" * len(columns))
    statement = f"INSERT INTO {target} ({names}) VALUES ({marks})"
    if isinstance(rows, list):
        connection.exec_driver_sql(statement, rows)
        return
    rows = iter(rows)  # a stream: a batch at a time, so that memory holds one batch
    while batch := list(islice(rows, SQLITE_BATCH)):
        connection.exec_driver_sql(statement, batch)


def next_ids(table: Table, count: int) -> list[int]:
    """PostgreSQL: ``count`` new ids for ``table``'s rows, taken from its ``id`` column's
    sequence in one round trip, as as many INSERTs would take them (for rows written by
    COPY whose ids other rows refer to)."""
    connection = db.session.connection()
    name = connection.dialect.identifier_preparer.format_table(table)
    return list(connection.exec_driver_sql(
        "SELECT nextval(pg_get_serial_sequence(%(table)s, 'id')) "
        "FROM generate_series(1, %(count)s)", {"table": name, "count": count}).scalars())


# COPY's binary format: the signature, no flags, no header extension, ..., the end marker.
BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
BINARY_TRAILER = (-1).to_bytes(2, "big", signed=True)


def copy_rows_ok() -> bool:
    """Whether ``copy_rows`` may be used: PostgreSQL, over a UTF-8 connection (the rows are
    made in UTF-8, and binary text fields are not converted from another encoding)."""
    connection = db.session.connection()
    return connection.dialect.name == "postgresql" \
        and connection.connection.dbapi_connection.info.encoding == "utf-8"


# What ``copy_rows`` hands to the driver at a time, about (psycopg cuts a write of more than
# 128 KiB into pieces, copying it).
COPY_WRITE_BYTES = 64 * 1024


def copy_rows(table: Table, columns: Sequence[str], blocks: Iterable[bytes],
              binary: bool = False) -> None:
    """PostgreSQL only (``copy_rows_ok``): rows that come as blocks of ``COPY ... FROM
    STDIN`` data, in its text format (lines of tab-separated ``columns``, escaped) or its
    binary one (rows of fields; the header and the end marker are written here), made by
    ``imports.copytext``; one COPY inside the session's transaction. Their foreign keys, in
    a ``foreign_keys_checked_together`` block, are noted by the caller (``KeyChecks.add``):
    the rows are not read here."""
    with _copy(db.session.connection(), table, columns, binary) as copy:
        # Blocks (a review's spans, a few kilobytes) sent some together: each write is a
        # trip through psycopg's machinery and a send of its own.
        pending, size = [BINARY_HEADER] if binary else [], 0
        for block in blocks:
            pending.append(block)
            size += len(block)
            if size >= COPY_WRITE_BYTES:
                copy.write(b"".join(pending))
                pending, size = [], 0
        if binary:
            pending.append(BINARY_TRAILER)
        copy.write(b"".join(pending))


@contextmanager
def _copy(connection, table: Table, columns: Sequence[str], binary: bool = False):
    """psycopg's ``Copy`` of a ``COPY table (columns) FROM STDIN`` on ``connection``."""
    preparer = connection.dialect.identifier_preparer
    names = ", ".join(preparer.quote(name) for name in columns)
    form = " (FORMAT BINARY)" if binary else ""
    with connection.connection.dbapi_connection.cursor() as cursor, \
            cursor.copy(f"COPY {preparer.format_table(table)} ({names}) FROM STDIN{form}") \
            as copy:
        yield copy


# Row triggers off for this transaction, when the role may (a superuser; on PostgreSQL 15
# and later, a role granted SET on the parameter): one round trip that cannot fail; the
# setting it replaces comes back, to be restored.
_TRIGGERS_OFF = (
    "SELECT current_setting('session_replication_role'), "
    "set_config('session_replication_role', 'replica', true) "
    "FROM pg_roles WHERE rolname = current_user AND ({})"
)


@contextmanager
def foreign_keys_checked_together() -> Iterator[KeyChecks | None]:
    """For the ``bulk_insert`` calls of a bounded batch (an import's chunk) given what this
    yields: their foreign keys checked once for the whole batch, set-based, instead of row by
    row by the server, where the per-row checks (a trigger per row and key, a query each)
    are most of a bulk write's time on the server.

    On PostgreSQL, when the database role may (a superuser; on PostgreSQL 15 and later, a
    role granted ``SET`` on ``session_replication_role``), the server's row triggers are off
    inside the block (``session_replication_role = replica``, back to what it was at its
    end); the distinct keys the rows hold are noted as they are sent, and when the block ends
    each is looked up in the table it refers to and locked there (FOR KEY SHARE, as the
    per-row checks lock them, so that no one deletes it before this transaction ends), one
    query for all. A key not there raises the error the server's check raises (psycopg's
    ForeignKeyViolation) and the caller rolls back. Elsewhere (SQLite, a role that may not)
    this yields None: the rows are checked one by one as always.

    Only ``bulk_insert`` may write inside the block: the triggers are off for every statement
    of it (the tables of ``models`` have none of their own but the foreign keys').
    """
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        yield None
        return
    privileged = "rolsuper"
    if connection.dialect.server_version_info >= (15,):
        privileged += " OR has_parameter_privilege('session_replication_role', 'SET')"
    was = connection.exec_driver_sql(_TRIGGERS_OFF.format(privileged)).first()
    if was is None:  # not allowed: the server checks each row
        yield None
        return
    checks = KeyChecks()
    yield checks  # an error inside: the caller rolls back, which restores the setting too
    connection.exec_driver_sql("SELECT set_config('session_replication_role', %(was)s, true)",
                               {"was": was[0]})
    checks.check(connection)


class KeyChecks:
    """The foreign keys of the rows of a ``foreign_keys_checked_together`` block, per table
    and constraint, checked together at its end."""

    def __init__(self) -> None:
        # (table, constraint) -> the distinct keys (a value, or a tuple for several columns)
        self.keys: dict[tuple[Table, Any], set] = {}
        # (table, its columns) -> keys of rows this transaction wrote there (``written``)
        self.known: dict[tuple[Table, tuple[str, ...]], set[tuple]] = {}

    def noted(self, table: Table, columns: Sequence[str],
              rows: Iterable[Sequence[Any]]) -> Iterator[Sequence[Any]]:
        """``rows`` as they come, their keys noted on the way."""
        at = {name: i for i, name in enumerate(columns)}
        takes = []
        for constraint in table.foreign_key_constraints:
            names = [c.name for c in constraint.columns]
            if not any(name in at for name in names):
                continue  # left out: NULL, not checked
            if not all(name in at for name in names):
                raise ValueError(f"bulk_insert into {table.name}: the foreign key "
                                 f"{constraint.name} needs all of {names}")
            found = self.keys.setdefault((table, constraint), set())
            takes.append((found.add, itemgetter(*(at[name] for name in names))))
        for row in rows:
            for add, get in takes:
                add(get(row))
            yield row

    def add(self, table: Table, columns: Sequence[str], keys: Iterable) -> None:
        """Note ``keys`` of the foreign key of ``table`` made of ``columns`` (a value each, or
        a tuple for several columns), for rows written otherwise than by ``bulk_insert``
        (``copy_rows``)."""
        for constraint in table.foreign_key_constraints:
            if tuple(c.name for c in constraint.columns) == tuple(columns):
                self.keys.setdefault((table, constraint), set()).update(keys)
                return
        raise ValueError(f"{table.name} has no foreign key of the columns {columns}")

    def written(self, table: Table, columns: Sequence[str], keys: Iterable[tuple]) -> None:
        """Note that this transaction has just written rows of ``table`` with these ``keys``
        (tuples of ``columns``; a chunk's new documents and their paragraphs): a key found
        among them needs no look-up (the rows are there, and no other transaction can see
        them, let alone delete them, before this one ends); any other key is looked up."""
        self.known.setdefault((table, tuple(columns)), set()).update(keys)

    def check(self, connection) -> None:
        """Look up and lock the keys, one query for all (per table referred to, the keys of
        every constraint that refers to it), but those of rows this transaction wrote
        (``written``); the first key not there raises."""
        wanted: dict[tuple[Table, tuple], set[tuple]] = {}
        for (_, constraint), found in self.keys.items():
            if keys := _checked_keys(constraint, found) - self._known(constraint):
                parent_columns = tuple(e.column for e in constraint.elements)
                wanted.setdefault((constraint.referred_table, parent_columns), set()) \
                    .update(keys)
        if not wanted:
            return
        parts, params = [], {}
        for n, ((parent, parent_columns), keys) in enumerate(wanted.items()):
            source, match = _keys_source(connection, parent_columns, n, keys, params)
            parts.append(f"(SELECT count(*) FROM (SELECT 1 FROM {_table_name(connection, parent)}"
                         f" p JOIN {source} ON {match} FOR KEY SHARE OF p) AS locked)")
        counts = connection.exec_driver_sql("SELECT " + ", ".join(parts), params).first()
        if all(count == len(keys) for count, keys in zip(counts, wanted.values(), strict=True)):
            return
        for (table, constraint), found in self.keys.items():
            _first_missing(connection, table, constraint, found, self._known(constraint))

    def _known(self, constraint) -> set[tuple]:
        """The keys ``written`` in the table ``constraint`` refers to, as it refers to it."""
        return self.known.get((constraint.referred_table,
                               tuple(e.column.name for e in constraint.elements)), set())


def _checked_keys(constraint, found: set) -> set[tuple]:
    """The keys of ``constraint`` to look up, each a tuple: MATCH SIMPLE, as the server's
    check, leaves out a key with a NULL in it."""
    if len(constraint.columns) == 1:
        return {(key,) for key in found if key is not None}
    return {key for key in found if None not in key}


def _table_name(connection, table: Table) -> str:
    return connection.dialect.identifier_preparer.format_table(table)


def _keys_source(connection, parent_columns: tuple, n: int, keys: set[tuple],
                 params: dict) -> tuple[str, str]:
    """The keys as a table ``k{n}`` (from arrays, one per column, in ``params``), and the
    condition that matches them with the table ``p`` they refer to."""
    quote = connection.dialect.identifier_preparer.quote
    names = [f"k{n}_{i}" for i in range(len(parent_columns))]
    for name, values in zip(names, zip(*keys, strict=True), strict=True):
        params[name] = list(values)
    arrays = ", ".join(f"CAST(%({name})s AS {column.type.compile(connection.dialect)}[])"
                       for name, column in zip(names, parent_columns, strict=True))
    match = " AND ".join(f"p.{quote(column.name)} = k{n}.{name}"
                         for name, column in zip(names, parent_columns, strict=True))
    return f"unnest({arrays}) AS k{n}({', '.join(names)})", match


def _first_missing(connection, table: Table, constraint, found: set,
                   known: set[tuple]) -> None:
    """Raise for the first key of ``constraint`` that its table does not hold, if any
    (``known``: keys of rows this transaction wrote, not looked up)."""
    from psycopg.errors import ForeignKeyViolation

    keys = _checked_keys(constraint, found) - known
    if not keys:
        return
    parent_columns = tuple(e.column for e in constraint.elements)
    params: dict = {}
    source, match = _keys_source(connection, parent_columns, 0, keys, params)
    missing = connection.exec_driver_sql(
        f"SELECT * FROM {source} WHERE NOT EXISTS (SELECT 1 FROM "
        f"{_table_name(connection, constraint.referred_table)} p WHERE {match}) "
        f"ORDER BY 1 LIMIT 1", params).first()
    if missing is None:
        return
    child = ", ".join(column.name for column in constraint.columns)
    raise ForeignKeyViolation(
        f'insert or update on table "{table.name}" violates foreign key constraint '
        f'"{constraint.name}"\nDETAIL:  Key ({child})=({", ".join(map(str, missing))}) is '
        f'not present in table "{constraint.referred_table.name}".')


SQLITE_BATCH = 5000  # rows per executemany of a stream


# The tables a bulk write grows, and the columns their queries select rows by: the statistics
# the planner needs (the others, text and JSON, would only make ANALYZE slower).
LABELLED_TABLES = {
    "documents": ("id", "project_id"),
    "paragraphs": ("document_id", "position"),
    "document_reviews": ("document_id", "reviewer_id", "status"),
    "paragraph_reviews": ("document_id", "reviewer_id"),
    "annotations": ("document_id", "reviewer_id", "paragraph_index"),
    "gold_spans": ("document_id", "paragraph_index"),
}


def refresh_statistics(rows_written: int,
                       tables: dict[str, Sequence[str]] = LABELLED_TABLES) -> bool:
    """After a bulk write on PostgreSQL, ANALYZE ``tables`` (table -> the columns whose
    statistics to gather) when the write added more than a tenth of the rows the planner
    believes the largest of them holds (autovacuum's own rule, 50 rows + 10 %).

    Autovacuum would get there within minutes, or never where it is off; until then the
    server plans the next queries (an export, the agreement report) for tables a fraction of
    their size: scans of whole tables where an index fits. Call it after the commit. Returns
    whether it analyzed."""
    if dialect_name() != "postgresql" or not tables:
        return False
    try:
        believed = db.session.execute(
            text("SELECT max(greatest(reltuples, 0)) FROM pg_class "
                 "WHERE oid = ANY(CAST(:names AS regclass[]))"),
            {"names": list(tables)},
        ).scalar() or 0
        if rows_written <= 50 + 0.1 * believed:
            db.session.rollback()  # it only read
            return False
        quote = db.session.get_bind().dialect.identifier_preparer.quote
        db.session.execute(text("ANALYZE " + ", ".join(
            f"{quote(table)} ({', '.join(quote(c) for c in columns)})"
            for table, columns in tables.items())))
        db.session.commit()
        return True
    except SQLAlchemyError as error:  # statistics are a help: the write itself is in
        db.session.rollback()
        current_app.logger.warning("ANALYZE after a bulk write failed: %s", error)
        return False


def bind_migrations(app: Flask) -> None:
    """Bind Flask-Migrate to ``app`` (once), with its ``db`` commands: on first use rather than
    in ``create_app``, because it imports Alembic, a tenth of a second of every start that
    only migrations need."""
    if "migrate" not in app.extensions:
        from flask_migrate import Migrate

        from . import MIGRATIONS_DIR

        Migrate(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)


def upgrade_schema(revision: str = "head") -> None:
    """Bring the database to the newest schema (idempotent): ``annotator init-db``."""
    from flask_migrate import upgrade

    bind_migrations(current_app._get_current_object())
    upgrade(revision=revision)
