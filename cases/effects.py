"""Effects of the process's workflows: what an action does besides moving the case.

Every effect runs inside the transition's transaction (see ``engine.runtime``); if one
fails, the whole action is rolled back.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import select

from cases import documents, families, plans, profiles
from cases.tables import Family, KdnResolution, Meeting, MeetingItem, Report, Visit
from engine.commands import StartCase
from engine.context import TransitionContext
from engine.definition import Duration
from engine.durations import due_from_date, resolve
from engine.sql import Prepared
from engine.vocabulary import Arg, Vocabulary

_INSERT_VISIT = Prepared(sa.insert(Visit.__table__), ["case_id", "visited_on", "kind", "notes", "by_user",  # type: ignore[attr-defined]
                                                     "created_at"])


def add_party(ctx: TransitionContext, case_id: int, org_id: int | None) -> None:
    families.add_party(ctx.tx, case_id, org_id, ctx.now)


def _date(value: Any) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None


def add_span(ctx: TransitionContext, start: date, param: str) -> date:
    """``start`` moved by a duration parameter of the workflow (territory overrides included)."""
    span = resolve(Duration(param=param), ctx.workflow.parameters,
                   ctx.runtime.overrides(ctx.tx, ctx.workflow.name, ctx.case.territory))
    return ctx.runtime.calendar.local_date(due_from_date(start, span, ctx.runtime.calendar))


def register_effects(vocabulary: Vocabulary) -> None:
    @vocabulary.effect("hand_over", "Передать дело организации и (или) сотруднику",
                     org_field=Arg("field", required=False), assignee_field=Arg("field", required=False))
    def hand_over(ctx: TransitionContext, args: Mapping[str, Any]) -> None:
        org_field, assignee_field = args.get("org_field"), args.get("assignee_field")
        if org_field and ctx.payload.get(org_field):
            ctx.case.org_id = int(ctx.payload[org_field])
            add_party(ctx, ctx.case.id, ctx.case.org_id)
            ctx.case.assignee_id = None
        if assignee_field and ctx.payload.get(assignee_field):
            ctx.case.assignee_id = int(ctx.payload[assignee_field])

    @vocabulary.effect("issue_act", "Выпустить документ", template=Arg("template"))
    def issue_act(ctx: TransitionContext, args: Mapping[str, Any]) -> None:
        documents.issue(ctx.tx, ctx.runtime, ctx.case, args["template"], actor_id=ctx.actor.user_id,
                        actor_role=ctx.actor.role, org_id=ctx.actor.org_id or ctx.case.org_id,
                        transition=ctx.transition, payload=ctx.payload, now=ctx.now, state=ctx.target)

    @vocabulary.effect("mark_report", "Отметить, подтвердились ли сведения сообщения", confirmed=Arg("bool"))
    def mark_report(ctx: TransitionContext, args: Mapping[str, Any]) -> None:
        report = ctx.session.get(Report, ctx.case.data.get("report_id")) if ctx.case.data.get("report_id") else None
        if report is not None:
            report.confirmed = bool(args["confirmed"])
            ctx.session.add(report)

    @vocabulary.effect("approve_plan", "Утвердить план", kind=Arg("str"))
    def approve_plan(ctx: TransitionContext, args: Mapping[str, Any]) -> None:
        plans.approve(ctx.tx, ctx.case.id, args["kind"], plans.approval_date(ctx.payload, ctx.today), ctx.now)

    @vocabulary.effect("revise_plan", "Новая редакция плана", kind=Arg("str"))
    def revise_plan(ctx: TransitionContext, args: Mapping[str, Any]) -> None:
        plans.revise(ctx.tx, ctx.case.id, args["kind"])

    @vocabulary.effect("set_category", "Установить категорию семьи", category=Arg("str"))
    def set_category(ctx: TransitionContext, args: Mapping[str, Any]) -> None:
        family = ctx.session.get(Family, ctx.case.subject_id) if ctx.case.subject_id else None
        if family is None:
            return
        family.category = args["category"]
        family.category_set_on = _date(ctx.payload.get("resolution_date") or ctx.payload.get("decision_on")) \
            or ctx.today
        number = ctx.payload.get("resolution_number")
        on = family.category_set_on.strftime("%d.%m.%Y")
        family.category_act = (f"постановление КДН № {number} от {on}" if number
                               else f"{ctx.transition.title if ctx.transition else 'решение'} от {on}")
        ctx.session.add(family)

    @vocabulary.effect("start_case", "Начать связанный процесс для той же семьи", workflow=Arg("workflow"),
                     org_field=Arg("field", required=False), assign_actor=Arg("bool", required=False))
    def start_case(ctx: TransitionContext, args: Mapping[str, Any]) -> None:
        org_field = args.get("org_field")
        org_id = int(ctx.payload[org_field]) if org_field and ctx.payload.get(org_field) else ctx.case.org_id
        data = {k: ctx.case.data[k] for k in ("report_id",) if k in ctx.case.data}
        # the territory's profile chooses the workflow of this kind of case (a running case keeps its own)
        workflow = profiles.resolve(ctx.tx, ctx.case.territory, args["workflow"])
        entry = profiles.entry_org(ctx.tx, ctx.case.territory, workflow)
        org_id = entry or org_id
        started = ctx.runtime.start(ctx.tx, StartCase(
            workflow, ctx.actor, data=data, territory=ctx.case.territory, org_id=org_id,
            assignee_id=ctx.actor.user_id if args.get("assign_actor") and entry is None else None,
            subject_kind=ctx.case.subject_kind, subject_id=ctx.case.subject_id, parent_id=ctx.case.id))
        add_party(ctx, started.case_id, org_id)
        add_party(ctx, started.case_id, ctx.actor.org_id)
        ctx.case.data.setdefault("started_cases", []).append(started.case_id)

    @vocabulary.effect("set_date", "Записать дату в поле дела", field=Arg("field"), **{"from": Arg("field")})
    def set_date(ctx: TransitionContext, args: Mapping[str, Any]) -> None:
        value = ctx.payload.get(args["from"]) or ctx.case.data.get(args["from"])
        if value:
            ctx.case.data[args["field"]] = str(value)[:10]

    @vocabulary.effect("set_date_after", "Записать дату, отстоящую на параметр от другой даты",
                     field=Arg("field"), param=Arg("param"), **{"from": Arg("field")})
    def set_date_after(ctx: TransitionContext, args: Mapping[str, Any]) -> None:
        start = _date(ctx.payload.get(args["from"]) or ctx.case.data.get(args["from"])) or ctx.today
        ctx.case.data[args["field"]] = add_span(ctx, start, args["param"]).isoformat()

    @vocabulary.effect("record_visit", "Записать посещение семьи")
    def record_visit(ctx: TransitionContext, args: Mapping[str, Any]) -> None:
        assert ctx.actor.user_id is not None, "a visit is recorded by a person"
        _INSERT_VISIT.execute(ctx.connection, {
            "case_id": ctx.case.id, "visited_on": _date(ctx.payload["visited_on"]) or ctx.today,
            "kind": ctx.payload["kind"], "notes": ctx.payload.get("notes", ""), "by_user": ctx.actor.user_id,
            "created_at": ctx.now}).close()

    @vocabulary.effect("record_resolution", "Записать постановление КДН", decision=Arg("str"))
    def record_resolution(ctx: TransitionContext, args: Mapping[str, Any]) -> None:
        ctx.session.add(KdnResolution(
            case_id=ctx.case.id, number=ctx.payload["resolution_number"],
            adopted_on=_date(ctx.payload["resolution_date"]) or ctx.today, decision=args["decision"],
            executing_bodies=ctx.payload.get("executing_bodies", ""),
            report_back_on=_date(ctx.payload.get("report_back_on")),
            notes=ctx.payload.get("notes", "") or ctx.payload.get("reason", ""), created_at=ctx.now))
        ctx.session.flush()

    @vocabulary.effect("put_on_agenda", "Включить дело в повестку заседания КДН", kind=Arg("str"))
    def put_on_agenda(ctx: TransitionContext, args: Mapping[str, Any]) -> None:
        held_on = _date(ctx.payload["meeting_on"]) or ctx.today
        kdn = ctx.actor.org_id or ctx.case.org_id
        assert kdn is not None
        meeting = ctx.session.exec(select(Meeting).where(Meeting.kdn_org_id == kdn, Meeting.held_on == held_on)).first()
        if meeting is None:
            meeting = Meeting(kdn_org_id=kdn, held_on=held_on)
            ctx.session.add(meeting)
            ctx.session.flush()
        assert meeting.id is not None
        if ctx.session.get(MeetingItem, (meeting.id, ctx.case.id)) is None:
            ctx.session.add(MeetingItem(meeting_id=meeting.id, case_id=ctx.case.id, kind=args["kind"]))
        ctx.case.data["meeting_on"] = held_on.isoformat()

    @vocabulary.effect("notify_kdn_case", "Сообщить в дело ИПР о новом сообщении")
    def notify_kdn_case(ctx: TransitionContext, args: Mapping[str, Any]) -> None:
        kdn_case = ctx.case.data.get("kdn_case_id")
        if kdn_case:
            ctx.notify("report.forwarded", "kdn_secretary", {"kdn_case_id": kdn_case,
                                                             "report_id": ctx.case.data.get("report_id"),
                                                             "outgoing_number": ctx.payload.get("outgoing_number")})
