"""Commands the engine accepts and the results it returns (plain, frozen objects)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

SYSTEM_ROLE = "system"


@dataclass(frozen=True)
class Actor:
    """Who acts: a user in one of their roles, on behalf of an organisation — or the engine itself."""

    user_id: int | None
    role: str
    org_id: int | None = None
    territory: str | None = None

    @classmethod
    def system(cls) -> Actor:
        return cls(None, SYSTEM_ROLE)


@dataclass(frozen=True)
class StartCase:
    workflow: str
    actor: Actor
    data: Mapping[str, Any] = field(default_factory=dict)
    territory: str | None = None
    org_id: int | None = None
    assignee_id: int | None = None
    subject_kind: str | None = None
    subject_id: int | None = None
    parent_id: int | None = None
    version: int | None = None
    idempotency_key: str | None = None
    #: what the caller asked for, compared when the idempotency key comes again (default: ``data``)
    request: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class FireTransition:
    case_id: int
    event: str
    actor: Actor
    payload: Mapping[str, Any] = field(default_factory=dict)
    expected_version: int | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class TransitionResult:
    case_id: int
    event: str
    from_state: str | None
    to_state: str
    version: int
    seq: int
    replayed: bool = False
