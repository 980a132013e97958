"""Settings from the environment (``OPORA_*``), with defaults that run the demo on SQLite."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from workflows import DEFAULT_CALENDAR, WORKFLOWS_DIR


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


@dataclass
class Settings:
    database_url: str = field(default_factory=lambda: _env("OPORA_DATABASE_URL", "sqlite:///opora.db"))
    timezone: str = field(default_factory=lambda: _env("OPORA_TIMEZONE", "Asia/Yekaterinburg"))
    workflows_dir: Path = field(default_factory=lambda: Path(_env("OPORA_WORKFLOWS_DIR", str(WORKFLOWS_DIR))))
    calendar_file: Path = field(default_factory=lambda: Path(_env("OPORA_CALENDAR", str(DEFAULT_CALENDAR))))
    sweep_seconds: float = field(default_factory=lambda: float(_env("OPORA_SWEEP_SECONDS", "30")))
    lateness_minutes: float = field(default_factory=lambda: float(_env("OPORA_LATENESS_MINUTES", "5")))
    # notifications (issue 5): e-mail over SMTP (no host: e-mail is off), links in letters, digest, delivery tick
    smtp_host: str = field(default_factory=lambda: _env("OPORA_SMTP_HOST", ""))
    smtp_port: int = field(default_factory=lambda: int(_env("OPORA_SMTP_PORT", "25")))
    #: none | starttls | ssl
    smtp_tls: str = field(default_factory=lambda: _env("OPORA_SMTP_TLS", "none"))
    smtp_user: str = field(default_factory=lambda: _env("OPORA_SMTP_USER", ""))
    smtp_password: str = field(default_factory=lambda: _env("OPORA_SMTP_PASSWORD", ""))
    smtp_from: str = field(default_factory=lambda: _env("OPORA_SMTP_FROM", "Опора <noreply@opora.local>"))
    base_url: str = field(default_factory=lambda: _env("OPORA_BASE_URL", "http://127.0.0.1:8000"))
    #: local time (the region's zone) of the daily digest, HH:MM
    digest_time: str = field(default_factory=lambda: _env("OPORA_DIGEST_TIME", "08:00"))
    notify_seconds: float = field(default_factory=lambda: float(_env("OPORA_NOTIFY_SECONDS", "10")))
    # audit anchors: the signing key is a secret of the deployment and never goes into the database
    audit_key: str = field(default_factory=lambda: _env("OPORA_AUDIT_KEY", ""), repr=False)
    #: earlier signing keys, comma-separated, that still check the anchors they signed (after a rotation)
    audit_old_keys: str = field(default_factory=lambda: _env("OPORA_AUDIT_OLD_KEYS", ""), repr=False)
    #: the append-only anchors file; empty: next to the SQLite file (opora.anchors.jsonl), else in the working folder
    audit_anchors: str = field(default_factory=lambda: _env("OPORA_AUDIT_ANCHORS", ""))
