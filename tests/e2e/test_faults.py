"""Faults, with real processes: ``opora serve`` in a child process, simulated users over HTTP, real signals.

Each test ends the way an operator would after an incident: ``opora audit verify`` finds no break and the
row-level checks (:mod:`engine.consistency`) find no half-applied transition.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from api.settings import Settings
from cases.demo import DEMO_PASSWORD
from engine import consistency
from engine.audit import verify
from engine.calendar import load_calendar
from engine.clock import SystemClock
from engine.database import Database
from opora_bench.load import _backlog, demo_database, smtp_sink
from opora_bench.loadgen import LoadResult, run_load
from opora_bench.serverproc import ServerProcess
from tests import pgcluster
from tests.conftest import PG_BASE, postgres_enabled

pytestmark = pytest.mark.slow
CALENDAR = load_calendar(Settings().calendar, timezone=Settings().timezone)
TODAY = CALENDAR.local_date(SystemClock().now())


def opora(url: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the ``opora`` command line as an operator would, beside the server."""
    return subprocess.run([sys.executable, "-m", "api.cli", "--database-url", url, *args], capture_output=True,
                          text=True, timeout=timeout, check=False)


def assert_consistent(url: str) -> None:
    db = Database(url)
    try:
        with db.read() as tx:
            assert [str(b) for b in verify(tx)] == []
            assert consistency.check(tx) == []
    finally:
        db.dispose()


def scalar(url: str, sql: str) -> int:
    db = Database(url)
    try:
        with db.read() as tx:
            return int(tx.connection.execute(sa.text(sql)).scalar_one())
    finally:
        db.dispose()


class Users(threading.Thread):
    """Simulated users working in the background while the test does something to the system."""

    def __init__(self, base_url: str, *, users: int = 8, seconds: float = 12, think_ms: float = 100,
                 resend: bool = False) -> None:
        super().__init__(daemon=True)
        self.args = (base_url, users, seconds, think_ms, resend)
        self.result: LoadResult | None = None
        self.working = threading.Event()

    def run(self) -> None:
        base_url, users, seconds, think_ms, resend = self.args
        self.result = run_load(base_url, DEMO_PASSWORD, users=users, seconds=seconds, think_ms=think_ms,
                               today=TODAY, resend=resend, ready=self.working)

    def begin(self) -> None:
        """Start the users and return when they are logged in and working."""
        self.start()
        assert self.working.wait(120), "the simulated users could not log in"

    def finish(self) -> LoadResult:
        self.join(timeout=300)
        assert self.result is not None, "the simulated users did not finish"
        return self.result


# -- SQLite ------------------------------------------------------------------------------------------

def test_a_server_started_on_a_backlog_serves_its_users_and_the_command_line_works_beside_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'backlog.db'}"
    backlog = _backlog(url, CALENDAR, reports=40)
    assert backlog["pending_acts"] >= 100 and backlog["due_steps"] >= 50  # a real backlog, not an empty start
    with smtp_sink() as smtp_port:
        env = {"OPORA_DIGEST_TIME": "00:00", "OPORA_SMTP_HOST": "127.0.0.1", "OPORA_SMTP_PORT": str(smtp_port)}
        with ServerProcess(url, tmp_path / "serve.log", env=env) as server:
            users = Users(server.base_url, seconds=15)
            users.begin()
            time.sleep(2)
            commands = [("workflows", "show", "child_report"), ("audit", "verify"), ("db", "check"), ("sweep",),
                        ("notify",)]
            answers = {" ".join(c): opora(url, *c) for c in commands}
            result = users.finish()
            deadline = time.monotonic() + 60
            while scalar(url, "SELECT count(*) FROM wf_step WHERE status = 'pending' AND due_at <= "
                              "CURRENT_TIMESTAMP") and time.monotonic() < deadline:
                time.sleep(1)
        assert server.tracebacks() == []
    for name, done in answers.items():
        assert done.returncode == 0, (name, done.stderr[-1000:])
    assert result.errors == 0 and result.requests > 100, result.summary()
    assert set(result.statuses) <= {200, 201, 409, 422}, result.statuses
    assert scalar(url, "SELECT count(*) FROM notification WHERE kind = 'digest'") > 0
    assert scalar(url, "SELECT count(*) FROM document WHERE pdf IS NOT NULL") > 0
    assert scalar(url, "SELECT count(*) FROM wf_step WHERE status = 'pending' AND due_at <= CURRENT_TIMESTAMP") == 0
    assert_consistent(url)


