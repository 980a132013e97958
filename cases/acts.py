"""The official acts and the data each is filled with.

:func:`build_context` gathers, inside the issuing transaction, everything an act shows —
the issuing organisation, the family and its children, the report, the transition's
inputs, the plan, the resolution, the execution reports — as plain strings, so that the
frozen context alone renders the act (templates in ``workflows/templates/``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, tzinfo
from typing import Any

import sqlalchemy as sa

from cases import families
from cases.commands import CHANNELS, RELATIONS, SOURCE_TYPES
from cases.names import full_name
from cases.people_acts import person_context
from cases.plans import items_of, plan_of
from cases.roles import ROLES
from cases.tables import (
    Document,
    ExecutionReport,
    Family,
    KdnResolution,
    Organisation,
    Person,
    Report,
    ReportChild,
    Territory,
    User,
    Visit,
)
from engine.context import CaseView
from engine.database import UnitOfWork
from engine.definition import Transition
from engine.sql import Prepared
from engine.tables import table_of

TITLES: dict[str, str] = {
    "registration_card": "Регистрационная карточка сообщения о нарушении прав и законных интересов ребёнка",
    "inspection_order": "Поручение о проведении обследования условий жизни ребёнка и его семьи",
    "inspection_act": "Акт обследования условий жизни ребёнка и семьи",
    "safety_plan": "План обеспечения безопасности несовершеннолетнего",
    "support_order": "Поручение об организации социального сопровождения семьи",
    "support_plan": "План социального сопровождения семьи",
    "draft_conclusion": "Проект заключения о необходимости проведения индивидуальной профилактической работы",
    "approved_conclusion": "Заключение о необходимости проведения индивидуальной профилактической работы",
    "kdn_resolution": "Постановление комиссии по делам несовершеннолетних и защите их прав",
    "ipr_plan": "Межведомственный план индивидуальной профилактической работы с семьёй",
    "execution_summary": "Сводная информация об исполнении межведомственного плана",
    "termination_notice": "Уведомление о прекращении работы с семьёй",
    # adults' accompaniment after release (order of Депсоцразвития Югры of 28.01.2022 № 70-Р; 442-FZ ст. 17, 22)
    "route_map": "Маршрутная карта индивидуального сопровождения после освобождения",
    "accompaniment_contract": "Договор о социальном сопровождении",
    "curator_assignment": "Решение о закреплении специалиста (куратора)",
    "resolution_dispatch_list": "Список рассылки постановления комиссии органам системы профилактики",
    "quarterly_body_report": "Ежеквартальная информация об исполнении межведомственного плана в районную комиссию",
    "uso_ministry_report": "Ежеквартальный отчёт учреждения социального обслуживания в министерство труда и "
                           "социальной защиты населения Новгородской области",
}
CATEGORY_TITLES = {"none": "не установлена", "tzs": "семья в трудной жизненной ситуации (ТЖС)",
                   "sop": "семья в социально опасном положении (СОП)"}
ITEM_STATUS = {"open": "выполняется", "done": "выполнено", "cancelled": "отменено"}
DECISIONS = {
    "recognise": "признать несовершеннолетнего (семью) находящимися в социально опасном положении и организовать "
                 "межведомственную индивидуальную профилактическую работу",
    "decline": "отказать в признании семьи находящейся в социально опасном положении",
    "continue": "продолжить проведение мероприятий по утверждённому межведомственному плану",
    "amend": "внести изменения и (или) дополнения в межведомственный план и продолжить работу по нему",
    "terminate": "прекратить проведение мероприятий по оказанию помощи несовершеннолетнему и его семье",
    "post_support": "прекратить индивидуальную профилактическую работу в связи с устранением причин и условий "
                    "нарушения прав несовершеннолетнего; организовать постсопровождение семьи",
    "court": "поручить органу опеки и попечительства обратиться в суд с иском об ограничении (лишении) "
             "родительских прав",
    "suspend": "приостановить исполнение межведомственного плана в связи с обстоятельствами непреодолимой силы",
    "resume": "возобновить исполнение межведомственного плана",
}


def ru_date(value: date | datetime | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10]).strftime("%d.%m.%Y")
        except ValueError:
            return value
    return value.strftime("%d.%m.%Y")


def age_on(birth: date | None, day: date) -> str:
    return "" if birth is None else str(families.age_on(birth, day))


_q = Prepared
ORG, FAM, PER, REP, RCH, USR, TER = (table_of(t) for t in (
    Organisation, Family, Person, Report, ReportChild, User, Territory))
RES, EXR, VIS = (table_of(t) for t in (KdnResolution, ExecutionReport, Visit))
_ORG = _q(sa.select(ORG.c.name, ORG.c.short_name, ORG.c.address, ORG.c.phone, ORG.c.head_name)
          .where(ORG.c.id == sa.bindparam("id")))
_FAMILY = _q(sa.select(FAM.c.id, FAM.c.surname, FAM.c.address, FAM.c.category, FAM.c.category_set_on,
                       FAM.c.category_act).where(FAM.c.id == sa.bindparam("id")))
_PEOPLE = _q(sa.select(PER.c.relation, PER.c.last_name, PER.c.first_name, PER.c.middle_name, PER.c.birth_date) \
    .where(PER.c.family_id == sa.bindparam("id")).order_by(PER.c.id))
_REPORT = _q(sa.select(REP.c.id, REP.c.source_type, REP.c.source_name, REP.c.channel, REP.c.received_at, REP.c.text)
             .where(REP.c.id == sa.bindparam("id")))
_REPORT_CHILDREN = _q(sa.select(PER.c.last_name, PER.c.first_name, PER.c.middle_name)
                      .join(RCH, RCH.c.person_id == PER.c.id).where(RCH.c.report_id == sa.bindparam("id"))
                      .order_by(PER.c.id))
_LAST_REPORT = _q(sa.select(REP.c.id).where(REP.c.family_id == sa.bindparam("id")).order_by(REP.c.id.desc())
                  .limit(1))
_USER = _q(sa.select(USR.c.full_name, USR.c.position).where(USR.c.id == sa.bindparam("id")))
_TERRITORY = _q(sa.select(TER.c.name).where(TER.c.code == sa.bindparam("id")))
_RESOLUTION = _q(sa.select(RES.c.number, RES.c.adopted_on, RES.c.decision, RES.c.executing_bodies,
                           RES.c.report_back_on, RES.c.notes)
                 .where(RES.c.case_id == sa.bindparam("id")).order_by(RES.c.id.desc()).limit(1))
_EXECUTION = sa.select(EXR.c.org_id, EXR.c.received_on, EXR.c.text, EXR.c.positive_dynamics) \
    .where(EXR.c.case_id == sa.bindparam("id"), EXR.c.received_on > sa.bindparam("since")).order_by(EXR.c.id)
_VISITS = sa.select(VIS.c.visited_on, VIS.c.kind, VIS.c.notes).where(VIS.c.case_id == sa.bindparam("id")) \
    .order_by(VIS.c.id)
DOC = table_of(Document)
_LAST_ACT = _q(sa.select(DOC.c.context).where(DOC.c.case_id == sa.bindparam("id"),
                                              DOC.c.template == sa.bindparam("template"))
               .order_by(DOC.c.id.desc()).limit(1))
_NO_ORG = {"name": "", "short_name": "", "address": "", "phone": "", "head_name": ""}


def _org(tx: UnitOfWork, org_id: int | None) -> dict[str, str]:
    row = _ORG.first(tx.connection, {"id": org_id}) if org_id else None
    return dict(zip(_NO_ORG, row, strict=True)) if row else dict(_NO_ORG)


def _family(tx: UnitOfWork, family_id: int | None, today: date) -> dict[str, Any]:
    family = _FAMILY.first(tx.connection, {"id": family_id}) if family_id else None
    if family is None:
        return {"surname": "", "address": "", "category": "", "category_code": "", "children": [], "adults": []}
    fid, surname, address, category, set_on, act = family
    people = _PEOPLE.all(tx.connection, {"id": fid})
    children = [{"name": full_name(p.last_name, p.first_name, p.middle_name), "birth_date": ru_date(p.birth_date),
                 "age": age_on(p.birth_date, today)} for p in people if p.relation == "child"]
    adults = [{"name": full_name(p.last_name, p.first_name, p.middle_name), "relation": RELATIONS.get(p.relation, ""),
               "birth_date": ru_date(p.birth_date)} for p in people if p.relation != "child"]
    return {"id": fid, "surname": surname, "address": address, "category": CATEGORY_TITLES.get(category, category),
            "category_code": category, "category_set_on": ru_date(set_on), "category_act": act,
            "children": children, "adults": adults}


def _report(tx: UnitOfWork, report_id: int | None, zone: tzinfo) -> dict[str, Any] | None:
    report = _REPORT.first(tx.connection, {"id": report_id}) if report_id else None
    if report is None:
        return None
    rid, source, source_name, channel, received_at, text = report
    children = _REPORT_CHILDREN.all(tx.connection, {"id": rid})
    return {"id": rid, "source": SOURCE_TYPES.get(source, source), "source_name": source_name,
            "channel": CHANNELS.get(channel, channel),
            "received_at": received_at.astimezone(zone).strftime("%d.%m.%Y %H:%M"), "text": text,
            "children": [full_name(p.last_name, p.first_name, p.middle_name) for p in children]}


def _user_name(tx: UnitOfWork, user_id: int) -> str:
    row = _USER.first(tx.connection, {"id": user_id})
    return str(row[0]) if row else str(user_id)


def _fields(transition: Transition | None, payload: Mapping[str, Any], tx: UnitOfWork) -> list[dict[str, str]]:
    if transition is None:
        return []
    rows = []
    for spec in transition.fields:
        value = payload.get(spec.name)
        if value in (None, ""):
            continue
        if spec.choices:
            value = dict(spec.choices).get(str(value), value)
        elif spec.type == "date":
            value = ru_date(value)
        elif spec.type == "boolean":
            value = "да" if value else "нет"
        elif spec.type in ("curator_ref", "agency_user_ref"):
            value = _user_name(tx, int(value))
        elif spec.type.endswith("_ref"):
            value = _org(tx, int(value))["name"]
        rows.append({"name": spec.name, "title": spec.title, "value": str(value)})
    return rows


def _plan(tx: UnitOfWork, case_id: int, kind: str) -> dict[str, Any]:
    plan = plan_of(tx, case_id, kind)
    if plan is None:
        return {"title": "", "items": [], "revision": 1, "approved_on": ""}
    items = []
    for n, item in enumerate(items_of(tx, plan.id), start=1):
        responsible = item.responsible or (_org(tx, item.responsible_org_id)["name"] if item.responsible_org_id else "")
        items.append({"n": n, "measure": item.measure, "threat": item.threat, "responsible": responsible,
                      "due_date": ru_date(item.due_date), "status": ITEM_STATUS.get(item.status, item.status),
                      "status_code": item.status, "result": item.result})
    return {"title": plan.title, "revision": plan.revision, "approved_on": ru_date(plan.approved_on), "items": items}


def _resolution(tx: UnitOfWork, case_id: int) -> dict[str, str] | None:
    res = _RESOLUTION.first(tx.connection, {"id": case_id})
    if res is None:
        return None
    number, adopted_on, decision, bodies, report_back_on, notes = res
    return {"number": number, "date": ru_date(adopted_on), "decision": DECISIONS.get(decision, ""),
            "decision_code": decision, "executing_bodies": bodies, "report_back_on": ru_date(report_back_on),
            "notes": notes}


def _execution(tx: UnitOfWork, case: CaseView) -> list[dict[str, str]]:
    since = date.fromisoformat(str(case.data["cycle_started_on"])) if case.data.get("cycle_started_on") \
        else date(1900, 1, 1)
    return [{"org": _org(tx, r.org_id)["name"], "received_on": ru_date(r.received_on), "text": r.text,
             "positive": "да" if r.positive_dynamics else "нет"}
            for r in tx.connection.execute(_EXECUTION, {"id": case.id, "since": since}).all()]


def _visits(tx: UnitOfWork, case_id: int) -> list[dict[str, str]]:
    kinds = {"home": "посещение на дому", "phone": "телефонный звонок", "office": "приём в учреждении",
             "joint": "совместный выход"}
    return [{"date": ru_date(v.visited_on), "kind": kinds.get(v.kind, v.kind), "notes": v.notes}
            for v in tx.connection.execute(_VISITS, {"id": case_id}).all()]


#: subjects of cases that are not a family: an adult, an organisation's obligation
NOT_FAMILY = ("person", "organisation")


def root_report_id(tx: UnitOfWork, case: CaseView) -> int | None:
    if case.data.get("report_id"):
        return int(case.data["report_id"])
    row = _LAST_REPORT.first(tx.connection, {"id": case.subject_id}) if case.subject_id else None
    return int(row[0]) if row else None


def build_context(tx: UnitOfWork, template: str, case: CaseView, *, workflow_title: str, state_title: str,
                  transition: Transition | None, payload: Mapping[str, Any], signer_id: int | None,
                  signer_role: str, org_id: int | None, label: str, issued_on: date, zone: tzinfo
                  ) -> dict[str, Any]:
    """Everything the act ``template`` shows, as JSON-safe strings (frozen in the document row).

    ``state_title`` is the state the action leads to; ``zone`` the region's time zone for times.
    """
    tx.flush()  # the Core reads below must see what this action's effects wrote through the ORM
    signer = _USER.first(tx.connection, {"id": signer_id}) if signer_id else None
    territory = _TERRITORY.first(tx.connection, {"id": case.territory}) if case.territory else None
    context: dict[str, Any] = {
        "act": {"template": template, "title": TITLES[template], "number": label, "date": ru_date(issued_on)},
        "org": _org(tx, org_id),
        "territory": territory[0] if territory else "",
        "case": {"id": case.id, "workflow": workflow_title, "state": state_title},
        "family": _family(tx, case.subject_id, issued_on) if case.subject_kind not in NOT_FAMILY else {},
        "report": _report(tx, root_report_id(tx, case), zone) if case.subject_kind not in NOT_FAMILY else None,
        "fields": _fields(transition, payload, tx),
        "event": transition.title if transition else "",
        "signer": {"name": signer[0] if signer else "", "position": signer[1] if signer else "",
                   "role": ROLES.get(signer_role, signer_role)},
    }
    if case.subject_kind == "person":  # an adult's case: the person instead of a family
        context["person"] = person_context(tx, case.subject_id)
    if template in ("safety_plan", "support_order"):
        context["plan"] = _plan(tx, case.id, "safety")
    if template == "support_plan":
        context["plan"] = _plan(tx, case.id, "support")
    if template in ("ipr_plan", "execution_summary", "quarterly_body_report"):
        context["plan"] = _plan(tx, case.id, "ipr")
    if template in ("kdn_resolution", "ipr_plan", "execution_summary", "termination_notice",
                    "resolution_dispatch_list", "quarterly_body_report"):
        context["resolution"] = _resolution(tx, case.id)
    if template == "execution_summary":
        context["execution_reports"] = _execution(tx, case)
    if template == "approved_conclusion":  # the approved conclusion carries the draft's grounds and measures
        draft = _LAST_ACT.first(tx.connection, {"id": case.id, "template": "draft_conclusion"})
        context["draft_fields"] = list(draft[0].get("fields", [])) if draft else []
    if template in ("termination_notice", "execution_summary", "quarterly_body_report"):
        context["visits"] = _visits(tx, case.id)
    if template == "uso_ministry_report":  # the figures the effect counted for the quarter
        context["figures"] = dict(case.data.get("ministry_figures") or {})
    return context
