"""Connections and units of work, the same for SQLite and PostgreSQL.

SQLite runs in WAL mode with ``synchronous=NORMAL`` (safe against a killed process),
foreign keys on and a busy timeout. Write transactions on SQLite start with
``BEGIN IMMEDIATE`` so that two writers queue on the lock instead of failing halfway;
read-only units of work use a deferred ``BEGIN`` and never block writers.
PostgreSQL is reached through psycopg 3 (``postgresql+psycopg://``).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine as SAEngine
from sqlmodel import Session

WRITE = "opora_write"
BUSY_MS = "opora_busy_ms"
#: how long a write waits for SQLite's lock by default; nobody holds it longer than it takes to write rows,
#: so a longer wait means something is wrong and the caller is better told "busy, retry" (HTTP 503)
DEFAULT_BUSY_MS = 5000


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and point them at psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def create_db_engine(url: str, busy_ms: int = DEFAULT_BUSY_MS, **kwargs: Any) -> SAEngine:
    url = normalise_url(url)
    kwargs.setdefault("json_serializer", _json_dumps)  # keep Cyrillic readable in JSON columns
    kwargs.setdefault("hide_parameters", True)  # a database error never writes names or birth dates to a log
    if url.startswith("sqlite"):
        # connections are cheap to keep and dear to open (each runs the pragmas): keep one per busy thread
        kwargs.setdefault("pool_size", 20)
        kwargs.setdefault("max_overflow", 20)
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_ms / 1000},
                                  **kwargs)
        _configure_sqlite(engine, busy_ms)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    # opening a PostgreSQL connection starts a server process: keep enough for the busy threads of a worker
    # (four workers stay within the server's default max_connections of 100)
    kwargs.setdefault("pool_size", 15)
    kwargs.setdefault("max_overflow", 5)
    # psycopg's bookkeeping of server-side prepared statements costs more client CPU than the server saves on
    # these short statements (and a pooler in front of PostgreSQL would not keep them anyway)
    kwargs.setdefault("connect_args", {"prepare_threshold": None})
    return sa.create_engine(url, **kwargs)


def _json_dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _configure_sqlite(engine: SAEngine, busy_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={busy_ms}")
        cur.close()
        record.info[BUSY_MS] = busy_ms

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        options = conn.get_execution_options()
        raw = conn.connection.dbapi_connection
        wait = options.get(BUSY_MS, busy_ms)
        info = conn.connection.info
        if info.get(BUSY_MS) != wait:  # a unit of work asked for another wait than the connection has
            raw.execute(f"PRAGMA busy_timeout={int(wait)}")  # type: ignore[union-attr]
            info[BUSY_MS] = wait
        begin = "BEGIN IMMEDIATE" if options.get(WRITE) else "BEGIN"
        try:
            raw.execute(begin)  # type: ignore[union-attr]
        except sqlite3.OperationalError as exc:  # the lock was not free within the wait: say so like any statement
            raise sa.exc.OperationalError(begin, None, exc) from exc


BUSY, LOST, STORAGE = "busy", "lost", "storage"


def unavailable_reason(exc: BaseException) -> str | None:
    """Why a database error means "try again later", or None when it is a bug to be fixed.

    * ``busy`` — SQLite's write lock was not free within the wait;
    * ``lost`` — the connection broke or could not be made (PostgreSQL restarting, network);
    * ``storage`` — the disk is full or the database file became read-only: the operator must act,
      or the file cannot be opened for writing; nothing was written (SQLite rolls the transaction back whole).
    """
    if isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated:
        return LOST
    if isinstance(exc, sa.exc.InterfaceError | sa.exc.TimeoutError):
        return LOST
    if not isinstance(exc, sa.exc.OperationalError):
        return None
    orig = exc.orig
    if isinstance(orig, sqlite3.OperationalError):
        text = str(orig).lower()
        if "locked" in text or "busy" in text:
            return BUSY
        if any(sign in text for sign in ("full", "readonly", "read-only", "disk i/o", "unable to open")):
            return STORAGE
        return None
    return LOST  # PostgreSQL's OperationalError: the server went away, is restarting or refuses connections


def is_unavailable(exc: BaseException) -> bool:
    """True for "try again later" database errors (see :func:`unavailable_reason`).

    They are not the caller's fault and not a bug: the API answers them with 503 and
    ``Retry-After``, a background job tries again on its next tick.
    """
    return unavailable_reason(exc) is not None


def first_line(exc: BaseException) -> str:
    """The driver's message of a database error without the statement and its parameters (no personal data)."""
    return (str(exc).splitlines() or [type(exc).__name__])[0][:200]


