"""Logging in and out: a login starts a server-side session (``accounts.start_session``), a
logout ends it on every worker at once. Logging out is a POST with the CSRF token; a GET of
/logout only asks."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from ..accounts import LoginRefused, authenticate, end_session, start_session
from .forms import ActionForm, LoginForm

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an absolute URL to somewhere else."""
    if not target:
        return url_for("main.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("main.index")
    return target


def client_address() -> str:
    """The caller's address (X-Forwarded-For is trusted only with TRUSTED_PROXIES set)."""
    return request.remote_addr or ""


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = authenticate(form.username.data, form.password.data, client_address())
        except LoginRefused as refused:
            form.password.errors = [refused.message]
            status = refused.status
        else:
            start_session(user, client_address(), request.user_agent.string)
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = 400
    return render_template("login.html", form=form), status


@bp.get("/logout")
def logout_page():
    """A GET changes nothing: it asks (a link from another site cannot log anyone out)."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return render_template("logout.html", form=ActionForm())


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        end_session(current_user.session_key)
        logout_user()
        flash("You have logged out.", "info")
    return redirect(url_for("auth.login"))
