"""End-to-end scenarios of Paths 1, 2 and 3 through the domain's commands, on the engine's clock."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cases import handlers
from cases.commands import ChildInput, FireEvent
from cases.errors import AmbiguousMatch, NotFound
from engine.audit import verify
from engine.errors import GuardFailed, RoleNotAllowed
from tests.process_steps import Process


def tick(process: Process, **delta: float) -> None:
    process.frozen.tick(timedelta(**delta))  # type: ignore[attr-defined]


def templates(process: Process, case_id: int) -> list[str]:
    return [r.template for r in process.rows("select template from document where case_id = :c order by id",
                                             c=case_id)]


def chains_intact(process: Process) -> bool:
    with process.svc.db.read() as tx:
        return list(verify(tx)) == []


def test_tzs_family_from_report_to_closed_support(process: Process) -> None:
    registered = process.register()
    case = registered.case_id
    assert process.case(case).state == "received"
    assert templates(process, case) == ["registration_card"]
    process.fire("opeka", case, "order_inspection", {"agency_unit": process.world.orgs["agency"],
                                                    "inspector": process.world.users["agent"]})
    ordered = process.case(case)
    assert (ordered.state, ordered.org_id, ordered.assignee_id) == (
        "inspection_ordered", process.world.orgs["agency"], process.world.users["agent"])
    due = process.rows("select due_at from wf_deadline where instance_id = :c and key = 'inspect'", c=case)[0][0]
    assert str(due).startswith("2025-03-06 13:00")  # Monday 03.03 + 3 working days, 18:00 local
    tick(process, days=1)
    process.fire("agent", case, "record_inspection", {"living_conditions": "Тесно, но чисто", "safety": "safe",
                                                      "threats": "Нет"})
    process.fire("agent", case, "confirm", {"summary": "Семья нуждается в помощи"})
    item = process.add_item("agent", case, "Продуктовый набор", 3, org="school", threat="Нехватка продуктов")
    process.fire("agent", case, "approve_safety_plan")
    assert process.rows("select count(*) from wf_deadline where instance_id = :c and key = 'safety_item' "
                        "and status = 'open'", c=case)[0][0] == 1
    with pytest.raises(GuardFailed, match="Не закрыто мероприятий плана: 1"):
        process.fire("agent", case, "classify_tzs", {"uso": process.world.orgs["uso"], "grounds": "Безработица"})
    process.close_item("agent", case, item)
    assert process.rows("select status from wf_deadline where instance_id = :c and key = 'safety_item'",
                        c=case)[0][0] == "met"
    process.fire("agent", case, "classify_tzs", {"uso": process.world.orgs["uso"], "grounds": "Безработица"})
    assert process.case(case).state == "referred_tzs"
    family = process.rows("select category, category_act from family where id = :f", f=registered.family_id)[0]
    assert family.category == "tzs" and "Семья в трудной жизненной ситуации" in family.category_act
    support = process.started_case(case, "family_support")
    assert process.case(support).org_id == process.world.orgs["uso"]
    process.fire("director", support, "appoint_curator", {"curator": process.world.users["curator"]})
    assert process.case(support).assignee_id == process.world.users["curator"]
    support_item = process.add_item("curator", support, "Оформить пособие", 20, org="uso")
    process.fire("curator", support, "approve_support_plan")
    supported = process.case(support)
    assert supported.state == "support"
    assert supported.data["review_on"] == "2025-09-04"  # 6 months after 04.03.2025
    tick(process, days=6)
    process.fire("curator", support, "record_visit", {"kind": "home", "notes": "Дома чисто, мать ищет работу"})
    visits = process.rows("select status from wf_deadline where instance_id = :c and key = 'visit' order by id",
                          c=support)
    assert [v.status for v in visits] == ["met", "open"]
    process.close_item("curator", support, support_item)
    process.fire("curator", support, "close_support", {"reason": "solved", "comment": "Мать трудоустроена"})
    assert process.case(support).state == "closed"
    assert process.rows("select category from family where id = :f", f=registered.family_id)[0][0] == "none"
    assert templates(process, support) == ["support_plan", "termination_notice"]
    assert templates(process, case) == ["registration_card", "inspection_order", "inspection_act", "safety_plan",
                                        "support_order"]
    assert chains_intact(process)


def test_sop_family_through_reviews_suspension_and_post_support(process: Process) -> None:
    _, kdn = process.to_resolution()
    resolved = process.case(kdn)
    assert resolved.state == "plan_drafting" and resolved.org_id == process.world.orgs["uso"]
    assert process.rows("select category from family")[0][0] == "sop"
    assert process.rows("select count(*) from meeting_item where case_id = :c", c=kdn)[0][0] == 1
    process.fire("director", kdn, "appoint_curator", {"curator": process.world.users["curator"]})
    for measure, org in (("Контроль посещаемости", "school"), ("Беседа с родителями", "police"),
                         ("Консультация психолога", "uso")):
        process.add_item("curator", kdn, measure, 60, org=org)
    process.fire("curator", kdn, "submit_plan")
    process.fire("secretary", kdn, "approve_plan")
    approved = process.case(kdn)
    assert approved.state == "execution" and approved.data["cycle_started_on"] == "2025-03-03"
    review_due = process.rows("select due_at from wf_deadline where instance_id = :c and key = 'review' "
                              "and status = 'open'", c=kdn)[0][0]
    assert str(review_due).startswith("2025-06-03 13:00")  # 3 months after approval, 18:00 local
    assert process.rows("select count(*) from wf_deadline where instance_id = :c and key = 'ipr_item' "
                        "and status = 'open'", c=kdn)[0][0] == 3

    # review 1: continue — refused until every body has reported
    tick(process, days=80)
    resolution = {"resolution_number": "31/5"}
    with pytest.raises(GuardFailed, match="Не получены отчёты"):
        process.fire("secretary", kdn, "review_continue", resolution)
    process.report_all(kdn)
    process.fire("secretary", kdn, "review_continue", resolution)
    assert process.case(kdn).data["cycle_started_on"] == process.today().isoformat()
    reviews = process.rows("select status from wf_deadline where instance_id = :c and key = 'review' order by id",
                           c=kdn)
    assert [r.status for r in reviews] == ["met", "open"]

    # review 2: amend — new cycle, reports needed again
    tick(process, days=85)
    with pytest.raises(GuardFailed):
        process.fire("secretary", kdn, "review_amend", {"resolution_number": "40/2", "notes": "Добавить занятость"})
    process.report_all(kdn, positive=True)
    process.fire("secretary", kdn, "review_amend", {"resolution_number": "40/2", "notes": "Добавить занятость"})
    assert process.case(kdn).state == "plan_amendment"
    process.add_item("curator", kdn, "Трудоустройство отца", 30, org="uso")
    process.fire("curator", kdn, "submit_plan")
    process.fire("secretary", kdn, "approve_plan")
    assert process.rows("select revision from plan where case_id = :c", c=kdn)[0][0] == 2

    # suspension and resumption
    process.fire("secretary", kdn, "review_suspend", {"resolution_number": "44/1", "notes": "Паводок, эвакуация"})
    assert process.case(kdn).state == "suspended"
    tick(process, days=20)
    process.fire("secretary", kdn, "resume", {"resolution_number": "47/3"})
    assert process.case(kdn).state == "execution"

    # termination with post-support; its end fires by itself
    tick(process, days=60)
    process.report_all(kdn, positive=True)
    process.fire("secretary", kdn, "review_terminate_removed", {"resolution_number": "52/7"})
    post = process.case(kdn)
    assert post.state == "post_support" and post.data["post_support_from"] == process.today().isoformat()
    tick(process, days=200)
    report = process.sweep()
    assert report.timeouts >= 1
    assert process.case(kdn).state == "terminated"
    assert process.rows("select category from family")[0][0] == "none"
    decisions = [r.decision for r in process.rows("select decision from kdn_resolution where case_id = :c "
                                                  "order by id", c=kdn)]
    assert decisions == ["recognise", "continue", "amend", "suspend", "resume", "post_support"]
    assert templates(process, kdn).count("kdn_resolution") == 6
    assert {"draft_conclusion", "approved_conclusion", "ipr_plan", "termination_notice"} <= set(templates(process, kdn))
    assert chains_intact(process)


def test_unconfirmed_report_is_closed_with_its_reason(process: Process) -> None:
    case = process.to_inspection(source="anonymous")
    process.fire("agent", case, "record_inspection", {"living_conditions": "Всё в порядке", "safety": "safe"})
    process.fire("agent", case, "close_not_confirmed", {"reason": "Ребёнок ухожен, жалоба не подтвердилась"})
    closed = process.case(case)
    assert closed.state == "closed_not_confirmed" and closed.closed_at is not None
    assert process.rows("select confirmed from report")[0][0] in (0, False)
    audit = process.rows("select payload from wf_audit where instance_id = :c and event = 'close_not_confirmed'",
                         c=case)
    assert "жалоба не подтвердилась" in str(audit[0].payload)
    still_open = process.rows("select count(*) from wf_deadline where instance_id = :c and status = 'open'", c=case)
    assert still_open[0][0] == 0


def test_a_repeated_report_on_a_child_under_ipr_creates_the_kdn_obligation(process: Process) -> None:
    _, kdn = process.to_resolution()
    family = process.rows("select family_id from report")[0][0]
    tick(process, days=3)
    again = process.register(children=(ChildInput("ИВАНОВ", "Петр", "Сергеевич", date(2015, 4, 1)),),
                             source="police")
    assert again.family_id == family  # ё/е and case do not matter: the known child links the report
    assert again.children[0][1] == "matched"
    assert again.kdn_case_id == kdn and again.kdn_forward_case_id is not None
    assert process.rows("select count(*) from family")[0][0] == 1
    forward = process.case(again.kdn_forward_case_id)
    assert (forward.workflow, forward.state) == ("kdn_forward", "pending")
    due = process.rows("select due_at from wf_deadline where instance_id = :c", c=forward.id)[0][0]
    assert str(due).startswith(f"{process.today().isoformat()} 13:00")  # the same working day
    on_kdn = process.rows("select kind, payload from wf_audit where instance_id = :c order by seq desc", c=kdn)[0]
    assert on_kdn.kind == "report_received"
    assert process.rows("select target from outbox where kind = 'report.on_ipr_case'")[0][0] == "kdn_secretary"
    process.fire("opeka", forward.id, "forward", {"outgoing_number": "01-12/345"})
    assert process.case(forward.id).state == "forwarded"
    assert process.rows("select target from outbox where kind = 'report.forwarded'")[0][0] == "kdn_secretary"


def test_matching_without_birth_date_and_ambiguous_matches(process: Process) -> None:
    first = process.register(children=(ChildInput("Смирнова", "Алёна", "", date(2016, 1, 5)),))
    no_dob = process.register(children=(ChildInput("смирнова", "Алена"),))
    assert no_dob.family_id == first.family_id and no_dob.children[0][1] == "matched_without_birth_date"
    process.register(children=(ChildInput("Смирнова", "Алёна", "", date(2017, 2, 2)),))  # a namesake, new family
    assert process.rows("select count(*) from family")[0][0] == 2
    with pytest.raises(AmbiguousMatch) as ambiguous:
        process.register(children=(ChildInput("Смирнова", "Алёна"),))
    assert len(ambiguous.value.candidates) == 2
    chosen_id = ambiguous.value.candidates[1]["person_id"]
    chosen = process.register(children=(ChildInput("Смирнова", "Алёна", person_id=chosen_id),))
    assert chosen.children[0] == (chosen_id, "chosen")
    fresh = process.register(children=(ChildInput("Смирнова", "Алёна", new=True),))
    assert process.rows("select count(*) from family")[0][0] == 3 and fresh.children[0][1] == "new"


def test_other_territory_cannot_see_or_act(process: Process) -> None:
    case = process.register().case_id
    with pytest.raises(NotFound):
        process.fire("other_opeka", case, "order_inspection", {"agency_unit": process.world.orgs["agency"]})
    with pytest.raises(RoleNotAllowed):
        process.svc.execute(handlers.fire_event, process.world["boss"], FireEvent(
            case, "order_inspection", {"agency_unit": process.world.orgs["agency"]}))
    assert process.case(case).state == "received"
