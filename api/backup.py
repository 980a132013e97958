"""``opora backup`` and ``opora restore``: a copy of the whole database taken while the server works.

* **SQLite** — the online backup API copies the database in one read transaction: a consistent
  snapshot of the moment it started, taken without stopping the server (in WAL mode a reader
  never blocks the writers). The copy is written next to the target, checked with
  ``PRAGMA integrity_check`` and only then renamed into place, so a failed backup never leaves a
  half-written file under the target's name.
* **PostgreSQL** — ``pg_dump --format=custom`` of the database (of the schema named by the URL's
  ``search_path``, when there is one), restored with ``pg_restore --single-transaction``; both are
  the server's own tools and must be installed (Debian: ``postgresql-client``).

A restore goes into an empty database (or replaces one with ``--replace``; stop the server
first), upgrades the schema if the backup is older, and reports what it restored together with
the audit chain's verification and the row-level consistency checks.

``opora db dump DIR`` (SQLite) writes every table as JSON lines (one file per table, through
sqlite-utils — the only product module that uses it; the other is the benchmarks' bulk loader): a copy
another tool can read, to look into the data or to carry it elsewhere. It holds everything the
database holds — personal data included — and is written to nobody's access log: treat it like the
database file itself.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from api import db_schema
from cases import people_search
from engine import consistency
from engine.audit import verify
from engine.database import Database

#: tables whose row counts a restore reports
COUNTED = ("wf_instance", "wf_audit", "wf_deadline", "document", "family", "person", "report", "app_user")


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why, in Russian."""


@dataclass
class RestoreReport:
    counts: dict[str, int] = field(default_factory=dict)
    audit_breaks: list[str] = field(default_factory=list)
    inconsistencies: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.audit_breaks and not self.inconsistencies


def sqlite_path(db: Database) -> Path:
    path = db.engine.url.database
    if not path or path == ":memory:":
        raise BackupError("резервная копия базы в памяти невозможна")
    return Path(path)


def backup(db: Database, target: Path) -> dict[str, int]:
    """Write a consistent copy of ``db`` to ``target``; return the row counts of the copy."""
    if db.is_sqlite:
        return _backup_sqlite(sqlite_path(db), target)
    _pg_tool(["pg_dump", "--format=custom", f"--file={target}", *_pg_schema_args(db.url), _libpq_url(db.url)])
    with db.read() as tx:
        return _counts(tx.connection)


def _backup_sqlite(source: Path, target: Path) -> dict[str, int]:
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(source)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst)  # all pages in one step: one read transaction, one moment
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        status = dst.execute("PRAGMA integrity_check").fetchone()[0]
        if status != "ok":
            raise BackupError(f"копия не прошла проверку целостности: {status}")
        counts = {name: int(dst.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]) for name in COUNTED}
    finally:
        dst.close()
        src.close()
    os.replace(partial, target)
    return counts


def restore(db: Database, source: Path, *, replace: bool = False) -> RestoreReport:
    """Restore ``source`` into ``db``; raises BackupError when it cannot (a full database without ``replace``)."""
    if not source.is_file():
        raise BackupError(f"нет файла резервной копии: {source}")
    if not replace and _has_data(db):
        raise BackupError("база не пуста: восстановление заменит её содержимое — остановите сервер и добавьте "
                          "--replace, или укажите пустую базу (--database-url)")
    if db.is_sqlite:
        _restore_sqlite(source, sqlite_path(db))
    else:
        _pg_tool(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
                  f"--dbname={_libpq_url(db.url)}", str(source)])
    db.dispose()  # connections opened before the restore may hold the old pages
    db_schema.upgrade(db)
    report = RestoreReport()
    with db.read() as tx:
        report.counts = _counts(tx.connection)
        report.audit_breaks = [str(b) for b in verify(tx)]
        report.inconsistencies = consistency.check(tx)
    return report


def _restore_sqlite(source: Path, target: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        status = src.execute("PRAGMA integrity_check").fetchone()[0]
        if status != "ok":
            raise BackupError(f"резервная копия повреждена: {status}")
        if src.execute("SELECT count(*) FROM sqlite_master WHERE name = 'alembic_version'").fetchone()[0] == 0:
            raise BackupError(f"{source} — не резервная копия базы «Опоры»")
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)  # page by page into the target, under its write lock: readers see old or new, whole
            dst.execute("PRAGMA journal_mode=WAL")
        finally:
            dst.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{source} — не база SQLite или повреждена: {exc}") from exc
    finally:
        src.close()


def _has_data(db: Database) -> bool:
    inspector = sa.inspect(db.engine)
    if not inspector.has_table("app_user"):
        return False
    with db.read() as tx:
        return tx.connection.execute(sa.text("SELECT 1 FROM app_user LIMIT 1")).first() is not None


def _counts(conn: sa.Connection) -> dict[str, int]:
    return {name: int(conn.execute(sa.text(f'SELECT count(*) FROM "{name}"')).scalar_one()) for name in COUNTED}


def _libpq_url(url: str) -> str:
    """The SQLAlchemy URL as libpq understands it (``postgresql://…``, query options kept)."""
    return sa.engine.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_schema_args(url: str) -> list[str]:
    options = sa.engine.make_url(url).query.get("options", "")
    text = urllib.parse.unquote(options if isinstance(options, str) else options[0])
    for part in text.split():
        if part.startswith("-csearch_path="):
            return [f"--schema={part.split('=', 1)[1].split(',')[0]}"]
    return []


def _pg_tool(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"не найдена программа {command[0]} (Debian: apt-get install postgresql-client)")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} завершился с ошибкой: {done.stderr.strip()[:500]}")


def dump(db: Database, folder: Path) -> dict[str, int]:
    """Every table of a SQLite database as ``<table>.jsonl`` in ``folder``; the number of rows of each."""
    import sqlite_utils

    if not db.is_sqlite:
        raise BackupError("выгрузка таблиц — для SQLite; у PostgreSQL для этого есть pg_dump (opora backup)")
    folder.mkdir(parents=True, exist_ok=True)
    store = sqlite_utils.Database(sqlite3.connect(f"file:{sqlite_path(db)}?mode=ro", uri=True))
    counts = {}
    try:
        for table in store.tables:
            if people_search.not_modelled(table.name):  # the name index: derived from adult_person, rebuilt by it
                continue
            rows = 0
            with (folder / f"{table.name}.jsonl").open("w", encoding="utf-8") as out:
                for row in table.rows:
                    out.write(json.dumps(row, ensure_ascii=False, default=_plain) + "\n")
                    rows += 1
            counts[table.name] = rows
    finally:
        store.close()
    return counts


def _plain(value: object) -> str:
    """Bytes (rendered acts) as hex; anything else JSON cannot carry as text."""
    return value.hex() if isinstance(value, bytes) else str(value)
