"""Firing transitions on real databases: state, versions, deadlines, guards, idempotency, conflicts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from engine.commands import Actor, FireTransition
from engine.errors import (
    ConcurrencyConflict,
    GuardFailed,
    IdempotencyKeyReused,
    PayloadInvalid,
    RoleNotAllowed,
    TransitionNotAllowed,
)
from engine.tables import Deadline, OutboxMessage, ParameterOverride
from tests.support import BOSS, CLERK, REVIEWER, Harness, make_harness

FRIDAY_MORNING = "2025-10-31 04:00:00"  # 09:00 in Yekaterinburg, before the November holidays


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def engine(db) -> Harness:  # type: ignore[no-untyped-def]
    with freeze_time(FRIDAY_MORNING):
        return make_harness(db)


DL = Deadline.__table__  # type: ignore[attr-defined]


def deadlines(h: Harness, case_id: int) -> list[tuple[str, str, datetime, str | None]]:
    query = sa.select(DL.c.key, DL.c.status, DL.c.due_at, DL.c.ref).where(DL.c.instance_id == case_id)
    return [(r.key, r.status, r.due_at, r.ref) for r in h.rows(query.order_by(DL.c.id))]


def counts(h: Harness, case_id: int) -> tuple[int, int, int]:
    audit = h.rows("select count(*) from wf_audit where instance_id = :c", c=case_id)[0][0]
    dls = h.rows("select count(*) from wf_deadline where instance_id = :c", c=case_id)[0][0]
    out = h.rows("select count(*) from outbox where instance_id = :c", c=case_id)[0][0]
    return audit, dls, out


def case_row(h: Harness, case_id: int):  # type: ignore[no-untyped-def]
    with h.db.read() as tx:
        return h.runtime.load(tx, case_id)


def test_start_opens_the_initial_deadlines(engine: Harness) -> None:
    with freeze_time(FRIDAY_MORNING):
        started = engine.start()
    case = case_row(engine, started.case_id)
    assert (case.state, case.version, case.audit_seq) == ("received", 1, 1)
    # same working day: 18:00 local = 13:00 UTC on Friday
    assert deadlines(engine, case.id) == [("register", "open", utc(2025, 10, 31, 13), None)]


def test_transition_closes_met_deadlines_and_opens_the_next_state(engine: Harness) -> None:
    with freeze_time(FRIDAY_MORNING):
        case_id = engine.start().case_id
        result = engine.fire(case_id, "register", CLERK, {"note": "принято"}, expected_version=1)
    assert (result.from_state, result.to_state, result.version, result.seq) == ("received", "checking", 2, 2)
    # 3 working days from Friday 31.10.2025: Sat 1.11 works, 3-4.11 are holidays -> Thu 6.11, 18:00 local
    assert deadlines(engine, case_id) == [
        ("register", "met", utc(2025, 10, 31, 13), None),
        ("check", "open", utc(2025, 11, 6, 13), None),
    ]
    steps = engine.rows("select s.kind, s.level, s.target, s.status from wf_step s join wf_deadline d "
                        "on d.id = s.deadline_id where d.key = 'check' order by s.id")
    assert [(s.kind, s.level, s.target, s.status) for s in steps] == [
        ("remind", 1, "assignee", "pending"), ("escalate", 1, "assignee", "pending"),
        ("escalate", 2, "boss", "pending"), ("timeout", 0, "expire", "pending")]
    cancelled = engine.rows("select count(*) from wf_step s join wf_deadline d on d.id = s.deadline_id "
                            "where d.key = 'register' and s.status = 'cancelled'")[0][0]
    assert cancelled == 2  # the reminder and escalation of the met deadline will never fire
    case = case_row(engine, case_id)
    assert case.assignee_id == CLERK.user_id  # the assign_actor effect
    assert case.version == 2


def test_a_deadline_closed_after_its_due_moment_is_late(engine: Harness) -> None:
    with freeze_time(FRIDAY_MORNING):
        case_id = engine.start().case_id
    with freeze_time("2025-11-05 10:00:00"):
        engine.fire(case_id, "register", CLERK)
    assert deadlines(engine, case_id)[0][:2] == ("register", "late")


def test_stale_version_is_a_conflict_and_changes_nothing(engine: Harness) -> None:
    case_id = engine.start().case_id
    engine.fire(case_id, "register", CLERK)
    before = counts(engine, case_id)
    with pytest.raises(ConcurrencyConflict) as err:
        engine.fire(case_id, "approve", REVIEWER, {"decision": "full"}, expected_version=1)
    assert (err.value.expected, err.value.actual) == (1, 2)
    assert counts(engine, case_id) == before
    assert case_row(engine, case_id).state == "checking"


def test_role_event_payload_and_guard_are_checked_in_order(engine: Harness) -> None:
    case_id = engine.start().case_id
    with pytest.raises(TransitionNotAllowed) as not_here:
        engine.fire(case_id, "approve", REVIEWER)
    assert not_here.value.state == "received"
    with pytest.raises(RoleNotAllowed) as wrong_role:
        engine.fire(case_id, "register", REVIEWER)
    assert wrong_role.value.allowed == ["clerk"]
    engine.fire(case_id, "register", CLERK)
    with pytest.raises(PayloadInvalid) as bad:
        engine.fire(case_id, "approve", REVIEWER, {"decision": "maybe", "approved_on": "31.02.2025", "x": 1})
    assert set(bad.value.errors) == {"decision", "approved_on", "x"}
    assert "Полностью" in bad.value.errors["decision"]
    assert case_row(engine, case_id).version == 2


def test_guard_failure_names_the_reason(engine: Harness) -> None:
    case_id = engine.start().case_id
    engine.fire(case_id, "register", CLERK)
    engine.fire(case_id, "approve", REVIEWER, {"decision": "full", "approved_on": "2025-11-10"})
    with engine.db.unit_of_work() as tx:
        engine.runtime.open_item_deadline(tx, case_id, "item", "item:1", utc(2025, 12, 1, 13))
        tx.commit()
    with pytest.raises(GuardFailed) as failed:
        engine.fire(case_id, "close", REVIEWER)
    assert "Не закрыто пунктов плана: 1" in str(failed.value)
    with engine.db.unit_of_work() as tx:
        engine.runtime.close_item_deadline(tx, case_id, "item", "item:1")
        tx.commit()
    assert engine.fire(case_id, "close", REVIEWER).to_state == "closed"
    case = case_row(engine, case_id)
    assert case.closed_at is not None
    assert engine.rows("select next_due_at from wf_instance where id = :c", c=case_id)[0][0] is None


def test_idempotency_key_returns_the_first_result(engine: Harness) -> None:
    case_id = engine.start().case_id
    first = engine.fire(case_id, "register", CLERK, {"note": "a"}, idempotency_key="form-1")
    before = counts(engine, case_id)
    again = engine.fire(case_id, "register", CLERK, {"note": "a"}, idempotency_key="form-1")
    assert again.replayed and not first.replayed
    assert (again.case_id, again.to_state, again.version, again.seq) == (case_id, "checking", 2, 2)
    assert counts(engine, case_id) == before
    with pytest.raises(IdempotencyKeyReused):
        engine.fire(case_id, "register", CLERK, {"note": "b"}, idempotency_key="form-1")


def test_relative_deadline_and_internal_restart(engine: Harness) -> None:
    case_id = engine.start().case_id
    engine.fire(case_id, "register", CLERK)
    with freeze_time("2025-11-10 05:00:00"):
        engine.fire(case_id, "approve", REVIEWER, {"decision": "partial", "approved_on": "2025-11-10"})
        with engine.db.unit_of_work() as tx:
            engine.runtime.open_item_deadline(tx, case_id, "item", "item:7", utc(2025, 12, 1, 13))
            tx.commit()
    # 3 months after the approval date: 10.02.2026, 18:00 local
    assert ("review", "open", utc(2026, 2, 10, 13), None) in deadlines(engine, case_id)
    with freeze_time("2026-02-02 05:00:00"):
        result = engine.fire(case_id, "extend", REVIEWER, {"approved_on": "2026-02-02"})
    assert result.to_state == "approved" and result.from_state == "approved"
    rows = deadlines(engine, case_id)
    assert ("review", "met", utc(2026, 2, 10, 13), None) in rows
    assert ("review", "open", utc(2026, 5, 4, 13), None) in rows  # 2.05 is Saturday -> Monday 4.05
    assert ("item", "open", utc(2025, 12, 1, 13), "item:7") in rows  # untouched by the restart
    assert case_row(engine, case_id).data["approved_on"] == "2026-02-02"


def test_leaving_a_state_cancels_its_item_deadlines(engine: Harness) -> None:
    case_id = engine.start().case_id
    engine.fire(case_id, "register", CLERK)
    engine.fire(case_id, "approve", REVIEWER, {"decision": "full"})
    with engine.db.unit_of_work() as tx:
        engine.runtime.open_item_deadline(tx, case_id, "item", "item:1", utc(2030, 1, 1, 13))
        tx.commit()
    engine.fire(case_id, "reopen", BOSS)
    statuses = {(k, r): s for k, s, _, r in deadlines(engine, case_id)}
    assert statuses[("item", "item:1")] == "cancelled"
    assert statuses[("review", None)] == "met"


def test_territory_override_changes_the_deadline(engine: Harness) -> None:
    with engine.db.unit_of_work() as tx:
        tx.session.add(ParameterOverride(workflow="review", territory="t1", name="check_days", value=5,
                                      basis="Приказ по району № 1", updated_at=utc(2025, 10, 1)))
        tx.commit()
    engine.runtime.forget_overrides()
    with freeze_time(FRIDAY_MORNING):
        case_id = engine.start().case_id
        engine.fire(case_id, "register", CLERK)
    # 5 working days from Friday 31.10.2025: 1.11, 5.11, 6.11, 7.11, 10.11
    assert ("check", "open", utc(2025, 11, 10, 13), None) in deadlines(engine, case_id)


def test_notify_and_assignment_write_outbox_rows(engine: Harness) -> None:
    case_id = engine.start().case_id
    engine.fire(case_id, "register", CLERK)
    engine.fire(case_id, "approve", REVIEWER, {"decision": "full"})
    rows = engine.rows("select key, kind, target from outbox where instance_id = :c order by id", c=case_id)
    assert [(r.kind, r.target) for r in rows] == [("case.assigned", "user:5"), ("decision_recorded", "assignee")]
    with engine.db.unit_of_work() as tx:
        engine.runtime.assign(tx, case_id, 42, BOSS, reason="отпуск")
        tx.commit()
    last = engine.rows("select kind, target from outbox where instance_id = :c order by id desc", c=case_id)[0]
    assert (last.kind, last.target) == ("case.assigned", "user:42")
    assert case_row(engine, case_id).assignee_id == 42


def test_outbox_rows_carry_the_moment_and_payload_they_were_written_with(engine: Harness) -> None:
    """A batch's shared values (time, status) are converted once for all rows: read back, each row has them."""
    with freeze_time("2025-11-05 06:30:00"):
        case_id = engine.start().case_id
        engine.fire(case_id, "register", CLERK)
        engine.fire(case_id, "approve", REVIEWER, {"decision": "full"})
    with engine.db.read() as tx:
        rows = tx.connection.execute(sa.select(OutboxMessage.__table__).where(  # type: ignore[attr-defined]
            OutboxMessage.instance_id == case_id).order_by(OutboxMessage.id)).all()
    assert [(r.created_at, r.status) for r in rows] == [(utc(2025, 11, 5, 6, 30), "pending")] * 2
    assert rows[0].payload == {"assignee_id": 5} and rows[1].payload["event"] == "approve"


