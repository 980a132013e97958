"""The REST API's models of field work: attached files and hand-overs of cases."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from api.schemas.cases import Public
from api.schemas.inputs import Id, Input, Text

AttachmentKind = Literal["photo", "scan", "letter", "other"]
AttachmentTarget = Literal["case", "visit", "plan_item", "document"]


class AttachmentPublic(Public):
    id: int
    case_id: int
    kind: str = Field(description="photo — фото условий проживания, scan — скан подписанного акта, "
                                  "letter — письмо другого органа, other — другое")
    kind_title: str
    target: str = Field(description="к чему приложен: case, visit, plan_item, document")
    target_id: int | None
    signed_document_id: int | None = Field(description="акт, подписанной копией которого является скан")
    title: str
    filename: str
    media_type: str
    size: int
    sha256: str
    uploaded_by: int
    uploaded_by_name: str
    uploaded_at: datetime
    erased_at: datetime | None = Field(description="когда файл удалён по сроку хранения персональных данных")


class HandoverCreate(Input):
    to_user_id: Id = Field(description="сотрудник из списка GET /cases/{id}/handover-candidates")
    reason: Annotated[Text, Field(max_length=500, description="почему дело передаётся (обязательно)")]


class HandoverReturn(Input):
    reason: Annotated[Text, Field(max_length=500, description="почему дело возвращено (обязательно)")]


class CandidatePerson(Public):
    user_id: int
    label: str = Field(description="«ФИО — роль, организация»")
    roles: list[str]


class HandoverPublic(Public):
    id: int
    case_id: int
    from_user_id: int | None
    from_name: str
    to_user_id: int
    to_name: str
    by_user_id: int
    by_name: str
    reason: str
    status: str = Field(description="pending — ждёт ответа, accepted — принято, returned — возвращено, "
                                    "undone — отменено передавшим")
    status_title: str
    created_at: datetime
    due_at: datetime
    escalated_at: datetime | None
    decided_at: datetime | None
    answer: str
