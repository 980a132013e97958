"""A workflow as the engine sees it after loading: plain, frozen dataclasses.

These are produced by :mod:`engine.loader` from a YAML file (the schema is documented
in ``docs/workflows.md``) and never mutated afterwards; one instance per
(workflow, version) is shared by every case running that version. They describe; which
transition an event fires in a state is answered by the shared machine (``engine.machine``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from engine.text import count


class Unit(StrEnum):
    HOURS = "hours"
    DAYS = "days"
    WORKING_DAYS = "working_days"
    MONTHS = "months"
    SAME_WORKING_DAY = "same_working_day"


UNIT_TITLES = {
    Unit.HOURS: ("час", "часа", "часов"),
    Unit.DAYS: ("календарный день", "календарных дня", "календарных дней"),
    Unit.WORKING_DAYS: ("рабочий день", "рабочих дня", "рабочих дней"),
    Unit.MONTHS: ("месяц", "месяца", "месяцев"),
}


@dataclass(frozen=True)
class Duration:
    """A span of time: a fixed amount of a unit, or a named parameter supplying both.

    ``field`` makes it relative to a date field of the case (e.g. 3 months after the
    plan's approval date) instead of to the moment the deadline opens. With ``wait`` (YAML
    ``if_set: true``) a deadline whose field is still empty is not opened at all (it waits for the
    date: :meth:`engine.runtime.Runtime.reschedule`) rather than counted from the moment it opens.
    """

    unit: Unit | None = None
    amount: int = 0
    param: str | None = None
    field: str | None = None
    wait: bool = False

    def describe(self) -> str:
        """In Russian: «3 рабочих дня», «1 месяц от даты «approved_on»», «в тот же рабочий день»."""
        if self.unit is Unit.SAME_WORKING_DAY:
            head = "в тот же рабочий день"
        elif self.unit is not None:
            head = count(self.amount, *UNIT_TITLES[self.unit])
        else:
            head = f"параметр {self.param}"
        if not self.field:
            return head
        return f"{head} от даты «{self.field}»" + (" (когда она известна)" if self.wait else "")


@dataclass(frozen=True)
class Parameter:
    """A regional setting with its default value and legal or regional basis."""

    name: str
    value: Any
    unit: Unit | None
    basis: str
    title: str = ""

    @property
    def is_duration(self) -> bool:
        return self.unit is not None


@dataclass(frozen=True)
class FieldSpec:
    """A payload field declared by a transition; ``save`` copies it into the case's data."""

    name: str
    type: str
    required: bool = False
    title: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    default: Any = None
    save: bool = False
    max_length: int | None = None
    help: str = ""
    #: a date (moment) after today (now) is accepted: only for planned dates (a meeting, a review);
    #: the date of anything that happened — a visit, a decision, an approval — cannot be in the future
    future: bool = False


@dataclass(frozen=True)
class Call:
    """A guard or effect invocation: a vocabulary name and its arguments."""

    name: str
    args: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Escalation:
    level: int
    after: Duration
    to: str  # a role id, "assignee", or a target of the vocabulary the domain sweeps itself


@dataclass(frozen=True)
class Timeout:
    event: str
    after: Duration


@dataclass(frozen=True)
class DeadlineSpec:
    """A deadline a state opens on entry (or, when ``manual``, that the domain opens per item)."""

    id: str
    title: str
    basis: str
    due: Duration | None
    remind: tuple[Duration, ...] = ()
    escalate: tuple[Escalation, ...] = ()
    timeout: Timeout | None = None
    manual: bool = False


@dataclass(frozen=True)
class State:
    name: str
    title: str
    initial: bool = False
    final: bool = False
    deadlines: tuple[DeadlineSpec, ...] = ()

    def deadline(self, deadline_id: str) -> DeadlineSpec | None:
        return next((d for d in self.deadlines if d.id == deadline_id), None)


@dataclass(frozen=True)
class Notify:
    kind: str
    to: str  # a role id, or "assignee"


@dataclass(frozen=True)
class Transition:
    """One event from one or more states. ``dest is None`` means internal: the state is not left."""

    event: str
    title: str
    sources: tuple[str, ...]
    dest: str | None
    roles: frozenset[str]
    fields: tuple[FieldSpec, ...] = ()
    guards: tuple[Call, ...] = ()
    effects: tuple[Call, ...] = ()
    notify: tuple[Notify, ...] = ()
    restart: tuple[str, ...] = ()
    confirm: str = ""

    @property
    def internal(self) -> bool:
        return self.dest is None

    def target(self, source: str) -> str:
        return source if self.dest is None else self.dest


@dataclass(frozen=True)
class Workflow:
    name: str
    version: int
    title: str
    parameters: Mapping[str, Parameter]
    states: Mapping[str, State]
    transitions: tuple[Transition, ...]
    content_hash: str
    source: str = ""
    source_path: str = ""
    description: str = ""

    @property
    def initial(self) -> State:
        return next(s for s in self.states.values() if s.initial)

    def deadline_spec(self, deadline_id: str, state: str | None = None) -> DeadlineSpec | None:
        states = [self.states[state]] if state else list(self.states.values())
        for s in states:
            spec = s.deadline(deadline_id)
            if spec:
                return spec
        return None
