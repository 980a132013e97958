"""Deadline arithmetic: when a deadline of each unit expires, and reminder/escalation offsets.

Deadlines "by the end of a day" expire at 18:00 in Yekaterinburg, i.e. 13:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from engine.calendar import ProductionCalendar
from engine.definition import Duration, Parameter, Unit, Workflow
from engine.durations import DurationUnresolved, Span, add_months, due_after, due_from_date, resolve, shift
from tests.unit.conftest import local, utc

HOURS, SAME_DAY, WD, DAYS, MONTHS = (
    Unit.HOURS, Unit.SAME_WORKING_DAY, Unit.WORKING_DAYS, Unit.DAYS, Unit.MONTHS,
)


def eod(year: int, month: int, day: int) -> datetime:
    """End of the working day: 18:00 local."""
    return utc(year, month, day, 13, 0)


DUE_AFTER = [
    # hours: exact, even on a holiday and across the night
    (local(2025, 11, 3, 10, 15), Span(HOURS, 5), local(2025, 11, 3, 15, 15), "hours-on-holiday"),
    (local(2025, 11, 5, 20, 0), Span(HOURS, 30), local(2025, 11, 7, 2, 0), "hours-overnight"),
    # same working day
    (local(2025, 11, 5, 10, 0), Span(SAME_DAY, 0), eod(2025, 11, 5), "same-day-morning"),
    (local(2025, 11, 5, 18, 30), Span(SAME_DAY, 0), eod(2025, 11, 6), "same-day-after-hours"),
    (local(2025, 11, 8, 10, 0), Span(SAME_DAY, 0), eod(2025, 11, 10), "same-day-saturday"),
    (local(2025, 11, 1, 10, 0), Span(SAME_DAY, 0), eod(2025, 11, 1), "same-day-working-sat"),
    (local(2025, 10, 31, 19, 0), Span(SAME_DAY, 0), eod(2025, 11, 1), "same-day-fri-evening"),
    # working days: the day of the event is not counted
    (local(2025, 10, 31, 9, 0), Span(WD, 3), eod(2025, 11, 6), "wd-before-november"),
    (local(2025, 10, 31, 20, 0), Span(WD, 3), eod(2025, 11, 6), "wd-after-hours-same-count"),
    (utc(2025, 11, 30, 20, 0), Span(WD, 1), eod(2025, 12, 2), "wd-counts-from-local-date"),
    # calendar days: a non-working last day moves to the next working day
    (local(2025, 11, 11, 9, 0), Span(DAYS, 2), eod(2025, 11, 13), "days-plain"),
    (local(2025, 11, 11, 9, 0), Span(DAYS, 5), eod(2025, 11, 17), "days-sunday-to-monday"),
    (local(2025, 12, 22, 9, 0), Span(DAYS, 10), eod(2026, 1, 12), "days-new-year"),
    # months
    (local(2025, 1, 31, 9, 0), Span(MONTHS, 1), eod(2025, 2, 28), "months-jan31"),
    (local(2025, 2, 8, 9, 0), Span(MONTHS, 3), eod(2025, 5, 12), "months-lands-on-8-may"),
    (local(2025, 12, 15, 9, 0), Span(MONTHS, 1), eod(2026, 1, 15), "months-next-year"),
    (local(2025, 10, 31, 9, 0), Span(MONTHS, 2), eod(2026, 1, 12), "months-lands-on-dec31"),
]


@pytest.mark.parametrize(("start", "span", "expected"), [c[:3] for c in DUE_AFTER],
                         ids=[c[3] for c in DUE_AFTER])
def test_due_after(calendar: ProductionCalendar, start: datetime, span: Span, expected: datetime) -> None:
    assert due_after(start, span, calendar) == expected


def test_deadline_is_18_local(calendar: ProductionCalendar) -> None:
    due = due_after(local(2025, 10, 31, 9, 0), Span(WD, 3), calendar).astimezone(calendar.zone)
    assert (due.date(), due.time()) == (date(2025, 11, 6), time(18, 0))


@pytest.mark.parametrize(
    ("day", "span", "expected"),
    [
        (date(2025, 10, 31), Span(WD, 3), eod(2025, 11, 6)),
        (date(2025, 11, 2), Span(SAME_DAY, 0), eod(2025, 11, 5)),
        (date(2025, 11, 5), Span(SAME_DAY, 0), eod(2025, 11, 5)),
        (date(2025, 11, 3), Span(DAYS, 0), eod(2025, 11, 5)),
        (date(2025, 2, 8), Span(MONTHS, 3), eod(2025, 5, 12)),
        (date(2025, 8, 31), Span(MONTHS, 6), eod(2026, 3, 2)),  # Sat 28 Feb -> Mon 2 Mar
    ],
)
def test_due_from_date(calendar: ProductionCalendar, day: date, span: Span, expected: datetime) -> None:
    assert due_from_date(day, span, calendar) == expected


# -- reminders (backwards) and escalations (forwards) --------------------------------------------


@pytest.mark.parametrize(
    ("moment", "span", "expected"),
    [
        pytest.param(eod(2025, 11, 6), Span(WD, 1), eod(2025, 11, 5), id="wd-plain"),
        pytest.param(eod(2025, 11, 5), Span(WD, 1), eod(2025, 11, 1), id="wd-over-holidays-to-working-sat"),
        pytest.param(eod(2025, 11, 10), Span(DAYS, 1), eod(2025, 11, 7), id="days-sunday-to-friday"),
        pytest.param(eod(2025, 11, 10), Span(DAYS, 7), eod(2025, 11, 1), id="days-holiday-to-working-sat"),
        pytest.param(eod(2026, 1, 12), Span(DAYS, 2), eod(2025, 12, 30), id="days-into-new-year-holidays"),
        pytest.param(eod(2026, 2, 9), Span(MONTHS, 1), eod(2025, 12, 30), id="months-to-9-january"),
        pytest.param(eod(2025, 11, 5), Span(HOURS, 2), utc(2025, 11, 5, 11, 0), id="hours"),
    ],
)
def test_shift_backwards_for_reminders(
    calendar: ProductionCalendar, moment: datetime, span: Span, expected: datetime
) -> None:
    assert shift(moment, span, calendar, backwards=True) == expected


@pytest.mark.parametrize(
    ("moment", "span", "expected"),
    [
        pytest.param(eod(2025, 10, 31), Span(WD, 1), eod(2025, 11, 1), id="wd-to-working-sat"),
        pytest.param(eod(2025, 10, 31), Span(WD, 2), eod(2025, 11, 5), id="wd-over-holidays"),
        pytest.param(eod(2025, 10, 31), Span(DAYS, 2), eod(2025, 11, 5), id="days-sunday-to-next-working"),
        pytest.param(eod(2025, 12, 30), Span(MONTHS, 1), eod(2026, 1, 30), id="months"),
        pytest.param(eod(2025, 10, 31), Span(HOURS, 0), eod(2025, 10, 31), id="zero-hours"),
        pytest.param(eod(2025, 10, 31), Span(HOURS, 3), utc(2025, 10, 31, 16, 0), id="hours"),
        pytest.param(eod(2025, 10, 31), Span(SAME_DAY, 0), eod(2025, 10, 31), id="same-working-day"),
    ],
)
def test_shift_forwards_for_escalations(
    calendar: ProductionCalendar, moment: datetime, span: Span, expected: datetime
) -> None:
    assert shift(moment, span, calendar) == expected


def test_shift_keeps_local_time_and_the_callers_timezone(calendar: ProductionCalendar) -> None:
    moment = local(2025, 11, 6, 9, 30)
    shifted = shift(moment, Span(WD, 1), calendar, backwards=True)
    assert shifted == local(2025, 11, 5, 9, 30)
    assert shifted.tzinfo is moment.tzinfo

    from_utc = shift(utc(2025, 11, 6, 4, 30), Span(WD, 1), calendar, backwards=True)
    assert from_utc == utc(2025, 11, 5, 4, 30)
    assert from_utc.tzinfo is UTC


# -- resolving durations -------------------------------------------------------------------------


def test_resolve_fixed_duration_ignores_parameters(review: Workflow) -> None:
    assert resolve(Duration(DAYS, 7), review.parameters, {"check_days": 9}) == Span(DAYS, 7)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, Span(WD, 3)),
        ({"check_days": 5}, Span(WD, 5)),
        ({"check_days": "10"}, Span(WD, 10)),
        ({"review_months": 6}, Span(WD, 3)),
    ],
)
def test_resolve_parameter_with_territory_override(review: Workflow, overrides: dict[str, object],
                                                   expected: Span) -> None:
    assert resolve(Duration(param="check_days"), review.parameters, overrides) == expected


def test_resolve_months_parameter(review: Workflow) -> None:
    due = Duration(param="review_months", field="approved_on")
    assert resolve(due, review.parameters, {"review_months": 6}) == Span(MONTHS, 6)


@pytest.mark.parametrize(
    "parameters",
    [
        {},
        {"max_visits": Parameter("max_visits", 5, None, "Регламент")},
    ],
    ids=["undeclared", "not-a-duration"],
)
def test_resolve_unusable_parameter(parameters: dict[str, Parameter]) -> None:
    with pytest.raises(DurationUnresolved):
        resolve(Duration(param="max_visits"), parameters, {})


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 1, 15), 3, date(2025, 4, 15)),
        (date(2025, 12, 15), 1, date(2026, 1, 15)),
        (date(2025, 8, 31), 6, date(2026, 2, 28)),
        (date(2025, 11, 30), 14, date(2027, 1, 30)),
        (date(2025, 3, 31), -1, date(2025, 2, 28)),
        (date(2025, 1, 15), -1, date(2024, 12, 15)),
        (date(2025, 5, 10), 0, date(2025, 5, 10)),
    ],
)
def test_add_months(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected
