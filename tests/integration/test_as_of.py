"""A case as it stood at the end of a given day, rebuilt from its audit trail; the history with missed
deadlines, escalations and reminders. The clock starts at Monday 03.03.2025 09:00 local."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cases import handlers
from cases.case_page import CaseDetail, case_detail
from cases.commands import AssignCase
from cases.errors import InputInvalid
from tests.process_steps import Process


def tick(process: Process, **delta: float) -> None:
    process.frozen.tick(timedelta(**delta))  # type: ignore[attr-defined]


def as_of(process: Process, case_id: int, day: date | None, login: str = "boss") -> CaseDetail:
    return process.svc.execute(case_detail, process.world[login], case_id, day)


def deadlines(detail: CaseDetail) -> dict[str, tuple[str, bool, int | None]]:
    return {d.key: (d.status, d.overdue, d.working_days_left) for d in detail.deadlines}


@pytest.fixture
def story(process: Process) -> int:
    """Registered and handed to the Agency on Mon 03.03, inspected and a safety plan approved on Tue 04.03, its
    measure done and the case given to the guardianship officer on Thu 06.03, the recognition deadline (Tue
    11.03) missed, escalated by the sweeper on Wed 12.03 and the family referred to a УСО that day."""
    case_id = process.to_inspection()
    tick(process, days=1)
    process.fire("agent", case_id, "record_inspection", {"living_conditions": "Тесно", "safety": "conditionally_safe"})
    process.fire("agent", case_id, "confirm", {"summary": "Подтвердилось"})
    item = process.add_item("agent", case_id, "Горячее питание в школе", 5, org="school")
    process.fire("agent", case_id, "approve_safety_plan")
    tick(process, days=2)
    process.close_item("agent", case_id, item)
    process.svc.execute(handlers.assign_case, process.world["boss"],
                        AssignCase(case_id, process.world.users["opeka"], "Отпуск специалиста"))
    tick(process, days=6)  # Wed 12.03 09:00
    process.sweep()
    process.fire("agent", case_id, "classify_tzs", {"uso": process.world.orgs["uso"], "grounds": "Безработица"})
    return case_id


def test_state_assignee_deadlines_and_plan_as_they_stood_each_day(process: Process, story: int) -> None:
    now = as_of(process, story, None)
    assert now.case.state == "referred_tzs" and now.case.closed_at is not None and now.as_of is None

    first = as_of(process, story, date(2025, 3, 3))
    assert (first.case.state, first.case.state_title) == ("inspection_ordered", "Обследование поручено Агентству")
    assert first.as_of == date(2025, 3, 3) and first.case.closed_at is None
    assert first.case.assignee_name == "Лебедев Андрей Сергеевич"
    assert first.case.org_name == "Агентство, Сургутский отдел"
    assert deadlines(first) == {"order_inspection": ("met", False, None), "inspect": ("open", False, 3)}
    assert first.plans == [] and first.actions == [] and first.commands == [] and not first.can_edit_plan
    assert [h.title for h in first.history] == ["Поручить обследование Агентству", "Дело открыто"]
    assert [d["template"] for d in first.documents] == ["inspection_order", "registration_card"]

    second = as_of(process, story, date(2025, 3, 4))
    assert second.case.state == "safety_control"
    (plan,) = second.plans
    assert (plan["status"], plan["revision"], plan["approved_on"]) == ("approved", 1, date(2025, 3, 4))
    assert [(i["measure"], i["status"], i["result"]) for i in plan["items"]] == [
        ("Горячее питание в школе", "open", "")]
    assert deadlines(second)["recognition"] == ("open", False, 5)

    fourth = as_of(process, story, date(2025, 3, 6))
    assert fourth.case.assignee_name == "Соколова Ирина Викторовна"  # reassigned that day
    assert [(i["status"], i["result"]) for i in fourth.plans[0]["items"]] == [("done", "Выполнено в срок")]

    assert deadlines(as_of(process, story, date(2025, 3, 10)))["recognition"] == ("open", False, 1)
    missed = as_of(process, story, date(2025, 3, 11))
    assert deadlines(missed)["recognition"] == ("open", True, 0)  # due at 18:00 that day: overdue by its end
    assert missed.case.overdue and missed.case.next_deadline is not None
    assert missed.history[0].kind == "deadline_missed" and "Признать ребёнка" in missed.history[0].title
    assert "Эскалация" not in " ".join(h.title for h in missed.history)  # the sweeper ran the next morning


def test_the_history_lists_missed_deadlines_escalations_and_reminders(process: Process, story: int) -> None:
    history = as_of(process, story, None).history
    kinds = [(h.kind, h.title) for h in history if h.seq == 0]
    recognition = "Признать ребёнка и семью нуждающимися в социальном обслуживании"
    assert ("deadline_missed", f"Нарушен срок «{recognition}»") in kinds
    assert ("escalation", f"Эскалация (уровень 1): нарушен срок «{recognition}»") in kinds
    assert ("reminder", f"Напоминание: срок «{recognition}»") in kinds
    escalation = next(h for h in history if h.kind == "escalation")
    assert ("Кому", "ответственному по делу") in escalation.details and escalation.actor == "Система"
    missed = next(h for h in history if h.kind == "deadline_missed")
    assert ("Выполнен с опозданием", "12.03.2025 09:00") in missed.details
    assert [h.at for h in history] == sorted((h.at for h in history), reverse=True)
    assert history[0].title.startswith("Семья в трудной жизненной ситуации")


def test_a_day_after_today_or_before_the_case_is_refused(process: Process, story: int) -> None:
    with pytest.raises(InputInvalid) as error:
        as_of(process, story, date(2025, 3, 13))
    assert error.value.errors == {"as_of": "дата не может быть позже сегодняшнего дня (12.03.2025)"}
    with pytest.raises(InputInvalid) as error:
        as_of(process, story, date(2025, 3, 2))
    assert error.value.errors == {"as_of": "дело открыто 03.03.2025: на более раннюю дату его ещё не было"}


def test_viewing_a_case_as_of_a_day_is_written_to_the_access_log(process: Process, story: int) -> None:
    as_of(process, story, date(2025, 3, 4), login="opeka")
    logged = process.rows("select what from access_log where case_id = :c and what like '%на 04.03.2025'", c=story)
    assert [r.what for r in logged] == ["просмотр дела на 04.03.2025"]
