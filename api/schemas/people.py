"""REST schemas of the people register (adults released from prison, homeless people) and their family members.

The bodies that register a person and add a family member live in :mod:`cases.people_inputs`, where the domain's
own callers build those commands through them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.inputs import Day, Input, Line
from cases.people_inputs import (  # noqa: F401 (the register's bodies, used from here by the api)
    Category,
    FamilyMemberCreate,
    PersonCreate,
    Relation,
)


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
