"""The command line of INTERFACE.md: messages, exit codes, nothing half-written."""

import json

import pytest
from sqlalchemy import func, select

from annotator.extensions import db
from annotator.models import Document, Project, User

pytestmark = pytest.mark.both_engines


def _count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_create_user_prompts_and_validates(app, runner):
    r = runner.invoke(args=["create-user", "alice"], input="password-1\npassword-1\n")
    assert r.exit_code == 0 and "Created reviewer 'alice'" in r.output
    r = runner.invoke(args=["create-user", "ALICE", "--password", "password-2"])
    assert r.exit_code == 1 and "already a user 'ALICE'" in r.output
    r = runner.invoke(args=["create-user", "bob", "--password", "short"])
    assert r.exit_code == 1 and "at least 8 characters" in r.output
    r = runner.invoke(args=["create-user", "bad name", "--password", "password-1"])
    assert r.exit_code == 1 and "user name" in r.output
    r = runner.invoke(args=["create-user", "gold", "--password", "password-1"])
    assert r.exit_code == 1 and "'gold' names the adjudicated spans" in r.output
    r = runner.invoke(args=["create-user", "carol", "--role", "boss"])
    assert r.exit_code == 2
    r = runner.invoke(args=["create-user", "root", "--role", "admin", "--password", "password-1"])
    assert r.exit_code == 0 and "Created admin 'root'" in r.output
    assert _count(app, User) == 2


def test_create_token_prints_the_token_alone(app, runner, client):
    runner.invoke(args=["create-user", "alice", "--password", "password-1"])
    r = runner.invoke(args=["create-token", "alice"])
    assert r.exit_code == 0
    token = r.output.strip()
    assert r.output == token + "\n" and token.startswith("ann_")
    assert client.get("/api/projects", headers={"Authorization": f"Bearer {token}"}) \
        .status_code == 200
    r = runner.invoke(args=["create-token", "nobody"])
    assert r.exit_code == 1 and "no user 'nobody'" in r.output


def test_tokens_expire_and_are_listed_and_revoked(app, runner, client):
    runner.invoke(args=["create-user", "alice", "--password", "password-1"])
    lasting = runner.invoke(args=["create-token", "alice", "--label", "cron"]).output.strip()
    r = runner.invoke(args=["create-token", "alice", "--expires", "90d"])
    assert r.exit_code == 0
    expiring = r.output.strip()
    r = runner.invoke(args=["create-token", "alice", "--expires", "soon"])
    assert r.exit_code == 1 and "90d" in r.output
    listed = runner.invoke(args=["tokens", "alice"])
    assert listed.exit_code == 0
    lines = listed.output.strip().splitlines()
    assert len(lines) == 3 and "never" in lines[1] and "cron" in lines[1]
    assert "never" not in lines[2]

    def works(token):
        return client.get("/api/projects", headers={"Authorization": f"Bearer {token}"}
                          ).status_code == 200

    assert works(expiring) and works(lasting)
    with app.app_context():
        from annotator.accounts import utcnow
        from annotator.models import ApiToken

        db.session.execute(db.update(ApiToken).where(ApiToken.expires_at.is_not(None))
                           .values(expires_at=utcnow()))
        db.session.commit()
    assert not works(expiring) and works(lasting)
    assert "(expired)" in runner.invoke(args=["tokens", "alice"]).output
    first_id = int(lines[1].split()[0])
    r = runner.invoke(args=["revoke-token", str(first_id)])
    assert r.exit_code == 0 and "alice" in r.output
    assert not works(lasting)
    r = runner.invoke(args=["revoke-token", str(first_id)])
    assert r.exit_code == 1 and f"no API token {first_id}" in r.output


def test_create_project_with_codebook_file(app, runner, write_file):
    r = runner.invoke(args=["create-project", "iraq-2021", "--name", "Iraq", "--open",
                            "--reviewers-per-document", "2"])
    assert r.exit_code == 0, r.output
    with app.app_context():
        p = db.session.scalar(select(Project).where(Project.slug == "iraq-2021"))
        assert (p.name, p.blind, p.reviewers_per_document) == ("Iraq", False, 2)
        assert [label["key"] for label in p.codebook["labels"]] == \
            ["framing", "attribution", "expert-opinion", "disclaimer"]
    cb = write_file("cb.json", json.dumps({"labels": [
        {"key": "spin", "name": "Spin", "color": "#aa0000", "hotkey": "s",
         "attributes": [{"key": "how", "name": "How", "type": "multi",
                         "choices": ["a", "b"]}]}]}))
    r = runner.invoke(args=["create-project", "custom", "--codebook", str(cb)])
    assert r.exit_code == 0 and "labels spin" in r.output
    bad = write_file("bad.json", '{"labels": [{"key": "x", "hotkey": "12"}]}')
    r = runner.invoke(args=["create-project", "bad", "--codebook", str(bad)])
    assert r.exit_code == 1 and "hotkey must be a single character" in r.output
    broken = write_file("broken.json", '{"labels": [')
    r = runner.invoke(args=["create-project", "bad", "--codebook", str(broken)])
    assert r.exit_code == 1 and "not valid JSON" in r.output
    r = runner.invoke(args=["create-project", "custom"])
    assert r.exit_code == 1 and "already a project 'custom'" in r.output
    r = runner.invoke(args=["create-project", "Bad Slug"])
    assert r.exit_code == 1 and "not valid" in r.output
    assert _count(app, Project) == 2


