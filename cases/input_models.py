"""The input models of a report about children: what every caller builds a report's command through.

The REST API's body and the web form (:mod:`api.schemas.inputs`, :mod:`api.forms`) and the domain's own callers
(the simulator, the demo) validate a report here, so the source, the channel, the relations, the lengths and the
cleaning of text (:mod:`engine.text`) are checked in one place; a problem is a Russian message per field
(:func:`api.errors.input_problems`). The handlers keep the rules that need the database, the clock or the calendar.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
)
from pydantic_core import PydanticCustomError

from cases.commands import AdultInput, ChildInput, RegisterReport
from engine.text import clean_line, clean_text

MAX_ID = 2_147_483_647
MIN_DAY, MAX_DAY = date(1900, 1, 1), date(2100, 12, 31)
_DAY_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MOMENT_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


# -- input types -----------------------------------------------------------------------------------

def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("недопустимый символ NUL")
    return value


def _line(value: str) -> str:
    """A one-line field: NFC, single spaces; control characters refused (see :mod:`engine.text`)."""
    return clean_line(value)


def _text(value: str) -> str:
    """A multi-line field: NFC, ``\n`` line ends; control characters refused."""
    return clean_text(value)


def _day_text(value: Any) -> Any:
    """A date only as ``YYYY-MM-DD`` (pydantic alone would also read a number as a Unix time)."""
    if isinstance(value, date) or (isinstance(value, str) and _DAY_TEXT.match(value)):
        return value
    raise PydanticCustomError("date_parsing", "ожидается дата ГГГГ-ММ-ДД")


def _moment_text(value: Any) -> Any:
    if isinstance(value, datetime) or (isinstance(value, str) and _MOMENT_TEXT.match(value)):
        return value
    raise PydanticCustomError("datetime_parsing", "ожидаются дата и время ГГГГ-ММ-ДДTЧЧ:ММ")


def _sane_day(value: date) -> date:
    if not MIN_DAY <= value <= MAX_DAY:
        raise ValueError("дата вне 1900–2100 годов")
    return value


def _sane_moment(value: datetime) -> datetime:
    _sane_day(value.date())
    return value


Id = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
Text = Annotated[str, AfterValidator(_text)]
Line = Annotated[str, AfterValidator(_line)]
Day = Annotated[date, BeforeValidator(_day_text), AfterValidator(_sane_day)]
Moment = Annotated[AwareDatetime, BeforeValidator(_moment_text), AfterValidator(_sane_moment)]
SourceType = Literal["education", "police", "relatives", "neighbours", "anonymous", "other_org"]
Channel = Literal["phone", "written", "email", "in_person", "portal"]
AdultRelation = Literal["mother", "father", "guardian", "other"]
Name = Annotated[Line, Field(max_length=100)]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChildCreate(Input):
    last_name: Name
    first_name: Name
    middle_name: Name = ""
    birth_date: Day | None = None
    person_id: Id | None = Field(default=None, description="связать с этим известным ребёнком (из совпадений)")
    new: StrictBool = Field(default=False, description="зарегистрировать нового ребёнка, хотя есть совпадения")

    def command(self) -> ChildInput:
        return ChildInput(self.last_name, self.first_name, self.middle_name, self.birth_date, self.person_id, self.new)


class AdultCreate(Input):
    relation: AdultRelation
    last_name: Name
    first_name: Name
    middle_name: Name = ""
    birth_date: Day | None = None

    def command(self) -> AdultInput:
        return AdultInput(self.relation, self.last_name, self.first_name, self.middle_name, self.birth_date)


class ReportCreate(Input):
    source_type: SourceType
    channel: Channel
    received_at: Moment = Field(description="момент поступления, с часовым поясом")
    text: Annotated[Text, Field(max_length=20000)]
    children: Annotated[list[ChildCreate], Field(min_length=1, max_length=20)]
    adults: Annotated[list[AdultCreate], Field(max_length=20)] = []
    source_name: Annotated[Line, Field(max_length=300)] = ""
    address: Annotated[Line, Field(max_length=300)] = ""

    def command(self, idempotency_key: str | None = None) -> RegisterReport:
        return RegisterReport(source_type=self.source_type, channel=self.channel, received_at=self.received_at,
                              text=self.text, children=tuple(c.command() for c in self.children),
                              source_name=self.source_name, address=self.address,
                              adults=tuple(a.command() for a in self.adults), idempotency_key=idempotency_key)


def checked_report(cmd: RegisterReport) -> RegisterReport:
    """``cmd`` as the report's input model checks and cleans it, for callers that build the command themselves
    (the simulator, the demo); :class:`pydantic.ValidationError` if the model refuses it."""
    body = ReportCreate.model_validate({
        "source_type": cmd.source_type, "channel": cmd.channel, "received_at": cmd.received_at, "text": cmd.text,
        "children": [asdict(c) for c in cmd.children], "adults": [asdict(a) for a in cmd.adults],
        "source_name": cmd.source_name, "address": cmd.address})
    return body.command(cmd.idempotency_key)
