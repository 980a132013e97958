"""The delivery worker: sends pending e-mails and webhooks, retries failures with backoff.

Lifecycle of an e-mail or webhook delivery::

    pending ──(taken: next_attempt_at = now + lease)──> sending ──ok──> sent
       ^                                                  │
       └──── failed try: next_attempt_at = now + backoff ─┤ (1 min, 5 min, 30 min, 2 h, then 6 h)
                                                          └─ permanent error, or the 13th failed try ─> failed

1. **Take** a batch: in one short transaction, the due ``pending`` rows (oldest first;
   ``FOR UPDATE SKIP LOCKED`` on PostgreSQL) get ``next_attempt_at = now + lease`` and the
   transaction commits. The lease reserves them: another worker does not take them, and if
   this process dies they become due again when the lease runs out — nothing is lost.
2. **Send** each one through its channel (:mod:`notifications.email`, :mod:`notifications.webhooks`)
   with no transaction open (a slow server holds no database lock).
3. **Record** the outcome in its own transaction: an attempt row, and the delivery ``sent``
   (only after the channel accepted it), rescheduled with backoff, or ``failed``.

One bad receiver never holds up the others: a webhook request has one overall deadline
(:mod:`notifications.webhooks`), and each endpoint has a circuit breaker — after
``config.breaker_after`` failed requests in a row it is paused (1 min, 2 min, 4 min … up to an hour);
while it is paused its deliveries wait without being tried or counted as attempts, and once one of
them fails in a batch the batch's other deliveries to it wait for the next round. E-mails and the
other endpoints go on meanwhile.

Exactly once, and the one exception: a process killed after the channel accepted a message
and before step 3 committed sends that one in-flight message again once the lease runs out.
The receiver can recognise the repeat — an e-mail carries the same ``Message-ID`` (derived from
the delivery key) and a webhook the same ``X-Opora-Delivery`` header — so it is shown or acted on
once. The in-app inbox has no such window: it is written in the fan-out's own transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from cases.services import Services
from engine.tables import table_of
from notifications import email, webhooks
from notifications.config import NotifyConfig
from notifications.errors import DeliveryFailed, SealingFailed
from notifications.kinds import DIGEST_KIND, EMAIL, WEBHOOK, kind_of
from notifications.tables import Delivery, DeliveryAttempt, Notification, WebhookEndpoint

NT, DV, AT, EP = (table_of(t) for t in (Notification, Delivery, DeliveryAttempt, WebhookEndpoint))
PENDING: sa.ColumnClause[str] = sa.literal_column("'pending'")


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0

    @property
    def attempts(self) -> int:
        return self.sent + self.retried + self.failed


def deliver_due(svc: Services, config: NotifyConfig, *, max_batches: int | None = None) -> DeliveryReport:
    """Send every e-mail and webhook that is due now; return the outcomes."""
    report = DeliveryReport()
    batches = 0
    while max_batches is None or batches < max_batches:
        taken = take(svc, config)
        if not taken:
            break
        batches += 1
        failing: set[int] = set()  # endpoints that failed in this batch: their other deliveries wait
        for delivery in taken:
            if delivery.endpoint_id in failing:
                defer(svc, config, delivery)
            elif not attempt(svc, config, delivery, report) and delivery.endpoint_id is not None:
                failing.add(delivery.endpoint_id)
    return report


def defer(svc: Services, config: NotifyConfig, delivery: Any) -> None:
    """Put a delivery back for later without trying it (its endpoint is failing); not an attempt."""
    now = svc.runtime.clock.now()
    with svc.db.unit_of_work() as tx:
        paused = tx.connection.execute(sa.select(EP.c.paused_until).where(EP.c.id == delivery.endpoint_id)).scalar()
        later = paused if paused is not None and paused > now else now + config.backoff[0]
        tx.connection.execute(sa.update(DV).where(DV.c.id == delivery.id).values(next_attempt_at=later))
        tx.commit()


def take(svc: Services, config: NotifyConfig) -> list[Any]:
    """Reserve a batch of due deliveries for this worker (step 1); with what is needed to send them."""
    with svc.db.unit_of_work() as tx:
        now = svc.runtime.clock.now()
        paused = sa.select(EP.c.id).where(EP.c.paused_until > now)
        query = (sa.select(DV.c.id).where(DV.c.status == PENDING, DV.c.next_attempt_at <= now,
                                          sa.or_(DV.c.endpoint_id.is_(None), DV.c.endpoint_id.not_in(paused)))
                 .order_by(DV.c.next_attempt_at, DV.c.id).limit(config.batch_size))
        if not svc.db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        ids = list(tx.connection.execute(query).scalars())
        if not ids:
            return []
        tx.connection.execute(sa.update(DV).where(DV.c.id.in_(ids)).values(next_attempt_at=now + config.lease))
        rows = tx.connection.execute(
            sa.select(DV.c.id, DV.c.key, DV.c.channel, DV.c.address, DV.c.attempts, DV.c.endpoint_id, NT.c.kind,
                      NT.c.case_id, NT.c.title, NT.c.body, NT.c.data, NT.c.created_at, EP.c.secret, EP.c.active)
            .join(NT, NT.c.id == DV.c.notification_id).outerjoin(EP, EP.c.id == DV.c.endpoint_id)
            .where(DV.c.id.in_(ids)).order_by(DV.c.id)).all()
        tx.commit()
        return list(rows)


def attempt(svc: Services, config: NotifyConfig, delivery: Any, report: DeliveryReport) -> bool:
    """Send one taken delivery (step 2) and record the outcome (step 3); True if it was sent."""
    error: DeliveryFailed | None = None
    try:
        send(config, delivery, svc.runtime.clock.now())
    except DeliveryFailed as exc:
        error = exc
    now = svc.runtime.clock.now()
    number = delivery.attempts + 1
    values: dict[str, Any] = {"attempts": number}
    if error is None:
        values |= {"status": "sent", "sent_at": now, "last_error": "", "next_attempt_at": None}
        report.sent += 1
    else:
        wait = None if error.permanent else config.retry_after(number)
        values["last_error"] = error.detail
        if wait is None:
            values |= {"status": "failed", "next_attempt_at": None}
            report.failed += 1
        else:
            values["next_attempt_at"] = now + wait
            report.retried += 1
    with svc.db.unit_of_work() as tx:
        tx.connection.execute(sa.insert(AT).values(delivery_id=delivery.id, number=number, at=now,
                                                   ok=error is None, detail=error.detail if error else ""))
        tx.connection.execute(sa.update(DV).where(DV.c.id == delivery.id).values(**values))
        if delivery.endpoint_id is not None:
            _breaker(tx, config, delivery.endpoint_id, error is None, now)
        tx.commit()
    return error is None


def _breaker(tx: Any, config: NotifyConfig, endpoint_id: int, ok: bool, now: datetime) -> None:
    """Count an endpoint's failures in a row; pause it once they reach ``config.breaker_after``."""
    if ok:
        tx.connection.execute(sa.update(EP).where(EP.c.id == endpoint_id).values(failures=0, paused_until=None))
        return
    failures = int(tx.connection.execute(sa.update(EP).where(EP.c.id == endpoint_id)
                                         .values(failures=EP.c.failures + 1).returning(EP.c.failures)).scalar_one())
    pause = config.breaker_pause(failures)
    if pause is not None:
        tx.connection.execute(sa.update(EP).where(EP.c.id == endpoint_id).values(paused_until=now + pause))


