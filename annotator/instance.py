"""Moving and keeping an instance (INTERFACE.md, "Moving and keeping an instance"): a dump of
the whole database that loads into an empty one of either engine, and a live backup of SQLite.

**The dump** is gzip-compressed JSONL, written as a stream:

- a header: ``{"format": "framing-annotator-dump", "version": 1, "schema": REVISION, ...}``;
- per table, parents before children (the order of the foreign keys), one object per row:
  ``{"table": NAME, "row": {column: value, ...}}``, rows in primary-key order, times in UTC
  ISO 8601, JSON values inline, keys sorted, so that the same data always gives the same
  bytes, whatever the engine it comes from;
- a last line ``{"end": true, "rows": {table: count}}``: a dump without it was cut short.

Every table of the schema is dumped (a table added later is in the dump by itself: the ledger's
``ledger_aliases`` so came in) but those
marked ``info={"dump": False}``: browser sessions and login throttling, which belong to one
server's life. Ids, password hashes and API-token hashes go as stored, so after a load links,
passwords and tokens work as before.

**Loading** fills an empty database (it creates or upgrades the schema first) in one
transaction, table by table in the dump's order, bulk-written as imports are (``COPY`` on
PostgreSQL), and sets PostgreSQL's sequences past the ids it wrote. A dump of an older version
of the app loads into this one: a column the dump lacks takes its default, and ``UPGRADES``
turns older dump versions into the current one; a dump of a newer version, a cut-short or
damaged dump, or a database with rows is refused, with nothing written.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import IO, Any

from flask import current_app
from sqlalchemy import JSON, Date, DateTime, Table, func, select, text
from sqlalchemy.engine import make_url

from .database import (
    bulk_insert,
    dialect_name,
    driver_value,
    gc_paused,
    json_text_encoder,
    prefetched,
    upgrade_schema,
)
from .errors import DomainError
from .extensions import db

FORMAT = "framing-annotator-dump"
VERSION = 1
BATCH = 5000  # rows per bulk write and per read
MAX_LINE = 64 * 1024 * 1024  # one row's line: far beyond any row the app writes


class DumpRefused(DomainError):
    """A dump that cannot be loaded (or a database it cannot go into); nothing was written."""


# Older dump versions turned into the current one: version -> function(header, lines) that
# yields the lines of the next version. Empty while version 1 is the only one.
UPGRADES: dict[int, Callable[[dict, Iterator[dict]], Iterator[dict]]] = {}


def dumped_tables() -> list[Table]:
    """The tables a dump holds, parents before children."""
    return [table for table in db.metadata.sorted_tables if table.info.get("dump", True)]


def schema_revision() -> str | None:
    """The Alembic revision the database is at."""
    try:
        return db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # no alembic_version table: a schema made by create_all (tests)
        db.session.rollback()
        return None


def head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from . import MIGRATIONS_DIR

    config = Config()
    config.set_main_option("script_location", MIGRATIONS_DIR)
    return ScriptDirectory.from_config(config).get_current_head()


# --- values ---------------------------------------------------------------------------------

# A dump line: keys sorted, no spaces, non-ASCII as itself. One encoder for every line (json.dumps
# would build one per call).
_ENCODE = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode
# A JSON value as the load writes it (SQLAlchemy's own serialiser but for non-ASCII).
_JSON_TEXT = json_text_encoder(ensure_ascii=False)
# Values converted once and remembered, per column of a table: timestamps (an import stamps
# every row with one), attribute sets (a codebook allows few). Bounded: cleared when full.
MEMO_SIZE = 4096
_MISSING = object()


def _converted(values: list, converters: Iterable[tuple[int, Callable[[Any], Any], dict | None]]
               ) -> list:
    """``values`` with the converted ones in place: (index, function, memo or None) each, a
    memo remembering the value of each distinct raw value, cleared when it is full."""
    for i, convert, memo in converters:
        raw = values[i]
        if memo is None:
            values[i] = convert(raw)
            continue
        value = memo.get(raw, _MISSING)
        if value is _MISSING:
            if len(memo) >= MEMO_SIZE:
                memo.clear()
            value = memo[raw] = convert(raw)
        values[i] = value
    return values


def _line(obj: dict) -> bytes:
    return (_ENCODE(obj) + "\n").encode("utf-8")


def _utc_iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite hands back naive UTC
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat()


def _dump_column(column, dialect):
    """What to select for ``column``, and the function (or None) that turns what the driver
    returns into the dump's value: a timestamp in UTC ISO 8601, a date in ISO form, JSON as
    its value. The column's own processing is skipped (the raw value is selected) where the
    dump does better: JSON text is decoded once per distinct text, not once per row."""
    from sqlalchemy import Text, cast, type_coerce

    kind = column.type
    if isinstance(kind, JSON):
        # the JSON text as stored (PostgreSQL's jsonb as text: equal values, equal texts)
        raw = cast(column, Text) if dialect.name == "postgresql" else type_coerce(column, Text)
        return raw, json.loads
    if isinstance(kind, DateTime | Date):
        process = kind.dialect_impl(dialect).result_processor(dialect, None)
        encode = _utc_iso if isinstance(kind, DateTime) else (
            lambda value: None if value is None else value.isoformat())
        if process is None:
            return column, encode
        return type_coerce(column, Text), lambda value: encode(process(value))
    return column, None


# --- dumping ----------------------------------------------------------------------------------

def dump(out: IO[bytes]) -> dict[str, int]:
    """Write the whole instance to ``out`` as a gzip stream; returns the rows per table. Read
    in one snapshot of the database, a batch at a time (memory stays flat)."""
    from importlib import metadata

    try:
        app_version = metadata.version("framing-annotator")
    except metadata.PackageNotFoundError:  # run from a bare checkout
        app_version = "0"
    counts: dict[str, int] = {}
    # level 1: a third of the time of level 6 for some 40 % more bytes; the same lines
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=1, mtime=0) as stream:
        stream.write(_line({
            "format": FORMAT, "version": VERSION, "schema": schema_revision(),
            "app": app_version, "engine": dialect_name(),
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}))
        from .database import begin_snapshot

        begin_snapshot()
        for table in dumped_tables():
            counts[table.name] = _dump_table(stream, table)
        stream.write(_line({"end": True, "rows": counts}))
    db.session.commit()
    return counts


def _dump_table(stream, table: Table) -> int:
    dialect = db.session.get_bind().dialect
    columns = list(table.columns)
    names = [c.name for c in columns]
    selected, converters = [], []
    for i, column in enumerate(columns):
        what, convert = _dump_column(column, dialect)
        selected.append(what)
        if convert is not None:
            converters.append((i, convert, {}))
    order = list(table.primary_key.columns) or columns
    result = db.session.execute(
        select(*selected).order_by(*order).execution_options(stream_results=True,
                                                             yield_per=BATCH))
    count = 0
    # '{"row":{...},"table":"NAME"}': the keys in order, the row encoded alone
    tail = ',"table":' + _ENCODE(table.name) + "}\n"
    encode = _ENCODE
    batches = prefetched(result.partitions(BATCH))
    with closing(batches):  # an error here stops the reading thread first
        for rows in batches:
            with gc_paused():
                chunk = []
                for row in rows:
                    values = _converted(list(row), converters)
                    chunk.append('{"row":' + encode(dict(zip(names, values, strict=True))) + tail)
                stream.write("".join(chunk).encode("utf-8"))
            count += len(rows)
    return count


# --- loading ----------------------------------------------------------------------------------

def read_lines(path: Path) -> Iterator[dict]:
    """The dump's objects, one per line; a damaged file raises ``DumpRefused``."""
    decode = json.JSONDecoder().raw_decode
    try:
        # a C reader's readline over the gzip stream (GzipFile's own is slow per line)
        with gzip.open(path, "rb") as packed, io.BufferedReader(packed, 1 << 20) as stream:
            for number, raw in enumerate(stream, start=1):
                if len(raw) > MAX_LINE:
                    raise DumpRefused(f"{path.name}, line {number}: a line longer than "
                                      f"{MAX_LINE // 2**20} MB: not a dump of this app.")
                try:
                    text = raw.decode("utf-8")
                    obj, end = decode(text)
                    if end < len(text) and text[end:].strip():
                        raise ValueError("more after the value")
                except (ValueError, RecursionError):
                    raise DumpRefused(f"{path.name}, line {number}: not a JSON line (the dump "
                                      f"is damaged).") from None
                yield obj
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise DumpRefused(f"{path.name}: not a readable gzip file, or cut short ({exc}).") \
            from None


