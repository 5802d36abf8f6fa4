"""What an operator relies on: private files, a warning before the demo's published passwords
are served to other machines."""

from __future__ import annotations

import stat

from annotator import create_app
from annotator.cli import exposure_warning
from tests.conftest import FAST_HASH


def test_the_instance_folder_and_sqlite_file_are_private(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)  # as a checkout makes it
    monkeypatch.setenv("ANNOTATOR_INSTANCE_PATH", str(instance))
    app = create_app({"PASSWORD_HASH_METHOD": FAST_HASH})
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init-db"]).exit_code == 0
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700
    for name in ("annotator.sqlite3", "secret_key"):
        assert stat.S_IMODE((instance / name).stat().st_mode) == 0o600, name


def test_serving_demo_passwords_beyond_loopback_warns(app, runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        assert exposure_warning("127.0.0.1") is None
        assert exposure_warning("localhost") is None
        warning = exposure_warning("0.0.0.0")
        assert warning and "admin" in warning and "0.0.0.0" in warning
        from annotator.accounts import find_user, set_password

        for name in ("admin", "alice", "bob", "carol"):
            set_password(find_user(name), "a-private-password")
        assert exposure_warning("0.0.0.0") is None


def test_the_demo_says_where_to_log_in_and_who_its_reviewers_are(runner):
    result = runner.invoke(args=["demo", "--port", "8123"])
    assert result.exit_code == 0
    assert "http://127.0.0.1:8123/login" in result.output
    assert "open project" in result.output and "dana, eli and fay" in result.output
    again = runner.invoke(args=["demo"], env={"PORT": "9000", "HOST": "10.1.2.3"})
    assert "http://10.1.2.3:9000/login" in again.output
