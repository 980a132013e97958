"""The shared state machine of a workflow version: the one place that decides what a case may do.

The only module that imports ``transitions``. Each (workflow, version) is compiled once into one
:class:`transitions.Machine` (``model=None``, ``auto_transitions=False``, ``send_event=True``); a case is
fired through it as a light :class:`Firing` that carries the case's state and the transition's context,
so the cost of a transition does not grow with the number of cases. Each machine transition carries what
the workflow file declares for it:

* ``conditions`` — its guards, in order: a guard that refuses writes its Russian reason on the firing,
  the machine halts, and :meth:`CompiledWorkflow.fire` raises :class:`GuardFailed` with that reason;
* ``before`` — the runtime's ``begin_firing`` (claims the case's version, saves the payload's fields), then
  the effects in declared order: all inside the caller's unit of work;
* the change of state (none for an internal transition, ``dest: null``);
* ``after`` — the runtime's ``finish_firing``: deadlines, the audit event, the case row, the outbox.

What a case may do in a state is the machine's ``get_triggers``; why an action would be refused now is
the same conditions evaluated without firing (:meth:`CompiledWorkflow.refusal`) — the actions the UI
offers, the ``events`` of the REST API and what :meth:`CompiledWorkflow.fire` accepts are one answer.
The Mermaid diagram is the same machine drawn by the library's diagram extension (:func:`mermaid`).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from transitions import EventData, Machine, State
from transitions import Transition as MachineTransition
from transitions.extensions.diagrams import GraphMachine

from engine.definition import Transition, Workflow
from engine.errors import GuardFailed, TransitionNotAllowed

if TYPE_CHECKING:
    from engine.commands import TransitionResult
    from engine.context import TransitionContext


class Firing:
    """What the machine sees of a case while it fires: its state, the context, and what happened."""

    __slots__ = ("before", "ctx", "refused", "result", "state")

    def __init__(self, ctx: TransitionContext) -> None:
        self.state = ctx.case.state
        self.ctx = ctx
        self.refused: tuple[str, str] | None = None
        #: the case's data, assignee and organisation before the effects ran (set by the runtime's ``begin_firing``)
        self.before: tuple[dict[str, Any], int | None, int | None] | None = None
        self.result: TransitionResult | None = None


class _Step(MachineTransition):
    """A machine transition that knows the workflow file's transition it was compiled from."""

    def __init__(self, *args: Any, spec: Transition, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spec = spec


class _Machine(Machine):
    transition_cls = _Step


def _firing(event: EventData) -> Firing:
    return cast(Firing, event.model)


class _Guard:
    """A guard of the workflow file as a machine condition: passes, or records its Russian reason."""

    __slots__ = ("args", "name")

    def __init__(self, name: str, args: Mapping[str, Any]) -> None:
        self.name, self.args = name, args

    def __call__(self, event: EventData) -> bool:
        firing = _firing(event)
        ctx = firing.ctx
        reason = ctx.runtime.vocabulary.guards[self.name].fn(ctx, self.args)
        if reason:
            firing.refused = (self.name, reason)
            return False
        return True

    def __repr__(self) -> str:
        return f"guard {self.name}"


class _Effect:
    """An effect of the workflow file as a machine ``before`` callback."""

    __slots__ = ("args", "name")

    def __init__(self, name: str, args: Mapping[str, Any]) -> None:
        self.name, self.args = name, args

    def __call__(self, event: EventData) -> None:
        ctx = _firing(event).ctx
        ctx.runtime.vocabulary.effects[self.name].fn(ctx, self.args)

    def __repr__(self) -> str:
        return f"effect {self.name}"


def _begin(event: EventData) -> None:
    firing = _firing(event)
    assert event.transition is not None
    firing.ctx.target = event.transition.dest or firing.state
    firing.ctx.runtime.begin_firing(firing)


def _record(event: EventData) -> None:
    firing = _firing(event)
    firing.ctx.runtime.finish_firing(firing)


@dataclass(frozen=True)
class CompiledWorkflow:
    definition: Workflow
    machine: Machine

    def _steps(self, state: str, event: str) -> list[_Step]:
        trigger = self.machine.events.get(event)
        return cast(list[_Step], trigger.transitions.get(state, [])) if trigger is not None else []

    def transition(self, state: str, event: str) -> Transition | None:
        """The transition ``event`` fires from ``state``, or None when the machine has none there."""
        steps = self._steps(state, event)
        return steps[0].spec if steps else None

    def events(self, state: str) -> list[str]:
        """The events the machine accepts in ``state`` (in the order of the workflow file)."""
        return list(self.machine.get_triggers(state))

    def available(self, state: str, role: str | None = None) -> list[Transition]:
        """The transitions of ``state``, optionally only those ``role`` may fire (guards aside: :meth:`refusal`)."""
        found = [self._steps(state, event)[0].spec for event in self.machine.get_triggers(state)]
        return [t for t in found if role is None or role in t.roles]

    def require(self, case_id: int, state: str, event: str, role: str | None = None) -> Transition:
        """The transition ``event`` fires from ``state``; :class:`TransitionNotAllowed` if the machine has none."""
        found = self.transition(state, event)
        if found is None:
            raise TransitionNotAllowed(case_id, event, state, [t.event for t in self.available(state, role)])
        return found

    def refusal(self, ctx: TransitionContext) -> tuple[str, str] | None:
        """(guard, Russian reason) of the first of the transition's conditions that refuses it now, or None."""
        assert ctx.transition is not None
        step = self._steps(ctx.case.state, ctx.transition.event)[0]
        firing = Firing(ctx)
        event = EventData(self.machine.get_state(firing.state), self.machine.events[ctx.transition.event],
                          self.machine, firing, (), {})
        return None if all(condition.check(event) for condition in step.conditions) else firing.refused

    def fire(self, ctx: TransitionContext) -> Firing:
        """Fire ``ctx.transition`` on the case: conditions, then the callbacks in the caller's transaction.

        Raises GuardFailed (nothing written) or whatever a callback raises (the caller rolls back).
        """
        assert ctx.transition is not None
        firing = Firing(ctx)
        if not self.machine.events[ctx.transition.event].trigger(firing):
            assert firing.refused is not None
            raise GuardFailed(*firing.refused)
        return firing


def compile_workflow(definition: Workflow) -> CompiledWorkflow:
    machine = _Machine(
        model=None,
        states=list(definition.states),
        initial=definition.initial.name,
        auto_transitions=False,
        ignore_invalid_triggers=False,
        send_event=True,
    )
    for tr in definition.transitions:
        machine.add_transition(
            tr.event, list(tr.sources), tr.dest,
            conditions=[_Guard(g.name, g.args) for g in tr.guards],
            before=[_begin, *(_Effect(e.name, e.args) for e in tr.effects)],
            after=[_record],
            spec=tr,
        )
    return CompiledWorkflow(definition, machine)


# -- the machine drawn ------------------------------------------------------------------------------

#: the current state's colours, those of the SVG (``engine.diagram``)
CURRENT_STYLE = {"color": "#b45309", "fillcolor": "#fde68a", "peripheries": "2"}


class _TitledState(State):
    """A state with its Russian title as the diagram's label."""

    def __init__(self, name: str, *, label: str, final: bool = False) -> None:
        super().__init__(name, final=final)
        self.label = label


class _Drawing(GraphMachine):
    state_cls = _TitledState

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        styles = copy.deepcopy(GraphMachine.style_attributes)
        styles["node"]["active"] = CURRENT_STYLE  # type: ignore[index]
        self.style_attributes = styles


class _Drawn:
    """The model the drawing machine needs; its state is not what is highlighted (see :func:`mermaid`)."""


def _label(text: str) -> str:
    return text.replace('"', "'").replace(":", " ").replace(";", ",").replace("\n", " ")


def mermaid(compiled: CompiledWorkflow, current: str | None = None) -> str:
    """The machine's states and transitions as a Mermaid state diagram, by ``transitions``' diagram extension.

    States and edges carry their Russian titles, the front matter the workflow's title and version; ``current``
    (a case's state) is styled ``s_active`` in the SVG's colours. The extension's Mermaid engine writes text,
    so no Graphviz is needed; the SVG (``engine.diagram.svg``) is laid out by the engine itself for the same
    reason. An internal transition is drawn as a loop on its state; final states lead to ``[*]``.
    """
    wf = compiled.definition
    model = _Drawn()
    drawing = _Drawing(model=model, states=[_TitledState(name, label=_label(s.title), final=s.final)
                                            for name, s in wf.states.items()],
                       initial=wf.initial.name, auto_transitions=False, graph_engine="mermaid",
                       title=f"{_label(wf.title)} (версия {wf.version})", show_conditions=False)
    for event, trigger in compiled.machine.events.items():
        for source, steps in trigger.transitions.items():
            for step in cast(list[_Step], steps):
                drawing.add_transition(event, source, step.dest or source, label=_label(step.spec.title))
    graph = drawing.model_graphs[id(model)]
    graph.reset_styling()
    if current is not None:
        graph.set_node_style(current, "active")
    text = str(graph.get_graph().draw(None)).rstrip("\n")
    ends = [f"  {name} --> [*]" for name, s in wf.states.items() if s.final]
    return "\n".join([text, *ends]) + "\n"
