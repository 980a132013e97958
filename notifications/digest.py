"""The daily digest: one e-mail a day instead of many, for users who chose it for some kinds.

At the configured local time (``OPORA_DIGEST_TIME``, the region's time zone) — or at the first
tick after it, if the server was down — each such user gets one letter with

* the deadlines of their open cases that fall due later today,
* their overdue deadlines (the oldest 30, and how many more),
* the messages of the kinds they chose for the digest that arrived since the last digest
  (``queued`` deliveries; new assignments first).

Exactly once per user and day: the digest is a ``notification`` keyed ``digest:<user>:<day>``
(unique), written with its e-mail delivery and with the queued deliveries it carries marked
``sent`` (``digest_id`` points at it) in one transaction; the delivery worker then sends the
letter like any other e-mail, with the same retries. A day with nothing to say is recorded
without a letter.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from cases import access
from cases.services import Services
from engine.database import UnitOfWork
from engine.tables import CaseInstance, Deadline, table_of
from notifications import preferences, recipients
from notifications.config import NotifyConfig
from notifications.kinds import DIGEST, DIGEST_KIND, EMAIL
from notifications.messages import local_moment
from notifications.tables import Delivery, Notification

CI, DL, NT, DV = (table_of(t) for t in (CaseInstance, Deadline, Notification, Delivery))
OVERDUE_SHOWN = 30


def digest_key(user_id: int, day: date) -> str:
    return f"{DIGEST_KIND}:{user_id}:{day.isoformat()}"


def local_day_started(svc: Services, config: NotifyConfig) -> date | None:
    """Today's local date once the configured time has passed, else None."""
    local = svc.runtime.clock.now().astimezone(svc.runtime.calendar.zone)
    return local.date() if local.time() >= config.digest_time else None


def send_digests(svc: Services, config: NotifyConfig) -> int:
    """Write today's digest for every user who chose one and has none yet; return how many letters."""
    day = local_day_started(svc, config)
    if day is None or config.smtp is None:
        return 0
    with svc.db.read() as tx:
        users = preferences.digest_users(tx)
        done = set(tx.connection.execute(sa.select(NT.c.key).where(
            NT.c.key.in_([digest_key(u, day) for u in users]))).scalars()) if users else set()
    letters = 0
    for user_id in users:
        if digest_key(user_id, day) in done:
            continue
        try:
            with svc.db.unit_of_work() as tx:
                letters += _digest(tx, svc, user_id, day)
                tx.commit()
        except IntegrityError:  # another worker wrote this user's digest first
            continue
    return letters


def _digest(tx: UnitOfWork, svc: Services, user_id: int, day: date) -> int:
    now = svc.runtime.clock.now()
    key = digest_key(user_id, day)
    people = recipients.load_users(tx, [user_id])
    sections = _sections(tx, svc, people[0], day, now) if people and people[0].email else None
    empty = sections is None or not (sections["due_today"] or sections["overdue"] or sections["assignments"]
                                     or sections["others"])
    nid = tx.connection.execute(sa.insert(NT).returning(NT.c.id).values(
        key=key, kind=DIGEST_KIND, case_id=None, territory=people[0].principal.territory if people else None,
        title=f"Сводка на {day.strftime('%d.%m.%Y')}", body="", data={"empty": True} if empty else sections,
        created_at=now)).scalar_one()
    if empty or sections is None:
        return 0
    tx.connection.execute(sa.insert(DV).values(
        key=f"{key}|{EMAIL}|{user_id}", notification_id=nid, channel=EMAIL, user_id=user_id,
        address=people[0].email, status="pending", attempts=0, next_attempt_at=now, last_error="", created_at=now))
    carried = [item["delivery_id"] for item in sections["assignments"] + sections["others"]]
    if carried:
        tx.connection.execute(sa.update(DV).where(DV.c.id.in_(carried))
                              .values(status="sent", sent_at=now, digest_id=nid))
    return 1


def _sections(tx: UnitOfWork, svc: Services, person: recipients.Recipient, day: date,
              now: datetime) -> dict[str, Any]:
    zone = svc.runtime.calendar.zone
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    base = (sa.select(DL.c.instance_id, DL.c.title, DL.c.basis, DL.c.due_at, CI.c.workflow, CI.c.workflow_version)
            .join(CI, CI.c.id == DL.c.instance_id)
            .where(DL.c.status == sa.literal_column("'open'"), CI.c.assignee_id == person.user_id,
                   CI.c.closed_at.is_(None), access.visible_cases(person.principal)))
    due_today = tx.connection.execute(base.where(DL.c.due_at >= now, DL.c.due_at < end)
                                      .order_by(DL.c.due_at, DL.c.id)).all()
    overdue_q = base.where(DL.c.due_at < now)
    overdue = tx.connection.execute(overdue_q.order_by(DL.c.due_at, DL.c.id).limit(OVERDUE_SHOWN)).all()
    overdue_total = tx.connection.execute(sa.select(sa.func.count()).select_from(overdue_q.subquery())).scalar_one()
    queued = tx.connection.execute(
        sa.select(DV.c.id, NT.c.kind, NT.c.title, NT.c.data, NT.c.created_at).join(NT, NT.c.id == DV.c.notification_id)
        .where(DV.c.user_id == person.user_id, DV.c.channel == DIGEST, DV.c.status == "queued")
        .order_by(DV.c.id)).all()

    def deadline(row: Any) -> dict[str, Any]:
        wf = svc.runtime.catalog.compiled(row.workflow, row.workflow_version).definition
        return {"case_id": row.instance_id, "workflow": wf.title, "title": row.title, "basis": row.basis,
                "due": local_moment(svc, row.due_at)}

    def message(row: Any) -> dict[str, Any]:
        return {"delivery_id": row.id, "kind": row.kind, "title": row.title, "at": local_moment(svc, row.created_at),
                "link": dict(row.data or {}).get("link", "")}

    return {"day": day.strftime("%d.%m.%Y"), "due_today": [deadline(r) for r in due_today],
            "overdue": [deadline(r) for r in overdue], "overdue_total": int(overdue_total),
            "assignments": [message(r) for r in queued if r.kind == "case.assigned"],
            "others": [message(r) for r in queued if r.kind != "case.assigned"]}
