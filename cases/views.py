"""Read models for lists and pages: plain query functions returning plain rows.

The web UI and the REST API both call these (routes only render). Everything a user sees
goes through :func:`cases.access.visible_cases`; opening a case is written to the access log.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa

from cases import access
from cases.handlers import available_actions
from cases.names import contains, full_name, normalise
from cases.people_acts import names_of
from cases.principal import Principal
from cases.services import Services
from cases.tables import (
    CaseParty,
    Document,
    Family,
    KdnResolution,
    Organisation,
    Person,
    PlanItem,
    Report,
    ReportChild,
    User,
    UserRole,
    Visit,
    names_by_id,
)
from engine.database import UnitOfWork
from engine.tables import AuditEvent, CaseInstance, Deadline, table_of

CI, DL, AE = table_of(CaseInstance), table_of(Deadline), table_of(AuditEvent)
FA, PE, ORG, USR, UR = (table_of(t) for t in (Family, Person, Organisation, User, UserRole))
REP, RCH, DOC, VIS, RES, CP = (table_of(t) for t in (Report, ReportChild, Document, Visit, KdnResolution, CaseParty))
PI = table_of(PlanItem)
VISIT_KINDS = {"home": "Посещение на дому", "phone": "Телефонный звонок", "office": "Приём в учреждении",
               "joint": "Совместный выход"}


# -- rows ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DeadlineRow:
    id: int
    case_id: int
    key: str
    title: str
    basis: str
    due_at: datetime
    status: str
    ref: str | None
    state: str
    closed_at: datetime | None
    overdue: bool
    #: working days from today to the due day (negative: working days overdue); None once closed
    working_days_left: int | None


@dataclass(frozen=True)
class CaseRow:
    id: int
    workflow: str
    workflow_title: str
    state: str
    state_title: str
    version: int
    family_id: int | None
    family_name: str
    address: str
    children: list[str]
    category: str
    org_id: int | None
    org_name: str
    assignee_id: int | None
    assignee_name: str
    next_deadline: DeadlineRow | None
    overdue: bool
    created_at: datetime
    closed_at: datetime | None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Page:
    items: list[Any]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True)
class CaseQuery:
    mine: bool = False
    unassigned: bool = False
    workflow: str | None = None
    state: str | None = None
    assignee_id: int | None = None
    overdue: bool | None = None
    due_before: date | None = None
    family: str | None = None
    include_closed: bool = False
    limit: int = 50
    offset: int = 0


# -- helpers ---------------------------------------------------------------------------------------

def today(svc: Services) -> date:
    """Today's date in the region."""
    return svc.runtime.calendar.local_date(svc.runtime.clock.now())


def deadline_row(svc: Services, row: Any, today: date, now: datetime,
                 measures: dict[str, str] | None = None) -> DeadlineRow:
    """A deadline as the pages show it; a plan measure's deadline is titled with the measure
    («Мероприятие плана сопровождения: Оформить пособие»), found in ``measures`` (:func:`item_measures`)."""
    cal = svc.runtime.calendar
    due_day = cal.local_date(row.due_at)
    open_ = row.status == "open"
    title = row.title
    if measures and row.ref in measures:
        title = f"{row.title}: {measures[row.ref]}"
    return DeadlineRow(row.id, row.instance_id, row.key, title, row.basis, row.due_at, row.status, row.ref,
                       row.state, row.closed_at, open_ and row.due_at < now,
                       cal.working_days_between(today, due_day) if open_ else None)


#: how much of a measure a deadline's title carries
MEASURE_CHARS = 160


def item_measures(tx: UnitOfWork, refs: Iterable[str | None]) -> dict[str, str]:
    """The measures of the plan items that deadlines refer to (``item:<id>`` → its measure, shortened)."""
    ids = sorted({int(r[5:]) for r in refs if r and r.startswith("item:") and r[5:].isdigit()})
    if not ids:
        return {}
    result = {}
    for item_id, measure in tx.connection.execute(sa.select(PI.c.id, PI.c.measure).where(PI.c.id.in_(ids))):
        text = " ".join(str(measure).split())
        result[f"item:{item_id}"] = text if len(text) <= MEASURE_CHARS else text[:MEASURE_CHARS - 1].rstrip() + "…"
    return result


