"""The УСО's quarterly report to the regional ministry (Novgorod profile, ``kdn_ipr_district``).

Besides each body's quarterly report on a case to the district commission (``record_quarterly_report``), the УСО
that runs the district commission's cases reports every quarter to the министерство труда и социальной защиты
населения Новгородской области. The obligation is a case of the workflow ``uso_ministry_report`` whose subject is
the УСО (like an institution's weekly free places): it is opened the first time a plan of the УСО is approved
(effect ``open_ministry_report``), its deadline is day ``ministry_report_day`` (profile setting, the 10th) of the
month after the quarter, moved to the next working day of the production calendar when that day is off, with the
reminders and escalations of the workflow file. ``record_ministry_report`` counts the quarter's figures from the
data — the УСО's cases of the quarter, the commission's decisions (а)–(д) and the families a year without positive
dynamics — stores the report (table ``quarterly_report``) and sets the next quarter's deadline; the act
``uso_ministry_report`` (DOCX + PDF) shows the figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from cases import families, profiles
from cases.region_effects import quarter_of, reported_quarter, store_quarterly_report
from cases.tables import CaseParty, KdnResolution
from engine.calendar import ProductionCalendar
from engine.commands import StartCase
from engine.context import TransitionContext
from engine.database import UnitOfWork
from engine.due_rules import DueRule, Period, due
from engine.tables import CaseInstance, table_of
from engine.vocabulary import Vocabulary

WORKFLOW = "uso_ministry_report"
DISTRICT_WORKFLOW = "kdn_ipr_district"
ORG_SUBJECT = "organisation"
MINISTRY = "министерство труда и социальной защиты населения Новгородской области"
CI, CP, KR = (table_of(t) for t in (CaseInstance, CaseParty, KdnResolution))
#: the commission's decisions at a review, as the regional order letters them
DECISIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "a": ("(а) продолжить работу по утверждённому плану", ("continue",)),
    "b": ("(б) внести изменения и дополнения в план", ("amend",)),
    "c": ("(в) прекратить работу", ("terminate", "post_support")),
    "d": ("(г) поручить органу опеки обратиться в суд", ("court",)),
    "e": ("(д) приостановить исполнение плана", ("suspend",)),
}


def quarter_period(year: int, quarter: int) -> Period:
    first = date(year, 3 * quarter - 2, 1)
    last = (date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)) - timedelta(days=1)
    return Period(first, last)


def report_due(calendar: ProductionCalendar, year: int, quarter: int, day: int) -> date:
    """Day ``day`` of the month after the quarter; a day off moves to the next working day (ГК РФ ст. 193)."""
    return due(DueRule("after_period", day=day), quarter_period(year, quarter), calendar)


def _day(tx: UnitOfWork, territory: str | None) -> int:
    return int(profiles.current(tx, territory).settings.get("ministry_report_day", 10))


def figures(conn: sa.Connection, territory: str, org_id: int, year: int, quarter: int, zone: Any
            ) -> dict[str, Any]:
    """The quarter's figures of the УСО ``org_id``: its district commission cases, decisions, no dynamics."""
    period = quarter_period(year, quarter)
    start = datetime.combine(period.first, time(0), tzinfo=zone)
    end = datetime.combine(period.last + timedelta(days=1), time(0), tzinfo=zone)
    cases = conn.execute(sa.select(CI.c.id, CI.c.created_at, CI.c.closed_at, CI.c.data).join(
        CP, sa.and_(CP.c.case_id == CI.c.id, CP.c.org_id == org_id)).where(
        CI.c.territory == territory, CI.c.workflow == DISTRICT_WORKFLOW, CI.c.created_at < end,
        sa.or_(CI.c.closed_at.is_(None), CI.c.closed_at >= start))).all()
    ids = [c.id for c in cases]
    decided: dict[str, int] = {}
    if ids:
        for decision, count in conn.execute(sa.select(KR.c.decision, sa.func.count()).where(
                KR.c.case_id.in_(ids), KR.c.adopted_on >= period.first, KR.c.adopted_on <= period.last)
                .group_by(KR.c.decision)):
            decided[decision] = int(count)
    no_dynamics = sum(1 for c in cases if (c.data or {}).get("no_dynamics_flagged_on")
                      and str(c.data["no_dynamics_flagged_on"])[:10] <= period.last.isoformat()
                      and (c.closed_at is None or c.closed_at >= end))
    return {
        "year": year, "quarter": quarter, "period": f"{period.first:%d.%m.%Y} — {period.last:%d.%m.%Y}",
        "cases": len(cases), "new_cases": sum(1 for c in cases if c.created_at >= start),
        "decisions": [{"code": code, "title": title, "count": sum(decided.get(d, 0) for d in names)}
                      for code, (title, names) in DECISIONS.items()],
        "no_dynamics": no_dynamics,
    }


def open_obligation(tx: UnitOfWork, ctx: TransitionContext, org_id: int) -> int | None:
    """Open the УСО's ministry report (once per УСО); the id of the case opened, None when it is open already."""
    found = tx.connection.execute(sa.select(CI.c.id).where(
        CI.c.workflow == WORKFLOW, CI.c.subject_kind == ORG_SUBJECT, CI.c.subject_id == org_id,
        CI.c.closed_at.is_(None)).limit(1)).scalar()
    if found is not None:
        return None
    year, quarter = quarter_of(ctx.today)
    due_on = report_due(ctx.runtime.calendar, year, quarter, _day(tx, ctx.case.territory))
    started = ctx.runtime.start(tx, StartCase(
        WORKFLOW, ctx.actor, data={"org_id": org_id, "ministry_report_on": due_on.isoformat()},
        territory=ctx.case.territory, org_id=org_id, subject_kind=ORG_SUBJECT, subject_id=org_id))
    families.add_party(tx, started.case_id, org_id, ctx.now)
    return started.case_id


def register_ministry_report(registry: Vocabulary) -> None:
    @registry.effect("open_ministry_report", "Открыть ежеквартальный отчёт УСО в министерство (один на УСО)")
    def open_ministry_report(ctx: TransitionContext, args: Mapping[str, Any]) -> None:
        if ctx.case.org_id is not None:
            open_obligation(ctx.tx, ctx, ctx.case.org_id)

    @registry.effect("record_ministry_report", "Посчитать показатели квартала, записать отчёт УСО и срок следующего")
    def record_ministry_report(ctx: TransitionContext, args: Mapping[str, Any]) -> None:
        due_on = date.fromisoformat(str(ctx.case.data.get("ministry_report_on") or ctx.today.isoformat())[:10])
        year, quarter = reported_quarter(due_on)
        org_id = int(ctx.case.subject_id or ctx.case.org_id or 0)
        found = figures(ctx.connection, ctx.case.territory or "", org_id, year, quarter, ctx.runtime.calendar.zone)
        ctx.case.data["ministry_figures"] = found
        next_year, next_quarter = store_quarterly_report(ctx, org_id, year, quarter, due_on,
                                                         str(ctx.payload.get("notes", "")))
        ctx.case.data["ministry_report_on"] = report_due(ctx.runtime.calendar, next_year, next_quarter,
                                                         _day(ctx.tx, ctx.case.territory)).isoformat()
