"""Settings from the environment (``OPORA_*``): one typed, validated object, read once by the composition root.

Every setting has its type, default and description here; ``opora settings`` prints them with their values
(secrets masked) and README's table is generated from them (:func:`markdown_table`, checked by a test). A bad
value stops the program at start with one line naming the variable (:func:`load`).
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.addresses import parse_proxies
from cases.attachment_store import AttachmentStore
from notifications.config import TLS_MODES
from workflows import DEFAULT_CALENDAR, WORKFLOWS_DIR

PREFIX = "OPORA_"


def _secret(description: str) -> Any:
    """A field whose value is never printed (``opora settings`` shows only whether it is set)."""
    return {"description": description, "json_schema_extra": {"secret": True}, "repr": False}


class Settings(BaseSettings):
    """The deployment's settings; each field is the environment variable ``OPORA_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, extra="ignore", validate_default=True)

    # -- storage and the process
    database_url: str = Field(default="sqlite:///opora.db", description="URL базы данных (SQLite или PostgreSQL)")
    timezone: str = Field(default="Asia/Yekaterinburg", description="часовой пояс региона (сроки, даты в актах)")
    workflows_dir: Path = Field(default=WORKFLOWS_DIR, description="папка файлов процессов (*.yaml)")
    calendar: Path = Field(default=DEFAULT_CALENDAR, description="производственный календарь (YAML)")
    sweep_seconds: float = Field(default=30.0, gt=0, description="как часто сервер проверяет наступившие сроки, секунд")
    lateness_minutes: float = Field(default=5.0, ge=0, description="шаг, выполненный позже срока на столько минут, "
                                                           "отмечается как опоздавший")
    # -- notifications: e-mail over SMTP (no host: e-mail is off), links in letters, digest, delivery tick
    smtp_host: str = Field(default="", description="почтовый сервер (пусто — почта не отправляется)")
    smtp_port: int = Field(default=25, ge=1, le=65535, description="порт почтового сервера")
    smtp_tls: str = Field(default="none", description="шифрование SMTP: " + ", ".join(TLS_MODES))
    smtp_user: str = Field(default="", description="имя пользователя SMTP")
    smtp_password: str = Field(default="", **_secret("пароль SMTP"))
    smtp_from: str = Field(default="Опора <noreply@opora.local>", description="отправитель писем")
    base_url: str = Field(default="http://127.0.0.1:8000", description="адрес сайта в ссылках писем и вебхуков")
    digest_time: str = Field(default="08:00", description="время ежедневной сводки (ЧЧ:ММ, время региона)")
    notify_seconds: float = Field(default=10.0, gt=0, description="как часто рассылаются уведомления, секунд")
    # -- audit anchors: the signing key is a secret of the deployment and never goes into the database
    audit_key: str = Field(default="", **_secret("ключ подписи отметок журнала аудита"))
    audit_old_keys: str = Field(default="", **_secret("прежние ключи подписи через запятую (после смены ключа)"))
    audit_anchors: str = Field(default="", description="файл отметок журнала (пусто — рядом с файлом SQLite, "
                                               "иначе opora-anchors.jsonl в рабочей папке)")
    # -- accounts, sessions and personal data (ASVS L2, 152-ФЗ)
    session_idle_minutes: float = Field(default=30.0, gt=0, description="сеанс завершается после стольких минут "
                                                                "без запросов")
    session_max_hours: float = Field(default=12.0, gt=0, description="и в любом случае через столько часов после входа")
    token_days: int = Field(default=90, ge=1, description="срок действия ключа доступа API, дней "
                                                          "(можно выбрать короче)")
    secure_cookies: bool = Field(default=False, description="флаг Secure у cookie и по HTTP (за TLS-прокси)")
    hsts_seconds: int = Field(default=0, ge=0, description="max-age заголовка Strict-Transport-Security (0 — без него; "
                                                   "только для сайта по HTTPS)")
    trusted_proxies: str = Field(default="", description="прокси, чьему X-Forwarded-For верим (адреса или сети "
                                                 "через запятую)")
    secret_key: str = Field(default="", **_secret("ключ шифрования секретов вебхуков (длинный случайный текст)"))
    webhook_allow_hosts: str = Field(default="", description="внутренние имена хостов, куда можно слать вебхуки "
                                                     "(через запятую)")
    webhook_deadline_seconds: float = Field(default=10.0, gt=0, description="общий срок одного запроса вебхука, секунд")
    # -- retention (152-ФЗ ст. 5 ч. 7): days after which records are anonymised or deleted; 0 keeps them
    retention_cases_days: int = Field(default=1825, ge=0, description="хранение закрытых дел, дней (0 — бессрочно)")
    retention_people_days: int = Field(default=1825, ge=0, description="хранение данных людей без открытых дел, дней")
    retention_reports_days: int = Field(default=1825, ge=0, description="хранение сообщений, дней")
    retention_access_log_days: int = Field(default=1095, ge=0, description="хранение журнала доступа, дней")
    retention_login_attempts_days: int = Field(default=90, ge=0, description="хранение попыток входа, дней")
    # -- attachments: files in the database (empty) or in this directory; the largest file accepted
    attachments_dir: str = Field(default="", description="папка файлов, приложенных к делам (пусто — в базе данных)")
    attachment_max_mb: float = Field(default=10.0, gt=0, description="наибольший размер приложенного файла, МБ")

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"неизвестный часовой пояс «{value}»") from None
        return value

    @field_validator("smtp_tls")
    @classmethod
    def _tls(cls, value: str) -> str:
        mode = value.strip().lower() or "none"
        if mode not in TLS_MODES:
            raise ValueError(f"ожидается одно из {', '.join(TLS_MODES)}, получено «{value}»")
        return mode

    @field_validator("digest_time")
    @classmethod
    def _time(cls, value: str) -> str:
        match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", value)
        if match is None or int(match[1]) > 23 or int(match[2]) > 59:
            raise ValueError(f"ожидается время ЧЧ:ММ, получено «{value}»")
        return time(int(match[1]), int(match[2])).strftime("%H:%M")

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: str) -> str:
        parse_proxies(value)  # ValueError naming the bad entry
        return value


    def attachment_store(self) -> AttachmentStore:
        """Where attached files are kept and the size limit (see :mod:`cases.attachments`)."""
        return AttachmentStore(Path(self.attachments_dir) if self.attachments_dir else None,
                               int(self.attachment_max_mb * 1024 * 1024))


