"""``opora bench auth``: a wrong password costs as much for an unknown login as for a known one.

``auth.login_timing``: median time of a failed login (the throttle's count, argon2, the attempt's record)
for an existing login and for one that does not exist, taking turns, each try from its own address so the
throttle never answers first. The two medians should be within a few per cent: a login's existence does not show.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from api import auth
from cases.directory import add_organisation, add_territory, add_user
from engine.calendar import ProductionCalendar
from engine.database import Database

Migrate = Callable[[Database], None]


def _medians_ms(db: Database, logins: tuple[str, ...], tries: int, now: datetime) -> list[float]:
    """The median failed login of each login, the logins taking turns (a busy machine slows them alike)."""
    timings: list[list[float]] = [[] for _ in logins]
    for n in range(tries):
        for login, times in zip(logins, timings, strict=True):
            started = time.perf_counter()
            with suppress(auth.NotAuthenticated):
                auth.authenticate(db, login, "wrong-password-for-the-bench", f"10.99.{n // 250}.{n % 250}", now)
            times.append((time.perf_counter() - started) * 1000)
    return [statistics.median(times) for times in timings]


def bench_login_timing(migrate: Migrate, calendar: ProductionCalendar, scale: float) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="opora-bench-auth-"))
    db = Database(f"sqlite:///{folder / 'auth.db'}")
    try:
        migrate(db)
        now = datetime(2025, 3, 3, 4, 0, tzinfo=UTC)
        with db.unit_of_work() as tx:
            add_territory(tx, "t", "Территория")
            org = add_organisation(tx, "t", "guardianship", "Опека", "Опека")
            add_user(tx, login="known", password="a-long-bench-password", full_name="Иванова Анна", org=org,
                     roles=["guardianship"], now=now)
            tx.commit()
        tries = max(5, int(40 * scale))
        _medians_ms(db, ("known", "warm-up"), 2, now)
        known, unknown = _medians_ms(db, ("known", "nobody"), tries, now)
        return {"bench": "auth.login_timing", "tries": tries, "known_ms": round(known, 1),
                "unknown_ms": round(unknown, 1), "ratio": round(unknown / known, 3), "target": "ratio ≥ 0.8"}
    finally:
        db.dispose()
        shutil.rmtree(folder, ignore_errors=True)


BENCHMARKS: dict[str, Callable[..., dict[str, Any]]] = {"auth.login_timing": bench_login_timing}
