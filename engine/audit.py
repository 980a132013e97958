"""The hash-chained audit trail of each case.

Every change to a case appends one ``wf_audit`` row whose ``hash`` is
``sha256(prev_hash + canonical JSON of the row)``; the first row of a case chains to
:data:`GENESIS`. The case row keeps the head (last seq and hash), so appending never
needs to read the previous event. :func:`verify` recomputes every chain and reports
each break: an edited row, a deleted or inserted row, or a head that does not match.

An event that starts a case or changes who is responsible for it carries, in its payload under
:data:`RESPONSIBLE`, the case's assignee and organisation after it — so the trail alone says who
was responsible on any day (a case "as of a date").
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from engine.database import UnitOfWork
from engine.tables import AuditEvent, CaseInstance

GENESIS = "0" * 64
#: payload key of the case's assignee and organisation after an event that set or changed them
RESPONSIBLE = "_case"


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def event_hash(prev_hash: str, record: Mapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(record)).encode("utf-8")).hexdigest()


def hashed_record(
    *, instance_id: int, seq: int, kind: str, event: str | None, from_state: str | None, to_state: str | None,
    version: int, actor_id: int | None, actor_role: str, actor_org: int | None, at: datetime,
    payload: Mapping[str, Any], idempotency_key: str | None,
) -> dict[str, Any]:
    """The fields covered by the hash (everything but ids, hashes and the request hash)."""
    return {
        "instance_id": instance_id, "seq": seq, "kind": kind, "event": event, "from": from_state,
        "to": to_state, "version": version, "actor_id": actor_id, "actor_role": actor_role,
        "actor_org": actor_org, "at": at.isoformat(timespec="microseconds"), "payload": payload,
        "idempotency_key": idempotency_key,
    }


@dataclass(frozen=True)
class ChainBreak:
    case_id: int
    seq: int | None
    problem: str

    def __str__(self) -> str:
        where = f"событие {self.seq}" if self.seq is not None else "заголовок дела"
        return f"дело № {self.case_id}, {where}: {self.problem}"


def verify(tx: UnitOfWork, case_ids: list[int] | None = None, batch: int = 2000) -> Iterator[ChainBreak]:
    """Recompute every chain (or those of ``case_ids``); yield each break found."""
    conn = tx.connection
    inst = CaseInstance.__table__  # type: ignore[attr-defined]
    audit = AuditEvent.__table__  # type: ignore[attr-defined]
    query = sa.select(inst.c.id, inst.c.audit_seq, inst.c.audit_head).order_by(inst.c.id)
    if case_ids is not None:
        query = query.where(inst.c.id.in_(case_ids))
    last_id = 0
    while True:
        heads = conn.execute(query.where(inst.c.id > last_id).limit(batch)).all()
        if not heads:
            return
        last_id = heads[-1].id
        ids = [h.id for h in heads]
        rows = conn.execute(
            sa.select(audit).where(audit.c.instance_id.in_(ids)).order_by(audit.c.instance_id, audit.c.seq)
        ).mappings().all()
        by_case: dict[int, list[Mapping[str, Any]]] = {}
        for row in rows:
            by_case.setdefault(row["instance_id"], []).append(dict(row))
        for head in heads:
            yield from _verify_case(head.id, head.audit_seq, head.audit_head, by_case.get(head.id, []))


def _verify_case(case_id: int, head_seq: int, head_hash: str, rows: list[Mapping[str, Any]]) -> Iterator[ChainBreak]:
    prev = GENESIS
    expected_seq = 1
    for row in rows:
        if row["seq"] != expected_seq:
            yield ChainBreak(case_id, row["seq"], f"пропуск в нумерации: ожидалось событие {expected_seq}")
            expected_seq = row["seq"]
        if row["prev_hash"] != prev:
            yield ChainBreak(case_id, row["seq"], "ссылка на предыдущее событие не совпадает")
        record = hashed_record(
            instance_id=row["instance_id"], seq=row["seq"], kind=row["kind"], event=row["event"],
            from_state=row["from_state"], to_state=row["to_state"], version=row["version"],
            actor_id=row["actor_id"], actor_role=row["actor_role"], actor_org=row["actor_org"], at=row["at"],
            payload=row["payload"], idempotency_key=row["idempotency_key"],
        )
        if event_hash(row["prev_hash"], record) != row["hash"]:
            yield ChainBreak(case_id, row["seq"], "содержимое события изменено (хэш не совпадает)")
        prev = row["hash"]
        expected_seq += 1
    if rows and (rows[-1]["seq"] != head_seq or prev != head_hash):
        yield ChainBreak(case_id, None, "последнее событие не совпадает с заголовком дела (события удалены?)")
    if not rows and head_seq:
        yield ChainBreak(case_id, None, "у дела нет событий, хотя заголовок их указывает")
