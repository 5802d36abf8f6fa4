"""The admin pages: accounts and API tokens, projects and codebooks, document uploads.

Only admins get in (reviewers get 403, anonymous callers go to the login page). Each view
reads a form, calls a domain function and turns its errors into messages on the page.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import Field

from .. import accounts, codebook_changes, colours, projects
from ..codebook import (
    ATTRIBUTE_TYPES,
    KEY_RE,
    RESERVED_HOTKEYS,
    default_codebook,
    load_codebook,
)
from ..errors import DomainError, ImportFailed
from ..extensions import login_manager
from ..imports import (
    fetch_documents,
    fetch_policy,
    import_documents,
    parse_file,
    read_url_list,
)
from ..models import User
from .forms import (
    ActionForm,
    ImportForm,
    PasswordForm,
    ProjectCreateForm,
    ProjectSettingsForm,
    TokenForm,
    UserCreateForm,
)

bp = Blueprint("admin", __name__, url_prefix="/admin")

INVALID = 422  # a form that was read but is not acceptable
SHOWN_DOCUMENTS = 200  # imported documents listed after an upload


@bp.before_request
def require_admin():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_admin:
        abort(403, "Only admins can open the admin pages.")
    return None


def _show_error(form: FlaskForm, error: DomainError, fallback: Field) -> None:
    """Put a domain error under the form field it names (or under ``fallback``)."""
    field = getattr(form, error.field, None) if error.field else None
    if not isinstance(field, Field):
        field = fallback
    field.errors = [*field.errors, error.message]


def _pretty(codebook: dict) -> str:
    return json.dumps(codebook, indent=2, ensure_ascii=False)


# --- projects --------------------------------------------------------------------------------

@bp.get("/")
def index():
    return render_template("admin/index.html", rows=projects.list_projects())


@bp.route("/projects/new", methods=["GET", "POST"])
def project_new():
    form = ProjectCreateForm()
    if not form.is_submitted():
        form.codebook_json.data = _pretty(default_codebook())
    if form.validate_on_submit():
        try:
            project = projects.create_project(
                form.slug.data,
                name=form.name.data or None,
                codebook=form.codebook,
                blind=form.mode.data != "open",
                reviewers_per_document=form.reviewers,
            )
        except DomainError as exc:
            codebook_field = (form.codebook_file if form.codebook_source.data == "upload"
                              else form.codebook_json)
            if exc.field == "codebook":
                exc.field = codebook_field.name
            _show_error(form, exc, form.slug)
        else:
            labels = ", ".join(label["key"] for label in project.codebook["labels"])
            flash(f"Created project '{project.slug}' with the labels {labels}. "
                  f"Now import its documents.", "success")
            return redirect(url_for("admin.project_import", slug=project.slug))
    status = INVALID if form.is_submitted() else 200
    return render_template("admin/project_new.html", form=form), status


@bp.route("/projects/<slug>/settings", methods=["GET", "POST"])
def project_settings(slug: str):
    project = projects.find_project(slug)
    form = ProjectSettingsForm()
    if not form.is_submitted():
        form.name.data = project.name
        form.mode.data = "blind" if project.blind else "open"
        form.reviewers_per_document.data = str(project.reviewers_per_document or "")
        form.codebook_json.data = _pretty(project.codebook)
    status = 200
    if form.validate_on_submit():
        try:
            projects.update_project(project, name=form.name.data, blind=form.mode.data == "blind",
                                    codebook=form.codebook,
                                    reviewers_per_document=form.reviewers,
                                    renames=form.renames)
        except DomainError as exc:
            if exc.field in ("codebook", "codebook_renames"):
                exc.field = "codebook_json"
            _show_error(form, exc, form.codebook_json)
            status = exc.status
        else:
            flash(f"Saved the settings of '{project.slug}'.", "success")
            return redirect(url_for("admin.project_settings", slug=project.slug))
    elif form.is_submitted():
        status = INVALID
    return render_template("admin/project_settings.html", project=project, form=form,
                           usage=projects.label_usage(project),
                           editor=codebook_editor_data(project)), status


def codebook_editor_data(project) -> dict:
    """What the codebook form (static/js/settings/) needs besides the codebook itself: the
    saved codebook (renames are read against it), what stored spans use with the sentence that
    refuses a removal, the annotate page's own keys, and the contrast rule."""
    return {
        "saved": project.codebook,
        "usage": codebook_changes.removal_refusals(project),
        "reserved_hotkeys": RESERVED_HOTKEYS,
        "key_pattern": KEY_RE.pattern,
        "attribute_types": list(ATTRIBUTE_TYPES),
        "contrast": {"dark_ink": colours.DARK_INK, "light_ink": colours.LIGHT_INK,
                     "page": colours.PAGE, "tint_weight": colours.TINT_WEIGHT,
                     "text": colours.TEXT_CONTRAST, "graphic": colours.GRAPHIC_CONTRAST},
    }


