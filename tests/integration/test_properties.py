"""Property-based: random event sequences (and time passing) never break the engine's invariants.

After every step: the state is one the definition has, versions strictly increase on
success and stay put on refusal, every success is in the audit chain, every open
deadline belongs to the current state. At the end every chain verifies.
"""

from __future__ import annotations

from datetime import timedelta

import hypothesis.strategies as st
from freezegun import freeze_time
from hypothesis import HealthCheck, example, given, settings

from engine.audit import verify
from engine.commands import Actor, FireTransition
from engine.errors import EngineError
from engine.sweeper import sweep
from tests.support import BOSS, CLERK, REVIEWER, Harness, make_harness

EVENTS = ["register", "approve", "reject", "extend", "close", "reopen", "expire", "nonsense"]
ACTORS = [CLERK, REVIEWER, BOSS, Actor.system()]
PAYLOADS = [{}, {"decision": "full"}, {"decision": "partial", "approved_on": "2025-10-15"},
            {"reason": "нет оснований"}, {"note": "x" * 60}, {"decision": "bad"}]

step = st.one_of(
    st.tuples(st.just("fire"), st.sampled_from(EVENTS), st.sampled_from(range(len(ACTORS))),
              st.sampled_from(range(len(PAYLOADS)))),
    st.tuples(st.just("wait"), st.integers(min_value=1, max_value=240), st.just(0), st.just(0)),
)


def check_case(h: Harness, case_id: int, expected_events: int) -> tuple[str, int]:
    with h.db.read() as tx:
        case = h.runtime.load(tx, case_id)
        wf = h.runtime.workflow_of(case)
        assert case.state in wf.states
        conn = tx.connection
        audit = conn.exec_driver_sql(f"select count(*) from wf_audit where instance_id = {case_id}").scalar_one()
        assert audit == expected_events == case.audit_seq
        stray = conn.exec_driver_sql(
            f"select count(*) from wf_deadline where instance_id = {case_id} and status = 'open' "
            f"and state <> '{case.state}'").scalar_one()
        assert stray == 0
        return case.state, case.version


def timeouts_fired(h: Harness, case_id: int) -> int:
    with h.db.read() as tx:
        return int(tx.connection.exec_driver_sql(
            f"select count(*) from wf_step where instance_id = {case_id} and kind = 'timeout' "
            f"and status = 'done'").scalar_one())


def run_sequence(h: Harness, steps: list[tuple[str, object, int, int]]) -> None:
    with freeze_time("2025-10-31 04:00:00") as frozen:
        case_id = h.start().case_id
        events, timeouts = 1, 0
        _, version = check_case(h, case_id, events)
        for kind, what, actor_i, payload_i in steps:
            if kind == "wait":
                frozen.tick(timedelta(hours=int(what)))  # type: ignore[arg-type]
                sweep(h.db, h.runtime)  # other examples' cases share the database: count this case's own
                fired = timeouts_fired(h, case_id) - timeouts
                timeouts += fired
                events += fired
                _, new_version = check_case(h, case_id, events)
                assert new_version == version + fired
            else:
                try:
                    with h.db.unit_of_work() as tx:
                        h.runtime.fire(tx, FireTransition(case_id, str(what), ACTORS[actor_i],
                                                               PAYLOADS[payload_i], expected_version=version))
                        tx.commit()
                    events += 1
                    succeeded = True
                except EngineError:
                    succeeded = False
                _, new_version = check_case(h, case_id, events)
                assert new_version == (version + 1 if succeeded else version)
            version = new_version
    with h.db.read() as tx:
        assert list(verify(tx, [case_id])) == []


@example(steps=[("fire", "register", 0, 0), ("fire", "approve", 1, 2), ("fire", "extend", 1, 0),
                ("fire", "reopen", 2, 0), ("wait", 240, 0, 0), ("wait", 240, 0, 0), ("fire", "close", 1, 0)])
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=1, max_size=25))
def test_random_sequences_keep_the_invariants(db, steps) -> None:  # type: ignore[no-untyped-def]
    with freeze_time("2025-10-31 04:00:00"):
        harness = make_harness(db)
    run_sequence(harness, steps)


def test_the_explicit_example_reaches_a_timeout(db) -> None:  # type: ignore[no-untyped-def]
    """Guards the property test itself: the scripted path really fires transitions and a timeout."""
    with freeze_time("2025-10-31 04:00:00"):
        harness = make_harness(db)
    run_sequence(harness, [("fire", "register", 0, 0), ("fire", "approve", 1, 2), ("fire", "reopen", 2, 0),
                           ("wait", 240, 0, 0), ("wait", 240, 0, 0)])
    rows = harness.rows("select event from wf_audit where instance_id = 1 order by seq")
    assert [r.event for r in rows] == [None, "register", "approve", "reopen", "expire"]