def test_a_failing_effect_leaves_nothing_behind(engine: Harness) -> None:
    vocabulary = engine.runtime.vocabulary

    @vocabulary.effect("explode")
    def explode(ctx, args):  # type: ignore[no-untyped-def]
        ctx.case.data["half"] = True
        raise RuntimeError("boom")

    engine.catalog.add_text(
        """
workflow: fragile
version: 1
title: Хрупкий
states:
  a: {title: A, initial: true, deadlines: [{id: d, title: D, basis: b, due: 1d}]}
  b: {title: B, final: true}
transitions:
  - {event: go, title: Go, from: a, to: b, roles: [clerk], effects: [explode]}
""", "fragile.yaml")
    case_id = engine.start("fragile").case_id
    before = counts(engine, case_id)
    with pytest.raises(RuntimeError):
        engine.fire(case_id, "go", CLERK)
    assert counts(engine, case_id) == before
    case = case_row(engine, case_id)
    assert (case.state, case.version, case.data) == ("a", 1, {})
    assert deadlines(engine, case_id)[0][1] == "open"


def test_available_events_depend_on_state_and_role(engine: Harness) -> None:
    case_id = engine.start().case_id
    engine.fire(case_id, "register", CLERK)
    case = case_row(engine, case_id)
    assert [t.event for t in engine.runtime.available(case, "reviewer")] == ["approve", "reject"]
    assert [t.event for t in engine.runtime.available(case, "clerk")] == []
    assert {t.event for t in engine.runtime.available(case)} == {"approve", "reject", "expire"}


