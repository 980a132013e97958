"""Deadline arithmetic on the production calendar.

Units (see :class:`engine.definition.Unit`):

* ``hours`` — exact hours from the moment the deadline opens, no shifting;
* ``same_working_day`` — by the end of the working day the case entered the state
  (after the end of the working day, or on a day off: the end of the next working day);
* ``working_days`` — N working days after the day of the event (the day itself is not
  counted, Civil Code art. 191), by the end of that working day;
* ``days`` — N calendar days after the day of the event; a deadline ending on a
  non-working day moves to the next working day (Civil Code art. 193);
* a negative number of ``days`` / ``working_days`` counted from a case's date is a deadline *before* it
  ("30 days before release"); one falling on a non-working day moves to the previous working day;
* ``months`` — the same day N months later (the month's last day when there is no such
  day), moved to the next working day like calendar days.

Deadlines "by the end of a day" expire at the calendar's ``workday_end`` local time.
"""

from __future__ import annotations

import calendar as _cal
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from engine.calendar import ProductionCalendar
from engine.definition import Duration, Parameter, Unit


@dataclass(frozen=True)
class Span:
    """A resolved duration: a unit and an amount."""

    unit: Unit
    amount: int


class DurationUnresolved(ValueError):
    """A duration names a parameter the workflow does not declare (caught by the loader)."""


def resolve(duration: Duration, parameters: Mapping[str, Parameter], overrides: Mapping[str, Any]) -> Span:
    """Turn a duration into a :class:`Span`, taking parameters (and territory overrides) into account."""
    if duration.param is None:
        assert duration.unit is not None
        return Span(duration.unit, duration.amount)
    param = parameters.get(duration.param)
    if param is None or param.unit is None:
        raise DurationUnresolved(duration.param)
    value = overrides.get(duration.param, param.value)
    return Span(param.unit, int(value))


def add_months(day: date, months: int) -> date:
    """Same day ``months`` later; the month's last day when that day does not exist."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, _cal.monthrange(year, month)[1]))


def due_after(start: datetime, span: Span, cal: ProductionCalendar) -> datetime:
    """When a deadline of ``span`` opened at ``start`` expires."""
    if span.unit is Unit.HOURS:
        return start + timedelta(hours=span.amount)
    if span.unit is Unit.SAME_WORKING_DAY:
        return cal.end_of_day(cal.receipt_day(start))
    return due_from_date(cal.local_date(start), span, cal)


def due_from_date(day: date, span: Span, cal: ProductionCalendar) -> datetime:
    """When a deadline of ``span`` counted from the date ``day`` expires (end of the working day)."""
    if span.unit is Unit.HOURS:
        return cal.end_of_day(day) + timedelta(hours=span.amount)
    if span.unit is Unit.SAME_WORKING_DAY:
        return cal.end_of_day(cal.next_working_day(day))
    if span.unit is Unit.WORKING_DAYS:
        if span.amount == 0:  # "within 0 working days" of a day off is the next working day
            return cal.end_of_day(cal.next_working_day(day))
        return cal.end_of_day(cal.add_working_days(day, span.amount))
    if span.unit is Unit.DAYS:
        moved = day + timedelta(days=span.amount)  # a negative amount: N days before the date, never after it
        return cal.end_of_day(cal.previous_working_day(moved) if span.amount < 0 else cal.next_working_day(moved))
    return cal.end_of_day(cal.next_working_day(add_months(day, span.amount)))


def shift(moment: datetime, span: Span, cal: ProductionCalendar, *, backwards: bool = False) -> datetime:
    """Move ``moment`` by ``span`` (used for reminder and escalation offsets).

    Working-day offsets keep the local time of day and count only working days;
    calendar-day and month offsets that land on a non-working day move to the nearest
    working day in the direction of travel (a reminder is never pushed past its deadline),
    at the same local time.
    """
    sign = -1 if backwards else 1
    if span.unit is Unit.HOURS:
        return moment + sign * timedelta(hours=span.amount)
    local = moment.astimezone(cal.zone)
    if span.unit is Unit.SAME_WORKING_DAY:
        return moment
    settle = cal.previous_working_day if backwards else cal.next_working_day
    if span.unit is Unit.WORKING_DAYS:
        day = cal.add_working_days(local.date(), sign * span.amount)
    elif span.unit is Unit.DAYS:
        day = settle(local.date() + sign * timedelta(days=span.amount))
    else:
        day = settle(add_months(local.date(), sign * span.amount))
    return datetime.combine(day, local.timetz()).astimezone(moment.tzinfo)
