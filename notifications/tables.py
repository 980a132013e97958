"""Notification tables."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from engine.tables import dt_column


class InboxItem(SQLModel, table=True):
    """One in-app notification of one user (shown by the bell)."""

    __tablename__ = "inbox_item"
    __table_args__ = (
        sa.UniqueConstraint("source_key", name="uq_inbox_source"),
        sa.Index("ix_inbox_user_unread", "user_id", "read_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id")
    kind: str = Field(max_length=64)
    title: str = Field(max_length=300)
    body: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False, server_default=""))
    case_id: int | None = None
    #: what caused it and for whom (outbox key + user): the same message is never stored twice
    source_key: str = Field(max_length=200)
    created_at: datetime = Field(sa_column=dt_column())
    read_at: datetime | None = Field(default=None, sa_column=dt_column(nullable=True))
