"""The vocabulary of callables and names a workflow file may refer to.

Workflow files name guards, effects, field types, roles and act templates as plain
strings; the loader resolves every name against a :class:`Vocabulary` filled by our own
code (the domain registers its entries in ``cases/``). Nothing is ever imported from a
dotted path found in a file, so a workflow file cannot make the engine run code that we
did not register.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.context import TransitionContext

GuardFn = Callable[["TransitionContext", Mapping[str, Any]], "str | None"]
EffectFn = Callable[["TransitionContext", Mapping[str, Any]], None]
FieldFn = Callable[["TransitionContext", Any], Any]

#: Argument kinds the loader knows how to check (see :meth:`Vocabulary.check_args`).
ARG_KINDS = frozenset(
    {"str", "int", "bool", "any", "template", "workflow", "state", "field", "param", "role", "deadline", "event"}
)


class FieldError(ValueError):
    """A payload value does not fit its declared type; the message is shown next to the field."""


@dataclass(frozen=True)
class Arg:
    kind: str
    required: bool = True
    many: bool = False


@dataclass(frozen=True)
class Entry:
    name: str
    fn: Callable[..., Any]
    args: Mapping[str, Arg]
    description: str = ""


@dataclass(frozen=True)
class FieldType:
    name: str
    normalise: FieldFn
    title: str
    html_input: str = "text"
    #: for reference types: what kind of object the value points to (``org``, ``user``, …)
    ref: str | None = None


@dataclass
class Vocabulary:
    roles: dict[str, str] = field(default_factory=dict)
    guards: dict[str, Entry] = field(default_factory=dict)
    effects: dict[str, Entry] = field(default_factory=dict)
    field_types: dict[str, FieldType] = field(default_factory=dict)
    templates: dict[str, str] = field(default_factory=dict)
    #: escalation targets that are not roles: the domain resolves them and sweeps their steps itself
    #: (an organisation's reporting chain), so the deadline sweeper holds them for it (``wf_step.status = 'held'``)
    targets: dict[str, str] = field(default_factory=dict)

    def copy(self) -> Vocabulary:
        return Vocabulary(
            dict(self.roles), dict(self.guards), dict(self.effects), dict(self.field_types), dict(self.templates),
            dict(self.targets)
        )

    def add_role(self, role: str, title: str) -> None:
        self.roles[role] = title

    def add_target(self, target: str, title: str) -> None:
        """An escalation target the domain sweeps itself (see :attr:`targets`)."""
        self.targets[target] = title

    def add_template(self, name: str, title: str) -> None:
        self.templates[name] = title

    def add_field_type(self, field_type: FieldType) -> None:
        self.field_types[field_type.name] = field_type

    def guard(self, name: str, description: str = "", **args: Arg) -> Callable[[GuardFn], GuardFn]:
        """Register a guard: ``fn(ctx, args) -> None`` when it holds, else a Russian reason."""

        def register(fn: GuardFn) -> GuardFn:
            _check_kinds(name, args)
            self.guards[name] = Entry(name, fn, args, description or (fn.__doc__ or "").strip())
            return fn

        return register

    def effect(self, name: str, description: str = "", **args: Arg) -> Callable[[EffectFn], EffectFn]:
        """Register an effect: ``fn(ctx, args)``, run inside the transition's transaction."""

        def register(fn: EffectFn) -> EffectFn:
            _check_kinds(name, args)
            self.effects[name] = Entry(name, fn, args, description or (fn.__doc__ or "").strip())
            return fn

        return register


def _check_kinds(name: str, args: Mapping[str, Arg]) -> None:
    unknown = {a.kind for a in args.values()} - ARG_KINDS
    if unknown:
        raise ValueError(f"{name}: unknown argument kinds {sorted(unknown)}")
