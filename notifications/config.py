"""Settings of the notifications, read from the application's settings (``OPORA_SMTP_*`` and others)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time, timedelta
from typing import Any

from notifications.sealing import Sealer

TLS_MODES = ("none", "starttls", "ssl")
#: waits after the 1st, 2nd, … failed attempt; after the last one the delivery is marked failed. Retries go on
#: for about two days, so that a mail server or receiver that is down for a day loses nothing
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
           *[timedelta(hours=6)] * 8)


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 25
    #: none | starttls | ssl
    tls: str = "none"
    user: str = ""
    password: str = ""
    sender: str = "Опора <noreply@opora.local>"
    timeout: float = 15.0


@dataclass(frozen=True)
class NotifyConfig:
    #: None: e-mail is off (no ``OPORA_SMTP_HOST``)
    smtp: SmtpConfig | None = None
    base_url: str = "http://127.0.0.1:8000"
    digest_time: time = time(8, 0)
    tick_seconds: float = 10.0
    #: deliveries one worker takes at a time
    batch_size: int = 20
    #: one overall deadline for a webhook request (``OPORA_WEBHOOK_DEADLINE_SECONDS``)
    send_timeout: float = 10.0
    backoff: tuple[timedelta, ...] = BACKOFF
    max_attempts: int = len(BACKOFF) + 1
    #: internal host names webhooks may go to (``OPORA_WEBHOOK_ALLOW_HOSTS``)
    allow_hosts: tuple[str, ...] = ()
    #: encrypts webhook secrets at rest (``OPORA_SECRET_KEY``); without a key no webhook can be added
    sealer: Sealer = field(default_factory=lambda: Sealer(""))
    #: the circuit breaker: after this many failed requests in a row an endpoint is paused …
    breaker_after: int = 3
    #: … for 1 min, 2 min, 4 min … up to this long, its deliveries waiting (not counted as attempts)
    breaker_max_pause: timedelta = timedelta(hours=1)

    def breaker_pause(self, failures: int) -> timedelta | None:
        """How long an endpoint is paused after ``failures`` failed requests in a row (None: not yet)."""
        if failures < self.breaker_after:
            return None
        return min(timedelta(minutes=1) * 2 ** min(failures - self.breaker_after, 10), self.breaker_max_pause)

    @property
    def lease(self) -> timedelta:
        """How long taken deliveries stay reserved: the batch can be sent even if every try times out."""
        return timedelta(seconds=self.batch_size * self.send_timeout + 60)

    def retry_after(self, attempts: int) -> timedelta | None:
        """The wait after ``attempts`` failed tries, or None when it is time to give up."""
        if attempts >= self.max_attempts:
            return None
        return self.backoff[min(attempts, len(self.backoff)) - 1]

    @classmethod
    def from_settings(cls, settings: Any) -> NotifyConfig:
        """Build from ``api.settings.Settings`` (which has checked the TLS mode and the digest time)."""
        tls = str(getattr(settings, "smtp_tls", "none"))
        host = str(getattr(settings, "smtp_host", "") or "").strip()
        smtp = SmtpConfig(host, int(getattr(settings, "smtp_port", 25)), tls, str(getattr(settings, "smtp_user", "")),
                          str(getattr(settings, "smtp_password", "")),
                          str(getattr(settings, "smtp_from", "") or SmtpConfig.sender)) if host else None
        allow = tuple(h.strip().lower() for h in str(getattr(settings, "webhook_allow_hosts", "")).split(",")
                      if h.strip())
        return cls(smtp=smtp, base_url=str(getattr(settings, "base_url", cls.base_url)).rstrip("/"),
                   digest_time=parse_time(str(getattr(settings, "digest_time", "08:00"))),
                   tick_seconds=float(getattr(settings, "notify_seconds", 10.0)),
                   send_timeout=float(getattr(settings, "webhook_deadline_seconds", 10.0)), allow_hosts=allow,
                   sealer=Sealer(str(getattr(settings, "secret_key", ""))))


def parse_time(value: str) -> time:
    """``HH:MM`` local time; ValueError with a Russian message otherwise."""
    try:
        hours, minutes = value.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"OPORA_DIGEST_TIME: ожидается время ЧЧ:ММ, получено «{value}»") from None
