"""Sessions, CSRF, login lock-out, headers, size limits, escaping, the secret key."""

import re

import pytest
from sqlalchemy import func, select

from annotator import create_app
from annotator.extensions import db
from annotator.models import Annotation
from tests.helpers import logout

pytestmark = pytest.mark.both_engines


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def login(client, username="alice", password="password-123"):
    """Log in through the form; the session's CSRF token is kept as client.csrf_token."""
    token = csrf_from(client.get("/login").get_data(as_text=True))
    client.csrf_token = token
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token})


@pytest.fixture
def doc(make_project, make_document, make_user):
    make_user("alice")
    make_project("news")
    return make_document("news", ["Officials said the troops left."])


SPAN = {"paragraph": 0, "start": 0, "end": 9, "label": "framing"}


def test_login_sets_a_safe_session_cookie_and_redirects(client, doc):
    r = login(client)
    assert r.status_code == 302 and r.headers["Location"] == "/"
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/").status_code == 200
    logout(client)
    assert client.get("/").status_code == 302


def test_login_without_csrf_token_is_refused(client, doc):
    r = client.post("/login", data={"username": "alice", "password": "password-123"})
    assert r.status_code == 400
    assert client.get("/").status_code == 302  # not logged in


def _login_answer(response) -> tuple[int, str]:
    """A login answer as a visitor sees it: the status and the page, without its CSRF token."""
    html = response.get_data(as_text=True)
    return response.status_code, re.sub(r'value="[^"]*"', 'value=""', html)


def test_wrong_password_then_lockout(app, client, doc):
    """A wrong password, a locked account and an unknown user name answer exactly alike: the
    login form tells nobody which names exist or which are locked."""
    wrong = _login_answer(login(client, password="wrong-password"))
    assert wrong[0] == 401 and "Wrong user name or password" in wrong[1]
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        assert _login_answer(login(client, password="wrong-password")) == wrong
    with app.app_context():
        from annotator.accounts import find_user, login_state

        assert login_state(find_user("alice"))[1].startswith("locked until")
    # Even the right password is refused while locked, with the same answer.
    assert _login_answer(login(client)) == wrong
    assert client.get("/").status_code == 302
    assert _login_answer(login(client, username="nobody")) == wrong


def test_open_redirect_after_login_is_refused(client, doc):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    r = client.post("/login?next=//evil.example/x", data={
        "username": "alice", "password": "password-123", "csrf_token": token})
    assert r.headers["Location"] == "/"


def test_session_writes_need_the_csrf_header(app, client, doc):
    login(client)
    url = f"/api/documents/{doc}/annotations"
    r = client.post(url, json=SPAN)
    assert r.status_code == 400 and "CSRF" in r.get_json()["error"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Annotation)) == 0
    token = client.csrf_token  # the session's token, from the login form
    r = client.post(url, json=SPAN, headers={"X-CSRFToken": token})
    assert r.status_code == 201, r.get_json()
    # Reads need no token.
    assert client.get(url).status_code == 200


def test_bearer_requests_need_no_csrf_and_ignore_the_session(client, auth, doc):
    h = auth("bob")
    r = client.post(f"/api/documents/{doc}/annotations", json=SPAN, headers=h)
    assert r.status_code == 201 and r.get_json()["reviewer"] == "bob"
    # A logged-in browser session does not rescue a bad token.
    login(client)
    r = client.get("/api/projects", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401


def test_security_headers_on_pages_and_api(client, auth, doc):
    for response in (client.get("/login"), client.get("/api/projects", headers=auth("bob"))):
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_oversized_request_is_413_with_a_message(app, client, auth, doc):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    r = client.post(f"/api/documents/{doc}/annotations", headers=auth("bob"),
                    data="x" * 5000, content_type="application/json")
    assert r.status_code == 413
    assert "larger than the limit" in r.get_json()["error"]


def test_article_html_is_escaped_on_pages(client, make_document, doc):
    evil = make_document("news", ["<script>alert('p')</script> and <img src=x onerror=alert(1)>"],
                         title="<script>alert('t')</script>", source="<b>RT</b>")
    login(client)
    for url in ("/projects/news", f"/documents/{evil}"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(" in html
    assert "&lt;b&gt;RT&lt;/b&gt;" in client.get("/projects/news").get_data(as_text=True)


def test_secret_key_generated_into_instance_once(tmp_path, monkeypatch, database_url):
    monkeypatch.setenv("ANNOTATOR_INSTANCE_PATH", str(tmp_path / "inst"))
    monkeypatch.delenv("ANNOTATOR_SECRET_KEY", raising=False)
    first = create_app({"DATABASE_URL": database_url})
    second = create_app({"DATABASE_URL": database_url})
    key_file = tmp_path / "inst" / "secret_key"
    assert key_file.exists() and (key_file.stat().st_mode & 0o777) == 0o600
    assert first.secret_key == second.secret_key == key_file.read_text().strip()
    assert len(first.secret_key) >= 64


def test_disabled_account_cannot_use_its_token(app, client, auth, doc):
    h = auth("bob")
    from annotator.accounts import find_user

    with app.app_context():
        find_user("bob").active = False
        db.session.commit()
    assert client.get("/api/projects", headers=h).status_code == 401
