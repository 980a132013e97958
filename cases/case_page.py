"""The case page's read model: family, plans, visits, documents, deadlines, history and the actions
the user may take now (each with its form fields and options).

Opening a case is written to the access log (``cases.handlers.view_case``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from cases import access, profiles
from cases import as_of as as_of_view
from cases.access import PLAN_ROLES
from cases.acts import CATEGORY_TITLES, DECISIONS, ITEM_STATUS
from cases.case_commands import CommandView, case_commands
from cases.commands import CHANNELS, RELATIONS, SOURCE_TYPES
from cases.families import age_on
from cases.fields import ORG_TYPES, USER_TYPES
from cases.handlers import action_options, view_case
from cases.history import HistoryEntry, history
from cases.names import full_name
from cases.people_acts import person_as_family, person_block
from cases.plans import EDITABLE, PLAN_KINDS, items_of, kind_for, plan_of
from cases.principal import Principal
from cases.services import Services
from cases.tables import names_by_id
from cases.views import (
    CI,
    CP,
    DL,
    DOC,
    FA,
    ORG,
    PE,
    REP,
    RES,
    UR,
    USR,
    VIS,
    VISIT_KINDS,
    CaseRow,
    DeadlineRow,
    case_rows,
    deadline_row,
    item_measures,
    titles,
    today,
)
from engine.context import CaseView
from engine.database import UnitOfWork
from engine.definition import Transition


@dataclass(frozen=True)
class FieldView:
    name: str
    type: str
    title: str
    required: bool
    help: str
    max_length: int | None
    default: Any
    #: for choices and references: (value, label) pairs the user may pick from
    options: list[tuple[str, str]]
    input: str
    #: the latest date the field takes (today, for the date of something that happened), "" when any
    latest: str = ""


@dataclass(frozen=True)
class ActionView:
    event: str
    title: str
    confirm: str
    internal: bool
    #: the state the action leads to (its key; the title beside it)
    target_state: str
    target_state_title: str
    fields: list[FieldView]
    #: False when a condition of the action does not hold now (``reason`` says which)
    available: bool = True
    reason: str = ""


@dataclass(frozen=True)
class CaseDetail:
    case: CaseRow
    family: dict[str, Any]
    reports: list[dict[str, Any]]
    plans: list[dict[str, Any]]
    visits: list[dict[str, Any]]
    documents: list[dict[str, Any]]
    deadlines: list[DeadlineRow]
    history: list[HistoryEntry]
    actions: list[ActionView]
    commands: list[CommandView]
    parties: list[str]
    resolutions: list[dict[str, Any]]
    related: list[dict[str, Any]]
    can_edit_plan: bool
    can_reassign: bool
    #: the day the case is shown as of (its end): read-only, nothing can be done in that view
    as_of: date | None = None
    #: an adult's case: the person block (``people_acts.person_block``) and whether the viewer keeps the register
    person: dict[str, Any] | None = None
    register_link: bool = False


_INPUTS = {"string": "text", "text": "textarea", "integer": "number", "boolean": "checkbox", "date": "date",
           "datetime": "datetime-local", "choice": "select", "need_criteria": "checkboxes"}


def field_options(tx: UnitOfWork, p: Principal, type_: str) -> list[tuple[str, str]]:
    """What a reference field may point at, for the actor (organisations or staff of the territory)."""
    if type_ in ORG_TYPES:
        kinds = ORG_TYPES[type_][0]
        query = sa.select(ORG.c.id, ORG.c.short_name).where(ORG.c.territory == p.territory)
        if kinds:
            query = query.where(ORG.c.kind.in_(kinds))
        return [(str(r.id), r.short_name) for r in tx.connection.execute(query.order_by(ORG.c.short_name))]
    if type_ in USER_TYPES:
        role, same_org, _ = USER_TYPES[type_]
        query = (sa.select(USR.c.id, USR.c.full_name).join(UR, UR.c.user_id == USR.c.id)
                 .where(UR.c.role == role, USR.c.territory == p.territory, USR.c.is_active.is_(True)))
        if same_org:
            query = query.where(USR.c.org_id == p.org_id)
        return [(str(r.id), r.full_name) for r in tx.connection.execute(query.order_by(USR.c.full_name))]
    return []


def action_view(tx: UnitOfWork, svc: Services, p: Principal, case: CaseView, tr: Transition,
                refusal: str | None = None) -> ActionView:
    fields = []
    for spec in tr.fields:
        options = list(spec.choices) if spec.choices else field_options(tx, p, spec.type)
        if spec.type == "need_criteria":  # the territory's checklist; none: the field is not shown
            options = list(((profiles.need_checklist(tx, case.territory) or {}).get("items") or {}).items())
        default = spec.default
        if default == "today" and spec.type == "date":
            default = today(svc).isoformat()
        latest = today(svc).isoformat() if spec.type == "date" and not spec.future else ""
        fields.append(FieldView(spec.name, spec.type, spec.title, spec.required, spec.help, spec.max_length, default,
                                options, _INPUTS.get(spec.type, "select"), latest))
    wf = svc.runtime.workflow_of(case)
    target = tr.target(case.state)
    return ActionView(tr.event, tr.title, tr.confirm, tr.internal, target, wf.states[target].title, fields,
                      refusal is None, refusal or "")


#: a view of the present shows everything recorded before the end of time
NEVER = datetime(9999, 12, 31, tzinfo=UTC)
_CASE_ID: sa.BindParameter[int] = sa.bindparam("case_id")
_FAMILY_ID: sa.BindParameter[int] = sa.bindparam("family_id")
_UNTIL: sa.BindParameter[datetime] = sa.bindparam("until", type_=DL.c.opened_at.type)
#: the page's statements, built once: the case page is among the most requested
_CASE = sa.select(CI).where(CI.c.id == _CASE_ID)
_DEADLINES = sa.select(DL).where(DL.c.instance_id == _CASE_ID, DL.c.opened_at < _UNTIL).order_by(DL.c.due_at.desc())
_DOCUMENTS = (sa.select(DOC.c.id, DOC.c.template, DOC.c.title, DOC.c.label, DOC.c.revision, DOC.c.issued_at,
                        DOC.c.org_id, DOC.c.supersedes_id, DOC.c.rendered_at)
              .where(DOC.c.case_id == _CASE_ID, DOC.c.issued_at < _UNTIL).order_by(DOC.c.id.desc()))
_VISITS = (sa.select(VIS).where(VIS.c.case_id == _CASE_ID, VIS.c.created_at < _UNTIL)
           .order_by(VIS.c.visited_on.desc(), VIS.c.id.desc()))
_RESOLUTIONS = sa.select(RES).where(RES.c.case_id == _CASE_ID, RES.c.created_at < _UNTIL).order_by(RES.c.id.desc())
_PARTIES = (sa.select(ORG.c.short_name).join(CP, CP.c.org_id == ORG.c.id)
            .where(CP.c.case_id == _CASE_ID, CP.c.since < _UNTIL).order_by(CP.c.since))
_FAMILY = sa.select(FA).where(FA.c.id == _FAMILY_ID)
_MEMBERS = sa.select(PE).where(PE.c.family_id == _FAMILY_ID).order_by(PE.c.id)
_REPORTS = sa.select(REP).where(REP.c.family_id == _FAMILY_ID, REP.c.created_at < _UNTIL).order_by(REP.c.id.desc())


def _family(tx: UnitOfWork, family_id: int | None, today: date) -> dict[str, Any]:
    if family_id is None:
        return {}
    fam = tx.connection.execute(_FAMILY, {"family_id": family_id}).first()
    if fam is None:
        return {}
    people = tx.connection.execute(_MEMBERS, {"family_id": family_id}).all()
    members = []
    for m in people:
        age = age_on(m.birth_date, today) if m.birth_date else None
        members.append({"id": m.id, "name": full_name(m.last_name, m.first_name, m.middle_name),
                        "relation": m.relation, "relation_title": RELATIONS.get(m.relation, m.relation),
                        "birth_date": m.birth_date, "age": age})
    return {"id": fam.id, "surname": fam.surname, "address": fam.address, "category": fam.category,
            "category_title": CATEGORY_TITLES.get(fam.category, fam.category), "category_set_on": fam.category_set_on,
            "category_act": fam.category_act, "members": members}


def _reports(tx: UnitOfWork, svc: Services, family_id: int | None, until: datetime | None = None
             ) -> list[dict[str, Any]]:
    if family_id is None:
        return []
    rows = tx.connection.execute(_REPORTS, {"family_id": family_id, "until": until or NEVER}).all()
    zone = svc.runtime.calendar.zone
    return [{"id": r.id, "case_id": r.case_id, "source": SOURCE_TYPES.get(r.source_type, r.source_type),
             "source_type": r.source_type, "source_name": r.source_name,
             "channel": CHANNELS.get(r.channel, r.channel), "received_at": r.received_at.astimezone(zone),
             "text": r.text, "confirmed": r.confirmed} for r in rows]


def _plans(tx: UnitOfWork, case: CaseView) -> list[dict[str, Any]]:
    result = []
    for kind, (_, _, title) in PLAN_KINDS.items():
        if kind != kind_for(case.workflow):
            continue
        plan = plan_of(tx, case.id, kind)
        if plan is None:
            continue
        items = items_of(tx, plan.id)
        orgs = names_by_id(tx.connection, ORG, "short_name", (i.responsible_org_id for i in items))
        result.append({"kind": kind, "title": title, "status": plan.status, "revision": plan.revision,
                       "approved_on": plan.approved_on,
                       "items": [{"id": i.id, "measure": i.measure, "threat": i.threat,
                                  "responsible": i.responsible or orgs.get(i.responsible_org_id, ""),
                                  "due_date": i.due_date, "status": i.status,
                                  "status_title": ITEM_STATUS.get(i.status, i.status), "result": i.result,
                                  "done_on": i.done_on} for i in items]})
    return result


def case_detail(tx: UnitOfWork, svc: Services, p: Principal, case_id: int, as_of: date | None = None, *,
                with_history: bool = True) -> CaseDetail:
    """Everything the case page shows — now, or as it stood at the end of the day ``as_of`` (read-only, rebuilt
    by :mod:`cases.as_of`); written to the access log as a view. InputInvalid for a day the case cannot be shown
    as of (after today, before it was opened). ``with_history=False`` leaves the history out (the REST API
    serves it at its own address), which is a good part of the page's cost."""
    case = view_case(tx, svc, p, case_id, "просмотр дела" if as_of is None else f"просмотр дела на {as_of:%d.%m.%Y}")
    row = tx.connection.execute(_CASE, {"case_id": case_id}).one()
    header = case_rows(tx, svc, [row])[0]
    until: datetime | None = None
    day, now = today(svc), svc.runtime.clock.now()
    if as_of is not None:
        as_of_view.check_day(svc, row.created_at, as_of)
        day, until = as_of, as_of_view.end_of_day(svc, as_of)
        now = min(now, until)
    of_case = {"case_id": case_id, "until": until or NEVER}
    dl_rows = tx.connection.execute(_DEADLINES, of_case).all()
    measures = item_measures(tx, (d.ref for d in dl_rows))
    deadlines = [deadline_row(svc, d if until is None else as_of_view.deadline_then(d, until), day, now, measures)
                 for d in dl_rows]
    deadlines.sort(key=lambda d: d.status != "open")  # open ones first, each group latest due first
    if until is not None:
        open_now = sorted((d for d in deadlines if d.status == "open"), key=lambda d: d.due_at)
        header = as_of_view.header_then(tx, svc, case, header, as_of_view.standing(tx, svc, case, until),
                                        open_now[0] if open_now else None)
    documents = [{"id": d.id, "template": d.template, "title": d.title, "label": d.label, "revision": d.revision,
                  "issued_at": d.issued_at, "org": d.org_id, "supersedes_id": d.supersedes_id,
                  "rendered": d.rendered_at is not None}
                 for d in tx.connection.execute(_DOCUMENTS, of_case).all()]
    issuers = names_by_id(tx.connection, ORG, "short_name", (d["org"] for d in documents))
    for d in documents:  # numbers are per organisation: two acts may both be № 18/2026
        d["org_name"] = issuers.get(d["org"], "")
    visits = [{"date": v.visited_on, "kind": VISIT_KINDS.get(v.kind, v.kind), "notes": v.notes,
               "by": v.by_user} for v in tx.connection.execute(_VISITS, of_case).all()]
    by_names = names_by_id(tx.connection, USR, "full_name", (v["by"] for v in visits))
    for v in visits:
        v["by"] = by_names.get(v["by"], "")
    resolutions = [{"number": r.number, "date": r.adopted_on, "decision": r.decision,
                    "decision_title": DECISIONS.get(r.decision, r.decision), "executing_bodies": r.executing_bodies,
                    "report_back_on": r.report_back_on, "notes": r.notes}
                   for r in tx.connection.execute(_RESOLUTIONS, of_case).all()]
    parties = list(tx.connection.execute(_PARTIES, of_case).scalars())
    related_rows = tx.connection.execute(sa.select(CI).where(sa.or_(CI.c.parent_id == case_id,
                                                                    CI.c.id == (case.parent_id or -1)),
                                                             access.visible_cases(p),
                                                             CI.c.created_at < (until or NEVER))).all()
    related = [{"id": r.id, "workflow_title": titles(svc, r.workflow, r.workflow_version, r.state)[0],
                "state_title": titles(svc, r.workflow, r.workflow_version, r.state)[1],
                "relation": "parent" if r.id == case.parent_id else "child", "closed": r.closed_at is not None}
               for r in related_rows]
    plans = _plans(tx, case) if until is None else as_of_view.plans_then(tx, svc, case, until)
    person = None
    if case.subject_kind in access.ADULT_SUBJECTS:  # an adult's case: the person, never a family of that number
        family, reports = person_as_family(tx, case.subject_id), []
        if case.subject_kind == access.ADULT_SUBJECT:
            person = person_block(tx, case.subject_id)
    else:
        family, reports = _family(tx, case.subject_id, day), _reports(tx, svc, case.subject_id, until)
    register_link = person is not None and access.can_keep_people_register(p)
    if until is not None:  # a view of the past: nothing to do in it
        return CaseDetail(header, family, reports, plans, visits, documents, deadlines,
                          history(tx, svc, case, until) if with_history else [], [], [], parties, resolutions, related,
                          False, False, as_of, person, register_link)
    actions = [action_view(tx, svc, p, case, tr, refusal) for tr, refusal in action_options(tx, svc, p, case)]
    kind = kind_for(case.workflow)
    can_edit_plan = bool(kind and case.state in EDITABLE[kind]  # the same rule add_plan_item enforces
                         and access.acting_role(tx, p, case, PLAN_ROLES[kind]) is not None)
    return CaseDetail(header, family, reports, plans, visits, documents, deadlines,
                      history(tx, svc, case) if with_history else [], actions, case_commands(tx, svc, p, case), parties,
                      resolutions, related, can_edit_plan, access.can_manage(p), None, person, register_link)


def people_of_org(tx: UnitOfWork, p: Principal, roles: Sequence[str] | None = None,
                  whole_territory: bool = False) -> list[tuple[int, str]]:
    """Staff a case can be reassigned to: the territory's (supervisor) or the principal's organisation's."""
    query = sa.select(USR.c.id, USR.c.full_name).where(USR.c.territory == p.territory, USR.c.is_active.is_(True))
    if not whole_territory:
        query = query.where(USR.c.org_id == p.org_id)
    if roles:
        query = query.where(sa.exists().where(UR.c.user_id == USR.c.id, UR.c.role.in_(roles)))
    return [(r.id, r.full_name) for r in tx.connection.execute(query.order_by(USR.c.full_name))]
