"""The framing annotator: annotate source bias and framing in news, measure agreement."""

import contextlib
import gc
import os
import secrets
import time
from pathlib import Path
from typing import Any

from flask import Flask

from . import config as default_config
from .extensions import csrf, db, login_manager

MIGRATIONS_DIR = str(Path(__file__).parent / "migrations")


def create_app(test_config: dict[str, Any] | None = None, *, web: bool = True) -> Flask:
    """Create the application.

    Configuration, later sources winning: ``annotator/config.py``, ``instance/config.py``,
    ``ANNOTATOR_*`` environment variables, then ``test_config``.

    ``web=False`` leaves out the pages and the API (their blueprints and modules): the command
    line builds such an app for its own commands, which never serve a request.
    """
    instance_path = os.environ.get("ANNOTATOR_INSTANCE_PATH") or str(
        Path(__file__).resolve().parent.parent / "instance"
    )
    app = Flask(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
        static_folder="../static",
        template_folder="../templates",
    )
    app.config.from_object(default_config)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("ANNOTATOR")
    if test_config:
        app.config.update(test_config)
    _private_directory(Path(app.instance_path))

    url = app.config.get("DATABASE_URL") or app.config.get("SQLALCHEMY_DATABASE_URI")
    if not url:
        url = "sqlite:///" + str(Path(app.instance_path) / "annotator.sqlite3")
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    if url.startswith("sqlite"):
        # SQLite takes no pool options of the kind PostgreSQL needs.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {}
        _private_sqlite_file(url)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))

    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        proxies = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    db.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)

    from . import database

    database.init_app(app)

    from . import inputs, security

    security.init_app(app)
    inputs.init_app(app)

    if web:
        from .api import bp as api_bp
        from .views import init_app as init_views

        app.register_blueprint(api_bp)
        init_views(app)
        # What a server's first requests would do otherwise: the agreement report's modules
        # (numpy) loaded, the models' mappers configured. With gunicorn --preload that is done
        # once in the master, its pages shared by the workers; else when a worker starts, not
        # during a user's first request. The command line leaves it out.
        from sqlalchemy.orm import configure_mappers

        from .agreement import report  # noqa: F401

        configure_mappers()
        _share_with_forked_workers()

    from .cli import register_commands

    register_commands(app)
    return app


_SHARING = False


def _share_with_forked_workers() -> None:
    """When gunicorn forks its workers from the preloaded app (``--preload``), the objects the
    master built are frozen first: a worker's garbage collections leave them alone, where
    their bookkeeping would write to every page the worker shares with the master, and so
    copy it (Python's advice for fork without exec). The master unfreezes its own at once."""
    global _SHARING
    if not _SHARING:
        os.register_at_fork(before=gc.freeze, after_in_parent=gc.unfreeze)
        _SHARING = True


def _private_directory(path: Path) -> None:
    """The instance folder (the SQLite file, the secret key) readable by its owner only."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = path.stat()
    if info.st_mode & 0o077 and info.st_uid == os.getuid():
        path.chmod(0o700)


def _private_sqlite_file(url: str) -> None:
    """Create a new SQLite database file readable by its owner only (SQLite gives its -wal
    and -shm files the same permissions)."""
    from sqlalchemy.engine import make_url

    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if path.exists() or not path.parent.is_dir():
        return
    with contextlib.suppress(FileExistsError):  # another worker made it first
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _instance_secret_key(instance: Path) -> str:
    """The SECRET_KEY kept in instance/secret_key, generated on first start."""
    path = instance / "secret_key"
    if path.exists():
        key = path.read_text("utf-8").strip()
        if key:
            return key
    key = secrets.token_hex(32)
    try:
        # O_EXCL: when two workers start at once, one writes and the other reads its key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Another worker is writing it: wait for its key rather than making a second one.
        for _ in range(50):
            existing = path.read_text("utf-8").strip()
            if existing:
                return existing
            time.sleep(0.02)
        raise RuntimeError(f"{path} exists but is empty; delete it and start again.") from None
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(key + "\n")
    return key
