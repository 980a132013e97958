"""The deadline sweeper: each step exactly once, late steps marked late, timeouts fire events."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from freezegun import freeze_time

from engine.audit import verify
from engine.commands import StartCase
from engine.consistency import check
from engine.database import Database
from engine.sweeper import _IDLE, has_due, sweep
from tests.support import CLERK, Harness, make_harness

FRIDAY_MORNING = "2025-10-31 04:00:00"


@pytest.fixture
def engine(db) -> Harness:  # type: ignore[no-untyped-def]
    with freeze_time(FRIDAY_MORNING):
        return make_harness(db)


def step_counts(h: Harness) -> dict[str, int]:
    return {r.status: r.n for r in h.rows("select status, count(*) as n from wf_step group by status")}


def test_reminder_then_escalation_then_timeout(engine: Harness) -> None:
    with freeze_time(FRIDAY_MORNING):
        case_id = engine.start().case_id
        engine.fire(case_id, "register", CLERK)  # check due Thu 06.11 13:00 UTC
    with freeze_time("2025-11-05 13:01:00"):  # reminder 1 working day before
        assert has_due(engine.db, engine.runtime.clock.now())
        report = sweep(engine.db, engine.runtime)
        assert (report.steps, report.reminders, report.late) == (1, 1, 0)
        assert not has_due(engine.db, engine.runtime.clock.now())
        assert sweep(engine.db, engine.runtime).steps == 0
    with freeze_time("2025-11-06 13:00:30"):  # escalation level 1 to the assignee at the due moment
        report = sweep(engine.db, engine.runtime)
        assert (report.steps, report.escalations) == (1, 1)
    with freeze_time("2025-11-10 13:00:00"):  # level 2 (07.11) is late; the timeout (10.11) fires on time
        report = sweep(engine.db, engine.runtime)
        assert (report.steps, report.escalations, report.timeouts, report.late) == (2, 1, 1, 1)
    outbox = engine.rows("select key, kind, target, payload from outbox where kind like 'deadline.%' order by id")
    assert [(r.kind, r.target) for r in outbox] == [
        ("deadline.reminder", "assignee"), ("deadline.escalation", "assignee"), ("deadline.escalation", "boss")]
    with engine.db.read() as tx:
        case = engine.runtime.load(tx, case_id)
    assert case.state == "rejected"
    last = engine.rows("select event, actor_role, idempotency_key from wf_audit where instance_id = :c "
                       "order by seq desc", c=case_id)[0]
    assert (last.event, last.actor_role) == ("expire", "system")
    assert last.idempotency_key.startswith("step:")
    late = engine.rows("select kind, level, late from wf_step where status = 'done' order by due_at")
    assert [(r.kind, r.level, bool(r.late)) for r in late] == [
        ("remind", 1, False), ("escalate", 1, False), ("escalate", 2, True), ("timeout", 0, False)]


def test_a_refused_timeout_marks_the_step_failed_without_blocking_others(engine: Harness) -> None:
    engine.catalog.add_text(
        """
workflow: guarded
version: 1
title: С условием
states:
  a:
    title: A
    initial: true
    deadlines:
      - {id: d, title: D, basis: b, due: 1d, timeout: {event: go}, escalate: [{after: 0h, to: boss}]}
  b: {title: B, final: true}
transitions:
  - {event: go, title: Go, from: a, to: b, roles: [system], guards: [{field_set: {field: ready}}]}
