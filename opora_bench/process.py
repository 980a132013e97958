"""``opora bench process``: a year of synthetic reports through the whole process (``process.year``)."""

from __future__ import annotations

import random
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime
from datetime import time as dtime
from pathlib import Path
from typing import Any

from cases.demo import build_municipality
from cases.services import Services
from cases.simulation import Driver, spread, working_days
from cases.vocabulary import build_vocabulary
from engine.calendar import ProductionCalendar
from engine.catalog import Catalog
from engine.clock import FixedClock
from engine.database import Database
from engine.runtime import Runtime
from workflows import WORKFLOWS_DIR

YEAR_START, YEAR_END = date(2024, 1, 9), date(2024, 12, 28)


def simulate_year(db: Database, calendar: ProductionCalendar, reports: int, seed: int,
                  workflows_dir: Path = WORKFLOWS_DIR) -> dict[str, Any]:
    """Run ``reports`` reports through 2024's working days; return the counters and the time it took."""
    vocabulary = build_vocabulary()
    catalog = Catalog(vocabulary)
    catalog.load_directory(workflows_dir)
    clock = FixedClock(datetime.combine(YEAR_START, dtime(9, 0), tzinfo=calendar.zone))
    runtime = Runtime(catalog, vocabulary, calendar, clock)
    svc = Services(db, runtime)
    with db.unit_of_work() as tx:
        catalog.publish(tx, clock.now())
        cast = build_municipality(tx, clock.now()).cast
        tx.commit()
    rng = random.Random(seed)
    driver = Driver(svc, cast, clock, rng)
    days = working_days(calendar, YEAR_START, YEAR_END)
    began = time.perf_counter()
    for day, count in zip(days, spread(reports, len(days), rng), strict=True):
        driver.run_day(day, count)
    seconds = time.perf_counter() - began
    return {"reports": driver.counters.get("reports", 0), "seconds": round(seconds, 2),
            "transitions": driver.counters.get("transitions", 0), "days": len(days), **{
                k: v for k, v in sorted(driver.counters.items()) if k not in ("reports", "transitions")}}


def bench_process_year(migrate: Callable[[Database], None], calendar: ProductionCalendar, scale: float
                       ) -> dict[str, Any]:
    reports = max(50, int(4628 * scale))
    folder = Path(tempfile.mkdtemp(prefix="opora-bench-"))
    try:
        db = Database(f"sqlite:///{folder / 'year.db'}")
        migrate(db)
        result = simulate_year(db, calendar, reports, seed=1)
        db.dispose()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"bench": "process.year", **result, "target_seconds": 60}


BENCHMARKS = {"process.year": bench_process_year}
