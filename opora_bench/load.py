"""Load and start-up benchmarks over HTTP against a real ``opora serve`` process, and PostgreSQL sweepers.

* ``api.startup`` — the server starts on a backlog (acts not yet rendered, due steps from a
  downtime, a digest to write) while clients log in (``POST /tokens``) and poll what they show
  (worklists, case pages, the bell, ``/me``); latencies and errors of the first minute, and the
  tracebacks in the server's log.
* ``api.load`` — simulated users of every role doing the real mix (:mod:`opora_bench.loadgen`), on
  SQLite (one process) and on PostgreSQL (``--workers 4``); two runs each: at saturation
  (20 users, no think time: requests per second) and with 500 ms think time (p95).
* ``pg.sweep`` — four ``opora sweep`` processes catching up 100,000 due steps on PostgreSQL;
  missed and duplicated counted.

The PostgreSQL lines use ``OPORA_TEST_PG_URL`` (default the local server of the tests), each
in a schema of its own that is dropped afterwards; without a PostgreSQL server they print a
line saying they were skipped and why.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from api import cli
from api.bootstrap import bootstrap
from api.settings import Settings
from cases import documents
from cases.demo import DEMO_PASSWORD
from engine.calendar import ProductionCalendar
from engine.clock import FixedClock, SystemClock
from engine.database import Database
from opora_bench.engine import START, Migrate, _temp_dir, bench_workflow
from opora_bench.loadgen import LoadResult, run_load
from opora_bench.process import simulate_year
from opora_bench.serverproc import ServerProcess, free_port

PG_URL = os.environ.get("OPORA_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


# -- databases ---------------------------------------------------------------------------------------

def postgres_unavailable() -> str | None:
    """Why PostgreSQL cannot be used for the benchmarks, or None when it answers."""
    engine = sa.create_engine(Database(PG_URL).url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception as exc:  # any failure to connect means: skip, and say why
        return f"PostgreSQL не отвечает ({PG_URL.split('@')[-1]}): {str(exc).splitlines()[0][:200]}"
    finally:
        engine.dispose()
    return None


@contextmanager
def postgres_schema(name: str) -> Iterator[str]:
    """A fresh schema on the benchmark PostgreSQL; yields a URL whose search path is that schema."""
    schema = f"opora_bench_{name}_{os.getpid()}"
    admin = sa.create_engine(Database(PG_URL).url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


def demo_database(url: str) -> None:
    """The demo municipality (``opora demo``), its acts rendered as in a server that has been running a while.

    Rendering each act for real takes minutes; one act per template is rendered and its files
    are stored for the other acts of that template (their downloads then cost what a real
    download costs; only their content is not theirs).
    """
    with contextlib.redirect_stdout(io.StringIO()):
        if cli.main(["--database-url", url, "demo"]) != 0:
            raise RuntimeError("opora demo failed")
    db = Database(url)
    try:
        with db.read() as tx:
            acts = tx.connection.execute(sa.text(
                "SELECT min(id) AS id, template FROM document WHERE pdf IS NULL GROUP BY template")).all()
        now = SystemClock().now()
        for act in acts:
            documents.ensure_rendered(db, act.id, now)
            with db.unit_of_work() as tx:
                tx.connection.execute(sa.text(
                    "UPDATE document SET docx = (SELECT docx FROM document WHERE id = :id), "
                    "pdf = (SELECT pdf FROM document WHERE id = :id), rendered_at = :now "
                    "WHERE template = :template AND pdf IS NULL"), {"id": act.id, "template": act.template, "now": now})
                tx.commit()
    finally:
        db.dispose()


# -- api.load ----------------------------------------------------------------------------------------

def settle(url: str, timeout: float = 300) -> float:
    """Wait until the server's jobs have worked off what was waiting (the outbox); return the seconds waited."""
    db = Database(url)
    began = time.perf_counter()
    try:
        while time.perf_counter() - began < timeout:
            with db.read() as tx:
                waiting = tx.connection.execute(sa.text("SELECT count(*) FROM outbox WHERE status = 'pending'")
                                                ).scalar_one()
            if not waiting:
                break
            time.sleep(1)
    finally:
        db.dispose()
    return time.perf_counter() - began


def measured_load(server: ServerProcess, **load: Any) -> tuple[LoadResult, float]:
    """A load run and the server's CPU seconds spent on its timed part (the users' logins are not counted)."""
    ready = threading.Event()
    outcome: list[LoadResult] = []
    runner = threading.Thread(target=lambda: outcome.append(run_load(server.base_url, DEMO_PASSWORD, ready=ready,
                                                                     **load)))
    runner.start()
    while runner.is_alive() and not ready.wait(0.5):
        pass
    before = server.cpu_seconds()
    runner.join()
    if not outcome:
        raise RuntimeError("the load generator failed")
    return outcome[0], server.cpu_seconds() - before


