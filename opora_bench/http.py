"""HTTP benchmarks of the running app (``opora bench api``), each returning one JSON-ready dict.

The real app runs under uvicorn on 127.0.0.1 (a free port, in a background thread) over a SQLite file of
``scale × 100,000`` cases loaded in bulk into the real schema; an httpx client with keep-alive measures
the latency of sequential requests after a warm-up:

* ``api.worklist`` — ``GET /api/v1/cases?mine=true`` as a curator (about a thousand cases, the first page);
* ``api.overdue`` — ``GET /api/v1/deadlines/overdue`` as the supervisor of the largest territory.

The data: four territories (the largest holds 55 % of the cases), a family per 1.6 cases with two or three
members, 100 curators sharing the cases of their territory (5 % unassigned), 30 % of the cases closed, the
open ones with one or two open deadlines of their state (a quarter of them overdue) and every case with a
closed deadline, the organisations taking part recorded as parties. Audit events and steps are not loaded:
neither request reads them.
"""

from __future__ import annotations

import json
import random
import socket
import sqlite3
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from api import auth
from api.app import create_app
from api.bootstrap import Container, bootstrap
from api.settings import Settings
from cases.directory import add_organisation, add_territory, add_user
from cases.names import name_key
from cases.passwords import hash_password
from cases.simulation import BOYS, GIRLS, SURNAMES, surname_of
from engine.calendar import ProductionCalendar
from engine.database import Database
from opora_bench.engine import Migrate, _stamp, _temp_dir

CASES = 100_000
TERRITORIES = [("surgut", "Сургутский район", 0.55), ("nefteyugansk", "Нефтеюганский район", 0.15),
               ("khanty", "Ханты-Мансийский район", 0.15), ("nyagan", "г. Нягань", 0.15)]
CURATORS = 100
WORKFLOWS = [("child_report", 0.35), ("family_support", 0.35), ("kdn_prevention", 0.25), ("kdn_forward", 0.05)]


@dataclass
class Site:
    """A loaded database: the users the benchmarks act as, and what was loaded."""

    url: str
    container: Container
    curator_id: int
    supervisor_id: int
    cases: int


# -- loading -------------------------------------------------------------------------------------

def _directory(container: Container) -> dict[str, Any]:
    """Territories, their organisations and staff (one password hash for everyone: argon2 is slow on purpose)."""
    secret = hash_password("bench-password")
    now = container.clock.now()
    staff: dict[str, Any] = {"curators": {}, "orgs": {}, "supervisor": None}
    with container.db.unit_of_work() as tx:
        left = CURATORS
        for index, (code, name, share) in enumerate(TERRITORIES):
            add_territory(tx, code, name)
            orgs = {kind: add_organisation(tx, code, kind, f"{kind} {name}", f"{kind} {code}")
                    for kind in ("guardianship", "agency", "uso", "kdn")}
            staff["orgs"][code] = {kind: int(org.id) for kind, org in orgs.items()}  # type: ignore[arg-type]
            count = left if index == len(TERRITORIES) - 1 else round(CURATORS * share)
            left -= count
            staff["curators"][code] = [
                int(add_user(tx, login=f"curator_{code}_{n}", password="bench-password", full_name=f"Куратор {n}",
                             org=orgs["uso"], roles=["curator"], now=now, password_hash=secret).id)  # type: ignore[arg-type]
                for n in range(count)]
            boss = add_user(tx, login=f"boss_{code}", password="bench-password", full_name="Руководитель",
                            org=orgs["guardianship"], roles=["supervisor"], now=now, password_hash=secret)
            if index == 0:
                staff["supervisor"] = int(boss.id)  # type: ignore[arg-type]
        tx.commit()
    return staff


def _pick(rng: random.Random, weighted: list[tuple[str, float]]) -> str:
    return rng.choices([k for k, _ in weighted], [w for _, w in weighted])[0]


