"""The Russian production calendar (производственный календарь).

A day is a working day when it is Monday–Friday and not a public holiday or a day off
transferred by the Government, or when it is a Saturday/Sunday the Government made a
working day (e.g. Saturday 1 November 2025, Government decree of 04.10.2024 No. 1335).

Holidays and transferred days off come from the ``holidays`` package's Russian
calendar; working weekends and any corrections come from a data file in
``workflows/calendars/`` (see :func:`load_calendar`), because the package does not
carry them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import yaml


@dataclass(frozen=True)
class CalendarCorrection:
    day: date
    basis: str


@dataclass
class ProductionCalendar:
    """Working days of one country and region.

    ``timezone`` is the region's zone (local dates decide which day a moment falls on);
    ``workday_end`` is the local time a deadline "by the end of day N" expires.
    """

    timezone: str = "Asia/Yekaterinburg"
    workday_end: time = time(18, 0)
    country: str = "RU"
    working_weekends: frozenset[date] = frozenset()
    extra_days_off: frozenset[date] = frozenset()
    _off_cache: dict[int, frozenset[date]] = field(default_factory=dict, repr=False)

    @property
    def zone(self) -> ZoneInfo:
        return _zone(self.timezone)

    def _days_off(self, year: int) -> frozenset[date]:
        cached = self._off_cache.get(year)
        if cached is None:
            cached = frozenset(holidays.country_holidays(self.country, years=year).keys())
            self._off_cache[year] = cached
        return cached

    def is_working_day(self, day: date) -> bool:
        if day in self.working_weekends:
            return True
        if day in self.extra_days_off or day in self._days_off(day.year):
            return False
        return day.weekday() < 5

    def next_working_day(self, day: date, *, include_today: bool = True) -> date:
        """The first working day on or after ``day`` (strictly after when ``include_today`` is false)."""
        current = day if include_today else day + timedelta(days=1)
        while not self.is_working_day(current):
            current += timedelta(days=1)
        return current

    def previous_working_day(self, day: date) -> date:
        """The last working day on or before ``day``."""
        current = day
        while not self.is_working_day(current):
            current -= timedelta(days=1)
        return current

    def add_working_days(self, day: date, count: int) -> date:
        """The working day ``count`` working days after ``day`` (before it when negative).

        ``day`` itself is not counted: 3 working days from Friday 2025-10-31 end on
        Thursday 2025-11-06 (Saturday 1 November was a working day, 3 and 4 November were not).
        """
        step = 1 if count >= 0 else -1
        remaining = abs(count)
        current = day
        while remaining:
            current += timedelta(days=step)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when ``end`` is before ``start``."""
        if end < start:
            return -self.working_days_between(end, start)
        days = 0
        current = start
        while current < end:
            current += timedelta(days=1)
            if self.is_working_day(current):
                days += 1
        return days

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def end_of_day(self, day: date) -> datetime:
        """The moment the working day ``day`` ends (local ``workday_end``), as an aware datetime."""
        return datetime.combine(day, self.workday_end, tzinfo=self.zone)

    def receipt_day(self, moment: datetime) -> date:
        """The working day a document received at ``moment`` is taken as received.

        After the end of the working day, or on a day off, that is the next working day.
        """
        local = moment.astimezone(self.zone)
        day = local.date()
        if self.is_working_day(day) and local.time() < self.workday_end:
            return day
        return self.next_working_day(day, include_today=False)


@lru_cache(maxsize=16)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _parse_corrections(rows: Iterable[object], source: Path, key: str) -> list[CalendarCorrection]:
    result = []
    for i, row in enumerate(rows or []):
        if not isinstance(row, dict) or not isinstance(row.get("date"), date):
            raise ValueError(f"{source}: {key}[{i}]: нужна запись вида {{date: ГГГГ-ММ-ДД, basis: ...}}")
        result.append(CalendarCorrection(row["date"], str(row.get("basis", ""))))
    return result


def load_calendar(path: Path, *, timezone: str | None = None) -> ProductionCalendar:
    """Read a calendar data file (``workflows/calendars/ru.yaml``)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    end_h, end_m = (int(x) for x in str(raw.get("workday_end", "18:00")).split(":"))
    working = _parse_corrections(raw.get("working_days", []), path, "working_days")
    off = _parse_corrections(raw.get("days_off", []), path, "days_off")
    return ProductionCalendar(
        timezone=timezone or str(raw.get("timezone", "Asia/Yekaterinburg")),
        workday_end=time(end_h, end_m),
        country=str(raw.get("country", "RU")),
        working_weekends=frozenset(c.day for c in working),
        extra_days_off=frozenset(c.day for c in off),
    )
