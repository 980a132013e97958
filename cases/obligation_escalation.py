"""Escalation of overdue obligations up the reporting chain (run by the sweep, on working days).

An obligation overdue (its due day passed, still owed: due or returned) is reported, one level per working day:

1. to the heads of the owing organisation (the first working day after the due day);
2. the next working day, to the organisation it is owed to;
3. the working day after, to that organisation's own recipient (:data:`cases.obligations.CHAIN`: provider or УСО →
   УСЗН → resource centre → РЦРСО → Депсоцразвития).

Each level is one outbox row (``obligation.overdue``, target ``org:<id>``, key ``obligation:<id>:overdue:<level>``:
written once) and one row of the obligation's history. ``notifications`` resolves the target to the
organisation's heads (:data:`cases.access.OBLIGATION_HEADS`), or to its staff when it has none.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from cases.obligation_tables import ReportObligation, ReportObligationEvent
from cases.obligation_work import SUBMITTABLE, open_obligations, recipient_of, today_of
from cases.obligations import CHAIN
from cases.tables import Organisation
from engine import outbox
from engine.database import Database
from engine.runtime import Runtime
from engine.tables import table_of

RO, EV, ORG = table_of(ReportObligation), table_of(ReportObligationEvent), table_of(Organisation)
KIND = "obligation.overdue"
LEVELS = 3
LEVEL_TITLES = {1: "руководителю организации", 2: "получателю отчёта", 3: "вышестоящему получателю"}


def _addressee(conn: sa.Connection, row: Any, level: int) -> int | None:
    if level == 1:
        return int(row.org_id)
    if row.recipient_org_id is None:
        return None
    if level == 2:
        return int(row.recipient_org_id)
    recipient = conn.execute(sa.select(ORG.c.kind, ORG.c.territory).where(ORG.c.id == row.recipient_org_id)).first()
    return recipient_of(conn, recipient.territory, CHAIN.get(recipient.kind, "")) if recipient else None


def escalate_overdue(db: Database, runtime: Runtime) -> int:
    """Move every overdue obligation one level up the chain (at most once a day); how many moved."""
    today = today_of(runtime)
    if not runtime.calendar.is_working_day(today):
        return 0
    due = sa.select(RO.c.id, RO.c.org_id, RO.c.recipient_org_id, RO.c.title, RO.c.period_first, RO.c.due_on,
                    RO.c.escalation_level, RO.c.territory).where(
        RO.c.state.in_(SUBMITTABLE), RO.c.due_on < today, RO.c.escalation_level < LEVELS,
        sa.or_(RO.c.escalated_on.is_(None), RO.c.escalated_on < today))
    with db.read() as tx:  # most ticks find nothing: no write transaction for them
        if tx.connection.execute(due.limit(1)).first() is None:
            return 0
    now = runtime.clock.now()
    with db.unit_of_work() as tx:
        conn = tx.connection
        late = conn.execute(due.order_by(RO.c.id)).all()
        messages = []
        for row in late:
            level = row.escalation_level + 1
            to = _addressee(conn, row, level)
            moved = conn.execute(sa.update(RO).where(RO.c.id == row.id, RO.c.escalation_level == row.escalation_level)
                                 .values(escalation_level=level, escalated_on=today))
            if moved.rowcount != 1:
                continue  # another worker moved it
            note = f"уровень {level}: {LEVEL_TITLES[level]}" + ("" if to else " (организация не найдена)")
            conn.execute(sa.insert(EV).values(obligation_id=row.id, kind="escalated", from_state="", to_state="",
                                              by_user=None, at=now, note=note, sha256=""))
            if to is not None:
                messages.append(outbox.message(
                    f"obligation:{row.id}:overdue:{level}", KIND, None, f"org:{to}",
                    {"obligation_id": row.id, "org_id": to, "owing_org_id": row.org_id, "level": level,
                     "territory": row.territory, "title": row.title, "period_first": row.period_first.isoformat(),
                     "due_on": row.due_on.isoformat(), "days": (today - row.due_on).days}))
        outbox.write(conn, messages, now)
        tx.commit()
    return len(late)


def sweep(db: Database, runtime: Runtime) -> dict[str, int]:
    """The sweep's part for obligations: open the current and next periods, then escalate the overdue."""
    return {"obligations_opened": open_obligations(db, runtime),
            "obligations_escalated": escalate_overdue(db, runtime)}
