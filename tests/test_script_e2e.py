"""What a script can do with only the command line and the bearer-token API, against a real
server process (``annotator run``) and real CLI processes, on SQLite and PostgreSQL."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import IN_CI, PG_URL, SAMPLE

ANNOTATOR = [sys.executable, "-c", "from annotator.cli import main; main()"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(params=["sqlite", "postgresql"])
def environment(request, tmp_path):
    env = {**os.environ, "ANNOTATOR_INSTANCE_PATH": str(tmp_path / "instance"),
           "ANNOTATOR_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}
    env.pop("ANNOTATOR_DATABASE_URL", None)
    admin = name = None
    if request.param == "postgresql":
        name = f"annotator_e2e_{uuid.uuid4().hex[:8]}"
        try:
            admin = create_engine(make_url(PG_URL), isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as exc:
            if IN_CI:
                pytest.fail(f"PostgreSQL is needed under CI: {exc}")
            pytest.skip(f"PostgreSQL is not reachable: {exc}")
        env["ANNOTATOR_DATABASE_URL"] = make_url(PG_URL).set(database=name).render_as_string(
            hide_password=False)
    yield env
    if admin is not None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def cli(env, *args, input=None):
    return subprocess.run([*ANNOTATOR, *args], env=env, input=input, capture_output=True,
                          text=True, timeout=120)


class Client:
    def __init__(self, base, token):
        self.base, self.token = base, token

    def __call__(self, method, path, body=None, raw=None, headers=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None
                                            else None)
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                payload = response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            payload, status = error.read(), error.code
        return status, (json.loads(payload) if payload else None)


@pytest.fixture
def server(environment):
    assert cli(environment, "init-db").returncode == 0
    port = _free_port()
    process = subprocess.Popen([*ANNOTATOR, "run", "--port", str(port)], env=environment,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/login", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    yield base
    process.terminate()
    process.wait(timeout=10)


def test_a_script_with_the_cli_and_the_api(environment, server, tmp_path):
    env = environment
    assert cli(env, "create-user", "alice", "--password", "alice-password").returncode == 0
    assert cli(env, "create-user", "bob", "--password", "bob-password").returncode == 0
    assert cli(env, "create-user", "root", "--role", "admin", "--password",
               "root-password").returncode == 0
    tokens = {}
    for name in ("alice", "bob", "root"):
        result = cli(env, "create-token", name)
        assert result.returncode == 0
        tokens[name] = result.stdout.strip()
    assert cli(env, "create-project", "news", "--name", "News").returncode == 0
    result = cli(env, "import", "news", str(SAMPLE))
    assert result.returncode == 0 and "65 paragraphs" in result.stdout
    labelled = tmp_path / "labelled.jsonl"
    labelled.write_text(json.dumps({
        "title": "Emoji", "paragraphs": ["Officials 🙂 said 𝔘nicode matters.", "Second."],
        "reviews": [{"reviewer": "carol", "status": "submitted", "annotations": [
            {"paragraph": 0, "start": 12, "end": 16, "label": "attribution", "text": "said"}]}],
    }, ensure_ascii=False) + "\n", encoding="utf-8")
    assert cli(env, "import", "news", str(labelled)).returncode == 0

    alice, bob, root = (Client(server, tokens[n]) for n in ("alice", "bob", "root"))
    status, projects = alice("GET", "/api/projects")
    assert status == 200 and projects[0]["documents"] == 2
    status, docs = alice("GET", "/api/projects/news/documents")
    emoji_doc = next(d["id"] for d in docs if d["title"] == "Emoji")
    sample_doc = next(d["id"] for d in docs if d["title"] != "Emoji")

    # spans after emoji and astral characters: text is the code-point slice
    status, document = alice("GET", f"/api/documents/{emoji_doc}")
    paragraph = document["paragraphs"][0]["text"]
    start = paragraph.index("𝔘nicode")
    body = {"paragraph": 0, "start": start, "end": start + 7, "label": "framing",
            "client_id": "script-1"}
    status, span = alice("POST", f"/api/documents/{emoji_doc}/annotations", body)
    assert status == 201 and span["text"] == "𝔘nicode" == paragraph[start:start + 7]
    # a retry with the same client_id: the same span, no duplicate
    status, again = alice("POST", f"/api/documents/{emoji_doc}/annotations", body)
    assert status == 200 and again["id"] == span["id"]
    status, listed = alice("GET", f"/api/documents/{emoji_doc}/annotations")
    assert [s["id"] for s in listed] == [span["id"]]

    # change and delete one's own span, not another's
    status, changed = alice("PATCH", f"/api/annotations/{span['id']}",
                            {"note": "checked", "attributes": {"valence": "neutral"}})
    assert status == 200 and changed["note"] == "checked"
    status, error = bob("PATCH", f"/api/annotations/{span['id']}", {"note": "mine"})
    assert status == 404 and "error" in error
    status, _ = bob("DELETE", f"/api/annotations/{span['id']}")
    assert status == 404
    # blind project: bob cannot read alice's spans
    status, error = bob("GET", f"/api/documents/{emoji_doc}/annotations?reviewer=alice")
    assert status == 403 and "blind" in error["error"]
    status, mine = bob("POST", f"/api/documents/{emoji_doc}/annotations",
                       {"paragraph": 1, "start": 0, "end": 6, "label": "framing"})
    assert status == 201
    status, _ = alice("DELETE", f"/api/annotations/{mine['id']}")
    assert status == 404

    # malformed and invalid requests are refused with a JSON error and change nothing
    bad = [
        ({"paragraph": 0, "start": 5, "end": 999, "label": "framing"}, 422),
        ({"paragraph": 0, "start": 0, "end": 4, "label": "nope"}, 422),
        ({"paragraph": 9, "start": 0, "end": 4, "label": "framing"}, 422),
        ({"paragraph": 0, "start": 0, "end": 4, "label": "framing",
          "attributes": {"valence": "angry"}}, 422),
        ([1, 2, 3], 400),
    ]
    for payload, expected in bad:
        status, error = alice("POST", f"/api/documents/{emoji_doc}/annotations", payload)
        assert status == expected and isinstance(error["error"], str)
    status, error = alice("POST", f"/api/documents/{emoji_doc}/annotations", raw=b"{nope")
    assert status == 400 and "JSON" in error["error"]
    status, listed = alice("GET", f"/api/documents/{emoji_doc}/annotations")
    assert len(listed) == 1

    # mark paragraphs reviewed and submit
    status, state = alice("PUT", f"/api/documents/{sample_doc}/paragraphs/0/review")
    assert status == 200 and state == {"status": "in_progress", "reviewed_paragraphs": [0]}
    status, refusal = alice("POST", f"/api/documents/{emoji_doc}/submit")
    assert status == 422 and refusal["field"] == "primary_frame"  # a required question
    status, answers = alice("PUT", f"/api/documents/{emoji_doc}/answers",
                            {"primary_frame": "security_defense", "tone": "negative"})
    assert status == 200 and answers == {"primary_frame": "security_defense",
                                         "tone": "negative"}
    status, state = alice("POST", f"/api/documents/{emoji_doc}/submit")
    assert status == 200 and state["status"] == "submitted"
    assert state["reviewed_paragraphs"] == [0, 1]

    # a broken or Latin-1 import is refused and leaves no document behind
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Caf\xe9 au lait.".encode("latin-1"))
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"title": "ok", "paragraphs": ["fine"]}\n{"title": \n', encoding="utf-8")
    for path, message in ((latin, "not UTF-8"), (broken, "line 2")):
        result = cli(env, "import", "news", str(path))
        assert result.returncode == 1 and message in result.stderr
    status, docs = root("GET", "/api/projects/news/documents")
    assert len(docs) == 2

    # the agreement report and an export through the API
    status, report = root("GET", "/api/projects/news/agreement")
    assert status == 200 and report["documents"] == 2
