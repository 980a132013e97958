"""An escalation chain tells each person once per missed deadline (a case with nobody assigned included)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.commands import Actor
from tests.integration.test_notifications import Mailroom, mailroom
from tests.process_steps import Process


@pytest.fixture
def mail(process: Process) -> Iterator[Mailroom]:
    with mailroom(process) as room:
        yield room


def escalations(mail: Mailroom, login: str, case_id: int) -> list[str]:
    return [m.title for m in mail.inbox(login) if m.kind == "deadline.escalation" and m.case_id == case_id]


def test_an_unassigned_overdue_case_escalates_to_the_supervisor_once_per_deadline(mail: Mailroom) -> None:
    p = mail.process
    case_id = p.register().case_id  # "order the inspection": level 1 to the assignee, level 2 to the supervisor
    with p.svc.db.unit_of_work() as tx:
        p.svc.runtime.assign(tx, case_id, None, Actor(p.world.users["boss"], "supervisor"))
        tx.commit()
    mail.run()
    mail.smtp.letters.clear()
    mail.tick(hours=12)  # 21:00: due at 18:00, level 2 at 20:00
    assert p.sweep().escalations == 2
    mail.run()
    assert escalations(mail, "boss", case_id) == [f"Нарушен срок «Поручить Агентству обследование» по делу № {case_id}"]
    assert len([m for m in mail.letters("boss") if "Нарушен срок" in m["Subject"]]) == 1
    # the next missed deadline of the case is a new one: told again, once
    p.fire("opeka", case_id, "order_inspection", {"agency_unit": p.world.orgs["agency"]})
    mail.tick(days=14)
    p.sweep()
    mail.run()
    titles = escalations(mail, "boss", case_id)
    assert len(titles) == 2 and titles[0].startswith("Нарушен срок «Обследовать условия жизни")


def test_each_level_still_reaches_the_people_it_names(mail: Mailroom) -> None:
    p = mail.process
    case_id = p.to_inspection()  # assigned to the inspector: level 1 the inspector, level 2 the supervisor
    mail.run()
    mail.tick(days=14)
    p.sweep()
    mail.run()
    assert len(escalations(mail, "agent", case_id)) == 1 and len(escalations(mail, "boss", case_id)) == 1