""", "guarded.yaml")
    with freeze_time(FRIDAY_MORNING):
        case_id = engine.start("guarded").case_id
    with freeze_time("2025-11-06 00:00:00"):
        report = sweep(engine.db, engine.runtime)
    assert (report.timeouts, report.failed, report.escalations) == (0, 1, 1)
    failed = engine.rows("select note from wf_step where status = 'failed'")
    assert "ready" in failed[0].note
    with engine.db.read() as tx:
        assert engine.runtime.load(tx, case_id).state == "a"


def test_downtime_catch_up_fires_every_step_once_and_late(engine: Harness) -> None:
    """10,000 deadlines fall due while the server is down; one sweep fires each step exactly once."""
    n = 10_000
    with freeze_time(FRIDAY_MORNING), engine.db.unit_of_work() as tx:
        for _ in range(n):
            engine.runtime.start(tx, StartCase("review", CLERK, territory="t1"))
        tx.commit()
    pending = step_counts(engine)["pending"]
    assert pending == 2 * n  # a reminder and an escalation per "register" deadline
    with freeze_time("2025-11-20 04:00:00"):  # three weeks of downtime
        report = sweep(engine.db, engine.runtime, batch_size=1000)
        assert sweep(engine.db, engine.runtime).steps == 0
    assert (report.steps, report.late, report.reminders, report.escalations) == (2 * n, 2 * n, n, n)
    assert step_counts(engine) == {"done": 2 * n}
    keys = engine.rows("select count(*), count(distinct key) from outbox where kind like 'deadline.%'")[0]
    assert tuple(keys) == (2 * n, 2 * n)


def test_parallel_sweepers_never_fire_a_step_twice(engine: Harness) -> None:
    with freeze_time(FRIDAY_MORNING), engine.db.unit_of_work() as tx:
        for _ in range(600):
            engine.runtime.start(tx, StartCase("review", CLERK, territory="t1"))
        tx.commit()
    reports = []
    errors: list[BaseException] = []
    with freeze_time("2025-11-20 04:00:00"):
        def run() -> None:
            try:
                reports.append(sweep(engine.db, engine.runtime, batch_size=50))
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=run) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors
    assert sum(r.steps for r in reports) == 1200
    assert engine.rows("select count(*) from outbox where kind like 'deadline.%'")[0][0] == 1200
    assert step_counts(engine) == {"done": 1200}


def test_lateness_threshold(engine: Harness) -> None:
    with freeze_time(FRIDAY_MORNING):
        engine.start()
    with freeze_time("2025-10-31 11:04:00"):  # reminder due 11:00 UTC, fired 4 minutes later
        report = sweep(engine.db, engine.runtime, lateness=timedelta(minutes=5))
    assert (report.steps, report.late) == (1, 0)
    with freeze_time("2025-10-31 13:06:00"):  # escalation due 13:00, fired 6 minutes later
        report = sweep(engine.db, engine.runtime, lateness=timedelta(minutes=5))
    assert (report.steps, report.late) == (1, 1)


def test_idle_poll_uses_the_partial_index(sqlite_template) -> None:  # type: ignore[no-untyped-def]
    """SQLite only: PostgreSQL picks its plan from statistics, so its plan text proves nothing here."""
    db = Database(f"sqlite:///{sqlite_template}")
    with db.engine.connect() as conn:
        compiled = _IDLE.compile(db.engine)
        plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + str(compiled), ("2030-01-01 00:00:00", 1, 0)))
    db.dispose()
    assert "ix_wf_step_pending_due" in plan


def test_cases_started_together_are_the_cases_started_one_by_one(engine: Harness) -> None:
    """``Runtime.start_many`` (the obligations' sweep) writes what ``start`` writes: the case, its deadlines and
    steps, a first audit event that verifies — in a few statements for all of them."""
    with freeze_time(FRIDAY_MORNING):
        alone = engine.start(data={"n": 0}, subject_kind="thing", subject_id=1).case_id
        with engine.db.unit_of_work() as tx:
            together = engine.runtime.start_many(tx, [StartCase("review", CLERK, data={"n": n}, territory="t1",
                                                                subject_kind="thing", subject_id=n)
                                                      for n in (2, 3)])
            tx.commit()
    assert len(together) == 2 and alone not in together

    def shape(case_id: int) -> tuple[Any, ...]:
        case = engine.rows("select state, version, audit_seq, next_due_at, subject_id from wf_instance "
                           "where id = :c", c=case_id)[0]
        deadlines = engine.rows("select key, state, due_at, status from wf_deadline where instance_id = :c",
                                c=case_id)
        steps = engine.rows("select kind, level, target, due_at, status from wf_step where instance_id = :c "
                            "order by id", c=case_id)
        events = engine.rows("select kind, to_state, actor_role from wf_audit where instance_id = :c", c=case_id)
        return (tuple(case)[:4], [tuple(d) for d in deadlines], [tuple(s) for s in steps],
                [tuple(e) for e in events])

    assert shape(together[0]) == shape(alone) == shape(together[1])
    assert [r.subject_id for r in engine.rows("select subject_id from wf_instance where id in (:a, :b) order by id",
                                              a=together[0], b=together[1])] == [2, 3]
    with engine.db.read() as tx:
        assert list(verify(tx)) == [] and check(tx) == []