def load(path: Path, progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Fill the empty database from the dump at ``path``, in one transaction; returns the rows
    per table. Refused (``DumpRefused``, nothing written) for a dump of a newer version, a
    damaged or cut-short one, or a database that has rows."""
    upgrade_schema()
    _require_empty()
    lines = read_lines(Path(path))
    header = next(lines, None)
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise DumpRefused(f"{Path(path).name}: not a dump of the framing annotator (its first "
                          f"line must name the format {FORMAT!r}).")
    version = header.get("version")
    if not isinstance(version, int) or version < 1:
        raise DumpRefused(f"{Path(path).name}: the dump names no format version.")
    if version > VERSION:
        raise DumpRefused(f"{Path(path).name} was written by a newer version of the app (dump "
                          f"format {version}; this one reads up to {VERSION}): upgrade the app "
                          f"first.")
    while version < VERSION:
        lines = UPGRADES[version](header, lines)
        version += 1
    try:
        counts = _write(lines, Path(path).name, progress)
        _set_sequences()
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return counts


def _require_empty() -> None:
    for table in db.metadata.sorted_tables:
        if db.session.execute(select(func.count()).select_from(table)).scalar():
            db.session.rollback()
            raise DumpRefused(f"The database is not empty (table {table.name} has rows): a dump "
                              f"loads only into an empty database, so that nothing is mixed "
                              f"or lost. Use a new database.")
    db.session.rollback()


def _write(lines: Iterable[dict], name: str, progress) -> dict[str, int]:
    """Write the rows, each table's as one stream (``bulk_insert``: one COPY on PostgreSQL,
    the server writing while the next lines are read and converted)."""
    tables = {t.name: t for t in dumped_tables()}
    order = list(tables)
    counts: dict[str, int] = {}
    footer = None
    numbered = enumerate(lines, start=2)
    pending = next(numbered, None)  # the next line not written yet

    def checked(number: int, obj: Any) -> dict | None:
        """The line's object; None for the footer (kept); refused after it."""
        nonlocal footer
        if footer is not None:
            raise DumpRefused(f"{name}, line {number}: more after the dump's last line.")
        if not isinstance(obj, dict):
            raise DumpRefused(f"{name}, line {number}: not an object of the dump: it is "
                              f"damaged or from another app.")
        if obj.get("end") is True:
            footer = obj
            return None
        return obj

    def rows(table: Table, plan: _Plan) -> Iterator[tuple]:
        """The converted rows of ``table``, up to the first line of another table (left in
        ``pending``)."""
        nonlocal pending
        count = 0
        while pending is not None:
            number, obj = pending
            obj = checked(number, obj)
            if obj is None:
                pending = next(numbered, None)
                continue
            if obj.get("table") != table.name:
                break
            row = obj.get("row")
            if not isinstance(row, dict) or row.keys() != plan.keys:
                raise DumpRefused(f"{name}, line {number}: a row of {table.name} with other "
                                  f"columns than the rows before it.")
            values = _converted(list(plan.get(row)), plan.converters)
            yield (*values, *plan.defaults)
            count += 1
            if progress and count % BATCH == 0:
                progress(table.name, count)
            pending = next(numbered, None)
        counts[table.name] = count
        if progress:
            progress(table.name, count)

    current: Table | None = None
    with gc_paused():
        while pending is not None:
            number, obj = pending
            obj = checked(number, obj)
            if obj is None:
                pending = next(numbered, None)
                continue
            table_name, row = obj.get("table"), obj.get("row")
            if table_name not in tables or not isinstance(row, dict):
                raise DumpRefused(f"{name}, line {number}: a row of an unknown table "
                                  f"{table_name!r}: the dump is damaged or from another app.")
            if current is not None and order.index(table_name) <= order.index(current.name):
                raise DumpRefused(f"{name}, line {number}: table {table_name} comes after "
                                  f"{current.name}: parents must come before children.")
            current = tables[table_name]
            plan = _plan(current, row, name, number)
            bulk_insert(current, plan.columns, rows(current, plan))
    if footer is None:
        raise DumpRefused(f"{name}: the dump ends without its last line: it was cut short.")
    expected = footer.get("rows") or {}
    if {k: v for k, v in expected.items() if v} != counts:
        raise DumpRefused(f"{name}: the rows read ({sum(counts.values())}) are not the rows "
                          f"the dump says it holds ({sum(expected.values())}): it is damaged.")
    return counts


