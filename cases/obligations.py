"""The reporting calendar of organisations (Yugra resource centres' regulations, interaction algorithms and
roadmaps, 2020–2022): what each kind of organisation owes, to whom, for which period, by which day — every due rule
with its source, conflicting rules side by side with the one in force — as a page and an iCalendar feed.

The chain runs provider or УСО → УСЗН → resource centre → regional methodological centre (РЦРСО) → Депсоцразвития.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from cases import access
from cases.errors import Forbidden, InputInvalid, NotFound
from cases.principal import Principal
from cases.services import Services
from cases.tables import Organisation
from engine.calendar import ProductionCalendar
from engine.database import UnitOfWork
from engine.due_rules import DueRule, Resolved, periods, resolve
from engine.tables import table_of

ORG = table_of(Organisation)
ALGORITHM = "алгоритм взаимодействия ресурсного центра (Югра)"


@dataclass(frozen=True)
class ReportType:
    key: str
    title: str
    #: organisation kinds that owe the report
    owers: tuple[str, ...]
    recipient: str
    length: str
    rules: tuple[DueRule, ...]
    #: the kind of organisation the report goes to (the one that accepts or returns it)
    recipient_kind: str = ""


CATALOGUE: tuple[ReportType, ...] = (
    ReportType("monthly_statistics", "Статистический и аналитический отчёт (ежемесячно)", ("uso", "provider"),
               "Ресурсный центр", "month",
               (DueRule("in_last_month", 28, source="порядок работы с семьями в СОП/ТЖС: «до 28 числа отчётного "
                                                    "месяца»"),
                DueRule("after_period", 1, source="порядок работы с пострадавшими от насилия: «до 1 числа месяца, "
                                                  "следующего за отчётным»")), "rc"),
    ReportType("methodological_products", "Методические продукты", ("uso",), "Ресурсный центр", "month",
               (DueRule("last_weekday", weekday=1, source="порядок сопровождения выпускников организаций для "
                                                          "детей-сирот: «последний вторник каждого месяца»"),), "rc"),
    ReportType("provider_forms", "Отчётные формы, мониторинг, информация о деятельности", ("provider", "uso"),
               "УСЗН", "quarter",
               (DueRule("after_period", 1, source=ALGORITHM + " по социальной адаптации лиц БОМЖ и освободившихся: "
                                                  "«ежеквартально до 1 числа месяца, следующего за отчётным»"),),
               "guardianship"),
    ReportType("uszn_control", "Контроль отчётности подведомственных учреждений (сводная)", ("guardianship",),
               "Ресурсный центр", "quarter",
               (DueRule("after_period", 3, source=ALGORITHM + ": «ежеквартально до 3 числа»"),), "rc"),
    ReportType("rc_quarterly", "Отчётные формы ресурсного центра (сводная)", ("rc",), "РЦРСО", "quarter",
               (DueRule("after_period", 5, source="положение о ресурсном центре (социальный контракт): «до 5 числа "
                                                  "месяца, следующего за отчётным»"),
                DueRule("after_period", 1, source="дорожная карта (СОП/ТЖС): «до 1 числа месяца, следующего за "
                                                  "отчётным кварталом»")), "rcrso"),
    ReportType("annual_package", "Годовой пакет: положение, формы, кейсы, дорожная карта", ("rc",), "РЦРСО", "year",
               (DueRule("annual", 20, month=12, source="положение о ресурсном центре: «ежегодно до 20 декабря»"),
                DueRule("annual", 1, month=2, next_year=True,
                        source="дорожная карта (СОП/ТЖС): «ежегодно до 1 февраля»")), "rcrso"),
)
#: roll-ups: a consolidated report and the reports it is made of (it is due once they are in)
PARTS = {"uszn_control": ("provider_forms",), "rc_quarterly": ("uszn_control",)}
#: to whom an organisation of each kind reports: the chain an overdue report is escalated along
CHAIN = {"provider": "guardianship", "uso": "guardianship", "guardianship": "rc", "rc": "rcrso", "rcrso": "ministry"}


@dataclass(frozen=True)
class Obligation:
    report: ReportType
    resolved: Resolved

    @property
    def due(self) -> date:
        return self.resolved.due


def year_calendar(kind: str, year: int, cal: ProductionCalendar) -> list[Obligation]:
    """Every obligation of an organisation of this kind in the year, by due day."""
    found = []
    for report in CATALOGUE:
        if kind not in report.owers:
            continue
        for period in periods(year, report.length):
            found.append(Obligation(report, resolve(list(report.rules), period, cal)))
    return sorted(found, key=lambda o: (o.due, o.report.key))


def _org(tx: UnitOfWork, p: Principal, org_id: int) -> Any:
    row = tx.connection.execute(sa.select(ORG.c.id, ORG.c.short_name, ORG.c.kind, ORG.c.territory)
                                .where(ORG.c.id == org_id)).first()
    if row is None or row.territory != p.territory:
        raise NotFound("Организация")
    if not access.can_see_obligations_of(p, row.id):
        raise Forbidden("Календарь другой организации видит руководитель или ресурсный центр")
    return row


def calendar_of(tx: UnitOfWork, svc: Services, p: Principal, org_id: int, year: int) -> dict[str, Any]:
    if not 2000 <= year <= 2100:
        raise InputInvalid({"year": "Год 2000–2100"})
    org = _org(tx, p, org_id)
    items = year_calendar(org.kind, year, svc.runtime.calendar)
    return {"org": {"id": org.id, "name": org.short_name}, "year": year, "items": [
        {"report": o.report.title, "key": o.report.key, "recipient": o.report.recipient,
         "period": [o.resolved.period.first, o.resolved.period.last], "due": o.due,
         "rule": o.resolved.rule.describe(), "source": o.resolved.rule.source,
         "parts": list(PARTS.get(o.report.key, ())),
         "others": [{"rule": r.describe(), "source": r.source, "due": d} for r, d in o.resolved.others]}
        for o in items]}


def _ics_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def icalendar(tx: UnitOfWork, svc: Services, p: Principal, org_id: int, year: int) -> str:
    """The organisation's reporting calendar as iCalendar (RFC 5545): one all-day event per obligation."""
    found = calendar_of(tx, svc, p, org_id, year)
    stamp = svc.runtime.clock.now().strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Opora//obligations//RU", "CALSCALE:GREGORIAN",
             f"X-WR-CALNAME:{_ics_text('Отчётность: ' + found['org']['name'])}"]
    for item in found["items"]:
        first: date = item["period"][0]
        due_day: date = item["due"]
        uid = f"{org_id}-{item['key']}-{first.isoformat()}@opora"
        lines += ["BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{stamp}", f"DTSTART;VALUE=DATE:{due_day:%Y%m%d}",
                  f"SUMMARY:{_ics_text(item['report'] + ' → ' + item['recipient'])}",
                  f"DESCRIPTION:{_ics_text(item['rule'] + '. ' + item['source'])}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"


def sweep_year(organisations: list[tuple[int, str]], year: int, cal: ProductionCalendar) -> int:
    """Every obligation of every organisation in the year (each one's calendar computed); returns how many."""
    return sum(len(year_calendar(kind, year, cal)) for _org_id, kind in organisations)
