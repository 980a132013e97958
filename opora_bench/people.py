"""``api.people_search``: the people register searched by part of a surname over HTTP.

``scale × 100,000`` people are loaded in bulk into the real schema of a SQLite file (one territory, release
dates over two years, addresses, a family member per ten people); the real app runs under uvicorn and a
resource-centre specialist searches by the first three to five letters of a surname (with ё, upper case),
sorted by release date — as on the start page. Target: p95 ≤ 50 ms.
"""

from __future__ import annotations

import json
import random
import sqlite3
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote

from api.bootstrap import bootstrap
from api.settings import Settings
from cases.directory import add_organisation, add_territory, add_user
from cases.names import name_key
from cases.passwords import hash_password
from cases.simulation import BOYS, SURNAMES
from engine.calendar import ProductionCalendar
from engine.database import Database
from opora_bench.engine import Migrate, _temp_dir
from opora_bench.http import _token, serve, timed_gets

PEOPLE = 100_000
TARGET_MS = 50


def _load(path: str, org_id: int, user_id: int, count: int, seed: int) -> None:
    rng = random.Random(seed)
    now = datetime(2025, 3, 3, 4, tzinfo=UTC).isoformat(sep=" ")
    rows = []
    for i in range(count):
        last, first = rng.choice(SURNAMES), rng.choice(BOYS)
        middle = rng.choice(BOYS) + "ович"
        release = date(2024, 1, 1) + timedelta(days=rng.randrange(730))
        rows.append((i + 1, "bench", last, first, middle, None, name_key(last, first, middle), "to_release",
                     release.isoformat(), f"г. Сургут, ул. Мира, д. {rng.randrange(1, 200)}", "ФКУ ИК-11",
                     (i // 10) * 10 + 1 if i % 10 == 9 else None, "spouse" if i % 10 == 9 else "", org_id, user_id,
                     now, now, None))
    conn = sqlite3.connect(path)
    conn.executemany("INSERT INTO adult_person (id, territory, last_name, first_name, middle_name, birth_date, "
                     "name_key, category, release_date, intended_address, penal_institution, head_id, relation, "
                     "org_id, created_by, created_at, updated_at, case_id) VALUES "
                     "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()


def bench_people_search(migrate: Migrate, calendar: ProductionCalendar, scale: float) -> dict[str, Any]:
    count = max(1000, int(PEOPLE * scale))
    with _temp_dir() as folder:
        url = f"sqlite:///{folder / 'people.db'}"
        db = Database(url)
        migrate(db)
        container = bootstrap(Settings(database_url=url), db=db, migrate=False)
        with db.unit_of_work() as tx:
            add_territory(tx, "bench", "Сургутский район")
            org = add_organisation(tx, "bench", "rc", "Центр социальной адаптации")
            user = add_user(tx, login="rc", password="", full_name="Специалист", org=org, roles=["rc_specialist"],
                            now=datetime(2025, 3, 3, tzinfo=UTC), password_hash=hash_password("бенчмарк-пароль"))
            tx.commit()
        began = time.perf_counter()
        _load(str(folder / "people.db"), int(org.id), int(user.id), count, seed=1)  # type: ignore[arg-type]
        load_seconds = time.perf_counter() - began
        token = _token(container, int(user.id))  # type: ignore[arg-type]
        rng = random.Random(2)
        paths = []
        for _ in range(320):
            surname = rng.choice(SURNAMES)
            part = surname[: rng.randint(3, 5)].replace("е", "ё").upper()
            paths.append(f"/api/v1/people?q={quote(part)}&sort=release_date")
        latencies: list[float] = []
        errors, totals = 0, []
        try:
            with serve(container) as base:
                for i, (elapsed, status, body) in enumerate(timed_gets(base, token, paths)):
                    if i < 20:  # warm-up
                        continue
                    latencies.append(elapsed)
                    if status != 200:
                        errors += 1
                    else:
                        totals.append(json.loads(body)["total"])
        finally:
            container.close()
    latencies.sort()
    return {"bench": "api.people_search", "people": count, "requests": len(latencies), "errors": errors,
            "median_matches": int(statistics.median(totals)) if totals else 0,
            "p50_ms": round(statistics.median(latencies) * 1000, 2),
            "p95_ms": round(latencies[max(0, int(len(latencies) * 0.95) - 1)] * 1000, 2),
            "target_p95_ms": TARGET_MS, "load_seconds": round(load_seconds, 1)}


BENCHMARKS = {"api.people_search": bench_people_search}
