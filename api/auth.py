"""Logging in, sessions with CSRF tokens, API tokens and their lifetimes.

* A session id (random, 256 bits) lives in an HttpOnly, SameSite=Lax cookie; only its SHA-256 is
  stored. Each session has its own CSRF token, which every form sends back. A session ends after
  ``OPORA_SESSION_IDLE_MINUTES`` without a request (30) and in any case ``OPORA_SESSION_MAX_HOURS``
  after the login (12) — ASVS 3.3.
* An API token (``opora_…``) is given to a user and sent as ``Authorization: Bearer``; only its
  SHA-256 is stored; it expires (``OPORA_TOKEN_DAYS``, 90) and can be revoked.
* Failed logins are throttled per (login, client address) before the password is checked
  (:mod:`api.throttle`); an unknown login costs the same argon2 work as a known one.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from api import throttle
from api.tables import ApiToken, AuthSession, LoginAttempt
from cases.directory import principal_of
from cases.errors import DomainError
from cases.passwords import verify_password
from cases.principal import Principal
from cases.tables import User
from engine.database import Database, UnitOfWork, is_unavailable
from engine.sql import Prepared
from engine.tables import table_of

SESSION_COOKIE = "opora_session"
TOKEN_PREFIX = "opora_"
TooManyAttempts = throttle.TooManyAttempts

SES, TOK, ATT, USR = (table_of(t) for t in (AuthSession, ApiToken, LoginAttempt, User))


@dataclass(frozen=True)
class Lifetimes:
    """How long sessions and tokens live (from the settings)."""

    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)
    token: timedelta = timedelta(days=90)

    @classmethod
    def from_settings(cls, settings: Any) -> Lifetimes:
        return cls(timedelta(minutes=float(settings.session_idle_minutes)),
                   timedelta(hours=float(settings.session_max_hours)), timedelta(days=int(settings.token_days)))


class NotAuthenticated(DomainError):
    code = "not_authenticated"
    status = 401

    def __init__(self, message: str = "Требуется вход в систему") -> None:
        super().__init__(message)


class CsrfFailed(DomainError):
    code = "csrf_failed"
    status = 403

    def __init__(self) -> None:
        super().__init__("Форма устарела или отправлена не со страницы системы. Обновите страницу и повторите.")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def authenticate(db: Database, login: str, password: str, address: str, now: datetime) -> Principal:
    """The principal for a login and password; raises NotAuthenticated or TooManyAttempts.

    The attempt is counted first (:func:`api.throttle.claim`), then the password is checked with
    no transaction open (argon2 is slow on purpose), then the outcome is written down.
    """
    login = login.strip()[:64]
    throttle.claim(db, login, address, now)
    with db.read() as tx:
        row = tx.connection.execute(sa.select(USR.c.id, USR.c.password_hash, USR.c.is_active)
                                    .where(USR.c.login == login)).first()
    ok = verify_password(row.password_hash if row is not None else None, password) and row is not None \
        and bool(row.is_active)
    with db.unit_of_work() as tx:
        tx.connection.execute(sa.insert(ATT).values(login=login, address=address[:64], at=now, success=ok))
        principal = principal_of(tx, row.id) if ok and row is not None else None
        if principal is not None:
            throttle.clear(tx, login, address)
        tx.commit()
    if principal is None:
        raise NotAuthenticated("Неверный логин или пароль")
    return principal


@dataclass(frozen=True)
class OpenedSession:
    session_id: str
    csrf_token: str
    expires_at: datetime


def open_session(tx: UnitOfWork, user_id: int, now: datetime, lifetimes: Lifetimes = Lifetimes(), *,
                 address: str = "", user_agent: str = "") -> OpenedSession:
    session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    expires = now + min(lifetimes.idle, lifetimes.absolute)
    tx.connection.execute(sa.insert(SES).values(id_hash=_digest(session_id), user_id=user_id, csrf_token=csrf,
                                                created_at=now, expires_at=expires, last_seen_at=now,
                                                address=address[:64], user_agent=user_agent[:200]))
    return OpenedSession(session_id, csrf, expires)


#: how often the last use of a session or token is written down: a request that only reads never
#: opens a write transaction just to stamp it (SQLite has one writer; a stamp per request queues every reader)
STAMP_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Caller:
    """Who a session cookie or an API token belongs to, found by a read-only lookup."""

    principal: Principal
    csrf_token: str = ""
    #: the row to stamp with :func:`record_use` (``("session", id_hash)`` / ``("token", id)``), or None
    stamp: tuple[str, Any] | None = None
    #: a session's new expiry when it is stamped: idle timeout from now, never past its absolute end
    expires_at: datetime | None = None
    #: the session's id hash (to tell "this session" among the user's sessions)
    session_hash: str = ""
    must_change_password: bool = False


#: every authenticated request runs one of these: built once (``engine.sql.Prepared``), not per request
_SESSION = Prepared(sa.select(SES.c.user_id, SES.c.csrf_token, SES.c.expires_at, SES.c.last_seen_at, SES.c.created_at,
                              USR.c.must_change_password)
                    .join(USR, USR.c.id == SES.c.user_id).where(SES.c.id_hash == sa.bindparam("key")))
_TOKEN = Prepared(sa.select(TOK.c.id, TOK.c.user_id, TOK.c.last_used_at, TOK.c.expires_at)
                  .where(TOK.c.token_hash == sa.bindparam("hash"), TOK.c.revoked_at.is_(None)))


def session_principal(tx: UnitOfWork, session_id: str, now: datetime,
                      lifetimes: Lifetimes = Lifetimes()) -> Caller | None:
    """The principal and CSRF token of a live session, or None. Only reads; see :func:`record_use`.

    A session is live until its expiry (the idle timeout, slid by each stamp) and never longer
    than ``lifetimes.absolute`` after the login.
    """
    key = _digest(session_id)
    row = _SESSION.first(tx.connection, {"key": key})
    if row is None:
        return None
    user_id, csrf_token, expires_at, last_seen_at, created_at, must_change = row
    end = created_at + lifetimes.absolute
    if expires_at <= now or end <= now:
        return None
    principal = principal_of(tx, user_id)
    if principal is None:
        return None
    stale = now - last_seen_at >= STAMP_EVERY
    return Caller(principal, csrf_token, ("session", key) if stale else None,
                  min(now + lifetimes.idle, end), key, bool(must_change))


def session_owner(tx: UnitOfWork, session_id: str) -> int | None:
    """Whose session this cookie was, live or expired (a form sent after it expired is kept for that user)."""
    row = _SESSION.first(tx.connection, {"key": _digest(session_id)})
    return int(row[0]) if row is not None else None


def record_use(db: Database, caller: Caller, now: datetime) -> None:
    """Write down that a session (sliding expiry) or token was used, at most once a minute.

    A stamp is bookkeeping, not the request's work: it is a short write of its own, and when
    the database is busy it is skipped (the next request a minute later tries again) instead
    of making a read wait for the write lock.
    """
    if caller.stamp is None:
        return
    kind, key = caller.stamp
    statement = (sa.update(SES).where(SES.c.id_hash == key).values(last_seen_at=now, expires_at=caller.expires_at)
                 if kind == "session" else sa.update(TOK).where(TOK.c.id == key).values(last_used_at=now))
    try:
        with db.unit_of_work(busy_ms=STAMP_BUSY_MS) as tx:
            tx.connection.execute(statement)
            tx.commit()
    except OperationalError as exc:
        if not is_unavailable(exc):
            raise


#: how long a stamp waits for SQLite's write lock before it gives up (it is retried a minute later)
STAMP_BUSY_MS = 200


def close_session(tx: UnitOfWork, session_id: str) -> None:
    tx.connection.execute(sa.delete(SES).where(SES.c.id_hash == _digest(session_id)))


def end_sessions(tx: UnitOfWork, user_id: int, *, keep_hash: str = "") -> int:
    """End every session of a user but the one whose id hash is ``keep_hash``; the number ended."""
    result = tx.connection.execute(sa.delete(SES).where(SES.c.user_id == user_id, SES.c.id_hash != keep_hash))
    return int(result.rowcount or 0)


def revoke_tokens(tx: UnitOfWork, user_id: int, now: datetime) -> int:
    """Revoke every live token of a user (an administrator's reset or deactivation)."""
    result = tx.connection.execute(sa.update(TOK).where(TOK.c.user_id == user_id, TOK.c.revoked_at.is_(None))
                                   .values(revoked_at=now))
    return int(result.rowcount or 0)


def issue_token(tx: UnitOfWork, user_id: int, name: str, now: datetime, *,
                lifetime: timedelta | None = Lifetimes.token) -> str:
    """A new API token for the user; the plain token is shown once and only its hash is kept."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    tx.connection.execute(sa.insert(TOK).values(user_id=user_id, name=name[:120] or "API", token_hash=_digest(token),
                                                prefix=token[:12], created_at=now,
                                                expires_at=now + lifetime if lifetime else None))
    return token


def token_principal(tx: UnitOfWork, token: str, now: datetime) -> Caller | None:
    """The principal of a live (not revoked, not expired) API token, or None. Only reads; see :func:`record_use`."""
    row = _TOKEN.first(tx.connection, {"hash": _digest(token)})
    if row is None:
        return None
    token_id, user_id, last_used_at, expires_at = row
    if expires_at is not None and expires_at <= now:
        return None
    principal = principal_of(tx, user_id)
    if principal is None:
        return None
    stale = last_used_at is None or now - last_used_at >= STAMP_EVERY
    return Caller(principal, "", ("token", token_id) if stale else None)


def revoke_token(tx: UnitOfWork, user_id: int, token_id: int, now: datetime) -> bool:
    result = tx.connection.execute(sa.update(TOK).where(TOK.c.id == token_id, TOK.c.user_id == user_id,
                                                        TOK.c.revoked_at.is_(None)).values(revoked_at=now))
    return bool(result.rowcount)


@dataclass(frozen=True)
class SessionView:
    id_hash: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    address: str
    user_agent: str
    current: bool


@dataclass(frozen=True)
class TokenView:
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    expired: bool


def sessions_of(tx: UnitOfWork, user_id: int, now: datetime, current_hash: str,
                lifetimes: Lifetimes = Lifetimes()) -> list[SessionView]:
    """The user's live sessions, this one first."""
    rows = tx.connection.execute(sa.select(SES).where(SES.c.user_id == user_id, SES.c.expires_at > now,
                                                      SES.c.created_at > now - lifetimes.absolute)
                                 .order_by(SES.c.last_seen_at.desc())).all()
    views = [SessionView(r.id_hash, r.created_at, r.last_seen_at, min(r.expires_at, r.created_at + lifetimes.absolute),
                         r.address, r.user_agent, r.id_hash == current_hash) for r in rows]
    return sorted(views, key=lambda v: not v.current)


def tokens_of(tx: UnitOfWork, user_id: int, now: datetime) -> list[TokenView]:
    rows = tx.connection.execute(sa.select(TOK).where(TOK.c.user_id == user_id).order_by(TOK.c.id)).all()
    return [TokenView(r.id, r.name, r.prefix, r.created_at, r.last_used_at, r.expires_at, r.revoked_at,
                      r.expires_at is not None and r.expires_at <= now) for r in rows]


def csrf_matches(expected: str, given: str | None) -> bool:
    return bool(given) and secrets.compare_digest(expected, given or "")
