"""User accounts: creation, passwords, browser sessions, API tokens, and the login check with
its limits.

- **Sessions** are rows of ``user_sessions``; the signed cookie carries a random key whose
  SHA-256 names the row. Ending a session deletes its row, so it ends on every worker and
  server at once: logging out ends that browser's session; a password change, a password
  reset, disabling the account and "log out everywhere" end every session of the user.
- **Login limits**, counted in the database with single UPDATEs so that they hold across
  workers and servers: an account is locked after ``LOGIN_MAX_FAILURES`` wrong passwords in
  a row (for ``LOGIN_LOCK_SECONDS``, doubling with every further lock, up to a day); a client
  address gets at most ``LOGIN_ADDRESS_MAX_FAILURES`` failures per
  ``LOGIN_ADDRESS_WINDOW_SECONDS``. Each attempt is counted *before* its password is checked,
  so parallel guesses cannot outrun the limit. A wrong password, an unknown user name and a
  locked account answer alike and take as long (a hash is verified in each case).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from functools import cache

from flask import current_app
from sqlalchemy import bindparam, case, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from werkzeug.security import check_password_hash, generate_password_hash

from .database import dialect_name
from .errors import Conflict, Invalid, NotFound
from .extensions import db
from .models import ROLES, ApiToken, LoginThrottle, User, UserSession, utcnow
from .names import check_name

USERNAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")  # checked with fullmatch
MIN_PASSWORD = 8
TOKEN_PREFIX = "ann_"


@cache
def _dummy_hash(method: str) -> str:
    """A hash to check when no real one is checked (no such user, a locked account), so that
    the answer takes as long as a wrong password's."""
    return generate_password_hash("not a password", method=method)


def _verify_nothing(password: str) -> None:
    check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)


def _hash(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))


def require_user(username: str) -> User:
    """The user of that name (any case), or NotFound naming it."""
    user = find_user(username)
    if user is None:
        raise no_reviewer(username)
    return user


def no_reviewer(username: str) -> NotFound:
    return NotFound(f"There is no reviewer '{username}'.")


def validate_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"The password must have at least {MIN_PASSWORD} characters.", "password")


def create_user(username: str, role: str = "reviewer", password: str | None = None) -> User:
    username = username.strip(" ")
    if not USERNAME_RE.fullmatch(username):
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


def set_password(user: User, password: str, keep_session: str | None = None) -> None:
    """A new password (an admin's reset, or the user's own change): every session of the user
    ends, but ``keep_session`` (the key of the browser that made the change)."""
    validate_password(password)
    user.password_hash = _hash(password)
    user.failed_logins = 0
    user.locked_until = None
    end_sessions(user, keep=keep_session, commit=False)
    db.session.commit()


def change_own_password(user: User, current: str, new: str, keep_session: str | None) -> None:
    """The user's own change, which needs the current password."""
    if user.password_hash is None or not check_password_hash(user.password_hash, current):
        raise Invalid("The current password is wrong.", "current")
    set_password(user, new, keep_session=keep_session)


# --- browser sessions -------------------------------------------------------------------------

_SESSION_OF_KEY = (
    select(User, UserSession.id.label("session_id"), UserSession.last_seen_at)
    .join(UserSession, UserSession.user_id == User.id)
    .where(UserSession.key_hash == bindparam("b_key_hash"))
)
_SESSION_SEEN = (
    update(UserSession.__table__).where(UserSession.__table__.c.id == bindparam("b_session_id"))
)


def start_session(user: User, address: str = "", agent: str = "") -> str:
    """A new session of the user (after a login); returns its key for the cookie and keeps it
    as ``user.session_key``."""
    key = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, key_hash=hash_token(key),
                               address=(address or "")[:64], agent=(agent or "")[:200]))
    db.session.commit()
    user.session_key = key
    return key


def user_for_session(key: str) -> User | None:
    """The active user of a live session, or None (ended, idle too long, account disabled):
    one SELECT of the user with the session's id and last use, recorded at most once a
    minute."""
    if not key or len(key) > 200:
        return None
    row = db.session.execute(_SESSION_OF_KEY, {"b_key_hash": hash_token(key)}).first()
    if row is None or not row.User.is_active:
        return None
    now = utcnow()
    last = _aware(row.last_seen_at)
    if now - last > dt.timedelta(days=current_app.config["SESSION_IDLE_DAYS"]):
        db.session.execute(delete(UserSession).where(UserSession.id == row.session_id))
        db.session.commit()
        return None
    if now - last > dt.timedelta(minutes=1):
        db.session.execute(_SESSION_SEEN, {"last_seen_at": now, "b_session_id": row.session_id})
        db.session.commit()
    user = row.User
    user.session_key = key
    return user


