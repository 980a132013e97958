"""Settings from the environment (``OPORA_*``), with defaults that run the demo on SQLite."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from cases.attachment_store import AttachmentStore
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
    # accounts, sessions and personal data (ASVS L2, 152-FZ)
    #: a session ends after this many minutes without a request (checked with a one-minute stamp)
    session_idle_minutes: float = field(default_factory=lambda: float(_env("OPORA_SESSION_IDLE_MINUTES", "30")))
    #: and in any case this many hours after the login
    session_max_hours: float = field(default_factory=lambda: float(_env("OPORA_SESSION_MAX_HOURS", "12")))
    #: an API token's lifetime when it is issued (the user may choose a shorter one)
    token_days: int = field(default_factory=lambda: int(_env("OPORA_TOKEN_DAYS", "90")))
    #: set the Secure flag on cookies even when the app sees plain HTTP (behind a TLS proxy)
    secure_cookies: bool = field(default_factory=lambda: _env("OPORA_SECURE_COOKIES", "0") in ("1", "true", "yes"))
    #: Strict-Transport-Security max-age in seconds (0: no header); only for a site served over HTTPS
    hsts_seconds: int = field(default_factory=lambda: int(_env("OPORA_HSTS_SECONDS", "0")))
    #: proxies whose X-Forwarded-For is believed (comma-separated addresses or networks, e.g. 10.0.0.5,10.1.0.0/16)
    trusted_proxies: str = field(default_factory=lambda: _env("OPORA_TRUSTED_PROXIES", ""))
    #: the key that encrypts webhook secrets at rest (any long random text; see README)
    secret_key: str = field(default_factory=lambda: _env("OPORA_SECRET_KEY", ""))
    #: internal host names webhooks may be sent to although they resolve to private addresses (comma-separated)
    webhook_allow_hosts: str = field(default_factory=lambda: _env("OPORA_WEBHOOK_ALLOW_HOSTS", ""))
    #: one overall deadline for a webhook request (connect, send, answer), in seconds
    webhook_deadline_seconds: float = field(
        default_factory=lambda: float(_env("OPORA_WEBHOOK_DEADLINE_SECONDS", "10")))
    # retention (152-FZ ст. 5 ч. 7): days after which records are anonymised or deleted; 0 keeps them
    retention_cases_days: int = field(default_factory=lambda: int(_env("OPORA_RETENTION_CASES_DAYS", "1825")))
    retention_people_days: int = field(default_factory=lambda: int(_env("OPORA_RETENTION_PEOPLE_DAYS", "1825")))
    retention_reports_days: int = field(default_factory=lambda: int(_env("OPORA_RETENTION_REPORTS_DAYS", "1825")))
    retention_access_log_days: int = field(
        default_factory=lambda: int(_env("OPORA_RETENTION_ACCESS_LOG_DAYS", "1095")))
    retention_login_attempts_days: int = field(
        default_factory=lambda: int(_env("OPORA_RETENTION_LOGIN_ATTEMPTS_DAYS", "90")))
    # attachments: files in the database (empty) or in this directory; the largest file accepted, in MB
    attachments_dir: str = field(default_factory=lambda: _env("OPORA_ATTACHMENTS_DIR", ""))
    attachment_max_mb: float = field(default_factory=lambda: float(_env("OPORA_ATTACHMENT_MAX_MB", "10")))

    def attachment_store(self) -> AttachmentStore:
        """Where attached files are kept and the size limit (see :mod:`cases.attachments`)."""
        return AttachmentStore(Path(self.attachments_dir) if self.attachments_dir else None,
                               int(self.attachment_max_mb * 1024 * 1024))
