"""Creating and upgrading the database schema with Alembic (the same migrations on SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from engine.database import Database

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(db: Database) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    config.attributes["engine"] = db.engine
    return config


def upgrade(db: Database, revision: str = "head") -> None:
    command.upgrade(alembic_config(db), revision)


@contextmanager
def exclusive(db: Database, name: str) -> Iterator[None]:
    """Hold a database-wide lock named ``name`` for the block (PostgreSQL: a session advisory lock).

    Several server processes (``opora serve --workers N``, several hosts) start at once; the
    schema upgrade and the publishing of workflow versions must not run in two of them at the
    same time. On SQLite the write transaction of each step already serialises them.
    """
    if db.is_sqlite:
        yield
        return
    key = int.from_bytes(hashlib.sha256(f"opora:{name}".encode()).digest()[:8], "big", signed=True)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("SELECT pg_advisory_lock(%s)", (key,))
        conn.commit()
        try:
            yield
        finally:
            conn.exec_driver_sql("SELECT pg_advisory_unlock(%s)", (key,))
            conn.commit()


def analyze(db: Database) -> None:
    """Refresh SQLite's planner statistics (PostgreSQL's autovacuum does this by itself).

    Without them SQLite picks indexes by guesswork: the overdue dashboard then walks every case of a
    territory instead of the few overdue deadlines (docs/performance.md). ``analysis_limit`` makes
    ANALYZE sample each index instead of reading it whole, so it holds the write lock for a moment
    even on a large database; it queues with the other writers of this process.
    """
    if db.is_sqlite:
        with db.unit_of_work() as tx:
            tx.connection.exec_driver_sql("PRAGMA analysis_limit=2000")
            tx.connection.exec_driver_sql("ANALYZE")
            tx.commit()


class SchemaOutdated(RuntimeError):
    """The database's schema is not the one this code needs (run ``opora db upgrade``)."""


def require_current(db: Database) -> None:
    """Raise :class:`SchemaOutdated` unless the schema is at the newest migration."""
    current, head = current_revision(db), head_revision(db)
    if current != head:
        raise SchemaOutdated(f"схема базы данных устарела ({current or 'пустая база'}, нужна {head}): "
                             "выполните «opora db upgrade»")


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(db: Database) -> str | None:
    return ScriptDirectory.from_config(alembic_config(db)).get_current_head()
