"""The compiled state machine of review.yaml: targets, refusals, internal transitions, sharing."""

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
    ],
)
def test_valid_event_leads_to_its_target(
    compiled: CompiledWorkflow, state: str, event: str, target: str
) -> None:
    assert compiled.target(1, state, event) == target


def test_internal_transition_stays_in_the_state(compiled: CompiledWorkflow) -> None:
    assert compiled.target(1, "approved", "extend") == "approved"


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
    with pytest.raises(TransitionNotAllowed) as info:
        compiled.target(42, state, event)
    error = info.value
    assert (error.case_id, error.event, error.state) == (42, event, state)
    assert sorted(error.available) == available
    assert f"Действие «{event}» недоступно в состоянии «{state}» дела № 42" in str(error)


def test_refusal_message_lists_what_is_available(compiled: CompiledWorkflow) -> None:
    with pytest.raises(TransitionNotAllowed, match=r"доступны: register$"):
        compiled.target(1, "received", "close")
    with pytest.raises(TransitionNotAllowed, match=r"действий нет$"):
        compiled.target(1, "rejected", "close")


def test_events_per_state(compiled: CompiledWorkflow) -> None:
    assert sorted(compiled.events("approved")) == ["close", "extend", "reopen"]
    assert compiled.events("closed") == []


def test_one_machine_serves_many_cases(compiled: CompiledWorkflow) -> None:
    # case 1 moves on while case 2 still waits in "received": the machine keeps no state of its own
    assert compiled.target(1, "received", "register") == "checking"
    assert compiled.target(1, "checking", "approve") == "approved"
    assert compiled.target(2, "received", "register") == "checking"
    with pytest.raises(TransitionNotAllowed):
        compiled.target(2, "received", "approve")
    assert compiled.target(3, "checking", "reject") == "rejected"
    assert compiled.target(1, "approved", "close") == "closed"
    assert compiled.machine.models == []


def test_compiling_twice_gives_independent_machines(review: Workflow, compiled: CompiledWorkflow) -> None:
    again = compile_workflow(review)
    assert again.machine is not compiled.machine
    assert again.target(5, "checking", "expire") == compiled.target(6, "checking", "expire") == "rejected"