def _load_runs(url: str, backend: str, workers: int, calendar: ProductionCalendar, scale: float,
               folder: Path) -> list[dict[str, Any]]:
    seconds = max(6.0, 30 * scale)
    results = []
    log = folder / f"serve-{backend}.log"
    with ServerProcess(url, log, workers=workers) as server:
        today = calendar.local_date(SystemClock().now())
        settle(url)  # steady state: the demo's notifications fanned out by the server's own jobs
        run_load(server.base_url, DEMO_PASSWORD, users=20, seconds=3, think_ms=0, today=today)  # warm-up
        for users, think in ((20, 0), (20, 500)):
            found, cpu = measured_load(server, users=users, seconds=seconds, think_ms=think, today=today)
            cpu_ms = cpu * 1000 / max(1, found.requests)
            summary = found.summary()
            results.append({"bench": "api.load", "backend": backend, "workers": workers, "users": users,
                            "think_ms": think, "seconds": round(found.seconds, 1), **summary,
                            "server_cpu_ms_per_request": round(cpu_ms, 2),
                            "target": "per_s ≥ 250" if think == 0 else "p95_ms ≤ 150"})
    tracebacks = len(server.tracebacks())
    for result in results:
        result["tracebacks"] = tracebacks
    return results


def bench_load(migrate: Migrate, calendar: ProductionCalendar, scale: float) -> list[dict[str, Any]]:
    lines = []
    with _temp_dir() as folder:
        url = f"sqlite:///{folder / 'load.db'}"
        demo_database(url)
        lines += _load_runs(url, "sqlite", 1, calendar, scale, folder)
        reason = postgres_unavailable()
        if reason:
            lines.append({"bench": "api.load", "backend": "postgresql", "skipped": reason})
        else:
            with postgres_schema("load") as pg_url:
                demo_database(pg_url)
                lines += _load_runs(pg_url, "postgresql", 4, calendar, scale, folder)
    return lines


# -- api.startup -------------------------------------------------------------------------------------

def _backlog(url: str, calendar: ProductionCalendar, reports: int) -> dict[str, int]:
    """Months of work stopped before anything was rendered or swept: acts, due steps, a digest to write."""
    db = Database(url)
    try:
        from api.db_schema import upgrade

        upgrade(db)
        simulate_year(db, calendar, reports, seed=3)
        with db.unit_of_work() as tx:  # everyone wants letters and the daily digest
            tx.connection.execute(sa.text("UPDATE app_user SET email = login || '@opora.example'"))
            for user_id in tx.connection.execute(sa.text("SELECT id FROM app_user")).scalars():
                from notifications import preferences

                preferences.save(tx, user_id, {"case.assigned": {"digest": True}}, SystemClock().now())
            tx.commit()
        now = SystemClock().now()
        with db.read() as tx:
            acts = tx.connection.execute(sa.text("SELECT count(*) FROM document WHERE pdf IS NULL")).scalar_one()
            steps = tx.connection.execute(sa.text("SELECT count(*) FROM wf_step WHERE status = 'pending' "
                                                  "AND due_at <= :now"), {"now": now.replace(tzinfo=None)}
                                          ).scalar_one()
    finally:
        db.dispose()
    return {"pending_acts": int(acts), "due_steps": int(steps)}


@contextmanager
def smtp_sink() -> Iterator[int | None]:
    """A local SMTP server that accepts every letter (aiosmtpd, installed with the test tools), or None."""
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        yield None
        return

    class Sink:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            return "250 OK"

    port = free_port()
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def bench_startup(migrate: Migrate, calendar: ProductionCalendar, scale: float) -> dict[str, Any]:
    reports = max(60, int(1000 * scale))  # about 2,500 due steps and 4,700 acts to render at full size
    seconds = 60 * max(scale, 0.2)
    with _temp_dir() as folder, smtp_sink() as smtp_port:
        url = f"sqlite:///{folder / 'startup.db'}"
        backlog = _backlog(url, calendar, reports)
        env = {"OPORA_DIGEST_TIME": "00:00"}
        if smtp_port:
            env |= {"OPORA_SMTP_HOST": "127.0.0.1", "OPORA_SMTP_PORT": str(smtp_port)}
        server = ServerProcess(url, folder / "serve.log", env=env)
        with server:
            found = run_load(server.base_url, DEMO_PASSWORD, users=10, seconds=seconds, think_ms=200,
                             today=calendar.local_date(SystemClock().now()), poll=True)
        db = Database(url)
        with db.read() as tx:
            left_acts = tx.connection.execute(sa.text("SELECT count(*) FROM document WHERE pdf IS NULL")).scalar_one()
            digests = tx.connection.execute(sa.text("SELECT count(*) FROM notification WHERE kind = 'digest'")
                                            ).scalar_one()
        db.dispose()
        summary = found.summary()
        return {"bench": "api.startup", **backlog, "seconds": round(found.seconds, 1), "requests": found.requests,
                "p50_ms": summary["p50_ms"], "p99_ms": summary["p99_ms"], "max_ms": summary["max_ms"],
                "errors": found.errors, "refused": summary["refused"], "tracebacks": len(server.tracebacks()),
                "acts_rendered": backlog["pending_acts"] - int(left_acts), "digests": int(digests),
                "smtp": bool(smtp_port), "target": "errors 0, p99_ms ≤ 500"}


