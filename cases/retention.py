"""Retention of personal data (152-FZ ст. 5 ч. 7, ст. 21 ч. 7): what is kept how long, then anonymised or deleted.

A policy per kind of record, each a number of days from the settings (``OPORA_RETENTION_*``; 0 keeps
the records for good):

=============  ==========  =========================================================================
kind           action      what
=============  ==========  =========================================================================
cases          anonymise   closed cases: the acts' files and frozen contents, visit notes, plan texts,
                           resolution notes, execution reports, attached files (the numbers and dates of
                           acts and the descriptions of files stay)
people         anonymise   families whose every case closed before the cutoff: names, birth dates,
                           addresses of the family and its people (the counts for statistics stay)
reports        anonymise   the text and the source's name of reports whose case closed before the cutoff
access_log     delete      entries older than the cutoff
=============  ==========  =========================================================================

A run is idempotent (only what still holds personal data is touched, so a second run finds nothing)
and safe to run twice at once (on PostgreSQL each kind takes an advisory lock and a concurrent run
skips it; SQLite's write lock serialises). Each kind's outcome is written to ``retention_run`` in the
same transaction: the audit entry of what was anonymised or deleted, when, under which cutoff.
The web layer adds its own kinds (login attempts, saved searches) through the same :func:`run_kind`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from cases import attachments
from cases.tables import (
    AccessLog,
    Document,
    ExecutionReport,
    Family,
    KdnResolution,
    Person,
    Plan,
    PlanItem,
    Report,
    RetentionRun,
    Visit,
)
from engine.database import Database, UnitOfWork
from engine.tables import CaseInstance, table_of

CI, FA, PE, RE = table_of(CaseInstance), table_of(Family), table_of(Person), table_of(Report)
DOC, VI, PL, PI = table_of(Document), table_of(Visit), table_of(Plan), table_of(PlanItem)
KR, ER, AL, RR = table_of(KdnResolution), table_of(ExecutionReport), table_of(AccessLog), table_of(RetentionRun)
ANONYMISED = "Обезличено"
#: advisory lock keys on PostgreSQL (one per kind), so two concurrent runs never work on the same kind
LOCK_BASE = 15_152_000


@dataclass(frozen=True)
class Policy:
    kind: str
    action: str
    days: int
    title: str


@dataclass(frozen=True)
class Outcome:
    kind: str
    action: str
    cutoff: datetime | None
    count: int
    #: kept | dry_run | done | skipped (another run holds the kind)
    status: str

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "action": self.action, "count": self.count, "status": self.status,
                "cutoff": self.cutoff.isoformat() if self.cutoff else None}


#: counts what has expired (dry run) or anonymises/deletes it; returns the count
Worker = Callable[[UnitOfWork, datetime, datetime, bool], int]


def _closed_before(cutoff: datetime) -> sa.Select[tuple[int]]:
    return sa.select(CI.c.id).where(CI.c.closed_at.is_not(None), CI.c.closed_at < cutoff)


def cases(tx: UnitOfWork, cutoff: datetime, now: datetime, dry_run: bool) -> int:
    """Anonymise the contents of cases closed before ``cutoff``; the number of cases touched."""
    closed = _closed_before(cutoff)
    plans = sa.select(PL.c.id).where(PL.c.case_id.in_(closed))
    targets: list[tuple[sa.Table, Any, dict[str, Any], Any]] = [
        (DOC, DOC.c.case_id.in_(closed) & (DOC.c.docx.is_not(None) | DOC.c.pdf.is_not(None)
                                           | (sa.cast(DOC.c.context, sa.String) != "{}")),
         {"docx": None, "pdf": None, "context": {}}, DOC.c.case_id),
        (VI, VI.c.case_id.in_(closed) & (VI.c.notes != ""), {"notes": ""}, VI.c.case_id),
        (KR, KR.c.case_id.in_(closed) & (KR.c.notes != ""), {"notes": ""}, KR.c.case_id),
        (ER, ER.c.case_id.in_(closed) & (ER.c.text != ""), {"text": ""}, ER.c.case_id),
    ]
    touched, _ = attachments.erase_closed(tx, closed, now, dry_run)
    for table, where, values, case_column in targets:
        touched |= set(tx.connection.execute(sa.select(case_column).where(where)).scalars())
        if not dry_run:
            tx.connection.execute(sa.update(table).where(where).values(**values))
    items = PI.c.plan_id.in_(plans) & ((PI.c.measure != ANONYMISED) | (PI.c.result != "") | (PI.c.threat != ""))
    touched |= set(tx.connection.execute(sa.select(PL.c.case_id).join(PI, PI.c.plan_id == PL.c.id)
                                         .where(items)).scalars())
    if not dry_run:
        tx.connection.execute(sa.update(PI).where(items).values(measure=ANONYMISED, result="", threat="",
                                                                responsible=""))
    return len(touched)


def people(tx: UnitOfWork, cutoff: datetime, now: datetime, dry_run: bool) -> int:
    """Anonymise families (and their people) whose every case closed before ``cutoff``; the number of families."""
    of_family = (CI.c.subject_kind == "family") & (CI.c.subject_id == FA.c.id)
    expired = sa.and_(FA.c.anonymised_at.is_(None), sa.exists().where(of_family),
                      ~sa.exists().where(of_family, sa.or_(CI.c.closed_at.is_(None), CI.c.closed_at >= cutoff)))
    ids = list(tx.connection.execute(sa.select(FA.c.id).where(expired)).scalars())
    if ids and not dry_run:
        for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
            tx.connection.execute(sa.update(PE).where(PE.c.family_id.in_(chunk)).values(
                last_name=ANONYMISED, first_name="", middle_name="", birth_date=None, name_key=ANONYMISED.lower()))
            tx.connection.execute(sa.update(FA).where(FA.c.id.in_(chunk)).values(
                surname=ANONYMISED, address="", address_key="", category_act="", anonymised_at=now))
    return len(ids)


def reports(tx: UnitOfWork, cutoff: datetime, now: datetime, dry_run: bool) -> int:
    """Anonymise the texts of reports whose case closed before ``cutoff``; the number of reports."""
    where = RE.c.case_id.in_(_closed_before(cutoff)) & ((RE.c.text != "") | (RE.c.source_name != ""))
    count = int(tx.connection.execute(sa.select(sa.func.count()).select_from(RE).where(where)).scalar_one())
    if count and not dry_run:
        tx.connection.execute(sa.update(RE).where(where).values(text="", source_name=""))
    return count


def access_log(tx: UnitOfWork, cutoff: datetime, now: datetime, dry_run: bool) -> int:
    """Delete access-log entries older than ``cutoff``; the number deleted."""
    return delete_older(tx, AL, AL.c.at, cutoff, dry_run)


def delete_older(tx: UnitOfWork, table: sa.Table, column: sa.Column[datetime], cutoff: datetime,
                 dry_run: bool) -> int:
    count = int(tx.connection.execute(sa.select(sa.func.count()).select_from(table).where(column < cutoff))
                .scalar_one())
    if count and not dry_run:
        tx.connection.execute(sa.delete(table).where(column < cutoff))
    return count


WORKERS: dict[str, tuple[str, str, Worker]] = {
    "cases": ("anonymise", "закрытые дела: файлы актов и вложения, заметки, тексты планов и отчётов", cases),
    "people": ("anonymise", "семьи и люди, все дела которых закрыты", people),
    "reports": ("anonymise", "тексты сообщений по закрытым делам", reports),
    "access_log": ("delete", "журнал доступа", access_log),
}


def run_kind(db: Database, policy: Policy, worker: Worker, now: datetime, *, dry_run: bool, by: str,
             lock: int) -> Outcome:
    """Apply one kind's policy in one transaction with its audit entry (``retention_run``)."""
    if policy.days <= 0:
        return Outcome(policy.kind, policy.action, None, 0, "kept")
    cutoff = now - timedelta(days=policy.days)
    with db.unit_of_work() as tx:
        if not db.is_sqlite and not tx.connection.execute(
                sa.select(sa.func.pg_try_advisory_xact_lock(LOCK_BASE + lock))).scalar():
            return Outcome(policy.kind, policy.action, cutoff, 0, "skipped")
        count = worker(tx, cutoff, now, dry_run)
        if dry_run:
            return Outcome(policy.kind, policy.action, cutoff, count, "dry_run")
        tx.connection.execute(sa.insert(RR).values(at=now, kind=policy.kind, action=policy.action, cutoff=cutoff,
                                                   count=count, by=by[:16]))
        tx.commit()
    return Outcome(policy.kind, policy.action, cutoff, count, "done")
