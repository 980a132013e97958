"""The only module that imports APScheduler.

Inside the server a background scheduler ticks the jobs the composition root registers
(the deadline sweep, the rendering of acts, the notification delivery, the daily digest).
A tick only calls a function; everything a job must not lose lives in the database, so a
crash between ticks loses nothing and a missed tick is simply caught up by the next one.

A job's life on each tick::

    tick ──> still running from an earlier tick? ──yes──> return at once (nothing to catch up twice)
                      │ no
                      v
                   run ──ok──────────────────────────> done
                      ├─ database busy / unreachable ─> one warning line; the next tick tries again
                      ├─ disk full / read-only ──────> one error line (the operator must act); next tick again
                      └─ any other error ───────────> logged with its traceback (a bug)
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler

from engine.clock import SystemClock
from engine.database import STORAGE, first_line, unavailable_reason

log = logging.getLogger("opora.scheduler")


class Ticker:
    """Runs registered jobs on intervals; each job also runs once right at :meth:`start`, so a restarted
    server catches up on its backlog at once instead of one interval later."""

    def __init__(self) -> None:
        #: set when the server stops: a job that loops over a backlog checks it between batches
        self.stopping = threading.Event()
        # two instances may be due at once: the second finds the first still working and returns at once,
        # instead of APScheduler warning that it skipped a run
        self._scheduler = BackgroundScheduler(job_defaults={"coalesce": True, "max_instances": 2,
                                                            "misfire_grace_time": None})

    def every(self, seconds: float, name: str, job: Callable[[], object], *, at_start: bool = True) -> None:
        """Run ``job`` every ``seconds``; the first run right at start, or one interval later."""
        running = threading.Lock()

        def run() -> None:
            if not running.acquire(blocking=False):
                log.debug("job %s is still running; this tick has nothing to add", name)
                return
            try:
                job()
            except Exception as exc:  # a failing tick must not stop the next one
                reason = unavailable_reason(exc)
                if reason == STORAGE:
                    log.error("job %s cannot write to the database (%s); retrying on the next tick",
                              name, first_line(exc))
                elif reason is not None:
                    log.warning("job %s: the database is busy or unreachable (%s); retrying on the next tick",
                                name, first_line(exc))
                else:
                    log.exception("job %s failed", name)
            finally:
                running.release()

        # APScheduler counts real time, so the real clock (not a case's clock) says when "at once" is
        first = {"next_run_time": SystemClock().now()} if at_start else {}
        self._scheduler.add_job(run, "interval", seconds=seconds, id=name, name=name, replace_existing=True,
                                **first)

    def start(self) -> None:
        if not self._scheduler.running:
            self._scheduler.start()

    def shutdown(self) -> None:
        self.stopping.set()
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)

    @property
    def jobs(self) -> list[str]:
        return [job.id for job in self._scheduler.get_jobs()]
