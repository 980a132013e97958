"""Who receives a message: every kind of target, the fallbacks, and never anyone of another territory."""

from __future__ import annotations

import json
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

from cases.commands import ChildInput
from engine.commands import Actor
from notifications import recipients
from tests.process_steps import Process


def outbox_row(kind: str, case_id: int | None, target: str, payload: dict[str, Any] | None = None,
               key: str = "test:1") -> Any:
    return SimpleNamespace(kind=kind, instance_id=case_id, target=target, payload=payload or {}, key=key)


def who(process: Process, row: Any) -> set[str]:
    with process.svc.db.read() as tx:
        resolved = recipients.resolve(tx, process.svc.runtime, row)
    logins = {user_id: login for login, user_id in process.world.users.items()}
    return {logins[r.user_id] for r in resolved.recipients}


def target(process: Process, case_id: int, to: str, kind: str = "deadline.escalation") -> set[str]:
    return who(process, outbox_row(kind, case_id, to))


def test_a_named_user_but_never_one_of_another_territory(process: Process) -> None:
    case_id = process.register().case_id
    users = process.world.users
    assert target(process, case_id, f"user:{users['agent']}") == {"agent"}
    assert target(process, case_id, f"user:{users['other_curator']}") == set()
    assert target(process, case_id, "user:nobody") == set()
    assert target(process, case_id, "user:999999") == set()
    # a curator who may not open the case (neither assigned nor of an organisation taking part) is not told
    assert target(process, case_id, f"user:{users['curator']}") == set()


def test_the_assignee_and_the_heads_when_nobody_is_assigned(process: Process) -> None:
    inspection = process.to_inspection()
    assert target(process, inspection, "assignee") == {"agent"}
    # a case of the guardianship authority with nobody assigned: the territory's supervisors
    with process.svc.db.unit_of_work() as tx:
        process.svc.runtime.assign(tx, inspection, None, Actor(process.world.users["boss"], "supervisor"))
        tx.commit()
    assert target(process, inspection, "assignee") == {"boss"}
    # a case handed to a УСО with no curator yet: the УСО's director
    report_case = process.to_safety_control()
    process.close_safety_items(report_case)
    process.fire("agent", report_case, "classify_tzs", {"uso": process.world.orgs["uso"], "grounds": "Безработица"})
    support = process.started_case(report_case, "family_support")
    assert process.case(support).assignee_id is None
    assert target(process, support, "assignee") == {"director"}
    process.fire("director", support, "appoint_curator", {"curator": process.world.users["curator"]})
    assert target(process, support, "assignee") == {"curator"}
    assert target(process, support, "curator") == {"curator"}


def test_roles_resolve_within_the_case_territory_and_its_organisations(process: Process) -> None:
    inspection = process.to_inspection()
    assert target(process, inspection, "supervisor") == {"boss"}
    assert target(process, inspection, "guardianship") == {"opeka"}
    assert target(process, inspection, "agency") == {"agent"}
    assert target(process, inspection, "uso_director") == set()  # no УСО takes part yet
    assert target(process, inspection, "kdn_secretary") == set()  # nor a KDN
    assert target(process, inspection, "curator") == set()  # the assignee is not a curator
    assert target(process, inspection, "no_such_role") == set()
    _, kdn = process.to_kdn()
    assert target(process, kdn, "kdn_secretary") == set()
    process.fire("agent", kdn, "submit_draft", {"grounds": "Пьянство", "proposed_measures": "ИПР"})
    process.fire("opeka", kdn, "approve_and_send", {"kdn": process.world.orgs["kdn"]})
    assert target(process, kdn, "kdn_secretary") == {"secretary"}  # the KDN the case was referred to


def test_another_territory_has_its_own_recipients(process: Process) -> None:
    theirs = process.register(login="other_opeka").case_id
    assert target(process, theirs, "supervisor") == {"other_boss"}
    assert target(process, theirs, "guardianship") == {"other_opeka"}
    assert target(process, theirs, f"user:{process.world.users['boss']}") == set()
    ours = process.register().case_id
    for to in ("supervisor", "guardianship", "agency", "assignee"):
        assert not target(process, ours, to) & {"other_boss", "other_opeka", "other_curator"}


def test_inactive_users_are_skipped_and_a_switched_off_assignee_passes_to_the_heads(process: Process) -> None:
    inspection = process.to_inspection()
    with process.svc.db.unit_of_work() as tx:
        tx.connection.exec_driver_sql(f"update app_user set is_active = false "
                                      f"where id = {process.world.users['agent']}")
        tx.commit()
    assert target(process, inspection, f"user:{process.world.users['agent']}") == set()
    assert target(process, inspection, "assignee") == {"boss"}
    case_id = process.register().case_id
    with process.svc.db.unit_of_work() as tx:
        tx.connection.exec_driver_sql(f"update app_user set is_active = false where id = {process.world.users['boss']}")
        tx.commit()
    assert target(process, case_id, "supervisor") == set()


def test_the_person_who_acted_is_not_told_about_their_own_action(process: Process) -> None:
    case_id = process.to_inspection()
    rows = process.rows("select key, kind, instance_id, target, payload from outbox where kind = 'case.assigned' "
                        "and instance_id = :c order by id", c=case_id)
    assert len(rows) == 2
    # registering assigned the case to the officer herself; ordering the inspection assigned it to the agent
    assert [who(process, _row(r)) for r in rows] == [set(), {"agent"}]


def test_reports_on_a_child_under_ipr_reach_the_secretary_of_that_kdn(process: Process) -> None:
    _, kdn = process.to_resolution()
    process.frozen.tick(timedelta(days=1))  # type: ignore[attr-defined]
    again = process.register(children=(ChildInput("Иванов", "Пётр", "Сергеевич", date(2015, 4, 1)),))
    assert again.kdn_case_id == kdn and again.kdn_forward_case_id is not None
    process.fire("opeka", again.kdn_forward_case_id, "forward", {"outgoing_number": "01-12/345"})
    on_case = process.rows("select key, kind, instance_id, target, payload from outbox "
                           "where kind = 'report.on_ipr_case'")
    forwarded = process.rows("select key, kind, instance_id, target, payload from outbox "
                             "where kind = 'report.forwarded'")
    assert who(process, _row(on_case[0])) == {"secretary"}
    assert forwarded[0].instance_id == again.kdn_forward_case_id  # the message belongs to the forward case …
    with process.svc.db.read() as tx:
        resolved = recipients.resolve(tx, process.svc.runtime, _row(forwarded[0]))
    assert resolved.case is not None and resolved.case.id == kdn  # … but is about the KDN case
    assert who(process, _row(forwarded[0])) == {"secretary"}


def test_the_kdn_agenda_goes_to_that_commissions_secretaries(process: Process) -> None:
    agenda = outbox_row("kdn.agenda", None, "kdn_secretary", {"kdn_org_id": process.world.orgs["kdn"],
                                                              "meeting_id": 1, "held_on": "2025-03-10"})
    assert who(process, agenda) == {"secretary"}
    elsewhere = outbox_row("kdn.agenda", None, "kdn_secretary", {"kdn_org_id": process.world.orgs["other_uso"]})
    assert who(process, elsewhere) == set()


def _row(r: Any) -> Any:
    """An outbox row read with raw SQL (SQLite returns the JSON payload as text)."""
    payload = r.payload if isinstance(r.payload, dict) else json.loads(r.payload)
    return outbox_row(r.kind, r.instance_id, r.target, payload, key=r.key)
