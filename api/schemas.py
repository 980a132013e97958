"""Schemas of the REST API (pydantic): what it accepts (``…Create``, ``…Query``) and returns (``…Public``).

Kept apart from the tables (SQLModel) and from the domain's commands and read rows: routes convert
between them. Input types refuse what would otherwise reach the database as garbage (NUL characters,
integers beyond a database integer, dates outside 1900–2100), so bad input is a 422, never a 500.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AliasChoices,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
)
from pydantic_core import PydanticCustomError

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
Text = Annotated[str, AfterValidator(_no_nul)]
Day = Annotated[date, BeforeValidator(_day_text), AfterValidator(_sane_day)]
Moment = Annotated[AwareDatetime, BeforeValidator(_moment_text), AfterValidator(_sane_moment)]
Payload = Annotated[dict[str, Any], AfterValidator(_safe_json)]
SourceType = Literal["education", "police", "relatives", "neighbours", "anonymous", "other_org"]
Channel = Literal["phone", "written", "email", "in_person", "portal"]
AdultRelation = Literal["mother", "father", "guardian", "other"]
Name = Annotated[Text, Field(max_length=100)]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChildCreate(Input):
    last_name: Name
    first_name: Name
    middle_name: Name = ""
    birth_date: Day | None = None
    person_id: Id | None = Field(default=None, description="связать с этим известным ребёнком (из совпадений)")
    new: StrictBool = Field(default=False, description="зарегистрировать нового ребёнка, хотя есть совпадения")


class AdultCreate(Input):
    relation: AdultRelation
    last_name: Name
    first_name: Name
    middle_name: Name = ""
    birth_date: Day | None = None


class ReportCreate(Input):
    source_type: SourceType
    channel: Channel
    received_at: Moment = Field(description="момент поступления, с часовым поясом")
    text: Annotated[Text, Field(max_length=20000)]
    children: Annotated[list[ChildCreate], Field(min_length=1, max_length=20)]
    adults: Annotated[list[AdultCreate], Field(max_length=20)] = []
    source_name: Annotated[Text, Field(max_length=300)] = ""
    address: Annotated[Text, Field(max_length=300)] = ""


class MatchRequest(Input):
    children: Annotated[list[ChildCreate], Field(min_length=1, max_length=20)]


class PlanItemCreate(Input):
    measure: Annotated[Text, Field(max_length=2000)]
    due_date: Day
    responsible_org_id: Id | None = None
    responsible: Annotated[Text, Field(max_length=300)] = ""
    threat: Annotated[Text, Field(max_length=500)] = ""


class PlanItemClose(Input):
    status: Literal["done", "cancelled"]
    result: Annotated[Text, Field(max_length=5000)]
    done_on: Day | None = None


class ExecutionReportCreate(Input):
    org_id: Id
    received_on: Day
    text: Annotated[Text, Field(max_length=20000)]
    positive_dynamics: StrictBool = False


class AssignCreate(Input):
    assignee_id: Id | None = Field(description="сотрудник или null — снять назначение")
    reason: Annotated[Text, Field(max_length=500)] = ""


class ReissueCreate(Input):
    reason: Annotated[Text, Field(max_length=500)]


# -- output ----------------------------------------------------------------------------------------

def _pairs(value: Any) -> Any:
    """(value, label) tuples of the read models as objects."""
    if isinstance(value, (list, tuple)):
        return [{"value": v[0], "label": v[1]} if isinstance(v, (list, tuple)) else v for v in value]
    return value


def _details(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [{"title": v[0], "value": v[1]} if isinstance(v, (list, tuple)) else v for v in value]
    return value


def _empty_is_none(value: Any) -> Any:
    return None if value == {} else value


class Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ErrorPublic(Public):
    error: str = Field(description="машинный код ошибки")
    message: str = Field(description="сообщение на русском языке")
    details: Any = Field(default=None, description="подробности: поля с ошибками, кандидаты и т. п.")


class Option(Public):
    value: str
    label: str


Options = Annotated[list[Option], BeforeValidator(_pairs)]


class ChildLink(Public):
    person_id: int
    match: str = Field(description="new | matched | matched_without_birth_date | chosen")


class ReportPublic(Public):
    report_id: int
    case_id: int
    family_id: int
    children: list[ChildLink]
    kdn_case_id: int | None = Field(description="ИПР семьи, в КДН которой сообщение передаётся дополнительно")
    kdn_forward_case_id: int | None = Field(description="обязанность передать сообщение в КДН (дело kdn_forward)")
    registration_card_id: int | None


class CandidatePublic(Public):
    person_id: int
    family_id: int
    name: str
    birth_date: date | None
    address: str
    strength: Literal["exact", "name"]
    kdn_case_id: int | None


class ChildMatches(Public):
    child: int
    candidates: list[CandidatePublic]


class DeadlinePublic(Public):
    id: int
    key: str
    title: str
    basis: str
    due_at: datetime
    status: str
    ref: str | None
    state: str
    closed_at: datetime | None
    overdue: bool
    working_days_left: int


class CaseSummary(Public):
    id: int
    workflow: str
    workflow_title: str
    state: str
    state_title: str
    version: int
    family_id: int | None
    family_name: str
    address: str
    children: list[str]
    category: str
    org_id: int | None
    org_name: str
    assignee_id: int | None
    assignee_name: str
    next_deadline: DeadlinePublic | None
    overdue: bool
    created_at: datetime
    closed_at: datetime | None


class CasePage(Public):
    items: list[CaseSummary]
    total: int
    limit: int
    offset: int


class MemberPublic(Public):
    id: int
    name: str
    relation: str
    relation_title: str
    birth_date: date | None
    age: int | None


class FamilyPublic(Public):
    id: int
    surname: str
    address: str
    category: str
    category_title: str
    category_set_on: date | None
    category_act: str
    members: list[MemberPublic]


class ReportRef(Public):
    id: int
    case_id: int | None
    source: str
    source_type: str
    source_name: str
    channel: str
    received_at: datetime
    text: str
    confirmed: bool | None


class PlanItemPublic(Public):
    id: int
    measure: str
    threat: str
    responsible: str
    due_date: date
    status: str
    status_title: str
    result: str
    done_on: date | None


class PlanPublic(Public):
    kind: str
    title: str
    status: str
    revision: int
    approved_on: date | None
    items: list[PlanItemPublic]


class VisitPublic(Public):
    date: Date
    kind: str
    notes: str
    by: str


class DocumentPublic(Public):
    id: int
    template: str
    title: str
    label: str
    revision: int
    issued_at: datetime
    org_id: int = Field(validation_alias=AliasChoices("org_id", "org"))
    supersedes_id: int | None
    rendered: bool


class ResolutionPublic(Public):
    number: str
    date: Date
    decision: str
    decision_title: str
    executing_bodies: str
    report_back_on: Date | None
    notes: str


class RelatedCase(Public):
    id: int
    workflow_title: str
    state_title: str
    relation: Literal["parent", "child"]
    closed: bool


class FieldPublic(Public):
    name: str
    type: str
    title: str
    required: bool
    help: str
    max_length: int | None
    default: Any
    options: Options = Field(description="варианты выбора (для списков и ссылок на организации и сотрудников)")
    input: str = Field(description="подходящий элемент формы: text, textarea, date, select, checkbox, number …")


class ActionPublic(Public):
    event: str
    title: str
    confirm: str
    internal: bool
    target_state: str
    fields: list[FieldPublic]


class CasePublic(CaseSummary):
    data: dict[str, Any]
    family: Annotated[FamilyPublic | None, BeforeValidator(_empty_is_none)]
    reports: list[ReportRef]
    plans: list[PlanPublic]
    visits: list[VisitPublic]
    deadlines: list[DeadlinePublic]
    documents: list[DocumentPublic]
    parties: list[str]
    resolutions: list[ResolutionPublic]
    related: list[RelatedCase]
    events: list[ActionPublic] = Field(description="действия, доступные вызывающему сейчас, с полями форм")
    can_edit_plan: bool
    can_reassign: bool


class EventPublic(Public):
    case_id: int
    event: str
    from_state: str | None
    to_state: str
    state_title: str
    version: int


class HistoryDetail(Public):
    title: str
    value: str


class HistoryPublic(Public):
    seq: int
    at: datetime
    kind: str
    title: str
    from_state: str
    to_state: str
    actor: str
    role: str
    details: Annotated[list[HistoryDetail], BeforeValidator(_details)]


class PlanItemCreated(Public):
    case_id: int
    item_id: int


class PlanItemClosed(Public):
    case_id: int
    item_id: int
    status: str


class ExecutionReportPublic(Public):
    id: int
    case_id: int
    org_id: int
    received_on: date
    text: str
    positive_dynamics: bool


class AssignPublic(Public):
    case_id: int
    assignee_id: int | None
    version: int


class DeadlineItem(Public):
    deadline: DeadlinePublic
    case_id: int
    workflow: str
    workflow_title: str
    state_title: str
    family_name: str
    org_id: int | None
    org_name: str
    assignee_id: int | None
    assignee_name: str


class DeadlinePage(Public):
    items: list[DeadlineItem]
    total: int
    limit: int
    offset: int


class CountPublic(Public):
    key: str
    title: str
    count: int


class OverdueCountsPublic(Public):
    total: int
    by_step: list[CountPublic]
    by_org: list[CountPublic]
    by_assignee: list[CountPublic]


class WorkflowSummary(Public):
    name: str
    title: str
    version: int
    versions: list[int]
    description: str


class ParameterPublic(Public):
    name: str
    title: str
    default: Any
    unit: str | None
    basis: str
    value: Any = Field(description="значение для территории вызывающего (с учётом региональной настройки)")
    overridden: bool


class EscalationPublic(Public):
    level: int
    after: str
    to: str


class DeadlineSpecPublic(Public):
    id: str
    title: str
    basis: str
    due: str
    manual: bool
    remind: list[str]
    escalate: list[EscalationPublic]
    timeout_event: str | None


class StatePublic(Public):
    name: str
    title: str
    initial: bool
    final: bool
    deadlines: list[DeadlineSpecPublic]


class FieldSpecPublic(Public):
    name: str
    type: str
    title: str
    required: bool
    max_length: int | None
    default: Any
    choices: Options
    help: str


class TransitionPublic(Public):
    event: str
    title: str
    from_states: list[str]
    to_state: str | None = Field(description="null — действие внутри состояния")
    roles: list[str]
    fields: list[FieldSpecPublic]
    guards: list[str]
    effects: list[str]
    confirm: str


class WorkflowPublic(WorkflowSummary):
    parameters: list[ParameterPublic]
    overrides_note: str
    states: list[StatePublic]
    transitions: list[TransitionPublic]


class CaseRefPublic(Public):
    id: int
    workflow_title: str
    state_title: str
    closed: bool


class PersonHitPublic(Public):
    person_id: int
    name: str
    relation: str
    birth_date: date | None
    family_id: int
    address: str
    category: str
    cases: list[CaseRefPublic]


class MeetingItemPublic(Public):
    case: CaseSummary
    kind: str


class MeetingPublic(Public):
    id: int
    held_on: date
    items: list[MeetingItemPublic]


class AgendaPublic(Public):
    waiting: list[CaseSummary]
    reviews_due: list[CaseSummary]
    plans_to_approve: list[CaseSummary]
    meetings: list[MeetingPublic]