def titles(svc: Services, workflow: str, version: int, state: str) -> tuple[str, str]:
    wf = svc.runtime.catalog.compiled(workflow, version).definition
    st = wf.states.get(state)
    return wf.title, st.title if st else state


_IDS: sa.BindParameter[Any] = sa.bindparam("ids", expanding=True)
#: the statements of every case list, built once (most pages show a list of cases)
_OPEN_DEADLINES = (sa.select(DL.c.id, DL.c.instance_id, DL.c.key, DL.c.title, DL.c.basis, DL.c.due_at, DL.c.status,
                             DL.c.ref, DL.c.state, DL.c.closed_at)
                   .where(DL.c.instance_id.in_(_IDS), DL.c.status == sa.literal_column("'open'"))
                   .order_by(DL.c.instance_id, DL.c.due_at))
_CHILDREN = (sa.select(PE.c.family_id, PE.c.last_name, PE.c.first_name, PE.c.middle_name)
             .where(PE.c.family_id.in_(_IDS), PE.c.relation == "child").order_by(PE.c.id))
_FAMILIES = sa.select(FA.c.id, FA.c.surname, FA.c.address, FA.c.category).where(FA.c.id.in_(_IDS))


def _next_deadlines(tx: UnitOfWork, svc: Services, case_ids: Sequence[int]) -> dict[int, DeadlineRow]:
    if not case_ids:
        return {}
    now, day = svc.runtime.clock.now(), today(svc)
    rows: dict[int, Any] = {}
    for row in tx.connection.execute(_OPEN_DEADLINES, {"ids": list(case_ids)}):
        rows.setdefault(row.instance_id, row)
    measures = item_measures(tx, (r.ref for r in rows.values()))
    return {case_id: deadline_row(svc, row, day, now, measures) for case_id, row in rows.items()}


def _children(tx: UnitOfWork, family_ids: Iterable[int | None]) -> dict[int, list[str]]:
    wanted = sorted({i for i in family_ids if i is not None})
    result: dict[int, list[str]] = {}
    if not wanted:
        return result
    for r in tx.connection.execute(_CHILDREN, {"ids": wanted}):
        result.setdefault(r.family_id, []).append(full_name(r.last_name, r.first_name, r.middle_name))
    return result


def case_rows(tx: UnitOfWork, svc: Services, rows: Sequence[Any]) -> list[CaseRow]:
    """Enrich ``wf_instance`` rows with family, organisation, assignee and next deadline (a few IN queries)."""
    ids = [r.id for r in rows]
    adults = {r.id for r in rows if getattr(r, "subject_kind", None) in access.ADULT_SUBJECTS}
    family_ids = sorted({r.subject_id for r in rows if r.subject_id and r.id not in adults})
    adult_names = names_of(tx, sorted({int(r.subject_id) for r in rows if r.id in adults and r.subject_id}))
    families = {r.id: r for r in tx.connection.execute(_FAMILIES, {"ids": family_ids})} if family_ids else {}
    children = _children(tx, families)
    orgs = names_by_id(tx.connection, ORG, "short_name", (r.org_id for r in rows))
    users = names_by_id(tx.connection, USR, "full_name", (r.assignee_id for r in rows))
    deadlines = _next_deadlines(tx, svc, ids)
    result = []
    for r in rows:
        fam = families.get(r.subject_id) if r.id not in adults else None
        wf_title, st_title = titles(svc, r.workflow, r.workflow_version, r.state)
        nd = deadlines.get(r.id)
        result.append(CaseRow(
            r.id, r.workflow, wf_title, r.state, st_title, r.version, r.subject_id,
            f"Семья {fam.surname}" if fam and fam.surname else adult_names.get(r.subject_id, ""),
            fam.address if fam else "", children.get(r.subject_id, []) if fam else [],
            fam.category if fam else "none", r.org_id, orgs.get(r.org_id, ""),
            r.assignee_id, users.get(r.assignee_id, ""), nd, bool(nd and nd.overdue), r.created_at, r.closed_at,
            dict(r.data or {})))
    return result


