"""The JSON API (INTERFACE.md, "HTTP API", and docs/additions.md): one blueprint, one login
check, one way to read a body. Each module holds the routes of one area and translates HTTP to
calls of the domain modules, no more; errors become ``{"error": ..., "field": ...}`` in
``security`` (``DomainError`` and every ``HTTPException`` on a path under /api/).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, request
from flask_login import login_required

from .. import inputs
from ..errors import BadRequest
from ..extensions import db

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.before_request
def require_login():
    """Every API call needs a session or a token (401), but reading the API's description."""
    if request.endpoint != "api.openapi":
        return logged_in()
    return None


@login_required
def logged_in() -> None:
    """Nothing: the login_required decorator answers 401 for a caller who is not."""


def json_body() -> Any:
    """The request's JSON, through ``inputs.loads``: too deep a body is 400, a string that
    cannot be stored 422 naming it (``note``, ``attributes.source``)."""
    if not request.is_json:
        raise BadRequest("Send a JSON body with 'Content-Type: application/json'.")
    try:
        return inputs.loads(request.get_data(cache=True))
    except ValueError:  # not JSON, or not in a Unicode encoding
        raise BadRequest("The request body is not valid JSON.") from None


def optional_object() -> dict:
    """A JSON object, or nothing at all (an empty body means no options)."""
    if not request.get_data():
        return {}
    return json_object()


def json_object() -> dict:
    body = json_body()
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    return body


def int_arg(name: str, default: int | None, low: int, high: int) -> int | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number.") from None
    if not low <= value <= high:
        raise BadRequest(f"{name} must be between {low} and {high}.")
    return value


def flag_arg(name: str) -> bool:
    return request.args.get(name, "").lower() in {"1", "true", "yes", "on"}


def selection_args() -> tuple[list[int] | None, list[str] | None]:
    """``documents=1,2,3`` and ``reviewers=alice,bob`` query parameters."""
    documents = reviewers = None
    if request.args.get("documents"):
        try:
            documents = [int(x) for x in request.args["documents"].split(",") if x.strip()]
        except ValueError:
            documents = [-1]
        if not all(0 < x <= inputs.MAX_INT for x in documents):
            raise BadRequest("documents must be a comma-separated list of document ids.",
                             "documents")
    if request.args.get("reviewers"):
        reviewers = [x.strip() for x in request.args["reviewers"].split(",") if x.strip()]
    return documents, reviewers


def ends_with_commit(view: Callable) -> Callable:
    """For the hot routes: end the request's transaction with COMMIT also where nothing was
    written (a read, a retried create), rather than with the ROLLBACK of the session's close.
    psycopg forgets its prepared statements on every ROLLBACK, so PostgreSQL would parse and
    plan the queries of these routes afresh. An error still rolls back (the error handlers)."""
    @wraps(view)
    def read(*args, **kwargs):
        body = view(*args, **kwargs)
        db.session.commit()
        return body
    return read


# The routes, registered on ``bp`` when their modules are imported.
from . import (  # noqa: E402, F401
    agreement,
    answers,
    exports,
    gold,
    layout,
    ledger,
    openapi,
    projects,
    spans,
    suggestions,
)
