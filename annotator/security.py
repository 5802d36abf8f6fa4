"""Who is calling, and what every response carries.

- Browsers log in with a session cookie (HttpOnly, SameSite=Lax); every write they make must
  carry the CSRF token (the form field, or the ``X-CSRFToken`` header for JSON).
- Scripts send ``Authorization: Bearer TOKEN``; such a request is judged by its token alone
  (the session is ignored), and needs no CSRF token since no browser adds that header by itself.
- Every response carries a Content-Security-Policy without inline script, nosniff and
  frame-ancestors 'none'.
"""

from __future__ import annotations

from flask import Flask, g, jsonify, redirect, render_template, request, url_for
from flask_login import AnonymousUserMixin, current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .errors import DomainError
from .extensions import csrf, db, login_manager
from .models import User

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

ERROR_MESSAGES = {
    400: "The request is malformed.",
    401: "Log in, or send an API token as 'Authorization: Bearer TOKEN'.",
    403: "You are not allowed to do this.",
    404: "There is nothing at this address.",
    405: "This method is not allowed here.",
    410: "This is gone for good.",
    413: "The request is too large.",
    429: "Too many requests; wait a moment and try again.",
    500: "Something went wrong on the server; the error has been logged.",
}


class Anonymous(AnonymousUserMixin):
    is_admin = False
    username = ""


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, message: str, field: str | None = None):
    body = {"error": message}
    if field:
        body["field"] = field
    return jsonify(body), status


def init_app(app: Flask) -> None:
    login_manager.anonymous_user = Anonymous

    @login_manager.user_loader
    def load_user(session_key: str) -> User | None:
        # The cookie names a row of user_sessions; a session ended anywhere is gone here too.
        from .accounts import user_for_session

        return user_for_session(session_key)

    @login_manager.unauthorized_handler
    def unauthorized():
        if wants_json():
            return json_error(401, ERROR_MESSAGES[401])
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    @app.before_request
    def authenticate_and_check_csrf():
        header = request.headers.get("Authorization", "")
        if header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                return json_error(401, "The Authorization header must read 'Bearer TOKEN'.")
            from .accounts import user_for_token

            user = user_for_token(token.strip())
            if user is None:
                return json_error(401, "The API token is not valid (revoked or mistyped).")
            # Flask-Login keeps the request's user here; the session is not consulted.
            g._login_user = user
            g.token_auth = True
            return None
        if request.method not in SAFE_METHODS:
            if wants_json() and not current_user.is_authenticated:
                return json_error(401, ERROR_MESSAGES[401])
            csrf.protect()
        return None

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        if request.path.startswith("/api/"):
            headers.setdefault("Cache-Control", "no-store")
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        message = ("The CSRF token is missing or invalid: reload the page and try again "
                   "(scripts: send an API token instead of a session cookie).")
        if wants_json():
            return json_error(400, message)
        return render_template("error.html", status=400, message=message), 400

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        db.session.rollback()
        if wants_json():
            return jsonify(error.to_dict()), error.status
        return render_template("error.html", status=error.status,
                               message=error.message), error.status

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        message = ERROR_MESSAGES.get(status, error.description or error.name)
        if status == 413:
            limit = app.config.get("MAX_CONTENT_LENGTH")
            if limit:
                message = (f"The request is larger than the limit of "
                           f"{limit / 1024 / 1024:g} MB.")
        elif error.description and error.description != type(error).description:
            message = error.description  # abort(code, "a message of ours")
        if wants_json():
            response = json_error(status, message)
            if status == 405 and error.get_response().headers.get("Allow"):
                response[0].headers["Allow"] = error.get_response().headers["Allow"]
            return response
        return render_template("error.html", status=status, message=message), status

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        if wants_json():
            return json_error(500, ERROR_MESSAGES[500])
        return render_template("error.html", status=500, message=ERROR_MESSAGES[500]), 500
