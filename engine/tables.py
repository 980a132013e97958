"""The engine's tables (SQLModel), identical on SQLite and PostgreSQL.

::

    wf_version      one row per published (workflow, version): source text and content hash
    wf_parameter    regional overrides of workflow parameters, per territory
    wf_instance     a case: workflow, version, state, optimistic version, scoping, data, audit head
    wf_audit        the case's hash-chained history (transitions, starts, assignments, migrations)
    wf_deadline     deadlines opened when a state is entered (or per item, by the domain)
    wf_step         due reminder / escalation / timeout steps of a deadline; swept exactly once
    outbox          messages for notifications/, written in the same transaction as the change

Datetimes are stored in UTC (:class:`UTCDateTime`); JSON is JSONB on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every backend."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def sqlite_text(value: datetime) -> str:
    """What :class:`UTCDateTime` stores on SQLite, in one step: naive UTC as ``YYYY-MM-DD HH:MM:SS.ffffff``.

    Prebuilt statements (``engine/sql.py``) use it instead of the two-stage SQLAlchemy conversion.
    """
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def from_sqlite_text(text: str) -> datetime:
    """The aware UTC datetime of a value :func:`sqlite_text` (or SQLAlchemy) stored."""
    value = datetime.fromisoformat(text)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


def table_of(model: type[SQLModel]) -> sa.Table:
    """The Core table behind a SQLModel class (for prebuilt statements)."""
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, sa.Table)
    return table


def json_column(nullable: bool = False) -> Any:
    return sa.Column(JSONType, nullable=nullable)


def dt_column(nullable: bool = False, index: bool = False) -> Any:
    return sa.Column(UTCDateTime(), nullable=nullable, index=index)


class WorkflowVersion(SQLModel, table=True):
    __tablename__ = "wf_version"
    __table_args__ = (sa.UniqueConstraint("name", "version", name="uq_wf_version_name_version"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64)
    version: int
    title: str = Field(max_length=300)
    content_hash: str = Field(max_length=64)
    source: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    published_at: datetime = Field(sa_column=dt_column())


class ParameterOverride(SQLModel, table=True):
    """A regional setting overridden for one territory without editing the workflow file."""

    __tablename__ = "wf_parameter"
    __table_args__ = (sa.UniqueConstraint("workflow", "territory", "name", name="uq_wf_parameter"),)

    id: int | None = Field(default=None, primary_key=True)
    workflow: str = Field(max_length=64)
    territory: str = Field(max_length=64)
    name: str = Field(max_length=64)
    value: Any = Field(sa_column=json_column())
    basis: str = Field(default="", max_length=500)
    updated_at: datetime = Field(sa_column=dt_column())


class CaseInstance(SQLModel, table=True):
    __tablename__ = "wf_instance"
    __table_args__ = (
        sa.Index("ix_wf_instance_assignee_due", "assignee_id", "next_due_at"),
        sa.Index("ix_wf_instance_territory_wf_state", "territory", "workflow", "state"),
        sa.Index("ix_wf_instance_territory_due", "territory", "next_due_at"),
        sa.Index("ix_wf_instance_subject", "subject_kind", "subject_id"),
        sa.Index("ix_wf_instance_org", "org_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workflow: str = Field(max_length=64)
    workflow_version: int
    state: str = Field(max_length=64)
    version: int = 1
    territory: str | None = Field(default=None, max_length=64)
    org_id: int | None = None
    assignee_id: int | None = None
    subject_kind: str | None = Field(default=None, max_length=32)
    subject_id: int | None = None
    parent_id: int | None = Field(default=None, foreign_key="wf_instance.id")
    data: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    next_due_at: datetime | None = Field(default=None, sa_column=dt_column(nullable=True))
    audit_seq: int = 0
    audit_head: str = Field(default="", max_length=64)
    created_at: datetime = Field(sa_column=dt_column())
    updated_at: datetime = Field(sa_column=dt_column())
    closed_at: datetime | None = Field(default=None, sa_column=dt_column(nullable=True))


class AuditEvent(SQLModel, table=True):
    __tablename__ = "wf_audit"
    __table_args__ = (
        sa.UniqueConstraint("instance_id", "seq", name="uq_wf_audit_instance_seq"),
        sa.UniqueConstraint("idempotency_key", name="uq_wf_audit_idempotency_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    instance_id: int = Field(foreign_key="wf_instance.id")
    seq: int
    kind: str = Field(max_length=32)
    event: str | None = Field(default=None, max_length=64)
    from_state: str | None = Field(default=None, max_length=64)
    to_state: str | None = Field(default=None, max_length=64)
    version: int
    actor_id: int | None = None
    actor_role: str = Field(max_length=32)
    actor_org: int | None = None
    at: datetime = Field(sa_column=dt_column())
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    idempotency_key: str | None = Field(default=None, max_length=200)
    request_hash: str | None = Field(default=None, max_length=64)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class Deadline(SQLModel, table=True):
    __tablename__ = "wf_deadline"
    __table_args__ = (
        sa.Index("ix_wf_deadline_instance_status", "instance_id", "status", "due_at"),
        sa.Index("ix_wf_deadline_closed_at", "closed_at"),
        sa.Index("ix_wf_deadline_open_due", "due_at",
                 sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'")),
    )

    id: int | None = Field(default=None, primary_key=True)
    instance_id: int = Field(foreign_key="wf_instance.id")
    state: str = Field(max_length=64)
    key: str = Field(max_length=64)
    ref: str | None = Field(default=None, max_length=64)
    title: str = Field(max_length=300)
    basis: str = Field(max_length=500)
    due_at: datetime = Field(sa_column=dt_column())
    opened_at: datetime = Field(sa_column=dt_column())
    closed_at: datetime | None = Field(default=None, sa_column=dt_column(nullable=True))
    #: open | met | late | cancelled
    status: str = Field(default="open", max_length=16)


class DeadlineStep(SQLModel, table=True):
    __tablename__ = "wf_step"
    __table_args__ = (
        sa.UniqueConstraint("key", name="uq_wf_step_key"),
        sa.Index("ix_wf_step_deadline", "deadline_id"),
        sa.Index("ix_wf_step_instance_status", "instance_id", "status"),
        sa.Index("ix_wf_step_pending_due", "due_at",
                 sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'")),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=80)
    deadline_id: int = Field(foreign_key="wf_deadline.id")
    instance_id: int
    #: remind | escalate | timeout
    kind: str = Field(max_length=16)
    level: int = 0
    target: str = Field(max_length=64)
    due_at: datetime = Field(sa_column=dt_column())
    #: pending | done | cancelled | failed
    status: str = Field(default="pending", max_length=16)
    fired_at: datetime | None = Field(default=None, sa_column=dt_column(nullable=True))
    late: bool = False
    note: str | None = Field(default=None, max_length=500)


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox"
    __table_args__ = (
        sa.UniqueConstraint("key", name="uq_outbox_key"),
        sa.Index("ix_outbox_pending", "id",
                 sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'")),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=120)
    kind: str = Field(max_length=64)
    instance_id: int | None = None
    target: str | None = Field(default=None, max_length=64)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    created_at: datetime = Field(sa_column=dt_column())
    #: pending | done
    status: str = Field(default="pending", max_length=16)
    done_at: datetime | None = Field(default=None, sa_column=dt_column(nullable=True))


ENGINE_TABLES = [
    WorkflowVersion.__table__, ParameterOverride.__table__, CaseInstance.__table__, AuditEvent.__table__,  # type: ignore[attr-defined]
    Deadline.__table__, DeadlineStep.__table__, OutboxMessage.__table__,  # type: ignore[attr-defined]
]
