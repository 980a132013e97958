"""Throttling of failed logins per (login, client address), counted before the password is checked.

ASVS 2.2.1: guessing is slowed down without letting anyone lock a real user out.

* The pair (login, address) is the unit: an attacker hammering a login from one address does not
  stop its owner logging in from another.
* The first :data:`FREE_ATTEMPTS` failures cost nothing; from then on each failure pauses the pair
  for :func:`pause_after` — 30 s, 1 min, 2 min, … up to :data:`MAX_PAUSE` — during which its
  attempts are refused without looking at the password. A success clears the pair; failures older
  than :data:`FORGET_AFTER` are forgotten.
* Counting is atomic and happens *before* the (slow) password check, in a short transaction of its
  own: the row is locked (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's write lock serialises), so
  of 16 guesses sent at once only the allowed number reach argon2.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from api.tables import LoginThrottle
from cases.errors import DomainError
from engine.database import Database, UnitOfWork
from engine.tables import table_of

FREE_ATTEMPTS = 5
FIRST_PAUSE = timedelta(seconds=30)
MAX_PAUSE = timedelta(minutes=30)
FORGET_AFTER = timedelta(hours=24)

TH = table_of(LoginThrottle)


class TooManyAttempts(DomainError):
    code = "too_many_attempts"
    status = 429

    def __init__(self, wait: timedelta) -> None:
        self.seconds = max(1, int(wait.total_seconds() + 0.999))
        when = f"{self.seconds} с" if self.seconds < 60 else f"{(self.seconds + 59) // 60} мин."
        super().__init__(f"Слишком много неудачных попыток входа. Повторите через {when}")

    def details(self) -> object:
        return {"retry_after": self.seconds}


def pause_after(failures: int) -> timedelta | None:
    """How long a pair waits after its ``failures``-th failure in a row (None: no wait yet)."""
    if failures < FREE_ATTEMPTS:
        return None
    return min(FIRST_PAUSE * 2 ** (failures - FREE_ATTEMPTS), MAX_PAUSE)


def claim(db: Database, login: str, address: str, now: datetime) -> None:
    """Count an attempt of (login, address) as failed until it succeeds; raises TooManyAttempts while paused.

    Runs in its own committed transaction, so the count holds even if the request dies
    while the password is being checked.
    """
    key = {"login": login[:64], "address": address[:64]}
    with db.unit_of_work() as tx:
        _ensure_row(tx, db.dialect, key, now)
        query = sa.select(TH.c.failures, TH.c.last_failure_at, TH.c.locked_until).where(
            TH.c.login == key["login"], TH.c.address == key["address"])
        if not db.is_sqlite:
            query = query.with_for_update()
        row = tx.connection.execute(query).one()
        if row.locked_until is not None and row.locked_until > now:
            raise TooManyAttempts(row.locked_until - now)
        failures = (0 if now - row.last_failure_at >= FORGET_AFTER else row.failures) + 1
        pause = pause_after(failures)
        tx.connection.execute(sa.update(TH).where(TH.c.login == key["login"], TH.c.address == key["address"])
                              .values(failures=failures, last_failure_at=now,
                                      locked_until=now + pause if pause else None))
        tx.commit()


def _ensure_row(tx: UnitOfWork, dialect: str, key: dict[str, str], now: datetime) -> None:
    values = {**key, "failures": 0, "last_failure_at": now, "locked_until": None}
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    tx.connection.execute(insert(TH).values(**values).on_conflict_do_nothing())


def clear(tx: UnitOfWork, login: str, address: str) -> None:
    """Forget the failures of a pair (after a successful login)."""
    tx.connection.execute(sa.delete(TH).where(TH.c.login == login[:64], TH.c.address == address[:64]))


def forget_old(tx: UnitOfWork, now: datetime) -> int:
    """Delete pairs whose last failure is older than :data:`FORGET_AFTER` and that are not paused."""
    result = tx.connection.execute(sa.delete(TH).where(
        TH.c.last_failure_at < now - FORGET_AFTER,
        sa.or_(TH.c.locked_until.is_(None), TH.c.locked_until < now)))
    return int(result.rowcount or 0)
