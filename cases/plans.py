"""Plans and their items: safety plans, family support plans, interagency (ИПР) plans.

Each item has its own deadline: a ``manual`` deadline of the case's current state
(``safety_item``, ``support_item``, ``ipr_item``) opened per item once the plan is approved
and the case is in a state that declares it. :func:`sync_item_deadlines` keeps the two in
step when the case enters a state.

Reads and the few writes here run on every action of a plan-bearing case, so they are
plain prebuilt Core statements returning light rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from cases.tables import Plan, PlanItem
from engine.context import CaseView
from engine.database import UnitOfWork
from engine.runtime import Runtime
from engine.sql import Prepared
from engine.tables import Deadline

PLAN_KINDS = {
    "safety": ("child_report", "safety_item", "План обеспечения безопасности несовершеннолетнего"),
    "support": ("family_support", "support_item", "План социального сопровождения семьи"),
    "ipr": ("kdn_prevention", "ipr_item", "Межведомственный план индивидуальной профилактической работы"),
}
#: states in which items may be added to the plan of each kind
EDITABLE = {
    "safety": ("safety_planning", "safety_control"),
    "support": ("planning", "support"),
    "ipr": ("plan_drafting", "plan_amendment"),
}
DL = Deadline.__table__  # type: ignore[attr-defined]
PL = Plan.__table__  # type: ignore[attr-defined]
PI = PlanItem.__table__  # type: ignore[attr-defined]

_PLAN = Prepared(sa.select(PL.c.id, PL.c.status, PL.c.revision, PL.c.approved_on, PL.c.title)
                 .where(PL.c.case_id == sa.bindparam("case_id"), PL.c.kind == sa.bindparam("kind")))
_ITEMS = Prepared(sa.select(PI.c.id, PI.c.measure, PI.c.threat, PI.c.responsible_org_id, PI.c.responsible,
                            PI.c.due_date, PI.c.status, PI.c.result, PI.c.done_on)
                  .where(PI.c.plan_id == sa.bindparam("plan_id")).order_by(PI.c.id))
_INSERT_PLAN = Prepared(sa.insert(PL).returning(PL.c.id), ["case_id", "kind", "title", "status", "revision",
                                                           "created_at"])
_APPROVE = Prepared(sa.update(PL).where(PL.c.id == sa.bindparam("plan_id"))
                    .values(status="approved", approved_on=sa.bindparam("approved_on"),
                            revision=sa.bindparam("new_revision")))
_REVISE = Prepared(sa.update(PL).where(PL.c.id == sa.bindparam("plan_id"))
                   .values(revision=PL.c.revision + 1))
_OPEN_ITEM_REFS = sa.select(DL.c.ref).where(DL.c.instance_id == sa.bindparam("case_id"),
                                            DL.c.key == sa.bindparam("key"),
                                            DL.c.status == sa.literal_column("'open'"))


@dataclass(frozen=True)
class PlanRow:
    id: int
    status: str
    revision: int
    approved_on: date | None
    title: str


#: workflows that keep a plan of a kind without being that kind's own workflow (regional variants)
VARIANTS = {"kdn_ipr_district": "ipr"}


def kind_for(workflow: str) -> str | None:
    if workflow in VARIANTS:
        return VARIANTS[workflow]
    return next((k for k, (wf, _, _) in PLAN_KINDS.items() if wf == workflow), None)


def plan_of(tx: UnitOfWork, case_id: int, kind: str) -> PlanRow | None:
    tx.flush()  # these Core reads must see items the ORM session has changed in this transaction
    row = _PLAN.first(tx.connection, {"case_id": case_id, "kind": kind})
    return PlanRow(*row) if row else None


def ensure_plan(tx: UnitOfWork, case_id: int, kind: str, now: datetime) -> PlanRow:
    found = plan_of(tx, case_id, kind)
    if found is not None:
        return found
    cursor = _INSERT_PLAN.execute(tx.connection, {"case_id": case_id, "kind": kind, "title": PLAN_KINDS[kind][2],
                                                  "status": "draft", "revision": 1, "created_at": now})
    plan_id = int(cursor.fetchone()[0])
    cursor.close()
    return PlanRow(plan_id, "draft", 1, None, PLAN_KINDS[kind][2])


def approval_date(payload: Mapping[str, Any], today: date) -> date:
    """The day an approving action approves the plan: the date its form gives (the plan's approval, the start
    of support), else the day of the action. Also how a case's plan is rebuilt as of a date."""
    given = payload.get("cycle_started_on") or payload.get("support_started_on")
    return date.fromisoformat(str(given)[:10]) if given else today


