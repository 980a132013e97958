"""The Russian production calendar: holidays, transferred days off, working Saturdays, receipt days.

Reference: the Government decrees on transferring days off for 2025 (No. 1335 of
04.10.2024) and 2026, and the official monthly working-day counts.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.calendar import ProductionCalendar, load_calendar
from tests.unit.conftest import CALENDAR_YAML, local, utc


def d(text: str) -> date:
    return date.fromisoformat(text)


def test_calendar_file_settings(calendar: ProductionCalendar) -> None:
    assert calendar.timezone == "Asia/Yekaterinburg"
    assert calendar.workday_end == time(18, 0)
    assert calendar.is_working_day(date(2025, 11, 1))  # the working Saturday, from the holidays package


@pytest.mark.parametrize("year", [2025, 2026])
def test_new_year_holidays_are_days_off(calendar: ProductionCalendar, year: int) -> None:
    assert [calendar.is_working_day(date(year, 1, day)) for day in range(1, 9)] == [False] * 8


@pytest.mark.parametrize(
    "day",
    [
        pytest.param("2026-01-09", id="2026-01-09 transferred from Sat 3 Jan"),
        pytest.param("2025-05-02", id="2025-05-02 transferred from Sat 4 Jan"),
        pytest.param("2025-05-08", id="2025-05-08 transferred"),
        pytest.param("2025-05-09", id="2025-05-09 Victory Day"),
        pytest.param("2025-11-03", id="2025-11-03 transferred from Sat 1 Nov"),
        pytest.param("2025-11-04", id="2025-11-04 Unity Day"),
        pytest.param("2025-12-31", id="2025-12-31 transferred from Sun 5 Jan"),
        pytest.param("2026-03-09", id="2026-03-09 observed (8 March is a Sunday)"),
        pytest.param("2025-06-14", id="ordinary Saturday"),
        pytest.param("2025-11-02", id="ordinary Sunday"),
    ],
)
def test_days_off(calendar: ProductionCalendar, day: str) -> None:
    assert not calendar.is_working_day(d(day))


@pytest.mark.parametrize(
    "day",
    [
        pytest.param("2025-11-01", id="Saturday 2025-11-01 made a working day"),
        pytest.param("2025-01-09", id="2025-01-09 Thursday after the holidays"),
        pytest.param("2026-01-12", id="2026-01-12 first working day of 2026"),
        pytest.param("2025-05-05", id="2025-05-05 between the May holidays"),
        pytest.param("2025-12-30", id="2025-12-30 last working day of 2025"),
        pytest.param("2026-03-10", id="2026-03-10"),
        pytest.param("2025-10-31", id="ordinary Friday"),
    ],
)
def test_working_days(calendar: ProductionCalendar, day: str) -> None:
    assert calendar.is_working_day(d(day))


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [
        pytest.param("2025-10-31", 3, "2025-11-06", id="Fri before November holidays +3"),
        pytest.param("2025-10-31", 1, "2025-11-01", id="+1 lands on the working Saturday"),
        pytest.param("2025-12-30", 1, "2026-01-12", id="across New Year"),
        pytest.param("2025-05-07", 1, "2025-05-12", id="across 8-11 May"),
        pytest.param("2025-11-03", 1, "2025-11-05", id="from a holiday: the holiday is not counted"),
        pytest.param("2025-02-28", 1, "2025-03-03", id="across a month end"),
        pytest.param("2025-11-06", -3, "2025-10-31", id="negative across November holidays"),
        pytest.param("2026-01-12", -1, "2025-12-30", id="negative across New Year"),
        pytest.param("2025-11-05", 0, "2025-11-05", id="zero"),
    ],
)
def test_add_working_days(calendar: ProductionCalendar, start: str, count: int, expected: str) -> None:
    assert calendar.add_working_days(d(start), count) == d(expected)


@pytest.mark.parametrize(
    ("day", "include_today", "expected"),
    [
        ("2025-11-02", True, "2025-11-05"),
        ("2025-11-05", True, "2025-11-05"),
        ("2025-11-05", False, "2025-11-06"),
        ("2025-10-31", False, "2025-11-01"),
        ("2025-12-31", True, "2026-01-12"),
        ("2025-05-01", True, "2025-05-05"),
    ],
)
def test_next_working_day(calendar: ProductionCalendar, day: str, include_today: bool, expected: str) -> None:
    assert calendar.next_working_day(d(day), include_today=include_today) == d(expected)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2025-11-04", "2025-11-01"),
        ("2026-01-09", "2025-12-30"),
        ("2025-11-05", "2025-11-05"),
        ("2026-03-09", "2026-03-06"),
    ],
)
def test_previous_working_day(calendar: ProductionCalendar, day: str, expected: str) -> None:
    assert calendar.previous_working_day(d(day)) == d(expected)


@pytest.mark.parametrize(
    ("last_day", "last_working"),
    [
        ("2025-12-31", "2025-12-30"),
        ("2025-05-31", "2025-05-30"),
        ("2025-11-30", "2025-11-28"),
        ("2026-01-31", "2026-01-30"),
        ("2025-02-28", "2025-02-28"),
    ],
)
def test_last_working_day_of_month(calendar: ProductionCalendar, last_day: str, last_working: str) -> None:
    assert calendar.previous_working_day(d(last_day)) == d(last_working)


@pytest.mark.parametrize(
    ("month_before", "month_end", "official_count"),
    [
        ("2024-12-31", "2025-01-31", 17),
        ("2025-04-30", "2025-05-31", 18),
        ("2025-10-31", "2025-11-30", 19),
        ("2025-11-30", "2025-12-31", 22),
        ("2025-12-31", "2026-01-31", 15),
    ],
)
def test_working_days_per_month_match_the_official_calendar(
    calendar: ProductionCalendar, month_before: str, month_end: str, official_count: int
) -> None:
    assert calendar.working_days_between(d(month_before), d(month_end)) == official_count


def test_working_days_between_counts_the_end_but_not_the_start(calendar: ProductionCalendar) -> None:
    assert calendar.working_days_between(d("2025-10-31"), d("2025-11-06")) == 3
    assert calendar.working_days_between(d("2025-11-06"), d("2025-10-31")) == -3
    assert calendar.working_days_between(d("2025-12-30"), d("2026-01-12")) == 1
    assert calendar.working_days_between(d("2025-11-05"), d("2025-11-05")) == 0
    assert calendar.working_days_between(d("2025-11-02"), d("2025-11-04")) == 0


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        pytest.param(local(2025, 11, 5, 17, 59), "2025-11-05", id="before 18:00"),
        pytest.param(local(2025, 11, 5, 18, 0), "2025-11-06", id="exactly 18:00 is after hours"),
        pytest.param(local(2025, 11, 5, 21, 30), "2025-11-06", id="evening"),
        pytest.param(local(2025, 10, 31, 19, 0), "2025-11-01", id="Friday evening -> working Saturday"),
        pytest.param(local(2025, 11, 1, 10, 0), "2025-11-01", id="on the working Saturday"),
        pytest.param(local(2025, 11, 3, 10, 0), "2025-11-05", id="on a holiday"),
        pytest.param(local(2025, 11, 2, 10, 0), "2025-11-05", id="on a Sunday before holidays"),
        pytest.param(local(2025, 12, 30, 18, 30), "2026-01-12", id="after hours before New Year"),
        pytest.param(utc(2025, 11, 5, 12, 59), "2025-11-05", id="UTC 12:59 is 17:59 local"),
        pytest.param(utc(2025, 11, 5, 13, 0), "2025-11-06", id="UTC 13:00 is 18:00 local"),
        pytest.param(utc(2025, 11, 4, 20, 0), "2025-11-05", id="UTC date is a holiday, local is not"),
    ],
)
def test_receipt_day(calendar: ProductionCalendar, moment: datetime, expected: str) -> None:
    assert calendar.receipt_day(moment) == d(expected)


def test_end_of_day_is_18_local_13_utc(calendar: ProductionCalendar) -> None:
    assert calendar.end_of_day(d("2025-11-05")) == utc(2025, 11, 5, 13, 0)
    assert calendar.local_date(utc(2025, 11, 30, 20, 0)) == d("2025-12-01")


def test_timezone_override_changes_the_receipt_day() -> None:
    moscow = load_calendar(CALENDAR_YAML, timezone="Europe/Moscow")
    moment = utc(2025, 11, 5, 13, 30)  # 16:30 in Moscow, 18:30 in Yekaterinburg
    assert moscow.receipt_day(moment) == d("2025-11-05")
    assert load_calendar(CALENDAR_YAML).receipt_day(moment) == d("2025-11-06")


def test_calendar_file_corrections(tmp_path: Path) -> None:
    path = tmp_path / "region.yaml"
    path.write_text(
        "timezone: Asia/Yekaterinburg\n"
        'workday_end: "17:00"\n'
        "working_days:\n  - {date: 2025-06-14, basis: перенос}\n"
        "days_off:\n  - {date: 2025-06-10, basis: региональный праздник}\n",
        encoding="utf-8",
    )
    cal = load_calendar(path)
    assert cal.is_working_day(d("2025-06-14"))
    assert not cal.is_working_day(d("2025-06-10"))
    assert cal.add_working_days(d("2025-06-09"), 1) == d("2025-06-11")
    assert cal.end_of_day(d("2025-06-11")) == local(2025, 6, 11, 17, 0)


def test_calendar_file_rejects_a_row_without_a_date(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("working_days:\n  - {day: 2025-06-14}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"working_days\[0\]"):
        load_calendar(path)


@given(start=st.dates(date(2023, 1, 1), date(2028, 12, 31)), span=st.integers(-900, 900))
@settings(max_examples=300, deadline=None)
def test_working_days_between_agrees_with_counting_day_by_day(start: date, span: int) -> None:
    """The running totals give exactly what walking the days one by one gives, across years and backwards."""
    calendar = ProductionCalendar()
    end = start + timedelta(days=span)
    low, high = min(start, end), max(start, end)
    walked = sum(calendar.is_working_day(low + timedelta(days=k)) for k in range(1, (high - low).days + 1))
    assert calendar.working_days_between(start, end) == (walked if end >= start else -walked)