@bp.get("/projects/<slug>/codebook.json")
def codebook_download(slug: str):
    """The saved codebook as a file, to keep, edit elsewhere or give another project."""
    project = projects.find_project(slug)
    response = current_app.response_class(_pretty(project.codebook) + "\n",
                                          mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{project.slug}-codebook.json"')
    response.headers["Cache-Control"] = "no-store"
    return response


def _web_message(message: str) -> str:
    """An import error as the upload page should word it (it has a box, not an option)."""
    return message.replace(
        ". Nothing was imported; use --skip-existing to skip such documents.",
        ". Tick “Skip articles already imported” to skip such documents.").replace(
        "--reviewer NAME", "the “Reviewer of doccano files” field")


def _fetched(text: str | None) -> list:
    """The articles of the web pages listed on the import page, fetched as a server fetches:
    only the addresses the operator allows (IMPORT_URL_ALLOW) beyond public ones."""
    urls = read_url_list((text or "").splitlines())
    if not urls:
        return []
    most = current_app.config["IMPORT_URL_MAX_PER_UPLOAD"]
    if len(urls) > most:
        raise ImportFailed(f"{len(urls)} web pages are more than the {most} this page fetches "
                           f"at once; import a longer list with annotator import SLUG --urls "
                           f"FILE.")
    return fetch_documents(urls, fetch_policy(current_app.config))


@bp.route("/projects/<slug>/import", methods=["GET", "POST"])
def project_import(slug: str):
    project = projects.find_project(slug)
    form = ImportForm()
    error = None
    if form.validate_on_submit():
        codebook = load_codebook(project.codebook)
        try:
            documents = []
            for upload in form.files.data or []:
                if not upload.filename:
                    continue
                # Browsers may send a path; only the file's own name goes into messages.
                name = PurePosixPath(upload.filename.replace("\\", "/")).name
                documents.extend(parse_file(upload.read(), name, codebook,
                                            form.first_line_title.data,
                                            reviewer=(form.reviewer.data or "").strip() or None))
            documents.extend(_fetched(form.urls.data))  # after the files: their faults first
            result = import_documents(project, documents,
                                      skip_existing=form.skip_existing.data)
        except ImportFailed as exc:
            error = _web_message(exc.message)
        else:
            shown = (result.documents + result.updated_documents)[:SHOWN_DOCUMENTS]
            return render_template(
                "admin/import_done.html", project=project, result=result,
                documents=projects.project_documents(project, shown),
                more=len(result.documents) + len(result.updated_documents) - len(shown))
    status = INVALID if form.is_submitted() else 200
    return render_template("admin/project_import.html", project=project, form=form,
                           error=error, limit=current_app.config.get("MAX_CONTENT_LENGTH"),
                           url_limit=current_app.config["IMPORT_URL_MAX_PER_UPLOAD"]), status


# --- users -----------------------------------------------------------------------------------

@bp.route("/users", methods=["GET", "POST"])
def users():
    form = UserCreateForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(form.username.data, role=form.role.data,
                                        password=form.password.data)
        except DomainError as exc:
            _show_error(form, exc, form.username)
        else:
            flash(f"Created {user.role} '{user.username}'.", "success")
            return redirect(url_for("admin.users"))
    status = INVALID if form.is_submitted() else 200
    return render_template("admin/users.html", rows=accounts.list_users(), form=form), status


def _render_user(user: User, status: int = 200, password_form: PasswordForm | None = None,
                 token_form: TokenForm | None = None, new_token: str | None = None):
    can_log_in, login_note = accounts.login_state(user)
    response = current_app.make_response((render_template(
        "admin/user.html", user=user, tokens=accounts.list_tokens(user),
        can_log_in=can_log_in, login_note=login_note,
        password_form=password_form or PasswordForm(formdata=None),
        token_form=token_form or TokenForm(formdata=None),
        action_form=ActionForm(formdata=None), new_token=new_token,
    ), status))
    if new_token:
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/users/<int:user_id>")
def user(user_id: int):
    return _render_user(accounts.get_user(user_id))


@bp.post("/users/<int:user_id>/password")
def user_password(user_id: int):
    user = accounts.get_user(user_id)
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            # every session of the user ends; an admin resetting their own keeps this one
            accounts.set_password(user, form.password.data,
                                  keep_session=current_user.session_key
                                  if user.id == current_user.id else None)
        except DomainError as exc:
            _show_error(form, exc, form.password)
        else:
            flash(f"Set a new password for '{user.username}'.", "success")
            return redirect(url_for("admin.user", user_id=user.id))
    return _render_user(user, INVALID, password_form=form)


@bp.post("/users/<int:user_id>/disable")
def user_disable(user_id: int):
    return _set_active(accounts.get_user(user_id), False)


@bp.post("/users/<int:user_id>/enable")
def user_enable(user_id: int):
    return _set_active(accounts.get_user(user_id), True)


def _set_active(user: User, active: bool):
    if ActionForm().validate_on_submit():
        try:
            accounts.set_active(user, active, acting=current_user)
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            flash(f"{'Enabled' if active else 'Disabled'} the account '{user.username}'.",
                  "success")
    return redirect(url_for("admin.user", user_id=user.id))


@bp.post("/users/<int:user_id>/tokens")
def token_create(user_id: int):
    user = accounts.get_user(user_id)
    form = TokenForm()
    if not form.validate_on_submit():
        return _render_user(user, INVALID, token_form=form)
    try:
        token = accounts.create_token(user, form.name.data or "",
                                      accounts.parse_expiry(form.expires.data))
    except DomainError as exc:
        _show_error(form, exc, form.name)
        return _render_user(user, INVALID, token_form=form)
    return _render_user(user, new_token=token)


@bp.post("/users/<int:user_id>/tokens/<int:token_id>/revoke")
def token_revoke(user_id: int, token_id: int):
    user = accounts.get_user(user_id)
    if ActionForm().validate_on_submit():
        token = accounts.revoke_token(user, token_id)
        label = f" “{token.name}”" if token.name else ""
        flash(f"Revoked the API token{label} of '{user.username}'; it no longer works.",
              "success")
    return redirect(url_for("admin.user", user_id=user.id))