class SettingsInvalid(ValueError):
    """A bad ``OPORA_*`` value: one line per problem, each naming the variable."""


#: pydantic's error kinds in Russian (the rest keep pydantic's own message)
_MESSAGES = {
    "int_parsing": "ожидается целое число", "float_parsing": "ожидается число",
    "bool_parsing": "ожидается 1/0, true/false, yes/no", "literal_error": "ожидается одно из: {expected}",
    "greater_than": "должно быть больше {gt}", "greater_than_equal": "должно быть не меньше {ge}",
    "less_than_equal": "должно быть не больше {le}",
}


def _describe(error: Any) -> str:
    name = PREFIX + str(error["loc"][0]).upper() if error["loc"] else PREFIX
    template = _MESSAGES.get(error["type"])
    if error["type"] == "value_error":
        message = str(error["ctx"]["error"])
    elif template is not None:
        message = template.format(**{k: f"{v:g}" if isinstance(v, float) else str(v).replace("'", "")
                                     for k, v in (error.get("ctx") or {}).items()})
    else:
        message = error["msg"]
    given = error.get("input")
    shown = error["type"] != "value_error" and isinstance(given, str | int | float)  # a validator names it
    return f"{name}: {message}" + (f" (получено «{given}»)" if shown else "")


def load(**overrides: Any) -> Settings:
    """The settings from the environment (and ``overrides``); :class:`SettingsInvalid` saying what is wrong."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsInvalid("; ".join(_describe(e) for e in exc.errors())) from None


def from_args(args: argparse.Namespace) -> Settings:
    """The command line's settings: read once per run (``--database-url`` overrides ``OPORA_DATABASE_URL``)."""
    settings = getattr(args, "settings", None)
    if settings is None:
        url = getattr(args, "database_url", None)
        settings = load(**({"database_url": url} if url else {}))
        args.settings = settings
    return settings


# -- describing the settings ------------------------------------------------------------------------------

def described(settings: Settings | None = None) -> Iterator[tuple[str, str, str, str]]:
    """Each setting as (variable, value — masked when secret, default, description)."""
    for name, info in Settings.model_fields.items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        secret = bool(extra.get("secret"))
        default = "" if secret else _shown(info.default)
        value = ""
        if settings is not None:
            current = getattr(settings, name)
            value = ("задан" if current else "не задан") if secret else _shown(current)
        yield PREFIX + name.upper(), value, default, info.description or ""


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Path):
        try:
            return str(value.relative_to(Path.cwd()))
        except ValueError:
            return str(value)
    return str(value)


def markdown_table() -> str:
    """README's table of the settings (``opora settings --markdown``)."""
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for name, _, default, description in described():
        if name in (PREFIX + "WORKFLOWS_DIR", PREFIX + "CALENDAR"):
            default = "(в пакете)"  # a path inside the installed package
        lines.append(f"| `{name}` | {f'`{default}`' if default else '—'} | {description} |")
    return "\n".join(lines) + "\n"