def test_concurrent_transitions_on_one_case_serialise(engine: Harness) -> None:
    """Two users fire on the same version: exactly one wins, the other gets a conflict."""
    import threading

    case_id = engine.start().case_id
    engine.fire(case_id, "register", CLERK)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def attempt(event: str, payload: dict[str, str]) -> None:
        barrier.wait()
        try:
            with engine.db.unit_of_work() as tx:
                engine.runtime.fire(tx, FireTransition(case_id, event, REVIEWER, payload, expected_version=2))
                tx.commit()
            outcomes.append("ok")
        except ConcurrencyConflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=attempt, args=("approve", {"decision": "full"})),
               threading.Thread(target=attempt, args=("reject", {"reason": "нет оснований"}))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    audit = engine.rows("select count(*) from wf_audit where instance_id = :c", c=case_id)[0][0]
    assert audit == 3
    assert case_row(engine, case_id).version == 3


def test_system_actor_may_fire_only_system_events(engine: Harness) -> None:
    case_id = engine.start().case_id
    engine.fire(case_id, "register", CLERK)
    with pytest.raises(RoleNotAllowed):
        engine.fire(case_id, "approve", Actor.system(), {"decision": "full"})
    assert engine.fire(case_id, "expire", Actor.system()).to_state == "rejected"


