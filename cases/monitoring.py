"""The Stavropol profile's records and monitoring: need criteria, mobile team visits, indicators against targets.

* **Need criteria** — when a family is recognised as needing social support, the criteria ticked from the
  territory's versioned checklist (profile setting ``need_checklist``) are recorded with the checklist's version
  (table ``need_assessment``): by the recognition step itself (field type ``need_criteria`` and effect
  ``record_need_criteria``, :mod:`cases.region_effects`) or afterwards by :func:`record_need`; the monitoring
  counts them.
* **Mobile interagency team visits** (мобильные бригады) — events with the team's members, the families reached and
  the outcome (table ``mobile_visit``); a visit made later than the profile's response time after the request is
  counted as late.
* **Indicators with yearly targets** (комплекс мер Ставропольского края по развитию эффективных практик социального
  сопровождения семей с детьми, нуждающихся в социальной помощи, 2016–2017) — computed from the data and shown
  against the target of the year (table ``indicator_target``) with the same period of the previous year (АППГ).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from cases import access, exports, profiles
from cases.errors import Forbidden, InputInvalid, NotFound
from cases.handlers import log_access, visible_case
from cases.inputs import Fields
from cases.principal import Principal
from cases.region_tables import IndicatorTarget, MobileVisit, NeedAssessment
from cases.services import Services
from engine.database import UnitOfWork
from engine.tables import CaseInstance, table_of

CI, NA, MV, IT = (table_of(t) for t in (CaseInstance, NeedAssessment, MobileVisit, IndicatorTarget))
OUTCOMES = {"helped": "помощь оказана на месте", "support_opened": "принято решение о социальном сопровождении",
            "referred": "направлены в другую службу", "not_found": "семью не застали"}
_BASIS = "комплекс мер Ставропольского края по развитию эффективных практик социального сопровождения семей с детьми"


@dataclass(frozen=True)
class Indicator:
    code: str
    title: str
    basis: str
    default_target: int


INDICATORS = [
    Indicator("need_decisions", "Семьи, по которым принято решение о социальном сопровождении (критерии нуждаемости)",
              f"{_BASIS}, п. 2.6, 5.4: до 5 000 семей в год", 5000),
    Indicator("families_supported", "Семьи, получающие услуги в рамках социального сопровождения",
              f"{_BASIS}, п. 2.6: до 5 000 семей в год", 5000),
    Indicator("mobile_team_families", "Семьи, которым оказана помощь межведомственными мобильными бригадами",
              f"{_BASIS}, п. 5.3: 3 000 семей в год", 3000),
    Indicator("disabled_child_families", "Семьи, воспитывающие детей-инвалидов и детей с ОВЗ, на сопровождении",
              f"{_BASIS}, п. 5.8: не менее 600 семей в год", 600),
    Indicator("minor_offender_families", "Семьи с несовершеннолетними правонарушителями на сопровождении",
              f"{_BASIS}, п. 5.1: 50 семей", 50),
]
BY_CODE = {i.code: i for i in INDICATORS}


def _checklist(tx: UnitOfWork, territory: str) -> dict[str, Any]:
    checklist = profiles.need_checklist(tx, territory)
    if not checklist:
        raise InputInvalid({"categories": "профиль территории не ведёт критерии нуждаемости"})
    return checklist


def record_need(tx: UnitOfWork, svc: Services, p: Principal, case_id: int, categories: Sequence[str],
                decided_on: date) -> NeedAssessment:
    """Record the need criteria of a family support case (its recognition) against the territory's checklist."""
    case = visible_case(tx, svc, p, case_id)
    if not access.can_record_need(p, case):
        raise Forbidden("Критерии нуждаемости отмечают Агентство, орган опеки, директор или куратор УСО")
    if case.workflow != "family_support":
        raise InputInvalid({"case_id": "критерии нуждаемости отмечаются в деле социального сопровождения"})
    checklist = _checklist(tx, p.territory)
    chosen, problem = profiles.chosen_criteria(checklist, categories)
    errors: dict[str, str] = {"categories": problem} if problem else {}
    if decided_on > svc.runtime.calendar.local_date(svc.runtime.clock.now()):
        errors["decided_on"] = "дата решения не может быть позже сегодняшней"
    if errors:
        raise InputInvalid(errors)
    row = NeedAssessment(case_id=case_id, territory=p.territory, checklist=str(checklist["name"]),
                         checklist_version=int(checklist["version"]), categories=chosen, decided_on=decided_on,
                         created_at=svc.runtime.clock.now())
    tx.session.add(row)
    tx.session.flush()
    log_access(tx, p, case_id, "change", f"критерии нуждаемости: {', '.join(chosen)}", svc)
    return row


