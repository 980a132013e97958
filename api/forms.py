"""A posted form checked by the REST API's own input model: one validation path, the same Russian messages.

A form sends every value as text; :func:`from_form` turns it into what the JSON body of the same request would
hold — a number for a numeric field, a date ``ДД.ММ.ГГГГ`` as ``ГГГГ-ММ-ДД``, a ticked box as ``true``, an empty
text as ``""`` (the domain says what is missing), any other empty field as absent (or ``null`` where the model
allows it) — and validates it with the model. A problem is raised as
:class:`cases.errors.InputInvalid` with, per field, the message the API's 422 body gives for the same input
(:func:`api.errors.input_problems`); the rules that need the database stay in the domain's handlers.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Mapping
from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from api.errors import input_problems
from cases.errors import InputInvalid

M = TypeVar("M", bound=BaseModel)
_RU_DAY = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
TICKED = frozenset({"on", "yes", "true", "1"})


def _bases(annotation: Any) -> set[Any]:
    """The plain types a field's annotation is made of (``Annotated[int | None, …]`` → {int, NoneType})."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _bases(args[0])
    if origin in (typing.Union, types.UnionType):
        return set().union(*(_bases(a) for a in args))
    return {origin or annotation}


def _value(text: str, bases: set[Any]) -> Any:
    if bool in bases:
        return text.lower() in TICKED
    if int in bases and text.isdigit() and len(text) < 12:
        return int(text)
    if date in bases:
        ru = _RU_DAY.match(text)
        if ru:
            return f"{ru[3]}-{int(ru[2]):02d}-{int(ru[1]):02d}"
    return text


def form_data(model: type[BaseModel], form: Mapping[str, str]) -> dict[str, Any]:
    """The form's values of ``model``'s fields as a JSON body would carry them (other form fields ignored)."""
    data: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        text = form.get(name, "").strip()
        bases = _bases(info.annotation)
        if bool in bases:
            data[name] = text.lower() in TICKED
        elif text or (str in bases and name in form):  # an empty text is "", as an API client would send it
            data[name] = _value(text, bases)
        elif info.is_required() and type(None) in bases:
            data[name] = None  # a required choice left empty on purpose ("— снять назначение —")
    return data


def form_key(field: str) -> str:
    """The API's field path as the forms and the domain name it: ``children.0.birth_date`` → ``children[0]…``."""
    return re.sub(r"\.(\d+)(?=\.|$)", r"[\1]", field)


def validated(model: type[M], data: Mapping[str, Any]) -> M:
    """``model`` from data a form has been turned into; :class:`InputInvalid` with the API's messages."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for field, message in input_problems(exc.errors()):
            errors.setdefault(form_key(field), message)
        raise InputInvalid(errors) from None


def from_form(model: type[M], form: Mapping[str, str]) -> M:
    """``model`` filled from the form; :class:`InputInvalid` with the API's Russian message per field."""
    return validated(model, form_data(model, form))
