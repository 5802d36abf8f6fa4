"""Every command starts without what only some commands use: Alembic (Flask-Migrate) and numpy
are imported by the commands and pages that need them, and the app the command line builds for
its own commands leaves out the pages and the API; ``run``, ``shell`` and ``routes`` get them."""

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from annotator import create_app
from annotator.extensions import db
from tests.conftest import FAST_HASH

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("alembic", "flask_migrate", "numpy", "annotator.api", "annotator.views")

# ``annotator --help`` in a fresh interpreter: it builds the app to list the app's commands.
HELP_THEN_MODULES = """
import json, sys
from annotator.cli import cli
try:
    cli.main(["--help"], prog_name="annotator")
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)))
"""


def _python(code: str, *args: str, instance) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True,
        timeout=60, env={**os.environ, "ANNOTATOR_INSTANCE_PATH": str(instance)},
    )


def test_help_imports_neither_alembic_nor_numpy_nor_the_pages(tmp_path):
    result = _python(HELP_THEN_MODULES, instance=tmp_path / "instance")
    assert result.returncode == 0, result.stderr
    *usage, modules = result.stdout.splitlines()
    commands = [line.split()[0] for line in usage if line.startswith("  ") and line.strip()]
    assert {"init-db", "export", "db"} <= set(commands)  # the app was built, its commands listed
    loaded = json.loads(modules)
    assert "annotator.models" in loaded
    assert [name for name in HEAVY if name in loaded] == []


def test_routes_lists_the_pages_and_the_api(tmp_path):
    result = _python("from annotator.cli import main; main()", "routes",
                     instance=tmp_path / "instance")
    assert result.returncode == 0, result.stderr
    assert "/api/projects" in result.stdout and "/documents/<int:document_id>/annotate" in \
        result.stdout


def test_migration_commands_load_when_run(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'm.sqlite3'}",
                      "SECRET_KEY": "x", "PASSWORD_HASH_METHOD": FAST_HASH})
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db", "--help"])
    assert result.exit_code == 0, result.output
    assert "--x-arg" in result.output and "upgrade" in result.output
    assert runner.invoke(args=["init-db"]).exit_code == 0
    head = _versions(app)
    assert len(head) == 1
    for args, versions in ((["db", "stamp", "base"], []), (["db", "stamp", "head"], head)):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
        assert _versions(app) == versions
    with app.app_context():
        db.engine.dispose()


def _versions(app) -> list[str]:
    with app.app_context():
        versions = db.session.scalars(text("SELECT version_num FROM alembic_version")).all()
        db.session.remove()
    return versions