class UnitOfWork:
    """One database transaction: a Core connection, and an ORM session on it when asked for.

    Everything done through ``connection`` or ``session`` commits together on
    :meth:`commit`; leaving the ``with`` block without committing rolls everything back.
    The engine's hot path uses only the connection; the domain's handlers use the session.
    """

    def __init__(self, bind: SAEngine) -> None:
        self.connection = bind.connect()
        self.connection.begin()
        self._session: Session | None = None
        self.committed = False

    @property
    def session(self) -> Session:
        if self._session is None:
            # the session never commits on its own: the unit of work commits the connection
            self._session = Session(bind=self.connection, expire_on_commit=False, autoflush=True,
                                    join_transaction_mode="rollback_only")
        return self._session

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A nested transaction: an exception inside rolls back only what the block did."""
        self.flush()
        nested = self.connection.begin_nested()
        try:
            yield
        except BaseException:
            nested.rollback()
            if self._session is not None:
                self._session.expunge_all()  # forget objects whose rows the rollback removed
            raise
        nested.commit()

    def flush(self) -> None:
        """Write what the ORM session holds, so Core statements on the connection see it."""
        if self._session is not None and (self._session.new or self._session.dirty or self._session.deleted):
            self._session.flush()

    def commit(self) -> None:
        self.flush()
        self.connection.commit()
        self.committed = True

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
        if self.connection.in_transaction():
            self.connection.rollback()
        self.connection.close()


class FairLock:
    """A re-entrant lock handed over in the order it was asked for.

    ``threading.RLock`` lets the thread that releases it take it straight back: a background job writing
    batch after batch would keep a request waiting for its one short write until the request gives up.
    Here each waiter takes a ticket and is served in turn.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition(threading.Lock())
        self._next_ticket = 0
        self._serving = 0
        self._owner: int | None = None
        self._depth = 0
        self._skipped: set[int] = set()  # tickets of waiters that gave up before their turn

    def acquire(self, timeout: float) -> bool:
        me = threading.get_ident()
        with self._changed:
            if self._owner == me:
                self._depth += 1
                return True
            ticket = self._next_ticket
            self._next_ticket += 1
            if not self._changed.wait_for(lambda: self._serving == ticket, timeout):
                self._abandon(ticket)
                return False
            self._owner, self._depth = me, 1
            return True

    def _abandon(self, ticket: int) -> None:
        """A waiter that gave up: its turn passes to the next (if it came up meanwhile, pass it on now)."""
        self._skipped.add(ticket)
        self._advance()

    def _advance(self) -> None:
        while self._serving in self._skipped:
            self._skipped.discard(self._serving)
            self._serving += 1
        self._changed.notify_all()

    def release(self) -> None:
        with self._changed:
            self._depth -= 1
            if self._depth:
                return
            self._owner = None
            self._serving += 1
            self._advance()


class Database:
    """One database: the SQLAlchemy engine plus units of work on it."""

    def __init__(self, url: str, *, busy_ms: int = DEFAULT_BUSY_MS, **kwargs: Any) -> None:
        self.url = normalise_url(url)
        self.engine = create_db_engine(self.url, busy_ms=busy_ms, **kwargs)
        self._writer = self.engine.execution_options(**{WRITE: True})
        self.busy_ms = busy_ms
        # SQLite: this process's writers queue here, first come first served, instead of in SQLite's busy
        # handler, which polls with growing sleeps and lets a waiter starve while others keep taking the lock
        self._writers = FairLock()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @contextmanager
    def unit_of_work(self, *, write: bool = True, busy_ms: int | None = None) -> Iterator[UnitOfWork]:
        """A transaction that rolls back unless the block calls ``tx.commit()``.

        ``busy_ms`` (SQLite): how long this transaction waits for the write lock instead of the
        database's default before it fails as unavailable (:func:`is_unavailable`).
        """
        bind = self._writer if write else self.engine
        if busy_ms is not None:
            bind = bind.execution_options(**{BUSY_MS: busy_ms})
        queued = write and self.is_sqlite
        if queued and not self._writers.acquire(timeout=(self.busy_ms if busy_ms is None else busy_ms) / 1000):
            raise sa.exc.OperationalError("BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked"))
        try:
            tx = UnitOfWork(bind)
            try:
                yield tx
            finally:
                tx.close()
        finally:
            if queued:
                self._writers.release()

    @contextmanager
    def read(self) -> Iterator[UnitOfWork]:
        with self.unit_of_work(write=False) as tx:
            yield tx

    def dispose(self) -> None:
        self.engine.dispose()
