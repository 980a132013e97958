"""The only module that imports APScheduler.

Inside the server a background scheduler ticks the jobs the composition root registers
(the deadline sweep, the notification delivery, the daily digest). A tick only calls a
function; everything a job must not lose lives in the database, so a crash between
ticks loses nothing and a missed tick is simply caught up by the next one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler

log = logging.getLogger("opora.scheduler")


class Ticker:
    def __init__(self) -> None:
        self._scheduler = BackgroundScheduler(job_defaults={"coalesce": True, "max_instances": 1,
                                                            "misfire_grace_time": None})

    def every(self, seconds: float, name: str, job: Callable[[], object]) -> None:
        def run() -> None:
            try:
                job()
            except Exception:  # a failing tick must not stop the next one
                log.exception("job %s failed", name)

        self._scheduler.add_job(run, "interval", seconds=seconds, id=name, name=name, replace_existing=True)

    def start(self) -> None:
        if not self._scheduler.running:
            self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)

    @property
    def jobs(self) -> list[str]:
        return [job.id for job in self._scheduler.get_jobs()]
