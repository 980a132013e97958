"""Webhook endpoints and the delivery log, kept by the administrator of a territory.

Only administrators (``cases.access.can_administer``) see and change them, and only their own
territory's: an endpoint receives the events of that territory's cases, and the log lists the
e-mails and webhooks sent there with every attempt. The secret is shown once, when the
endpoint is added, and stored encrypted (:mod:`notifications.sealing`); the URL must point to a
public address (:func:`notifications.webhooks.check_target`), checked before the transaction opens.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import sqlalchemy as sa

from cases import access
from cases.errors import Forbidden, InputInvalid, NotFound
from cases.principal import Principal
from cases.services import Services
from engine.database import UnitOfWork
from engine.tables import table_of
from notifications import webhooks
from notifications.config import NotifyConfig
from notifications.errors import SealingFailed, TargetRefused
from notifications.kinds import EMAIL, KINDS, WEBHOOK, kind_of
from notifications.tables import Delivery, DeliveryAttempt, Notification, WebhookEndpoint

EP, DV, AT, NT = (table_of(t) for t in (WebhookEndpoint, Delivery, DeliveryAttempt, Notification))
STATUS_TITLES = {"pending": "ожидает отправки", "sent": "доставлено", "failed": "не доставлено",
                 "skipped": "пропущено", "queued": "в сводке"}


@dataclass(frozen=True)
class EndpointView:
    id: int
    name: str
    url: str
    kinds: list[str]
    active: bool
    secret_hint: str
    created_at: datetime
    sent: int
    waiting: int
    failed: int


@dataclass(frozen=True)
class AttemptView:
    number: int
    at: datetime
    ok: bool
    detail: str


@dataclass(frozen=True)
class DeliveryView:
    id: int
    key: str
    channel: str
    target: str
    kind: str
    kind_title: str
    title: str
    status: str
    status_title: str
    attempts: int
    last_error: str
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime | None
    tries: list[AttemptView]


def require_admin(p: Principal) -> None:
    if not access.can_administer(p):
        raise Forbidden("Раздел доступен только администратору")


def endpoints(tx: UnitOfWork, svc: Services, p: Principal) -> list[EndpointView]:
    """The territory's endpoints with their delivery counts."""
    require_admin(p)
    counts: dict[tuple[int, str], int] = {}
    for endpoint_id, status, n in tx.connection.execute(
            sa.select(DV.c.endpoint_id, DV.c.status, sa.func.count()).join(EP, EP.c.id == DV.c.endpoint_id)
            .where(EP.c.territory == p.territory).group_by(DV.c.endpoint_id, DV.c.status)):
        counts[(endpoint_id, status)] = int(n)
    rows = tx.connection.execute(sa.select(EP).where(EP.c.territory == p.territory).order_by(EP.c.id)).all()
    return [EndpointView(r.id, r.name, r.url, list(r.kinds or []), r.active, "зашифрован", r.created_at,
                         counts.get((r.id, "sent"), 0), counts.get((r.id, "pending"), 0),
                         counts.get((r.id, "failed"), 0)) for r in rows]


def register(svc: Services, p: Principal, config: NotifyConfig, *, name: str, url: str, kinds: Sequence[str],
             secret: str = "") -> tuple[int, str]:
    """Check the URL's addresses (DNS, no transaction open), then add the endpoint; its id and secret.

    Raises Forbidden (not an administrator) and InputInvalid (see :func:`add_endpoint`; ``url`` also for
    an address inside the network).
    """
    require_admin(p)
    try:
        webhooks.check_target(url.strip(), config.allow_hosts)
    except TargetRefused as exc:
        if urlsplit(url.strip()).scheme in ("http", "https"):
            raise InputInvalid({"url": str(exc)}) from None
    return svc.execute(add_endpoint, p, name=name, url=url, kinds=kinds, secret=secret, config=config)


