"""Guards of the process's workflows: conditions an action needs, with a reason a person can act on."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select

from cases.plans import items_of, plan_of
from cases.tables import ExecutionReport, Organisation
from engine.context import TransitionContext
from engine.tables import AuditEvent, table_of
from engine.vocabulary import Arg, Vocabulary

#: the actions that start a cycle of the interagency plan (each sets ``cycle_started_on``)
CYCLE_EVENTS = ("approve_plan", "review_continue", "resume")
ER, AE = table_of(ExecutionReport), table_of(AuditEvent)


def reported_bodies(conn: sa.Connection, case_id: int, cycle_started_on: object) -> set[int]:
    """Bodies whose execution report counts for the next review of the interagency plan.

    A report counts when it is dated after the day the current cycle started (the plan's approval or the
    last review decision), or on that day and recorded after the decision was; one dated that day and
    recorded before the decision answered the review that took it.
    """
    query = sa.select(ER.c.org_id).where(ER.c.case_id == case_id)
    if cycle_started_on:
        since = date.fromisoformat(str(cycle_started_on)[:10])
        decided_at = (sa.select(sa.func.max(AE.c.at)).where(AE.c.instance_id == case_id, AE.c.kind == "transition",
                                                           AE.c.event.in_(CYCLE_EVENTS)).scalar_subquery())
        query = query.where(sa.or_(ER.c.received_on > since,
                                   sa.and_(ER.c.received_on == since, ER.c.created_at > decided_at)))
    return set(conn.execute(query).scalars())


def register_guards(vocabulary: Vocabulary) -> None:
    @vocabulary.guard("plan_has_items", "В плане есть хотя бы одно мероприятие", kind=Arg("str"))
    def plan_has_items(ctx: TransitionContext, args: Mapping[str, Any]) -> str | None:
        plan = plan_of(ctx.tx, ctx.case.id, args["kind"])
        items = items_of(ctx.tx, plan.id) if plan else []
        if not [i for i in items if i.status != "cancelled"]:
            return "В плане нет ни одного мероприятия: добавьте мероприятия с ответственными и сроками"
        return None

    @vocabulary.guard("plan_items_closed", "Все мероприятия плана закрыты", kind=Arg("str"))
    def plan_items_closed(ctx: TransitionContext, args: Mapping[str, Any]) -> str | None:
        plan = plan_of(ctx.tx, ctx.case.id, args["kind"])
        if plan is None:
            return None
        still_open = [i for i in items_of(ctx.tx, plan.id) if i.status == "open"]
        if still_open:
            listed = "; ".join(f"«{i.measure[:60]}» (срок {i.due_date:%d.%m.%Y})" for i in still_open[:5])
            return (f"Не закрыто мероприятий плана: {len(still_open)} — {listed}. Отметьте их выполненными "
                    "или отменёнными с результатом")
        return None

    @vocabulary.guard("execution_reports_collected", "Отчёты всех органов-исполнителей собраны")
    def execution_reports_collected(ctx: TransitionContext, args: Mapping[str, Any]) -> str | None:
        plan = plan_of(ctx.tx, ctx.case.id, "ipr")
        if plan is None:
            return None
        bodies = {i.responsible_org_id for i in items_of(ctx.tx, plan.id)
                  if i.responsible_org_id is not None and i.status != "cancelled"}
        reported = reported_bodies(ctx.connection, ctx.case.id, ctx.case.data.get("cycle_started_on"))
        missing = sorted(bodies - reported)
        if missing:
            names = [o.short_name for o in ctx.session.exec(select(Organisation).where(col(Organisation.id)
                                                                                       .in_(missing))).all()]
            return ("Не получены отчёты об исполнении плана от органов: " + ", ".join(names)
                    + ". Внесите отчёты перед рассмотрением на заседании")
        return None
