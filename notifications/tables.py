"""Notification tables.

::

    outbox (engine) ─ fan-out ─> notification ── notification_delivery ── notification_attempt
                                 (one per cause)   (one per recipient ×     (one per try of an
                                                    channel, unique key)     e-mail or webhook)
    inbox_item                   what the bell shows (written by the fan-out itself)
    notification_preference      a user's choice of channels per kind (rows only where it differs)
    webhook_endpoint             receivers the administrator configured, per territory

A delivery's ``status``: ``pending`` (the worker sends it when ``next_attempt_at`` comes),
``queued`` (waits for the user's daily digest), ``sent``, ``failed`` (gave up; shown to the
administrator), ``skipped`` (could not be sent at all, e.g. no e-mail address; the reason is kept).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from engine.tables import dt_column, json_column


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


class Notification(SQLModel, table=True):
    """What one outbox row (or one daily digest) says, composed once when it is fanned out."""

    __tablename__ = "notification"
    __table_args__ = (
        sa.UniqueConstraint("key", name="uq_notification_key"),
        sa.Index("ix_notification_case", "case_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    #: the outbox row's key (``step:12``, ``case:5:7:0`` …) or ``digest:<user>:<day>``
    key: str = Field(max_length=160)
    kind: str = Field(max_length=64)
    case_id: int | None = None
    territory: str | None = Field(default=None, max_length=64)
    #: subject line and plain text without personal data (they leave the system by e-mail and webhooks)
    title: str = Field(max_length=300)
    body: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False, server_default=""))
    #: facts, the inbox-only lines, the outbox payload, the digest's sections
    data: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    created_at: datetime = Field(sa_column=dt_column())


class Delivery(SQLModel, table=True):
    """One message to one recipient over one channel; sent at most once per key (see ``delivery``)."""

    __tablename__ = "notification_delivery"
    __table_args__ = (
        sa.UniqueConstraint("key", name="uq_delivery_key"),
        sa.Index("ix_delivery_pending", "next_attempt_at",
                 sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'")),
        sa.Index("ix_delivery_user_status", "user_id", "status"),
        sa.Index("ix_delivery_notification", "notification_id"),
        sa.Index("ix_delivery_endpoint", "endpoint_id", "id"),
        sa.Index("ix_delivery_status", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    #: ``<notification key>|<channel>|<user id or w + endpoint id>``: also the idempotency key receivers see
    key: str = Field(max_length=200)
    notification_id: int = Field(foreign_key="notification.id")
    #: inbox | email | webhook | digest
    channel: str = Field(max_length=16)
    user_id: int | None = Field(default=None, foreign_key="app_user.id")
    endpoint_id: int | None = Field(default=None, foreign_key="webhook_endpoint.id")
    #: the e-mail address or URL at the time of the fan-out
    address: str = Field(default="", max_length=500)
    #: pending | queued | sent | failed | skipped
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_column=dt_column(nullable=True))
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = Field(sa_column=dt_column())
    sent_at: datetime | None = Field(default=None, sa_column=dt_column(nullable=True))
    #: the digest notification that carried a ``digest`` delivery
    digest_id: int | None = Field(default=None, foreign_key="notification.id")


class DeliveryAttempt(SQLModel, table=True):
    """One try to send an e-mail or a webhook, with its outcome (listed for the administrator)."""

    __tablename__ = "notification_attempt"
    __table_args__ = (sa.Index("ix_attempt_delivery", "delivery_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="notification_delivery.id")
    number: int
    at: datetime = Field(sa_column=dt_column())
    ok: bool = False
    detail: str = Field(default="", max_length=500)


class Preference(SQLModel, table=True):
    """A user's choice for one kind and channel; absent rows mean the default (``notifications.kinds``)."""

    __tablename__ = "notification_preference"

    user_id: int = Field(foreign_key="app_user.id", primary_key=True)
    kind: str = Field(primary_key=True, max_length=64)
    channel: str = Field(primary_key=True, max_length=16)
    enabled: bool
    updated_at: datetime = Field(sa_column=dt_column())


class WebhookEndpoint(SQLModel, table=True):
    """A receiver of JSON notifications, signed with its secret (HMAC-SHA256 of the body)."""

    __tablename__ = "webhook_endpoint"
    __table_args__ = (sa.Index("ix_webhook_territory_active", "territory", "active"),)

    id: int | None = Field(default=None, primary_key=True)
    #: only events of this territory's cases are sent to it
    territory: str = Field(foreign_key="territory.code", max_length=64)
    name: str = Field(max_length=120)
    url: str = Field(max_length=500)
    #: the signing secret, encrypted with ``OPORA_SECRET_KEY`` (:mod:`notifications.sealing`)
    secret: str = Field(max_length=500)
    #: the kinds it subscribes to (empty: every kind)
    kinds: list[str] = Field(default_factory=list, sa_column=json_column())
    active: bool = True
    #: the circuit breaker: failed requests in a row, and no request before ``paused_until``
    failures: int = 0
    paused_until: datetime | None = Field(default=None, sa_column=dt_column(nullable=True))
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(sa_column=dt_column())
    updated_at: datetime = Field(sa_column=dt_column())
