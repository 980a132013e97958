"""Checking a transition's payload against its declared fields.

Values may arrive as JSON (REST) or as strings (HTML forms); each type normalises both
to one JSON-safe form (dates as ``YYYY-MM-DD``). All problems are reported together,
one Russian message per field, so a form can show each next to its input.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from engine.context import TransitionContext
from engine.definition import FieldSpec, Transition
from engine.errors import PayloadInvalid
from engine.text import TextInvalid, clean_line, clean_text, count
from engine.vocabulary import FieldError

_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_TRUE = {"true", "1", "on", "yes", "да"}
_FALSE = {"false", "0", "off", "no", "нет", ""}


def _string(spec: FieldSpec, value: Any) -> str:
    """``string`` is one line, ``text`` keeps its line breaks; both in NFC without control characters."""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise FieldError("ожидается текст")
    try:
        text = clean_text(str(value)) if spec.type == "text" else clean_line(str(value))
    except TextInvalid as exc:
        raise FieldError(str(exc)) from None
    if spec.max_length and len(text) > spec.max_length:
        raise FieldError(f"не длиннее {count(spec.max_length, 'символа', 'символов', 'символов')} "
                         f"(сейчас {len(text)})")
    return text


def _integer(spec: FieldSpec, value: Any) -> int:
    if isinstance(value, bool):
        raise FieldError("ожидается целое число")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _INTEGER.match(value.strip()):
        return int(value.strip())
    raise FieldError("ожидается целое число")


def _boolean(spec: FieldSpec, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise FieldError("ожидается «да» или «нет»")


DATE_RANGE = (date(1900, 1, 1), date(2100, 12, 31))


def _date(spec: FieldSpec, value: Any) -> str:
    parsed: date | None = None
    if isinstance(value, datetime):
        parsed = value.date()
    elif isinstance(value, date):
        parsed = value
    elif isinstance(value, str):
        text = value.strip()
        for parse in (date.fromisoformat, _russian_date):
            try:
                parsed = parse(text)
                break
            except ValueError:
                continue
    if parsed is None:
        raise FieldError("ожидается дата в виде ГГГГ-ММ-ДД или ДД.ММ.ГГГГ")
    if not DATE_RANGE[0] <= parsed <= DATE_RANGE[1]:
        raise FieldError("дата вне допустимого диапазона (1900–2100)")
    return parsed.isoformat()


def _russian_date(text: str) -> date:
    day, month, year = (int(part) for part in text.split("."))
    return date(year, month, day)


def _datetime(spec: FieldSpec, value: Any) -> str:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise FieldError("ожидаются дата и время в виде ГГГГ-ММ-ДДTЧЧ:ММ") from exc
    else:
        raise FieldError("ожидаются дата и время")
    return moment.isoformat()


def _choice(spec: FieldSpec, value: Any) -> str:
    allowed = [c for c, _ in spec.choices]
    if isinstance(value, str) and value in allowed:
        return value
    titles = ", ".join(t for _, t in spec.choices)
    raise FieldError(f"выберите одно из значений: {titles}")


BUILTIN: dict[str, Callable[[FieldSpec, Any], Any]] = {
    "string": _string, "text": _string, "integer": _integer, "boolean": _boolean,
    "date": _date, "datetime": _datetime, "choice": _choice,
}


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def resolve_default(ctx: TransitionContext, spec: FieldSpec) -> Any:
    if spec.default == "today" and spec.type == "date":
        return ctx.today.isoformat()
    if spec.default == "now" and spec.type == "datetime":
        return ctx.now.isoformat()
    return spec.default


def validate_payload(ctx: TransitionContext, transition: Transition, payload: Mapping[str, Any]) -> dict[str, Any]:
    """Return the normalised payload or raise :class:`PayloadInvalid` with a message per field."""
    if not isinstance(payload, Mapping):
        raise PayloadInvalid({"_": "данные действия должны быть объектом"})
    errors: dict[str, str] = {}
    result: dict[str, Any] = {}
    declared = {f.name: f for f in transition.fields}
    for key in payload:
        if key not in declared:
            errors[str(key)] = f"поле не предусмотрено действием «{transition.title}»"
    for name, spec in declared.items():
        value = payload.get(name)
        if _empty(value):
            value = resolve_default(ctx, spec)
        if _empty(value):
            if spec.type == "boolean":  # an unticked checkbox is not sent at all
                result[name] = False
            elif spec.required:
                errors[name] = "обязательное поле"
            continue
        try:
            result[name] = _normalise(ctx, spec, value)
        except FieldError as exc:
            errors[name] = str(exc)
    if errors:
        raise PayloadInvalid(errors)
    return result


def _normalise(ctx: TransitionContext, spec: FieldSpec, value: Any) -> Any:
    builtin = BUILTIN.get(spec.type)
    if builtin is None:
        return ctx.runtime.vocabulary.field_types[spec.type].normalise(ctx, value)
    result = builtin(spec, value)
    if not spec.future:
        _not_in_future(ctx, spec, result)
    return result


#: a moment "now" may run ahead of the server's clock by this much (a form filled in on another computer)
CLOCK_SLACK = timedelta(minutes=5)


def _not_in_future(ctx: TransitionContext, spec: FieldSpec, value: Any) -> None:
    """The date of something that happened is today or earlier (only ``future: true`` fields plan ahead)."""
    if spec.type == "date" and date.fromisoformat(value) > ctx.today:
        raise FieldError(f"дата не может быть позже сегодняшнего дня ({ctx.today:%d.%m.%Y})")
    if spec.type == "datetime":
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ctx.runtime.calendar.zone)
        if moment > ctx.now + CLOCK_SLACK:
            raise FieldError("дата и время не могут быть в будущем")