def test_a_backup_taken_under_load_restores_whole_and_the_server_starts_on_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    demo_database(url)
    with ServerProcess(url, tmp_path / "serve.log") as server:
        users = Users(server.base_url, seconds=10, think_ms=50)
        users.begin()
        time.sleep(4)
        taken = opora(url, "backup", str(tmp_path / "copy.db"))
        result = users.finish()
    assert taken.returncode == 0, taken.stderr
    assert result.errors == 0 and result.kinds["action"] > 0
    copied = json.loads(taken.stdout)
    restored_url = f"sqlite:///{tmp_path / 'restored.db'}"
    done = opora(restored_url, "restore", str(tmp_path / "copy.db"))
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["audit_breaks"] == 0 and report["inconsistencies"] == 0
    assert {k: report[k] for k in copied if k != "backup"} == {k: v for k, v in copied.items() if k != "backup"}
    assert report["wf_audit"] <= scalar(url, "SELECT count(*) FROM wf_audit")  # a moment during the load
    again = opora(restored_url, "restore", str(tmp_path / "copy.db"))
    assert again.returncode == 2 and "база не пуста" in again.stderr  # never over data without --replace
    with ServerProcess(restored_url, tmp_path / "restored.log") as restored:
        token = httpx.post(restored.base_url + "/api/v1/tokens",
                           json={"login": "curator", "password": DEMO_PASSWORD}).json()["token"]
        mine = httpx.get(restored.base_url + "/api/v1/cases?mine=true", headers={"Authorization": f"Bearer {token}"})
        assert mine.status_code == 200 and mine.json()["total"] > 0
    assert restored.tracebacks() == []


@contextmanager
def small_disk(folder: Path, megabytes: int) -> Iterator[Path]:
    """A tmpfs of the given size (root only): a disk that can really run full."""
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}M", "tmpfs", str(folder)],
                             capture_output=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small disk here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_full_disk_refuses_writes_clearly_keeps_reads_and_corrupts_nothing(tmp_path: Path) -> None:
    source = f"sqlite:///{tmp_path / 'demo.db'}"
    demo_database(source)
    with small_disk(tmp_path / "disk", 64) as disk:
        shutil.copy(tmp_path / "demo.db", disk / "opora.db")
        url = f"sqlite:///{disk / 'opora.db'}"
        with ServerProcess(url, tmp_path / "serve.log") as server:
            client = httpx.Client(base_url=server.base_url, timeout=30)
            token = client.post("/api/v1/tokens", json={"login": "opeka", "password": DEMO_PASSWORD}).json()["token"]
            client.headers["Authorization"] = f"Bearer {token}"
            before = client.get("/api/v1/cases", params={"limit": 200}).json()["total"]
            filler = disk / "filler"
            fill(filler)
            refused = [client.post("/api/v1/reports", json=_report(n)) for n in range(3)]
            listed = client.get("/api/v1/cases", params={"limit": 200})
            filler.unlink()  # the operator frees space
            accepted = client.post("/api/v1/reports", json=_report(9))
            after = client.get("/api/v1/cases", params={"limit": 200}).json()["total"]
        assert server.tracebacks() == []
        assert "cannot write to the database" in server.log()
        assert all(r.status_code == 503 for r in refused), [r.text for r in refused]
        assert refused[0].json()["error"] == "database_storage" and "нет места" in refused[0].json()["message"]
        assert refused[0].headers["retry-after"]
        assert listed.status_code == 200 and listed.json()["total"] == before
        assert accepted.status_code == 201 and after == before + 1
        check = sqlite3.connect(disk / "opora.db")
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        check.close()
        assert_consistent(url)


