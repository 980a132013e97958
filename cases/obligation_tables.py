"""The table of the reporting calendar kept as work: each (organisation, report, period) owed is a stored obligation
with the file submitted and the answer, the subject of one workflow instance (``case_id``) that holds its state,
deadline and history (:mod:`cases.obligation_flow`).

::

    organisation ── report_obligation ── wf_instance (report_obligation.yaml)   due → submitted → accepted | returned;
                                                                               a roadmap item: kind "roadmap"
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from engine.tables import dt_column


class ReportObligation(SQLModel, table=True):
    """One report owed by one organisation for one period (or one roadmap item), unique per (org, report, period)."""

    __tablename__ = "report_obligation"
    __table_args__ = (sa.UniqueConstraint("org_id", "report", "period_first", name="uq_report_obligation_key"),
                      sa.Index("ix_report_obligation_territory_state", "territory", "state", "due_on"),
                      sa.Index("ix_report_obligation_recipient", "recipient_org_id", "report", "period_first"),
                      sa.Index("ix_report_obligation_case", "case_id", unique=True))

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id")
    territory: str = Field(foreign_key="territory.code", max_length=64)
    #: the catalogue's report key, or ``roadmap:<key>`` for a roadmap item
    report: str = Field(max_length=64)
    #: report | roadmap
    kind: str = Field(default="report", max_length=16)
    title: str = Field(max_length=300)
    period_first: date
    period_last: date
    #: the rule in force and its source (for a roadmap item: the roadmap and its item)
    rule: str = Field(default="", max_length=300)
    source: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False, server_default=""))
    #: the due day by the rule in force, moved off a non-working day
    rule_due_on: date
    #: the due day that counts: the rule's, or for a roll-up the later of it and the day after its last part was
    #: accepted; None while a roll-up waits for its parts
    due_on: date | None = None
    recipient_org_id: int | None = Field(default=None, foreign_key="organisation.id")
    #: the workflow instance whose subject the row is (it holds the state, the deadline and the history)
    case_id: int | None = Field(default=None, foreign_key="wf_instance.id")
    #: due | submitted | accepted | returned: the instance's state and version, copied by its transitions
    state: str = Field(default="due", max_length=16)
    version: int = 1
    filename: str = Field(default="", max_length=200)
    media_type: str = Field(default="", max_length=100)
    size: int = 0
    sha256: str = Field(default="", max_length=64)
    #: the file in the database, or None when kept in the attachments directory (``storage_key``)
    data: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary, nullable=True))
    storage_key: str = Field(default="", max_length=64)
    submitted_at: datetime | None = Field(default=None, sa_column=dt_column(nullable=True))
    submitted_by: int | None = Field(default=None, foreign_key="app_user.id")
    decided_at: datetime | None = Field(default=None, sa_column=dt_column(nullable=True))
    decided_by: int | None = Field(default=None, foreign_key="app_user.id")
    #: why the recipient returned it
    reason: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False, server_default=""))
    #: how far up the chain the overdue obligation has been reported (0: not yet), and when last
    escalation_level: int = 0
    escalated_on: date | None = None
    created_at: datetime = Field(sa_column=dt_column())
