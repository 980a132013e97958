"""A deadline missed at each step of every workflow reminds and escalates along its declared chain.

For every state that has deadlines, a case is driven into it, the clock jumps past every
step of its deadlines, and the sweeper runs: the outbox must hold, for that case, the
reminders (to the assignee) and the escalations to exactly the roles the workflow file
declares, level by level.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest

from tests.process_steps import Process

Setup = Callable[[Process], int]


def _kdn_at(event_chain: list[tuple[str, str, dict[str, object]]]) -> Setup:
    def setup(p: Process) -> int:
        _, kdn = p.to_kdn()
        for login, event, payload in event_chain:
            p.fire(login, kdn, event, {k: (v(p) if callable(v) else v) for k, v in payload.items()})
        return kdn
    return setup


def _execution(then: list[tuple[str, str, dict[str, object]]]) -> Setup:
    def setup(p: Process) -> int:
        _, kdn = p.to_execution()
        for login, event, payload in then:
            if event.startswith("review_"):
                p.frozen.tick(timedelta(days=10))  # type: ignore[attr-defined]
                p.report_all(kdn)
            p.fire(login, kdn, event, payload)
        return kdn
    return setup


SUBMIT = ("agent", "submit_draft", {"grounds": "Пьянство", "proposed_measures": "ИПР"})
SEND = ("opeka", "approve_and_send", {"kdn": lambda p: p.world.orgs["kdn"]})
RESOLVE = ("secretary", "adopt_resolution", {"resolution_number": "1", "uso": lambda p: p.world.orgs["uso"],
                                             "executing_bodies": "Школа", "report_back_on": "2025-03-20"})

SETUPS: dict[tuple[str, str], Setup] = {
    ("child_report", "received"): lambda p: p.register().case_id,
    ("child_report", "inspection_ordered"): lambda p: p.to_inspection(),
    ("child_report", "inspected"): lambda p: (c := p.to_inspection(), p.fire("agent", c, "record_inspection", {
        "living_conditions": "Тесно", "safety": "safe"}))[0],
    ("child_report", "safety_planning"): lambda p: (c := p.to_inspection(), p.fire("agent", c, "record_inspection", {
        "living_conditions": "Тесно", "safety": "safe"}), p.fire("agent", c, "confirm", {"summary": "Да"}))[0],
    ("child_report", "safety_control"): lambda p: p.to_safety_control(),
    ("family_support", "order_received"): lambda p: (r := p.to_safety_control(), p.close_safety_items(r),
                                                     p.fire("agent", r, "classify_tzs", {
                                                         "uso": p.world.orgs["uso"], "grounds": "Безработица"}),
                                                     p.started_case(r, "family_support"))[-1],
    ("family_support", "planning"): lambda p: (r := p.to_safety_control(), p.close_safety_items(r),
                                               p.fire("agent", r, "classify_tzs", {
                                                   "uso": p.world.orgs["uso"], "grounds": "Безработица"}),
                                               s := p.started_case(r, "family_support"),
                                               p.fire("director", s, "appoint_curator",
                                                      {"curator": p.world.users["curator"]}), s)[-1],
    ("family_support", "support"): lambda p: p.to_support()[1],
    ("kdn_prevention", "draft_conclusion"): _kdn_at([]),
    ("kdn_prevention", "approval"): _kdn_at([SUBMIT]),
    ("kdn_prevention", "awaiting_meeting"): _kdn_at([SUBMIT, SEND]),
    ("kdn_prevention", "plan_drafting"): _kdn_at([SUBMIT, SEND, RESOLVE]),
    ("kdn_prevention", "plan_approval"): lambda p: (k := p.to_resolution()[1],
                                                    p.fire("director", k, "appoint_curator",
                                                           {"curator": p.world.users["curator"]}),
                                                    p.add_item("curator", k, "Беседа", 20, org="police"),
                                                    p.fire("curator", k, "submit_plan"), k)[-1],
    ("kdn_prevention", "execution"): _execution([]),
    ("kdn_prevention", "plan_amendment"): _execution([("secretary", "review_amend",
                                                       {"resolution_number": "2", "notes": "Дополнить"})]),
    ("kdn_prevention", "court_instructed"): _execution([("secretary", "review_court",
                                                         {"resolution_number": "3", "notes": "Нет динамики"})]),
    ("kdn_prevention", "suspended"): _execution([("secretary", "review_suspend",
                                                  {"resolution_number": "4", "notes": "Паводок"})]),
    ("kdn_prevention", "post_support"): _execution([("secretary", "review_terminate_removed",
                                                     {"resolution_number": "5"})]),
}




def test_every_state_with_deadlines_is_covered(process: Process) -> None:
    declared = {(wf, s.name) for wf in ("child_report", "family_support", "kdn_prevention")
                for s in process.app.catalog.latest(wf).definition.states.values()
                if any(not d.manual for d in s.deadlines)}
    assert declared == set(SETUPS)


@pytest.mark.parametrize(("workflow", "state"), sorted(SETUPS))
def test_missed_deadlines_remind_and_escalate_to_the_declared_roles(process: Process, workflow: str,
                                                                    state: str) -> None:
    case_id = SETUPS[(workflow, state)](process)
    case = process.case(case_id)
    assert (case.workflow, case.state) == (workflow, state)
    spec = process.app.catalog.latest(workflow).definition.states[state]
    opened = process.rows("select id, key, ref from wf_deadline where instance_id = :c and status = 'open'",
                          c=case_id)
    assert {r.key for r in opened if r.ref is None} == {d.id for d in spec.deadlines if not d.manual}
    expected = []
    for row in opened:  # the state's deadlines and, where the plan is approved, one per plan item
        deadline = spec.deadline(row.key)
        assert deadline is not None
        steps = process.rows("select kind, level, target from wf_step where deadline_id = :d order by id", d=row.id)
        assert [(s.kind, s.level, s.target) for s in steps if s.kind == "escalate"] == [
            ("escalate", e.level, e.to) for e in deadline.escalate]
        expected += [("deadline.escalation", deadline.id, e.level, e.to) for e in deadline.escalate]
        expected += [("deadline.reminder", deadline.id, s.level, "assignee") for s in steps if s.kind == "remind"]
    last_step = max(r[0] for r in process.rows("select max(due_at) from wf_step where instance_id = :c", c=case_id))
    assert last_step is not None
    process.frozen.move_to(str(last_step)[:19])  # type: ignore[attr-defined]
    process.frozen.tick(timedelta(hours=1))  # type: ignore[attr-defined]
    process.sweep()
    fired = process.rows("select kind, target, payload from outbox where instance_id = :c and kind like 'deadline.%'",
                         c=case_id)
    payloads = [r.payload if isinstance(r.payload, dict) else json.loads(r.payload) for r in fired]
    got = sorted((r.kind, p["deadline"], p["level"], r.target) for r, p in zip(fired, payloads, strict=True))
    assert got == sorted(expected)
