"""Connections and units of work, the same for SQLite and PostgreSQL.

SQLite runs in WAL mode with ``synchronous=NORMAL`` (safe against a killed process),
foreign keys on and a busy timeout. Write transactions on SQLite start with
``BEGIN IMMEDIATE`` so that two writers queue on the lock instead of failing halfway;
read-only units of work use a deferred ``BEGIN`` and never block writers.
PostgreSQL is reached through psycopg 3 (``postgresql+psycopg://``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine as SAEngine
from sqlmodel import Session

WRITE = "opora_write"


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and point them at psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def create_db_engine(url: str, **kwargs: Any) -> SAEngine:
    url = normalise_url(url)
    kwargs.setdefault("json_serializer", _json_dumps)  # keep Cyrillic readable in JSON columns
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return sa.create_engine(url, **kwargs)


def _json_dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _configure_sqlite(engine: SAEngine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        mode = "BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE) else "BEGIN"
        conn.connection.dbapi_connection.execute(mode)  # type: ignore[union-attr]


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


class Database:
    """One database: the SQLAlchemy engine plus units of work on it."""

    def __init__(self, url: str, **kwargs: Any) -> None:
        self.url = normalise_url(url)
        self.engine = create_db_engine(self.url, **kwargs)
        self._writer = self.engine.execution_options(**{WRITE: True})

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @contextmanager
    def unit_of_work(self, *, write: bool = True) -> Iterator[UnitOfWork]:
        """A transaction that rolls back unless the block calls ``tx.commit()``."""
        tx = UnitOfWork(self._writer if write else self.engine)
        try:
            yield tx
        finally:
            tx.close()

    @contextmanager
    def read(self) -> Iterator[UnitOfWork]:
        with self.unit_of_work(write=False) as tx:
            yield tx

    def dispose(self) -> None:
        self.engine.dispose()
