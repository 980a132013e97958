"""``api.people_search``: the people register searched by any part of a surname over HTTP.

``scale × 100,000`` people are loaded in bulk into the real schema of a SQLite file (one territory, release
dates over two years, addresses, a family member per ten people; the triggers fill the trigram table); the real
app runs under uvicorn and a resource-centre specialist searches by three to five letters of a surname — its
beginning (with ё, upper case) or from its second or third letter — sorted by release date, as on the start page.
Target: p95 ≤ 50 ms.

Then, on the same database and in the same run, the register's two queries (the page and the count) are timed
without HTTP for the same words, alternately through the trigram index and as a plain ``LIKE '%…%'`` over the
territory's people: the ratio of the two tells what the index gives on a machine whose load varies.
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
from cases.people_register import RegisterQuery, page_select
from cases.principal import Principal
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
    # the load went through the write-ahead log (the trigram table's segments many times over): a server that has
    # run for a while has checkpointed it, and every page read of a long log looks it up in the log's index first
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def _words(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    found = []
    for i in range(count):
        surname = rng.choice(SURNAMES)
        start = 0 if i % 2 == 0 else rng.randint(1, 2)
        found.append(surname[start: start + rng.randint(3, 5)].replace("е", "ё").upper())
    return found


def _percentiles(latencies: list[float]) -> tuple[float, float]:
    latencies = sorted(latencies)
    return (round(statistics.median(latencies) * 1000, 2),
            round(latencies[max(0, int(len(latencies) * 0.95) - 1)] * 1000, 2))


def _indexed_and_plain(db: Database, principal: Principal, words: list[str]) -> dict[str, Any]:
    """The page (with the total) of each word, through the trigram index and as a plain LIKE, one after the other."""
    timings: dict[str, list[float]] = {"sqlite": [], "plain": []}
    with db.engine.connect() as conn:
        for word in words:
            query = RegisterQuery(q=word, sort="release_date")
            for how in ("sqlite", "plain"):
                t0 = time.perf_counter()
                conn.execute(page_select(principal, query, how, query.limit)).all()  # the page and the total
                timings[how].append(time.perf_counter() - t0)
    (p50, p95), (plain_p50, plain_p95) = _percentiles(timings["sqlite"]), _percentiles(timings["plain"])
    return {"sql_p50_ms": p50, "sql_p95_ms": p95, "plain_like_p50_ms": plain_p50, "plain_like_p95_ms": plain_p95,
            "plain_like_to_index_p50": round(plain_p50 / p50, 1) if p50 else None,
            "plain_like_to_index_p95": round(plain_p95 / p95, 1) if p95 else None}


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
        paths = [f"/api/v1/people?q={quote(part)}&sort=release_date" for part in _words(320, seed=2)]
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
            principal = Principal(user_id=int(user.id), login="rc", full_name="Специалист",  # type: ignore[arg-type]
                                  org_id=int(org.id), org_kind="rc", territory="bench",  # type: ignore[arg-type]
                                  roles=frozenset({"rc_specialist"}))
            compared = _indexed_and_plain(db, principal, _words(60, seed=3))
        finally:
            container.close()
    p50, p95 = _percentiles(latencies)
    return {"bench": "api.people_search", "people": count, "requests": len(latencies), "errors": errors,
            "median_matches": int(statistics.median(totals)) if totals else 0, "p50_ms": p50, "p95_ms": p95,
            "target_p95_ms": TARGET_MS, "load_seconds": round(load_seconds, 1), **compared}


BENCHMARKS = {"api.people_search": bench_people_search}