@dataclass
class _Plan:
    """How the rows of one table of a dump are written: the columns (those of the dump's rows,
    then the defaults of those it lacks), the row's keys, a getter of their values in order,
    the conversions for the driver ((index, function, memo or None)) and the default values."""

    columns: list[str]
    keys: frozenset[str]
    get: Callable[[dict], tuple]
    converters: list[tuple[int, Callable[[Any], Any], dict | None]]
    defaults: tuple


def _load_converter(column, dialect) -> tuple[Callable[[Any], Any], bool] | None:
    """What a dump's value becomes for the driver (the inverse of ``_dump_column``), and
    whether to remember it per distinct value; None: the value itself."""
    kind = column.type
    process = kind._cached_bind_processor(dialect)
    if isinstance(kind, DateTime):
        naive = dialect.name == "sqlite"  # SQLite stores naive UTC

        def when(value):
            if value is None:
                return None
            moment = dt.datetime.fromisoformat(value).astimezone(dt.UTC)
            if naive:
                moment = moment.replace(tzinfo=None)
            return moment if process is None else process(moment)
        return when, True
    if isinstance(kind, Date):
        def day(value):
            if value is None:
                return None
            value = dt.date.fromisoformat(value)
            return value if process is None else process(value)
        return day, True
    if isinstance(kind, JSON):  # bulk_insert takes JSON as text
        return (lambda value: None if value is None else _JSON_TEXT(value)), False
    return None


def _plan(table: Table, row: dict, name: str, number: int) -> _Plan:
    """How to write the table's rows, the first of which is ``row``."""
    dialect = db.session.get_bind().dialect
    known = {c.name: c for c in table.columns}
    unknown = sorted(set(row) - set(known))
    if unknown:
        raise DumpRefused(f"{name}, line {number}: table {table.name} has no column "
                          f"{unknown[0]!r} in this version of the app: the dump needs an "
                          f"upgrade this version does not have.")
    keys = [c for c in known if c in row]
    converters = []
    for i, key in enumerate(keys):
        found = _load_converter(known[key], dialect)
        if found is not None:
            converters.append((i, found[0], {} if found[1] else None))
    # a column the dump lacks (an older version's) takes its default
    columns, defaults = list(keys), []
    for column in table.columns:
        if column.name in row or column.server_default is not None:
            continue
        default = column.default
        if default is None:
            if not column.nullable and not column.primary_key:
                raise DumpRefused(f"{name}, line {number}: table {table.name} lacks column "
                                  f"{column.name}, which has no default.")
            continue
        value = default.arg
        columns.append(column.name)
        defaults.append(driver_value(column, value(None) if callable(value) else value))
    get = itemgetter(*keys) if len(keys) > 1 else (lambda r, k=keys[0]: (r[k],))
    return _Plan(columns, frozenset(keys), get, converters, tuple(defaults))


def _set_sequences() -> None:
    """PostgreSQL: each table's id sequence past the ids the load wrote."""
    if dialect_name() != "postgresql":
        return
    for table in dumped_tables():
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not pk[0].autoincrement or pk[0].type.python_type is not int:
            continue
        quoted = db.session.get_bind().dialect.identifier_preparer.format_table(table)
        sequence = db.session.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                      {"t": quoted, "c": pk[0].name}).scalar()
        if sequence:
            db.session.execute(text(
                f"SELECT setval(:s, COALESCE((SELECT MAX({pk[0].name}) FROM {quoted}), 1), "
                f"(SELECT MAX({pk[0].name}) FROM {quoted}) IS NOT NULL)"), {"s": sequence})


# --- backup -----------------------------------------------------------------------------------

def backup(target: Path, pages: int = 1024) -> Path:
    """A consistent copy of the live SQLite database at ``target`` (SQLite's online backup:
    the server may keep writing), written beside it first and then renamed."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        raise DomainError(
            "annotator backup copies SQLite databases. This instance runs on PostgreSQL: "
            "back it up with pg_dump, e.g. `pg_dump --format=custom --file=annotator.pgdump "
            "DBNAME` (restore with pg_restore), or use `annotator dump -o FILE` for a copy that "
            "loads into either engine.")
    source_path = Path(url.database)
    target = Path(target)
    if target.resolve() == source_path.resolve():
        raise DomainError(f"{target} is the live database itself: name another file.")
    partial = target.with_name(target.name + ".partial")
    if partial.exists():
        partial.unlink()
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    copy = sqlite3.connect(partial)
    try:
        source.backup(copy, pages=pages)
    finally:
        copy.close()
        source.close()
    os.chmod(partial, 0o600)
    partial.replace(target)
    return target
