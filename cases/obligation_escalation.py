"""Escalation of overdue obligations up the reporting chain (run by the sweep, on working days), driven by the
escalation steps of the obligation's workflow deadline (``workflows/report_obligation.yaml``).

An obligation overdue (its due day passed, still owed: due or returned) is reported, one level per working day:

1. to the heads of the owing organisation (the first working day after the due day);
2. the next working day, to the organisation it is owed to;
3. the working day after, to that organisation's own recipient (:data:`cases.obligations.CHAIN`: provider or УСО →
   УСЗН → resource centre → РЦРСО → Депсоцразвития).

Why the chain is resolved here and not by the engine's escalation: the engine escalates to roles of the case's
territory, while each level here is an *organisation* found from the obligation (its owner, its recipient, the
recipient's own recipient by kind). So the workflow's deadline declares the three levels with targets of the
chain (``owing_org``, ``recipient_org``, ``recipient_above``: :data:`cases.obligation_flow.TARGETS`); the engine
opens them with the deadline, cancels them when the report is submitted, and holds them for this sweep
(``wf_step.status = 'held'``). This sweep takes the due ones — at most one level per obligation per working day,
lowest first, never on a day off nor on the due day itself — marks each ``done`` (a step is taken once: on
PostgreSQL ``FOR UPDATE SKIP LOCKED``, and the update is guarded by its status), records it in the instance's
history and writes one outbox row (``obligation.overdue``, target ``org:<id>``, key
``obligation:<id>:overdue:<level>``: written once). ``notifications`` resolves the target to the organisation's
heads (:data:`cases.access.OBLIGATION_HEADS`), or to its staff when it has none.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from cases import obligation_flow
from cases.obligation_tables import ReportObligation
from cases.obligation_work import SUBMITTABLE, open_obligations, recipient_of, today_of
from cases.obligations import CHAIN
from cases.tables import Organisation
from engine import outbox
from engine.commands import Actor
from engine.database import Database
from engine.runtime import Runtime
from engine.tables import CaseInstance, Deadline, DeadlineStep, table_of

RO, ORG = table_of(ReportObligation), table_of(Organisation)
CI, DL, ST = table_of(CaseInstance), table_of(Deadline), table_of(DeadlineStep)
KIND = "obligation.overdue"
LEVELS = 3
LEVEL_TITLES = {1: "руководителю организации", 2: "получателю отчёта", 3: "вышестоящему получателю"}
#: the chain's level each target of the workflow's escalation stands for
LEVEL_OF = {"owing_org": 1, "recipient_org": 2, "recipient_above": 3}


def _addressee(conn: sa.Connection, row: Any, level: int) -> int | None:
    if level == 1:
        return int(row.org_id)
    if row.recipient_org_id is None:
        return None
    if level == 2:
        return int(row.recipient_org_id)
    recipient = conn.execute(sa.select(ORG.c.kind, ORG.c.territory).where(ORG.c.id == row.recipient_org_id)).first()
    return recipient_of(conn, recipient.territory, CHAIN.get(recipient.kind, "")) if recipient else None


def _due_steps(today: Any, now: Any) -> Any:
    return (sa.select(ST.c.id.label("step_id"), ST.c.target, RO.c.id, RO.c.case_id, RO.c.org_id, RO.c.recipient_org_id,
                      RO.c.title, RO.c.period_first, RO.c.due_on, RO.c.territory)
            .join(DL, DL.c.id == ST.c.deadline_id).join(CI, CI.c.id == ST.c.instance_id)
            .join(RO, RO.c.case_id == CI.c.id)
            .where(ST.c.status == "held", ST.c.kind == "escalate", ST.c.due_at <= now, DL.c.status == "open",
                   CI.c.workflow == obligation_flow.WORKFLOW, CI.c.state.in_(SUBMITTABLE), RO.c.due_on < today,
                   sa.or_(RO.c.escalated_on.is_(None), RO.c.escalated_on < today)))


def escalate_overdue(db: Database, runtime: Runtime) -> int:
    """Take the due escalation steps of overdue obligations, one level per obligation (at most once a day); how
    many obligations moved."""
    today = today_of(runtime)
    if not runtime.calendar.is_working_day(today):
        return 0
    now = runtime.clock.now()
    due = _due_steps(today, now)
    with db.read() as tx:  # most ticks find nothing: no write transaction for them
        if tx.connection.execute(due.limit(1)).first() is None:
            return 0
    moved = 0
    with db.unit_of_work() as tx:
        conn = tx.connection
        query = due.order_by(RO.c.id, ST.c.level)
        if not db.is_sqlite:
            query = query.with_for_update(of=ST, skip_locked=True)
        lowest: dict[int, Any] = {}
        for row in conn.execute(query).all():
            lowest.setdefault(row.id, row)
        messages = []
        for row in lowest.values():
            level = LEVEL_OF.get(row.target)
            if level is None:
                continue
            taken = conn.execute(sa.update(ST).where(ST.c.id == row.step_id, ST.c.status == "held")
                                 .values(status="done", fired_at=now))
            if taken.rowcount != 1:
                continue  # another worker took it
            conn.execute(sa.update(RO).where(RO.c.id == row.id).values(escalation_level=level, escalated_on=today))
            to = _addressee(conn, row, level)
            note = f"уровень {level}: {LEVEL_TITLES[level]}" + ("" if to else " (организация не найдена)")
            runtime.record(tx, int(row.case_id), "escalated", {"level": level, "note": note, "org_id": to,
                                                               "step_id": int(row.step_id)}, Actor.system())
            if to is not None:
                messages.append(outbox.message(
                    f"obligation:{row.id}:overdue:{level}", KIND, None, f"org:{to}",
                    {"obligation_id": row.id, "org_id": to, "owing_org_id": row.org_id, "level": level,
                     "territory": row.territory, "title": row.title, "period_first": row.period_first.isoformat(),
                     "due_on": row.due_on.isoformat(), "days": (today - row.due_on).days}))
            moved += 1
        outbox.write(conn, messages, now)
        tx.commit()
    return moved


def sweep(db: Database, runtime: Runtime) -> dict[str, int]:
    """The sweep's part for obligations: open the current and next periods, then escalate the overdue."""
    return {"obligations_opened": open_obligations(db, runtime),
            "obligations_escalated": escalate_overdue(db, runtime)}