# -- pg.sweep ----------------------------------------------------------------------------------------

def _fabricate_pg(url: str, steps: int) -> None:
    """Open deadlines with two pending steps each, due a month before now, bulk-copied into PostgreSQL."""
    db = Database(url)
    try:
        from api.db_schema import upgrade

        upgrade(db)
        clock = FixedClock(START)
        container = bootstrap(Settings(database_url=url), db=db, migrate=False, clock=clock)
        from engine.catalog import Catalog
        from engine.runtime import Runtime

        catalog = Catalog(container.vocabulary)
        catalog.add_text(bench_workflow(5, 5).replace("worker", "curator"), "bench.yaml")
        runtime = Runtime(catalog, container.vocabulary, container.calendar, clock)
        with db.unit_of_work() as tx:
            runtime.catalog.publish(tx, clock.now())
            tx.commit()
        deadlines = steps // 2
        cases = max(1, deadlines // 2)
        due = SystemClock().now() - timedelta(days=30)
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            with cursor.copy("COPY wf_instance (id, workflow, workflow_version, state, version, territory, data, "
                             "audit_seq, audit_head, created_at, updated_at) FROM STDIN") as copy:
                for c in range(1, cases + 1):
                    copy.write_row((c, "bench", 1, "s0", 1, "bench", "{}", 1, "0" * 64, due, due))
            with cursor.copy("COPY wf_deadline (id, instance_id, state, key, title, basis, due_at, opened_at, "
                             "status) FROM STDIN") as copy:
                for d in range(1, deadlines + 1):
                    copy.write_row((d, (d - 1) % cases + 1, "s0", "d0", "Срок", "п. 1", due, due, "open"))
            with cursor.copy("COPY wf_step (key, deadline_id, instance_id, kind, level, target, due_at, status, "
                             "late) FROM STDIN") as copy:
                for d in range(1, deadlines + 1):
                    for level, kind in ((1, "remind"), (2, "escalate")):
                        copy.write_row((f"{d}:{kind}:{level}", d, (d - 1) % cases + 1, kind, level, "curator",
                                        due + timedelta(minutes=level), "pending", False))
            raw.commit()
            cursor.execute("ANALYZE")
            raw.commit()
        finally:
            raw.close()
    finally:
        db.dispose()


def bench_pg_sweep(migrate: Migrate, calendar: ProductionCalendar, scale: float) -> dict[str, Any]:
    reason = postgres_unavailable()
    if reason:
        return {"bench": "pg.sweep", "skipped": reason}
    steps = int(100_000 * scale)
    sweepers = 4
    with postgres_schema("sweep") as url:
        _fabricate_pg(url, steps)
        command = [sys.executable, "-m", "api.cli", "--database-url", url, "sweep"]
        began = time.perf_counter()
        processes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                     for _ in range(sweepers)]
        outputs = [p.communicate() for p in processes]
        seconds = time.perf_counter() - began
        failed = [err.decode(errors="replace")[-500:] for p, (_, err) in zip(processes, outputs, strict=True)
                  if p.returncode != 0]
        db = Database(url)
        with db.read() as tx:
            left = tx.connection.execute(sa.text("SELECT count(*) FROM wf_step WHERE status = 'pending'")).scalar_one()
            done = tx.connection.execute(sa.text("SELECT count(*) FROM wf_step WHERE status = 'done'")).scalar_one()
            rows, keys = tx.connection.execute(sa.text("SELECT count(*), count(DISTINCT key) FROM outbox")).one()
        db.dispose()
    return {"bench": "pg.sweep", "sweepers": sweepers, "steps": steps, "seconds": round(seconds, 2),
            "missed": int(left), "duplicated": int(rows - keys) + max(0, int(rows) - steps), "done": int(done),
            **({"failures": failed} if failed else {}), "target_seconds": 20}


BENCHMARKS: dict[str, Callable[..., Any]] = {
    "api.startup": bench_startup,
    "api.load": bench_load,
    "pg.sweep": bench_pg_sweep,
}
