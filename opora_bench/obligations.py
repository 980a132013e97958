"""``engine.obligations``: a year of the reporting calendar of 500 organisations (every obligation's due day with
its rules resolved on the production calendar). Target: ≤ 2 s."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from cases.obligations import sweep_year
from engine.calendar import ProductionCalendar

KINDS = ("uso", "provider", "guardianship", "rc")


def bench_obligations(migrate: Callable[..., Any], calendar: ProductionCalendar, scale: float) -> dict[str, Any]:
    count = max(50, int(500 * scale))
    organisations = [(i, KINDS[i % len(KINDS)]) for i in range(count)]
    timings = []
    total = 0
    for _ in range(3):
        began = time.perf_counter()
        total = sweep_year(organisations, 2025, calendar)
        timings.append(time.perf_counter() - began)
    return {"bench": "engine.obligations", "organisations": count, "obligations": total,
            "seconds": round(min(timings), 3), "target_seconds": 2}


BENCHMARKS = {"engine.obligations": bench_obligations}