def add_endpoint(tx: UnitOfWork, svc: Services, p: Principal, *, name: str, url: str, kinds: Sequence[str],
                 secret: str = "", config: NotifyConfig) -> tuple[int, str]:
    """Add an endpoint for the administrator's territory; return its id and secret (generated when empty).

    Raises InputInvalid (per field) for an empty name, a URL that is not http(s), an unknown
    kind, a secret shorter than 16 characters, or no encryption key. Call :func:`register`, which
    first checks where the URL points.
    """
    require_admin(p)
    name, url, secret = name.strip(), url.strip(), secret.strip()
    errors: dict[str, str] = {}
    if not name or len(name) > 120:
        errors["name"] = "укажите название (до 120 символов)"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 500 or any(c.isspace() for c in url):
        errors["url"] = "укажите адрес http:// или https:// (до 500 символов)"
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        errors["kinds"] = "неизвестные виды уведомлений: " + ", ".join(unknown)
    if secret and not 16 <= len(secret) <= 200:
        errors["secret"] = "секрет — от 16 до 200 символов (или оставьте пустым, он будет создан)"
    if errors:
        raise InputInvalid(errors)
    secret = secret or secrets.token_hex(24)
    try:
        sealed = config.sealer.seal(secret)
    except SealingFailed as exc:
        raise InputInvalid({"secret": str(exc)}) from None
    now = svc.runtime.clock.now()
    new_id = tx.connection.execute(sa.insert(EP).returning(EP.c.id).values(
        territory=p.territory, name=name, url=url, secret=sealed, kinds=sorted(set(kinds)), active=True,
        created_by=p.user_id, created_at=now, updated_at=now)).scalar_one()
    return int(new_id), secret


def set_active(tx: UnitOfWork, svc: Services, p: Principal, endpoint_id: int, active: bool) -> None:
    """Switch an endpoint on or off (its pending deliveries fail once it is off)."""
    require_admin(p)
    changed = tx.connection.execute(sa.update(EP).where(EP.c.id == endpoint_id, EP.c.territory == p.territory)
                                    .values(active=active, updated_at=svc.runtime.clock.now(), failures=0,
                                            paused_until=None)).rowcount
    if not changed:
        raise NotFound("Приёмник")


def retry(tx: UnitOfWork, svc: Services, p: Principal, delivery_id: int) -> None:
    """Try a failed e-mail or webhook once more, now (closing its endpoint's circuit breaker)."""
    require_admin(p)
    changed = tx.connection.execute(
        sa.update(DV).where(DV.c.id == delivery_id, DV.c.status == "failed", DV.c.channel.in_((EMAIL, WEBHOOK)),
                            DV.c.notification_id.in_(sa.select(NT.c.id).where(NT.c.territory == p.territory)))
        .values(status="pending", next_attempt_at=svc.runtime.clock.now())).rowcount
    if not changed:
        raise NotFound("Неотправленное уведомление")
    # the administrator says the receiver works again: its circuit breaker closes
    tx.connection.execute(sa.update(EP).where(EP.c.id == sa.select(DV.c.endpoint_id).where(
        DV.c.id == delivery_id).scalar_subquery()).values(failures=0, paused_until=None))


def recent_deliveries(tx: UnitOfWork, svc: Services, p: Principal, *, failed_only: bool = False,
                      limit: int = 50) -> list[DeliveryView]:
    """The territory's latest e-mails and webhooks, newest first, each with its attempts."""
    require_admin(p)
    query = (sa.select(DV.c.id, DV.c.key, DV.c.channel, DV.c.address, DV.c.status, DV.c.attempts, DV.c.last_error,
                       DV.c.created_at, DV.c.sent_at, DV.c.next_attempt_at, NT.c.kind, NT.c.title,
                       EP.c.name.label("endpoint"))
             .join(NT, NT.c.id == DV.c.notification_id).outerjoin(EP, EP.c.id == DV.c.endpoint_id)
             .where(NT.c.territory == p.territory, DV.c.channel.in_((EMAIL, WEBHOOK))))
    if failed_only:
        query = query.where(DV.c.status == "failed")
    rows = tx.connection.execute(query.order_by(DV.c.id.desc()).limit(limit)).all()
    tries: dict[int, list[AttemptView]] = {}
    if rows:
        for a in tx.connection.execute(sa.select(AT).where(AT.c.delivery_id.in_([r.id for r in rows]))
                                       .order_by(AT.c.delivery_id, AT.c.number)):
            tries.setdefault(a.delivery_id, []).append(AttemptView(a.number, a.at, a.ok, a.detail))
    return [DeliveryView(r.id, r.key, r.channel, r.endpoint or r.address, r.kind, kind_of(r.kind).title, r.title,
                         r.status, STATUS_TITLES.get(r.status, r.status), r.attempts, r.last_error, r.created_at,
                         r.sent_at, r.next_attempt_at, tries.get(r.id, [])) for r in rows]
