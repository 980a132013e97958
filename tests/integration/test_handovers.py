"""Hand-overs that are accepted: who may receive the case, a reason, accept and return, escalation of a late answer,
undo on the same day only. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cases import handovers
from cases.errors import Conflict, Forbidden, InputInvalid, NotFound
from cases.handovers import OfferCase
from tests.process_steps import Process


def support_case(p: Process) -> int:
    """A family support case with its curator (the УСО's staff act on its step)."""
    return p.to_support()[1]


def offer(p: Process, case_id: int, to: str = "curator2", reason: str = "Отпуск куратора", by: str = "boss") -> int:
    return p.svc.execute(handovers.offer, p.world[by], OfferCase(case_id, p.world.users[to], reason))


def assignee(p: Process, case_id: int) -> int | None:
    return p.case(case_id).assignee_id


def test_only_people_who_can_act_on_the_open_step_are_offered_with_role_and_organisation(process: Process) -> None:
    p = process
    case_id = support_case(p)
    with p.svc.db.read() as tx:
        case = p.svc.runtime.load(tx, case_id)
        found = handovers.candidates(tx, p.svc, p.world["boss"], case)
        assert handovers.candidates(tx, p.svc, p.world["curator"], case) == []  # a curator hands nothing over
    assert [c.label for c in found] == [
        "Морозова Елена Павловна — директор учреждения социального обслуживания, КЦСО Сургутского района",
        "Попов Дмитрий Игоревич — куратор семьи, КЦСО Сургутского района"]
    # the KDN secretary, the Agency and guardianship cannot act on a support step; the current curator has it
    logins = {p.world.users[k]: k for k in p.world.users}
    assert {logins[c.user_id] for c in found} == {"director", "curator2"}
    with pytest.raises(InputInvalid) as refused:
        offer(p, case_id, to="secretary")
    assert "не может выполнить текущий шаг" in refused.value.errors["to_user_id"]
    with pytest.raises(InputInvalid) as no_reason:
        offer(p, case_id, reason="  ")
    assert no_reason.value.errors == {"reason": "укажите причину передачи"}
    with pytest.raises(Forbidden):
        offer(p, case_id, by="opeka")  # guardianship sees the case but does not hand cases over
    assert p.rows("select count(*) as n from handover")[0].n == 0


def test_the_case_stays_with_its_assignee_until_the_receiver_accepts(process: Process) -> None:
    p = process
    case_id = support_case(p)
    handover_id = offer(p, case_id)
    assert assignee(p, case_id) == p.world.users["curator"]
    with pytest.raises(Conflict):  # one open offer per case
        offer(p, case_id, to="director")
    with p.svc.db.read() as tx:
        mine = handovers.offered_to(tx, p.world["curator2"])
    assert [(h["id"], h["by_name"], h["reason"]) for h in mine] == [(handover_id, "Новиков Сергей Петрович",
                                                                     "Отпуск куратора")]
    with pytest.raises(NotFound):  # nobody else answers for the receiver
        p.svc.execute(handovers.accept, p.world["director"], handover_id)
    p.svc.execute(handovers.accept, p.world["curator2"], handover_id)
    assert assignee(p, case_id) == p.world.users["curator2"]
    row = p.rows("select status, decided_by from handover where id = :h", h=handover_id)[0]
    assert (row.status, row.decided_by) == ("accepted", p.world.users["curator2"])
    kinds = [r.kind for r in p.rows("select kind from wf_audit where instance_id = :c order by seq", c=case_id)]
    assert kinds[-2:] == ["handover_offered", "assign"]
    messages = {(r.kind, r.target) for r in p.rows("select kind, target from outbox where instance_id = :c", c=case_id)}
    assert ("handover.offered", f"user:{p.world.users['curator2']}") in messages
    assert ("handover.answered", f"user:{p.world.users['boss']}") in messages
    with pytest.raises(Conflict):  # answered once
        p.svc.execute(handovers.give_back, p.world["curator2"], handover_id, "Передумала")


def test_the_receiver_returns_it_with_a_reason_and_nothing_changes(process: Process) -> None:
    p = process
    case_id = support_case(p)
    handover_id = offer(p, case_id)
    with pytest.raises(InputInvalid) as bare:
        p.svc.execute(handovers.give_back, p.world["curator2"], handover_id, "")
    assert bare.value.errors == {"reason": "укажите, почему вы не принимаете дело"}
    p.svc.execute(handovers.give_back, p.world["curator2"], handover_id, "Уже веду 40 семей")
    assert assignee(p, case_id) == p.world.users["curator"]
    row = p.rows("select status, answer from handover where id = :h", h=handover_id)[0]
    assert (row.status, row.answer) == ("returned", "Уже веду 40 семей")
    audit = p.rows("select kind, actor_id from wf_audit where instance_id = :c order by seq desc", c=case_id)[0]
    assert (audit.kind, audit.actor_id) == ("handover_returned", p.world.users["curator2"])
    offer(p, case_id, to="director", reason="Куратор перегружен")  # a new offer may follow


def test_an_unanswered_offer_is_escalated_once_after_the_next_working_day(process: Process) -> None:
    p = process
    case_id = support_case(p)
    handover_id = offer(p, case_id, by="director")  # Monday 09:00: the answer is due Tuesday 18:00 local
    due = p.rows("select due_at from handover where id = :h", h=handover_id)[0].due_at
    assert str(due).startswith("2025-03-04 13:00")  # 18:00 in Yekaterinburg
    p.frozen.tick(timedelta(days=1))  # type: ignore[attr-defined]
    assert handovers.escalate_overdue(p.svc.db, p.svc.runtime) == 0  # Tuesday 09:00: still in time
    p.frozen.tick(timedelta(hours=10))  # type: ignore[attr-defined]
    assert handovers.escalate_overdue(p.svc.db, p.svc.runtime) == 1
    assert handovers.escalate_overdue(p.svc.db, p.svc.runtime) == 0  # once
    targets = {r.target for r in p.rows("select target from outbox where kind = 'handover.overdue'")}
    assert targets == {"supervisor", f"user:{p.world.users['curator2']}", f"user:{p.world.users['director']}"}
    assert p.rows("select escalated_at from handover where id = :h", h=handover_id)[0].escalated_at is not None
    p.svc.execute(handovers.accept, p.world["curator2"], handover_id)  # a late answer still counts
    assert assignee(p, case_id) == p.world.users["curator2"]


def test_undo_on_the_same_day_gives_the_case_back_and_is_refused_the_next_day(process: Process) -> None:
    p = process
    case_id = support_case(p)
    pending = offer(p, case_id)
    with pytest.raises(Forbidden):
        p.svc.execute(handovers.undo, p.world["director"], pending)  # only the one who handed it over
    p.svc.execute(handovers.undo, p.world["boss"], pending)
    assert p.rows("select status from handover where id = :h", h=pending)[0].status == "undone"
    with pytest.raises(Conflict):
        p.svc.execute(handovers.accept, p.world["curator2"], pending)
    accepted = offer(p, case_id, reason="Больничный куратора")
    p.svc.execute(handovers.accept, p.world["curator2"], accepted)
    p.frozen.tick(timedelta(hours=8))  # type: ignore[attr-defined]  # 17:00 local, the same day
    p.svc.execute(handovers.undo, p.world["boss"], accepted)
    assert assignee(p, case_id) == p.world.users["curator"]
    late = offer(p, case_id, reason="Больничный куратора")
    p.svc.execute(handovers.accept, p.world["curator2"], late)
    p.frozen.tick(timedelta(hours=16))  # type: ignore[attr-defined]  # the next morning
    with pytest.raises(Conflict) as next_day:
        p.svc.execute(handovers.undo, p.world["boss"], late)
    assert str(next_day.value) == "Отменить передачу можно только в тот же день, когда дело передано"
    assert assignee(p, case_id) == p.world.users["curator2"]
    history = [r.kind for r in p.rows("select kind from wf_audit where instance_id = :c order by seq", c=case_id)]
    assert history.count("handover_undone") == 2 and history.count("handover_offered") == 3


def test_the_receiver_and_the_supervisors_are_told_in_their_inbox(process: Process) -> None:
    from notifications import inbox
    from notifications.config import NotifyConfig
    from notifications.fanout import fan_out

    p = process
    case_id = support_case(p)
    offer(p, case_id, by="director", reason="Отпуск куратора")
    p.frozen.tick(timedelta(days=2))  # type: ignore[attr-defined]
    handovers.escalate_overdue(p.svc.db, p.svc.runtime)
    fan_out(p.svc, NotifyConfig())
    with p.svc.db.read() as tx:
        receiver = {m.kind: m for m in inbox.messages(tx, p.world.users["curator2"])}
        boss = {m.kind: m for m in inbox.messages(tx, p.world.users["boss"])}
        director = {m.kind: m for m in inbox.messages(tx, p.world.users["director"])}
    offered = receiver["handover.offered"]
    assert offered.title == f"Вам передают дело № {case_id}: примите его или верните" and offered.case_id == case_id
    assert "Морозова Елена Павловна" in offered.body and "Отпуск куратора" in offered.body
    assert receiver["handover.overdue"].title == f"Передача дела № {case_id} не принята в срок"
    assert "handover.overdue" in boss and "handover.overdue" in director
