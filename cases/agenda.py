"""The KDN secretary's agenda: conclusions waiting for consideration, plan reviews coming due, meetings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from cases import access
from cases.principal import Principal
from cases.services import Services
from cases.tables import Meeting, MeetingItem
from cases.views import CaseRow, case_rows, today
from engine.database import UnitOfWork
from engine.tables import CaseInstance, Deadline, table_of

CI, DL, ME, MI = (table_of(t) for t in (CaseInstance, Deadline, Meeting, MeetingItem))


@dataclass(frozen=True)
class MeetingView:
    id: int
    held_on: date
    items: list[tuple[CaseRow, str]]


@dataclass(frozen=True)
class Agenda:
    waiting: list[CaseRow]
    reviews_due: list[CaseRow]
    plans_to_approve: list[CaseRow]
    meetings: list[MeetingView]
    #: cases with a calendar year without positive dynamics: decision «г» is suggested (district commission)
    court_suggested: list[CaseRow] = field(default_factory=list)


def agenda(tx: UnitOfWork, svc: Services, p: Principal, review_horizon_days: int = 30) -> Agenda:
    """What the commission has to consider: only cases referred to the secretary's KDN (``cases.access``)."""
    visible = access.visible_cases(p)
    # the district commission's workflow (the Novgorod profile) has the same steps under its own names
    waiting = tx.connection.execute(sa.select(CI).where(visible, sa.or_(
        sa.and_(CI.c.workflow == "kdn_prevention", CI.c.state == "awaiting_meeting"),
        sa.and_(CI.c.workflow == "kdn_ipr_district", CI.c.state == "referred")))
                                    .order_by(CI.c.next_due_at, CI.c.id)).all()
    horizon = datetime.combine(today(svc) + timedelta(days=review_horizon_days), time(23, 59),
                               tzinfo=svc.runtime.calendar.zone)
    reviews = tx.connection.execute(
        sa.select(CI).where(visible, sa.or_(sa.and_(CI.c.workflow == "kdn_prevention", CI.c.state == "execution"),
                                            sa.and_(CI.c.workflow == "kdn_ipr_district",
                                                    CI.c.state == "support_active")),
                            sa.exists().where(DL.c.instance_id == CI.c.id, DL.c.key == "review",
                                              DL.c.status == "open", DL.c.due_at <= horizon))
        .order_by(CI.c.next_due_at, CI.c.id)).all()
    to_approve = tx.connection.execute(sa.select(CI).where(visible, sa.or_(
        sa.and_(CI.c.workflow == "kdn_prevention", CI.c.state == "plan_approval"),
        sa.and_(CI.c.workflow == "kdn_ipr_district", CI.c.state == "plan_submitted")))
                                       .order_by(CI.c.next_due_at, CI.c.id)).all()
    meetings = []
    for m in tx.connection.execute(sa.select(ME).where(ME.c.kdn_org_id == p.org_id, ME.c.held_on >= today(svc))
                                   .order_by(ME.c.held_on)).all():
        items = tx.connection.execute(sa.select(MI.c.case_id, MI.c.kind).where(MI.c.meeting_id == m.id)).all()
        rows = tx.connection.execute(sa.select(CI).where(CI.c.id.in_([i.case_id for i in items]), visible)).all()
        by_id = {r.id: r for r in case_rows(tx, svc, rows)}
        kinds = {i.case_id: i.kind for i in items}
        meetings.append(MeetingView(m.id, m.held_on, [(by_id[c], kinds[c]) for c in by_id]))
    flagged = [r for r in tx.connection.execute(sa.select(CI).where(
        visible, CI.c.workflow == "kdn_ipr_district", CI.c.state == "support_active").order_by(CI.c.id)).all()
        if (r.data or {}).get("no_dynamics_flagged_on")]
    return Agenda(case_rows(tx, svc, waiting), case_rows(tx, svc, reviews), case_rows(tx, svc, to_approve), meetings,
                  case_rows(tx, svc, flagged))
