"""The admin pages: users and tokens, projects and codebooks, uploads.

Every test logs in through the real /login form with the CSRF token read from the page (CSRF
is on), and checks both the page and what the database holds afterwards.
"""

from __future__ import annotations

import html
import io
import json
import re

import pytest
from sqlalchemy import func, select

from annotator.codebook import default_codebook, validate_codebook
from annotator.errors import Invalid
from annotator.extensions import db
from annotator.models import Annotation, ApiToken, Document, GoldSpan, Project, User

pytestmark = pytest.mark.both_engines

PASSWORD = "password-123"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TOKEN_RE = re.compile(r"ann_[A-Za-z0-9_-]{20,}")


# --- helpers ---------------------------------------------------------------------------------

def csrf_token(client, url: str = "/login") -> str:
    page = client.get(url)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url} ({page.status_code})"
    return match.group(1)


def login(client, name: str, password: str = PASSWORD):
    """Log in through the form; the session's CSRF token is kept on the client for post()."""
    client.csrf = csrf_token(client, "/login")
    return client.post("/login", data={
        "csrf_token": client.csrf, "username": name, "password": password})


def text(response) -> str:
    """The page with entities decoded, to look for messages as written."""
    return html.unescape(response.get_data(as_text=True))


def post(client, url: str, data: dict | None = None, files: dict | None = None, **kwargs):
    """POST a form with the CSRF token of the logged-in session."""
    form = {"csrf_token": client.csrf, **(data or {})}
    if files:
        form.update(files)
        return client.post(url, data=form, content_type="multipart/form-data", **kwargs)
    return client.post(url, data=form, **kwargs)


def upload(name: str, content: str | bytes):
    if isinstance(content, str):
        content = content.encode("utf-8")
    return (io.BytesIO(content), name)


def jsonl(*objects) -> str:
    return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects)


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def get_user(app, name: str) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == name))
        db.session.expunge(user)
        return user


def get_project(app, slug: str) -> Project | None:
    with app.app_context():
        project = db.session.scalar(select(Project).where(Project.slug == slug))
        if project is not None:
            db.session.expunge(project)
        return project


def codebook_message(codebook) -> str:
    try:
        validate_codebook(codebook)
    except Invalid as exc:
        return exc.message
    raise AssertionError("the codebook is valid")


@pytest.fixture
def admin(client, make_user):
    """The client, logged in as the admin 'root'."""
    make_user("root", role="admin")
    assert login(client, "root").status_code == 302
    return client


@pytest.fixture
def user_id(app):
    return lambda name: get_user(app, name).id


# --- access ----------------------------------------------------------------------------------

GET_PAGES = ["/admin/", "/admin/users", "/admin/users/1", "/admin/projects/new",
             "/admin/projects/news/settings", "/admin/projects/news/import"]
POST_ACTIONS = ["/admin/users", "/admin/users/1/password", "/admin/users/1/disable",
                "/admin/users/1/enable", "/admin/users/1/tokens",
                "/admin/users/1/tokens/1/revoke", "/admin/projects/new",
                "/admin/projects/news/settings", "/admin/projects/news/import"]


def test_anonymous_is_sent_to_login(app, client, make_user, make_project):
    make_user("root", role="admin")
    make_project("news")
    for url in GET_PAGES:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login?next=/admin/"), url
    token = csrf_token(client, "/login")
    for url in POST_ACTIONS:
        response = client.post(url, data={"csrf_token": token, "slug": "other",
                                          "username": "eve", "password": PASSWORD,
                                          "confirm": PASSWORD})
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login"), url
    assert count(app, User) == 1 and count(app, Project) == 1
    assert count(app, ApiToken) == 0


def test_reviewer_gets_403_everywhere(app, client, make_user, make_project):
    make_user("root", role="admin")
    make_user("alice")
    make_project("news")
    login(client, "alice")
    for url in GET_PAGES:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Only admins" in text(response)
    for url in POST_ACTIONS:
        response = post(client, url, {"slug": "other", "username": "eve",
                                      "password": PASSWORD, "confirm": PASSWORD})
        assert response.status_code == 403, url
    assert count(app, User) == 2 and count(app, Project) == 1
    assert count(app, ApiToken) == 0
    assert get_user(app, "root").active
    assert b">Admin</a>" not in client.get("/").data


def test_admin_link_in_the_top_bar(admin):
    page = admin.get("/").get_data(as_text=True)
    assert 'href="/admin/"' in page and ">Admin</a>" in page


@pytest.mark.parametrize("url, data", [
    ("/admin/users", {"username": "eve", "role": "reviewer", "password": PASSWORD,
                      "confirm": PASSWORD}),
    ("/admin/projects/new", {"slug": "other", "mode": "blind", "codebook_source": "default"}),
    ("/admin/users/1/disable", {}),
    ("/admin/users/1/tokens", {"name": "x"}),
])
def test_post_without_csrf_token_is_refused(app, admin, make_user, url, data):
    make_user("alice")  # user 2; root is 1
    url = url.replace("/1/", "/2/")
    response = admin.post(url, data=data)
    assert response.status_code == 400
    assert "CSRF token is missing" in text(response)
    response = admin.post(url, data={**data, "csrf_token": "forged"})
    assert response.status_code == 400
    assert count(app, User) == 2 and count(app, Project) == 0
    assert count(app, ApiToken) == 0
    assert get_user(app, "alice").active


