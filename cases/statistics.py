"""Annual statistics the region already publishes (Yugra, see docs/process.md), for any period and territory.

Every number is counted from the system's own rows, for one territory (``report.territory``,
``wf_instance.territory``) and a period of local dates ``[start, end]`` (both days included; a
moment belongs to the period when ``start 00:00 <= moment < (end + 1 day) 00:00`` in the
calendar's time zone). A *minor* is a person with ``relation = 'child'``; in tables 2 and 3 only
children still under 18 on the period's first day are counted (born after ``start − 18 years``, or
with no date of birth).

Table 1 — «Поступило сообщений о нарушении прав и законных интересов несовершеннолетних» (002:604-636):
    per source (education, police/УМВД, relatives, neighbours/acquaintances, anonymous, other
    organisations): the reports received in the period (``report.received_at``) and the distinct
    minors they name (``report_child``). The total row counts every report once and every minor
    once: a child reported by two sources appears in both source rows but once in the total, so
    the rows add up to the total only when no child was reported by two sources. (In the published
    figures the per-source numbers are minors: 650 + 749 + 709 + 320 + 549 + 4,155 = 7,132.)
«Информация подтверждена в отношении N детей» (002:619, 638):
    distinct minors named in the period's reports whose inspection confirmed the information
    (``report.confirmed`` is true: the ``confirm`` action of ``child_report``). Reports are taken
    by the day they were received; the confirmation known at the time of the query counts.
Table 2 — «Организована профилактическая работа по категории …» (002:505-535, 555-575):
    families (and their minors) for whom work *was organised in the period*:
    СОП — a ``kdn_prevention`` case whose KDN resolution recognising the family in a socially
    dangerous position (``kdn_resolution.decision = 'recognise'``) was adopted in the period;
    ТЖС — a ``family_support`` case started in the period (the Agency's order to the УСО to
    organise social support, given when the family was recognised in a difficult life situation).
    The total row counts a family (and a child) once even when it has both.
Table 3 — «Социальные услуги предоставлены … семьям по категории …» (002:536-553, 580-595):
    families *served at any time in the period*: ТЖС — a ``family_support`` case open for at least
    a moment of the period (started before the period's end, not closed before its start); СОП —
    a ``kdn_prevention`` case from its recognising resolution (adopted on or before the period's
    last day) until the case is closed (ИПР terminated, post-support by the УСО included) not
    before the period's first day.

Everything is aggregated in SQL; no query reads the audit trail, so the time does not grow with
the number of events (see ``opora bench reports``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from cases import access, exports
from cases.errors import InputInvalid
from cases.principal import Principal
from cases.services import Services
from cases.tables import KdnResolution, Person, Report, ReportChild, Territory
from engine.database import UnitOfWork
from engine.tables import CaseInstance, table_of

CI, REP, RCH, PE, RES, TER = (table_of(t) for t in (CaseInstance, Report, ReportChild, Person, KdnResolution,
                                                     Territory))
#: the workflows of individual preventive work of every profile (Yugra's and the district commission's)
IPR_WORKFLOWS = ("kdn_prevention", "kdn_ipr_district")
#: the sources in the order of the published figures (002:626-636)
SOURCES = {
    "education": "Образовательные организации",
    "police": "Территориальные отделы УМВД (полиция)",
    "relatives": "Родственники",
    "neighbours": "Соседи, знакомые",
    "anonymous": "Аноним",
    "other_org": "Иные организации",
}
CATEGORIES = {"sop": "Семья, находящаяся в социально опасном положении (СОП)",
              "tzs": "Семья, находящаяся в трудной жизненной ситуации (ТЖС)"}
MAX_DAYS = 366 * 10


# -- periods ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    """Local dates ``start``..``end``, both included."""

    start: date
    end: date

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """The period as UTC-comparable moments: ``[start 00:00, (end + 1) 00:00)`` local."""
        return (datetime.combine(self.start, time(0), tzinfo=zone),
                datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=zone))

    @property
    def label(self) -> str:
        return f"{self.start:%d.%m.%Y} — {self.end:%d.%m.%Y}"


def _parse_day(text: str, name: str, errors: dict[str, str]) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = "ожидается дата ГГГГ-ММ-ДД"
        return None


def parse_period(start: str, end: str, default: Period) -> Period:
    """A period from form fields (empty → ``default``'s side); :class:`InputInvalid` per field."""
    errors: dict[str, str] = {}
    first, last = _parse_day(start, "from", errors), _parse_day(end, "to", errors)
    if errors:
        raise InputInvalid(errors)
    period = Period(first or default.start, last or default.end)
    if period.start > period.end:
        raise InputInvalid({"to": "конец периода раньше его начала"})
    if (period.end - period.start).days > MAX_DAYS:
        raise InputInvalid({"from": "период не длиннее 10 лет"})
    if period.start.year < 2000:
        raise InputInvalid({"from": "период начинается не раньше 2000 года"})
    return period


def year_to_date(today: date) -> Period:
    return Period(date(today.year, 1, 1), today)


def today_of(svc: Services) -> date:
    return svc.runtime.calendar.local_date(svc.runtime.clock.now())


def minor_cutoff(day: date) -> date:
    """Children born after this day are under 18 on ``day``."""
    return day.replace(year=day.year - 18) if (day.month, day.day) != (2, 29) else date(day.year - 18, 2, 28)


# -- the tables ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SourceRow:
    key: str
    title: str
    reports: int
    minors: int


@dataclass(frozen=True)
class CategoryRow:
    key: str
    title: str
    families: int
    children: int


@dataclass(frozen=True)
class AnnualStatistics:
    territory: str
    territory_name: str
    period: Period
    sources: list[SourceRow]
    total: SourceRow
    confirmed_reports: int
    confirmed_minors: int
    #: table 2: work organised in the period (СОП, ТЖС, total)
    prevention: list[CategoryRow]
    #: table 3: families served during the period (ТЖС, СОП, total)
    services: list[CategoryRow]


def _in_period(column: Any, bounds: tuple[datetime, datetime]) -> sa.ColumnElement[bool]:
    return sa.and_(column >= bounds[0], column < bounds[1])


def _reports_by_source(conn: sa.Connection, territory: str, bounds: tuple[datetime, datetime]
                       ) -> tuple[list[SourceRow], SourceRow, int, int]:
    join = REP.outerjoin(RCH, RCH.c.report_id == REP.c.id)
    where = sa.and_(REP.c.territory == territory, _in_period(REP.c.received_at, bounds))
    counted = (sa.func.count(sa.distinct(REP.c.id)), sa.func.count(sa.distinct(RCH.c.person_id)))
    per_source = {r[0]: (int(r[1]), int(r[2])) for r in conn.execute(
        sa.select(REP.c.source_type, *counted).select_from(join).where(where).group_by(REP.c.source_type))}
    reports, minors = conn.execute(sa.select(*counted).select_from(join).where(where)).one()
    confirmed = conn.execute(sa.select(*counted).select_from(join)
                             .where(where, REP.c.confirmed.is_(True))).one()
    rows = [SourceRow(key, title, *per_source.get(key, (0, 0))) for key, title in SOURCES.items()]
    return rows, SourceRow("total", "Всего", int(reports), int(minors)), int(confirmed[0]), int(confirmed[1])


def _recognised(on_or_before: date) -> sa.ColumnElement[bool]:
    return sa.exists().where(RES.c.case_id == CI.c.id, RES.c.decision == "recognise",
                             RES.c.adopted_on <= on_or_before)


def _families_organised(territory: str, period: Period, bounds: tuple[datetime, datetime]) -> dict[str, Any]:
    sop = (sa.select(CI.c.subject_id.label("family_id")).join(RES, RES.c.case_id == CI.c.id)
           .where(CI.c.territory == territory, CI.c.workflow.in_(IPR_WORKFLOWS), RES.c.decision == "recognise",
                  RES.c.adopted_on >= period.start, RES.c.adopted_on <= period.end))
    tzs = (sa.select(CI.c.subject_id.label("family_id"))
           .where(CI.c.territory == territory, CI.c.workflow == "family_support", _in_period(CI.c.created_at, bounds)))
    return {"sop": sop, "tzs": tzs}


def _families_served(territory: str, period: Period, bounds: tuple[datetime, datetime]) -> dict[str, Any]:
    not_closed_before = sa.or_(CI.c.closed_at.is_(None), CI.c.closed_at >= bounds[0])
    tzs = (sa.select(CI.c.subject_id.label("family_id"))
           .where(CI.c.territory == territory, CI.c.workflow == "family_support", CI.c.created_at < bounds[1],
                  not_closed_before))
    sop = (sa.select(CI.c.subject_id.label("family_id"))
           .where(CI.c.territory == territory, CI.c.workflow.in_(IPR_WORKFLOWS), _recognised(period.end),
                  not_closed_before))
    return {"tzs": tzs, "sop": sop}


def _count_families(conn: sa.Connection, families: Any, cutoff: date) -> tuple[int, int]:
    """(distinct families, their distinct minors) of a ``SELECT family_id`` statement."""
    ids = families.subquery()
    n_families = conn.execute(sa.select(sa.func.count(sa.distinct(ids.c.family_id)))).scalar_one()
    n_children = conn.execute(
        sa.select(sa.func.count(sa.distinct(PE.c.id)))
        .where(PE.c.family_id.in_(sa.select(ids.c.family_id)), PE.c.relation == "child",
               sa.or_(PE.c.birth_date.is_(None), PE.c.birth_date > cutoff))).scalar_one()
    return int(n_families), int(n_children)


def _category_rows(conn: sa.Connection, selects: dict[str, Any], cutoff: date) -> list[CategoryRow]:
    rows = [CategoryRow(key, CATEGORIES[key], *_count_families(conn, select, cutoff))
            for key, select in selects.items()]
    union = sa.union(*selects.values())
    total = _count_families(conn, sa.select(union.subquery().c.family_id), cutoff)
    return [*rows, CategoryRow("total", "Всего (семья учтена один раз)", *total)]


def compute_annual(conn: sa.Connection, zone: ZoneInfo, territory: str, period: Period) -> AnnualStatistics:
    """The three published tables for ``territory`` and ``period`` (see the module docstring)."""
    bounds = period.bounds(zone)
    sources, total, confirmed_reports, confirmed_minors = _reports_by_source(conn, territory, bounds)
    cutoff = minor_cutoff(period.start)
    prevention = _category_rows(conn, _families_organised(territory, period, bounds), cutoff)
    services = _category_rows(conn, _families_served(territory, period, bounds), cutoff)
    name = conn.execute(sa.select(TER.c.name).where(TER.c.code == territory)).scalar()
    return AnnualStatistics(territory, name or territory, period, sources, total, confirmed_reports,
                            confirmed_minors, prevention, services)


def annual_statistics(tx: UnitOfWork, svc: Services, p: Principal, start: str = "", end: str = ""
                      ) -> AnnualStatistics:
    """The annual tables of ``p``'s territory for the days ``start``..``end`` (ISO dates; empty: from the
    1st of January of this year to today).

    Raises :class:`Forbidden` for roles that may not see them (checked first), :class:`InputInvalid`
    for a malformed or reversed period.
    """
    access.require_annual(p)
    period = parse_period(start, end, year_to_date(today_of(svc)))
    return compute_annual(tx.connection, svc.runtime.calendar.zone, p.territory, period)


# -- files -----------------------------------------------------------------------------------------

TABLE_1 = "1. Сообщения о нарушении прав и законных интересов несовершеннолетних по источникам"
TABLE_2 = "2. Организована профилактическая работа (дети и семьи) по категориям"
TABLE_3 = "3. Семьи, которым предоставлены социальные услуги, по категориям"


def annual_sections(stats: AnnualStatistics) -> list[tuple[str, list[str], list[list[object]]]]:
    """The tables as (title, columns, rows), the shape the XLSX, DOCX and CSV writers take."""
    table1: list[list[object]] = [[r.title, r.reports, r.minors] for r in [*stats.sources, stats.total]]
    table1.append(["Информация подтверждена", stats.confirmed_reports, stats.confirmed_minors])
    return [
        (TABLE_1, ["Источник", "Сообщений", "Несовершеннолетних"], table1),
        (TABLE_2, ["Категория", "Семей", "Детей"], [[r.title, r.families, r.children] for r in stats.prevention]),
        (TABLE_3, ["Категория", "Семей"], [[r.title, r.families] for r in stats.services]),
    ]


SHEETS = ["1. По источникам", "2. Профилактическая работа", "3. Социальные услуги"]


def _about(stats: AnnualStatistics) -> list[list[object]]:
    return [["Территория", stats.territory_name], ["Период", stats.period.label]]


def annual_xlsx(stats: AnnualStatistics) -> bytes:
    """A workbook: «Сведения» (territory, period) and one sheet per table."""
    sheets = [("Сведения", ["Показатель", "Значение"], _about(stats))]
    sheets += [(name, columns, rows) for name, (_, columns, rows) in zip(SHEETS, annual_sections(stats), strict=True)]
    return exports.to_xlsx(sheets, widths=[64, 24, 20])


def annual_csv(stats: AnnualStatistics) -> bytes:
    """One long table (table; row; measure; value): every figure on its own line, territory and period first."""
    rows: list[list[object]] = [["Сведения", name, "", value] for name, value in _about(stats)]
    for title, columns, table in annual_sections(stats):
        for row in table:
            rows.extend([title, row[0], column, value] for column, value in zip(columns[1:], row[1:], strict=True))
    return exports.to_csv(["Таблица", "Строка", "Показатель", "Значение"], rows)
