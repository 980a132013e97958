"""The notification jobs: what the server ticks and what ``opora notify`` runs once.

* ``notify`` (every ``OPORA_NOTIFY_SECONDS``, default 10): fan out the outbox
  (:mod:`notifications.fanout`), then send due e-mails and webhooks (:mod:`notifications.delivery`);
* ``notify_daily`` (every minute): from the digest time on, announce tomorrow's KDN meetings
  (:mod:`notifications.agenda`) and write the daily digests (:mod:`notifications.digest`).

APScheduler only ticks; everything lives in the database, so a missed tick is caught up by
the next and a crash loses nothing (see :mod:`notifications.delivery` for the one message that
may be sent twice).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from cases.services import Services
from notifications import agenda, delivery, digest, fanout
from notifications.config import NotifyConfig


@dataclass
class NotifyReport:
    agendas: int = 0
    messages: int = 0
    deliveries: int = 0
    inbox: int = 0
    digests: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def services_of(container: Any) -> Services:
    """The domain's services on the container's database and runtime (the one clock)."""
    return Services(container.db, container.runtime)


#: seconds one fan-out transaction of the server's tick may take (see :func:`notifications.fanout.fan_out`)
TICK_BUDGET = 0.2
#: batches one tick may fan out and send; the next tick goes on (so a tick, and the server's shutdown, is short)
TICK_BATCHES = 25


def tick(svc: Services, config: NotifyConfig, report: NotifyReport | None = None) -> NotifyReport:
    """Fan out the outbox (in short transactions), then send what is due."""
    report = report or NotifyReport()
    fanned = fanout.fan_out(svc, config, budget=TICK_BUDGET, max_batches=TICK_BATCHES)
    report.messages += fanned.messages
    report.deliveries += fanned.deliveries
    report.inbox += fanned.inbox
    sent = delivery.deliver_due(svc, config, max_batches=TICK_BATCHES)
    report.sent += sent.sent
    report.retried += sent.retried
    report.failed += sent.failed
    return report


def daily(svc: Services, config: NotifyConfig, report: NotifyReport | None = None) -> NotifyReport:
    """Announce tomorrow's KDN meetings and write today's digests (both once per day)."""
    report = report or NotifyReport()
    report.agendas += agenda.announce_meetings(svc, config)
    report.digests += digest.send_digests(svc, config)
    return report


def deliver_pending(container: Any, config: NotifyConfig | None = None) -> dict[str, int]:
    """Do everything that is due once (for ``opora notify``): agendas, fan-out, digests, sending.

    Returns the counts: ``agendas`` announced, outbox ``messages`` fanned out into
    ``deliveries`` (``inbox`` of them put in inboxes at once), ``digests`` written, and the
    e-mails/webhooks ``sent``, ``retried`` later and ``failed``.
    """
    svc = services_of(container)
    config = config or NotifyConfig.from_settings(container.settings)
    report = NotifyReport()
    report.agendas += agenda.announce_meetings(svc, config)
    fanned = fanout.fan_out(svc, config)
    report.messages, report.deliveries, report.inbox = fanned.messages, fanned.deliveries, fanned.inbox
    report.digests += digest.send_digests(svc, config)
    sent = delivery.deliver_due(svc, config)
    report.sent, report.retried, report.failed = sent.sent, sent.retried, sent.failed
    return report.as_dict()


def register(container: Any, ticker: Any) -> None:
    """Add the notification jobs to the server's ticker (:class:`engine.scheduler.Ticker`)."""
    svc = services_of(container)
    config = NotifyConfig.from_settings(container.settings)
    ticker.every(config.tick_seconds, "notify", lambda: tick(svc, config))
    ticker.every(min(60.0, config.tick_seconds * 6), "notify_daily", lambda: daily(svc, config))