def end_session(key: str | None) -> None:
    if key:
        db.session.execute(delete(UserSession).where(UserSession.key_hash == hash_token(key)))
        db.session.commit()


def end_sessions(user: User, keep: str | None = None, commit: bool = True) -> int:
    """End every session of the user (but ``keep``'s); returns how many ended."""
    query = delete(UserSession).where(UserSession.user_id == user.id)
    if keep:
        query = query.where(UserSession.key_hash != hash_token(keep))
    ended = db.session.execute(query).rowcount
    if commit:
        db.session.commit()
    return ended


def end_session_id(user: User, session_id: int) -> None:
    """End one of the user's sessions (another browser of theirs) by its id."""
    db.session.execute(delete(UserSession).where(UserSession.id == session_id,
                                                 UserSession.user_id == user.id))
    db.session.commit()


def token_expired(token: ApiToken) -> bool:
    return token.expires_at is not None and _aware(token.expires_at) <= utcnow()


def list_sessions(user: User) -> list[UserSession]:
    return list(db.session.scalars(
        select(UserSession).where(UserSession.user_id == user.id)
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())))


def session_is(session: UserSession, key: str | None) -> bool:
    return bool(key) and session.key_hash == hash_token(key)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """A stored time with its UTC zone (SQLite hands back naive UTC)."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


MAX_TOKEN_DAYS = 3650
_DURATION_RE = re.compile(r"([1-9][0-9]{0,4})([dwmy])")
_DURATION_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}


def parse_expiry(text: str | None) -> dt.timedelta | None:
    """"90d", "12w", "6m", "1y" (or "never"/empty: None) as a time span, at most ten years."""
    text = (text or "").strip().lower()
    if text in ("", "never"):
        return None
    match = _DURATION_RE.fullmatch(text)
    if match is None:
        raise Invalid("An expiry is a number of days, weeks, months or years, such as 90d, "
                      "12w, 6m or 1y (or 'never').", "expires")
    days = int(match.group(1)) * _DURATION_DAYS[match.group(2)]
    if days > MAX_TOKEN_DAYS:
        raise Invalid(f"A token lasts at most {MAX_TOKEN_DAYS // 365} years.", "expires")
    return dt.timedelta(days=days)


def create_token(user: User, name: str = "", expires_in: dt.timedelta | None = None) -> str:
    """A new API token for the user, valid for ``expires_in`` (None: until revoked). Only its
    hash is stored: show it now or never."""
    name = (name or "").strip()
    check_name(name, "name", 100, required=False)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = utcnow() + expires_in if expires_in is not None else None
    db.session.add(ApiToken(user_id=user.id, token_hash=hash_token(token), name=name,
                            expires_at=expires_at))
    db.session.commit()
    return token


# Every API request runs these: built once (building a statement costs more than running it).
_USER_OF_TOKEN = (
    select(User, ApiToken.id.label("token_id"), ApiToken.last_used_at, ApiToken.expires_at)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(ApiToken.token_hash == bindparam("b_token_hash"))
)
_TOKEN_USED = (
    update(ApiToken.__table__).where(ApiToken.__table__.c.id == bindparam("b_token_id"))
)


def user_for_token(token: str) -> User | None:
    """The active user of a token that has not expired, or None: one SELECT of the user with
    the token's id, last use and expiry. The use is recorded at most once a minute."""
    row = db.session.execute(_USER_OF_TOKEN, {"b_token_hash": hash_token(token)}).first()
    if row is None or not row.User.is_active:
        return None
    now = utcnow()
    if row.expires_at is not None and _aware(row.expires_at) <= now:
        return None
    last = _aware(row.last_used_at)
    # Record use at most once a minute, so that reads stay reads.
    if last is None or now - last > dt.timedelta(minutes=1):
        db.session.execute(_TOKEN_USED, {"last_used_at": now, "b_token_id": row.token_id})
        db.session.commit()
    return row.User


