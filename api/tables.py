"""Web-layer tables: login sessions (cookie + CSRF token), API tokens, login attempts for throttling.

Only hashes of session ids and tokens are stored: a stolen database does not yield a working cookie.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from engine.tables import dt_column


class AuthSession(SQLModel, table=True):
    __tablename__ = "auth_session"

    id_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=dt_column())
    expires_at: datetime = Field(sa_column=dt_column())
    last_seen_at: datetime = Field(sa_column=dt_column())


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


class LoginAttempt(SQLModel, table=True):
    __tablename__ = "login_attempt"
    __table_args__ = (sa.Index("ix_login_attempt_login_at", "login", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=64)
    address: str = Field(default="", max_length=64)
    at: datetime = Field(sa_column=dt_column())
    success: bool = False
