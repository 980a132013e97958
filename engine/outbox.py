"""Outbox rows: messages for ``notifications/``, written in the transaction that caused them.

Each row has a unique ``key`` derived from what caused it (a transition's audit seq, a
deadline step), so writing the same message twice is impossible; ``notifications/``
marks a row done only after every delivery it fans out to has been recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from engine.sql import Prepared
from engine.tables import OutboxMessage

OB = OutboxMessage.__table__  # type: ignore[attr-defined]
_INSERT = Prepared(sa.insert(OB), ["key", "kind", "instance_id", "target", "payload", "created_at", "status"])


def message(key: str, kind: str, instance_id: int | None, target: str | None, payload: dict[str, Any]
            ) -> dict[str, Any]:
    """One outbox row: ``key`` names its cause, ``target`` whom it concerns (a role, ``user:<id>``, …)."""
    return {"key": key, "kind": kind, "instance_id": instance_id, "target": target, "payload": payload}


def write(conn: sa.Connection, messages: Sequence[dict[str, Any]], now: datetime) -> None:
    """Write messages created at ``now``, pending delivery (one statement; ``now`` converted once)."""
    if messages:
        _INSERT.executemany(conn, messages, {"created_at": now, "status": "pending"})
