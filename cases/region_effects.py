"""Effects and guards of the regional workflows: the area curator by address, quarterly reports of the bodies,
the need criteria ticked at the recognition step (field type ``need_criteria``: the territory's checklist).

Registered with the rest of the process's names in ``cases.vocabulary``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

import sqlalchemy as sa

from cases import areas, families, profiles
from cases.region_tables import NeedAssessment, QuarterlyReport
from cases.tables import Family, User
from engine.context import TransitionContext
from engine.errors import PayloadInvalid
from engine.vocabulary import FieldError, FieldType, Vocabulary

QR = QuarterlyReport.__table__  # type: ignore[attr-defined]


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def report_due(year: int, quarter: int, day_of_month: int) -> date:
    """Day ``day_of_month`` of the month after the quarter (the 28th at most, so every month has it)."""
    month = quarter * 3 + 1
    if month > 12:
        year, month = year + 1, 1
    return date(year, month, min(max(day_of_month, 1), 28))


def reported_quarter(due: date) -> tuple[int, int]:
    """The quarter a report due on ``due`` covers (the quarter before the due date's month)."""
    year, quarter = quarter_of(due)
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


def store_quarterly_report(ctx: TransitionContext, org_id: int, year: int, quarter: int, due: date,
                           summary: str) -> tuple[int, int]:
    """Record an organisation's report of the quarter on the case (once: a repeat keeps the first); the next
    quarter, whose report is due next."""
    done = ctx.connection.execute(sa.select(QR.c.id).where(
        QR.c.case_id == ctx.case.id, QR.c.org_id == org_id, QR.c.year == year, QR.c.quarter == quarter)).first()
    if done is None:
        ctx.session.add(QuarterlyReport(case_id=ctx.case.id, org_id=org_id, year=year, quarter=quarter, due_on=due,
                                        submitted_on=ctx.today, summary=summary, created_at=ctx.now))
        ctx.session.flush()
    return (year, quarter + 1) if quarter < 4 else (year + 1, 1)


def _report_day(ctx: TransitionContext) -> int:
    return int(profiles.current(ctx.tx, ctx.case.territory).settings.get("body_report_day", 10))


def _need_criteria(ctx: TransitionContext, value: Any) -> list[str]:
    """The criteria ticked from the territory's need checklist (a list, or the form's lines)."""
    codes = [str(v) for v in value] if isinstance(value, list | tuple) else re.split(r"[\n,]", str(value))
    checklist = profiles.need_checklist(ctx.tx, ctx.case.territory)
    if checklist is None:
        if any(c.strip() for c in codes):
            raise FieldError("профиль территории не ведёт критерии нуждаемости")
        return []
    chosen, problem = profiles.chosen_criteria(checklist, codes)
    if problem:
        raise FieldError(problem)
    return chosen


def register_region_effects(registry: Vocabulary) -> None:
    registry.add_field_type(FieldType("need_criteria", _need_criteria, "Критерии нуждаемости (чек-лист профиля)",
                                      html_input="checkboxes"))

    @registry.effect("record_need_criteria", "Записать критерии нуждаемости в начатое дело сопровождения")
    def record_need_criteria(ctx: TransitionContext, args: Mapping[str, Any]) -> None:
        checklist = profiles.need_checklist(ctx.tx, ctx.case.territory)
        if checklist is None:
            return  # the territory's profile keeps no checklist
        chosen = list(ctx.payload.get("need_criteria") or [])
        if not chosen:
            raise PayloadInvalid({"need_criteria": "отметьте хотя бы один критерий нуждаемости"})
        started = ctx.case.data.get("started_cases") or [ctx.case.id]
        decided = ctx.payload.get("decision_on")
        ctx.session.add(NeedAssessment(
            case_id=int(started[-1]), territory=ctx.case.territory or "", checklist=str(checklist["name"]),
            checklist_version=int(checklist["version"]), categories=chosen,
            decided_on=date.fromisoformat(str(decided)[:10]) if decided else ctx.today, created_at=ctx.now))
        ctx.session.flush()

    @registry.effect("assign_area_curator", "Назначить куратора участка по адресу семьи")
    def assign_area_curator(ctx: TransitionContext, args: Mapping[str, Any]) -> None:
        family = ctx.session.get(Family, ctx.case.subject_id) if ctx.case.subject_id else None
        area = areas.area_for(ctx.tx, ctx.case.territory or "", family.address) if family else None
        ctx.case.data["area"] = area.name if area else ""
        if area is None or area.curator_id is None:
            return  # no area names the address: the УСО director appoints the curator by hand
        curator = ctx.session.get(User, area.curator_id)
        if curator is None or not curator.is_active:
            return
        ctx.case.assignee_id = curator.id
        families.add_party(ctx.tx, ctx.case.id, curator.org_id, ctx.now)

    @registry.effect("set_quarter_report_due", "Записать срок ежеквартального отчёта органов")
    def set_quarter_report_due(ctx: TransitionContext, args: Mapping[str, Any]) -> None:
        year, quarter = quarter_of(ctx.today)
        ctx.case.data["quarter_report_on"] = report_due(year, quarter, _report_day(ctx)).isoformat()

    @registry.effect("record_quarterly_report", "Записать ежеквартальный отчёт органа и срок следующего")
    def record_quarterly_report(ctx: TransitionContext, args: Mapping[str, Any]) -> None:
        due = date.fromisoformat(str(ctx.case.data.get("quarter_report_on") or ctx.today.isoformat())[:10])
        year, quarter = reported_quarter(due)
        org_id = ctx.actor.org_id or ctx.case.org_id
        assert org_id is not None
        next_year, next_quarter = store_quarterly_report(ctx, org_id, year, quarter, due,
                                                         str(ctx.payload.get("summary", "")))
        ctx.case.data["quarter_report_on"] = report_due(next_year, next_quarter, _report_day(ctx)).isoformat()
