"""The Russian production calendar (производственный календарь).

A day is a working day when it is Monday–Friday and not a public holiday or a day off
transferred by the Government, or when it is a Saturday/Sunday the Government made a
working day (e.g. Saturday 20 February 2027, Government decree of 17.09.2026 No. 1187).

Everything the ``holidays`` package knows comes from it, for every year it covers: public
holidays (Labour Code art. 112), days off transferred by the yearly Government decree, and
the weekend days those decrees made working days (the package's ``weekend_workdays``). The
data file in ``workflows/calendars/`` (see :func:`load_calendar`) holds only the region's
settings, corrections the package lacks (``working_days``, ``days_off``) and the titles of
the yearly transfer decrees, which :meth:`ProductionCalendar.year_days` shows as the source
of each transferred day (``opora calendar show YEAR``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import yaml

PACKAGE = f"пакет holidays {holidays.__version__}"


@dataclass(frozen=True)
class CalendarCorrection:
    day: date
    basis: str


@dataclass(frozen=True)
class CalendarDay:
    """A day that differs from an ordinary Monday–Friday / Saturday–Sunday week, with its source."""

    day: date
    working: bool
    #: holiday | day_off (transferred or observed) | working_weekend | correction
    kind: str
    title: str
    source: str


@dataclass(frozen=True)
class _Year:
    days_off: frozenset[date]
    working_weekends: frozenset[date]
    names: Mapping[date, str]
    #: the package has the Government's transfers for this year
    has_transfers: bool


@dataclass
class ProductionCalendar:
    """Working days of one country and region.

    ``timezone`` is the region's zone (local dates decide which day a moment falls on);
    ``workday_end`` is the local time a deadline "by the end of day N" expires;
    ``working_weekends`` and ``extra_days_off`` are corrections on top of the package
    (their bases in ``corrections``); ``decrees`` names each year's transfer decree.
    """

    timezone: str = "Asia/Yekaterinburg"
    workday_end: time = time(18, 0)
    country: str = "RU"
    working_weekends: frozenset[date] = frozenset()
    extra_days_off: frozenset[date] = frozenset()
    corrections: Mapping[date, str] = field(default_factory=dict)
    decrees: Mapping[int, str] = field(default_factory=dict)
    _years: dict[int, _Year] = field(default_factory=dict, repr=False)
    #: per year, the number of working days from 1 January through each day of the year (index: day of year - 1)
    _running: dict[int, list[int]] = field(default_factory=dict, repr=False)

    @property
    def zone(self) -> ZoneInfo:
        return _zone(self.timezone)

    def _year(self, year: int) -> _Year:
        cached = self._years.get(year)
        if cached is None:
            found = holidays.country_holidays(self.country, years=year, language="ru")
            special = getattr(found, "special_public_holidays", {})
            cached = _Year(frozenset(found.keys()),
                           frozenset(d for d in found.weekend_workdays if d.year == year),
                           {d: str(name) for d, name in found.items()}, year in special)
            self._years[year] = cached
        return cached

    def is_working_day(self, day: date) -> bool:
        if day in self.working_weekends:
            return True
        if day in self.extra_days_off:
            return False
        year = self._year(day.year)
        if day.weekday() >= 5:
            return day in year.working_weekends
        return day not in year.days_off

    def has_transfers(self, year: int) -> bool:
        """Whether the Government's transfers of days off for ``year`` are known (to the package or the file)."""
        return self._year(year).has_transfers

    def year_days(self, year: int) -> list[CalendarDay]:
        """Every holiday, transferred or observed day off and working weekend day of ``year``, with its source.

        Ordinary Saturdays and Sundays are not listed. A day the data file corrects shows the file's basis.
        """
        data = self._year(year)
        decree = self.decrees.get(year, "")
        transfer_source = f"{decree} ({PACKAGE})" if decree else PACKAGE
        result = []
        for day in sorted(data.days_off | data.working_weekends | self._corrected(year)):
            if day in self.corrections:
                result.append(CalendarDay(day, self.is_working_day(day), "correction",
                                          "рабочий день" if self.is_working_day(day) else "нерабочий день",
                                          f"{self.corrections[day]} (файл календаря)"))
            elif day in data.working_weekends:
                result.append(CalendarDay(day, True, "working_weekend", "рабочий день (перенос выходного)",
                                          transfer_source))
            elif "перенесено" in data.names[day]:
                result.append(CalendarDay(day, False, "day_off", data.names[day], transfer_source))
            elif data.names[day].endswith("(выходной)"):  # a holiday on a day off moves to the next working day
                result.append(CalendarDay(day, False, "day_off", data.names[day], f"ТК РФ ст. 112 ч. 2 ({PACKAGE})"))
            else:
                result.append(CalendarDay(day, False, "holiday", data.names[day], f"ТК РФ ст. 112 ч. 1 ({PACKAGE})"))
        return result

    def _corrected(self, year: int) -> set[date]:
        return {d for d in self.corrections if d.year == year}

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
        """Working days in (start, end]; negative when ``end`` is before ``start``.

        Counted from running totals per year (built once per year), so a list of deadlines with
        their "working days left" costs a lookup per row, not a walk over the days between.
        """
        if end < start:
            return -self.working_days_between(end, start)
        if start.year == end.year:
            return self._through(end) - self._through(start)
        whole_years = sum(self._running_totals(year)[-1] for year in range(start.year + 1, end.year))
        return self._running_totals(start.year)[-1] - self._through(start) + whole_years + self._through(end)

    def _through(self, day: date) -> int:
        """Working days from 1 January of ``day``'s year through ``day``."""
        return self._running_totals(day.year)[day.timetuple().tm_yday - 1]

    def _running_totals(self, year: int) -> list[int]:
        totals = self._running.get(year)
        if totals is None:
            totals, count, day = [], 0, date(year, 1, 1)
            while day.year == year:
                count += self.is_working_day(day)
                totals.append(count)
                day += timedelta(days=1)
            self._running[year] = totals
        return totals

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


def _parse_decrees(raw: object, source: Path) -> dict[int, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(isinstance(k, int) and isinstance(v, str) for k, v in raw.items()):
        raise ValueError(f"{source}: transfer_decrees: нужна запись вида {{ГГГГ: «Постановление …»}}")
    return dict(raw)


def load_calendar(path: Path, *, timezone: str | None = None) -> ProductionCalendar:
    """Read a calendar data file (``workflows/calendars/ru.yaml``); ``ValueError`` names a malformed row."""
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
        corrections={c.day: c.basis for c in [*working, *off]},
        decrees=_parse_decrees(raw.get("transfer_decrees"), path),
    )
