"""The domain's tables: who works where, the families and children, reports, plans, visits, acts.

::

    territory ─┬─ organisation ── app_user ── user_role
               └─ family ── person (children, parents / legal representatives)
    report ── report_child ── person              an incoming report and the children it names
    wf_instance (engine) ── case_party            organisations taking part (УСО, KDN, Agency unit …)
                        ├── plan ── plan_item     safety / support / interagency (ИПР) plans
                        ├── visit                 monitoring entries (home visits, calls)
                        ├── document              issued acts, numbered per organisation and year
                        ├── kdn_resolution        resolutions of the commission
                        ├── execution_report      a body's report on its plan items before a review
                        └── meeting_item ── meeting   the KDN's agenda
    access_log                                   who viewed or changed which case, when
    retention_run                                what the retention policy anonymised or deleted
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from engine.tables import dt_column, json_column


class Territory(SQLModel, table=True):
    __tablename__ = "territory"

    code: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)


class Organisation(SQLModel, table=True):
    __tablename__ = "organisation"
    __table_args__ = (sa.Index("ix_organisation_territory_kind", "territory", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=300)
    short_name: str = Field(max_length=120)
    #: guardianship | agency | uso | kdn | education | police | health | employment | culture | other
    kind: str = Field(max_length=32)
    territory: str = Field(foreign_key="territory.code", max_length=64)
    address: str = Field(default="", max_length=300)
    phone: str = Field(default="", max_length=64)
    head_name: str = Field(default="", max_length=200)


class User(SQLModel, table=True):
    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    full_name: str = Field(max_length=200)
    position: str = Field(default="", max_length=200)
    email: str = Field(default="", max_length=200)
    password_hash: str = Field(max_length=300)
    org_id: int = Field(foreign_key="organisation.id")
    territory: str = Field(foreign_key="territory.code", max_length=64)
    #: the curator's area (участок) within the territory
    area: str = Field(default="", max_length=120)
    is_active: bool = True
    created_at: datetime = Field(sa_column=dt_column())
    #: set by an administrator's reset: the user must choose a new password before anything else
    must_change_password: bool = False
    password_changed_at: datetime | None = Field(default=None, sa_column=dt_column(nullable=True))


class UserRole(SQLModel, table=True):
    __tablename__ = "user_role"

    user_id: int = Field(foreign_key="app_user.id", primary_key=True)
    role: str = Field(primary_key=True, max_length=32)


class Family(SQLModel, table=True):
    __tablename__ = "family"
    __table_args__ = (sa.Index("ix_family_territory_category", "territory", "category"),)

    id: int | None = Field(default=None, primary_key=True)
    territory: str = Field(foreign_key="territory.code", max_length=64)
    surname: str = Field(default="", max_length=120)
    address: str = Field(default="", max_length=300)
    address_key: str = Field(default="", max_length=300, index=True)
    #: none | tzs (трудная жизненная ситуация) | sop (социально опасное положение)
    category: str = Field(default="none", max_length=8)
    category_set_on: date | None = None
    category_act: str = Field(default="", max_length=200)
    created_at: datetime = Field(sa_column=dt_column())
    #: when the retention policy anonymised the family and its people (152-FZ ст. 5 ч. 7)
    anonymised_at: datetime | None = Field(default=None, sa_column=dt_column(nullable=True))


class Person(SQLModel, table=True):
    __tablename__ = "person"
    __table_args__ = (sa.Index("ix_person_name_birth", "name_key", "birth_date"),)

    id: int | None = Field(default=None, primary_key=True)
    family_id: int = Field(foreign_key="family.id", index=True)
    #: child | mother | father | guardian | other
    relation: str = Field(max_length=16)
    last_name: str = Field(max_length=100)
    first_name: str = Field(max_length=100)
    middle_name: str = Field(default="", max_length=100)
    birth_date: date | None = None
    #: normalised "фамилия имя отчество" (lower case, ё → е) for matching and search
    name_key: str = Field(max_length=320)


class Report(SQLModel, table=True):
    __tablename__ = "report"
    __table_args__ = (sa.Index("ix_report_territory_received", "territory", "received_at"),)

    id: int | None = Field(default=None, primary_key=True)
    territory: str = Field(foreign_key="territory.code", max_length=64)
    org_id: int = Field(foreign_key="organisation.id")
    #: education | police | relatives | neighbours | anonymous | other_org
    source_type: str = Field(max_length=16)
    source_name: str = Field(default="", max_length=300)
    #: phone | written | email | in_person | portal
    channel: str = Field(max_length=16)
    received_at: datetime = Field(sa_column=dt_column())
    text: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    family_id: int = Field(foreign_key="family.id", index=True)
    case_id: int | None = Field(default=None, foreign_key="wf_instance.id", index=True)
    registered_by: int = Field(foreign_key="app_user.id")
    #: the KDN case this report was also forwarded to (a child under ИПР), if any
    kdn_case_id: int | None = Field(default=None, foreign_key="wf_instance.id")
    #: set when the inspection confirmed the information
    confirmed: bool | None = None
    created_at: datetime = Field(sa_column=dt_column())


class ReportChild(SQLModel, table=True):
    __tablename__ = "report_child"

    report_id: int = Field(foreign_key="report.id", primary_key=True)
    person_id: int = Field(foreign_key="person.id", primary_key=True, index=True)
    #: how the child was found: new | matched | matched_without_birth_date | chosen
    match: str = Field(default="new", max_length=32)


class CaseParty(SQLModel, table=True):
    """An organisation taking part in a case (the УСО it was handed to, the KDN it was referred to, …)."""

    __tablename__ = "case_party"
    __table_args__ = (sa.Index("ix_case_party_org", "org_id", "case_id"),)

    case_id: int = Field(foreign_key="wf_instance.id", primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", primary_key=True)
    since: datetime = Field(sa_column=dt_column())


class Plan(SQLModel, table=True):
    __tablename__ = "plan"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="wf_instance.id", index=True)
    #: safety | support | ipr
    kind: str = Field(max_length=16)
    title: str = Field(max_length=300)
    #: draft | approved | closed
    status: str = Field(default="draft", max_length=16)
    approved_on: date | None = None
    revision: int = 1
    created_at: datetime = Field(sa_column=dt_column())


class PlanItem(SQLModel, table=True):
    __tablename__ = "plan_item"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    measure: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    threat: str = Field(default="", max_length=500)
    responsible_org_id: int | None = Field(default=None, foreign_key="organisation.id")
    responsible: str = Field(default="", max_length=300)
    due_date: date
    #: open | done | cancelled
    status: str = Field(default="open", max_length=16)
    result: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False, server_default=""))
    done_on: date | None = None


class Visit(SQLModel, table=True):
    __tablename__ = "visit"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="wf_instance.id", index=True)
    visited_on: date
    #: home | phone | office | joint
    kind: str = Field(max_length=16)
    notes: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False, server_default=""))
    by_user: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(sa_column=dt_column())


class DocumentCounter(SQLModel, table=True):
    """The last number issued by an organisation in a year (one row, locked while numbering)."""

    __tablename__ = "document_counter"

    org_id: int = Field(foreign_key="organisation.id", primary_key=True)
    year: int = Field(primary_key=True)
    last_number: int = 0


class Document(SQLModel, table=True):
    __tablename__ = "document"
    __table_args__ = (sa.UniqueConstraint("org_id", "year", "number", "revision", name="uq_document_number"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="wf_instance.id", index=True)
    template: str = Field(max_length=64)
    title: str = Field(max_length=300)
    org_id: int = Field(foreign_key="organisation.id")
    year: int
    number: int
    revision: int = 1
    #: e.g. "15/2025" (revision 2: "15/2025, ред. 2")
    label: str = Field(max_length=64)
    content_hash: str = Field(max_length=64)
    context: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    #: rendered once from the frozen context (by the background job or on first download)
    docx: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary, nullable=True))
    pdf: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary, nullable=True))
    rendered_at: datetime | None = Field(default=None, sa_column=dt_column(nullable=True))
    issued_at: datetime = Field(sa_column=dt_column())
    issued_by: int | None = Field(default=None, foreign_key="app_user.id")
    supersedes_id: int | None = Field(default=None, foreign_key="document.id")


class KdnResolution(SQLModel, table=True):
    __tablename__ = "kdn_resolution"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="wf_instance.id", index=True)
    number: str = Field(max_length=64)
    adopted_on: date
    #: recognise | decline | continue | amend | terminate | post_support | court | suspend | resume
    decision: str = Field(max_length=16)
    executing_bodies: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False, server_default=""))
    report_back_on: date | None = None
    notes: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False, server_default=""))
    created_at: datetime = Field(sa_column=dt_column())


class ExecutionReport(SQLModel, table=True):
    """A body's report on its items of the interagency plan, collected before a review."""

    __tablename__ = "execution_report"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="wf_instance.id", index=True)
    org_id: int = Field(foreign_key="organisation.id")
    received_on: date
    text: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    positive_dynamics: bool = False
    recorded_by: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(sa_column=dt_column())