def approve(tx: UnitOfWork, case_id: int, kind: str, on: date, now: datetime) -> None:
    """Approve the plan (a re-approval after amendments is a new revision)."""
    plan = ensure_plan(tx, case_id, kind, now)
    revision = plan.revision + 1 if plan.status == "approved" else plan.revision
    _APPROVE.execute(tx.connection, {"plan_id": plan.id, "approved_on": on, "new_revision": revision}).close()


def revise(tx: UnitOfWork, case_id: int, kind: str) -> None:
    plan = plan_of(tx, case_id, kind)
    if plan is not None:
        _REVISE.execute(tx.connection, {"plan_id": plan.id}).close()


def items_of(tx: UnitOfWork, plan_id: int) -> list[Any]:
    """The plan's items as named tuples (id, measure, threat, responsible_org_id, responsible, due_date, …)."""
    tx.flush()
    return _ITEMS.all(tx.connection, {"plan_id": plan_id})


_ITEM = Prepared(sa.select(PI.c.id, PI.c.plan_id, PI.c.measure, PI.c.status, PI.c.due_date)
                 .where(PI.c.id == sa.bindparam("id")))
_INSERT_ITEM = Prepared(sa.insert(PI).returning(PI.c.id), ["plan_id", "measure", "threat", "responsible_org_id",
                                                            "responsible", "due_date", "status", "result"])
_CLOSE_ITEM = Prepared(sa.update(PI).where(PI.c.id == sa.bindparam("id"))
                       .values(status=sa.bindparam("status"), result=sa.bindparam("result"),
                               done_on=sa.bindparam("done_on")))


def item(tx: UnitOfWork, item_id: int) -> Any | None:
    """One plan item (id, plan_id, measure, status, due_date), or None."""
    found = _ITEM.all(tx.connection, {"id": item_id})
    return found[0] if found else None


def add_item(tx: UnitOfWork, plan_id: int, *, measure: str, threat: str, responsible_org_id: int | None,
             responsible: str, due_date: date) -> int:
    cursor = _INSERT_ITEM.execute(tx.connection, {
        "plan_id": plan_id, "measure": measure, "threat": threat, "responsible_org_id": responsible_org_id,
        "responsible": responsible, "due_date": due_date, "status": "open", "result": ""})
    item_id = int(cursor.fetchone()[0])
    cursor.close()
    return item_id


def close_item(tx: UnitOfWork, item_id: int, status: str, result: str, done_on: date) -> None:
    _CLOSE_ITEM.execute(tx.connection, {"id": item_id, "status": status, "result": result,
                                        "done_on": done_on}).close()


def item_ref(item_id: int) -> str:
    return f"item:{item_id}"


def sync_item_deadlines(tx: UnitOfWork, runtime: Runtime, case: CaseView) -> None:
    """Open a deadline for every open item of an approved plan that lacks one, if the state declares it."""
    kind = kind_for(case.workflow)
    if kind is None or case.closed_at is not None:
        return
    spec_id = PLAN_KINDS[kind][1]
    if runtime.workflow_of(case).states[case.state].deadline(spec_id) is None:
        return
    plan = plan_of(tx, case.id, kind)
    if plan is None or plan.status != "approved":
        return
    open_refs = set(tx.connection.execute(_OPEN_ITEM_REFS, {"case_id": case.id, "key": spec_id}).scalars())
    for item in items_of(tx, plan.id):
        ref = item_ref(item.id)
        if item.status == "open" and ref not in open_refs:
            runtime.open_item_deadline(tx, case.id, spec_id, ref, runtime.calendar.end_of_day(item.due_date))
