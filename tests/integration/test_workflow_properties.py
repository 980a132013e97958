"""Property-based, on every workflow file in ``workflows/``: random actions by random users (and time passing)
never break the engine's invariants, and every answer is the shared machine's.

Each example opens a case of the workflow in the domain's world (a report registered through the domain for
``child_report``; a case of the same family for the others) and then, step by step, either fires an event of the
workflow — any event, by any user of the world or the system, with a payload drawn from the event's declared
fields, sometimes with wrong values — through the same command handler the UI uses, or lets hours pass and
sweeps. After every step: the case is in a state of the definition; a success moved it exactly where the
machine's transition leads and added one audit event; a refusal wrote nothing; "not available" means the
machine has no such transition in that state; open deadlines belong to the current state. At the end the
audit chain verifies and the case agrees with its history.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from cases import handlers
from cases.commands import ChildInput, FireEvent
from cases.errors import DomainError
from engine.audit import verify
from engine.commands import Actor, FireTransition
from engine.consistency import check
from engine.definition import FieldSpec, Workflow
from engine.errors import EngineError, TransitionNotAllowed
from tests.process_steps import Process

FILES = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "workflows").glob("*.yaml"))
#: workflow files this world cannot start yet: the district commission's (a territory on the Novgorod profile with
#: areas) and the adults' practices (the resource centre's staff, a person instead of a family); their paths are
#: walked by their scenario tests (test_regions.py, test_release_accompaniment.py, test_homeless_placement.py)
NOT_DRIVEN = {"kdn_ipr_district", "release_accompaniment", "homeless_placement", "free_places",
              "uso_ministry_report"}
WORKFLOWS = [name for name in FILES if name not in NOT_DRIVEN]
LOGINS = ["opeka", "agent", "director", "curator", "secretary", "boss", "other_opeka", "system"]
#: reference fields: which organisation or user of the world is the right value
REFS = {"agency_ref": ("orgs", "agency"), "uso_ref": ("orgs", "uso"), "kdn_ref": ("orgs", "kdn"),
        "curator_ref": ("users", "curator"), "agency_user_ref": ("users", "agent")}


def test_every_workflow_file_is_covered() -> None:
    """A new workflow file is either driven here or named in NOT_DRIVEN: it cannot go unnoticed."""
    assert set(WORKFLOWS) == {"child_report", "family_support", "kdn_forward", "kdn_prevention"}
    assert set(FILES) >= NOT_DRIVEN


def field_value(draw: Any, spec: FieldSpec, process: Process, aimed: bool) -> Any:
    today = process.today()
    if spec.type in REFS:
        where, key = REFS[spec.type]
        right = getattr(process.world, where)[key]
        return right if aimed else draw(st.sampled_from([right, 999_999]))
    if spec.type == "date":
        return (today + timedelta(days=draw(st.integers(-40, 0 if aimed and not spec.future else 40)))).isoformat()
    if spec.type == "datetime":
        return (process.now() - timedelta(hours=draw(st.integers(0, 48)))).isoformat()
    if spec.type == "choice":
        return draw(st.sampled_from([key for key, _ in spec.choices] + ([] if aimed else ["нет-такого"])))
    if spec.type == "integer":
        return draw(st.integers(1 if aimed else -1, 30))
    return draw(st.sampled_from(["Проверено на месте"] if aimed else ["Проверено на месте", "", "x" * 3000]))


def payload(draw: Any, wf: Workflow, event: str, process: Process, aimed: bool) -> dict[str, Any]:
    spec = next((t for t in wf.transitions if t.event == event), None)
    if spec is None:
        return {}
    return {f.name: field_value(draw, f, process, aimed) for f in spec.fields if f.required or draw(st.booleans())}


def logins_for(process: Process, roles: frozenset[str]) -> list[str]:
    found = [login for login in LOGINS if login != "system" and process.world[login].roles & roles]
    return found + (["system"] if "system" in roles else [])


def start(process: Process, name: str, n: int) -> int:
    """A case of ``name`` reached the way the process reaches it, for a child of its own (the ``n``-th)."""
    child = {"children": (ChildInput("Смирнов", "Иван", "", date(2012, 1, 1) + timedelta(days=n)),)}
    if name == "child_report":
        return process.register(**child).case_id
    if name == "family_support":
        report = process.to_safety_control(**child)
        process.close_safety_items(report)
        process.fire("agent", report, "classify_tzs", {"uso": process.world.orgs["uso"], "grounds": "Безработица"})
        return process.started_case(report, "family_support")
    if name == "kdn_prevention":
        return process.to_kdn(**child)[1]
    assert name == "kdn_forward"
    process.to_resolution(**child)
    forward = process.register(source="police", **child).kdn_forward_case_id
    assert forward is not None
    return forward


def audit_count(process: Process, case_id: int) -> int:
    return int(process.rows("select count(*) from wf_audit where instance_id = :c", c=case_id)[0][0])


def stray_deadlines(process: Process, case_id: int, state: str) -> int:
    return int(process.rows("select count(*) from wf_deadline where instance_id = :c and status = 'open' "
                            "and state <> :s", c=case_id, s=state)[0][0])


def fire(process: Process, login: str, case_id: int, event: str, values: dict[str, Any]) -> None:
    if login == "system":
        with process.svc.db.unit_of_work() as tx:
            process.svc.runtime.fire(tx, FireTransition(case_id, event, Actor.system(), values))
            tx.commit()
    else:
        process.svc.execute(handlers.fire_event, process.world[login], FireEvent(case_id, event, values))


@pytest.mark.slow
@pytest.mark.parametrize("name", WORKFLOWS)
def test_random_actions_on_every_workflow_keep_the_invariants(process: Process, name: str) -> None:
    runtime = process.svc.runtime
    compiled = runtime.catalog.latest(name)
    wf = compiled.definition
    events = [*sorted({t.event for t in wf.transitions}), "nonsense"]
    outcomes: dict[str, int] = {"done": 0, "refused": 0}
    counter = itertools.count()

    @settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        case_id = start(process, name, next(counter))
        for _ in range(data.draw(st.integers(3, 14), label="steps")):
            before = process.case(case_id)
            audit = audit_count(process, case_id)
            if data.draw(st.integers(0, 5)) == 0:
                process.frozen.tick(timedelta(hours=data.draw(st.integers(1, 200))))  # type: ignore[attr-defined]
                process.sweep()
                after = process.case(case_id)
                assert after.version - before.version == audit_count(process, case_id) - audit
            else:
                # mostly an action the machine offers now, by a user with its role and with sound values;
                # otherwise any event of the workflow, by anyone, with values that may be wrong
                here = compiled.available(before.state)
                aimed = bool(here) and data.draw(st.integers(0, 3)) > 0
                if aimed:
                    tr = data.draw(st.sampled_from(here))
                    event, login = tr.event, data.draw(st.sampled_from(logins_for(process, tr.roles) or LOGINS))
                else:
                    event, login = data.draw(st.sampled_from(events)), data.draw(st.sampled_from(LOGINS))
                values = payload(data.draw, wf, event, process, aimed)
                try:
                    fire(process, login, case_id, event, values)
                except TransitionNotAllowed:
                    assert compiled.transition(before.state, event) is None
                    ok = False
                except (EngineError, DomainError):
                    ok = False
                else:
                    ok = True
                after = process.case(case_id)
                if ok:
                    step = compiled.transition(before.state, event)
                    assert step is not None
                    assert after.state == (step.dest or before.state)
                    assert after.version == before.version + 1
                    assert audit_count(process, case_id) == audit + 1
                else:
                    assert (after.state, after.version, after.data) == (before.state, before.version, before.data)
                    assert audit_count(process, case_id) == audit
                outcomes["done" if ok else "refused"] += 1
            assert after.state in wf.states
            assert audit_count(process, case_id) == after.audit_seq
            assert stray_deadlines(process, case_id, after.state) == 0
        with process.svc.db.read() as tx:
            assert list(verify(tx, [case_id])) == []
            assert check(tx) == []

    run()
    assert outcomes["done"] > 0 and outcomes["refused"] > 0  # the examples reached both answers
