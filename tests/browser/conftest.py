"""Browser tests: the real app served by werkzeug in a thread, driven by Chromium (Playwright).

- ``live_server``: the app on a file SQLite database and a free port of 127.0.0.1; it can be
  stopped and started again on the same port (``live_server.stop()`` / ``.start()``) to play a
  server that goes away in the middle of saving.
- One Chromium per session (Playwright's own browsers cannot be downloaded here: the system's
  /usr/bin/chromium is used, or CHROMIUM_PATH); a fresh context (cookies, localStorage) per test.
- Without Chromium or Playwright the tests are skipped with the reason; under CI (CI=true)
  they fail instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from annotator import create_app
from annotator.extensions import db
from tests.conftest import sqlite_copy

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
FAST_HASH = "pbkdf2:sha256:1000"
PASSWORD = "password-123"
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).parent == here:
            item.add_marker(pytest.mark.browser)


def _unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the browser tests must run)")
    pytest.skip(reason)


class QuietHandler(WSGIRequestHandler):
    # HTTP/1.0: one request per connection, so a stopped server really stops answering
    # (no kept-alive connection goes on being served by its thread).
    protocol_version = "HTTP/1.0"

    def log_request(self, *args, **kwargs):
        pass


class LiveServer:
    def __init__(self, app, port: int):
        self.app = app
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.server = None
        self.thread = None

    def start(self) -> None:
        assert self.server is None, "the server is already running"
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True,
                                  request_handler=QuietHandler)
        # Stopping waits for the serving loop to look up: every 50 ms rather than werkzeug's
        # 500 ms, half a second of every test's teardown.
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.server is None:
            return
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)
        self.server = None
        self.thread = None

    @property
    def running(self) -> bool:
        return self.server is not None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_app(tmp_path, sqlite_schema):
    app = create_app({
        "TESTING": True,
        "DATABASE_URL": sqlite_copy(sqlite_schema, tmp_path / "live.sqlite3"),
        "SECRET_KEY": "browser-test-secret",
        "PASSWORD_HASH_METHOD": FAST_HASH,
        "SERVER_NAME": None,
        # Retry unsent changes at least every second, so the tests do not wait long.
        "ANNOTATE_RETRY_MAX_MS": 1000,
    })
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def live_server(live_app):
    server = LiveServer(live_app, _free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed (pip install -e '.[test]')")
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        _unavailable(f"Chromium is not installed at {path} (apt-get install chromium, or set "
                     f"CHROMIUM_PATH)")
    with sync_playwright() as p:
        try:
            browser = p.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        except Exception as exc:  # a broken install, missing libraries
            _unavailable(f"Chromium at {path} does not start: {exc}")
        yield browser
        browser.close()


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    context.set_default_timeout(10000)
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    yield page
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def screenshots():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


# --- data -----------------------------------------------------------------------------------

@pytest.fixture
def seed(live_app):
    """Helpers that write straight into the live server's database."""
    from annotator.accounts import create_user, find_user
    from annotator.codebook import load_codebook
    from annotator.imports import import_documents, parse_document_object
    from annotator.models import Project
    from annotator.projects import create_project

    class Seed:
        app = live_app

        def user(self, name="alice", role="reviewer", password=PASSWORD) -> int:
            with live_app.app_context():
                user = find_user(name) or create_user(name, role=role, password=password)
                return user.id

        def project(self, slug="news", **kwargs) -> str:
            with live_app.app_context():
                if db.session.scalar(db.select(Project).where(Project.slug == slug)) is None:
                    create_project(slug, **kwargs)
            return slug

        def document(self, paragraphs, slug="news", title="A document", **fields) -> int:
            self.project(slug)
            with live_app.app_context():
                project = db.session.scalar(db.select(Project).where(Project.slug == slug))
                obj = {"title": title, "paragraphs": list(paragraphs), **fields}
                doc = parse_document_object(obj, load_codebook(project.codebook), "test")
                return import_documents(project, [doc]).documents[0]

        def text_document(self, path: Path, slug="news", **overrides) -> int:
            from annotator.imports import parse_text_file

            self.project(slug)
            with live_app.app_context():
                project = db.session.scalar(db.select(Project).where(Project.slug == slug))
                doc = parse_text_file(path.read_bytes(), path.name)
                for key, value in overrides.items():
                    setattr(doc, key, value)
                return import_documents(project, [doc]).documents[0]

    return Seed()


@pytest.fixture
def login(live_server):
    def do(page, name="alice", password=PASSWORD, next_path=None):
        url = f"{live_server.url}/login"
        if next_path:
            url += f"?next={next_path}"
        page.goto(url)
        page.fill("#username", name)
        page.fill("#password", password)
        page.click("button[type=submit]")
        page.wait_for_load_state()

    return do
