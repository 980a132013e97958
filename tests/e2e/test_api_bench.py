"""The HTTP benchmarks run end to end at a tiny size: the data loads, the server answers, nothing fails.

No timing is asserted here (that is what ``opora bench api`` reports); only that the benchmark measures
real, successful answers for the users it acts as.
"""

from __future__ import annotations

import pytest

from api.db_schema import upgrade
from api.settings import Settings
from engine.calendar import load_calendar
from opora_bench import http as bench_http

SCALE = 0.002  # 200 cases


@pytest.mark.parametrize("key", sorted(bench_http.BENCHMARKS))
def test_benchmark_runs_at_a_tiny_size_without_errors(key: str) -> None:
    settings = Settings()
    calendar = load_calendar(settings.calendar, timezone=settings.timezone)
    result = bench_http.BENCHMARKS[key](upgrade, calendar, SCALE)
    assert result["bench"] == key and result["cases"] == 200
    assert result["errors"] == 0 and result["requests"] == 20
    assert result["total"] >= 1 and 1 <= result["items"] <= 50  # the caller's cases or overdue deadlines
    assert 0 < result["p50_ms"] <= result["p95_ms"] <= result["p99_ms"]
    assert result["target_p95_ms"] == {"api.worklist": 50, "api.overdue": 150}[key]
