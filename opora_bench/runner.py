"""``opora bench``: runs the benchmarks whose key starts with one of the groups, one JSON line each."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from api.db_schema import upgrade
from api.settings import Settings
from engine.calendar import load_calendar
from engine.database import Database
from opora_bench import audit as audit_bench
from opora_bench import auth as auth_bench
from opora_bench import engine as engine_bench
from opora_bench import http as http_bench
from opora_bench import load as load_bench
from opora_bench import obligations as obligations_bench
from opora_bench import people as people_bench
from opora_bench import process as process_bench
from opora_bench import statistics as statistics_bench


def _all() -> dict[str, Callable[..., Any]]:
    found: dict[str, Callable[..., Any]] = dict(engine_bench.BENCHMARKS)
    found.update(process_bench.BENCHMARKS)
    found.update(http_bench.BENCHMARKS)
    found.update(statistics_bench.BENCHMARKS)
    found.update(load_bench.BENCHMARKS)
    found.update(audit_bench.BENCHMARKS)
    found.update(auth_bench.BENCHMARKS)
    found.update(people_bench.BENCHMARKS)
    found.update(obligations_bench.BENCHMARKS)
    return found


def run_benchmarks(groups: Sequence[str], *, quick: bool = False) -> int:
    scale = 0.1 if quick else 1.0
    settings = Settings()
    calendar = load_calendar(settings.calendar, timezone=settings.timezone)
    selected = [(k, fn) for k, fn in _all().items() if not groups or any(k.startswith(g) for g in groups)]
    if not selected:
        print(f"Нет замеров для групп: {', '.join(groups)}", file=sys.stderr)
        return 2

    def migrate(db: Database) -> None:
        upgrade(db)

    for key, fn in selected:
        found = fn(migrate, calendar, scale)
        for result in found if isinstance(found, list) else [found]:  # some benchmarks print several lines
            result.setdefault("bench", key)
            result["quick"] = quick
            print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0
