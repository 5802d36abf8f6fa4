"""Sessions end on the server (logout, password change or reset, disabling, "log out
everywhere"), and the login limits hold under parallel guesses and across addresses."""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import func, select

from annotator import accounts, create_app
from annotator.extensions import db
from annotator.models import Annotation, User, UserSession
from tests.conftest import FAST_HASH
from tests.helpers import csrf_from, logout

pytestmark = pytest.mark.both_engines

SPAN = {"paragraph": 0, "start": 0, "end": 9, "label": "framing"}


def login(client, username="alice", password="password-123", **environ):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    client.csrf_token = token
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token}, environ_base=environ)


def write_span(client) -> int:
    """A span written with the client's session and the CSRF token of its pages."""
    page = client.get("/account/")
    if page.status_code != 200:
        return page.status_code
    token = csrf_from(page.get_data(as_text=True))
    return client.post(f"/api/documents/{client.doc}/annotations", json=SPAN,
                       headers={"X-CSRFToken": token}).status_code


@pytest.fixture
def doc(make_project, make_document, make_user):
    make_user("alice")
    make_user("carol", role="admin")
    make_project("news")
    return make_document("news", ["Officials said the troops left."])


def browser(app, doc, name="alice"):
    client = app.test_client()
    client.doc = doc
    assert login(client, name).status_code == 302
    return client


def replay(app, client):
    """Another client holding a copy of the client's session cookie (a stolen or saved one)."""
    thief = app.test_client()
    thief.doc = client.doc
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def spans(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Annotation))


def test_a_replayed_cookie_dies_with_the_logout(app, doc):
    alice = browser(app, doc)
    thief = replay(app, alice)
    assert thief.get("/").status_code == 200
    assert logout(alice).status_code == 302
    assert alice.get("/").status_code == 302
    assert thief.get("/").status_code == 302  # redirected to the login
    assert thief.get(f"/api/documents/{doc}").status_code == 401
    assert write_span(thief) == 302
    assert spans(app) == 0


def test_logout_is_a_post_with_the_csrf_token(app, doc):
    alice = browser(app, doc)
    page = alice.get("/logout")
    assert page.status_code == 200 and b"Log out?" in page.data
    assert alice.get("/").status_code == 200  # the GET changed nothing
    assert alice.post("/logout").status_code == 400  # no CSRF token
    assert alice.get("/").status_code == 200
    assert logout(alice).status_code == 302
    assert alice.get("/").status_code == 302


def test_a_password_reset_by_an_admin_ends_every_session(app, doc):
    alice = browser(app, doc)
    other = browser(app, doc)
    with app.app_context():
        accounts.set_password(accounts.find_user("alice"), "a-new-password")
    for client in (alice, other):
        assert client.get("/").status_code == 302
        assert write_span(client) == 302
    assert login(app.test_client(), password="a-new-password").status_code == 302


def test_changing_ones_password_ends_the_other_sessions_but_this_one(app, doc):
    alice = browser(app, doc)
    laptop = browser(app, doc)
    stolen = replay(app, laptop)
    token = csrf_from(alice.get("/account/").get_data(as_text=True))
    wrong = alice.post("/account/password", data={
        "current": "not-it-at-all", "password": "a-new-password",
        "confirm": "a-new-password", "csrf_token": token})
    assert wrong.status_code == 422 and b"current password is wrong" in wrong.data
    assert laptop.get("/").status_code == 200  # nothing changed
    r = alice.post("/account/password", data={
        "current": "password-123", "password": "a-new-password",
        "confirm": "a-new-password", "csrf_token": token})
    assert r.status_code == 302
    assert alice.get("/").status_code == 200
    assert write_span(alice) == 201
    assert laptop.get("/").status_code == 302 and stolen.get("/").status_code == 302


def test_disabling_a_user_ends_their_sessions(app, doc):
    alice = browser(app, doc)
    stolen = replay(app, alice)
    with app.app_context():
        accounts.set_active(accounts.find_user("alice"), False)
        accounts.set_active(accounts.find_user("alice"), True)  # enabled again: still out
    assert alice.get("/").status_code == 302 and stolen.get("/").status_code == 302


def test_log_out_everywhere(app, doc):
    alice = browser(app, doc)
    phone = browser(app, doc)
    carol = browser(app, doc, "carol")
    page = alice.get("/account/").get_data(as_text=True)
    assert page.count("<tr") >= 3  # the header and two sessions
    r = alice.post("/account/logout-everywhere", data={"csrf_token": csrf_from(page)})
    assert r.status_code == 302 and r.headers["Location"].startswith("/login")
    assert alice.get("/").status_code == 302 and phone.get("/").status_code == 302
    assert carol.get("/").status_code == 200  # someone else's sessions are theirs
    with app.app_context():
        alice_id = accounts.find_user("alice").id
        assert db.session.scalar(select(func.count()).select_from(UserSession)
                                 .where(UserSession.user_id == alice_id)) == 0


def test_ending_one_other_session(app, doc):
    alice = browser(app, doc)
    phone = browser(app, doc)
    with app.app_context():
        sessions = accounts.list_sessions(accounts.find_user("alice"))
        phone_session = next(s for s in sessions if accounts.session_is(
            s, phone_key(app, phone)))
    token = csrf_from(alice.get("/account/").get_data(as_text=True))
    alice.post(f"/account/sessions/{phone_session.id}/end", data={"csrf_token": token})
    assert phone.get("/").status_code == 302
    assert alice.get("/").status_code == 200