class LoginRefused(Exception):
    def __init__(self, message: str, status: int = 401):
        super().__init__(message)
        self.message = message
        self.status = status


def refused_message() -> str:
    """The one answer to a wrong password, an unknown user name and a locked account."""
    return (f"Wrong user name or password. After {current_app.config['LOGIN_MAX_FAILURES']} "
            f"wrong passwords in a row an account is locked for a while.")


_users = User.__table__
_expired_lock = _users.c.locked_until <= bindparam("b_now")
# One attempt more on an account that is not locked; a lock that is over starts the count
# afresh. No row comes back while the account is locked.
_COUNT_ATTEMPT = (
    update(_users)
    .where(_users.c.id == bindparam("b_user_id"),
           or_(_users.c.locked_until.is_(None), _expired_lock))
    .values(failed_logins=case((_expired_lock, 1), else_=_users.c.failed_logins + 1),
            locked_until=None)
    .returning(_users.c.failed_logins, _users.c.locks)
)


def authenticate(username: str, password: str, address: str = "") -> User:
    """The user for these credentials, or LoginRefused with the message (and status) to show.

    Every attempt is counted before its password is checked (one UPDATE ... RETURNING,
    committed at once), for the client address and for the account: parallel guesses get
    distinct counts, and those beyond the limits are refused without a check.
    """
    config = current_app.config
    if address and _address_attempt(address, +1) > config["LOGIN_ADDRESS_MAX_FAILURES"]:
        _address_attempt(address, -1)  # a refused attempt is not a failure to count
        minutes = max(1, round(config["LOGIN_ADDRESS_WINDOW_SECONDS"] / 60))
        raise LoginRefused(f"Too many failed logins from your network address; try again "
                           f"within {minutes} minutes.", 429)
    user = find_user(username.strip()) if username and username.strip() else None
    now = utcnow()
    if user is None or user.password_hash is None or _aware(user.locked_until) is not None \
            and _aware(user.locked_until) > now:
        _verify_nothing(password)
        raise LoginRefused(refused_message())
    limit = config["LOGIN_MAX_FAILURES"]
    counted = db.session.execute(_COUNT_ATTEMPT, {"b_user_id": user.id, "b_now": now}).first()
    db.session.commit()
    if counted is None or counted.failed_logins > limit:
        # locked meanwhile, or beyond the limit while others are checked: no check at all
        _verify_nothing(password)
        raise LoginRefused(refused_message())
    if not check_password_hash(user.password_hash, password):
        if counted.failed_logins == limit:
            seconds = min(config["LOGIN_LOCK_SECONDS"] * 2 ** counted.locks, 86400)
            db.session.execute(update(User).where(User.id == user.id).values(
                locked_until=now + dt.timedelta(seconds=seconds), locks=User.locks + 1))
            db.session.commit()
        raise LoginRefused(refused_message())
    if address:
        _address_attempt(address, -1)  # a success is no failure of the address
    if not user.is_active:
        raise LoginRefused("This account is disabled.")
    db.session.execute(update(User).where(User.id == user.id).values(
        failed_logins=0, locks=0, locked_until=None))
    db.session.commit()
    db.session.refresh(user)
    return user


def _address_attempt(address: str, step: int) -> int:
    """Add ``step`` to the address's failures in the current window (a new window starts
    when the last one is over) in one upsert, committed; returns the new count."""
    window = dt.timedelta(seconds=current_app.config["LOGIN_ADDRESS_WINDOW_SECONDS"])
    now = utcnow()
    table = LoginThrottle.__table__
    insert_ = postgresql.insert if dialect_name() == "postgresql" else sqlite.insert
    statement = insert_(table).values(address=address[:64], failures=max(step, 0),
                                      window_start=now)
    expired = table.c.window_start < now - window
    statement = statement.on_conflict_do_update(
        index_elements=["address"],
        set_={"failures": case((expired, max(step, 0)),
                               else_=func.max(table.c.failures + step, 0)
                               if dialect_name() == "sqlite"
                               else func.greatest(table.c.failures + step, 0)),
              "window_start": case((expired, now), else_=table.c.window_start)},
    ).returning(table.c.failures)
    count = db.session.execute(statement).scalar_one()
    db.session.commit()
    return count


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
    locked_until = _aware(user.locked_until)
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
    if not active:
        end_sessions(user, commit=False)
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
