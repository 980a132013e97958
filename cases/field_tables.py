"""Tables of field work: files attached to a case, and hand-overs of a case that the receiver accepts.

::

    wf_instance ── attachment      photos, scans of signed acts, letters of other bodies (the case, a visit,
                                   a plan measure or an act); the file in the database or in a directory
                └─ handover        a case offered to a colleague: pending until accepted, returned or undone
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from engine.tables import dt_column


class Attachment(SQLModel, table=True):
    __tablename__ = "attachment"
    __table_args__ = (sa.Index("ix_attachment_case", "case_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="wf_instance.id")
    #: photo (living conditions) | scan (a signed act) | letter (of another body) | other
    kind: str = Field(max_length=16)
    #: what it is attached to besides the case: case | visit | plan_item | document
    target: str = Field(default="case", max_length=16)
    target_id: int | None = None
    #: the issued act this scan is the signed copy of
    signed_document_id: int | None = Field(default=None, foreign_key="document.id")
    title: str = Field(default="", max_length=300)
    filename: str = Field(max_length=200)
    media_type: str = Field(max_length=64)
    size: int
    sha256: str = Field(max_length=64)
    #: the file itself (storage in the database), or None when it is kept in the attachments directory
    data: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary, nullable=True))
    #: the file's name in the attachments directory ("" when it is in the database)
    storage_key: str = Field(default="", max_length=64)
    uploaded_by: int = Field(foreign_key="app_user.id")
    uploaded_at: datetime = Field(sa_column=dt_column())
    #: when the retention policy erased the file (its description and checksum stay)
    erased_at: datetime | None = Field(default=None, sa_column=dt_column(nullable=True))


class Handover(SQLModel, table=True):
    """A case offered to a colleague: the previous assignee keeps it until the receiver accepts."""

    __tablename__ = "handover"
    __table_args__ = (sa.Index("ix_handover_case", "case_id", "status"),
                      sa.Index("ix_handover_to", "to_user_id", "status"))

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="wf_instance.id")
    from_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    to_user_id: int = Field(foreign_key="app_user.id")
    #: who handed it over (a supervisor or a УСО director)
    by_user_id: int = Field(foreign_key="app_user.id")
    reason: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    #: pending | accepted | returned | undone
    status: str = Field(default="pending", max_length=16)
    created_at: datetime = Field(sa_column=dt_column())
    #: the receiver answers by then; later it is escalated to whoever handed it over
    due_at: datetime = Field(sa_column=dt_column())
    escalated_at: datetime | None = Field(default=None, sa_column=dt_column(nullable=True))
    decided_at: datetime | None = Field(default=None, sa_column=dt_column(nullable=True))
    decided_by: int | None = Field(default=None, foreign_key="app_user.id")
    #: why the receiver returned it
    answer: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False, server_default=""))
