"""``opora backup`` / ``restore`` on PostgreSQL (pg_dump), and ``opora db dump`` of a SQLite database.

The SQLite backup taken under load is in ``tests/e2e/test_faults.py``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from api import backup
from engine.database import Database
from tests.process_steps import Process


def test_dump_writes_every_table_as_json_lines(process: Process, backend: str, tmp_path: Path) -> None:
    if backend != "sqlite":
        pytest.skip("a dump of the tables is for SQLite; PostgreSQL has pg_dump (opora backup)")
    case_id = process.to_inspection()
    counts = backup.dump(process.svc.db, tmp_path / "dump")
    assert counts["wf_instance"] == 1 and counts["app_user"] == len(process.world.users)
    cases = [json.loads(line) for line in (tmp_path / "dump" / "wf_instance.jsonl").read_text().splitlines()]
    assert [c["id"] for c in cases] == [case_id] and cases[0]["state"] == "inspection_ordered"
    assert {p.stem for p in (tmp_path / "dump").glob("*.jsonl")} >= {"wf_audit", "family", "person", "document"}


def test_a_postgresql_backup_restores_into_an_empty_database(process: Process, backend: str, db_url: str,
                                                             tmp_path: Path) -> None:
    if backend != "postgresql":
        pytest.skip("pg_dump and pg_restore: PostgreSQL")
    if shutil.which("pg_dump") is None:
        pytest.skip("the PostgreSQL client tools are not installed")
    process.to_inspection()
    copy = tmp_path / "opora.dump"
    counts = backup.backup(process.svc.db, copy)
    schema = sa.engine.make_url(db_url).query["options"].split("=")[-1]  # type: ignore[union-attr]
    target = Database(db_url)
    with target.engine.begin() as conn:  # the same schema, emptied: what a new server would have
        conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    report = backup.restore(target, copy)
    assert report.clean and report.counts == counts
    target.dispose()