@pytest.mark.parametrize("value", ["²", "99999999999", "0", "101", "١٢", "two"])
def test_create_project_refuses_a_bad_reviewers_per_document(app, runner, value):
    """"²" and 99999999999 used to end in a traceback (int(), the INTEGER column)."""
    r = runner.invoke(args=["create-project", "news", "--reviewers-per-document", value])
    assert r.exit_code == 1, r.output
    assert "Reviewers per document must be a whole number from 1 to 100" in r.output
    assert _count(app, Project) == 0


def test_create_project_refuses_a_codebook_too_deep_or_not_storable(app, runner, write_file):
    deep = write_file("deep.json", "[" * 100_000 + "]" * 100_000)
    r = runner.invoke(args=["create-project", "news", "--codebook", str(deep)])
    assert r.exit_code == 1 and "nested more than 64 levels deep" in r.output
    nul = write_file("nul.json", '{"labels": [{"key": "spin", "name": "Sp\\u0000in"}]}')
    r = runner.invoke(args=["create-project", "news", "--codebook", str(nul)])
    assert r.exit_code == 1
    assert "labels[0].name contains a NUL character" in r.output
    surrogate = write_file("s.json", '{"labels": [{"key": "spin", "description": "\\udc00"}]}')
    r = runner.invoke(args=["create-project", "news", "--codebook", str(surrogate)])
    assert r.exit_code == 1 and "labels[0].description contains a lone surrogate" in r.output
    assert _count(app, Project) == 0


def test_import_command(app, runner, write_file, sample_path):
    runner.invoke(args=["create-project", "news"])
    r = runner.invoke(args=["import", "news", str(sample_path)])
    assert r.exit_code == 0, r.output
    assert "Imported 1 document, 65 paragraphs, 0 spans." in r.output
    r = runner.invoke(args=["import", "news", str(sample_path)])
    assert r.exit_code == 1 and "already in project 'news'" in r.output
    r = runner.invoke(args=["import", "news", str(sample_path), "--skip-existing"])
    assert r.exit_code == 0 and "Skipped 1" in r.output
    titled = write_file("t.txt", "The Title\n\nBody text.")
    latin = write_file("l.txt", "caf\xe9".encode("latin-1"))
    r = runner.invoke(args=["import", "news", str(titled), str(latin)])
    assert r.exit_code == 1 and "l.txt: the file is not UTF-8" in r.output
    assert "Nothing was imported" in r.output
    assert _count(app, Document) == 1
    r = runner.invoke(args=["import", "news", str(titled), "--first-line-title"])
    assert r.exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(Document.title).order_by(Document.id.desc())) == \
            "The Title"
    r = runner.invoke(args=["import", "nope", str(titled)])
    assert r.exit_code == 1 and "no project 'nope'" in r.output
    r = runner.invoke(args=["import", "news", "/no/such/file.txt"])
    assert r.exit_code == 1 and "no such file" in r.output
    r = runner.invoke(args=["import", "news"])
    assert r.exit_code == 2


def test_demo_creates_project_article_and_accounts(app, runner):
    r = runner.invoke(args=["demo"])
    assert r.exit_code == 0, r.output
    assert "admin    password admin-demo" in r.output
    with app.app_context():
        project = db.session.scalar(select(Project).where(Project.slug == "demo"))
        doc = project.documents[0]
        assert doc.source == "RT" and "al-Kazimi" in doc.title and doc.paragraph_count == 65
        roles = dict(db.session.execute(select(User.username, User.role)).all())
        assert roles == {"admin": "admin", "alice": "reviewer", "bob": "reviewer",
                         "carol": "reviewer", "dana": "reviewer", "eli": "reviewer",
                         "fay": "reviewer"}
        # dana, eli and fay annotated the sample article (demo reviews); they cannot log in
        assert db.session.scalar(select(User).where(User.username == "fay")).password_hash \
            is None
    again = runner.invoke(args=["demo", "--if-empty"])
    assert again.exit_code == 0 and "already loaded" in again.output
    assert _count(app, Document) == 1


def test_demo_if_empty_leaves_a_used_database_alone(app, runner):
    runner.invoke(args=["create-user", "someone", "--password", "password-1"])
    r = runner.invoke(args=["demo", "--if-empty"])
    assert r.exit_code == 0 and "was not loaded" in r.output
    assert _count(app, Project) == 0


def test_demo_logs_in(app, runner, client):
    runner.invoke(args=["demo"])
    from tests.test_security import login

    assert login(client, "alice", "alice-demo").status_code == 302
    html = client.get("/projects/demo").get_data(as_text=True)
    assert "Iraq no longer needs US troops" in html
