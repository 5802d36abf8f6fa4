"""User accounts: creation, passwords, API tokens, and the login check with its lock-out."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from functools import cache

from flask import current_app
from sqlalchemy import bindparam, func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from .errors import Conflict, Invalid, NotFound
from .extensions import db
from .models import ROLES, ApiToken, User, utcnow

USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
MIN_PASSWORD = 8
TOKEN_PREFIX = "ann_"


@cache
def _dummy_hash() -> str:
    """A hash to check against when the user does not exist, so the answer takes as long."""
    return generate_password_hash("not a password")


def _hash(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))


def require_user(username: str) -> User:
    """The user of that name (any case), or NotFound naming it."""
    user = find_user(username)
    if user is None:
        raise NotFound(f"There is no reviewer '{username}'.")
    return user


def validate_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"The password must have at least {MIN_PASSWORD} characters.", "password")


def create_user(username: str, role: str = "reviewer", password: str | None = None) -> User:
    username = username.strip()
    if not USERNAME_RE.match(username):
        raise Invalid(
            "A user name has 1 to 64 letters, digits, '.', '_', '-' or '@', and starts with a "
            "letter or digit.", "username")
    if username.lower() == "gold":
        raise Invalid("'gold' names the adjudicated spans in imports and exports; choose "
                      "another user name.", "username")
    if role not in ROLES:
        raise Invalid(f"The role must be one of {', '.join(ROLES)}.", "role")
    if find_user(username) is not None:
        raise Conflict(f"There is already a user '{username}'.", "username")
    if password is not None:
        validate_password(password)
    user = User(
        username=username, role=role,
        password_hash=_hash(password) if password is not None else None,
    )
    db.session.add(user)
    db.session.commit()
    return user


def set_password(user: User, password: str) -> None:
    validate_password(password)
    user.password_hash = _hash(password)
    user.failed_logins = 0
    user.locked_until = None
    db.session.commit()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(user: User, name: str = "") -> str:
    """A new API token for the user. Only its hash is stored: show it now or never."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_hash=hash_token(token), name=name[:100]))
    db.session.commit()
    return token


# Every API request runs these: built once (building a statement costs more than running it).
_USER_OF_TOKEN = (
    select(User, ApiToken.id.label("token_id"), ApiToken.last_used_at)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(ApiToken.token_hash == bindparam("b_token_hash"))
)
_TOKEN_USED = (
    update(ApiToken.__table__).where(ApiToken.__table__.c.id == bindparam("b_token_id"))
)


def user_for_token(token: str) -> User | None:
    """The active user of the token, or None: one SELECT of the user with the token's id and
    last use. The use is recorded at most once a minute."""
    row = db.session.execute(_USER_OF_TOKEN, {"b_token_hash": hash_token(token)}).first()
    if row is None or not row.User.is_active:
        return None
    now = utcnow()
    last = row.last_used_at
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=dt.UTC)
    # Record use at most once a minute, so that reads stay reads.
    if last is None or now - last > dt.timedelta(minutes=1):
        db.session.execute(_TOKEN_USED, {"last_used_at": now, "b_token_id": row.token_id})
        db.session.commit()
    return row.User


class LoginRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def authenticate(username: str, password: str) -> User:
    """The user for these credentials, or LoginRefused with the message to show.

    After LOGIN_MAX_FAILURES wrong passwords in a row the account is locked for
    LOGIN_LOCK_SECONDS, doubling with every further lock (up to a day).
    """
    generic = "Wrong user name or password."
    user = find_user(username.strip()) if username else None
    if user is None or user.password_hash is None:
        check_password_hash(_dummy_hash(), password)
        raise LoginRefused(generic)
    now = utcnow()
    locked_until = user.locked_until
    if locked_until is not None and locked_until.tzinfo is None:
        locked_until = locked_until.replace(tzinfo=dt.UTC)
    if locked_until is not None and locked_until > now:
        minutes = max(1, round((locked_until - now).total_seconds() / 60))
        raise LoginRefused(
            f"Too many failed logins: this account is locked for {minutes} more "
            f"minute{'s' if minutes != 1 else ''}."
        )
    if not check_password_hash(user.password_hash, password):
        user.failed_logins += 1
        limit = current_app.config["LOGIN_MAX_FAILURES"]
        message = generic
        if user.failed_logins >= limit:
            seconds = min(current_app.config["LOGIN_LOCK_SECONDS"] * 2 ** user.locks, 86400)
            user.locked_until = now + dt.timedelta(seconds=seconds)
            user.locks += 1
            user.failed_logins = 0
            message = (f"Too many failed logins: this account is locked for "
                       f"{max(1, round(seconds / 60))} minutes.")
        db.session.commit()
        raise LoginRefused(message)
    if not user.is_active:
        raise LoginRefused("This account is disabled.")
    if user.failed_logins or user.locks or user.locked_until:
        user.failed_logins = 0
        user.locks = 0
        user.locked_until = None
        db.session.commit()
    return user


# --- administration (the admin pages) --------------------------------------------------------

@dataclass
class UserRow:
    """A user with the figures the admin's list shows."""

    user: User
    tokens: int
    can_log_in: bool
    login_note: str  # why not, or "" when the user can log in


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"There is no user {user_id}.")
    return user


def login_state(user: User) -> tuple[bool, str]:
    """Whether the user can log in now, and if not, why (one short phrase)."""
    if not user.active:
        return False, "disabled"
    if user.password_hash is None:
        return False, "no password set"
    locked_until = user.locked_until
    if locked_until is not None and locked_until.tzinfo is None:
        locked_until = locked_until.replace(tzinfo=dt.UTC)
    if locked_until is not None and locked_until > utcnow():
        return False, f"locked until {locked_until:%Y-%m-%d %H:%M} UTC"
    return True, ""


def list_users() -> list[UserRow]:
    """Every account, by name, with its number of API tokens."""
    counts = dict(db.session.execute(
        select(ApiToken.user_id, func.count()).group_by(ApiToken.user_id)
    ).all())
    users = db.session.scalars(select(User).order_by(func.lower(User.username)))
    return [UserRow(u, counts.get(u.id, 0), *login_state(u)) for u in users]


def set_active(user: User, active: bool, acting: User | None = None) -> None:
    """Enable or disable an account. A disabled account can neither log in nor use tokens."""
    if not active and acting is not None and acting.id == user.id:
        raise Invalid("You cannot disable your own account.", "active")
    user.active = bool(active)
    db.session.commit()


def list_tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
    ))


def revoke_token(user: User, token_id: int) -> ApiToken:
    """Delete one of the user's API tokens; it stops working at once."""
    token = db.session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    )
    if token is None:
        raise NotFound(f"User '{user.username}' has no API token {token_id}.")
    db.session.delete(token)
    db.session.commit()
    return token
