"""Validating and normalising a transition's payload (JSON from the API or strings from HTML forms)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import pytest

from engine.calendar import ProductionCalendar
from engine.commands import Actor
from engine.context import CaseView, TransitionContext
from engine.definition import FieldSpec, Transition, Workflow
from engine.errors import PayloadInvalid
from engine.machine import compile_workflow
from engine.payload import validate_payload
from engine.vocabulary import FieldError, FieldType, Vocabulary
from tests.unit.conftest import build_vocabulary, local, utc

#: 01:00 on Monday 1 December 2025 in Yekaterinburg, still Sunday 30 November in UTC.
NOW = utc(2025, 11, 30, 20, 0)
TODAY = "2025-12-01"
DATE_ERROR = "ожидается дата в виде ГГГГ-ММ-ДД или ДД.ММ.ГГГГ"


class FakeRuntime:
    """The part of :class:`engine.runtime.Runtime` payload validation uses."""

    def __init__(self, calendar: ProductionCalendar, vocabulary: Vocabulary) -> None:
        self.calendar = calendar
        self.vocabulary = vocabulary


def _snils(ctx: TransitionContext, value: Any) -> str:
    digits = "".join(ch for ch in str(value) if ch.isdigit())
    if len(digits) != 11:
        raise FieldError("СНИЛС состоит из 11 цифр")
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:]}"


@pytest.fixture
def ctx(calendar: ProductionCalendar, review: Workflow) -> TransitionContext:
    vocabulary = build_vocabulary()
    vocabulary.add_field_type(FieldType("snils", _snils, "СНИЛС"))
    case = CaseView(id=1, workflow="review", workflow_version=1, state="checking", version=3, territory="t1",
                    org_id=1, assignee_id=None, subject_kind=None, subject_id=None, parent_id=None, data={})
    # no transaction: payload validation never touches the database
    return TransitionContext(None, FakeRuntime(calendar, vocabulary),  # type: ignore[arg-type]
                             review, case, Actor(7, "reviewer"), NOW)


def tr(review: Workflow, state: str, event: str) -> Transition:
    transition = compile_workflow(review).transition(state, event)
    assert transition is not None
    return transition


def form(*fields: FieldSpec) -> Transition:
    return Transition("fill", "Заполнить", ("checking",), None, frozenset({"clerk"}), fields=fields)


def errors_of(ctx: TransitionContext, transition: Transition, payload: Any) -> dict[str, str]:
    with pytest.raises(PayloadInvalid) as info:
        validate_payload(ctx, transition, payload)
    return info.value.errors


def test_valid_payload_is_normalised_and_defaults_filled(ctx: TransitionContext, review: Workflow) -> None:
    result = validate_payload(ctx, tr(review, "checking", "approve"), {"decision": "full"})
    assert result == {"approved_on": TODAY, "decision": "full", "urgent": False}


def test_today_is_the_local_date(ctx: TransitionContext, review: Workflow) -> None:
    payload = {"decision": "full", "approved_on": "  "}
    result = validate_payload(ctx, tr(review, "checking", "approve"), payload)
    assert result["approved_on"] == TODAY != NOW.date().isoformat()


def test_unknown_field_is_rejected(ctx: TransitionContext, review: Workflow) -> None:
    errors = errors_of(ctx, tr(review, "checking", "approve"), {"decision": "full", "colour": "red"})
    assert errors == {"colour": "поле не предусмотрено действием «Одобрить»"}


def test_required_field_missing(ctx: TransitionContext, review: Workflow) -> None:
    assert errors_of(ctx, tr(review, "checking", "approve"), {}) == {"decision": "обязательное поле"}
    errors = errors_of(ctx, tr(review, "checking", "reject"), {"reason": "   "})
    assert errors == {"reason": "обязательное поле"}


def test_optional_field_missing_is_left_out(ctx: TransitionContext, review: Workflow) -> None:
    assert validate_payload(ctx, tr(review, "received", "register"), {}) == {}


@pytest.mark.parametrize(
    "value",
    ["2025-11-05", "05.11.2025", " 5.11.2025 ", date(2025, 11, 5), local(2025, 11, 5, 23, 0)],
    ids=["iso", "dd.mm.yyyy", "d.mm.yyyy-with-spaces", "date", "datetime"],
)
def test_dates_normalise_to_iso(ctx: TransitionContext, review: Workflow, value: Any) -> None:
    payload = {"decision": "full", "approved_on": value}
    assert validate_payload(ctx, tr(review, "checking", "approve"), payload)["approved_on"] == "2025-11-05"


@pytest.mark.parametrize("value", ["31.02.2025", "вчера", "2025/11/05", "11-05-2025", 20251105])
def test_bad_date(ctx: TransitionContext, review: Workflow, value: Any) -> None:
    errors = errors_of(ctx, tr(review, "checking", "approve"), {"decision": "full", "approved_on": value})
    assert errors == {"approved_on": DATE_ERROR}


@pytest.mark.parametrize(("value", "expected"), [("12", 12), (" -3 ", -3), (7, 7), ("0", 0)])
def test_integer_from_string_or_number(ctx: TransitionContext, value: Any, expected: int) -> None:
    result = validate_payload(ctx, form(FieldSpec("visits", "integer")), {"visits": value})
    assert result == {"visits": expected}


@pytest.mark.parametrize("value", ["12.5", "двенадцать", True, 3.0, "1 000"])
def test_not_an_integer(ctx: TransitionContext, value: Any) -> None:
    errors = errors_of(ctx, form(FieldSpec("visits", "integer")), {"visits": value})
    assert errors == {"visits": "ожидается целое число"}


@pytest.mark.parametrize("raw", ["--5", "²", "5-", "1e3"])
def test_malformed_integers_are_field_errors(ctx: TransitionContext, raw: str) -> None:
    errors = errors_of(ctx, form(FieldSpec("visits", "integer")), {"visits": raw})
    assert errors == {"visits": "ожидается целое число"}


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"urgent": "on"}, True),
        ({"urgent": "да"}, True),
        ({"urgent": " TRUE "}, True),
        ({"urgent": True}, True),
        ({"urgent": "off"}, False),
        ({"urgent": "нет"}, False),
        ({}, False),
    ],
)
def test_boolean(ctx: TransitionContext, review: Workflow, payload: dict[str, Any], expected: bool) -> None:
    result = validate_payload(ctx, tr(review, "checking", "approve"), {"decision": "full", **payload})
    assert result["urgent"] is expected


def test_bad_boolean(ctx: TransitionContext, review: Workflow) -> None:
    errors = errors_of(ctx, tr(review, "checking", "approve"), {"decision": "full", "urgent": "может быть"})
    assert errors == {"urgent": "ожидается «да» или «нет»"}


def test_choice(ctx: TransitionContext, review: Workflow) -> None:
    result = validate_payload(ctx, tr(review, "checking", "approve"), {"decision": "partial"})
    assert result["decision"] == "partial"


@pytest.mark.parametrize("value", ["none", "Полностью", 1])
def test_invalid_choice_lists_the_titles(ctx: TransitionContext, review: Workflow, value: Any) -> None:
    errors = errors_of(ctx, tr(review, "checking", "approve"), {"decision": value})
    assert errors == {"decision": "выберите одно из значений: Полностью, Частично"}


def test_max_length(ctx: TransitionContext, review: Workflow) -> None:
    register = tr(review, "received", "register")
    assert validate_payload(ctx, register, {"note": "я" * 50}) == {"note": "я" * 50}
    assert validate_payload(ctx, register, {"note": f"  {'я' * 50}  "}) == {"note": "я" * 50}
    assert errors_of(ctx, register, {"note": "я" * 51}) == {"note": "не длиннее 50 символов (сейчас 51)"}


def test_string_rejects_structures(ctx: TransitionContext, review: Workflow) -> None:
    assert errors_of(ctx, tr(review, "received", "register"), {"note": ["a"]}) == {"note": "ожидается текст"}


def test_datetime_default_now(ctx: TransitionContext) -> None:
    result = validate_payload(ctx, form(FieldSpec("visited_at", "datetime", default="now")), {})
    assert result == {"visited_at": NOW.isoformat()}


def test_registered_field_type(ctx: TransitionContext) -> None:
    transition = form(FieldSpec("snils", "snils", required=True))
    assert validate_payload(ctx, transition, {"snils": "112 233 445 95"}) == {"snils": "112-233-445 95"}
    assert errors_of(ctx, transition, {"snils": "123"}) == {"snils": "СНИЛС состоит из 11 цифр"}


def test_all_errors_are_reported_together(ctx: TransitionContext, review: Workflow) -> None:
    payload = {"decision": "maybe", "approved_on": "вчера", "urgent": "может быть", "extra": 1}
    with pytest.raises(PayloadInvalid) as info:
        validate_payload(ctx, tr(review, "checking", "approve"), payload)
    assert info.value.errors == {
        "extra": "поле не предусмотрено действием «Одобрить»",
        "approved_on": DATE_ERROR,
        "decision": "выберите одно из значений: Полностью, Частично",
        "urgent": "ожидается «да» или «нет»",
    }
    assert str(info.value).startswith("Данные формы заполнены неверно — ")
    assert info.value.details() == {"fields": info.value.errors}


@pytest.mark.parametrize("payload", [["decision", "full"], "decision=full", None])
def test_payload_must_be_a_mapping(ctx: TransitionContext, review: Workflow, payload: Any) -> None:
    errors = errors_of(ctx, tr(review, "checking", "approve"), payload)
    assert errors == {"_": "данные действия должны быть объектом"}


def test_result_is_a_new_dict(ctx: TransitionContext, review: Workflow) -> None:
    payload: Mapping[str, Any] = {"decision": "full"}
    result = validate_payload(ctx, tr(review, "checking", "approve"), payload)
    assert payload == {"decision": "full"}
    assert result is not payload


@pytest.mark.parametrize("raw", ["1899-12-31", "2101-01-01", "01.01.0001"])
def test_dates_outside_1900_2100_are_refused(ctx: TransitionContext, raw: str) -> None:
    errors = errors_of(ctx, form(FieldSpec("on", "date")), {"on": raw})
    assert errors == {"on": "дата вне допустимого диапазона (1900–2100)"}


@pytest.mark.parametrize(("spec", "value", "error"), [
    (FieldSpec("on", "date"), "2025-12-02", "дата не может быть позже сегодняшнего дня (01.12.2025)"),
    (FieldSpec("on", "date"), "02.12.2025", "дата не может быть позже сегодняшнего дня (01.12.2025)"),
    (FieldSpec("on", "date"), TODAY, None),
    (FieldSpec("on", "date", future=True), "2026-06-01", None),
    (FieldSpec("at", "datetime"), "2025-12-01T01:04:00+05:00", None),  # within the clock slack
    (FieldSpec("at", "datetime"), "2025-12-01T02:00:00+05:00", "дата и время не могут быть в будущем"),
    (FieldSpec("at", "datetime"), "2025-12-01T02:00:00", "дата и время не могут быть в будущем"),
    (FieldSpec("at", "datetime", future=True), "2026-01-01T10:00:00+05:00", None),
])
def test_dates_of_what_happened_cannot_be_in_the_future(ctx: TransitionContext, spec: FieldSpec, value: str,
                                                        error: str | None) -> None:
    name = spec.name
    if error is None:
        assert name in validate_payload(ctx, form(spec), {name: value})
    else:
        assert errors_of(ctx, form(spec), {name: value}) == {name: error}
