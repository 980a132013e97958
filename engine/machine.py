"""The only module that imports ``transitions``.

Each (workflow, version) is compiled once into one shared :class:`transitions.Machine`
with ``auto_transitions=False`` and no callbacks; a case is fired through it as a light
object carrying only its state, so the cost of a transition does not grow with the
number of cases. Library errors are translated here, once.
"""

from __future__ import annotations

from dataclasses import dataclass

from transitions import Machine, MachineError

from engine.definition import Workflow
from engine.errors import TransitionNotAllowed


class _Light:
    """What the machine sees of a case: its state and nothing else."""

    __slots__ = ("state",)

    def __init__(self, state: str) -> None:
        self.state = state


@dataclass(frozen=True)
class CompiledWorkflow:
    definition: Workflow
    machine: Machine

    def target(self, case_id: int, state: str, event: str) -> str:
        """Fire ``event`` from ``state`` on the shared machine; return the state it leads to."""
        trigger = self.machine.events.get(event)
        if trigger is None:
            raise TransitionNotAllowed(case_id, event, state, self.machine.get_triggers(state))
        light = _Light(state)
        try:
            trigger.trigger(light)
        except MachineError as exc:
            raise TransitionNotAllowed(case_id, event, state, self.machine.get_triggers(state)) from exc
        return light.state

    def events(self, state: str) -> list[str]:
        return list(self.machine.get_triggers(state))


def compile_workflow(definition: Workflow) -> CompiledWorkflow:
    machine = Machine(
        model=None,
        states=list(definition.states),
        initial=definition.initial.name,
        auto_transitions=False,
        ignore_invalid_triggers=False,
    )
    for tr in definition.transitions:
        machine.add_transition(tr.event, list(tr.sources), tr.dest if tr.dest is not None else None)
    return CompiledWorkflow(definition, machine)
