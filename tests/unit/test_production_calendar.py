"""The production calendars of 2025, 2026 and 2027, written out from the official calendars.

Every day off of each year (ordinary weekends included, month by month as the official production
calendar prints them), every weekend day made a working day, the monthly working-day counts and the
Government decree on transferring days off that the ``holidays`` package follows for that year. The
calendar takes all of it from the package; a change in the package's data fails here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from api.cli import main
from engine.calendar import ProductionCalendar


@dataclass(frozen=True)
class OfficialYear:
    decree: str
    #: month → days off ("1-8" is 1 to 8 inclusive), weekends included
    days_off: dict[int, str]
    working_weekends: tuple[str, ...]
    working_days_per_month: tuple[int, ...]


OFFICIAL = {
    2025: OfficialYear(
        decree="Постановление Правительства РФ от 04.10.2024 № 1335 «О переносе выходных дней в 2025 году»",
        days_off={
            1: "1-8 11-12 18-19 25-26",
            2: "1-2 8-9 15-16 22-23",
            3: "1-2 8-9 15-16 22-23 29-30",
            4: "5-6 12-13 19-20 26-27",
            5: "1-4 8-11 17-18 24-25 31",
            6: "1 7-8 12-15 21-22 28-29",
            7: "5-6 12-13 19-20 26-27",
            8: "2-3 9-10 16-17 23-24 30-31",
            9: "6-7 13-14 20-21 27-28",
            10: "4-5 11-12 18-19 25-26",
            11: "2-4 8-9 15-16 22-23 29-30",
            12: "6-7 13-14 20-21 27-28 31",
        },
        working_weekends=("2025-11-01",),
        working_days_per_month=(17, 20, 21, 22, 18, 19, 23, 21, 22, 23, 19, 22),
    ),
    2026: OfficialYear(
        decree="Постановление Правительства РФ от 24.09.2025 № 1466 «О переносе выходных дней в 2026 году»",
        days_off={
            1: "1-11 17-18 24-25 31",
            2: "1 7-8 14-15 21-23 28",
            3: "1 7-9 14-15 21-22 28-29",
            4: "4-5 11-12 18-19 25-26",
            5: "1-3 9-11 16-17 23-24 30-31",
            6: "6-7 12-14 20-21 27-28",
            7: "4-5 11-12 18-19 25-26",
            8: "1-2 8-9 15-16 22-23 29-30",
            9: "5-6 12-13 19-20 26-27",
            10: "3-4 10-11 17-18 24-25 31",
            11: "1 4 7-8 14-15 21-22 28-29",
            12: "5-6 12-13 19-20 26-27 31",
        },
        working_weekends=(),
        working_days_per_month=(15, 19, 21, 22, 19, 21, 23, 21, 22, 22, 20, 22),
    ),
    2027: OfficialYear(
        decree="Постановление Правительства РФ от 17.09.2026 № 1187 «О переносе выходных дней в 2027 году»",
        days_off={
            1: "1-10 16-17 23-24 30-31",
            2: "6-7 13-14 21-23 27-28",
            3: "6-8 13-14 20-21 27-28",
            4: "3-4 10-11 17-18 24-25",
            5: "1-3 8-10 15-16 22-23 29-30",
            6: "5-6 12-14 19-20 26-27",
            7: "3-4 10-11 17-18 24-25 31",
            8: "1 7-8 14-15 21-22 28-29",
            9: "4-5 11-12 18-19 25-26",
            10: "2-3 9-10 16-17 23-24 30-31",
            11: "4-7 13-14 20-21 27-28",
            12: "4-5 11-12 18-19 25-26 31",
        },
        working_weekends=("2027-02-20",),
        working_days_per_month=(15, 19, 22, 22, 19, 21, 22, 22, 22, 21, 20, 22),
    ),
}


def days_off(year: int, table: dict[int, str]) -> set[date]:
    result = set()
    for month, text in table.items():
        for part in text.split():
            first, _, last = part.partition("-")
            for day in range(int(first), int(last or first) + 1):
                result.add(date(year, month, day))
    return result


def every_day(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days)]


@pytest.mark.parametrize("year", sorted(OFFICIAL))
def test_every_day_of_the_year_matches_the_official_calendar(calendar: ProductionCalendar, year: int) -> None:
    official = OFFICIAL[year]
    off = days_off(year, official.days_off)
    wrong = [d for d in every_day(year) if calendar.is_working_day(d) == (d in off)]
    assert wrong == []


@pytest.mark.parametrize("year", sorted(OFFICIAL))
def test_working_weekend_days_and_their_decree(calendar: ProductionCalendar, year: int) -> None:
    official = OFFICIAL[year]
    listed = calendar.year_days(year)
    assert [d.day.isoformat() for d in listed if d.working] == list(official.working_weekends)
    assert all(d.day.weekday() >= 5 for d in listed if d.working)
    assert calendar.decrees[year] == official.decree
    transferred = [d for d in listed if d.kind == "working_weekend" or "перенесено" in d.title]
    assert transferred, "every one of these years has transfers"
    assert all(d.source.startswith(official.decree) and "пакет holidays" in d.source for d in transferred)
    assert calendar.has_transfers(year)


@pytest.mark.parametrize("year", sorted(OFFICIAL))
def test_working_days_per_month_are_the_official_counts(calendar: ProductionCalendar, year: int) -> None:
    counts = tuple(calendar.working_days_between(date(year, m, 1) - timedelta(days=1),
                                                 date(year + m // 12, m % 12 + 1, 1) - timedelta(days=1))
                   for m in range(1, 13))
    assert counts == OFFICIAL[year].working_days_per_month
    assert sum(counts) == 247


def test_three_working_days_across_the_working_saturday_of_february_2027(calendar: ProductionCalendar) -> None:
    assert calendar.add_working_days(date(2027, 2, 18), 3) == date(2027, 2, 24)
    assert calendar.add_working_days(date(2027, 2, 19), 1) == date(2027, 2, 20)
    assert calendar.working_days_between(date(2027, 2, 18), date(2027, 2, 24)) == 3


def test_the_data_file_holds_corrections_only(calendar: ProductionCalendar) -> None:
    assert calendar.working_weekends == frozenset() and calendar.extra_days_off == frozenset()
    assert calendar.is_working_day(date(2024, 4, 27)) and calendar.is_working_day(date(2024, 12, 28))


def test_a_year_without_transfers_in_the_package_is_flagged(calendar: ProductionCalendar) -> None:
    assert not calendar.has_transfers(2031)


def test_calendar_show_prints_days_off_and_working_weekends_with_sources(capsys: pytest.CaptureFixture[str]
                                                                         ) -> None:
    assert main(["calendar", "show", "2027"]) == 0
    out = capsys.readouterr().out
    assert "2027-02-20 сб  рабочий день (перенос выходного) — Постановление Правительства РФ от 17.09.2026 № 1187" \
        in out
    assert "2027-02-22 пн  Выходной (перенесено с 20.02.2027) — Постановление Правительства РФ от 17.09.2026" in out
    assert "2027-06-14 пн  День России (выходной) — ТК РФ ст. 112 ч. 2" in out
    assert "Рабочих дней по месяцам: янв 15, фев 19, мар 22" in out and "Всего рабочих дней: 247" in out
    assert "Внимание" not in out
    assert main(["calendar", "show", "2031"]) == 0
    assert "Внимание: переносов выходных дней на 2031 год нет" in capsys.readouterr().out
