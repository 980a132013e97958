"""Overdue and upcoming deadlines for supervisors: lists and counts by step, organisation and assignee."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

import sqlalchemy as sa

from cases import access
from cases.principal import Principal
from cases.services import Services
from cases.tables import Family, Organisation, User, names_by_id
from cases.views import DeadlineRow, deadline_row, item_measures, today
from engine.database import UnitOfWork
from engine.tables import CaseInstance, Deadline, table_of

CI, DL, FA, ORG, USR = (table_of(t) for t in (CaseInstance, Deadline, Family, Organisation, User))
OPEN = DL.c.status == sa.literal_column("'open'")


@dataclass(frozen=True)
class DeadlineItem:
    deadline: DeadlineRow
    case_id: int
    workflow: str
    workflow_title: str
    state_title: str
    family_name: str
    org_id: int | None
    org_name: str
    assignee_id: int | None
    assignee_name: str


@dataclass(frozen=True)
class Count:
    key: str
    title: str
    count: int


@dataclass(frozen=True)
class OverdueCounts:
    total: int
    by_step: list[Count]
    by_org: list[Count]
    by_assignee: list[Count]


def _base(p: Principal) -> Any:
    return (sa.select(DL, CI.c.workflow, CI.c.workflow_version, CI.c.state.label("case_state"), CI.c.org_id,
                      CI.c.assignee_id, FA.c.surname)
            .join(CI, CI.c.id == DL.c.instance_id)
            .outerjoin(FA, (FA.c.id == CI.c.subject_id) & (CI.c.subject_kind == "family"))
            .where(OPEN, access.visible_cases(p)))


def _items(tx: UnitOfWork, svc: Services, rows: Sequence[Any]) -> list[DeadlineItem]:
    day, now = today(svc), svc.runtime.clock.now()
    orgs = names_by_id(tx.connection, ORG, "short_name", (r.org_id for r in rows))
    users = names_by_id(tx.connection, USR, "full_name", (r.assignee_id for r in rows))
    measures = item_measures(tx, (r.ref for r in rows))
    items = []
    for r in rows:
        wf = svc.runtime.catalog.compiled(r.workflow, r.workflow_version).definition
        items.append(DeadlineItem(deadline_row(svc, r, day, now, measures), r.instance_id, r.workflow, wf.title,
                                  wf.states[r.case_state].title if r.case_state in wf.states else r.case_state,
                                  f"Семья {r.surname}" if r.surname else "", r.org_id, orgs.get(r.org_id, ""),
                                  r.assignee_id, users.get(r.assignee_id, "не назначен")))
    return items


def overdue(tx: UnitOfWork, svc: Services, p: Principal, *, step: str | None = None, org_id: int | None = None,
            assignee_id: int | None = None, limit: int = 100, offset: int = 0) -> tuple[list[DeadlineItem], int]:
    """Open deadlines past their due moment, the longest overdue first; ``step`` is ``workflow:deadline``."""
    now = svc.runtime.clock.now()
    # a case with an overdue deadline has next_due_at (its earliest open deadline) in the past too: the extra
    # condition lets the planner start from the cases of the territory that are overdue at all
    where = [OPEN, access.visible_cases(p), DL.c.due_at < now, CI.c.next_due_at < now]
    if step:
        workflow, _, key = step.partition(":")
        where += [CI.c.workflow == workflow, DL.c.key == key]
    if org_id is not None:
        where.append(CI.c.org_id == org_id)
    if assignee_id is not None:  # 0 stands for "not assigned"
        where.append(CI.c.assignee_id.is_(None) if assignee_id == 0 else CI.c.assignee_id == assignee_id)
    condition = sa.and_(*where)
    total = tx.connection.execute(sa.select(sa.func.count()).select_from(DL.join(CI, CI.c.id == DL.c.instance_id))
                                  .where(condition)).scalar_one()
    rows = tx.connection.execute(_base(p).where(condition).order_by(DL.c.due_at, DL.c.id)
                                 .limit(limit).offset(offset)).all()
    return _items(tx, svc, rows), int(total)


def upcoming(tx: UnitOfWork, svc: Services, p: Principal, working_days: int = 5, limit: int = 200
             ) -> list[DeadlineItem]:
    """Open deadlines falling due from now to the end of the ``working_days``-th working day ahead."""
    cal = svc.runtime.calendar
    last = cal.add_working_days(today(svc), working_days)
    end = datetime.combine(last, time(23, 59, 59), tzinfo=cal.zone)
    now = svc.runtime.clock.now()
    rows = tx.connection.execute(_base(p).where(DL.c.due_at >= now, DL.c.due_at <= end)
                                 .order_by(DL.c.due_at, DL.c.id).limit(limit)).all()
    return _items(tx, svc, rows)


def overdue_counts(tx: UnitOfWork, svc: Services, p: Principal) -> OverdueCounts:
    """How many deadlines are overdue, by step (workflow and deadline), organisation and assignee."""
    now = svc.runtime.clock.now()
    where = sa.and_(OPEN, access.visible_cases(p), DL.c.due_at < now)
    join = DL.join(CI, CI.c.id == DL.c.instance_id)
    steps = tx.connection.execute(
        sa.select(CI.c.workflow, DL.c.key, sa.func.min(DL.c.title), sa.func.count())
        .select_from(join).where(where).group_by(CI.c.workflow, DL.c.key)
        .order_by(sa.func.count().desc())).all()
    by_org = tx.connection.execute(
        sa.select(CI.c.org_id, sa.func.count()).select_from(join).where(where).group_by(CI.c.org_id)
        .order_by(sa.func.count().desc())).all()
    by_user = tx.connection.execute(
        sa.select(CI.c.assignee_id, sa.func.count()).select_from(join).where(where).group_by(CI.c.assignee_id)
        .order_by(sa.func.count().desc())).all()
    orgs = {r.id: r.short_name for r in tx.connection.execute(
        sa.select(ORG.c.id, ORG.c.short_name).where(ORG.c.id.in_({r[0] for r in by_org if r[0]})))}
    users = {r.id: r.full_name for r in tx.connection.execute(
        sa.select(USR.c.id, USR.c.full_name).where(USR.c.id.in_({r[0] for r in by_user if r[0]})))}
    titles = {name: svc.runtime.catalog.latest(name).definition.title for name in svc.runtime.catalog.names()}
    return OverdueCounts(
        sum(r[3] for r in steps),
        [Count(f"{r[0]}:{r[1]}", f"{titles.get(r[0], r[0])}: {r[2]}", r[3]) for r in steps],
        [Count(str(r[0] or ""), orgs.get(r[0], "без организации"), r[1]) for r in by_org],
        [Count(str(r[0] or 0), users.get(r[0], "не назначен"), r[1]) for r in by_user])
