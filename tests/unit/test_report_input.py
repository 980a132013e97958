"""One validation path for a report: the domain's own callers (the simulator, the demo) build the command through
the input model the REST API and the forms use, so the domain keeps only the rules of the clock and the calendar."""

from __future__ import annotations

import typing
from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from api.errors import input_problems
from cases.commands import CHANNELS, RELATIONS, SOURCE_TYPES, AdultInput, ChildInput, RegisterReport
from cases.input_models import AdultRelation, Channel, SourceType, checked_report
from tests.source_scan import built_without

MOMENT = datetime(2025, 3, 3, 4, 0, tzinfo=UTC)


def report(**changes: typing.Any) -> RegisterReport:
    fields: dict[str, typing.Any] = {
        "source_type": "education", "channel": "written", "received_at": MOMENT,
        "text": "Ребёнок  голоден,\r\nна теле синяки.  ", "source_name": " Школа   № 5 ",
        "children": (ChildInput("Иванов", "Пётр", "", date(2015, 4, 1), person_id=7, new=True),),
        "adults": (AdultInput("mother", "Иванова", "Мария"),), "idempotency_key": "k-1"}
    return RegisterReport(**(fields | changes))


def problems(cmd: RegisterReport) -> dict[str, str]:
    with pytest.raises(ValidationError) as refused:
        checked_report(cmd)
    return dict(input_problems(refused.value.errors()))


def test_the_model_cleans_the_text_and_keeps_every_field() -> None:
    cmd = checked_report(report())
    assert cmd.text == "Ребёнок голоден,\nна теле синяки." and cmd.source_name == "Школа № 5"
    assert cmd.children == (ChildInput("Иванов", "Пётр", "", date(2015, 4, 1), person_id=7, new=True),)
    assert cmd.adults == (AdultInput("mother", "Иванова", "Мария"),)
    assert (cmd.idempotency_key, cmd.received_at, cmd.channel) == ("k-1", MOMENT, "written")


def test_what_the_domain_no_longer_repeats_is_refused_by_the_model_with_the_apis_messages() -> None:
    assert problems(report(source_type="gossip", channel="pigeon")) == {
        "source_type": "недопустимое значение", "channel": "недопустимое значение"}
    assert problems(report(adults=(AdultInput("child", "Иванов", "Олег"),))) == {
        "adults.0.relation": "недопустимое значение"}
    long_name = problems(report(children=(ChildInput("И" * 101, "Пётр"),), text="Голоден\x07"))
    assert long_name["children.0.last_name"] == "слишком длинная строка"
    assert long_name["text"].startswith("недопустимый управляющий символ U+0007")
    naive = MOMENT.replace(tzinfo=None)
    assert problems(report(children=(), received_at=naive)) == {
        "children": "слишком мало элементов", "received_at": "укажите часовой пояс"}


def test_the_models_choices_are_the_domains_vocabulary() -> None:
    assert set(typing.get_args(SourceType)) == set(SOURCE_TYPES)
    assert set(typing.get_args(Channel)) == set(CHANNELS)
    assert set(typing.get_args(AdultRelation)) == set(RELATIONS) - {"child"}


def test_the_domains_own_callers_build_reports_through_the_model() -> None:
    """Every ``RegisterReport(…)`` built in the product outside the model is wrapped in ``checked_report(…)``."""
    assert built_without({"RegisterReport": "checked_report"}, "input_models.py",
                         ("cases", "opora_bench", "notifications")) == []