def _load_cases(path: Path, container: Container, staff: dict[str, Any], count: int, seed: int) -> None:
    """Families, people, cases, deadlines and parties, inserted with bare ``sqlite3`` in one transaction."""
    rng = random.Random(seed)
    catalog = container.catalog
    now = container.clock.now()
    stamp_now = _stamp(now)
    families: dict[str, list[int]] = {code: [] for code, _, _ in TERRITORIES}
    family_rows: list[tuple[Any, ...]] = []
    person_rows: list[tuple[Any, ...]] = []
    case_rows: list[tuple[Any, ...]] = []
    deadline_rows: list[tuple[Any, ...]] = []
    party_rows: list[tuple[Any, ...]] = []
    for family_id in range(1, int(count / 1.6) + 2):
        code = _pick(rng, [(c, s) for c, _, s in TERRITORIES])
        families[code].append(family_id)
        stem = rng.choice(SURNAMES)
        address = f"ул. Ленина, д. {rng.randint(1, 120)}, кв. {rng.randint(1, 300)}"
        family_rows.append((family_id, code, stem, address, address.lower(), "none", "", stamp_now))
        for relation in ["mother"] + ["child"] * rng.randint(1, 2):
            female = relation == "mother" or rng.random() < 0.5
            surname, first = surname_of(stem, female), rng.choice(GIRLS if female else BOYS)
            born = date(2008, 1, 1) + timedelta(days=rng.randint(0, 5800))
            person_rows.append((family_id, relation, surname, first, "", born.isoformat(),
                                name_key(surname, first)))
    deadline_id = 0
    for case_id in range(1, count + 1):
        code = _pick(rng, [(c, s) for c, _, s in TERRITORIES])
        wf = catalog.latest(_pick(rng, WORKFLOWS)).definition
        closed = rng.random() < 0.30
        states = [s for s in wf.states.values() if s.final == closed] or list(wf.states.values())
        state = rng.choice(states)
        orgs = staff["orgs"][code]
        assignee = None if rng.random() < 0.05 else rng.choice(staff["curators"][code])
        created = now - timedelta(days=rng.randint(1, 400))
        open_dues = []
        deadline_id += 1
        deadline_rows.append((deadline_id, case_id, state.name, "earlier", None, "Прежний срок", "основание",
                              _stamp(created + timedelta(days=3)), _stamp(created), _stamp(created + timedelta(days=2)),
                              "met"))
        for spec in [d for d in state.deadlines if not d.manual][:2] if not closed else []:
            late = rng.random() < 0.25
            due = now - timedelta(hours=rng.randint(1, 24 * 60)) if late else \
                now + timedelta(hours=rng.randint(1, 24 * 60))
            open_dues.append(due)
            deadline_id += 1
            deadline_rows.append((deadline_id, case_id, state.name, spec.id, None, spec.title, spec.basis,
                                  _stamp(due), _stamp(created), None, "open"))
        case_rows.append((case_id, wf.name, wf.version, state.name, 1, code, orgs["uso"], assignee, "family",
                          rng.choice(families[code] or [1]), "{}", _stamp(min(open_dues)) if open_dues else None,
                          1, "0" * 64, _stamp(created), _stamp(created), _stamp(created) if closed else None))
        party_rows.append((case_id, orgs["guardianship"], _stamp(created)))
        party_rows.append((case_id, orgs["uso"], _stamp(created)))
        if wf.name == "kdn_prevention":
            party_rows.append((case_id, orgs["kdn"], _stamp(created)))
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys=OFF")  # rows are consistent by construction; checking them doubles the time
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO family (id, territory, surname, address, address_key, category, category_act, "
                     "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", family_rows)
    conn.executemany("INSERT INTO person (family_id, relation, last_name, first_name, middle_name, birth_date, "
                     "name_key) VALUES (?, ?, ?, ?, ?, ?, ?)", person_rows)
    conn.executemany("INSERT INTO wf_instance (id, workflow, workflow_version, state, version, territory, org_id, "
                     "assignee_id, subject_kind, subject_id, data, next_due_at, audit_seq, audit_head, created_at, "
                     "updated_at, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", case_rows)
    conn.executemany("INSERT INTO wf_deadline (id, instance_id, state, key, ref, title, basis, due_at, opened_at, "
                     "closed_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", deadline_rows)
    conn.executemany("INSERT INTO case_party (case_id, org_id, since) VALUES (?, ?, ?)", party_rows)
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def build_site(folder: Path, migrate: Migrate, scale: float, seed: int = 1) -> Site:
    """A migrated SQLite database of ``scale × 100,000`` cases with the workflows published."""
    url = f"sqlite:///{folder / 'api.db'}"
    db = Database(url)
    migrate(db)
    container = bootstrap(Settings(database_url=url), db=db, migrate=False)
    staff = _directory(container)
    count = max(100, int(CASES * scale))
    _load_cases(folder / "api.db", container, staff, count, seed)
    with db.read() as tx:  # the busiest curator of the largest territory
        curator = tx.connection.exec_driver_sql(
            "SELECT assignee_id FROM wf_instance WHERE territory = ? AND closed_at IS NULL AND assignee_id IS NOT NULL "
            "GROUP BY assignee_id ORDER BY count(*) DESC, assignee_id LIMIT 1", (TERRITORIES[0][0],)).scalar_one()
    return Site(url, container, int(curator), staff["supervisor"], count)


