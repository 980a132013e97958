"""The retention job: ``opora retention`` and the server's daily run (152-FZ ст. 5 ч. 7).

The policies come from the settings (``OPORA_RETENTION_*_DAYS``); the domain's kinds are in
:mod:`cases.retention`, the web layer's own records here: login attempts (and forgotten throttle
pairs) and saved searches (criteria with names, kept one day).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from api import throttle
from api.tables import LoginAttempt, SavedSearch
from cases import attachments, retention
from cases.tables import RetentionRun
from engine.database import UnitOfWork
from engine.tables import table_of

ATT, SS, RR = table_of(LoginAttempt), table_of(SavedSearch), table_of(RetentionRun)
#: saved search criteria (names, birth dates) are needed only while the user pages through the results
SAVED_SEARCH_DAYS = 1


def login_attempts(tx: UnitOfWork, cutoff: datetime, now: datetime, dry_run: bool) -> int:
    count = retention.delete_older(tx, ATT, ATT.c.at, cutoff, dry_run)
    if not dry_run:
        throttle.forget_old(tx, now)
    return count


def saved_searches(tx: UnitOfWork, cutoff: datetime, now: datetime, dry_run: bool) -> int:
    return retention.delete_older(tx, SS, SS.c.created_at, cutoff, dry_run)


def policies(settings: Any) -> list[tuple[retention.Policy, retention.Worker]]:
    """Every kind with its days from the settings, in the order they run."""
    days = {"cases": settings.retention_cases_days, "people": settings.retention_people_days,
            "reports": settings.retention_reports_days, "access_log": settings.retention_access_log_days}
    found = [(retention.Policy(kind, action, int(days[kind]), title), worker)
             for kind, (action, title, worker) in retention.WORKERS.items()]
    found.append((retention.Policy("login_attempts", "delete", int(settings.retention_login_attempts_days),
                                   "попытки входа"), login_attempts))
    found.append((retention.Policy("saved_searches", "delete", SAVED_SEARCH_DAYS, "сохранённые условия поиска"),
                  saved_searches))
    return found


def apply(container: Any, *, dry_run: bool, by: str = "cli") -> dict[str, Any]:
    """Run (or, with ``dry_run``, only count) every policy; the outcome per kind."""
    now = container.clock.now()
    outcomes = [retention.run_kind(container.db, policy, worker, now, dry_run=dry_run, by=by, lock=n)
                for n, (policy, worker) in enumerate(policies(container.settings))]
    if not dry_run:  # erased attachments kept in a directory: their files go once the erasure has committed
        store = container.settings.attachment_store()
        if store.directory is not None:
            with container.db.read() as tx:
                keys = attachments.erased_keys(tx)
            for key in keys:
                store.remove(key)
    return {"dry_run": dry_run, "at": now.isoformat(), "kinds": [o.as_dict() for o in outcomes]}


def run_daily(container: Any) -> bool:
    """The server's daily job, ticked every :data:`EVERY`: runs when no job has run for :data:`DAILY`
    (so a server restarted every night still runs it); True if it ran. Idempotent, and a concurrent run
    of another process skips the kinds this one holds."""
    now = container.clock.now()
    with container.db.read() as tx:
        last = tx.connection.execute(sa.select(sa.func.max(RR.c.at)).where(RR.c.by == "job")).scalar()
    if last is not None and now - last < DAILY:
        return False
    apply(container, dry_run=False, by="job")
    return True


#: how often the server looks whether the daily run is due, and how long after a run the next one is
EVERY, DAILY = timedelta(hours=1), timedelta(hours=23)
