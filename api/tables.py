"""Web-layer tables: login sessions (cookie + CSRF token), API tokens, login attempts and their throttle,
saved searches (the criteria of a registry search or a case filter, kept out of URLs).

Only hashes of session ids and tokens are stored: a stolen database does not yield a working cookie.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from engine.tables import dt_column, json_column


class AuthSession(SQLModel, table=True):
    __tablename__ = "auth_session"

    id_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=dt_column())
    expires_at: datetime = Field(sa_column=dt_column())
    last_seen_at: datetime = Field(sa_column=dt_column())
    #: where the login came from, shown on the user's page among their active sessions
    address: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=200)


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    name: str = Field(max_length=120)
    token_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    prefix: str = Field(max_length=12)
    created_at: datetime = Field(sa_column=dt_column())
    last_used_at: datetime | None = Field(default=None, sa_column=dt_column(nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=dt_column(nullable=True))
    #: tokens issued before expiry existed have none (they keep working until revoked)
    expires_at: datetime | None = Field(default=None, sa_column=dt_column(nullable=True))


class LoginAttempt(SQLModel, table=True):
    __tablename__ = "login_attempt"
    __table_args__ = (sa.Index("ix_login_attempt_login_at", "login", "at"), sa.Index("ix_login_attempt_at", "at"))

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=64)
    address: str = Field(default="", max_length=64)
    at: datetime = Field(sa_column=dt_column())
    success: bool = False


class LoginThrottle(SQLModel, table=True):
    """Failed logins of one (login, client address) pair: counted before the password is checked."""

    __tablename__ = "login_throttle"

    login: str = Field(primary_key=True, max_length=64)
    address: str = Field(primary_key=True, max_length=64)
    failures: int = 0
    last_failure_at: datetime = Field(sa_column=dt_column())
    #: no attempt of this pair is checked before this moment (grows with the failures)
    locked_until: datetime | None = Field(default=None, sa_column=dt_column(nullable=True))


class SavedSearch(SQLModel, table=True):
    """Search criteria posted by a form, reached by an opaque id: names and birth dates never enter a URL."""

    __tablename__ = "saved_search"

    id: str = Field(primary_key=True, max_length=32)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    #: registry | cases
    kind: str = Field(max_length=16)
    criteria: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    created_at: datetime = Field(sa_column=dt_column())
