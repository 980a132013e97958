"""Accompaniment after release from prison: every path through the domain's commands, the deadlines before the
release date, the 442-FZ terms, a transfer to another territory, who sees an adult's case."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from cases import handlers, people
from cases.errors import Forbidden, InputInvalid, NotFound
from cases.people import AddFamilyMember, PersonInput
from engine.errors import PayloadInvalid, RoleNotAllowed
from engine.tables import ParameterOverride
from tests.adults import add_adult_world, register
from tests.process_steps import Process


@pytest.fixture
def proc(process: Process) -> Process:
    add_adult_world(process)
    return process


def _due(proc: Process, case_id: int) -> dict[str, datetime]:
    rows = proc.rows("select key, due_at from wf_deadline where instance_id = :c and closed_at is null",
                     c=case_id)
    found = {}
    for r in rows:
        due = r.due_at if isinstance(r.due_at, datetime) else datetime.fromisoformat(r.due_at)
        found[r.key] = due if due.tzinfo else due.replace(tzinfo=UTC)  # SQLite keeps UTC text
    return found


def _local_day(proc: Process, moment: datetime) -> date:
    return proc.app.calendar.local_date(moment)


def test_pre_release_deadlines_count_back_from_the_release_date(proc: Process) -> None:
    # release on Thursday 15 May 2025; 60 days before is Sunday 16 March → Friday 14 March; 30 days before: 15 April
    done = register(proc, release_date=date(2025, 5, 15))
    assert done.territory == "surgut" and done.state == "pre_release"
    due = {k: _local_day(proc, v) for k, v in _due(proc, done.case_id).items()}
    assert due == {"consult": date(2025, 3, 14), "route_map": date(2025, 4, 15)}


def test_a_territory_setting_moves_the_route_map_deadline(proc: Process) -> None:
    with proc.svc.db.unit_of_work() as tx:
        tx.session.add(ParameterOverride(workflow="release_accompaniment", territory="surgut",
                                         name="route_map_before_release", value=-14, updated_at=proc.now()))
        tx.commit()
    done = register(proc, release_date=date(2025, 5, 15))
    # 14 days before 15 May is 1 May, a holiday: the deadline moves back to Wednesday 30 April, never past the date
    assert _local_day(proc, _due(proc, done.case_id)["route_map"]) == date(2025, 4, 30)


def test_the_whole_path_from_prison_to_a_settled_life(proc: Process) -> None:
    w = proc.world
    done = register(proc, release_date=date(2025, 4, 10))
    case = done.case_id
    proc.fire("rc", case, "record_contact", {"kind": "online", "notes": "Онлайн-консультация юрисконсульта о "
                                             "жизнеустройстве после освобождения"})
    assert proc.fire("rc", case, "approve_route_map", {"route": "Регистрация у сестры, восстановление паспорта, "
                                                      "центр занятости"}) == "route_planned"
    assert _local_day(proc, _due(proc, case)["release_check"]) == date(2025, 4, 11)
    proc.frozen.move_to("2025-04-10 05:00")  # type: ignore[attr-defined]
    assert proc.fire("rc", case, "record_release", {"released_on": "2025-04-10", "applied_on": "2025-04-10",
                                                    "uso": w.orgs["uso"]}) == "acceptance"
    # 442-FZ: the decision within 5 working days of the application (Thursday 10 April → Thursday 17 April)
    assert _local_day(proc, _due(proc, case)["need_decision"]) == date(2025, 4, 17)
    with pytest.raises(RoleNotAllowed):  # the resource centre hands over; the УСО decides
        proc.fire("rc", case, "recognise_need", {"decision_number": "1", "help_scope": "—"})
    assert proc.fire("director", case, "recognise_need", {"decision_number": "15-р",
                                                          "help_scope": "Продуктовый набор, документы"}) == "program"
    # the ИППСУ within 10 working days of the application (24 April)
    assert _local_day(proc, _due(proc, case)["ippsu"]) == date(2025, 4, 24)
    assert proc.fire("director", case, "approve_ippsu", {"ippsu_number": "ИП-77"}) == "contract"
    # the contract within a day of presenting the ИППСУ
    assert _due(proc, case)["sign_contract"] - proc.now() == timedelta(hours=24)
    assert proc.fire("director", case, "sign_contract", {"contract_number": "Д-12",
                                                         "curator": w.users["curator"]}) == "accompaniment"
    assert proc.case(case).assignee_id == w.users["curator"]
    proc.fire("curator", case, "record_help", {"help_kind": "documents", "result": "Паспорт выдан"})
    proc.fire("curator", case, "record_help", {"help_kind": "employment"})
    proc.fire("curator", case, "record_family_visit", {"kind": "home", "notes": "Семья готова помогать"})
    member = proc.svc.execute(people.add_family_member, w["curator"], AddFamilyMember(
        done.person_id, PersonInput("Ёлкина", "Анна", "Сергеевна", date(1987, 1, 2)), "spouse"))
    assert [m["id"] for m in proc.svc.read(lambda tx, _s: people.members_of(tx, done.person_id))] == [member]
    help_rows = proc.rows("select kind from adult_help where case_id = :c order by id", c=case)
    assert [r.kind for r in help_rows] == ["documents", "employment"]
    assert proc.fire("curator", case, "close_case", {"reason": "settled", "comment": "Работает, зарегистрирован"}) \
        == "closed"


def test_someone_already_released_waits_for_the_hand_over_and_may_be_found_not_in_need(proc: Process) -> None:
    done = register(proc, category="released", release_date=date(2025, 2, 20))
    assert done.state == "registered"
    assert set(_due(proc, done.case_id)) == {"route_case"}
    proc.fire("rc", done.case_id, "record_release", {"released_on": "2025-02-20", "uso": proc.world.orgs["uso"]})
    assert proc.fire("director", done.case_id, "close_case", {"reason": "not_needed", "comment": "Отказ"}) == "closed"


def test_release_that_did_not_happen_closes_the_pre_release_work(proc: Process) -> None:
    done = register(proc, release_date=date(2025, 6, 1))
    assert proc.fire("rc_head", done.case_id, "close_case", {"reason": "not_released",
                                                             "comment": "Срок продлён судом"}) == "closed"
    assert _due(proc, done.case_id) == {}


def test_the_intended_address_decides_the_territory_and_a_transfer_opens_the_case_there(proc: Process) -> None:
    w = proc.world
    done = register(proc, category="released", release_date=date(2025, 2, 20),
                    address="г. Нефтеюганск, 11 мкр., д. 5")
    assert done.territory == "nefteyugansk"
    with pytest.raises(NotFound):  # the Surgut resource centre does not see the other territory's case
        proc.svc.read(lambda tx, s: handlers.view_case(tx, s, w["rc"], done.case_id))
    assert proc.fire("other_rc", done.case_id, "transfer", {"territory": "surgut", "reason": "Переехал к матери",
                                                            "new_address": "г. Сургут, ул. Мира, д. 9"}) \
        == "transferred"
    new_case = proc.started_case(done.case_id, "release_accompaniment")
    moved = proc.case(new_case)
    assert moved.territory == "surgut" and moved.state == "registered"
    assert moved.data["transferred_from"] == "nefteyugansk"
    row = proc.svc.read(lambda tx, _s: people.person_row(tx, done.person_id))
    assert row is not None and row["territory"] == "surgut" and row["case_id"] == new_case
    assert row["intended_address"] == "г. Сургут, ул. Мира, д. 9"
    assert proc.fire("rc", new_case, "accept_transfer", {"uso": w.orgs["uso"]}) == "acceptance"
    with pytest.raises(PayloadInvalid):  # a transfer to the territory the case is in already is refused
        proc.fire("director", new_case, "transfer", {"territory": "surgut", "reason": "—"})


def test_children_bodies_do_not_see_adults_cases_and_the_party_roles_see_theirs(proc: Process) -> None:
    done = register(proc, category="released", release_date=date(2025, 2, 20))
    for login in ("opeka", "agent", "provider", "other_rc", "other_director"):
        with pytest.raises(NotFound):
            proc.svc.read(lambda tx, s, login=login: handlers.view_case(tx, s, proc.world[login], done.case_id))
    for login in ("rc", "rc_head", "boss", "patrol"):  # the patrol works in the centre that took the case
        proc.svc.read(lambda tx, s, login=login: handlers.view_case(tx, s, proc.world[login], done.case_id))
    # and the resource centre does not see children's cases
    child = proc.register().case_id
    with pytest.raises(NotFound):
        proc.svc.read(lambda tx, s: handlers.view_case(tx, s, proc.world["rc"], child))


def test_bad_input_is_refused_with_russian_messages_and_nothing_is_written(proc: Process) -> None:
    with pytest.raises(InputInvalid) as refused:
        register(proc, last_name=" ", release_date=None, address="")
    assert set(refused.value.errors) == {"last_name", "release_date", "intended_address"}
    with pytest.raises(Forbidden):
        register(proc, "opeka", release_date=date(2025, 5, 1))
    assert proc.rows("select id from adult_person") == []
    assert proc.rows("select id from wf_instance where workflow = 'release_accompaniment'") == []