def send(config: NotifyConfig, delivery: Any, now: datetime) -> None:
    """Hand one delivery to its channel; raises :class:`DeliveryFailed`."""
    data = dict(delivery.data or {})
    if delivery.channel == EMAIL:
        if config.smtp is None:
            raise DeliveryFailed("отправка почты не настроена (OPORA_SMTP_HOST)")
        if delivery.kind == DIGEST_KIND:
            context = data
            template = "digest"
        else:
            context = {"title": delivery.title, "facts": data.get("facts", []), "link": data.get("link", ""),
                       "kind_title": kind_of(delivery.kind).title}
            template = "notice"
        mail = email.render(template, delivery.address, delivery.key, config.base_url, context)
        email.send(config.smtp, mail, now)
    elif delivery.channel == WEBHOOK:
        if not delivery.active:
            raise DeliveryFailed("приёмник отключён администратором", permanent=True)
        link = data.get("link", "")
        body = webhooks.encode({
            "id": delivery.key, "kind": delivery.kind, "created_at": delivery.created_at.isoformat(),
            "case_id": delivery.case_id, "url": f"{config.base_url}{link}" if link else None,
            "title": delivery.title, "text": delivery.body,
            "facts": [{"label": label, "value": value} for label, value in data.get("facts", [])],
            "data": data.get("payload", {})})
        try:
            secret = config.sealer.open(delivery.secret or "")
        except SealingFailed as exc:
            raise DeliveryFailed(str(exc), permanent=True) from exc
        webhooks.post(delivery.address, secret, body, key=delivery.key, kind=delivery.kind,
                      timeout=config.send_timeout, allow_hosts=config.allow_hosts)
    else:
        raise DeliveryFailed(f"неизвестный канал {delivery.channel}", permanent=True)