class Meeting(SQLModel, table=True):
    __tablename__ = "meeting"
    __table_args__ = (sa.UniqueConstraint("kdn_org_id", "held_on", name="uq_meeting_day"),)

    id: int | None = Field(default=None, primary_key=True)
    kdn_org_id: int = Field(foreign_key="organisation.id")
    held_on: date


class MeetingItem(SQLModel, table=True):
    __tablename__ = "meeting_item"

    meeting_id: int = Field(foreign_key="meeting.id", primary_key=True)
    case_id: int = Field(foreign_key="wf_instance.id", primary_key=True)
    #: consideration (of a conclusion) | review (of the interagency plan)
    kind: str = Field(max_length=16)


class CommandKey(SQLModel, table=True):
    """A form or request handled once: its key is claimed in the same transaction as the command."""

    __tablename__ = "command_key"

    key: str = Field(primary_key=True, max_length=200)
    user_id: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(sa_column=dt_column())


class AccessLog(SQLModel, table=True):
    """Every view and change of a case (152-FZ: personal data access is attributable)."""

    __tablename__ = "access_log"
    __table_args__ = (sa.Index("ix_access_log_case", "case_id", "at"), sa.Index("ix_access_log_at", "at"))

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    case_id: int | None = Field(default=None)
    #: view | change | download | search | export | account | subject_export
    action: str = Field(max_length=16)
    what: str = Field(default="", max_length=300)
    at: datetime = Field(sa_column=dt_column())


class RetentionRun(SQLModel, table=True):
    """What one run of the retention policy anonymised or deleted, per kind of record (the audit entry)."""

    __tablename__ = "retention_run"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=dt_column())
    #: cases | people | reports | access_log | login_attempts | saved_searches
    kind: str = Field(max_length=32)
    #: anonymise | delete
    action: str = Field(max_length=16)
    cutoff: datetime = Field(sa_column=dt_column())
    count: int = 0
    #: who ran it: ``job`` (the server's daily job) or ``cli``
    by: str = Field(default="job", max_length=16)


_NAMES: dict[tuple[str, str], Any] = {}


def names_by_id(conn: sa.Connection, table: sa.Table, column: str, ids: Iterable[int | None]) -> dict[int, str]:
    """One column of the rows with these ids, by id (``None`` ids are skipped): orgs' short names, users' names.

    The statement is built once per table and column (the ids are an expanding parameter): most pages ask this.
    """
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    statement = _NAMES.get((table.name, column))
    if statement is None:
        statement = sa.select(table.c.id, table.c[column]).where(table.c.id.in_(sa.bindparam("ids", expanding=True)))
        _NAMES[(table.name, column)] = statement
    return {r[0]: r[1] for r in conn.execute(statement, {"ids": wanted})}
