"""Territories side by side: one row per territory with its profile, for a period and the same period of the
previous year (АППГ).

Per territory: reports received (table 1 of the annual statistics), families for whom work was organised in the
period (table 2: СОП — the recognising resolution of ``kdn_prevention`` or ``kdn_ipr_district``; ТЖС — a
``family_support`` case started), and the deadline discipline of the period (deadlines closed, the share met on
time). Only aggregates: no personal data, no names of staff.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from cases import access, exports, profiles
from cases.monitoring import same_day_last_year
from cases.principal import Principal
from cases.services import Services
from cases.statistics import (
    Period,
    _count_families,
    _families_organised,
    minor_cutoff,
    parse_period,
    today_of,
    year_to_date,
)
from cases.tables import Report, Territory
from engine.database import UnitOfWork
from engine.tables import CaseInstance, Deadline, table_of

CI, REP, TER, DL = (table_of(t) for t in (CaseInstance, Report, Territory, Deadline))


@dataclass(frozen=True)
class Figures:
    reports: int
    sop_families: int
    tzs_families: int
    deadlines_closed: int
    deadlines_met: int

    @property
    def met_share(self) -> float | None:
        return round(100 * self.deadlines_met / self.deadlines_closed, 1) if self.deadlines_closed else None


@dataclass(frozen=True)
class TerritoryRow:
    territory: str
    name: str
    profile: str
    now: Figures
    before: Figures  # АППГ


@dataclass(frozen=True)
class Comparison:
    period: Period
    previous: Period
    rows: list[TerritoryRow]


def _figures(tx: UnitOfWork, svc: Services, territory: str, period: Period) -> Figures:
    conn, bounds = tx.connection, period.bounds(svc.runtime.calendar.zone)
    reports = conn.execute(sa.select(sa.func.count()).where(
        REP.c.territory == territory, REP.c.received_at >= bounds[0], REP.c.received_at < bounds[1])).scalar_one()
    organised = _families_organised(territory, period, bounds)
    cutoff = minor_cutoff(period.start)
    sop, _ = _count_families(conn, organised["sop"], cutoff)
    tzs, _ = _count_families(conn, organised["tzs"], cutoff)
    closed = conn.execute(sa.select(DL.c.status, sa.func.count()).join(CI, CI.c.id == DL.c.instance_id).where(
        CI.c.territory == territory, sa.or_(CI.c.subject_kind.is_(None), CI.c.subject_kind != "obligation"),
        DL.c.closed_at >= bounds[0], DL.c.closed_at < bounds[1],
        DL.c.status.in_(("met", "late"))).group_by(DL.c.status)).all()
    counts = {status: int(n) for status, n in closed}
    return Figures(int(reports), sop, tzs, sum(counts.values()), counts.get("met", 0))


def compare(tx: UnitOfWork, svc: Services, p: Principal, start: str = "", end: str = "") -> Comparison:
    """Every territory's figures for the period (default: this year to date) and the АППГ."""
    access.require_comparison(p)
    period = parse_period(start, end, year_to_date(today_of(svc)))
    previous = Period(same_day_last_year(period.start), same_day_last_year(period.end))
    rows = []
    for code, name in tx.connection.execute(sa.select(TER.c.code, TER.c.name).order_by(TER.c.name)).all():
        applied = profiles.current(tx, code)
        rows.append(TerritoryRow(code, name, applied.profile.title, _figures(tx, svc, code, period),
                                 _figures(tx, svc, code, previous)))
    return Comparison(period, previous, rows)


COLUMNS = ["Территория", "Профиль", "Сообщений", "Сообщений АППГ", "Семей СОП", "Семей СОП АППГ", "Семей ТЖС",
           "Семей ТЖС АППГ", "Сроков закрыто", "В срок, %", "В срок АППГ, %"]


def table_rows(c: Comparison) -> list[list[object]]:
    def share(value: float | None) -> object:
        return value if value is not None else "—"

    return [[r.name, r.profile, r.now.reports, r.before.reports, r.now.sop_families, r.before.sop_families,
             r.now.tzs_families, r.before.tzs_families, r.now.deadlines_closed, share(r.now.met_share),
             share(r.before.met_share)] for r in c.rows]


def comparison_xlsx(c: Comparison) -> bytes:
    return exports.to_xlsx([(f"Территории {c.period.start:%d.%m.%Y}–{c.period.end:%d.%m.%Y}", COLUMNS,
                             table_rows(c))])
