"""What guards, effects and field types see while a transition runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session

from engine.commands import Actor
from engine.database import UnitOfWork
from engine.definition import Transition, Workflow

if TYPE_CHECKING:
    from engine.runtime import Runtime


@dataclass
class CaseView:
    """A case as loaded inside the transaction; effects may change ``data``, ``assignee_id`` and ``org_id``."""

    id: int
    workflow: str
    workflow_version: int
    state: str
    version: int
    territory: str | None
    org_id: int | None
    assignee_id: int | None
    subject_kind: str | None
    subject_id: int | None
    parent_id: int | None
    data: dict[str, Any]
    audit_seq: int = 0
    audit_head: str = ""
    closed_at: datetime | None = None


@dataclass
class TransitionContext:
    tx: UnitOfWork
    runtime: Runtime
    workflow: Workflow
    case: CaseView
    actor: Actor
    now: datetime
    transition: Transition | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    target: str | None = None
    #: outbox rows the transition will write (kind, target, payload)
    messages: list[tuple[str, str | None, dict[str, Any]]] = field(default_factory=list)
    #: the request's idempotency key and the hash of its request, recorded in the audit event
    idempotency: tuple[str | None, str | None] = (None, None)

    @property
    def session(self) -> Session:
        """The ORM session of the transition's transaction (for the domain's guards and effects)."""
        return self.tx.session

    @property
    def connection(self) -> sa.Connection:
        return self.tx.connection

    @property
    def today(self) -> date:
        return self.runtime.calendar.local_date(self.now)

    def notify(self, kind: str, target: str | None, payload: dict[str, Any] | None = None) -> None:
        """Queue an outbox message written in the same transaction (key derived from the audit seq)."""
        self.messages.append((kind, target, dict(payload or {})))

    def parameter(self, name: str) -> Any:
        return self.runtime.parameter_value(self.tx, self.workflow, self.case.territory, name)