def test_the_actions_list_and_firing_are_one_answer_of_the_machine(engine: Harness) -> None:
    """What the actions list offers and greys out is what firing accepts and refuses, with the same reason."""
    calls: list[str] = []

    @engine.runtime.vocabulary.effect("count_call")
    def count_call(ctx, args):  # type: ignore[no-untyped-def]
        calls.append(ctx.transition.event)

    @engine.runtime.vocabulary.guard("never_on_mondays")
    def never_on_mondays(ctx, args):  # type: ignore[no-untyped-def]
        return "по понедельникам нельзя" if ctx.now.weekday() == 0 else None

    engine.catalog.add_text(
        """
workflow: guarded
version: 1
title: С условиями
states:
  a: {title: A, initial: true}
  b: {title: B, final: true}
transitions:
  - {event: go, title: Go, from: a, to: b, roles: [clerk], guards: [never_on_mondays], effects: [count_call]}
  - {event: note, title: Note, from: a, internal: true, roles: [clerk, reviewer], effects: [count_call]}
""", "guarded.yaml")
    with freeze_time("2025-11-03 06:00:00"):  # a Monday
        case_id = engine.start("guarded").case_id
        case = case_row(engine, case_id)
        compiled = engine.catalog.compiled("guarded", 1)
        offered = engine.runtime.available(case, "clerk")
        assert [t.event for t in offered] == compiled.machine.get_triggers("a") == ["go", "note"]
        assert [t.event for t in engine.runtime.available(case, "reviewer")] == ["note"]
        with engine.db.read() as tx:
            reasons = {t.event: engine.runtime.refusal(tx, case, t, CLERK) for t in offered}
        assert reasons == {"go": "по понедельникам нельзя", "note": None}
        before = counts(engine, case_id)
        with pytest.raises(GuardFailed) as refused:
            engine.fire(case_id, "go", CLERK)
        assert (refused.value.guard, refused.value.reason) == ("never_on_mondays", reasons["go"])
        assert calls == [] and counts(engine, case_id) == before  # the conditions stop it before any callback
        assert engine.fire(case_id, "note", CLERK).to_state == "a"
    with freeze_time("2025-11-04 06:00:00"):
        with engine.db.read() as tx:
            assert engine.runtime.refusal(tx, case_row(engine, case_id), offered[0], CLERK) is None
        assert engine.fire(case_id, "go", CLERK).to_state == "b"
    assert calls == ["note", "go"]
    assert engine.runtime.available(case_row(engine, case_id)) == []
