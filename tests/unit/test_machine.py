"""The compiled state machine of review.yaml: what it accepts where, refusals, what each transition carries."""

from __future__ import annotations

import pytest

from engine.definition import Workflow
from engine.errors import TransitionNotAllowed
from engine.machine import CompiledWorkflow, compile_workflow


@pytest.fixture(scope="module")
def compiled(review: Workflow) -> CompiledWorkflow:
    return compile_workflow(review)


@pytest.mark.parametrize(
    ("state", "event", "target"),
    [
        ("received", "register", "checking"),
        ("checking", "approve", "approved"),
        ("checking", "reject", "rejected"),
        ("checking", "expire", "rejected"),
        ("approved", "close", "closed"),
        ("approved", "reopen", "checking"),
        ("approved", "extend", None),  # internal: the state is not left
    ],
)
def test_each_event_is_the_machines_transition_to_its_target(
    compiled: CompiledWorkflow, state: str, event: str, target: str | None
) -> None:
    step = compiled.machine.events[event].transitions[state][0]
    assert (step.source, step.dest) == (state, target)
    found = compiled.transition(state, event)
    assert found is not None and found.event == event and found.dest == target


@pytest.mark.parametrize(
    ("state", "event", "available"),
    [
        pytest.param("received", "approve", ["register"], id="declared-elsewhere"),
        pytest.param("checking", "register", ["approve", "expire", "reject"], id="already-left"),
        pytest.param("checking", "extend", ["approve", "expire", "reject"], id="internal-elsewhere"),
        pytest.param("closed", "reopen", [], id="from-final"),
        pytest.param("checking", "teleport", ["approve", "expire", "reject"], id="unknown-event"),
    ],
)
def test_event_not_available(
    compiled: CompiledWorkflow, state: str, event: str, available: list[str]
) -> None:
    assert compiled.transition(state, event) is None
    with pytest.raises(TransitionNotAllowed) as info:
        compiled.require(42, state, event)
    error = info.value
    assert (error.case_id, error.event, error.state) == (42, event, state)
    assert sorted(error.available) == available
    assert f"Действие «{event}» недоступно в состоянии «{state}» дела № 42" in str(error)


def test_refusal_lists_what_the_role_may_do(compiled: CompiledWorkflow) -> None:
    with pytest.raises(TransitionNotAllowed, match=r"доступны: register$"):
        compiled.require(1, "received", "close", "clerk")
    with pytest.raises(TransitionNotAllowed, match=r"действий нет$"):
        compiled.require(1, "received", "close", "reviewer")
    with pytest.raises(TransitionNotAllowed, match=r"действий нет$"):
        compiled.require(1, "rejected", "close")


def test_events_are_the_machines_triggers_in_file_order(compiled: CompiledWorkflow) -> None:
    for state in compiled.definition.states:
        assert compiled.events(state) == compiled.machine.get_triggers(state)
        assert [t.event for t in compiled.available(state)] == compiled.events(state)
    assert compiled.events("approved") == ["extend", "close", "reopen"]
    assert compiled.events("closed") == []
    assert [t.event for t in compiled.available("checking", "reviewer")] == ["approve", "reject"]
    assert [t.event for t in compiled.available("checking", "system")] == ["expire"]


def test_guards_are_conditions_and_effects_are_callbacks(compiled: CompiledWorkflow) -> None:
    close = compiled.machine.events["close"].transitions["approved"][0]
    assert [repr(c.func) for c in close.conditions] == ["guard field_set", "guard no_open_items"]
    register = compiled.machine.events["register"].transitions["received"][0]
    assert [repr(b) for b in register.before[1:]] == ["effect assign_actor"]
    assert len(register.before) == 2 and len(register.after) == 1  # the runtime's begin and finish around them


def test_one_machine_serves_every_case(compiled: CompiledWorkflow) -> None:
    assert compiled.machine.models == []  # cases are fired through it as light objects; it holds none


def test_compiling_twice_gives_independent_machines(review: Workflow, compiled: CompiledWorkflow) -> None:
    again = compile_workflow(review)
    assert again.machine is not compiled.machine
    assert again.transition("checking", "expire") is compiled.transition("checking", "expire")
