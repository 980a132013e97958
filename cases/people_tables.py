"""Tables of the adults' practices: the people register, help given, beds and placements.

::

    adult_person ─┬─ adult_person (family members accepted for accompaniment: ``head_id``)
                  └─ wf_instance (release_accompaniment / homeless_placement, subject ``person``)
    adult_help                      help given to a person within their case (the kinds of the quarterly table)
    bed_capacity ── placement       beds of an institution; who occupies them, from when to when
    free_places_report              an institution's weekly report of free beds
    patrol_trip                     the social patrol's trips
    register_column                 the columns of the people register the administrator chose
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from engine.tables import dt_column


class AdultPerson(SQLModel, table=True):
    """A person the resource centre's register lists: released (or to be released) from prison, convicted without
    isolation, homeless — or a family member accepted for accompaniment with them (``head_id``)."""

    __tablename__ = "adult_person"
    __table_args__ = (sa.Index("ix_adult_person_territory_release", "territory", "release_date"),
                      sa.Index("ix_adult_person_territory_name", "territory", "head_id", "name_key", "release_date"))

    id: int | None = Field(default=None, primary_key=True)
    #: the territory responsible for the accompaniment: derived from the intended address
    territory: str = Field(foreign_key="territory.code", max_length=64)
    last_name: str = Field(max_length=100)
    first_name: str = Field(max_length=100)
    middle_name: str = Field(default="", max_length=100)
    birth_date: date | None = None
    #: normalised "фамилия имя отчество" (lower case, ё → е) for search
    name_key: str = Field(max_length=320)
    #: released | to_release | probation | homeless | family
    category: str = Field(max_length=16)
    release_date: date | None = None
    #: intended address of residence or stay after release
    intended_address: str = Field(default="", max_length=300)
    penal_institution: str = Field(default="", max_length=200)
    head_id: int | None = Field(default=None, foreign_key="adult_person.id", index=True)
    #: for a family member: spouse | parent | child | sibling | other
    relation: str = Field(default="", max_length=16)
    #: the organisation whose user entered the person (the data-entry report groups by it)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    created_by: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(sa_column=dt_column())
    updated_at: datetime = Field(sa_column=dt_column())
    #: the person's current case, if any
    case_id: int | None = Field(default=None, foreign_key="wf_instance.id", index=True)


class AdultHelp(SQLModel, table=True):
    """One kind of help given to a person (001, appendix 3: employment, documents, registration …)."""

    __tablename__ = "adult_help"
    __table_args__ = (sa.Index("ix_adult_help_given", "given_on", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="wf_instance.id", index=True)
    person_id: int = Field(foreign_key="adult_person.id", index=True)
    kind: str = Field(max_length=32)
    given_on: date
    result: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False, server_default=""))
    org_id: int | None = Field(default=None, foreign_key="organisation.id")
    by_user: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(sa_column=dt_column())


class RegisterColumn(SQLModel, table=True):
    """The columns of the people register, in order, as the administrator chose them (one row per column)."""

    __tablename__ = "register_column"

    column: str = Field(primary_key=True, max_length=32)
    position: int


class BedCapacity(SQLModel, table=True):
    """Beds (койко-места) of an institution or a non-state provider for homeless and released people."""

    __tablename__ = "bed_capacity"

    org_id: int = Field(foreign_key="organisation.id", primary_key=True)
    capacity: int
    #: social_adaptation | night_stay | both
    kind: str = Field(default="both", max_length=16)
    updated_at: datetime = Field(sa_column=dt_column())


class Placement(SQLModel, table=True):
    """A person placed in an institution (a bed occupied) from ``placed_on`` until ``discharged_on``."""

    __tablename__ = "placement"
    __table_args__ = (sa.Index("ix_placement_org_open", "org_id", "discharged_on"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="wf_instance.id", index=True)
    person_id: int = Field(foreign_key="adult_person.id", index=True)
    org_id: int = Field(foreign_key="organisation.id")
    placed_on: date
    discharged_on: date | None = None
    created_at: datetime = Field(sa_column=dt_column())


class PatrolTrip(SQLModel, table=True):
    """A trip of the social patrol to places where homeless people are likely to be."""

    __tablename__ = "patrol_trip"
    __table_args__ = (sa.Index("ix_patrol_trip_territory_day", "territory", "trip_on"),)

    id: int | None = Field(default=None, primary_key=True)
    territory: str = Field(foreign_key="territory.code", max_length=64)
    org_id: int = Field(foreign_key="organisation.id")
    trip_on: date
    places: str = Field(default="", max_length=300)
    by_user: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(sa_column=dt_column())


class FreePlacesReport(SQLModel, table=True):
    """An institution's weekly report of its beds: capacity, occupied, free (the weekly register)."""

    __tablename__ = "free_places_report"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    reported_on: date
    capacity: int
    occupied: int
    free: int
    by_user: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(sa_column=dt_column())
