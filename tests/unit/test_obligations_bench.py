"""The obligations' benchmarks run at a small scale and keep their targets."""

from __future__ import annotations

from api.db_schema import upgrade
from api.settings import Settings
from engine.calendar import load_calendar
from opora_bench import obligations


def test_opening_is_idempotent_and_within_its_target() -> None:
    settings = Settings()
    calendar = load_calendar(settings.calendar, timezone=settings.timezone)
    result = obligations.bench_opening(upgrade, calendar, 0.1)
    assert result["opened"] > 0 and result["opened_again"] == 0
    assert result["seconds"] <= result["target_seconds"]
