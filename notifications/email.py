"""E-mail: the only module that speaks SMTP (stdlib ``smtplib``).

Letters are rendered from the Jinja2 templates in ``notifications/templates/`` — a Russian
subject, a plain-text body and a simple HTML alternative, each with a link to the case
(``{base_url}/cases/{id}``). The ``Message-ID`` is derived from the delivery's unique key, so
the one letter a crash may send twice (see ``notifications.delivery``) carries the same
Message-ID both times and mail clients show it once.

SMTP errors are translated here, once: a 5xx refusal of the sender, recipient or data is
permanent (:class:`DeliveryFailed` with ``permanent=True``); everything else — 4xx, a refused
login, a connection that failed or timed out — is retried.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape

from cases.names import plural
from notifications.config import SmtpConfig
from notifications.errors import DeliveryFailed

TEMPLATES = Path(__file__).resolve().parent / "templates"
_env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(("html.j2",)),
                   trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
_env.globals["plural"] = plural


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str
    message_id: str


def message_id(key: str, base_url: str) -> str:
    """A stable Message-ID for a delivery key: ``<sha256-prefix@host of base_url>``."""
    host = urlsplit(base_url).hostname or "opora.local"
    return f"<{hashlib.sha256(key.encode('utf-8')).hexdigest()[:40]}@{host}>"


def render(template: str, to: str, key: str, base_url: str, context: dict[str, Any]) -> Mail:
    """Render ``<template>.subject.j2`` / ``.txt.j2`` / ``.html.j2`` with ``context`` and ``base_url``."""
    ctx = {**context, "base_url": base_url.rstrip("/")}
    subject = " ".join(_env.get_template(f"{template}.subject.j2").render(ctx).split())
    return Mail(to, subject, _env.get_template(f"{template}.txt.j2").render(ctx),
                _env.get_template(f"{template}.html.j2").render(ctx), message_id(key, base_url))


def build(config: SmtpConfig, mail: Mail, now: datetime) -> MIMEMultipart:
    """The letter: plain text and HTML alternatives, UTF-8.

    Built with the classic ``email.mime`` classes and ``Header``: the newer ``EmailMessage`` folds
    long Cyrillic subjects into encoded words and drops the space at some fold points.
    """
    msg = MIMEMultipart("alternative")
    msg["Subject"] = Header(mail.subject, "utf-8")  # type: ignore[assignment]  # a Header is allowed
    msg["From"] = formataddr(parseaddr(config.sender), charset="utf-8")
    msg["To"] = mail.to
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = mail.message_id
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to notifications
    msg.attach(MIMEText(mail.text, "plain", "utf-8"))
    msg.attach(MIMEText(mail.html, "html", "utf-8"))
    return msg


def send(config: SmtpConfig, mail: Mail, now: datetime) -> None:
    """Hand the letter to the SMTP server; raises :class:`DeliveryFailed`."""
    msg = build(config, mail, now)
    try:
        if config.tls == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout,
                                                    context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        with client:
            if config.tls == "starttls":
                client.starttls(context=ssl.create_default_context())
            if config.user:
                client.login(config.user, config.password)
            client.send_message(msg)
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()), (0, b""))
        raise DeliveryFailed(f"SMTP {code}: {_text(text)}", permanent=code >= 500) from exc
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryFailed(f"SMTP {exc.smtp_code}: вход не выполнен: {_text(exc.smtp_error)}") from exc
    except smtplib.SMTPResponseException as exc:
        raise DeliveryFailed(f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}", permanent=exc.smtp_code >= 500) \
            from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryFailed(f"SMTP: {type(exc).__name__}: {exc}") from exc


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
