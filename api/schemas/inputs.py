"""The input types and request bodies (``…Create``) of the REST API and of the web forms (:mod:`api.forms`).

Bad input is a 422 with a Russian message per field, never a 500; a form shows the same message next to the
field. Each body turns into the domain's command with ``command(…)``, the same way for both callers.
"""

from __future__ import annotations

import math
import re
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

from cases.commands import (
    AddPlanItem,
    AdultInput,
    AssignCase,
    ChildInput,
    CloseItem,
    RecordExecutionReport,
    RegisterReport,
    ReissueDocument,
)
from cases.obligation_work import AddRoadmapItem, DecideReport
from engine.text import clean_line, clean_text

Date = date  # for models with a field named ``date``
MAX_ID = 2_147_483_647
MIN_DAY, MAX_DAY = date(1900, 1, 1), date(2100, 12, 31)
_ISO_DAY = re.compile(r"^\s*(\d{4})-\d{2}-\d{2}")
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


def _safe_json(value: Any, depth: int = 0) -> Any:
    """A payload any backend can store: no NUL, finite numbers, integers within ±2⁵³, plausible dates."""
    if depth > 6:
        raise ValueError("слишком глубокая вложенность")
    if isinstance(value, str):
        _no_nul(value)
        if len(value) > 20000:
            raise ValueError("строка длиннее 20 000 символов")
        year = _ISO_DAY.match(value)
        if year and not MIN_DAY.year <= int(year.group(1)) <= MAX_DAY.year:
            raise ValueError("дата вне 1900–2100 годов")
    elif isinstance(value, bool) or value is None:
        pass
    elif isinstance(value, int):
        if abs(value) > 2**53:
            raise ValueError("слишком большое число")
    elif isinstance(value, float):
        if not math.isfinite(value) or abs(value) > 2**53:
            raise ValueError("недопустимое число")
    elif isinstance(value, list):
        if len(value) > 200:
            raise ValueError("слишком длинный список")
        for item in value:
            _safe_json(item, depth + 1)
    elif isinstance(value, dict):
        if len(value) > 100:
            raise ValueError("слишком много полей")
        for key, item in value.items():
            _no_nul(str(key))
            _safe_json(item, depth + 1)
    return value


Id = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
Text = Annotated[str, AfterValidator(_text)]
Line = Annotated[str, AfterValidator(_line)]
Day = Annotated[date, BeforeValidator(_day_text), AfterValidator(_sane_day)]
Moment = Annotated[AwareDatetime, BeforeValidator(_moment_text), AfterValidator(_sane_moment)]
Payload = Annotated[dict[str, Any], AfterValidator(_safe_json)]
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


class MatchRequest(Input):
    children: Annotated[list[ChildCreate], Field(min_length=1, max_length=20)]


class PlanItemCreate(Input):
    measure: Annotated[Text, Field(max_length=2000)]
    due_date: Day
    responsible_org_id: Id | None = None
    responsible: Annotated[Line, Field(max_length=300)] = ""
    threat: Annotated[Text, Field(max_length=500)] = ""

    def command(self, case_id: int) -> AddPlanItem:
        return AddPlanItem(case_id, self.measure, self.due_date, self.responsible_org_id, self.responsible,
                           self.threat)


class PlanItemClose(Input):
    status: Literal["done", "cancelled"]
    result: Annotated[Text, Field(max_length=5000)]
    done_on: Day | None = None

    def command(self, case_id: int, item_id: int) -> CloseItem:
        return CloseItem(case_id, item_id, self.status, self.result, self.done_on)


class ExecutionReportCreate(Input):
    org_id: Id
    received_on: Day
    text: Annotated[Text, Field(max_length=20000)]
    positive_dynamics: StrictBool = False

    def command(self, case_id: int) -> RecordExecutionReport:
        return RecordExecutionReport(case_id, self.org_id, self.received_on, self.text, self.positive_dynamics)


class AssignCreate(Input):
    assignee_id: Id | None = Field(description="сотрудник или null — снять назначение")
    reason: Annotated[Text, Field(max_length=500)] = ""

    def command(self, case_id: int, expected_version: int | None = None) -> AssignCase:
        return AssignCase(case_id, self.assignee_id, self.reason, expected_version)


class ReissueCreate(Input):
    reason: Annotated[Text, Field(max_length=500)]

    def command(self, document_id: int) -> ReissueDocument:
        return ReissueDocument(document_id, self.reason)


class RegistryQuery(Input):
    """The registry's criteria (the person search), for ``POST /api/v1/registry/…`` and the «Реестр» form."""

    name: Annotated[Line, Field(max_length=200, description="часть ФИО (без учёта регистра и ё/е)")] = ""
    birth_date: Day | None = Field(default=None, description="дата рождения ГГГГ-ММ-ДД")
    address: Annotated[Line, Field(max_length=300, description="часть адреса")] = ""


class ObligationReturn(Input):
    reason: Annotated[Text, Field(min_length=1, max_length=2000, description="что исправить")]

    def command(self, obligation_id: int) -> DecideReport:
        return DecideReport(obligation_id, False, self.reason)


class RoadmapItemCreate(Input):
    org_id: Id
    title: Annotated[Line, Field(min_length=1, max_length=300, description="задача пункта дорожной карты")]
    due_on: Day
    source: Annotated[Text, Field(min_length=1, max_length=2000, description="документ и пункт дорожной карты")]

    def command(self) -> AddRoadmapItem:
        return AddRoadmapItem(self.org_id, self.title, self.due_on, self.source)
