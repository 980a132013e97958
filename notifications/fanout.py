"""Fan-out: each pending outbox row becomes a notification and its deliveries, in one transaction.

Rows are taken oldest first, in batches (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several
workers can run; on SQLite the write transaction serialises them). For each row:

1. the recipients are resolved (:mod:`notifications.recipients`) and the notice is composed
   (:mod:`notifications.messages`) and stored as a ``notification`` (unique key = the outbox key);
2. for each recipient and each channel the user chose for the kind (:mod:`notifications.preferences`)
   a delivery row is written, keyed ``<outbox key>|<channel>|<user>`` (unique):

   * ``inbox`` — the message is put in the inbox right here, so the delivery is ``sent`` at once;
   * ``email`` — ``pending`` for the delivery worker (only when SMTP is configured);
   * ``digest`` — ``queued`` for the user's daily digest;
   * a user without an e-mail address gets ``skipped`` e-mail deliveries with the reason;

3. each active webhook endpoint of the case's territory subscribed to the kind gets a ``pending``
   delivery keyed ``<outbox key>|webhook|w<endpoint>``;
4. the outbox row is marked ``done``.

All of it commits together: a crash before the commit leaves the outbox row pending and nothing
written; after it the row is done and every delivery exists. The unique keys make a second
fan-out of the same row impossible, so each message reaches each inbox exactly once. A row that
cannot be fanned out at all (a payload of the wrong shape) is rolled back to its savepoint and
kept as a notification with the error, so it does not block the rows after it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from cases.services import Services
from engine.database import UnitOfWork, is_unavailable
from engine.tables import OutboxMessage, table_of
from notifications import inbox, messages, preferences, recipients
from notifications.config import NotifyConfig
from notifications.kinds import DIGEST, EMAIL, INBOX, WEBHOOK, kind_of
from notifications.tables import Delivery, Notification, WebhookEndpoint

OB, NT, DV, EP = (table_of(t) for t in (OutboxMessage, Notification, Delivery, WebhookEndpoint))
PENDING: sa.ColumnClause[str] = sa.literal_column("'pending'")
log = logging.getLogger("opora.notifications")
NO_ADDRESS = "у пользователя не указан адрес электронной почты"


@dataclass
class FanOutReport:
    messages: int = 0
    deliveries: int = 0
    inbox: int = 0
    batches: int = 0


def fan_out(svc: Services, config: NotifyConfig, *, batch_size: int = 200,
            max_batches: int | None = None, budget: float | None = None) -> FanOutReport:
    """Fan out every pending outbox row; return what was written.

    ``budget`` (seconds) bounds one batch's transaction: when it is spent, the rows fanned out
    so far commit and the rest wait for the next batch (the server's tick sets it, so a
    backlog never holds SQLite's write lock for long).
    """
    report = FanOutReport()
    while max_batches is None or report.batches < max_batches:
        if not _batch(svc, config, batch_size, report, budget):
            break
        report.batches += 1
    return report


def _batch(svc: Services, config: NotifyConfig, batch_size: int, report: FanOutReport,
           budget: float | None = None) -> bool:
    started = time.perf_counter()
    with svc.db.unit_of_work() as tx:
        query = (sa.select(OB.c.id, OB.c.key, OB.c.kind, OB.c.instance_id, OB.c.target, OB.c.payload,
                           OB.c.created_at)
                 .where(OB.c.status == PENDING).order_by(OB.c.id).limit(batch_size))
        if not svc.db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        rows = tx.connection.execute(query).all()
        if not rows:
            return False
        now = svc.runtime.clock.now()
        endpoints = tx.connection.execute(sa.select(EP.c.id, EP.c.territory, EP.c.url, EP.c.kinds)
                                          .where(EP.c.active.is_(True))).all()
        handled: list[int] = []
        for row in rows:
            if budget is not None and handled and time.perf_counter() - started > budget:
                break  # the rest stay pending for the next batch
            try:
                with tx.savepoint():
                    _fan_out_row(tx, svc, config, row, endpoints, now, report)
            except Exception as exc:  # one broken message must not hold up all the others …
                if is_unavailable(exc):
                    raise  # … but a lost connection or a busy database is not the message's fault: retry it all
                log.exception("outbox row %s could not be fanned out", row.key)
                _record_failure(tx, row, now, exc)
            handled.append(row.id)
        tx.connection.execute(sa.update(OB).where(OB.c.id.in_(handled)).values(status="done", done_at=now))
        tx.commit()
        return True


def _record_failure(tx: UnitOfWork, row: Any, now: datetime, exc: Exception) -> None:
    """Keep the message that could not be fanned out, with the reason, instead of retrying it forever."""
    tx.connection.execute(sa.insert(NT).values(
        key=row.key, kind=row.kind, case_id=row.instance_id, territory=None,
        title=f"{kind_of(row.kind).title}: не удалось разослать", body="",
        data={"error": f"{type(exc).__name__}: {exc}"[:500], "failed_at": now.isoformat()}, created_at=row.created_at))


def _fan_out_row(tx: UnitOfWork, svc: Services, config: NotifyConfig, row: Any, endpoints: Sequence[Any],
                 now: datetime, report: FanOutReport) -> None:
    payload = dict(row.payload or {})
    resolved = recipients.resolve(tx, svc.runtime, row)
    notice = messages.compose(tx, svc, row, resolved.case)
    notification_id = tx.connection.execute(sa.insert(NT).returning(NT.c.id).values(
        key=row.key, kind=row.kind, case_id=notice.case_id, territory=resolved.territory, title=notice.title,
        body=notice.text, data=notice.data(payload), created_at=row.created_at)).scalar_one()
    chosen = preferences.channels_for(tx, [r.user_id for r in resolved.recipients], row.kind)
    deliveries: list[dict[str, Any]] = []

    def add(key: str, channel: str, status: str, *, user_id: int | None = None, endpoint_id: int | None = None,
            address: str = "", error: str = "") -> None:
        sent = status == "sent"
        deliveries.append({"key": key, "notification_id": notification_id, "channel": channel, "user_id": user_id,
                           "endpoint_id": endpoint_id, "address": address[:500], "status": status,
                           "attempts": 1 if sent else 0, "next_attempt_at": now if status == "pending" else None,
                           "last_error": error, "created_at": now, "sent_at": now if sent else None})

    for person in resolved.recipients:
        channels = chosen[person.user_id]
        if INBOX in channels:
            key = f"{row.key}|{INBOX}|{person.user_id}"
            # created_at: when it happened
            inbox.deliver(tx, user_id=person.user_id, kind=row.kind, title=notice.inbox_title or notice.title,
                          body=notice.inbox_text, case_id=notice.case_id, source_key=key, now=row.created_at)
            add(key, INBOX, "sent", user_id=person.user_id)
            report.inbox += 1
        for channel, waiting in ((EMAIL, "pending"), (DIGEST, "queued")):
            if channel in channels and config.smtp is not None:
                add(f"{row.key}|{channel}|{person.user_id}", channel, waiting if person.email else "skipped",
                    user_id=person.user_id, address=person.email, error="" if person.email else NO_ADDRESS)
    for endpoint in endpoints:
        if endpoint.territory == resolved.territory and (not endpoint.kinds or row.kind in endpoint.kinds):
            add(f"{row.key}|{WEBHOOK}|w{endpoint.id}", WEBHOOK, "pending", endpoint_id=endpoint.id,
                address=endpoint.url)
    if deliveries:
        tx.connection.execute(sa.insert(DV), deliveries)
    report.messages += 1
    report.deliveries += len(deliveries)
