"""Due rules of organisations' obligations on the real production calendar of 2025: a month of the reporting
calendar, a conflict between documents (the earlier day in force, the other beside it), due days on days off."""

from __future__ import annotations

from datetime import date

import pytest

from api.settings import Settings
from cases.obligations import year_calendar
from engine.calendar import ProductionCalendar, load_calendar
from engine.due_rules import DueRule, Period, due, nominal, periods, resolve


@pytest.fixture(scope="module")
def cal() -> ProductionCalendar:
    settings = Settings()
    return load_calendar(settings.calendar, timezone=settings.timezone)


MAY = Period(date(2025, 5, 1), date(2025, 5, 31))
Q1 = periods(2025, "quarter")[0]


def test_each_kind_of_rule(cal: ProductionCalendar) -> None:
    assert nominal(DueRule("after_period", 5), Q1) == date(2025, 4, 5)
    assert nominal(DueRule("in_last_month", 28), MAY) == date(2025, 5, 28)
    assert nominal(DueRule("last_weekday", weekday=1), MAY) == date(2025, 5, 27)  # the last Tuesday
    assert nominal(DueRule("annual", 20, month=12), periods(2025, "year")[0]) == date(2025, 12, 20)
    assert nominal(DueRule("annual", 1, month=2, next_year=True), periods(2025, "year")[0]) == date(2026, 2, 1)
    assert [p.last for p in periods(2025, "quarter")] == [date(2025, 3, 31), date(2025, 6, 30), date(2025, 9, 30),
                                                          date(2025, 12, 31)]


def test_a_due_day_off_moves_to_the_next_working_day_or_back_as_a_setting(cal: ProductionCalendar) -> None:
    q4 = periods(2024, "quarter")[3]
    rule = DueRule("after_period", 1)
    assert due(rule, q4, cal) == date(2025, 1, 9)  # 1–8 January are holidays
    assert due(rule, q4, cal, earlier=True) == date(2024, 12, 28)  # Saturday 28 December 2024 was a working day
    assert due(DueRule("annual", 20, month=12), periods(2025, "year")[0], cal) == date(2025, 12, 22)


def test_conflicting_rules_the_earlier_day_in_force_the_other_beside_it(cal: ProductionCalendar) -> None:
    found = resolve([DueRule("after_period", 5, source="положение"), DueRule("after_period", 1, source="план")],
                    Q1, cal)
    assert found.due == date(2025, 4, 1) and found.rule.source == "план"
    assert [(r.source, d) for r, d in found.others] == [("положение", date(2025, 4, 7))]  # 5 April is a Saturday


def test_a_month_of_a_uso_reporting_calendar(cal: ProductionCalendar) -> None:
    may = [o for o in year_calendar("uso", 2025, cal) if o.due.month == 5]
    assert [(o.report.key, o.due) for o in may] == [("methodological_products", date(2025, 5, 27)),
                                                    ("monthly_statistics", date(2025, 5, 28))]
    monthly = may[1].resolved
    assert [d for _r, d in monthly.others] == [date(2025, 6, 2)]  # «by the 1st of the following month»: a Sunday
    assert "28" in monthly.rule.describe() and "отчётного месяца" in monthly.rule.source
