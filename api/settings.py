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