# -- serving and measuring -------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(container: Container) -> Iterator[str]:
    """The real app under uvicorn in a background thread (no background jobs); yields its base URL."""
    port = _free_port()
    config = uvicorn.Config(create_app(container, jobs=False), host="127.0.0.1", port=port, log_level="warning",
                            access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="bench-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn не запустился")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def _token(container: Container, user_id: int) -> str:
    with container.db.unit_of_work() as tx:
        token = auth.issue_token(tx, user_id, "bench", container.clock.now())
        tx.commit()
    return token


def measure(base_url: str, token: str, path: str, requests: int, warmup: int = 20) -> dict[str, Any]:
    """Latencies of ``requests`` sequential GETs after ``warmup`` ones; non-200 answers are counted as errors."""
    latencies: list[float] = []
    errors, items, total = 0, 0, 0
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
        for i in range(warmup + requests):
            t0 = time.perf_counter()
            response = client.get(path)
            elapsed = time.perf_counter() - t0
            if i < warmup:
                continue
            latencies.append(elapsed)
            if response.status_code != 200:
                errors += 1
            else:
                body = json.loads(response.content)
                items, total = len(body["items"]), body["total"]
    latencies.sort()
    return {"requests": requests, "errors": errors, "items": items, "total": total,
            "p50_ms": round(statistics.median(latencies) * 1000, 2),
            "p95_ms": round(latencies[max(0, int(len(latencies) * 0.95) - 1)] * 1000, 2),
            "p99_ms": round(latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000, 2)}


def timed_gets(base_url: str, token: str, paths: list[str]) -> list[tuple[float, int, bytes]]:
    """(seconds, status, body) of sequential GETs of ``paths`` over one keep-alive connection."""
    found = []
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
        for path in paths:
            t0 = time.perf_counter()
            response = client.get(path)
            found.append((time.perf_counter() - t0, response.status_code, response.content))
    return found


def _run(name: str, path: str, who: Callable[[Site], int], target: float, migrate: Migrate,
         scale: float) -> dict[str, Any]:
    with _temp_dir() as folder:
        began = time.perf_counter()
        site = build_site(folder, migrate, scale)
        load_seconds = time.perf_counter() - began
        token = _token(site.container, who(site))
        try:
            with serve(site.container) as base_url:
                found = measure(base_url, token, path, requests=max(20, int(300 * min(1.0, scale * 10))))
        finally:
            site.container.close()
    return {"bench": name, "cases": site.cases, **found, "target_p95_ms": target,
            "load_seconds": round(load_seconds, 1)}


def bench_worklist(migrate: Migrate, calendar: ProductionCalendar, scale: float) -> dict[str, Any]:
    return _run("api.worklist", "/api/v1/cases?mine=true", lambda s: s.curator_id, 50, migrate, scale)


def bench_overdue(migrate: Migrate, calendar: ProductionCalendar, scale: float) -> dict[str, Any]:
    return _run("api.overdue", "/api/v1/deadlines/overdue", lambda s: s.supervisor_id, 150, migrate, scale)


BENCHMARKS: dict[str, Callable[..., dict[str, Any]]] = {
    "api.worklist": bench_worklist,
    "api.overdue": bench_overdue,
}