def fill(path: Path) -> None:
    """Write zeros to ``path`` until the disk has no byte left."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT)
    try:
        for size in (1 << 20, 1 << 12, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                continue
    finally:
        os.close(fd)


def _report(n: int) -> dict[str, object]:
    return {"source_type": "education", "channel": "phone", "received_at": SystemClock().now().isoformat(),
            "text": "Сообщение школы", "children": [{"last_name": "Дисков", "first_name": f"Иван{'а' * n}",
                                                       "birth_date": "2015-05-05", "new": True}]}


def test_a_read_only_database_is_a_clear_one_line_error_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    shutil.copy(Path(_demo_file(tmp_path)), tmp_path / "src" / "opora.db")
    view = tmp_path / "ro"
    view.mkdir()
    bound = subprocess.run(["mount", "--bind", str(tmp_path / "src"), str(view)], capture_output=True, check=False)
    if bound.returncode != 0:
        pytest.skip(f"cannot bind-mount here: {bound.stderr.decode().strip()}")
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(view)], check=True)
        done = opora(f"sqlite:///{view / 'opora.db'}", "serve", "--port", "1")
    finally:
        subprocess.run(["umount", "-l", str(view)], check=False)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith("Ошибка: в базу данных нельзя писать"), done.stderr


def _demo_file(folder: Path) -> Path:
    path = folder / "demo.db"
    demo_database(f"sqlite:///{path}")
    return path


# -- PostgreSQL ----------------------------------------------------------------------------------------

@pytest.fixture
def pg_url() -> Iterator[str]:
    if not postgres_enabled():
        pytest.skip("PostgreSQL tests run with CI=true or OPORA_TEST_POSTGRES=1")
    schema = f"opora_faults_{os.getpid()}"
    admin = sa.create_engine(PG_BASE)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_BASE}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


@pytest.mark.postgres
def test_killing_a_worker_mid_burst_loses_nothing_and_the_others_go_on(pg_url: str, tmp_path: Path) -> None:
    demo_database(pg_url)
    with ServerProcess(pg_url, tmp_path / "serve.log", workers=2) as server:
        workers = server.worker_pids()
        assert len(workers) == 2
        users = Users(server.base_url, users=10, seconds=14, think_ms=20)
        users.begin()
        time.sleep(5)
        os.kill(workers[0], signal.SIGKILL)
        result = users.finish()
        replaced = server.worker_pids()
        deadline = time.monotonic() + 90  # the acts issued during the burst are all rendered in the end
        while scalar(pg_url, "SELECT count(*) FROM document WHERE pdf IS NULL") and time.monotonic() < deadline:
            time.sleep(1)
        unrendered = scalar(pg_url, "SELECT count(*) FROM document WHERE pdf IS NULL")
    assert len(replaced) == 2 and workers[0] not in replaced  # the supervisor started a new worker
    answered = {s for s in result.statuses if isinstance(s, int)}
    assert answered <= {200, 201, 409, 422}, result.statuses  # nobody saw a 500
    dropped = sum(n for s, n in result.statuses.items() if isinstance(s, str))
    assert dropped <= 10, result.statuses  # at most the requests in flight on the killed worker
    assert result.kinds["action"] > 0 and unrendered == 0
    assert server.tracebacks() == []
    assert_consistent(pg_url)


@pytest.mark.postgres
def test_postgresql_restarting_under_load_is_a_503_the_server_reconnects_and_nothing_is_half_applied(
        tmp_path: Path) -> None:
    if not postgres_enabled():
        pytest.skip("PostgreSQL tests run with CI=true or OPORA_TEST_POSTGRES=1")
    reason = pgcluster.unavailable()
    if reason:
        pytest.skip(reason)
    with pgcluster.private_cluster() as cluster:
        demo_database(cluster.url)
        with ServerProcess(cluster.url, tmp_path / "serve.log", workers=2) as server:
            users = Users(server.base_url, users=10, seconds=16, think_ms=50, resend=True)
            users.begin()
            time.sleep(4)
            cluster.restart()
            result = users.finish()
            token = httpx.post(server.base_url + "/api/v1/tokens",
                               json={"login": "boss", "password": DEMO_PASSWORD}, timeout=30).json()["token"]
            after = httpx.get(server.base_url + "/api/v1/deadlines/overdue",
                              headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert after.status_code == 200  # reconnected by itself
        answered = {s for s in result.statuses if isinstance(s, int)}
        assert answered <= {200, 201, 409, 422, 503}, result.statuses  # a 503 at worst, never a 500
        assert result.statuses[503] > 0, f"the restart was not noticed: {result.statuses} {result.seconds}"
        assert not any(isinstance(s, str) for s in result.statuses), result.statuses  # every request answered
        assert server.tracebacks() == []
        assert_consistent(cluster.url)
