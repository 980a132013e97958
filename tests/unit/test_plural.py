"""One helper for every number that meets a noun: «1 дело», «3 дела», «5 дел», «31 просроченный срок»."""

from __future__ import annotations

import pytest

from cases.names import count, plural
from engine.definition import Duration, Unit

FORMS = ("дело", "дела", "дел")


@pytest.mark.parametrize(("n", "expected"), [
    (1, "дело"), (2, "дела"), (5, "дел"), (11, "дел"), (12, "дел"), (21, "дело"), (22, "дела"), (25, "дел"),
    (111, "дел"), (0, "дел"), (14, "дел"), (101, "дело"), (104, "дела"), (1001, "дело"), (-3, "дела"),
])
def test_plural_forms(n: int, expected: str) -> None:
    assert plural(n, *FORMS) == expected


def test_count_puts_the_number_before_its_noun() -> None:
    assert count(31, "просроченный срок", "просроченных срока", "просроченных сроков") == "31 просроченный срок"
    assert count(3, "план", "плана", "планов") == "3 плана"
    assert count(11, "план", "плана", "планов") == "11 планов"


@pytest.mark.parametrize(("duration", "text"), [
    (Duration(Unit.WORKING_DAYS, 1), "1 рабочий день"),
    (Duration(Unit.WORKING_DAYS, 3), "3 рабочих дня"),
    (Duration(Unit.DAYS, 15), "15 календарных дней"),
    (Duration(Unit.DAYS, 21), "21 календарный день"),
    (Duration(Unit.MONTHS, 3, field="cycle_started_on"), "3 месяца от даты «cycle_started_on»"),
    (Duration(Unit.HOURS, 2), "2 часа"),
    (Duration(Unit.SAME_WORKING_DAY), "в тот же рабочий день"),
])
def test_durations_are_described_with_their_numbers_forms(duration: Duration, text: str) -> None:
    assert duration.describe() == text
