"""Database set-up that depends on the engine: SQLite pragmas, upserts, schema creation."""

from __future__ import annotations

import sqlite3

from flask import Flask
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

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
    pass


def dialect_name() -> str:
    return db.session.get_bind().dialect.name


def insert_ignoring_conflicts(model):
    """``INSERT ... ON CONFLICT DO NOTHING`` for the engine in use (SQLite or PostgreSQL)."""
    module = postgresql if dialect_name() == "postgresql" else sqlite
    return module.insert(model).on_conflict_do_nothing()


def upgrade_schema() -> None:
    """Bring the database to the newest schema (idempotent): ``annotator init-db``."""
    from flask_migrate import upgrade

    upgrade()