@dataclass(frozen=True)
class MobileVisitInput:
    visited_on: date
    members: Sequence[str]
    outcome: str
    families_reached: int = 1
    notes: str = ""
    requested_at: datetime | None = None
    case_id: int | None = None


def record_mobile_visit(tx: UnitOfWork, svc: Services, p: Principal, visit: MobileVisitInput) -> MobileVisit:
    """Record a visit of a mobile interagency team in ``p``'s territory (its profile must set the response time)."""
    if not access.can_record_mobile_visit(p):
        raise Forbidden("Выезды мобильных бригад отмечают Агентство, орган опеки, директор или куратор УСО")
    if profiles.current(tx, p.territory).settings.get("mobile_team_response_hours") is None:
        raise InputInvalid({"territory": "профиль территории не задаёт время реагирования мобильной бригады"})
    today = svc.runtime.calendar.local_date(svc.runtime.clock.now())
    f = Fields()  # text as typed: one Unicode form, plain spaces, no control characters
    members = [m for m in (f.line("members", m, max_length=200) for m in visit.members) if m]
    notes = f.text("notes", visit.notes, max_length=2000)
    errors: dict[str, str] = dict(f.errors)
    if not members:
        errors.setdefault("members", "укажите состав бригады (ведомство и ФИО)")
    if visit.outcome not in OUTCOMES:
        errors["outcome"] = "выберите результат: " + ", ".join(OUTCOMES.values())
    if not 1 <= visit.families_reached <= 10_000:
        errors["families_reached"] = "число семей от 1 до 10000"
    if visit.visited_on > today:
        errors["visited_on"] = "дата выезда не может быть позже сегодняшней"
    if visit.requested_at is not None and visit.requested_at.date() > visit.visited_on:
        errors["requested_at"] = "заявка не может поступить позже выезда"
    if errors:
        raise InputInvalid(errors)
    if visit.case_id is not None:
        visible_case(tx, svc, p, visit.case_id)
    row = MobileVisit(territory=p.territory, case_id=visit.case_id, visited_on=visit.visited_on, members=members,
                      families_reached=visit.families_reached, outcome=visit.outcome, notes=notes,
                      requested_at=visit.requested_at, by_user=p.user_id, created_at=svc.runtime.clock.now())
    tx.session.add(row)
    tx.session.flush()
    log_access(tx, p, visit.case_id, "change", f"выезд мобильной бригады {visit.visited_on:%d.%m.%Y}", svc)
    return row


def set_target(tx: UnitOfWork, svc: Services, p: Principal, indicator: str, year: int, target: int,
               basis: str = "") -> None:
    if not access.can_set_targets(p):
        raise Forbidden("Целевые значения показателей задаёт руководитель или администратор")
    if indicator not in BY_CODE:
        raise NotFound("Показатель")
    f = Fields()
    basis = f.line("basis", basis, max_length=300)
    if not 2000 <= year <= 2100 or not 0 <= target <= 10_000_000:
        f.error("target", "год 2000–2100, значение от 0")
    f.done()
    tx.connection.execute(sa.delete(IT).where(IT.c.territory == p.territory, IT.c.indicator == indicator,
                                              IT.c.year == year))
    tx.connection.execute(sa.insert(IT).values(territory=p.territory, indicator=indicator, year=year,
                                               target=target, basis=basis or BY_CODE[indicator].basis))
    log_access(tx, p, None, "profile", f"цель показателя {indicator} на {year}: {target}", svc)


@dataclass(frozen=True)
class IndicatorRow:
    code: str
    title: str
    basis: str
    target: int | None
    actual: int
    previous: int  # АППГ: the same period of the previous year

    @property
    def share(self) -> float | None:
        return round(100 * self.actual / self.target, 1) if self.target else None


@dataclass(frozen=True)
class Monitoring:
    territory: str
    year: int
    rows: list[IndicatorRow]
    categories: list[tuple[str, int, int]]  # title, this year, АППГ
    visits: int
    late_visits: int
    response_hours: int | None


