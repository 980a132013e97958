"""The REST API's answers about reports and cases (``…Public``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
)

from api.schemas.inputs import Date

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
    working_days_left: int | None = Field(description="рабочих дней до срока (меньше нуля — просрочено на столько "
                                                      "рабочих дней); null у закрытого срока")


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
    org_name: str = Field(default="", description="выпустившая организация (номера ведутся по организации и году)")
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
    latest: str = Field(default="", description="самая поздняя допустимая дата (сегодня — для даты того, что уже "
                                                "произошло); пусто — любая")


class ActionPublic(Public):
    event: str
    title: str
    confirm: str
    internal: bool
    target_state: str = Field(description="состояние, в которое ведёт действие (ключ, как to_state)")
    target_state_title: str = Field(description="название этого состояния")
    fields: list[FieldPublic]
    available: bool = Field(description="false — условие действия сейчас не выполнено (см. reason)")
    reason: str = Field(description="почему действие сейчас недоступно (пусто, если доступно)")


class CommandPublic(Public):
    command: str = Field(description="add_plan_item | close_plan_item | record_execution_report | assign")
    title: str
    method: str
    path: str = Field(description="адрес вызова; {item_id} — мероприятие плана")
    roles: list[str] = Field(description="роли, которым команда разрешена по такому делу")
    available: bool = Field(description="может ли вызывающий выполнить её сейчас")
    reason: str = Field(description="почему нет (пусто, если может)")


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
    events: list[ActionPublic] = Field(description="действия процесса, которые вызывающий может выполнить в "
                                                   "текущем состоянии, с полями форм; available=false — условие "
                                                   "сейчас не выполнено, reason — какое")
    commands: list[CommandPublic] = Field(description="другие команды по делу (мероприятия плана, отчёты органов "
                                                      "об исполнении, передача дела): кто может и может ли вызывающий")
    can_edit_plan: bool
    can_reassign: bool
    as_of: Date | None = Field(default=None, description="день, на конец которого показано дело (если задан as_of)")


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
