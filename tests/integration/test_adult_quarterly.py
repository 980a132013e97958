"""The resource centre's quarterly tables reproduce its published Q1 2024 figures beside Q1 2023 (АППГ) exactly
(report of the Yugra resource centre for the social adaptation of homeless people and people released from prison,
Q1 2024, §7 and appendix 3), on data built only through the product's own commands: patrol trips recorded,
people identified and placed, help recorded, people discharged."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import openpyxl
import pytest

from cases import adult_quarterly, capacity, handlers, people
from cases.commands import FireEvent
from cases.people import PersonInput, RegisterPerson
from cases.services import Services
from engine.database import UnitOfWork
from tests.adults import add_adult_world
from tests.process_steps import Process

#: kind → (persons, of them released) per year (appendix 3)
HELP = {
    2024: {"employment": (165, 88), "sent_home": (11, 3), "documents": (37, 4), "family_ties": (47, 40),
           "registration": (160, 74), "support_measures": (153, 110), "urgent": (495, 164), "disability": (7, 1),
           "insurance": (34, 6), "pension": (16, 2), "medical": (40, 7), "residential": (11, 1)},
    2023: {"employment": (80, 43), "sent_home": (5, 2), "documents": (7, 1), "family_ties": (67, 34),
           "registration": (175, 49), "support_measures": (111, 66), "urgent": (369, 111), "disability": (11, 7),
           "insurance": (26, 5), "pension": (20, 6), "medical": (39, 5), "residential": (9, 1)},
}
#: trips, identified, placed in state institutions, in NGOs, health, sent home; served state (released),
#: non-state (released) — §7
FIGURES = {2024: (1141, 184, 48, 42, 5, 3, (606, 181), (187, 57)),
           2023: (1665, 129, 33, 12, 2, 0, (614, 193), (138, 29))}
Step = Callable[[UnitOfWork, Services], Any]


def _run(proc: Process, steps: list[Step], size: int = 200) -> list[Any]:
    """The commands, a few hundred per transaction (each exactly as the API runs it)."""
    results: list[Any] = []
    for i in range(0, len(steps), size):
        chunk = steps[i:i + size]
        results += proc.svc.execute(lambda tx, svc, chunk=chunk: [step(tx, svc) for step in chunk])
    return results


def _at(proc: Process, day: date, hour: int = 5) -> None:
    proc.frozen.move_to(datetime(day.year, day.month, day.day, hour, tzinfo=UTC))  # type: ignore[attr-defined]


def _build_year(proc: Process, year: int) -> None:
    w = proc.world
    trips, identified, state_new, ngo_new, health, home, (state_all, state_rel), (ngo_all, ngo_rel) = FIGURES[year]
    patrol, director, provider = w["patrol"], w["director"], w["provider"]

    def person(n: int, released: bool) -> Step:
        return lambda tx, svc: people.register_person(tx, svc, patrol, RegisterPerson(
            PersonInput(f"Лицо{year}", f"Номер{n}", "", None, "homeless",
                        penal_institution="ФКУ ИК-11" if released else ""), None, "patrol", "adaptation"))

    def fire(who: Any, case: int, event: str, payload: dict[str, Any]) -> Step:
        return lambda tx, svc: handlers.fire_event(tx, svc, who, FireEvent(case, event, payload))

    # the people served: state and non-state, the first ones released; some identified before the quarter
    sectors = [("uso", director, state_all, state_rel, state_new), ("provider", provider, ngo_all, ngo_rel, ngo_new)]
    served: list[tuple[int, Any, bool]] = []  # (case, who serves, released)
    for org, who, total, released, new in sectors:
        _at(proc, date(year - 1, 12, 15))
        old = _run(proc, [person(i, i < released) for i in range(new, total)])
        _run(proc, [fire(patrol, r.case_id, "place", {"institution": w.orgs[org], "placed_on": f"{year - 1}-12-15"})
                    for r in old])
        _at(proc, date(year, 2, 14))
        fresh = _run(proc, [person(i, i < released) for i in range(new)])
        _run(proc, [fire(patrol, r.case_id, "place", {"institution": w.orgs[org]}) for r in fresh])
        served += [(r.case_id, who, i < released) for i, r in enumerate([*fresh, *old])]
    # the other people identified in the quarter
    others = _run(proc, [person(10_000 + i, False) for i in range(identified - state_new - ngo_new)])
    outcomes = ["refer_health"] * health + ["send_home"] * home
    outcomes += ["urgent_help"] * (len(others) - len(outcomes))
    payloads = {"refer_health": {"where": "Больница"}, "send_home": {"destination": "г. Тюмень"},
                "urgent_help": {"help": "Продуктовый набор"}}
    _run(proc, [fire(patrol, r.case_id, e, payloads[e]) for r, e in zip(others, outcomes, strict=True)])
    # help by kind: distinct people, the released ones first
    _at(proc, date(year, 3, 20))
    released_people = [s for s in served if s[2]]
    plain_people = [s for s in served if not s[2]]
    helps = []
    for kind, (total, released) in HELP[year].items():
        for case, who, _r in released_people[:released] + plain_people[:total - released]:
            helps.append(fire(who, case, "record_help", {"help_kind": kind, "given_on": f"{year}-03-10"}))
    _run(proc, helps)
    _at(proc, date(year, 4, 1))
    _run(proc, [lambda tx, svc, i=i: capacity.record_trip(tx, svc, patrol, date(year, 1 + i % 3, 1 + i % 28))
                for i in range(trips)])
    if year == 2023:  # the 2023 people leave at the end of that quarter
        _run(proc, [fire(who, case, "discharge", {"left_on": "2023-03-31", "reason": "settled"})
                    for case, who, _r in served])


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_q1_2024_and_q1_2023_figures_are_reproduced(process: Process) -> None:
    proc = process
    add_adult_world(proc)
    proc.svc.execute(capacity.set_capacity, proc.world["director"], proc.world.orgs["uso"], 5000)
    proc.svc.execute(capacity.set_capacity, proc.world["rc_head"], proc.world.orgs["provider"], 5000)
    _build_year(proc, 2023)
    _build_year(proc, 2024)
    _at(proc, date(2024, 4, 15))
    tables = proc.svc.execute(adult_quarterly.quarterly, proc.world["rc_head"], 2024, 1)
    for key, year in (("current", 2024), ("previous", 2023)):
        got = tables[key]
        trips, identified, state_new, ngo_new, health, home, state, ngo = FIGURES[year]
        assert got["trips"] == trips and got["identified"] == identified
        assert got["outcomes"] == {"state": state_new, "ngo": ngo_new, "health": health, "sent_home": home,
                                   "urgent": identified - state_new - ngo_new - health - home}
        assert (got["served"]["state"]["all"], got["served"]["state"]["released"]) == state
        assert (got["served"]["non_state"]["all"], got["served"]["non_state"]["released"]) == ngo
        assert {k: (v["all"], v["released"]) for k, v in got["help"].items()} == HELP[year]
    assert tables["current"]["served"]["total"] == {"all": 793, "released": 238}
    assert tables["previous"]["served"]["total"] == {"all": 752, "released": 222}
    book = openpyxl.load_workbook(io.BytesIO(adult_quarterly.quarterly_xlsx(tables)))
    patrol_sheet = [[c.value for c in row] for row in book["Патруль"].iter_rows()]
    assert patrol_sheet[1] == ["Выезды службы «Социальный патруль»", 1141, 1665]
    assert patrol_sheet[2] == ["Выявлено лиц без определённого места жительства", 184, 129]