def test_upload_without_csrf_token_is_refused(app, admin, make_project):
    make_project("news")
    response = admin.post("/admin/projects/news/import", data={
        "files": [upload("a.txt", "Hello.")]}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert count(app, Document) == 0


# --- users -----------------------------------------------------------------------------------

def test_users_page_lists_accounts(app, admin, make_user, make_token, make_project,
                                   make_document, user_id):
    make_user("alice")
    make_user("bob")
    make_token("alice")
    make_token("alice")
    make_project("news")
    make_document("news", reviews=[{"reviewer": "zed", "status": "in_progress"}])
    post(admin, f"/admin/users/{user_id('bob')}/disable")
    page = admin.get("/admin/users")
    assert page.status_code == 200
    body = text(page)
    for name in ("root", "alice", "bob", "zed"):
        assert f">{name}</a>" in body
    rows = {m.group(1): m.group(0) for m in
            re.finditer(r"<tr>\s*<td><a [^>]*>(\w+)</a>.*?</tr>", body, re.S)}
    assert "no password set" in rows["zed"]
    assert "disabled" in rows["bob"]
    assert re.search(r'class="num">2</td>', rows["alice"])
    assert re.search(r'class="num">0</td>', rows["root"])
    assert ">yes<" in rows["alice"]
    assert "admin" in rows["root"] and "reviewer" in rows["alice"]
    assert "4 accounts" in body


def test_create_user_who_then_logs_in(app, admin, client):
    response = post(admin, "/admin/users", {"username": "dora", "role": "reviewer",
                                            "password": "a-long-secret", "confirm":
                                            "a-long-secret"})
    assert response.status_code == 302
    assert "Created reviewer 'dora'." in text(admin.get(response.headers["Location"]))
    assert get_user(app, "dora").role == "reviewer"
    other = app.test_client()
    assert login(other, "dora", "a-long-secret").status_code == 302


def test_create_admin(app, admin):
    post(admin, "/admin/users", {"username": "boss", "role": "admin",
                                 "password": PASSWORD, "confirm": PASSWORD})
    assert get_user(app, "boss").is_admin


@pytest.mark.parametrize("data, message", [
    ({"username": "", "password": PASSWORD, "confirm": PASSWORD}, "Enter a user name."),
    ({"username": "dora", "password": PASSWORD, "confirm": "something-else"},
     "The two passwords differ."),
    ({"username": "dora", "password": "short", "confirm": "short"},
     "The password must have at least 8 characters."),
    ({"username": "dora", "password": "", "confirm": ""}, "Enter a password."),
    ({"username": "bad name!", "password": PASSWORD, "confirm": PASSWORD},
     "A user name has 1 to 64 letters"),
    ({"username": "ROOT", "password": PASSWORD, "confirm": PASSWORD},
     "There is already a user 'ROOT'."),
    ({"username": "dora", "role": "owner", "password": PASSWORD, "confirm": PASSWORD},
     "Not a valid choice"),
])
def test_create_user_errors(app, admin, data, message):
    response = post(admin, "/admin/users", {"role": "reviewer", **data})
    assert response.status_code == 422
    body = text(response)
    assert message in body
    assert 'class="field-error"' in body
    assert count(app, User) == 1


def test_set_password_for_account_created_by_import(app, admin, client, make_project,
                                                    make_document, user_id):
    make_project("news")
    make_document("news", reviews=[{"reviewer": "zed", "status": "in_progress"}])
    url = f"/admin/users/{user_id('zed')}"
    page = text(admin.get(url))
    assert "This account has no password" in page
    assert "no password set" in page

    response = post(admin, url + "/password", {"password": PASSWORD, "confirm": "different"})
    assert response.status_code == 422
    assert "The two passwords differ." in text(response)
    response = post(admin, url + "/password", {"password": "short", "confirm": "short"})
    assert "at least 8 characters" in text(response)
    assert get_user(app, "zed").password_hash is None

    response = post(admin, url + "/password", {"password": "zed-password", "confirm":
                                               "zed-password"})
    assert response.status_code == 302
    assert "Set a new password for 'zed'." in text(admin.get(url))
    other = app.test_client()
    assert login(other, "zed", "zed-password").status_code == 302


def test_disable_and_enable_an_account(app, admin, make_user, make_token, user_id):
    make_user("alice")
    token = make_token("alice")
    url = f"/admin/users/{user_id('alice')}"
    assert "Disable the account" in text(admin.get(url))

    response = post(admin, url + "/disable")
    assert response.status_code == 302
    page = text(admin.get(url))
    assert "Disabled the account 'alice'." in page and "Enable the account" in page
    assert not get_user(app, "alice").active
    other = app.test_client()
    refused = login(other, "alice")
    assert refused.status_code == 401 and "This account is disabled." in text(refused)
    api = other.get("/api/projects", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401

    post(admin, url + "/enable")
    assert get_user(app, "alice").active
    assert login(app.test_client(), "alice").status_code == 302
    api = other.get("/api/projects", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200


def test_admin_cannot_disable_themselves(app, admin, user_id):
    url = f"/admin/users/{user_id('root')}"
    page = text(admin.get(url))
    assert "Disable the account" not in page
    assert "you cannot disable it" in page
    response = post(admin, url + "/disable", follow_redirects=True)
    assert "You cannot disable your own account." in text(response)
    assert get_user(app, "root").active
    assert admin.get("/admin/").status_code == 200


def test_unknown_user_is_404(admin):
    assert admin.get("/admin/users/999").status_code == 404
    assert post(admin, "/admin/users/999/disable").status_code == 404


def test_token_is_shown_once_and_works(app, admin, client, make_user, make_project, user_id):
    make_user("alice")
    make_project("news")
    url = f"/admin/users/{user_id('alice')}"
    assert "No API tokens." in text(admin.get(url))

    response = post(admin, url + "/tokens", {"name": "export script"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = text(response)
    assert "it will not be shown again" in body
    tokens = set(TOKEN_RE.findall(body))
    assert len(tokens) == 1
    token = tokens.pop()

    api = app.test_client().get("/api/projects", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200
    assert [p["slug"] for p in api.get_json()] == ["news"]

    again = text(admin.get(url))
    assert token not in again and "will not be shown again" not in again
    assert "export script" in again
    assert re.search(r">alice</a>.*?class=\"num\">1</td>", text(admin.get("/admin/users")), re.S)

    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    response = post(admin, f"{url}/tokens/{token_id}/revoke", follow_redirects=True)
    assert "Revoked the API token “export script” of 'alice'" in text(response)
    assert count(app, ApiToken) == 0
    api = app.test_client().get("/api/projects", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401


def test_token_note_too_long(app, admin, user_id):
    response = post(admin, f"/admin/users/{user_id('root')}/tokens", {"name": "x" * 101})
    assert response.status_code == 422
    assert "At most 100 characters." in text(response)
    assert not TOKEN_RE.search(text(response))
    assert count(app, ApiToken) == 0


def test_revoking_another_users_token_is_404(app, admin, make_user, make_token, user_id):
    make_user("alice")
    make_user("bob")
    make_token("bob")
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    response = post(admin, f"/admin/users/{user_id('alice')}/tokens/{token_id}/revoke")
    assert response.status_code == 404
    assert count(app, ApiToken) == 1


# --- projects --------------------------------------------------------------------------------

ONE_LABEL = {"labels": [{"key": "spin", "name": "Spin", "color": "#aa3300", "hotkey": "s",
                         "attributes": [{"key": "tone", "name": "Tone", "type": "choice",
                                         "choices": ["hostile", "friendly"]}]}]}


def test_projects_page_lists_projects(app, admin, make_project, make_document):
    make_project("news", name="News coverage", blind=False, reviewers_per_document=2)
    make_project("empty")
    make_document("news")
    body = text(admin.get("/admin/"))
    assert "News coverage" in body and "empty" in body
    assert 'href="/admin/projects/news/import"' in body
    assert 'href="/admin/projects/news/settings"' in body
    assert 'href="/admin/projects/new"' in body


def test_new_project_form_is_prefilled_with_the_default_codebook(admin):
    page = admin.get("/admin/projects/new")
    assert page.status_code == 200
    body = text(page)
    textarea = re.search(r"<textarea[^>]*>(.*?)</textarea>", body, re.S).group(1)
    assert json.loads(textarea) == default_codebook()
    assert 'enctype="multipart/form-data"' in body
    assert 'type="file"' in body


def test_create_project_with_the_default_codebook(app, admin):
    response = post(admin, "/admin/projects/new", {
        "slug": "iraq-2021", "name": "Iraq 2021", "mode": "open",
        "reviewers_per_document": "2", "codebook_source": "default",
        "codebook_json": "ignored when the default is chosen"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/projects/iraq-2021/import"
    assert "Created project 'iraq-2021'" in text(admin.get(response.headers["Location"]))
    project = get_project(app, "iraq-2021")
    assert project.name == "Iraq 2021" and not project.blind
    assert project.reviewers_per_document == 2
    assert project.codebook == validate_codebook(default_codebook())


def test_create_project_with_an_uploaded_codebook(app, admin):
    response = post(admin, "/admin/projects/new",
                    {"slug": "spin", "mode": "blind", "codebook_source": "upload"},
                    files={"codebook_file": upload("spin.json", json.dumps(ONE_LABEL))})
    assert response.status_code == 302
    project = get_project(app, "spin")
    assert project.blind and project.reviewers_per_document is None
    assert [label["key"] for label in project.codebook["labels"]] == ["spin"]
    assert project.name == "spin"


def test_create_project_with_an_edited_codebook(app, admin):
    response = post(admin, "/admin/projects/new", {
        "slug": "spin", "mode": "blind", "codebook_source": "edit",
        "codebook_json": json.dumps(ONE_LABEL, indent=2)})
    assert response.status_code == 302
    assert get_project(app, "spin").codebook == validate_codebook(ONE_LABEL)


def test_codebook_json_syntax_error(app, admin):
    response = post(admin, "/admin/projects/new", {
        "slug": "spin", "mode": "blind", "codebook_source": "edit",
        "codebook_json": '{"labels": [\n  {"key": "spin",}\n]}'})
    assert response.status_code == 422
    body = text(response)
    assert "The project was not created" in body
    assert "Codebook: not valid JSON (Expecting property name enclosed in double quotes " \
           "at line 2, column 18)." in body
    assert '{"key": "spin",}' in body  # the text is kept for correcting
    assert count(app, Project) == 0


def test_uploaded_codebook_syntax_error_names_the_file(app, admin):
    response = post(admin, "/admin/projects/new",
                    {"slug": "spin", "mode": "blind", "codebook_source": "upload"},
                    files={"codebook_file": upload("mine.json", "{not json")})
    assert response.status_code == 422
    assert "mine.json: not valid JSON" in text(response)
    assert count(app, Project) == 0


BAD_CODEBOOKS = [
    {"labels": []},
    {"labels": [{"key": "Bad Key"}]},
    {"labels": [{"key": "a"}, {"key": "a"}]},
    {"labels": [{"key": "a", "color": "red"}]},
    {"labels": [{"key": "a", "hotkey": "1"}, {"key": "b", "hotkey": "1"}]},
    {"labels": [{"key": "a", "attributes": [{"key": "x", "type": "colour"}]}]},
    {"labels": [{"key": "a", "attributes": [{"key": "x", "type": "choice"}]}]},
    {"tags": []},
]


@pytest.mark.parametrize("codebook", BAD_CODEBOOKS)
def test_codebook_schema_errors_show_the_sentence(app, admin, codebook):
    message = codebook_message(codebook)
    response = post(admin, "/admin/projects/new", {
        "slug": "spin", "mode": "blind", "codebook_source": "edit",
        "codebook_json": json.dumps(codebook)})
    assert response.status_code == 422
    assert message in text(response)
    response = post(admin, "/admin/projects/new",
                    {"slug": "spin", "mode": "blind", "codebook_source": "upload"},
                    files={"codebook_file": upload("cb.json", json.dumps(codebook))})
    assert response.status_code == 422
    assert message in text(response)
    assert count(app, Project) == 0


@pytest.mark.parametrize("data, files, message", [
    ({"codebook_source": "upload"}, None, "Choose a codebook file to upload."),
    ({"codebook_source": "upload"}, {"codebook_file": ("cb.txt", "{}")},
     "cb.txt: a codebook file must be a .json file."),
    ({"codebook_source": "upload"}, {"codebook_file": ("cb.json", b"{\"a\": \"\xe9\"}")},
     "cb.json: the file is not UTF-8 text."),
    ({"codebook_source": "edit", "codebook_json": "  "}, None,
     "Enter the codebook JSON, or choose the default codebook."),
    ({"codebook_source": "default", "slug": "Bad Slug"}, None, "The slug 'Bad Slug' is not valid"),
    ({"codebook_source": "default", "slug": ""}, None, "Enter a slug."),
    ({"codebook_source": "default", "reviewers_per_document": "0"}, None,
     "Reviewers per document must be a whole number from 1 to 100, or empty"),
    ({"codebook_source": "default", "reviewers_per_document": "two"}, None,
     "Reviewers per document must be a whole number from 1 to 100, or empty"),
    ({"codebook_source": "default", "reviewers_per_document": "²"}, None,
     "Reviewers per document must be a whole number from 1 to 100, or empty"),
    ({"codebook_source": "default", "reviewers_per_document": "99999999999"}, None,
     "Reviewers per document must be a whole number from 1 to 100, or empty"),
    ({"codebook_source": "default", "name": "x" * 201}, None, "At most 200 characters."),
    ({"codebook_source": "edit", "codebook_json": "[" * 100_000 + "]" * 100_000}, None,
     "Codebook: the JSON is nested more than 64 levels deep."),
    ({"codebook_source": "edit", "codebook_json": '{"labels": [{"key": "a", "name": "\\ud800"}]}'},
     None, "Codebook: labels[0].name contains a lone surrogate (\\ud800)"),
])
def test_new_project_form_errors(app, admin, data, files, message):
    files = {key: upload(*value) for key, value in (files or {}).items()}
    response = post(admin, "/admin/projects/new", {"slug": "spin", "mode": "blind", **data},
                    files=files)
    assert response.status_code == 422
    assert message in text(response)
    assert count(app, Project) == 0


def test_duplicate_slug(app, admin, make_project):
    make_project("news")
    response = post(admin, "/admin/projects/new", {"slug": "news", "mode": "blind",
                                                   "codebook_source": "default"})
    assert response.status_code == 422
    assert "There is already a project 'news'." in text(response)
    assert count(app, Project) == 1


# --- project settings ------------------------------------------------------------------------

def _settings(project: Project, codebook=None, **changes):
    return {"name": project.name, "mode": "blind" if project.blind else "open",
            "codebook_json": json.dumps(codebook if codebook is not None else project.codebook),
            **changes}


@pytest.fixture
def annotated(make_project, make_document):
    """Project 'news' with 2 framing spans, 1 attribution span (source_type official) and
    1 framing gold span."""
    make_project("news")
    make_document("news", paragraphs=["The minister said the plan is a disaster."], reviews=[
        {"reviewer": "alice", "status": "submitted", "annotations": [
            {"paragraph": 0, "start": 0, "end": 12, "label": "framing",
             "attributes": {"valence": "negative"}},
            {"paragraph": 0, "start": 13, "end": 17, "label": "attribution",
             "attributes": {"source_type": "official"}}]},
        {"reviewer": "bob", "status": "submitted", "annotations": [
            {"paragraph": 0, "start": 30, "end": 40, "label": "framing"}]}],
        gold=[{"paragraph": 0, "start": 30, "end": 40, "label": "framing"}])
    return "news"


def test_settings_page_shows_the_project(app, admin, annotated):
    page = admin.get("/admin/projects/news/settings")
    assert page.status_code == 200
    body = text(page)
    textarea = re.search(r"<textarea[^>]*>(.*?)</textarea>", body, re.S).group(1)
    assert json.loads(textarea) == get_project(app, "news").codebook
    framing = re.search(r"<code>framing</code>.*?</tr>", body, re.S).group(0)
    assert re.findall(r'class="num">(\d+)</td>', framing) == ["2", "1"]
    assert 'value="blind" checked' in body or 'checked type="radio" value="blind"' in body \
        or re.search(r'<input[^>]*checked[^>]*value="blind"', body)


def test_settings_change_name_mode_and_add_to_the_codebook(app, admin, annotated):
    project = get_project(app, "news")
    codebook = project.codebook
    codebook["labels"].append({"key": "loaded-language", "name": "Loaded language",
                               "color": "#123456", "attributes": []})
    attribution = next(label for label in codebook["labels"] if label["key"] == "attribution")
    attribution["attributes"][1]["choices"].append("leak")
    attribution["attributes"].append({"key": "verified", "name": "Verified", "type": "boolean"})
    response = post(admin, "/admin/projects/news/settings",
                    _settings(project, codebook, name="News, renamed", mode="open"))
    assert response.status_code == 302
    assert "Saved the settings of 'news'." in text(admin.get(response.headers["Location"]))
    project = get_project(app, "news")
    assert project.name == "News, renamed" and not project.blind
    assert project.codebook["labels"][-1]["key"] == "loaded-language"


def test_settings_refuse_removing_a_used_label(app, admin, annotated):
    project = get_project(app, "news")
    codebook = {"labels": [label for label in project.codebook["labels"]
                           if label["key"] != "framing"]}
    response = post(admin, "/admin/projects/news/settings",
                    _settings(project, codebook, name="Renamed"))
    assert response.status_code == 409
    body = text(response)
    assert "The settings were not saved" in body
    assert "label 'framing' is used by 3 spans (2 reviewers', 1 gold); it cannot be " \
           "removed." in body
    after = get_project(app, "news")
    assert after.codebook == project.codebook and after.name == project.name
    # The edited text stays in the box for correcting.
    textarea = re.search(r"<textarea[^>]*>(.*?)</textarea>", body, re.S).group(1)
    assert json.loads(textarea) == codebook


def test_settings_refuse_removing_a_used_choice_or_attribute(app, admin, annotated):
    project = get_project(app, "news")
    codebook = json.loads(json.dumps(project.codebook))
    attribution = next(label for label in codebook["labels"] if label["key"] == "attribution")
    source_type = next(a for a in attribution["attributes"] if a["key"] == "source_type")
    source_type["choices"].remove("official")
    framing = next(label for label in codebook["labels"] if label["key"] == "framing")
    framing["attributes"] = [a for a in framing["attributes"] if a["key"] != "valence"]
    response = post(admin, "/admin/projects/news/settings", _settings(project, codebook))
    assert response.status_code == 409
    body = text(response)
    assert "attribute 'valence' of label 'framing' is set on 1 span (1 reviewer's); it " \
           "cannot be removed;" in body
    assert "the choice \"official\" of attribute 'source_type' (label 'attribution') is set " \
           "on 1 span (1 reviewer's); it cannot be removed." in body
    assert get_project(app, "news").codebook == project.codebook


def test_settings_refuse_a_type_change_that_breaks_stored_values(app, admin, annotated):
    project = get_project(app, "news")
    codebook = json.loads(json.dumps(project.codebook))
    attribution = next(label for label in codebook["labels"] if label["key"] == "attribution")
    source_type = next(a for a in attribution["attributes"] if a["key"] == "source_type")
    source_type["type"] = "multi"  # stored values are strings, not lists
    response = post(admin, "/admin/projects/news/settings", _settings(project, codebook))
    assert response.status_code == 409
    assert "the value \"official\" of attribute 'source_type' (label 'attribution') is set " \
           "on 1 span (1 reviewer's); the attribute's new type does not take it" in text(response)


def test_settings_allow_removing_unused_labels(app, admin, annotated):
    project = get_project(app, "news")
    codebook = {"labels": [label for label in project.codebook["labels"]
                           if label["key"] in ("framing", "attribution")]}
    response = post(admin, "/admin/projects/news/settings", _settings(project, codebook))
    assert response.status_code == 302
    keys = [label["key"] for label in get_project(app, "news").codebook["labels"]]
    assert keys == ["framing", "attribution"]


@pytest.mark.parametrize("codebook_json, message", [
    ('{"labels": [', "Codebook: not valid JSON (Expecting value at line 1, column 13)."),
    (json.dumps({"labels": [{"key": "x", "color": "blue"}]}),
     codebook_message({"labels": [{"key": "x", "color": "blue"}]})),
])
def test_settings_codebook_errors(app, admin, make_project, codebook_json, message):
    make_project("news")
    project = get_project(app, "news")
    response = post(admin, "/admin/projects/news/settings",
                    _settings(project, codebook_json=codebook_json, name="Changed"))
    assert response.status_code == 422
    assert message in text(response)
    after = get_project(app, "news")
    assert after.codebook == project.codebook and after.name == "news"


def test_settings_rename_a_used_key_with_the_form_renames(app, admin, annotated):
    project = get_project(app, "news")
    codebook = json.loads(json.dumps(project.codebook))
    next(label for label in codebook["labels"] if label["key"] == "framing")["key"] = "frame"
    data = _settings(project, codebook)
    # Without the rename, a changed key is a removal: refused, naming the spans.
    response = post(admin, "/admin/projects/news/settings", data)
    assert response.status_code == 409
    assert "label 'framing' is used by 3 spans (2 reviewers', 1 gold)" in text(response)
    response = post(admin, "/admin/projects/news/settings",
                    {**data, "codebook_renames": json.dumps({"labels": {"framing": "frame"}})})
    assert response.status_code == 302
    with app.app_context():
        assert set(db.session.scalars(select(Annotation.label))) == {"frame", "attribution"}
        assert set(db.session.scalars(select(GoldSpan.label))) == {"frame"}


def test_settings_bad_renames_are_shown_at_the_codebook(app, admin, annotated):
    project = get_project(app, "news")
    response = post(admin, "/admin/projects/news/settings",
                    _settings(project, codebook_renames='{"labels": {"nope": "x"}}'))
    assert response.status_code == 422
    assert "Renames: there is no label 'nope' to rename." in text(response)
    response = post(admin, "/admin/projects/news/settings",
                    _settings(project, codebook_renames="{not json"))
    assert response.status_code == 422
    assert "The renames of the codebook form are not valid JSON" in text(response)


def test_settings_refuse_a_new_colour_without_contrast(app, admin, annotated):
    project = get_project(app, "news")
    codebook = json.loads(json.dumps(project.codebook))
    codebook["labels"][0]["color"] = "#fafa00"
    response = post(admin, "/admin/projects/news/settings", _settings(project, codebook))
    assert response.status_code == 422
    assert "label 'framing': the colour #fafa00 gives its swatches and borders on the white " \
           "page a contrast of" in text(response)
    assert get_project(app, "news").codebook == project.codebook


def test_settings_import_a_codebook_file_without_javascript(app, admin, annotated):
    project = get_project(app, "news")
    codebook = json.loads(json.dumps(project.codebook))
    codebook["labels"].append({"key": "loaded", "name": "Loaded", "color": "#1f77b4"})
    response = post(admin, "/admin/projects/news/settings",
                    _settings(project, codebook_renames='{"labels": {"nope": "x"}}'),
                    files={"codebook_file": upload("book.json", json.dumps(codebook))})
    # The file replaces the textarea, and an imported codebook renames nothing.
    assert response.status_code == 302
    assert get_project(app, "news").codebook["labels"][-1]["key"] == "loaded"
    response = post(admin, "/admin/projects/news/settings", _settings(project),
                    files={"codebook_file": upload("book.json", "{")})
    assert response.status_code == 422
    assert "book.json: not valid JSON" in text(response)
    response = post(admin, "/admin/projects/news/settings", _settings(project),
                    files={"codebook_file": upload("book.txt", "{}")})
    assert "book.txt: a codebook file must be a .json file." in text(response)


def test_settings_download_the_saved_codebook(app, admin, annotated):
    response = admin.get("/admin/projects/news/codebook.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert 'filename="news-codebook.json"' in response.headers["Content-Disposition"]
    assert json.loads(response.get_data(as_text=True)) == get_project(app, "news").codebook
    assert 'href="/admin/projects/news/codebook.json"' in text(
        admin.get("/admin/projects/news/settings"))


def test_settings_page_gives_the_codebook_form_its_data(app, admin, annotated):
    body = admin.get("/admin/projects/news/settings").get_data(as_text=True)
    data = json.loads(re.search(r'<script type="application/json" id="codebook-editor-data">'
                                r"(.*?)</script>", body, re.S).group(1))
    assert data["saved"] == get_project(app, "news").codebook
    assert data["usage"]["framing"]["message"] == (
        "label 'framing' is used by 3 spans (2 reviewers', 1 gold); it cannot be removed")
    assert data["reserved_hotkeys"]["j"] == "next paragraph"
    assert data["contrast"]["text"] == 4.5 and data["contrast"]["graphic"] == 3.0
    assert '<script type="module" src="/static/js/settings/main.js">' in body


def test_settings_of_unknown_project_is_404(admin):
    assert admin.get("/admin/projects/nope/settings").status_code == 404
    assert admin.get("/admin/projects/nope/import").status_code == 404


# --- imports ---------------------------------------------------------------------------------

def _import(client, files, **options):
    data = {k: "y" for k, v in options.items() if v}
    return post(client, "/admin/projects/news/import", data,
                files={"files": [upload(name, content) for name, content in files]})


def test_import_page(admin, make_project):
    make_project("news")
    body = text(admin.get("/admin/projects/news/import"))
    assert re.search(r'<input[^>]*multiple[^>]*type="file"|<input[^>]*type="file"[^>]*multiple',
                     body)
    assert 'accept=".txt,.md,.markdown,.html,.htm,.jsonl,.ndjson,.zip"' in body
    assert "First line is the title" in body and "Skip articles already imported" in body
    assert "up to 32 MB" in body


def test_import_several_files(app, admin, make_project):
    make_project("news")
    response = _import(admin, [
        ("one.txt", "---\ntitle: First article\nsource: RT\n---\nPara one.\n\nPara two.\n"),
        ("two.md", "Just one paragraph."),
        ("more.jsonl", jsonl({"title": "Third", "paragraphs": ["A.", "B.", "C."]},
                             {"title": "Fourth", "text": "X.\n\nY."})),
    ])
    assert response.status_code == 200
    body = text(response)
    assert "Imported 4 documents, 8 paragraphs, 0 spans." in body
    for title in ("First article", "two", "Third", "Fourth"):
        assert f">{title}</a>" in body
    assert 'href="/projects/news"' in body
    assert 'href="/admin/projects/news/import"' in body
    assert count(app, Document) == 4
    with app.app_context():
        titles = db.session.scalars(select(Document.title).order_by(Document.id)).all()
    assert titles == ["First article", "two", "Third", "Fourth"]


def test_import_first_line_title(app, admin, make_project):
    make_project("news")
    response = _import(admin, [("a.txt", "The real title\n\nBody text.")],
                       first_line_title=True)
    assert response.status_code == 200
    assert ">The real title</a>" in text(response)


def test_import_refuses_latin1_and_imports_nothing(app, admin, make_project):
    make_project("news")
    response = _import(admin, [("good.txt", "Fine text."),
                               ("latin.txt", "Caf\u00e9 au lait.".encode("latin-1"))])
    assert response.status_code == 422
    body = text(response)
    assert "Nothing was imported" in body
    assert "latin.txt: the file is not UTF-8 text (byte 0xe9 at position 3" in body
    assert count(app, Document) == 0


def test_import_reports_the_bad_jsonl_line(app, admin, make_project):
    make_project("news")
    content = jsonl({"title": "Good", "paragraphs": ["Fine."]}) + '{"title": "Bad", \n'
    response = _import(admin, [("docs.jsonl", content)])
    assert response.status_code == 422
    assert "docs.jsonl, line 2: not valid JSON" in text(response)
    assert count(app, Document) == 0


def test_import_reports_an_invalid_span(app, admin, make_project):
    make_project("news")
    content = jsonl({"title": "A", "paragraphs": ["Fine."]},
                    {"title": "B", "paragraphs": ["Short."], "reviews": [
                        {"reviewer": "alice", "annotations": [
                            {"paragraph": 0, "start": 0, "end": 3, "label": "nonsense"}]}]})
    response = _import(admin, [("docs.jsonl", content)])
    assert response.status_code == 422
    assert "docs.jsonl, line 2, reviewer alice, span 1: unknown label \"nonsense\"" \
        in text(response)
    assert count(app, Document) == 0 and count(app, User) == 1


def test_import_duplicates_refused_or_skipped(app, admin, make_project):
    make_project("news")
    assert _import(admin, [("a.txt", "Same text.")]).status_code == 200
    response = _import(admin, [("b.txt", "Other text."), ("a2.txt", "Same text.")])
    assert response.status_code == 422
    body = text(response)
    assert "a2.txt: the same article is already in project 'news'" in body
    assert "('a'). Tick “Skip articles already imported” to skip such documents." in body
    assert "--skip-existing" not in body
    assert count(app, Document) == 1
    response = _import(admin, [("b.txt", "Other text."), ("a2.txt", "Same text.")],
                       skip_existing=True)
    assert response.status_code == 200
    assert "Imported 1 document, 1 paragraph, 0 spans. Skipped 1 already imported: a2.txt" \
        in text(response)
    assert count(app, Document) == 2


@pytest.mark.parametrize("files, message", [
    ([], "Choose at least one file to import, or list web pages to fetch."),
    ([("notes.pdf", b"%PDF-1.4")], "notes.pdf: cannot import a '.pdf' file"),
    ([("empty.txt", "  \n\n ")], "empty.txt: the file has no text."),
    # 500s before: a lone surrogate (UnicodeEncodeError), JSON nested 100,000 deep
    ([("s.jsonl", '{"title": "x\\ud800", "paragraphs": ["y"]}\n')],
     "s.jsonl, line 1: title contains a lone surrogate (\\ud800)"),
    ([("d.jsonl", '{"title": "x", "paragraphs": ["y"], "meta": '
      + "[" * 100_000 + "]" * 100_000 + "}\n")],
     "d.jsonl, line 1: the JSON is nested more than 64 levels deep."),
])
def test_import_errors(app, admin, make_project, files, message):
    make_project("news")
    response = _import(admin, files)
    assert response.status_code == 422
    assert message in text(response)
    assert count(app, Document) == 0


def test_oversized_upload_gets_a_clear_413_page(app, admin, make_project):
    make_project("news")
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    response = _import(admin, [("big.txt", "word " * 600_000)])
    assert response.status_code == 413
    body = text(response)
    assert "The request is larger than the limit of 2 MB." in body
    assert "<h1>413</h1>" in body
    assert count(app, Document) == 0


def test_script_in_titles_and_text_is_escaped(app, admin, make_project):
    evil = "<script>alert(1)</script>"
    make_project("news", name=f"News {evil}")
    for url in ("/admin/", "/admin/projects/news/settings", "/admin/projects/news/import"):
        body = admin.get(url).get_data(as_text=True)
        assert evil not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body, url

    response = _import(admin, [("x.txt", f"---\ntitle: {evil}\n---\nBody {evil}.")])
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert evil not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body

    # A refused import quotes the text of the paragraph; a skipped one names the title.
    bad = jsonl({"title": "T", "paragraphs": [f"A {evil} here."], "reviews": [
        {"reviewer": "alice", "annotations": [
            {"paragraph": 0, "start": 2, "end": 27, "label": "framing", "text": "nope"}]}]})
    response = _import(admin, [("bad.jsonl", bad)])
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "does not match paragraph 0" in html.unescape(body)
    assert evil not in body and "&lt;script&gt;" in body
    response = _import(admin, [("again.txt", f"---\ntitle: {evil}\n---\nBody {evil}.")],
                       skip_existing=True)
    body = response.get_data(as_text=True)
    assert "Skipped 1" in body and evil not in body
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_long_imports_list_the_first_documents(app, admin, make_project, monkeypatch):
    from annotator.views import admin as admin_views

    monkeypatch.setattr(admin_views, "SHOWN_DOCUMENTS", 2)
    make_project("news")
    content = jsonl(*({"title": f"Doc {i}", "paragraphs": [f"Text {i}."]} for i in range(5)))
    body = text(_import(admin, [("many.jsonl", content)]))
    assert "Imported 5 documents" in body
    assert ">Doc 1</a>" in body and ">Doc 2</a>" not in body
    assert "… and 3 more" in body


def test_upload_doccano_needs_the_reviewer_field(app, client, make_user, make_project):
    """doccano JSONL needs the reviewer field; a second reviewer's file joins the document."""
    import io as _io

    make_user("root", role="admin")
    make_project("dc")
    from tests.test_security import login as _login

    _login(client, "root")

    def upload(name, data, reviewer=""):
        html = client.get("/admin/projects/dc/import").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
        return client.post("/admin/projects/dc/import", data={
            "csrf_token": token, "reviewer": reviewer,
            "files": [(_io.BytesIO(data), name)]}, content_type="multipart/form-data")

    line = (b'{"text": "Officials said so.\\n\\nSecond paragraph.", '
            b'"label": [[0, 14, "attribution"]]}\n')
    refused = upload("a.jsonl", line)
    assert refused.status_code == 422
    assert "Reviewer of doccano files" in refused.get_data(as_text=True)
    done = upload("a.jsonl", line, reviewer="ann")
    assert done.status_code == 200 and "Imported 1 document" in done.get_data(as_text=True)
    again = upload("b.jsonl", line, reviewer="ben")
    html = again.get_data(as_text=True)
    assert "Added 1 review to 1 document" in html and "Documents imported or given reviews" in html


def test_settings_change_reviewers_per_document(app, admin, annotated):
    page = text(admin.get("/admin/projects/news/settings"))
    assert re.search(r'<input[^>]*name="reviewers_per_document"[^>]*value=""', page)
    project = get_project(app, "news")
    response = post(admin, "/admin/projects/news/settings",
                    _settings(project, reviewers_per_document="2"))
    assert response.status_code == 302
    assert get_project(app, "news").reviewers_per_document == 2
    page = text(admin.get("/admin/projects/news/settings"))
    assert re.search(r'<input[^>]*name="reviewers_per_document"[^>]*value="2"', page)
    assert "2 reviewers per document" in text(admin.get("/projects/news/team"))
    # emptied: no assignment
    response = post(admin, "/admin/projects/news/settings",
                    _settings(project, reviewers_per_document=""))
    assert response.status_code == 302
    assert get_project(app, "news").reviewers_per_document is None
    assert "every reviewer may take every document" in text(admin.get("/projects/news/team"))


# "²" passed str.isdigit() and failed int() (500); 99999999999 failed the INTEGER column (500
# on PostgreSQL); "١٢" (Arabic-Indic digits) int() would take as 12.
@pytest.mark.parametrize("value", ["0", "two", "-3", "1.5", "²", "99999999999", "101", "١٢"])
def test_settings_refuse_a_bad_reviewers_per_document(app, admin, annotated, value):
    project = get_project(app, "news")
    response = post(admin, "/admin/projects/news/settings",
                    _settings(project, reviewers_per_document=value, name="Changed"))
    assert response.status_code == 422
    assert ("Reviewers per document must be a whole number from 1 to 100, or empty"
            in text(response))
    after = get_project(app, "news")
    assert after.reviewers_per_document is None and after.name == project.name
