"""Obligations stored before they ran on the engine get their instance from the migration: in the row's state, with
their old history in the instance's audit trail (which verifies), and the sweep then counts the deadline of the ones
still owed — on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from api.db_schema import upgrade
from cases import obligation_flow, obligation_work
from cases.vocabulary import build_vocabulary
from engine.audit import verify
from engine.catalog import Catalog
from engine.clock import FixedClock
from engine.consistency import check
from engine.database import Database
from engine.runtime import Runtime
from engine.tables import CaseInstance, table_of
from tests.conftest import BACKENDS, PG_BASE
from tests.support import calendar
from workflows import WORKFLOWS_DIR

BEFORE = "0014_people_search"
AT = "2025-03-20 05:00:00"
RETURNED_AT = "2025-03-21 06:30:00"


@pytest.fixture(params=BACKENDS)
def old_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database migrated up to the revision before the obligations' workflow (its own file or schema)."""
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'old.db'}")
        upgrade(db, BEFORE)
        yield db
        db.dispose()
        return
    schema = f"opora_obl_migration_{os.getpid()}"
    admin = sa.create_engine(PG_BASE)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    db = Database(f"{PG_BASE}?options=-csearch_path%3D{schema}")
    upgrade(db, BEFORE)
    yield db
    db.dispose()
    with admin.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    admin.dispose()


def _row(obligation_id: int, org_id: int, report: str, state: str, due: str) -> str:
    digest = "a" * 64
    return ("INSERT INTO report_obligation (id, org_id, territory, report, kind, title, period_first, period_last, "
            "rule, source, rule_due_on, due_on, recipient_org_id, state, version, filename, media_type, size, sha256, "
            "storage_key, reason, escalation_level, created_at) VALUES "
            f"({obligation_id}, {org_id}, 't', '{report}', 'report', 'Отчёт', '2025-01-01', '2025-03-31', 'правило', "
            f"'', '2025-04-01', '{due}', 2, '{state}', 3, 'f.pdf', 'application/pdf', 10, "
            f"'{digest}', '', 'Нет раздела 3', 0, '{AT}')")


def test_existing_obligations_get_their_instances(old_db: Database) -> None:
    with old_db.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO territory (code, name) VALUES ('t', 'Территория')")
        for org_id, kind in ((1, "provider"), (2, "guardianship")):
            conn.exec_driver_sql("INSERT INTO organisation (id, name, short_name, kind, territory, address, phone, "
                                 f"head_name) VALUES ({org_id}, 'Орг {org_id}', 'Орг {org_id}', '{kind}', 't', '', "
                                 "'', '')")
        conn.exec_driver_sql(_row(1, 1, "provider_forms", "returned", "2025-04-01"))
        conn.exec_driver_sql(_row(2, 1, "monthly_statistics", "accepted", "2025-03-28"))
        for kind, from_state, to_state, at in (("submitted", "due", "submitted", AT),
                                               ("returned", "submitted", "returned", RETURNED_AT)):
            conn.exec_driver_sql("INSERT INTO report_obligation_event (obligation_id, kind, from_state, to_state, "
                                 f"by_user, at, note, sha256) VALUES (1, '{kind}', '{from_state}', '{to_state}', "
                                 f"NULL, '{at}', 'Нет раздела 3', '')")
    upgrade(old_db)
    with old_db.read() as tx:
        conn = tx.connection
        assert "report_obligation_event" not in sa.inspect(conn).get_table_names()
        rows = conn.execute(sa.text("select r.id, r.case_id, i.state, i.subject_kind, i.subject_id, i.closed_at "
                                    "from report_obligation r join wf_instance i on i.id = r.case_id "
                                    "order by r.id")).all()
        assert [(r.id, r.state, r.subject_kind, r.subject_id) for r in rows] == [
            (1, "returned", "obligation", 1), (2, "accepted", "obligation", 2)]
        assert rows[0].closed_at is None and rows[1].closed_at is not None
        # the instance's times come from the stored history, not from when the migration ran: the last change of
        # the returned one, and the accepted one (no events, no decision time) closed as of its creation
        ci = table_of(CaseInstance)
        times = conn.execute(sa.select(ci.c.updated_at, ci.c.closed_at).where(
            ci.c.id.in_([r.case_id for r in rows])).order_by(ci.c.subject_id)).all()
        assert times == [(datetime(2025, 3, 21, 6, 30, tzinfo=UTC), None),
                         (datetime(2025, 3, 20, 5, 0, tzinfo=UTC), datetime(2025, 3, 20, 5, 0, tzinfo=UTC))]
        history = obligation_flow.history(conn, rows[0].case_id)
        assert [(h["kind"], h["to_state"], h["note"]) for h in history] == [
            ("submitted", "submitted", "Нет раздела 3"), ("returned", "returned", "Нет раздела 3")]
        assert list(verify(tx)) == [] and check(tx) == []
    # the sweep counts the deadline of the one still owed (the accepted one has none)
    vocabulary = build_vocabulary()
    catalog = Catalog(vocabulary)
    catalog.load_directory(WORKFLOWS_DIR)
    runtime = Runtime(catalog, vocabulary, calendar(), FixedClock(datetime(2025, 3, 21, 5, tzinfo=UTC)))
    assert obligation_work.schedule_unscheduled(old_db, runtime) == 1
    assert obligation_work.schedule_unscheduled(old_db, runtime) == 0
    with old_db.read() as tx:
        deadlines = tx.connection.execute(sa.text(
            "select d.instance_id, d.state, d.due_at from wf_deadline d where d.status = 'open'")).all()
        assert [(d.instance_id, d.state) for d in deadlines] == [(rows[0].case_id, "returned")]
        due_at = runtime.load(tx, rows[0].case_id).data["due_on"]
        assert due_at == date(2025, 4, 1).isoformat()
        assert check(tx) == []
