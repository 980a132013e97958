"""Due rules of obligations whose subject is (organisation, report, period) rather than a case.

* ``after_period`` — by day N of the month after the period («до 5 числа месяца, следующего за отчётным»);
* ``in_last_month`` — by day N of the period's last month («до 28 числа отчётного месяца»);
* ``last_weekday`` — the last given weekday of the period's last month («последний вторник месяца»);
* ``annual`` — by a fixed day and month of the period's year («ежегодно до 20 декабря»), or of the next year when
  ``next_year`` («до 1 февраля года, следующего за отчётным»).

A due day that is not a working day moves to the next working day (Civil Code art. 193) or, as a regional setting,
to the previous one. When several rules name a due day for the same report, the earliest (the stricter) is in force
and the others are shown beside it.
"""

from __future__ import annotations

import calendar as _cal
from dataclasses import dataclass, field
from datetime import date, timedelta

from engine.calendar import ProductionCalendar

KINDS = ("after_period", "in_last_month", "last_weekday", "annual")


@dataclass(frozen=True)
class DueRule:
    kind: str
    day: int = 1
    #: for ``last_weekday``: 0 = Monday … 6 = Sunday; for ``annual``: the month
    weekday: int = 1
    month: int = 12
    next_year: bool = False
    #: the document (and its place) the rule comes from
    source: str = ""

    def describe(self) -> str:
        if self.kind == "after_period":
            return f"до {self.day} числа месяца, следующего за отчётным периодом"
        if self.kind == "in_last_month":
            return f"до {self.day} числа последнего месяца отчётного периода"
        if self.kind == "last_weekday":
            names = ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье")
            return f"последний {names[self.weekday]} месяца"
        months = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
                  "октября", "ноября", "декабря")
        return f"ежегодно до {self.day} {months[self.month - 1]}" + (" следующего года" if self.next_year else "")


@dataclass(frozen=True)
class Period:
    first: date
    last: date


def periods(year: int, length: str) -> list[Period]:
    """The year's months, quarters or the year itself."""
    if length == "year":
        return [Period(date(year, 1, 1), date(year, 12, 31))]
    step = 1 if length == "month" else 3
    found = []
    for start in range(1, 13, step):
        end_month = start + step - 1
        found.append(Period(date(year, start, 1), date(year, end_month, _cal.monthrange(year, end_month)[1])))
    return found


def nominal(rule: DueRule, period: Period) -> date:
    """The due day as the document says it, before the working-day shift."""
    last = period.last
    if rule.kind == "after_period":
        nxt = last + timedelta(days=1)
        return date(nxt.year, nxt.month, min(rule.day, _cal.monthrange(nxt.year, nxt.month)[1]))
    if rule.kind == "in_last_month":
        return date(last.year, last.month, min(rule.day, _cal.monthrange(last.year, last.month)[1]))
    if rule.kind == "last_weekday":
        day = date(last.year, last.month, _cal.monthrange(last.year, last.month)[1])
        return day - timedelta(days=(day.weekday() - rule.weekday) % 7)
    if rule.kind == "annual":
        year = last.year + (1 if rule.next_year else 0)
        return date(year, rule.month, min(rule.day, _cal.monthrange(year, rule.month)[1]))
    raise ValueError(f"неизвестное правило срока: {rule.kind}")


def due(rule: DueRule, period: Period, cal: ProductionCalendar, *, earlier: bool = False) -> date:
    """The due day moved off a non-working day (to the next working day; to the previous one when ``earlier``)."""
    day = nominal(rule, period)
    if cal.is_working_day(day):
        return day
    return cal.previous_working_day(day) if earlier else cal.next_working_day(day)


@dataclass(frozen=True)
class Resolved:
    """A period's due day in force and the other rules' days shown beside it (a conflict between documents)."""

    period: Period
    due: date
    rule: DueRule
    others: list[tuple[DueRule, date]] = field(default_factory=list)


def resolve(rules: list[DueRule], period: Period, cal: ProductionCalendar, *, earlier: bool = False) -> Resolved:
    found = sorted(((due(r, period, cal, earlier=earlier), i, r) for i, r in enumerate(rules)))
    first_day, _i, first = found[0]
    return Resolved(period, first_day, first, [(r, d) for d, _j, r in found[1:]])
