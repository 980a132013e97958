"""Row-level consistency of the engine's tables, checked after a crash, a restore or a fault.

The audit chain (:mod:`engine.audit`) proves that history was not rewritten; these checks
prove that the present agrees with it — that no transition was half-applied:

* a case's state is the state its last audit event led to, and its ``audit_seq`` is that event's;
* every open deadline belongs to the case's current state (a state left closes its deadlines);
* every pending (or held) step belongs to an open deadline of the same case.

``opora db check`` prints the problems found; none is the only right answer.
"""

from __future__ import annotations

import sqlalchemy as sa

from engine.database import UnitOfWork
from engine.tables import AuditEvent, CaseInstance, Deadline, DeadlineStep, table_of

CI, AU, DL, ST = (table_of(t) for t in (CaseInstance, AuditEvent, Deadline, DeadlineStep))
SHOWN = 20


def check(tx: UnitOfWork) -> list[str]:
    """Every inconsistency found (at most :data:`SHOWN` of each kind), in Russian."""
    conn = tx.connection
    problems: list[str] = []
    last = (sa.select(AU.c.instance_id, sa.func.max(AU.c.seq).label("seq"))
            .group_by(AU.c.instance_id).subquery())
    state_mismatch = conn.execute(
        sa.select(CI.c.id, CI.c.state, CI.c.audit_seq, AU.c.seq, AU.c.to_state)
        .join(last, last.c.instance_id == CI.c.id)
        .join(AU, sa.and_(AU.c.instance_id == CI.c.id, AU.c.seq == last.c.seq))
        .where(sa.or_(CI.c.state != AU.c.to_state, CI.c.audit_seq != AU.c.seq))
        .order_by(CI.c.id).limit(SHOWN)).all()
    problems += [f"дело {r.id}: состояние «{r.state}» (№ {r.audit_seq}), а последнее событие журнала № {r.seq} "
                 f"ведёт в «{r.to_state}»" for r in state_mismatch]
    no_events = conn.execute(sa.select(CI.c.id).where(~sa.exists().where(AU.c.instance_id == CI.c.id))
                             .order_by(CI.c.id).limit(SHOWN)).scalars().all()
    problems += [f"дело {case_id}: нет ни одного события в журнале" for case_id in no_events]
    stray_deadlines = conn.execute(
        sa.select(DL.c.id, DL.c.instance_id, DL.c.state, CI.c.state.label("current"))
        .join(CI, CI.c.id == DL.c.instance_id)
        .where(DL.c.status == "open", DL.c.state != CI.c.state).order_by(DL.c.id).limit(SHOWN)).all()
    problems += [f"дело {r.instance_id}: открыт срок {r.id} состояния «{r.state}», а дело в «{r.current}»"
                 for r in stray_deadlines]
    stray_steps = conn.execute(
        sa.select(ST.c.id, ST.c.instance_id, DL.c.status)
        .join(DL, DL.c.id == ST.c.deadline_id)
        .where(ST.c.status.in_(("pending", "held")),
               sa.or_(DL.c.status != "open", DL.c.instance_id != ST.c.instance_id))
        .order_by(ST.c.id).limit(SHOWN)).all()
    problems += [f"дело {r.instance_id}: шаг {r.id} ждёт исполнения, а его срок закрыт ({r.status})"
                 for r in stray_steps]
    return problems
