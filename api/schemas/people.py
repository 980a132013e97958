"""REST schemas of the people register (adults released from prison, homeless people) and their family members."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.inputs import Day, Input, Line, Name

Category = Literal["to_release", "released", "probation", "homeless"]
Relation = Literal["spouse", "parent", "child", "sibling", "other"]


class PersonCreate(Input):
    last_name: Name
    first_name: Name
    middle_name: Name = ""
    birth_date: Day | None = None
    category: Category = "to_release"
    release_date: Day | None = Field(default=None, description="ожидаемая (или фактическая) дата освобождения")
    intended_address: Line = Field(default="", max_length=300,
                                   description="адрес предполагаемого места жительства или пребывания после "
                                               "освобождения: по нему определяется территория")
    penal_institution: Line = Field(default="", max_length=200)
    territory: Line | None = Field(default=None, max_length=64,
                                   description="код территории, если не та, что следует из адреса")
    source: Literal["patrol", "uso", "provider", "volunteer", "citizen"] = Field(
        default="patrol", description="для БОМЖ: кем выявлен")
    need: Literal["adaptation", "night_stay"] = Field(default="adaptation", description="для БОМЖ: что нужно")


class FamilyMemberCreate(Input):
    last_name: Name
    first_name: Name
    middle_name: Name = ""
    birth_date: Day | None = None
    relation: Relation = "other"


class PersonPublic(BaseModel):
    person_id: int
    case_id: int | None
    territory: str
    state: str | None


class RegisterRow(BaseModel):
    id: int
    case_id: int | None
    full_name: str
    birth_date: date | None
    category: str
    release_date: date | None
    intended_address: str
    territory: str
    penal_institution: str
    state: str
    entered_by: str
    created_at: datetime


class RegisterPagePublic(BaseModel):
    columns: list[str]
    total: int
    items: list[RegisterRow]


class ColumnsUpdate(Input):
    columns: list[Literal["full_name", "birth_date", "category", "release_date", "intended_address", "territory",
                          "penal_institution", "state", "entered_by", "created_at"]] = Field(min_length=1,
                                                                                            max_length=10)


class EntryRow(BaseModel):
    org_id: int
    organisation: str
    entered: int
    last_at: datetime | None
    complete_percent: int


class CapacityUpdate(Input):
    capacity: int = Field(ge=0, le=10_000)


class TripCreate(Input):
    trip_on: Day
    places: Line = Field(default="", max_length=300)
