"""Guards of the process's workflows: conditions an action needs, with a reason a person can act on."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlmodel import col, select

from cases.plans import items_of, plan_of
from cases.tables import ExecutionReport, Organisation
from engine.context import TransitionContext
from engine.registry import Arg, Registry


def register_guards(registry: Registry) -> None:
    @registry.guard("plan_has_items", "В плане есть хотя бы одно мероприятие", kind=Arg("str"))
    def plan_has_items(ctx: TransitionContext, args: Mapping[str, Any]) -> str | None:
        plan = plan_of(ctx.tx, ctx.case.id, args["kind"])
        items = items_of(ctx.tx, plan.id) if plan else []
        if not [i for i in items if i.status != "cancelled"]:
            return "В плане нет ни одного мероприятия: добавьте мероприятия с ответственными и сроками"
        return None

    @registry.guard("plan_items_closed", "Все мероприятия плана закрыты", kind=Arg("str"))
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

    @registry.guard("execution_reports_collected", "Отчёты всех органов-исполнителей собраны")
    def execution_reports_collected(ctx: TransitionContext, args: Mapping[str, Any]) -> str | None:
        plan = plan_of(ctx.tx, ctx.case.id, "ipr")
        if plan is None:
            return None
        bodies = {i.responsible_org_id for i in items_of(ctx.tx, plan.id)
                  if i.responsible_org_id is not None and i.status != "cancelled"}
        since = ctx.case.data.get("cycle_started_on")
        query = select(ExecutionReport.org_id).where(ExecutionReport.case_id == ctx.case.id)
        if since:
            # a report on the day a cycle starts answered the review that started it
            query = query.where(col(ExecutionReport.received_on) > date.fromisoformat(str(since)))
        reported = set(ctx.session.exec(query).all())
        missing = sorted(bodies - reported)
        if missing:
            names = [o.short_name for o in ctx.session.exec(select(Organisation).where(col(Organisation.id)
                                                                                       .in_(missing))).all()]
            return ("Не получены отчёты об исполнении плана от органов: " + ", ".join(names)
                    + ". Внесите отчёты перед рассмотрением на заседании")
        return None
