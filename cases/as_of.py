"""A case as it stood at the end of a local day, rebuilt from its audit trail and the timestamps of its rows.

A KDN or a court asks exactly this: in what state was the case on 15 March, which deadlines ran and which
were overdue, what the plan held, who was responsible. Nothing is stored for it; it is rebuilt:

* state, version, closed — from the last audit event (``wf_audit``) before the end of that day;
* assignee and organisation — from the last audit event that recorded them (``engine.audit.RESPONSIBLE``);
* deadlines — those opened before that moment, open then unless closed before it, overdue if due before it;
* the plan — the measures added before it (audit ``plan_item_added``) with the status they had then
  (``plan_item_closed``), approved and revised by the actions that declare ``approve_plan`` / ``revise_plan``;
* documents, visits, resolutions, reports, parties — the rows created before it; the history up to it.

The family is shown as it is now (members and address), with ages counted on that day.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

from cases.acts import ITEM_STATUS
from cases.errors import InputInvalid
from cases.history import responsible
from cases.plans import PLAN_KINDS, approval_date, plan_of
from cases.services import Services
from cases.tables import Organisation, PlanItem, User, names_by_id
from cases.views import CaseRow, DeadlineRow
from engine.context import CaseView
from engine.database import UnitOfWork
from engine.tables import AuditEvent, table_of

AE, PI, ORG, USR = (table_of(t) for t in (AuditEvent, PlanItem, Organisation, User))


@dataclass(frozen=True)
class Standing:
    """Where the case stood at a moment, by its audit trail."""

    state: str
    version: int
    assignee_id: int | None
    org_id: int | None
    #: when it entered a final state (None: still open then)
    closed_at: datetime | None


def end_of_day(svc: Services, day: date) -> datetime:
    """The first moment after the local day ``day`` (what happened before it had happened by the end of it)."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=svc.runtime.calendar.zone)


def check_day(svc: Services, opened_at: datetime, day: date) -> None:
    """A day the case can be shown as of: not after today, not before it was opened; InputInvalid otherwise."""
    cal = svc.runtime.calendar
    today = cal.local_date(svc.runtime.clock.now())
    if day > today:
        raise InputInvalid({"as_of": f"дата не может быть позже сегодняшнего дня ({today:%d.%m.%Y})"})
    opened = cal.local_date(opened_at)
    if day < opened:
        raise InputInvalid({"as_of": f"дело открыто {opened:%d.%m.%Y}: на более раннюю дату его ещё не было"})


def _events(tx: UnitOfWork, case_id: int, until: datetime) -> list[Any]:
    return list(tx.connection.execute(sa.select(AE.c.seq, AE.c.kind, AE.c.event, AE.c.from_state, AE.c.to_state,
                                                AE.c.version, AE.c.at, AE.c.payload)
                                      .where(AE.c.instance_id == case_id, AE.c.at < until).order_by(AE.c.seq)).all())


def standing(tx: UnitOfWork, svc: Services, case: CaseView, until: datetime) -> Standing:
    """The case's state, version, assignee, organisation and closing moment just before ``until``.

    Events written before the trail recorded who was responsible leave the current assignee and
    organisation in place.
    """
    events = _events(tx, case.id, until)
    if not events:
        raise InputInvalid({"as_of": "на эту дату дела ещё не было"})
    wf = svc.runtime.workflow_of(case)
    assignee, org = case.assignee_id, case.org_id
    closed_at = None
    for e in events:
        found = responsible(e.payload)
        if found is not None:
            assignee, org = found
        state = wf.states.get(e.to_state or "")
        if e.kind in ("start", "transition") and state is not None and state.final and closed_at is None:
            closed_at = e.at
    last = events[-1]
    return Standing(last.to_state or case.state, last.version, assignee, org, closed_at)


def header_then(tx: UnitOfWork, svc: Services, case: CaseView, header: CaseRow, then: Standing,
                next_deadline: DeadlineRow | None) -> CaseRow:
    """The case's header row as it stood then."""
    state = svc.runtime.workflow_of(case).states.get(then.state)
    org = names_by_id(tx.connection, ORG, "short_name", [then.org_id]).get(then.org_id, "") if then.org_id else ""
    person = names_by_id(tx.connection, USR, "full_name", [then.assignee_id]).get(then.assignee_id, "") \
        if then.assignee_id else ""
    return replace(header, state=then.state, state_title=state.title if state else then.state, version=then.version,
                   org_id=then.org_id, org_name=org, assignee_id=then.assignee_id, assignee_name=person,
                   next_deadline=next_deadline, overdue=bool(next_deadline and next_deadline.overdue),
                   closed_at=then.closed_at)


def deadline_then(row: Any, until: datetime) -> Any:
    """A ``wf_deadline`` row as it was just before ``until``: open then unless it was closed before."""
    if row.closed_at is not None and row.closed_at < until:
        return row
    return SimpleNamespace(**{**row._asdict(), "status": "open", "closed_at": None})


def plans_then(tx: UnitOfWork, svc: Services, case: CaseView, until: datetime) -> list[dict[str, Any]]:
    """The case's plan as it stood just before ``until`` (same shape as the case page's plans)."""
    result = []
    machine = svc.runtime.machine_of(case)
    events = _events(tx, case.id, until)
    cal = svc.runtime.calendar
    for kind, (workflow, _, title) in PLAN_KINDS.items():
        plan = plan_of(tx, case.id, kind) if workflow == case.workflow else None
        if plan is None:
            continue
        status, revision, approved_on = "draft", 1, None
        added: list[int] = []
        closed: dict[int, dict[str, Any]] = {}
        for e in events:
            payload = dict(e.payload or {})
            if e.kind == "plan_item_added" and isinstance(payload.get("item_id"), int):
                added.append(payload["item_id"])
            elif e.kind == "plan_item_closed" and isinstance(payload.get("item_id"), int):
                closed[payload["item_id"]] = payload
            elif e.kind == "transition" and e.from_state:
                tr = machine.transition(e.from_state, e.event or "")
                for effect in tr.effects if tr else ():
                    if effect.args.get("kind") != kind:
                        continue
                    if effect.name == "approve_plan":
                        revision += 1 if status == "approved" else 0
                        status, approved_on = "approved", approval_date(payload, cal.local_date(e.at))
                    elif effect.name == "revise_plan":
                        revision += 1
        if not added and status == "draft":
            continue
        rows = {i.id: i for i in tx.connection.execute(sa.select(PI).where(PI.c.id.in_(added))).all()} if added else {}
        orgs = names_by_id(tx.connection, ORG, "short_name", (r.responsible_org_id for r in rows.values()))
        items = []
        for item_id in added:
            i = rows.get(item_id)
            if i is None:
                continue
            done = closed.get(item_id)
            item_status = str(done.get("status", "done")) if done else "open"
            items.append({"id": i.id, "measure": i.measure, "threat": i.threat,
                          "responsible": i.responsible or orgs.get(i.responsible_org_id, ""), "due_date": i.due_date,
                          "status": item_status, "status_title": ITEM_STATUS.get(item_status, item_status),
                          "result": str(done.get("result", "")) if done else "",
                          "done_on": i.done_on if done else None})
        result.append({"kind": kind, "title": title, "status": status, "revision": revision,
                       "approved_on": approved_on, "items": items})
    return result
