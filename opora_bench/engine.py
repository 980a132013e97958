"""Engine benchmarks (``opora bench engine``), each returning one JSON-ready dict.

* ``engine.transitions`` — persisted transitions per second through :meth:`Runtime.fire`
  on SQLite, each in its own committed transaction, against the floor: the same SQL
  writes issued with the bare ``sqlite3`` module in the same run on the same schema;
* ``engine.sweep`` — a catch-up sweep of 100,000 overdue steps (missed and duplicated counted);
* ``engine.idle_poll`` — one idle poll with 1,000,000 pending steps in the future;
* ``engine.compile`` — load, validate and compile a 50-state / 200-transition workflow.

``scale`` is 1.0 for the full run and 0.1 for ``--quick``.
"""

from __future__ import annotations

import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

from engine.builtins import register_builtins
from engine.calendar import ProductionCalendar
from engine.catalog import Catalog
from engine.clock import FixedClock
from engine.commands import Actor, FireTransition, StartCase
from engine.database import Database
from engine.loader import load_workflow
from engine.machine import compile_workflow
from engine.runtime import Runtime
from engine.sweeper import has_due, sweep
from engine.vocabulary import Vocabulary

Migrate = Callable[[Database], None]
START = datetime(2025, 3, 3, 4, 0, tzinfo=UTC)
ACTOR = Actor(1, "worker", org_id=1, territory="bench")


