"""The REST API's answers for lists: deadlines, workflows, the registry, the KDN agenda."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import (
    Field,
)

from api.schemas.cases import CaseSummary, DeadlinePublic, Options, Public


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
    #: a calendar year without positive dynamics: the district commission is offered decision «г»
    court_suggested: list[CaseSummary] = Field(default_factory=list)
