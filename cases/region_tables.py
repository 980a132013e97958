"""Tables of regions as data: territory profiles, areas with their social passport, regional records.

::

    territory ─┬─ territory_profile     which workflow the territory starts for each kind of case, its regional
               │                        settings (revisions: the last one applies; older ones stay as history)
               ├─ area                  an area (участок) of the territory: its streets and settlements, its curator
               ├─ indicator_target      a monitoring indicator's target for a year
               └─ mobile_visit          a visit of a mobile interagency team: members, families, outcome
    wf_instance ── need_assessment      the need criteria ticked when the family was recognised as needing support
    wf_instance ── quarterly_report     a body's quarterly report on a case to the district commission
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from engine.tables import dt_column, json_column


class TerritoryProfile(SQLModel, table=True):
    """One revision of a territory's profile; the highest revision applies."""

    __tablename__ = "territory_profile"
    __table_args__ = (sa.UniqueConstraint("territory", "revision", name="uq_territory_profile_revision"),)

    id: int | None = Field(default=None, primary_key=True)
    territory: str = Field(foreign_key="territory.code", max_length=64)
    revision: int
    #: yugra | novgorod | stavropol
    profile: str = Field(max_length=32)
    #: kind of case → workflow name, e.g. {"kdn_ipr": "kdn_ipr_district"}
    workflows: dict[str, str] = Field(default_factory=dict, sa_column=json_column())
    #: regional settings of the profile (need checklist, mobile team response time …)
    settings: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    basis: str = Field(default="", max_length=500)
    changed_by: int | None = Field(default=None, foreign_key="app_user.id")
    changed_at: datetime = Field(sa_column=dt_column())


class Area(SQLModel, table=True):
    """An area (участок) of a territory with its social passport and the curator fixed to it."""

    __tablename__ = "area"
    __table_args__ = (sa.UniqueConstraint("territory", "name", name="uq_area_territory_name"),)

    id: int | None = Field(default=None, primary_key=True)
    territory: str = Field(foreign_key="territory.code", max_length=64)
    name: str = Field(max_length=120)
    curator_id: int | None = Field(default=None, foreign_key="app_user.id")
    #: streets and settlements of the area, as typed (matched case- and punctuation-insensitively)
    places: list[str] = Field(default_factory=list, sa_column=json_column())
    #: the social passport of the territory: population, institutions, risk factors (free text)
    passport: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False, server_default=""))
    updated_at: datetime = Field(sa_column=dt_column())


class NeedAssessment(SQLModel, table=True):
    """The need criteria recorded when a family was recognised as needing social support."""

    __tablename__ = "need_assessment"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="wf_instance.id", index=True)
    territory: str = Field(max_length=64, index=True)
    #: the checklist's name and version as they were in the territory's profile at the decision
    checklist: str = Field(max_length=64)
    checklist_version: int
    categories: list[str] = Field(default_factory=list, sa_column=json_column())
    decided_on: date
    created_at: datetime = Field(sa_column=dt_column())


class MobileVisit(SQLModel, table=True):
    """A visit of a mobile interagency team (мобильная бригада)."""

    __tablename__ = "mobile_visit"
    __table_args__ = (sa.Index("ix_mobile_visit_territory_on", "territory", "visited_on"),)

    id: int | None = Field(default=None, primary_key=True)
    territory: str = Field(foreign_key="territory.code", max_length=64)
    case_id: int | None = Field(default=None, foreign_key="wf_instance.id")
    visited_on: date
    #: who went: "агентство: ФИО" lines
    members: list[str] = Field(default_factory=list, sa_column=json_column())
    families_reached: int = 1
    #: helped | support_opened | referred | not_found
    outcome: str = Field(max_length=16)
    notes: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False, server_default=""))
    requested_at: datetime | None = Field(default=None, sa_column=dt_column(nullable=True))
    by_user: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(sa_column=dt_column())


class IndicatorTarget(SQLModel, table=True):
    """A monitoring indicator's target value for a year in a territory."""

    __tablename__ = "indicator_target"
    __table_args__ = (sa.UniqueConstraint("territory", "indicator", "year", name="uq_indicator_target"),)

    id: int | None = Field(default=None, primary_key=True)
    territory: str = Field(foreign_key="territory.code", max_length=64)
    indicator: str = Field(max_length=64)
    year: int
    target: int
    basis: str = Field(default="", max_length=300)


class QuarterlyReport(SQLModel, table=True):
    """A body's quarterly report on a case to the district commission (or the УСО's to the ministry)."""

    __tablename__ = "quarterly_report"
    __table_args__ = (sa.UniqueConstraint("case_id", "org_id", "year", "quarter", name="uq_quarterly_report"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="wf_instance.id", index=True)
    org_id: int = Field(foreign_key="organisation.id")
    year: int
    quarter: int
    due_on: date
    submitted_on: date
    summary: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False, server_default=""))
    created_at: datetime = Field(sa_column=dt_column())
