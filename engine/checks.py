"""Checks across states and transitions of one workflow (run by the loader).

Each check yields ``(path, what is wrong, what would be right)``; the loader adds the
file name and line.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from engine.definition import State, Transition
from engine.yamlsource import Path

Finding = tuple[Path, str, str | None]


def check_graph(states: Mapping[str, State], transitions: Sequence[tuple[int, Transition]]) -> Iterator[Finding]:
    yield from _duplicate_events(transitions)
    yield from _final_states_closed(states, transitions)
    yield from _unreachable(states, transitions)
    yield from _no_way_out(states, transitions)


def _duplicate_events(transitions: Sequence[tuple[int, Transition]]) -> Iterator[Finding]:
    seen: dict[tuple[str, str], int] = {}
    for index, tr in transitions:
        for src in tr.sources:
            first = seen.setdefault((src, tr.event), index)
            if first != index:
                yield (("transitions", index, "event"),
                       f"событие «{tr.event}» из состояния «{src}» уже объявлено в transitions[{first}]",
                       "одно событие — один переход из каждого состояния")


Indexed = Sequence[tuple[int, Transition]]


def _final_states_closed(states: Mapping[str, State], transitions: Indexed) -> Iterator[Finding]:
    for index, tr in transitions:
        for src in tr.sources:
            if states[src].final:
                yield (("transitions", index, "from"), f"из конечного состояния «{src}» нет переходов",
                       "убрать final: true или переход")


def _unreachable(states: Mapping[str, State], transitions: Sequence[tuple[int, Transition]]) -> Iterator[Finding]:
    initial = [s.name for s in states.values() if s.initial]
    if len(initial) != 1:
        return
    reached = {initial[0]}
    frontier = [initial[0]]
    while frontier:
        current = frontier.pop()
        for _, tr in transitions:
            if current in tr.sources and tr.dest and tr.dest not in reached:
                reached.add(tr.dest)
                frontier.append(tr.dest)
    for name in states:
        if name not in reached:
            yield (("states", name), f"состояние «{name}» недостижимо из начального «{initial[0]}»",
                   "переход, ведущий в это состояние, или удалить состояние")


def _no_way_out(states: Mapping[str, State], transitions: Sequence[tuple[int, Transition]]) -> Iterator[Finding]:
    for name, state in states.items():
        if state.final:
            continue
        if not any(name in tr.sources and tr.dest and tr.dest != name for _, tr in transitions):
            yield (("states", name), f"из неконечного состояния «{name}» нет выхода",
                   "переход в другое состояние или final: true")
