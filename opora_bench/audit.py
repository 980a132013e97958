"""Audit benchmark (``opora bench audit``): ``audit.verify`` — check a million events against anchors.

The database is filled fast and honestly: each case's chain is computed here exactly as the
engine hashes it (the same canonical record) and bulk-inserted with ``sqlite3``; half of every
chain is anchored, the rest appended later and anchored again. What is timed is what
``opora audit verify --anchors FILE`` does: read and check the anchors file (signatures, links,
the last root), then recompute every chain and check every pin and every unpinned date.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from engine.audit import anchors
from engine.audit.anchoring import make_anchor
from engine.audit.chain import GENESIS, record_text
from engine.audit.check import VerifyStats, verify
from engine.calendar import ProductionCalendar
from engine.clock import FixedClock
from engine.database import Database

Migrate = Callable[[Database], None]
START = datetime(2025, 3, 3, 4, 0, tzinfo=UTC)
PER_CASE = 10
KEY = "bench-audit-key-0123456789abcdef"
STATES = ["received", "checking", "approved", "in_work", "review"]


def _event(case_id: int, seq: int, at: datetime, prev: str) -> tuple[Any, ...]:
    """One ``wf_audit`` row as the engine would have written it (``hash`` computed the same way)."""
    kind = "start" if seq == 1 else "transition"
    payload: dict[str, Any] = ({} if seq == 1 else {"decision": "full"} if seq % 2 else
                               {"note": f"посещение семьи по делу {case_id}, шаг {seq}"})
    src, dst = (None, STATES[0]) if seq == 1 else (STATES[(seq - 2) % 5], STATES[(seq - 1) % 5])
    row = [case_id, seq, kind, None if seq == 1 else f"e{seq}", src, dst, seq, 7, "curator", 3,
           at.isoformat(" ", "microseconds").removesuffix("+00:00"), json.dumps(payload, ensure_ascii=False),
           None, prev, ""]
    text = record_text(row, at.isoformat(timespec="microseconds"),
                       json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")))
    row[14] = hashlib.sha256((prev + text).encode()).hexdigest()
    return tuple(row)


def _fill(path: Path, cases: int, seqs: range, at: datetime, heads: dict[int, str]) -> None:
    """Append events ``seqs`` to every case (creating the cases first), moving their heads."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("BEGIN")
    stamp = at.isoformat(" ", "microseconds").removesuffix("+00:00")
    if not heads:
        conn.executemany("INSERT INTO wf_instance (id, workflow, workflow_version, state, version, territory, data, "
                         "audit_seq, audit_head, created_at, updated_at) VALUES (?, 'bench', 1, 'received', 1, "
                         "'bench', '{}', 0, ?, ?, ?)", ((c, GENESIS, stamp, stamp) for c in range(1, cases + 1)))
    rows = []
    for case_id in range(1, cases + 1):
        prev = heads.get(case_id, GENESIS)
        for seq in seqs:
            row = _event(case_id, seq, at + timedelta(microseconds=seq), prev)
            prev = row[14]
            rows.append(row)
        heads[case_id] = prev
        if len(rows) >= 50_000:
            _insert(conn, rows)
            rows = []
    _insert(conn, rows)
    conn.executemany("UPDATE wf_instance SET audit_seq = ?, audit_head = ? WHERE id = ?",
                     ((seqs[-1], head, case_id) for case_id, head in heads.items()))
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def _insert(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    conn.executemany("INSERT INTO wf_audit (instance_id, seq, kind, event, from_state, to_state, version, actor_id, "
                     "actor_role, actor_org, at, payload, idempotency_key, prev_hash, hash) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def bench_verify(migrate: Migrate, calendar: ProductionCalendar, scale: float) -> dict[str, Any]:
    events = int(1_000_000 * scale)
    cases = events // PER_CASE
    folder = Path(tempfile.mkdtemp(prefix="opora-bench-audit-"))
    try:
        db = Database(f"sqlite:///{folder / 'audit.db'}")
        migrate(db)
        config = anchors.AnchorConfig(anchors.AnchorKeys(KEY), folder / "anchors.jsonl")
        clock = FixedClock(START)
        heads: dict[int, str] = {}
        half = PER_CASE // 2
        _fill(folder / "audit.db", cases, range(1, half + 1), START, heads)
        clock.set(START + timedelta(days=1))
        make_anchor(db, clock, config)
        _fill(folder / "audit.db", cases, range(half + 1, PER_CASE + 1), START + timedelta(days=2), heads)
        clock.set(START + timedelta(days=3))
        make_anchor(db, clock, config)
        stats = VerifyStats()
        began, cpu = time.perf_counter(), time.process_time()
        log = anchors.load(config.path, config.keys)
        with db.read() as tx:
            breaks = sum(1 for _ in verify(tx, None, log.pinned, stats)) + len(log.problems)
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
        db.dispose()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"bench": "audit.verify", "events": stats.events, "cases": stats.cases, "anchors": len(log.anchors),
            "seconds": round(seconds, 3), "cpu_seconds": round(cpu, 3), "breaks": breaks,
            "target_seconds": round(10.0 * scale, 1)}


BENCHMARKS = {"audit.verify": bench_verify}
