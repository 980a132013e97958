"""Logging in, sessions with CSRF tokens, API tokens, and throttling of failed logins.

* A session id (random, 256 bits) lives in an HttpOnly, SameSite=Lax cookie; only its SHA-256 is
  stored. Each session has its own CSRF token, which every form sends back.
* An API token (``opora_…``) is given to a user and sent as ``Authorization: Bearer``; only its
  SHA-256 is stored; it can be revoked.
* After :data:`MAX_FAILURES` failed logins for one login within :data:`WINDOW`, further attempts
  are refused until the window passes — even with the right password.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from api.tables import ApiToken, AuthSession, LoginAttempt
from cases.directory import principal_of
from cases.errors import DomainError
from cases.passwords import verify_password
from cases.principal import Principal
from cases.tables import User
from engine.database import Database, UnitOfWork, is_unavailable
from engine.tables import table_of

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
SESSION_TTL = timedelta(hours=8)
SESSION_COOKIE = "opora_session"
TOKEN_PREFIX = "opora_"

SES, TOK, ATT, USR = (table_of(t) for t in (AuthSession, ApiToken, LoginAttempt, User))


class NotAuthenticated(DomainError):
    code = "not_authenticated"
    status = 401

    def __init__(self, message: str = "Требуется вход в систему") -> None:
        super().__init__(message)


class TooManyAttempts(DomainError):
    code = "too_many_attempts"
    status = 429

    def __init__(self, minutes: int) -> None:
        self.minutes = minutes
        super().__init__(f"Слишком много неудачных попыток входа. Повторите через {minutes} мин.")


class CsrfFailed(DomainError):
    code = "csrf_failed"
    status = 403

    def __init__(self) -> None:
        super().__init__("Форма устарела или отправлена не со страницы системы. Обновите страницу и повторите.")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def authenticate(tx: UnitOfWork, login: str, password: str, address: str, now: datetime) -> Principal:
    """The principal for a login and password; raises NotAuthenticated or TooManyAttempts."""
    login = login.strip()[:64]
    since = now - WINDOW
    failures = tx.connection.execute(
        sa.select(ATT.c.at).where(ATT.c.login == login, ATT.c.success.is_(False), ATT.c.at >= since)
        .order_by(ATT.c.at)).scalars().all()
    if len(failures) >= MAX_FAILURES:
        wait = failures[-MAX_FAILURES] + WINDOW - now
        raise TooManyAttempts(max(1, int(wait.total_seconds() // 60) + 1))
    row = tx.connection.execute(sa.select(USR.c.id, USR.c.password_hash, USR.c.is_active)
                                .where(USR.c.login == login)).first()
    ok = row is not None and row.is_active and verify_password(row.password_hash, password)
    tx.connection.execute(sa.insert(ATT).values(login=login, address=address[:64], at=now, success=ok))
    principal = principal_of(tx, row.id) if ok and row is not None else None
    if principal is None:
        tx.commit()  # the failed attempt counts even though the request fails
        raise NotAuthenticated("Неверный логин или пароль")
    return principal


@dataclass(frozen=True)
class OpenedSession:
    session_id: str
    csrf_token: str
    expires_at: datetime


def open_session(tx: UnitOfWork, user_id: int, now: datetime) -> OpenedSession:
    session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    expires = now + SESSION_TTL
    tx.connection.execute(sa.insert(SES).values(id_hash=_digest(session_id), user_id=user_id, csrf_token=csrf,
                                                created_at=now, expires_at=expires, last_seen_at=now))
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


def session_principal(tx: UnitOfWork, session_id: str, now: datetime) -> Caller | None:
    """The principal and CSRF token of a live session, or None. Only reads; see :func:`record_use`."""
    key = _digest(session_id)
    row = tx.connection.execute(sa.select(SES.c.user_id, SES.c.csrf_token, SES.c.expires_at, SES.c.last_seen_at)
                                .where(SES.c.id_hash == key)).first()
    if row is None or row.expires_at <= now:
        return None
    principal = principal_of(tx, row.user_id)
    if principal is None:
        return None
    stale = now - row.last_seen_at >= STAMP_EVERY
    return Caller(principal, row.csrf_token, ("session", key) if stale else None)


def record_use(db: Database, caller: Caller, now: datetime) -> None:
    """Write down that a session (sliding expiry) or token was used, at most once a minute.

    A stamp is bookkeeping, not the request's work: it is a short write of its own, and when
    the database is busy it is skipped (the next request a minute later tries again) instead
    of making a read wait for the write lock.
    """
    if caller.stamp is None:
        return
    kind, key = caller.stamp
    statement = (sa.update(SES).where(SES.c.id_hash == key).values(last_seen_at=now, expires_at=now + SESSION_TTL)
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


def issue_token(tx: UnitOfWork, user_id: int, name: str, now: datetime) -> str:
    """A new API token for the user; the plain token is shown once and only its hash is kept."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    tx.connection.execute(sa.insert(TOK).values(user_id=user_id, name=name[:120] or "API", token_hash=_digest(token),
                                                prefix=token[:12], created_at=now))
    return token


def token_principal(tx: UnitOfWork, token: str, now: datetime) -> Caller | None:
    """The principal of a live API token, or None. Only reads; see :func:`record_use`."""
    row = tx.connection.execute(sa.select(TOK.c.id, TOK.c.user_id, TOK.c.last_used_at).where(
        TOK.c.token_hash == _digest(token), TOK.c.revoked_at.is_(None))).first()
    if row is None:
        return None
    principal = principal_of(tx, row.user_id)
    if principal is None:
        return None
    stale = row.last_used_at is None or now - row.last_used_at >= STAMP_EVERY
    return Caller(principal, "", ("token", row.id) if stale else None)


def revoke_token(tx: UnitOfWork, user_id: int, token_id: int, now: datetime) -> bool:
    result = tx.connection.execute(sa.update(TOK).where(TOK.c.id == token_id, TOK.c.user_id == user_id,
                                                        TOK.c.revoked_at.is_(None)).values(revoked_at=now))
    return bool(result.rowcount)


def csrf_matches(expected: str, given: str | None) -> bool:
    return bool(given) and secrets.compare_digest(expected, given or "")