def phone_key(app, client) -> str:
    with client.session_transaction() as session:
        return session["_user_id"]


# --- the login limits --------------------------------------------------------------------------

def test_parallel_wrong_passwords_never_outrun_the_limit(app, doc, monkeypatch):
    """40 wrong passwords at once: the account's real hash is checked at most
    LOGIN_MAX_FAILURES times (the count is taken before the check, in one UPDATE)."""
    with app.app_context():
        real = accounts.find_user("alice").password_hash
    checked = []
    lock = threading.Lock()
    original = accounts.check_password_hash

    def counting(stored, password):
        if stored == real:
            with lock:
                checked.append(password)
        return original(stored, password)

    monkeypatch.setattr(accounts, "check_password_hash", counting)
    app.config["LOGIN_ADDRESS_MAX_FAILURES"] = 1000
    clients = [app.test_client() for _ in range(40)]
    tokens = [csrf_from(c.get("/login").get_data(as_text=True)) for c in clients]
    statuses = []
    start = threading.Barrier(len(clients))

    def guess(client, token):
        start.wait()
        r = client.post("/login", data={"username": "alice", "password": "wrong-password",
                                        "csrf_token": token})
        with lock:
            statuses.append(r.status_code)

    threads = [threading.Thread(target=guess, args=pair) for pair in zip(clients, tokens,
                                                                          strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [401] * 40
    assert len(checked) <= app.config["LOGIN_MAX_FAILURES"]
    with app.app_context():
        assert accounts.login_state(accounts.find_user("alice"))[1].startswith("locked")


def test_unknown_names_and_locked_accounts_verify_a_hash_too(app, doc, monkeypatch):
    calls = []
    original = accounts.check_password_hash
    monkeypatch.setattr(accounts, "check_password_hash",
                        lambda stored, pw: calls.append(stored) or original(stored, pw))
    client = app.test_client()
    login(client, username="nobody")
    assert len(calls) == 1
    with app.app_context():
        db.session.execute(db.update(User).where(User.username == "alice").values(
            locked_until=accounts.utcnow() + accounts.dt.timedelta(minutes=5)))
        db.session.commit()
    login(client)
    assert len(calls) == 2


def test_one_address_cannot_try_many_names(app, doc):
    app.config["LOGIN_ADDRESS_MAX_FAILURES"] = 3
    client = app.test_client()
    for name in ("alice", "bob", "carol"):
        r = login(client, username=name, password="wrong-password", REMOTE_ADDR="10.0.0.7")
        assert r.status_code == 401
    r = login(client, username="dave", password="wrong-password", REMOTE_ADDR="10.0.0.7")
    assert r.status_code == 429 and b"network address" in r.data
    # even the right password waits: the address is over its limit
    assert login(client, REMOTE_ADDR="10.0.0.7").status_code == 429
    # another address is not affected, and a forged X-Forwarded-For is not believed
    assert login(app.test_client(), REMOTE_ADDR="10.0.0.8").status_code == 302
    forged = app.test_client()
    token = csrf_from(forged.get("/login").get_data(as_text=True))
    r = forged.post("/login", data={"username": "x", "password": "wrong-password",
                                    "csrf_token": token},
                    headers={"X-Forwarded-For": "192.0.2.1"},
                    environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert r.status_code == 429


def test_behind_a_trusted_proxy_the_forwarded_address_counts(database_url, doc, app):
    proxied = create_app({"TESTING": True, "DATABASE_URL": database_url,
                          "SECRET_KEY": "test-secret-key", "PASSWORD_HASH_METHOD": FAST_HASH,
                          "TRUSTED_PROXIES": 1, "LOGIN_ADDRESS_MAX_FAILURES": 2})
    client = proxied.test_client()

    def attempt(forwarded):
        token = csrf_from(client.get("/login").get_data(as_text=True))
        return client.post("/login", data={"username": "bob", "password": "wrong-password",
                                           "csrf_token": token},
                           headers={"X-Forwarded-For": forwarded},
                           environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code

    assert [attempt("203.0.113.5") for _ in range(3)] == [401, 401, 429]
    assert attempt("203.0.113.6") == 401  # the proxy's clients are told apart
    with proxied.app_context():
        db.engine.dispose()


def test_own_tokens_on_the_account_page(app, doc):
    alice = browser(app, doc)
    token = csrf_from(alice.get("/account/").get_data(as_text=True))
    r = alice.post("/account/tokens", data={"name": "notebook", "expires": "30d",
                                            "csrf_token": token})
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    html = r.get_data(as_text=True)
    new = re.search(r'value="(ann_[^"]+)"[^>]*data-new-token', html).group(1)
    assert app.test_client().get("/api/projects", headers={
        "Authorization": f"Bearer {new}"}).status_code == 200
    with app.app_context():
        [row] = accounts.list_tokens(accounts.find_user("alice"))
        assert row.name == "notebook" and row.expires_at is not None
    bad = alice.post("/account/tokens", data={"name": "x\ny", "expires": "30d",
                                              "csrf_token": token})
    assert bad.status_code == 422 and b"control character" in bad.data
    alice.post(f"/account/tokens/{row.id}/revoke", data={"csrf_token": token})
    assert app.test_client().get("/api/projects", headers={
        "Authorization": f"Bearer {new}"}).status_code == 401
