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

from cases.demo import DEMO_PASSWORD, build_municipality
from cases.demo_novgorod import build_novgorod
from cases.passwords import hash_password
from cases.services import Services
from cases.simulation import Driver, spread, working_days
from cases.simulation_district import RegionalDriver
from cases.vocabulary import build_vocabulary
from engine.calendar import ProductionCalendar
from engine.catalog import Catalog
from engine.clock import FixedClock
from engine.database import Database
from engine.runtime import Runtime
from workflows import WORKFLOWS_DIR

YEAR_START, YEAR_END = date(2024, 1, 9), date(2024, 12, 28)


def simulate_year(db: Database, calendar: ProductionCalendar, reports: int, seed: int,
                  workflows_dir: Path = WORKFLOWS_DIR, profile: str = "yugra") -> dict[str, Any]:
    """Run ``reports`` reports through 2024's working days; return the counters and the time it took.

    ``profile="novgorod"`` adds the Novgorod municipality (the district commission's workflow) beside the Yugra one:
    a fifth of the reports arrive there.
    """
    vocabulary = build_vocabulary()
    catalog = Catalog(vocabulary)
    catalog.load_directory(workflows_dir)
    clock = FixedClock(datetime.combine(YEAR_START, dtime(9, 0), tzinfo=calendar.zone))
    runtime = Runtime(catalog, vocabulary, calendar, clock)
    svc = Services(db, runtime)
    with db.unit_of_work() as tx:
        catalog.publish(tx, clock.now())
        cast = build_municipality(tx, clock.now()).cast
        district = None
        if profile == "novgorod":
            novgorod, _ = build_novgorod(tx, clock.now(), DEMO_PASSWORD, hash_password(DEMO_PASSWORD), catalog)
            district = RegionalDriver(svc, novgorod, clock, random.Random(seed + 1))
        tx.commit()
    rng = random.Random(seed)
    driver = Driver(svc, cast, clock, rng)
    drivers = [(driver, reports - reports // 5), (district, reports // 5)] if district else [(driver, reports)]
    days = working_days(calendar, YEAR_START, YEAR_END)
    plans = [(who, spread(n, len(days), rng)) for who, n in drivers]
    began = time.perf_counter()
    for i, day in enumerate(days):
        for who, plan in plans:
            who.run_day(day, plan[i])
    seconds = time.perf_counter() - began
    counters: dict[str, int] = {}
    for who, _ in plans:
        for key, value in who.counters.items():
            counters[key] = counters.get(key, 0) + value
    return {"reports": counters.get("reports", 0), "seconds": round(seconds, 2), "profile": profile,
            "transitions": counters.get("transitions", 0), "days": len(days), **{
                k: v for k, v in sorted(counters.items()) if k not in ("reports", "transitions")}}


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
