"""Read models: worklist, case page, overdue lists and counts, registry search and export, KDN agenda."""

from __future__ import annotations

import io
from datetime import date, timedelta

import openpyxl
import pytest

from cases import agenda, case_page, overdue, search, views
from cases.commands import ChildInput
from cases.errors import InputInvalid, NotFound
from tests.process_steps import Process


def test_worklist_orders_by_nearest_deadline_and_marks_overdue(process: Process) -> None:
    late = process.to_inspection()  # inspect within 3 working days: due Thu 06.03
    process.frozen.tick(timedelta(days=2))  # type: ignore[attr-defined]
    fresh = process.to_inspection(children=(ChildInput("Петрова", "Анна", "", date(2016, 2, 2)),))  # due Mon 10.03
    process.frozen.tick(timedelta(days=2))  # type: ignore[attr-defined]  # now Friday 07.03: the first is overdue
    page = process.svc.read(views.worklist, process.world["agent"])
    assert [r.id for r in page.items] == [late, fresh] and page.total == 2
    first, second = page.items
    assert first.overdue and not second.overdue
    assert first.next_deadline.title == "Обследовать условия жизни ребёнка и семьи"
    assert first.next_deadline.basis == "СК РФ ст. 122 п. 1"
    assert first.next_deadline.working_days_left == -1 and second.next_deadline.working_days_left == 1
    assert first.children == ["Иванов Пётр Сергеевич"] and first.family_name == "Семья Иванов"
    assert process.svc.read(views.worklist, process.world["curator"]).total == 0


def test_case_page_shows_actions_with_their_fields(process: Process) -> None:
    case_id = process.register().case_id
    detail = process.svc.execute(case_page.case_detail, process.world["opeka"], case_id)
    assert detail.case.state_title == "Сообщение зарегистрировано"
    assert [a.event for a in detail.actions] == ["order_inspection"]
    fields = {f.name: f for f in detail.actions[0].fields}
    assert fields["agency_unit"].required and ("" + str(process.world.orgs["agency"]), "Агентство, Сургутский отдел") \
        in fields["agency_unit"].options
    assert [n for _, n in fields["inspector"].options] == ["Лебедев Андрей Сергеевич"]
    assert detail.family["members"][0]["name"] == "Иванов Пётр Сергеевич"
    assert detail.documents[0]["template"] == "registration_card"
    assert detail.history[0].title == "Дело открыто"
    assert process.svc.execute(case_page.case_detail, process.world["agent"], case_id).actions == []  # wrong role
    with pytest.raises(NotFound):
        process.svc.execute(case_page.case_detail, process.world["other_opeka"], case_id)
    logged = process.rows("select user_id, action from access_log where case_id = :c and action = 'view'", c=case_id)
    assert [r.user_id for r in logged] == [process.world.users["opeka"], process.world.users["agent"]]


def test_overdue_counts_and_upcoming(process: Process) -> None:
    a = process.register().case_id
    process.frozen.tick(timedelta(days=1))  # type: ignore[attr-defined]  # the same-day order is now overdue
    b = process.to_inspection(children=(ChildInput("Петрова", "Анна"),))
    items, total = process.svc.read(overdue.overdue, process.world["boss"])
    assert total == 1 and items[0].case_id == a and items[0].deadline.key == "order_inspection"
    counts = process.svc.read(overdue.overdue_counts, process.world["boss"])
    assert counts.total == 1 and counts.by_step[0].key == "child_report:order_inspection"
    assert counts.by_assignee[0].title == "Соколова Ирина Викторовна"
    soon = process.svc.read(overdue.upcoming, process.world["boss"])
    assert b in {i.case_id for i in soon}
    assert process.svc.read(overdue.overdue_counts, process.world["other_boss"]).total == 0


def test_registry_search_and_export(process: Process) -> None:
    process.register(children=(ChildInput("Семёнова", "Алёна", "Игоревна", date(2014, 5, 6)),))
    hits = process.svc.execute(search.search_people, process.world["opeka"], name="семенова ал")
    assert [h.name for h in hits] == ["Семёнова Алёна Игоревна"]
    assert process.svc.execute(search.search_people, process.world["opeka"], birth_date=date(2014, 5, 6))
    assert process.svc.execute(search.search_people, process.world["opeka"], address="мира 7")
    assert process.svc.execute(search.search_people, process.world["other_opeka"], name="Семёнова") == []
    assert process.svc.execute(search.search_people, process.world["curator"], name="Семёнова") == []
    with pytest.raises(InputInvalid):
        process.svc.execute(search.search_people, process.world["opeka"])
    book = openpyxl.load_workbook(io.BytesIO(search.to_xlsx(hits)))
    sheet = book.active
    assert sheet["A2"].value == "Семёнова Алёна Игоревна" and sheet["C2"].value == "06.05.2014"
    text = search.to_csv(hits).decode("utf-8-sig")
    assert text.splitlines()[1].startswith("Семёнова Алёна Игоревна;Ребёнок;06.05.2014")


def test_kdn_agenda(process: Process) -> None:
    _, kdn = process.to_kdn()
    process.fire("agent", kdn, "submit_draft", {"grounds": "Пьянство", "proposed_measures": "ИПР"})
    process.fire("opeka", kdn, "approve_and_send", {"kdn": process.world.orgs["kdn"]})
    seen = process.svc.read(agenda.agenda, process.world["secretary"])
    assert [c.id for c in seen.waiting] == [kdn] and seen.meetings == []
    process.fire("secretary", kdn, "schedule_meeting", {"meeting_on": "2025-03-12"})
    seen = process.svc.read(agenda.agenda, process.world["secretary"])
    assert seen.meetings[0].held_on == date(2025, 3, 12) and seen.meetings[0].items[0][1] == "consideration"
    assert process.svc.read(agenda.agenda, process.world["director"]).waiting == []
