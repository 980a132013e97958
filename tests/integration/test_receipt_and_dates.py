"""Dates as a person means them: deadlines count from the receipt, age on the receipt date, no future events.

The clock stands at Monday 03.03.2025 09:00 local (``tests.world.START``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cases import handlers
from cases.commands import ChildInput, CloseItem, RecordExecutionReport
from cases.errors import InputInvalid
from engine.errors import GuardFailed, PayloadInvalid
from tests.process_steps import Process

LOCAL = ZoneInfo("Asia/Yekaterinburg")


def deadline(process: Process, case_id: int, key: str) -> tuple[str, str]:
    row = process.rows("select due_at, status from wf_deadline where instance_id = :c and key = :k "
                       "order by id desc", c=case_id, k=key)[0]
    return str(row.due_at), row.status


# -- deadlines whose basis is the receipt ----------------------------------------------------------

def test_a_report_registered_late_is_overdue_for_ordering_from_the_day_it_was_received(process: Process) -> None:
    received = datetime(2025, 2, 28, 10, 0, tzinfo=LOCAL)  # Friday; registered on Monday
    case_id = process.register(received_at=received).case_id
    due, status = deadline(process, case_id, "order_inspection")
    assert due.startswith("2025-02-28 13:00") and status == "open"  # Friday 18:00 local: already overdue
    overdue = process.rows("select count(*) from wf_deadline where instance_id = :c and status = 'open' "
                           "and due_at < :now", c=case_id, now=process.now())[0][0]
    assert overdue == 1
    process.fire("opeka", case_id, "order_inspection", {"agency_unit": process.world.orgs["agency"]})
    assert deadline(process, case_id, "order_inspection")[1] == "late"
    assert deadline(process, case_id, "inspect")[0].startswith("2025-03-05 13:00")  # 3 working days from Friday


def test_a_receipt_after_hours_is_ordered_by_the_next_working_day(process: Process) -> None:
    received = datetime(2025, 2, 28, 19, 30, tzinfo=LOCAL)  # Friday evening
    case_id = process.register(received_at=received).case_id
    assert deadline(process, case_id, "order_inspection")[0].startswith("2025-03-03 13:00")  # Monday 18:00


def test_the_obligation_to_forward_to_the_kdn_counts_from_the_receipt(process: Process) -> None:
    _, kdn = process.to_resolution()
    process.frozen.tick(timedelta(days=3))  # type: ignore[attr-defined]  # Thursday 06.03
    again = process.register(children=(ChildInput("Иванов", "Пётр", "Сергеевич", date(2015, 4, 1)),),
                             received_at=datetime(2025, 3, 4, 11, 0, tzinfo=LOCAL))
    assert again.kdn_case_id == kdn and again.kdn_forward_case_id is not None
    assert deadline(process, again.kdn_forward_case_id, "forward")[0].startswith("2025-03-04 13:00")


# -- age on the receipt date -----------------------------------------------------------------------

def test_age_is_taken_on_the_receipt_date_by_the_full_birth_date(process: Process) -> None:
    process.frozen.move_to("2026-03-03 04:00:00")  # type: ignore[attr-defined]
    registered = process.register(children=(ChildInput("Петров", "Илья", "", date(2007, 5, 1)),),
                                  received_at=datetime(2024, 3, 1, 10, 0, tzinfo=LOCAL))  # 16 then, 18 now
    assert registered.case_id
    with pytest.raises(InputInvalid) as error:  # the years differ by 18 only, but the person is 18 already
        process.register(children=(ChildInput("Сидоров", "Олег", "", date(2008, 1, 2)),))
    assert error.value.errors["children[0].birth_date"] == (
        "это не несовершеннолетний: на день поступления сообщения (03.03.2026) ему уже исполнилось 18 лет")


@pytest.mark.parametrize(("birth", "refused"), [
    (date(2007, 3, 3), True),  # 18 today
    (date(2007, 3, 4), False),  # 18 tomorrow: still a minor
    (date(2006, 12, 31), True),
])
def test_minor_means_under_18_on_the_day_of_receipt(process: Process, birth: date, refused: bool) -> None:
    child = (ChildInput("Петров", "Илья", "", birth),)
    if refused:
        with pytest.raises(InputInvalid) as error:
            process.register(children=child)
        assert "18 лет" in error.value.errors["children[0].birth_date"]
    else:
        assert process.register(children=child).case_id


def test_a_birth_date_after_the_receipt_is_refused(process: Process) -> None:
    with pytest.raises(InputInvalid) as error:
        process.register(children=(ChildInput("Петров", "Илья", "", date(2024, 6, 1)),),
                         received_at=datetime(2024, 3, 1, 10, 0, tzinfo=LOCAL))
    assert "позже дня поступления" in error.value.errors["children[0].birth_date"]


# -- dates of what happened are never in the future ------------------------------------------------

TOMORROW = "2025-03-04"


def test_event_dates_in_the_future_are_refused_in_every_action(process: Process) -> None:
    case_id = process.to_inspection()
    with pytest.raises(PayloadInvalid) as error:
        process.fire("agent", case_id, "record_inspection", {"living_conditions": "Чисто", "safety": "safe",
                                                             "inspected_on": TOMORROW})
    assert error.value.errors == {"inspected_on": "дата не может быть позже сегодняшнего дня (03.03.2025)"}
    _, support = process.to_support()
    with pytest.raises(PayloadInvalid) as error:
        process.fire("curator", support, "record_visit", {"visited_on": TOMORROW, "kind": "home", "notes": "Был"})
    assert set(error.value.errors) == {"visited_on"}
    process.fire("curator", support, "record_visit", {"visited_on": "2025-03-03", "kind": "home", "notes": "Был"})
    process.fire("curator", support, "continue_support", {"review_on": "2025-09-01", "reason": "Нужна помощь"})


def test_resolution_and_approval_dates_in_the_future_are_refused(process: Process) -> None:
    _, kdn = process.to_kdn()
    process.fire("agent", kdn, "submit_draft", {"grounds": "Пьянство", "proposed_measures": "СОП"})
    with pytest.raises(PayloadInvalid) as error:
        process.fire("opeka", kdn, "approve_and_send", {"kdn": process.world.orgs["kdn"], "approved_on": TOMORROW})
    assert set(error.value.errors) == {"approved_on"}
    process.fire("opeka", kdn, "approve_and_send", {"kdn": process.world.orgs["kdn"]})
    process.fire("secretary", kdn, "schedule_meeting", {"meeting_on": "2025-03-10"})  # planned: may be ahead
    with pytest.raises(PayloadInvalid) as error:
        process.fire("secretary", kdn, "adopt_resolution", {
            "resolution_number": "1/1", "resolution_date": TOMORROW, "uso": process.world.orgs["uso"],
            "executing_bodies": "Школа", "report_back_on": "2025-03-20"})
    assert set(error.value.errors) == {"resolution_date"}


def test_plan_results_and_execution_reports_dated_in_the_future_are_refused(process: Process) -> None:
    _, kdn = process.to_execution()
    item = process.rows("select i.id from plan_item i join plan p on p.id = i.plan_id where p.case_id = :c",
                        c=kdn)[0][0]
    with pytest.raises(InputInvalid) as error:
        process.svc.execute(handlers.close_plan_item, process.world["curator"],
                            CloseItem(kdn, item, "done", "Сделано", date(2025, 3, 4)))
    assert set(error.value.errors) == {"done_on"}
    with pytest.raises(InputInvalid) as error:
        process.svc.execute(handlers.record_execution_report, process.world["secretary"], RecordExecutionReport(
            kdn, process.world.orgs["school"], date(2025, 3, 4), "Исполнено"))
    assert set(error.value.errors) == {"received_on"}


# -- reports dated on the day a cycle starts ----------------------------------------------------------

def test_reports_recorded_after_the_plan_was_approved_that_day_count_for_the_review(process: Process) -> None:
    _, kdn = process.to_execution()  # approved today
    process.frozen.tick(timedelta(hours=1))  # type: ignore[attr-defined]
    process.report_all(kdn)
    process.fire("secretary", kdn, "review_continue", {"resolution_number": "5/1"})
    # the reports just used answered that review: the next one needs new reports, even on the same day
    process.frozen.tick(timedelta(hours=1))  # type: ignore[attr-defined]
    with pytest.raises(GuardFailed, match="Не получены отчёты"):
        process.fire("secretary", kdn, "review_continue", {"resolution_number": "5/2"})
    process.report_all(kdn)
    process.fire("secretary", kdn, "review_continue", {"resolution_number": "5/2"})