def bench_workflow(states: int, transitions: int) -> str:
    """``states - 1`` states in a ring plus a final one; ``transitions`` events in all.

    Every ring state has a deadline with a reminder and an escalation; events ``e0``…
    walk the ring, ``finish`` leaves it, and the rest are chords across it.
    """
    ring = states - 1
    lines = ["workflow: bench", "version: 1", "title: Замер", "states:"]
    for i in range(ring):
        lines += [f"  s{i}:", f"    title: Состояние {i}"] + (["    initial: true"] if i == 0 else [])
        lines += ["    deadlines:", f"      - {{id: d{i}, title: Срок {i}, basis: п. {i}, due: 3wd, "
                                     "remind: [1wd], escalate: [{after: 1wd, to: worker}]}"]
    lines += ["  end:", "    title: Конец", "    final: true", "transitions:",
              f"  - {{event: finish, title: Завершить, from: s{ring - 1}, to: end, roles: [worker]}}"]
    for k in range(min(ring, transitions - 1)):
        lines.append(f"  - {{event: e{k}, title: Шаг {k}, from: s{k}, to: s{(k + 1) % ring}, roles: [worker], "
                     "fields: {note: {type: string}}}")
    for j in range(max(0, transitions - 1 - ring)):
        src = j % ring
        dst = (src + 2 + j // ring) % ring
        dst = dst if dst != src else (src + 1) % ring
        lines.append(f"  - {{event: x{j}, title: Переход {j}, from: s{src}, to: s{dst}, roles: [worker]}}")
    return "\n".join(lines) + "\n"


def _vocabulary() -> Vocabulary:
    vocabulary = register_builtins(Vocabulary())
    vocabulary.add_role("worker", "Исполнитель")
    return vocabulary


@contextmanager
def _temp_dir() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="opora-bench-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _runtime(db: Database, calendar: ProductionCalendar, text: str, clock: FixedClock) -> Runtime:
    catalog = Catalog(_vocabulary())
    catalog.add_text(text, "bench.yaml")
    runtime = Runtime(catalog, catalog.vocabulary, calendar, clock)
    with db.unit_of_work() as tx:
        catalog.publish(tx, clock.now())
        tx.commit()
    return runtime


def _stamp(moment: datetime) -> str:
    """A datetime as the SQLite schema stores it (naive UTC, microseconds)."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


# -- engine.transitions ----------------------------------------------------------------------------

RING = 4
CASES = 100


def bench_transitions(migrate: Migrate, calendar: ProductionCalendar, scale: float) -> dict[str, Any]:
    n = max(300, int(20_000 * scale))
    with _temp_dir() as folder:
        db = Database(f"sqlite:///{folder / 'engine.db'}")
        migrate(db)
        clock = FixedClock(START)
        runtime = _runtime(db, calendar, bench_workflow(RING + 1, RING + 1), clock)
        with db.unit_of_work() as tx:
            ids = [runtime.start(tx, StartCase("bench", ACTOR, territory="bench")).case_id
                   for _ in range(CASES)]
            tx.commit()
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copy(folder / "engine.db", folder / "floor.db")  # both runs start from the same rows
        latencies = []
        began = time.perf_counter()
        for i in range(n):
            t0 = time.perf_counter()
            with db.unit_of_work() as tx:
                runtime.fire(tx, FireTransition(ids[i % CASES], f"e{(i // CASES) % RING}", ACTOR,
                                                     {"note": "замер"}))
                tx.commit()
            latencies.append(time.perf_counter() - t0)
        engine_seconds = time.perf_counter() - began
        db.dispose()
        floor_seconds = _floor(folder / "floor.db", n, ids)
    latencies.sort()
    per_s, floor_per_s = n / engine_seconds, n / floor_seconds
    return {"bench": "engine.transitions", "transitions": n, "per_s": round(per_s, 1),
            "floor_per_s": round(floor_per_s, 1), "ratio": round(per_s / floor_per_s, 3), "target_ratio": 0.30,
            "p50_ms": round(latencies[len(latencies) // 2] * 1000, 3),
            "p99_ms": round(latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000, 3)}


def _floor(path: Path, n: int, ids: list[int]) -> float:
    """The same writes as :meth:`Runtime.fire` for the bench workflow, issued with bare ``sqlite3``."""
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=30000"):
        conn.execute(f"PRAGMA {pragma}")
    now = _stamp(START)
    due, remind, escalate = (_stamp(START + timedelta(days=d)) for d in (3, 2, 4))
    payload = '{"note":"замер"}'
    began = time.perf_counter()
    for i in range(n):
        case_id = ids[i % CASES]
        src, dst = (i // CASES) % RING, ((i // CASES) + 1) % RING
        conn.execute("BEGIN IMMEDIATE")
        row = conn.execute("SELECT id, workflow, workflow_version, state, version, territory, org_id, assignee_id, "
                           "subject_kind, subject_id, parent_id, data, audit_seq, audit_head, closed_at "
                           "FROM wf_instance WHERE id = ?", (case_id,)).fetchone()
        version, seq = row[4], row[12]
        conn.execute("UPDATE wf_deadline SET status = CASE WHEN ref IS NOT NULL THEN 'cancelled' "
                     "WHEN due_at >= ? THEN 'met' ELSE 'late' END, closed_at = ? "
                     "WHERE instance_id = ? AND status = 'open'", (now, now, case_id))
        conn.execute("UPDATE wf_step SET status = 'cancelled' WHERE instance_id = ? AND status = 'pending'",
                     (case_id,))
        deadline_id = conn.execute(
            "INSERT INTO wf_deadline (instance_id, state, key, ref, title, basis, due_at, opened_at, status) "
            "VALUES (?, ?, ?, NULL, ?, ?, ?, ?, 'open') RETURNING id",
            (case_id, f"s{dst}", f"d{dst}", f"Срок {dst}", f"п. {dst}", due, now)).fetchone()[0]
        conn.executemany(
            "INSERT INTO wf_step (key, deadline_id, instance_id, kind, level, target, due_at, status, late) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0)",
            [(f"{deadline_id}:remind:1", deadline_id, case_id, "remind", 1, "assignee", remind),
             (f"{deadline_id}:escalate:1", deadline_id, case_id, "escalate", 1, "worker", escalate)])
        conn.execute(
            "INSERT INTO wf_audit (instance_id, seq, kind, event, from_state, to_state, version, actor_id, "
            "actor_role, actor_org, at, payload, idempotency_key, request_hash, prev_hash, hash) "
            "VALUES (?, ?, 'transition', ?, ?, ?, ?, 1, 'worker', 1, ?, ?, NULL, NULL, ?, ?)",
            (case_id, seq + 1, f"e{src}", f"s{src}", f"s{dst}", version + 1, now, payload, "0" * 64, "1" * 64))
        conn.execute("UPDATE wf_instance SET state = ?, version = ?, audit_seq = ?, audit_head = ?, updated_at = ?, "
                     "next_due_at = ? WHERE id = ? AND version = ?",
                     (f"s{dst}", version + 1, seq + 1, "1" * 64, now, due, case_id, version))
        conn.execute("COMMIT")
    seconds = time.perf_counter() - began
    conn.close()
    return seconds


# -- engine.sweep and engine.idle_poll -------------------------------------------------------------

def _fabricate(path: Path, deadlines: int, steps_per_deadline: int, due: datetime) -> None:
    """Bulk-load open deadlines and pending steps (sqlite-utils), as the engine would have written them."""
    store = sqlite_utils.Database(path)
    now = _stamp(START)
    cases = max(1, deadlines // 2)
    store.table("wf_instance").insert_all(
        ({"id": c, "workflow": "bench", "workflow_version": 1, "state": "s0", "version": 1, "territory": "bench",
          "data": "{}", "audit_seq": 1, "audit_head": "0" * 64, "created_at": now, "updated_at": now}
         for c in range(1, cases + 1)), batch_size=5000)
    store.table("wf_deadline").insert_all(
        ({"id": d, "instance_id": (d - 1) % cases + 1, "state": "s0", "key": "d0", "title": "Срок", "basis": "п. 1",
          "due_at": _stamp(due), "opened_at": now, "status": "open"} for d in range(1, deadlines + 1)),
        batch_size=5000)
    kinds = ["remind", "escalate", "escalate", "escalate"][:steps_per_deadline]
    store.table("wf_step").insert_all(
        ({"key": f"{d}:{kind}:{level}", "deadline_id": d, "instance_id": (d - 1) % cases + 1, "kind": kind,
          "level": level, "target": "worker", "due_at": _stamp(due + timedelta(minutes=level)),
          "status": "pending", "late": 0}
         for d in range(1, deadlines + 1) for level, kind in enumerate(kinds, start=1)), batch_size=5000)
    store.conn.commit()
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()


def bench_sweep(migrate: Migrate, calendar: ProductionCalendar, scale: float) -> dict[str, Any]:
    steps = int(100_000 * scale)
    with _temp_dir() as folder:
        db = Database(f"sqlite:///{folder / 'sweep.db'}")
        migrate(db)
        clock = FixedClock(START)
        runtime = _runtime(db, calendar, bench_workflow(RING + 1, RING + 1), clock)
        db.dispose()
        _fabricate(folder / "sweep.db", steps // 2, 2, START + timedelta(days=1))
        db = Database(f"sqlite:///{folder / 'sweep.db'}")
        clock.set(START + timedelta(days=30))  # a month of downtime: everything is overdue
        began = time.perf_counter()
        report = sweep(db, runtime, batch_size=2000)
        seconds = time.perf_counter() - began
        with db.engine.connect() as conn:
            left = conn.exec_driver_sql("SELECT count(*) FROM wf_step WHERE status = 'pending'").scalar_one()
            rows, keys = conn.exec_driver_sql("SELECT count(*), count(DISTINCT key) FROM outbox").one()
        db.dispose()
    return {"bench": "engine.sweep", "steps": steps, "seconds": round(seconds, 3), "missed": int(left),
            "duplicated": int(rows - keys) + max(0, report.steps - steps), "fired": report.steps,
            "late": report.late, "target_seconds": 5.0}


def bench_idle_poll(migrate: Migrate, calendar: ProductionCalendar, scale: float) -> dict[str, Any]:
    pending = int(1_000_000 * scale)
    with _temp_dir() as folder:
        db = Database(f"sqlite:///{folder / 'idle.db'}")
        migrate(db)
        db.dispose()
        _fabricate(folder / "idle.db", pending, 1, START + timedelta(days=365))
        db = Database(f"sqlite:///{folder / 'idle.db'}")
        now = START + timedelta(days=1)
        for _ in range(50):
            assert not has_due(db, now)
        timings = []
        for _ in range(2000):
            t0 = time.perf_counter()
            has_due(db, now)
            timings.append(time.perf_counter() - t0)
        db.dispose()
    timings.sort()
    return {"bench": "engine.idle_poll", "pending": pending, "ms": round(statistics.median(timings) * 1000, 4),
            "p99_ms": round(timings[int(len(timings) * 0.99) - 1] * 1000, 4), "target_ms": 1.0}


def bench_compile(migrate: Migrate, calendar: ProductionCalendar, scale: float) -> dict[str, Any]:
    text = bench_workflow(50, 200)
    vocabulary = _vocabulary()
    timings = []
    for _ in range(max(3, int(20 * scale))):
        t0 = time.perf_counter()
        compile_workflow(load_workflow(text, vocabulary, filename="bench.yaml"))
        timings.append(time.perf_counter() - t0)
    wf = load_workflow(text, vocabulary, filename="bench.yaml")
    return {"bench": "engine.compile", "states": len(wf.states), "transitions": len(wf.transitions),
            "ms": round(statistics.median(timings) * 1000, 2), "max_ms": round(max(timings) * 1000, 2),
            "target_ms": 200}


BENCHMARKS = {
    "engine.transitions": bench_transitions,
    "engine.sweep": bench_sweep,
    "engine.idle_poll": bench_idle_poll,
    "engine.compile": bench_compile,
}
