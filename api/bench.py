"""``opora bench``: runs the benchmarks whose key starts with one of the groups, one JSON line each."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from api import bench_auth as auth_bench
from api import bench_http as http_bench
from api import bench_load as load_bench
from api.schema import upgrade
from api.settings import Settings
from cases import bench as process_bench
from cases import reports_bench
from engine import bench as engine_bench
from engine.audit import bench as audit_bench
from engine.calendar import load_calendar
from engine.database import Database


def _all() -> dict[str, Callable[..., Any]]:
    found: dict[str, Callable[..., Any]] = dict(engine_bench.BENCHMARKS)
    found.update(process_bench.BENCHMARKS)
    found.update(http_bench.BENCHMARKS)
    found.update(reports_bench.BENCHMARKS)
    found.update(load_bench.BENCHMARKS)
    found.update(audit_bench.BENCHMARKS)
    found.update(auth_bench.BENCHMARKS)
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
