"""``engine.obligations``: a year of the reporting calendar of 500 organisations (every obligation's due day with
its rules resolved on the production calendar). Target: ≤ 2 s.

``engine.obligations_open``: the sweep opening the current and next periods of those 500 organisations' reports as
stored obligations (a fresh database: every row inserted with its workflow instance, deadline and escalation
steps), then the same sweep again (nothing to open: what every later tick costs). Target: ≤ 2 s for the first.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from cases.obligation_work import open_at
from cases.obligations import sweep_year
from cases.tables import Organisation, Territory
from cases.vocabulary import build_vocabulary
from engine.calendar import ProductionCalendar
from engine.catalog import Catalog
from engine.clock import FixedClock
from engine.database import Database
from engine.runtime import Runtime
from engine.tables import table_of
from workflows import WORKFLOWS_DIR

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


def bench_opening(migrate: Callable[..., Any], calendar: ProductionCalendar, scale: float) -> dict[str, Any]:
    count = max(50, int(500 * scale))
    folder = Path(tempfile.mkdtemp(prefix="opora-bench-obligations-"))
    try:
        db = Database(f"sqlite:///{folder / 'obligations.db'}")
        migrate(db)
        with db.unit_of_work() as tx:
            tx.connection.execute(sa.insert(table_of(Territory)).values(code="bench", name="Замер"))
            tx.connection.execute(sa.insert(table_of(Organisation)), [
                {"territory": "bench", "kind": ("uso", "provider", "guardianship", "rc", "rcrso")[i % 5],
                 "name": f"Организация {i}", "short_name": f"Организация {i}", "address": "", "phone": "",
                 "head_name": ""} for i in range(count)])
            tx.commit()
        vocabulary = build_vocabulary()
        catalog = Catalog(vocabulary)
        catalog.load_directory(WORKFLOWS_DIR)
        runtime = Runtime(catalog, vocabulary, calendar, FixedClock(datetime(2025, 3, 3, 4, 0, tzinfo=UTC)))
        began = time.perf_counter()
        opened = open_at(db, runtime)
        first = time.perf_counter() - began
        began = time.perf_counter()
        again = open_at(db, runtime)
        second = time.perf_counter() - began
        db.dispose()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"bench": "engine.obligations_open", "organisations": count, "opened": opened, "opened_again": again,
            "seconds": round(first, 3), "again_seconds": round(second, 3), "target_seconds": 2}


BENCHMARKS = {"engine.obligations": bench_obligations, "engine.obligations_open": bench_opening}
