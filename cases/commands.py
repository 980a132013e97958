"""Commands of the domain: plain, frozen objects built by the API, the UI, the CLI or the simulator."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

SOURCE_TYPES = {
    "education": "Образовательная организация",
    "police": "Полиция (территориальный отдел УМВД)",
    "relatives": "Родственники",
    "neighbours": "Соседи, знакомые",
    "anonymous": "Аноним",
    "other_org": "Иная организация",
}
CHANNELS = {
    "phone": "Телефон",
    "written": "Письменное обращение",
    "email": "Электронная почта",
    "in_person": "Личный приём",
    "portal": "Портал / межведомственная система",
}
RELATIONS = {"child": "Ребёнок", "mother": "Мать", "father": "Отец", "guardian": "Законный представитель",
             "other": "Иной член семьи"}


@dataclass(frozen=True)
class ChildInput:
    last_name: str
    first_name: str
    middle_name: str = ""
    birth_date: date | None = None
    #: link the report to this known child (chosen by the user among the matches)
    person_id: int | None = None
    #: register a new child even though known children match
    new: bool = False


@dataclass(frozen=True)
class AdultInput:
    relation: str
    last_name: str
    first_name: str
    middle_name: str = ""
    birth_date: date | None = None


@dataclass(frozen=True)
class RegisterReport:
    source_type: str
    channel: str
    received_at: datetime
    text: str
    children: tuple[ChildInput, ...]
    source_name: str = ""
    address: str = ""
    adults: tuple[AdultInput, ...] = ()
    idempotency_key: str | None = None


@dataclass(frozen=True)
class FireEvent:
    case_id: int
    event: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    expected_version: int | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class AddPlanItem:
    case_id: int
    measure: str
    due_date: date
    responsible_org_id: int | None = None
    responsible: str = ""
    threat: str = ""


@dataclass(frozen=True)
class CloseItem:
    case_id: int
    item_id: int
    #: done | cancelled
    status: str
    result: str
    done_on: date | None = None


@dataclass(frozen=True)
class RecordExecutionReport:
    case_id: int
    org_id: int
    received_on: date
    text: str
    positive_dynamics: bool = False


@dataclass(frozen=True)
class AssignCase:
    case_id: int
    assignee_id: int | None
    reason: str = ""
    expected_version: int | None = None


@dataclass(frozen=True)
class ReissueDocument:
    document_id: int
    reason: str
