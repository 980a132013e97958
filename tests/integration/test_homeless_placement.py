"""Placement of homeless people and the capacity register: every path of homeless_placement through the domain's
commands, beds kept by placements, the weekly free-places obligation with its reminder and escalation, and the
published occupancy page is tested over HTTP in ``tests/e2e/test_people_api.py``."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cases import capacity
from cases.errors import Forbidden
from engine.errors import GuardFailed
from notifications import recipients
from tests.adults import add_adult_world, register
from tests.process_steps import Process


@pytest.fixture
def proc(process: Process) -> Process:
    add_adult_world(process)
    return process


def _beds(proc: Process, login: str, org: str, count: int) -> capacity.Beds:
    return proc.svc.execute(capacity.set_capacity, proc.world[login], proc.world.orgs[org], count)


def _homeless(proc: Process, last: str = "Бездомный", login: str = "patrol") -> int:
    done = register(proc, login, last_name=last, first_name="Иван", middle_name="", category="homeless",
                    release_date=None, address="", penal_institution="")
    assert done.state == "identified" and done.case_id is not None
    return done.case_id


def _free(proc: Process, org: str) -> int:
    with proc.svc.db.read() as tx:
        return capacity.beds(tx.connection, "surgut", proc.world.orgs[org])[0].free


def test_placement_takes_a_bed_and_discharge_frees_it(proc: Process) -> None:
    w = proc.world
    assert _beds(proc, "rc_head", "provider", 2).free == 2
    first, second, third = _homeless(proc, "Первый"), _homeless(proc, "Второй"), _homeless(proc, "Третий")
    deadline = proc.rows("select due_at from wf_deadline where instance_id = :c and key = 'place_today'", c=first)
    assert len(deadline) == 1  # placement the same working day
    assert proc.fire("patrol", first, "place", {"institution": w.orgs["provider"]}) == "placed"
    assert proc.fire("patrol", second, "place", {"institution": w.orgs["provider"]}) == "placed"
    assert _free(proc, "provider") == 0
    with pytest.raises(GuardFailed):  # no free bed: refused, nothing written
        proc.fire("patrol", third, "place", {"institution": w.orgs["provider"]})
    assert len(proc.rows("select id from placement")) == 2
    # the provider sees the people placed with it and discharges one
    proc.fire("provider", first, "record_help", {"help_kind": "documents"})
    assert proc.fire("provider", first, "discharge", {"reason": "settled"}) == "discharged"
    assert _free(proc, "provider") == 1
    assert proc.fire("patrol", third, "place", {"institution": w.orgs["provider"]}) == "placed"


def test_the_other_outcomes_of_identification(proc: Process) -> None:
    assert proc.fire("patrol", _homeless(proc, "А"), "refer_health", {"where": "Городская больница"}) \
        == "referred_health"
    assert proc.fire("patrol", _homeless(proc, "Б"), "send_home", {"destination": "г. Тюмень"}) == "sent_home"
    assert proc.fire("patrol", _homeless(proc, "В"), "urgent_help", {"help": "Продуктовый набор, одежда"}) \
        == "urgent_only"


def test_weekly_free_places_obligation_reminds_and_escalates(proc: Process) -> None:
    _beds(proc, "rc_head", "provider", 10)
    case = proc.rows("select id from wf_instance where workflow = 'free_places' and subject_id = :o",
                     o=proc.world.orgs["provider"])[0].id
    proc.fire("provider", case, "report_free_places")
    reports = proc.rows("select capacity, occupied, free from free_places_report")
    assert [tuple(r) for r in reports] == [(10, 0, 10)]
    # nobody reports the next week: the reminder, then the escalation to the head of the resource centre
    proc.frozen.move_to(proc.now() + timedelta(days=9))  # type: ignore[attr-defined]
    proc.sweep()
    done = {(r.kind, r.target) for r in proc.rows("select kind, target from wf_step where instance_id = :c "
                                                   "and status = 'done'", c=case)}
    assert ("remind", "assignee") in done and ("escalate", "rc_head") in done
    with proc.svc.db.read() as tx:  # the escalation reaches the head of the resource centre of the territory
        case_view = proc.svc.runtime.load(tx, case)
        assert recipients._target_users(tx, case_view, "rc_head") == {proc.world.users["rc_head"]}
    with pytest.raises(Forbidden):  # only the resource centre or the institution itself sets its beds
        _beds(proc, "curator", "provider", 3)
