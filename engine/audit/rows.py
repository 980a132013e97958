"""Reading ``wf_audit`` for :func:`engine.audit.verify`: one pass in the table's own order.

A million events cost mostly the reading, so the events are read once, in the order they
sit in the table (by id on SQLite — the rowid, a sequential scan; unordered on PostgreSQL —
a sequential scan through a server-side cursor, so memory stays flat however long the
table). Each case's events were appended in seq order, so they arrive in seq order; a case
whose events do not is simply read again on its own (:func:`case_rows`) and checked there.
Rows come from the DBAPI cursor of the caller's transaction, in batches.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from engine.database import UnitOfWork

BATCH = 20_000
#: the columns of an event row, in this order
FULL = ("instance_id, seq, kind, event, from_state, to_state, version, actor_id, actor_role, actor_org, at, "
        "payload, idempotency_key, prev_hash, hash")
CASE, SEQ, AT, PAYLOAD, LINK, HASH = 0, 1, 10, 11, 13, 14


def _where(column: str, case_ids: list[int] | None) -> str:
    return f" WHERE {column} IN ({', '.join(str(int(c)) for c in case_ids)})" if case_ids is not None else ""


def heads(tx: UnitOfWork, case_ids: list[int] | None) -> Iterator[tuple[Any, ...]]:
    """``(id, audit_seq, audit_head)`` of every case (or of ``case_ids``), by id."""
    return stream(tx, f"SELECT id, audit_seq, audit_head FROM wf_instance{_where('id', case_ids)} ORDER BY id",
                  "opora_audit_heads")


def events(tx: UnitOfWork, case_ids: list[int] | None) -> Iterator[list[tuple[Any, ...]]]:
    """Every event (or those of ``case_ids``) in the table's order, in batches (a list per fetch)."""
    order = " ORDER BY id" if tx.connection.dialect.name == "sqlite" else ""
    return batches(tx, f"SELECT {FULL} FROM wf_audit{_where('instance_id', case_ids)}{order}", "opora_audit_events")


def case_rows(tx: UnitOfWork, case_id: int) -> list[tuple[Any, ...]]:
    """One case's events, by seq."""
    return list(stream(tx, f"SELECT {FULL} FROM wf_audit WHERE instance_id = {int(case_id)} ORDER BY seq, id", ""))


def stream(tx: UnitOfWork, sql: str, name: str) -> Iterator[tuple[Any, ...]]:
    """Rows of a query from the DBAPI cursor of the transaction (``name``: server-side on PostgreSQL)."""
    for rows in batches(tx, sql, name):
        yield from rows


def batches(tx: UnitOfWork, sql: str, name: str) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of a query a fetch at a time (the hot loop walks a list instead of resuming a generator per row)."""
    raw: Any = tx.connection.connection.dbapi_connection
    cursor = raw.cursor(name=name) if name and tx.connection.dialect.name == "postgresql" else raw.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(BATCH):
            yield rows
    finally:
        cursor.close()
