"""The УСО's quarterly report to the regional ministry (Novgorod profile): the obligation opened by the first
approved plan, its deadline on the production calendar, the figures counted from the data, the act."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from cases import ministry_report, profile_commands
from engine.calendar import load_calendar
from engine.errors import RoleNotAllowed
from tests.process_steps import Process
from tests.regions_steps import TERRITORY, active, add_novgorod, report_all
from tests.world import START
from workflows import DEFAULT_CALENDAR


def _obligation(process: Process) -> int:
    rows = process.rows("select id, subject_kind, subject_id, org_id from wf_instance "
                        "where workflow = 'uso_ministry_report'")
    assert len(rows) == 1, rows  # one per УСО, however many plans it runs
    assert (rows[0].subject_kind, rows[0].subject_id, rows[0].org_id) == (
        "organisation", process.world.orgs["b_uso"], process.world.orgs["b_uso"])
    return int(rows[0].id)


def _due(process: Process, case_id: int) -> date:
    rows = process.rows("select due_at from wf_deadline where instance_id = :c and key = 'ministry_report' "
                        "and closed_at is null", c=case_id)
    assert len(rows) == 1
    due_at = rows[0].due_at
    moment = due_at if isinstance(due_at, datetime) else datetime.fromisoformat(str(due_at))
    return process.svc.runtime.calendar.local_date(moment)


def _move(process: Process, day: date) -> None:
    process.frozen.move_to(datetime.combine(day, START.time(), tzinfo=START.tzinfo))  # type: ignore[attr-defined]


def _report(process: Process, obligation: int, year: int, quarter: int) -> dict[str, object]:
    row = process.rows("select due_on, submitted_on, org_id from quarterly_report where case_id = :c "
                       "and year = :y and quarter = :q", c=obligation, y=year, q=quarter)
    assert len(row) == 1
    figures = process.case(obligation).data["ministry_figures"]
    assert (figures["year"], figures["quarter"]) == (year, quarter)
    return {"due_on": str(row[0].due_on)[:10], **figures,
            **{f"decision_{d['code']}": d["count"] for d in figures["decisions"]}}


def test_the_production_calendar_moves_a_due_day_off() -> None:
    calendar = load_calendar(DEFAULT_CALENDAR)
    assert ministry_report.report_due(calendar, 2025, 1, 10) == date(2025, 4, 10)  # a Thursday: kept
    assert ministry_report.report_due(calendar, 2025, 4, 10) == date(2026, 1, 12)  # New Year holidays
    assert ministry_report.report_due(calendar, 2025, 3, 12) == date(2025, 10, 13)  # a Sunday: Monday


def test_the_usos_quarterly_report_to_the_ministry_keeps_its_deadline_and_counts_the_quarter(
        process: Process) -> None:
    add_novgorod(process)
    first = active(process)  # Monday 03.03.2025: the plan approved opens the УСО's report for Q1
    second = active(process, address="г. Боровичи, ул. Ленинградская, д. 9", surname="Сидоров")
    obligation = _obligation(process)
    assert process.case(obligation).data["ministry_report_on"] == "2025-04-10"
    assert _due(process, obligation) == date(2025, 4, 10)

    _move(process, date(2025, 4, 8))
    with pytest.raises(RoleNotAllowed):  # the director reports, not a curator
        process.fire("b_curator1", obligation, "submit_ministry_report")
    process.fire("b_director", obligation, "submit_ministry_report", {"notes": "Два плана утверждены в марте"})
    q1 = _report(process, obligation, 2025, 1)
    assert (q1["due_on"], q1["cases"], q1["new_cases"], q1["no_dynamics"]) == ("2025-04-10", 2, 2, 0)
    assert [q1[f"decision_{c}"] for c in "abcde"] == [0, 0, 0, 0, 0]
    assert _due(process, obligation) == date(2025, 7, 10)  # the next quarter's deadline, restarted
    docs = process.rows("select template, context from document where case_id = :c", c=obligation)
    assert [d.template for d in docs] == ["uso_ministry_report"]
    context = json.loads(docs[0].context) if isinstance(docs[0].context, str) else docs[0].context
    assert context["figures"]["cases"] == 2 and context["family"] == {}

    _move(process, date(2025, 5, 22))  # the reviews of the second quarter: decisions (а) and (г)
    report_all(process, first)
    report_all(process, second)
    process.fire("b_secretary", first, "review_continue", {"resolution_number": "30/1"})
    process.fire("b_secretary", second, "review_court", {"resolution_number": "30/2", "notes": "Нет динамики"})
    _move(process, date(2025, 7, 9))
    process.fire("b_director", obligation, "submit_ministry_report")
    q2 = _report(process, obligation, 2025, 2)
    assert (q2["cases"], q2["new_cases"]) == (2, 0)
    assert [q2[f"decision_{c}"] for c in "abcde"] == [1, 0, 0, 1, 0]
    assert _due(process, obligation) == date(2025, 10, 10)

    _move(process, date(2025, 10, 20))  # late: the sweep reminds and escalates, as for every deadline
    process.sweep()
    kinds = {r.kind for r in process.rows(
        "select s.kind from wf_step s join wf_deadline d on d.id = s.deadline_id where d.instance_id = :c "
        "and d.key = 'ministry_report' and s.status = 'done'", c=obligation)}
    assert {"remind", "escalate"} <= kinds
    late = process.rows("select status from wf_deadline where instance_id = :c and key = 'ministry_report' "
                        "and closed_at is null", c=obligation)
    assert late
    process.fire("b_director", obligation, "submit_ministry_report")
    assert _report(process, obligation, 2025, 3)["due_on"] == "2025-10-10"
    assert _due(process, obligation) == date(2026, 1, 12)  # 10.01.2026 is a holiday: the next working day

    _move(process, date(2026, 3, 10))  # a year without positive dynamics for the first family
    process.sweep()
    assert process.case(first).data.get("no_dynamics_flagged_on")
    process.fire("b_director", obligation, "submit_ministry_report")  # Q4 2025: flagged after its end
    q4 = _report(process, obligation, 2025, 4)
    assert (q4["due_on"], q4["no_dynamics"], q4["cases"]) == ("2026-01-12", 0, 2)
    process.fire("b_director", obligation, "submit_ministry_report")  # Q1 2026
    q1_next = _report(process, obligation, 2026, 1)
    assert (q1_next["no_dynamics"], q1_next["cases"]) == (1, 2)  # the second case waits for the claim
    assert process.case(obligation).data["ministry_report_on"] == "2026-07-10"


def test_the_ministry_report_belongs_to_the_novgorod_territory_only(process: Process) -> None:
    add_novgorod(process)
    active(process)
    names = process.svc.read(profile_commands.workflow_names, process.world["b_director"])
    assert "uso_ministry_report" in names
    assert "uso_ministry_report" not in process.svc.read(profile_commands.workflow_names, process.world["boss"])
    process.svc.execute(profile_commands.publish_profile, process.world["b_admin"], "novgorod",
                        {"ministry_report_day": 12})  # a regional setting: Q2 2025 by 12.07.2025 — a Saturday
    obligation = _obligation(process)
    _move(process, date(2025, 4, 9))
    process.fire("b_director", obligation, "submit_ministry_report")
    assert process.case(obligation).data["ministry_report_on"] == "2025-07-14"
    assert TERRITORY == "borovichi"
