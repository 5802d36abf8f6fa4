"""The caller's own account: their password, their browser sessions ("log out everywhere")
and their API tokens."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required, logout_user

from .. import accounts
from ..errors import DomainError
from .forms import ActionForm, OwnPasswordForm, TokenForm

bp = Blueprint("account", __name__, url_prefix="/account")

INVALID = 422


@bp.before_request
@login_required
def require_login() -> None:
    """Every page of the account needs a login."""


def _render(status: int = 200, password_form: OwnPasswordForm | None = None,
            token_form: TokenForm | None = None, new_token: str | None = None):
    user = current_user._get_current_object()
    response = current_app.make_response((render_template(
        "account.html", user=user, tokens=accounts.list_tokens(user),
        sessions=accounts.list_sessions(user), this_session=user.session_key,
        session_is=accounts.session_is,
        password_form=password_form or OwnPasswordForm(formdata=None),
        token_form=token_form or TokenForm(formdata=None),
        action_form=ActionForm(formdata=None), new_token=new_token,
    ), status))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
def page():
    return _render()


@bp.post("/password")
def password():
    form = OwnPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_own_password(current_user, form.current.data, form.password.data,
                                         keep_session=current_user.session_key)
        except DomainError as exc:
            field = form.current if exc.field == "current" else form.password
            field.errors = [*field.errors, exc.message]
        else:
            flash("Your password is changed; every other session of yours has ended.",
                  "success")
            return redirect(url_for("account.page"))
    return _render(INVALID, password_form=form)


@bp.post("/logout-everywhere")
def logout_everywhere():
    if ActionForm().validate_on_submit():
        ended = accounts.end_sessions(current_user)
        logout_user()
        flash(f"Logged out everywhere: {ended} session{'s' if ended != 1 else ''} ended, "
              f"this one included.", "info")
        return redirect(url_for("auth.login"))
    return redirect(url_for("account.page"))


@bp.post("/sessions/<int:session_id>/end")
def end_session(session_id: int):
    if ActionForm().validate_on_submit():
        for session in accounts.list_sessions(current_user):
            if session.id == session_id:
                if accounts.session_is(session, current_user.session_key):
                    return redirect(url_for("auth.logout_page"))
                accounts.end_session_id(current_user, session_id)
                flash("That session has ended.", "success")
                break
    return redirect(url_for("account.page"))


@bp.post("/tokens")
def token_create():
    form = TokenForm()
    if form.validate_on_submit():
        try:
            token = accounts.create_token(current_user, form.name.data or "",
                                          accounts.parse_expiry(form.expires.data))
        except DomainError as exc:
            form.name.errors = [*form.name.errors, exc.message]
        else:
            return _render(new_token=token)
    return _render(INVALID, token_form=form)


@bp.post("/tokens/<int:token_id>/revoke")
def token_revoke(token_id: int):
    if ActionForm().validate_on_submit():
        token = accounts.revoke_token(current_user, token_id)
        label = f" “{token.name}”" if token.name else ""
        flash(f"Revoked the API token{label}; it no longer works.", "success")
    return redirect(url_for("account.page"))