# -- lists -----------------------------------------------------------------------------------------

def list_cases(tx: UnitOfWork, svc: Services, p: Principal, q: CaseQuery) -> Page:
    """Cases ``p`` may see, filtered; ordered by the nearest deadline (then newest)."""
    where: list[sa.ColumnElement[bool]] = [access.visible_cases(p)]
    if q.mine:
        where.append(CI.c.assignee_id == p.user_id)
    if q.unassigned:
        where.append(CI.c.assignee_id.is_(None))
    if not q.include_closed:
        where.append(CI.c.closed_at.is_(None))
    if q.workflow:
        where.append(CI.c.workflow == q.workflow)
    if q.state:
        where.append(CI.c.state == q.state)
    if q.assignee_id is not None:
        where.append(CI.c.assignee_id == q.assignee_id)
    now = svc.runtime.clock.now()
    if q.overdue is True:
        where.append(CI.c.next_due_at < now)
    elif q.overdue is False:
        where.append(sa.or_(CI.c.next_due_at.is_(None), CI.c.next_due_at >= now))
    if q.due_before is not None:
        end = datetime.combine(q.due_before, time(23, 59, 59), tzinfo=svc.runtime.calendar.zone)
        where.append(CI.c.next_due_at <= end)
    if q.family:
        key = contains(normalise(q.family))
        where.append(sa.exists().where(PE.c.family_id == CI.c.subject_id, PE.c.name_key.like(key, escape="\\")))
    condition = sa.and_(*where)
    total = tx.connection.execute(sa.select(sa.func.count()).select_from(CI).where(condition)).scalar_one()
    rows = tx.connection.execute(
        sa.select(CI).where(condition)
        .order_by(CI.c.next_due_at.is_(None), CI.c.next_due_at, CI.c.id.desc())
        .limit(q.limit).offset(q.offset)).all()
    return Page(case_rows(tx, svc, rows), int(total), q.limit, q.offset)


def next_actions(tx: UnitOfWork, svc: Services, p: Principal, rows: Sequence[CaseRow]) -> dict[int, list[str]]:
    """Titles of the actions ``p`` may take now on each case of a list (the «next action» column)."""
    result = {}
    for row in rows:
        case = svc.runtime.load(tx, row.id)
        result[row.id] = [t.title for t in available_actions(tx, svc, p, case)]
    return result


def worklist(tx: UnitOfWork, svc: Services, p: Principal, limit: int = 50, offset: int = 0) -> Page:
    """«Мои дела»: open cases assigned to ``p``, the nearest deadline first."""
    return list_cases(tx, svc, p, CaseQuery(mine=True, limit=limit, offset=offset))


#: how many unassigned cases «Ждут вашего решения» looks at (the nearest deadlines); those without an action are dropped
AWAITING_CAP = 50


def awaiting_decision(tx: UnitOfWork, svc: Services, p: Principal,
                      cap: int = AWAITING_CAP) -> tuple[list[CaseRow], dict[int, list[str]]]:
    """Open cases ``p`` can see that nobody is assigned to and on which ``p`` can act now (a director's support
    order waiting for a curator, a report waiting for the guardianship's decision), the nearest deadline first,
    with the titles of those actions. Only the ``cap`` nearest unassigned cases are looked at."""
    rows = list_cases(tx, svc, p, CaseQuery(unassigned=True, limit=cap)).items
    actions = {case_id: titles for case_id, titles in next_actions(tx, svc, p, rows).items() if titles}
    return [r for r in rows if r.id in actions], actions
