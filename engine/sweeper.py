"""The deadline sweeper: the only part of Opora driven by time.

It takes due steps (``status = 'pending' AND due_at <= now``) in batches, oldest first,
each batch in its own transaction:

* a reminder or an escalation becomes an outbox row keyed ``step:<id>`` (so it can never
  be written twice) for ``notifications/`` to deliver to the step's target;
* a timeout fires the declared event on the case as the system actor, with the
  idempotency key ``step:<id>``, inside a savepoint — if the event is refused the step
  is marked ``failed`` with the reason instead of blocking the batch;
* the step is marked ``done`` with the moment it fired, and ``late`` when that is more
  than ``lateness`` after its due moment (after downtime, say). Late steps fire; they
  are never dropped.

On PostgreSQL the batch is selected ``FOR UPDATE SKIP LOCKED`` so several sweepers can
run at once without taking the same step. APScheduler (:mod:`engine.scheduler`) only
calls :func:`sweep` on an interval; the truth is in the database.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from engine import outbox
from engine.commands import Actor, FireTransition
from engine.database import Database, UnitOfWork
from engine.errors import EngineError
from engine.runtime import Runtime
from engine.sql import Prepared
from engine.tables import Deadline, DeadlineStep

ST = DeadlineStep.__table__  # type: ignore[attr-defined]
DL = Deadline.__table__  # type: ignore[attr-defined]
PENDING: sa.ColumnClause[str] = sa.literal_column("'pending'")

_NOW = sa.bindparam("now", type_=ST.c.due_at.type)
_LATE = ST.c.due_at < sa.bindparam("cutoff", type_=ST.c.due_at.type)
_MARK_DONE = (sa.update(ST).where(ST.c.id.in_(sa.bindparam("ids", expanding=True)))
              .values(status="done", fired_at=_NOW, late=_LATE))
_MARK_FAILED = (sa.update(ST).where(ST.c.id == sa.bindparam("sid"))
                .values(status="failed", fired_at=_NOW, late=_LATE, note=sa.bindparam("s_note")))
_DUE = (
    sa.select(ST.c.id, ST.c.kind, ST.c.level, ST.c.target, _LATE.label("late"), ST.c.instance_id, ST.c.deadline_id,
              DL.c.key.label("deadline_key"), DL.c.title, DL.c.due_at.label("deadline_due"), DL.c.ref)
    .join(DL, DL.c.id == ST.c.deadline_id)
    .where(ST.c.status == PENDING, ST.c.due_at <= _NOW)
    .order_by(ST.c.due_at, ST.c.id).limit(sa.bindparam("batch_size", type_=sa.Integer))
)
#: the batch of due steps; on PostgreSQL locked by this sweeper and skipped by the others
_DUE_BATCH = Prepared(_DUE)
_DUE_BATCH_LOCKED = Prepared(_DUE.with_for_update(of=ST, skip_locked=True))
_IDLE = sa.select(ST.c.id).where(ST.c.status == PENDING, ST.c.due_at <= sa.bindparam("now", type_=ST.c.due_at.type)) \
    .order_by(ST.c.due_at).limit(1)


@dataclass
class SweepReport:
    steps: int = 0
    reminders: int = 0
    escalations: int = 0
    timeouts: int = 0
    late: int = 0
    failed: int = 0
    batches: int = 0
    failures: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "failures"} | {"failures": self.failures[:20]}


def has_due(db: Database, now: datetime) -> bool:
    """The idle poll: is any step due? One index probe on the partial index of pending steps."""
    with db.engine.connect() as conn:
        return conn.execute(_IDLE, {"now": now}).first() is not None


def sweep(db: Database, runtime: Runtime, *, batch_size: int = 1000, lateness: timedelta = timedelta(minutes=5),
          max_batches: int | None = None, budget: float | None = None) -> SweepReport:
    """Run every due step once; return what was done.

    ``budget`` (seconds) bounds how long one batch's transaction may take: when it is spent,
    the steps handled so far are committed and the rest are taken by the next batch. The
    server sets it so that a backlog of timeouts (each fires a transition) never holds
    SQLite's write lock for long; ``opora sweep`` runs without it.
    """
    report = SweepReport()
    while max_batches is None or report.batches < max_batches:
        if not _sweep_batch(db, runtime, batch_size, lateness, report, budget):
            break
        report.batches += 1
    return report


def _sweep_batch(db: Database, runtime: Runtime, batch_size: int, lateness: timedelta, report: SweepReport,
                 budget: float | None = None) -> bool:
    started = time.perf_counter()
    with db.unit_of_work() as tx:
        conn = tx.connection
        now = runtime.clock.now()
        due = _DUE_BATCH if db.is_sqlite else _DUE_BATCH_LOCKED
        steps = due.all(conn, {"now": now, "cutoff": now - lateness, "batch_size": batch_size})
        if not steps:
            return False
        messages = []
        done: list[int] = []
        failed: list[dict[str, Any]] = []
        moved: set[int] = set()  # cases a timeout moved on: their other steps were cancelled with the state
        for step in steps:
            if budget is not None and (done or failed) and time.perf_counter() - started > budget:
                break  # the rest stay pending for the next batch
            if step.instance_id in moved:
                continue
            late = step.late  # computed in the SELECT (a Boolean column: bool on both backends)
            note = None
            status = "done"
            if step.kind == "timeout":
                note = _fire_timeout(tx, runtime, step)
                if note:
                    status = "failed"
                    report.failed += 1
                    report.failures.append(f"step {step.id}: {note}")
                else:
                    report.timeouts += 1
                    moved.add(step.instance_id)
            else:
                kind = "deadline.reminder" if step.kind == "remind" else "deadline.escalation"
                messages.append(outbox.message(
                    f"step:{step.id}", kind, step.instance_id, step.target,
                    {"step_id": step.id, "deadline_id": step.deadline_id, "deadline": step.deadline_key,
                     "title": step.title, "ref": step.ref, "due_at": step.deadline_due.isoformat(),
                     "level": step.level, "late": late}))
                if step.kind == "remind":
                    report.reminders += 1
                else:
                    report.escalations += 1
            report.steps += 1
            report.late += late
            if status == "done":
                done.append(step.id)
            else:
                failed.append({"sid": step.id, "s_note": note})
        outbox.write(conn, messages, now)
        # one set-based UPDATE for the batch; late = fired more than `lateness` after the due moment
        conn.execute(_MARK_DONE, {"ids": done, "now": now, "cutoff": now - lateness})
        if failed:
            conn.execute(_MARK_FAILED, [{**f, "now": now, "cutoff": now - lateness} for f in failed])
        tx.commit()
        return True


def _fire_timeout(tx: UnitOfWork, runtime: Runtime, step: Any) -> str | None:
    """Fire the timeout's event; return the reason when it was refused (the step then fails)."""
    savepoint = tx.connection.begin_nested()
    try:
        runtime.fire(tx, FireTransition(step.instance_id, step.target, Actor.system(),
                                             idempotency_key=f"step:{step.id}"))
    except EngineError as exc:
        savepoint.rollback()
        return str(exc)[:500]
    savepoint.commit()
    return None