def same_day_last_year(day: date) -> date:
    """The same day a year earlier (29 February → 28 February): the end of the АППГ period."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def _bounds(year: int, zone: Any, until: date | None = None) -> tuple[date, date, datetime, datetime]:
    first, last = date(year, 1, 1), until or date(year, 12, 31)
    return (first, last, datetime.combine(first, time(0), tzinfo=zone),
            datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone))


def _actuals(conn: sa.Connection, territory: str, year: int, zone: Any, until: date | None) -> tuple[
        dict[str, int], Counter[str], Sequence[Any]]:
    first, last, start, end = _bounds(year, zone, until)
    needs = conn.execute(sa.select(NA.c.case_id, NA.c.categories).where(
        NA.c.territory == territory, NA.c.decided_on >= first, NA.c.decided_on <= last)).all()
    by_category: Counter[str] = Counter()
    for _, cats in needs:
        by_category.update(set(cats))
    supported = conn.execute(sa.select(sa.func.count(sa.distinct(CI.c.subject_id))).where(
        CI.c.territory == territory, CI.c.workflow == "family_support", CI.c.created_at < end,
        sa.or_(CI.c.closed_at.is_(None), CI.c.closed_at >= start))).scalar_one()
    visits = conn.execute(sa.select(MV.c.visited_on, MV.c.requested_at, MV.c.families_reached).where(
        MV.c.territory == territory, MV.c.visited_on >= first, MV.c.visited_on <= last)).all()
    return ({"need_decisions": len({c for c, _ in needs}), "families_supported": int(supported),
             "mobile_team_families": sum(int(v.families_reached) for v in visits),
             "disabled_child_families": by_category["disabled_child"],
             "minor_offender_families": by_category["minor_offender"]}, by_category, visits)


def monitoring(tx: UnitOfWork, svc: Services, p: Principal, year: int | None = None) -> Monitoring:
    """The monitoring indicators of ``p``'s territory for ``year`` (this year: up to today, the АППГ to the same
    day of the previous year) against the year's targets."""
    if not access.can_see_monitoring(p):
        raise Forbidden("Мониторинг доступен руководителю, органу опеки, Агентству и директору УСО")
    zone = svc.runtime.calendar.zone
    today = svc.runtime.calendar.local_date(svc.runtime.clock.now())
    year = year or today.year
    if not 2000 <= year <= 2100:
        raise InputInvalid({"year": "год от 2000 до 2100"})
    until = today if year == today.year else None
    before = None if until is None else same_day_last_year(until)
    now_values, categories, visits = _actuals(tx.connection, p.territory, year, zone, until)
    old_values, old_categories, _ = _actuals(tx.connection, p.territory, year - 1, zone, before)
    targets = {r.indicator: int(r.target) for r in tx.connection.execute(sa.select(IT).where(
        IT.c.territory == p.territory, IT.c.year == year))}
    rows = [IndicatorRow(i.code, i.title, i.basis, targets.get(i.code), now_values[i.code], old_values[i.code])
            for i in INDICATORS]
    applied = profiles.current(tx, p.territory)
    hours = applied.settings.get("mobile_team_response_hours")
    late = sum(1 for v in visits if hours and v.requested_at is not None and
               datetime.combine(v.visited_on, time(23, 59), tzinfo=zone) - v.requested_at > timedelta(hours=hours))
    items = (applied.settings.get("need_checklist") or {}).get("items", {})
    return Monitoring(p.territory, year, rows,
                      [(title, categories[code], old_categories[code]) for code, title in items.items()],
                      len(visits), late, hours)


COLUMNS = ["Показатель", "Цель на год", "Факт", "% от цели", "АППГ", "Основание"]


def monitoring_xlsx(m: Monitoring) -> bytes:
    rows = [[r.title, r.target if r.target is not None else "не задана", r.actual,
             r.share if r.share is not None else "", r.previous, r.basis] for r in m.rows]
    cats = [[title, now, before] for title, now, before in m.categories]
    return exports.to_xlsx([(f"Мониторинг {m.year}", COLUMNS, rows),
                            ("Критерии нуждаемости", ["Критерий", str(m.year), "АППГ"], cats)])
