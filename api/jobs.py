"""The server's background jobs; APScheduler (:mod:`engine.scheduler`) only ticks them.

=============  ==========================  ================================================================
job            every                       claims its work by
=============  ==========================  ================================================================
sweep          ``OPORA_SWEEP_SECONDS``      ``FOR UPDATE SKIP LOCKED`` on the due steps (PostgreSQL)
render_acts    a third of that (≥ 2 s)      ``FOR UPDATE SKIP LOCKED`` on the act (PostgreSQL)
notify         ``OPORA_NOTIFY_SECONDS``     ``SKIP LOCKED`` on outbox rows, a lease on each delivery
notify_daily   a minute                     unique keys: one digest per user and day, one agenda per meeting
retention      an hour (runs once a day)    an advisory lock per kind (PostgreSQL); idempotent
audit_anchor   (see engine.audit.anchoring)  an exclusive lock on the anchors file: one anchor a day
analyze        a day (SQLite only)          —
=============  ==========================  ================================================================

So every job may run in any number of server processes and hosts at once (``opora serve
--workers N`` on PostgreSQL), and a process that dies mid-job loses nothing: its
transaction rolls back, or its lease runs out. On SQLite no job holds the write lock
longer than it takes to write a short batch: acts are rendered outside any transaction,
and the sweep and the fan-out commit every :data:`BUDGET` seconds.

Acts are rendered by :class:`RenderPool`, a separate process at a lower CPU priority: WeasyPrint
takes a few hundred milliseconds of CPU per act, which inside the server process would hold
the interpreter lock against the requests.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import timedelta

from api import db_schema, retention
from api.bootstrap import Container
from cases import documents, handovers, obligation_escalation
from engine.audit import anchoring
from engine.audit.anchors import AnchorConfig
from engine.scheduler import Ticker
from engine.sweeper import has_due, sweep
from notifications import jobs as notification_jobs

#: the longest a background job's transaction should take, in seconds
BUDGET = 0.2
#: seconds one act may take to render before the job gives up on it (it is tried again on the next tick)
RENDER_TIMEOUT = 120
STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}
log = logging.getLogger("opora.jobs")


class RenderPool:
    """Renders acts in one child process (started on first use, niced, replaced if it dies)."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def __call__(self, act: documents.Unrendered) -> tuple[bytes, bytes]:
        try:
            return self._pool_now().submit(documents.render_files, act).result(timeout=RENDER_TIMEOUT)
        except BrokenProcessPool:  # killed from outside (memory, an operator): once more in a new process
            log.warning("the rendering process died; rendering act %s in a new one", act.id)
            self.close()
            return self._pool_now().submit(documents.render_files, act).result(timeout=RENDER_TIMEOUT)

    def _pool_now(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                # the child starts with Ctrl+C and SIGTERM blocked (a mask survives fork and exec), so a signal
                # to the whole process group cannot kill it before it has set them to be ignored
                blocked = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
                try:
                    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                               initializer=_render_process, initargs=(os.getpid(),))
                    pool.submit(int).result(timeout=RENDER_TIMEOUT)  # start it now, inside the mask
                finally:
                    signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
                self._pool = pool
            return self._pool

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)  # a dead pool shuts down at once too
                self._pool = None


def _render_process(server_pid: int) -> None:
    """The rendering process yields the CPU to the server and stops only when the server stops it (or dies)."""
    os.nice(10)
    for number in STOP_SIGNALS:  # Ctrl+C and a service manager's SIGTERM reach the whole group; the server
        signal.signal(number, signal.SIG_IGN)  # then shuts this process down after its current act
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)

    def orphaned() -> None:
        while os.getppid() == server_pid:
            time.sleep(1)
        os._exit(0)  # the server was killed outright: nobody will ask for another act

    threading.Thread(target=orphaned, name="render-orphan-check", daemon=True).start()


@dataclass
class Jobs:
    ticker: Ticker
    renderer: RenderPool

    def shutdown(self) -> None:
        self.ticker.shutdown()
        self.renderer.close()


def start_jobs(container: Container) -> Jobs:
    """Register the jobs on a new ticker and start it."""
    ticker = Ticker()
    renderer = RenderPool()
    lateness = timedelta(minutes=container.settings.lateness_minutes)

    def sweep_due() -> None:  # batch by batch, so that a stopping server does not wait for a whole backlog
        while not ticker.stopping.is_set() and has_due(container.db, container.clock.now()):
            sweep(container.db, container.runtime, lateness=lateness, budget=BUDGET, max_batches=1)
        handovers.escalate_overdue(container.db, container.runtime)  # hand-overs not answered in time
        obligation_escalation.sweep(container.db, container.runtime)  # reports owed: open, escalate the overdue

    def render_acts() -> None:
        while not ticker.stopping.is_set() and documents.render_pending(container.db, container.runtime, limit=5,
                                                                       renderer=renderer):
            pass

    ticker.every(container.settings.sweep_seconds, "sweep", sweep_due)
    ticker.every(max(2.0, container.settings.sweep_seconds / 3), "render_acts", render_acts)
    if container.db.is_sqlite:
        # the server's start already analysed (api.app's lifespan)
        ticker.every(24 * 3600, "analyze", lambda: db_schema.analyze(container.db), at_start=False)
    notification_jobs.register(container, ticker)
    ticker.every(retention.EVERY.total_seconds(), "retention", lambda: retention.run_daily(container))
    ticker.every(anchoring.TICK_SECONDS, "audit_anchor", anchoring.daily_job(
        container.db, container.clock, container.calendar.local_date, AnchorConfig.from_settings(container.settings)))
    ticker.start()
    return Jobs(ticker, renderer)
