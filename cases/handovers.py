"""Hand-overs that are accepted: a supervisor (or a УСО director) offers a case to a colleague who can act on its
open step, with a reason; the colleague accepts or returns it; until then the case stays with its assignee.

* **Candidates** (:func:`candidates`): active staff of the territory (a УСО director: of the own institution)
  who could act on the case's current step — hold a role of one of the actions open in its state, in a capacity
  that applies (:func:`cases.access.can_be_assigned`); labelled «ФИО — роль, организация».
* **Offer** (:func:`offer`): a reason is required; one open offer per case; the receiver answers by the end of
  the next working day (:data:`ANSWER_WORKING_DAYS`) and sees the case meanwhile (:mod:`cases.access`).
* **Answer**: accept (:func:`accept`, the case becomes the receiver's — the engine's ``assign``) or return with a
  reason (:func:`give_back`). Late answers are escalated by :func:`escalate_overdue` (the sweep): the one who
  handed over and the territory's supervisors are notified, once.
* **Undo** (:func:`undo`): the one who handed over, on the same local day, takes an offer back — or, once
  accepted, gives the case back to its previous assignee.

Every step is an entry of the case's audit trail and a row of the access log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from cases import access, families
from cases.directory import principal_of
from cases.errors import Conflict, Forbidden, InputInvalid, NotFound
from cases.field_tables import Handover
from cases.handlers import log_access, visible_case
from cases.inputs import Fields
from cases.principal import Principal
from cases.roles import ROLES
from cases.services import Services
from cases.tables import Organisation, User, UserRole, names_by_id
from engine import outbox
from engine.context import CaseView
from engine.database import Database, UnitOfWork
from engine.runtime import Runtime
from engine.tables import table_of

HO, US, UR, ORG = table_of(Handover), table_of(User), table_of(UserRole), table_of(Organisation)
#: the receiver answers by the end of this many working days after the day of the offer
ANSWER_WORKING_DAYS = 1
STATUS_TITLES = {"pending": "ждёт ответа", "accepted": "принято", "returned": "возвращено",
                 "undone": "отменено передавшим"}


@dataclass(frozen=True)
class Candidate:
    user_id: int
    label: str
    roles: list[str]


@dataclass(frozen=True)
class OfferCase:
    case_id: int
    to_user_id: int
    reason: str


def step_roles(svc: Services, case: CaseView) -> set[str]:
    """The roles that act on the case's open step: those of the actions open in its current state (for a case
    whose state has none, every role of its workflow)."""
    wf = svc.runtime.workflow_of(case)
    open_now = {r for tr in wf.transitions if case.state in tr.sources for r in tr.roles}
    return open_now or {r for tr in wf.transitions for r in tr.roles}


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def candidates(tx: UnitOfWork, svc: Services, p: Principal, case: CaseView) -> list[Candidate]:
    """Who ``p`` may hand ``case`` to (see the module's description), by name."""
    if not access.can_manage(p) or case.closed_at is not None:
        return []
    roles = step_roles(svc, case)
    query = (sa.select(US.c.id, US.c.full_name, ORG.c.short_name).join(ORG, ORG.c.id == US.c.org_id)
             .where(US.c.territory == case.territory, US.c.is_active.is_(True),
                    sa.exists().where(UR.c.user_id == US.c.id, UR.c.role.in_(sorted(roles))))
             .order_by(US.c.full_name))
    if not access.assigns_across_organisations(p):
        query = query.where(US.c.org_id == p.org_id)
    found = []
    for row in tx.connection.execute(query):
        if row.id == case.assignee_id:
            continue
        person = principal_of(tx, row.id)
        if person is None or not access.can_be_assigned(tx, person, case, roles):
            continue
        held = access.roles_held(person, roles)
        label = f"{row.full_name} — {_lower_first(ROLES.get(held[0], held[0]))}, {row.short_name}"
        found.append(Candidate(row.id, label, held))
    return found


def _pending(tx: UnitOfWork, case_id: int) -> Any:
    return tx.connection.execute(sa.select(HO).where(HO.c.case_id == case_id, HO.c.status == "pending")).first()


def offer(tx: UnitOfWork, svc: Services, p: Principal, cmd: OfferCase) -> int:
    """Offer the case to a colleague; the id of the hand-over."""
    case = visible_case(tx, svc, p, cmd.case_id)
    if not access.can_manage(p):
        raise Forbidden("Передавать дела может руководитель или директор УСО")
    if case.closed_at is not None:
        raise Conflict("Дело закрыто")
    f = Fields()
    reason = f.text("reason", cmd.reason, required=True, max_length=500, missing="укажите причину передачи")
    f.done()
    if cmd.to_user_id not in {c.user_id for c in candidates(tx, svc, p, case)}:
        raise InputInvalid({"to_user_id": "этот сотрудник не может выполнить текущий шаг дела — выберите из списка"})
    if _pending(tx, case.id) is not None:
        raise Conflict("Дело уже предложено другому сотруднику: дождитесь ответа или отмените передачу")
    now = svc.runtime.clock.now()
    cal = svc.runtime.calendar
    due = cal.end_of_day(cal.add_working_days(cal.local_date(now), ANSWER_WORKING_DAYS))
    handover_id = int(tx.connection.execute(sa.insert(HO).values(
        case_id=case.id, from_user_id=case.assignee_id, to_user_id=cmd.to_user_id, by_user_id=p.user_id,
        reason=reason, status="pending", created_at=now, due_at=due, answer="").returning(HO.c.id)).scalar_one())
    svc.runtime.record(tx, case.id, "handover_offered",
                       {"handover_id": handover_id, "to_user_id": cmd.to_user_id, "reason": reason},
                       p.actor(access.managing_role(p)),
                       messages=[("handover.offered", f"user:{cmd.to_user_id}", {"handover_id": handover_id})])
    log_access(tx, p, case.id, "change", f"передача дела предложена сотруднику № {cmd.to_user_id}", svc)
    return handover_id


def _own(tx: UnitOfWork, svc: Services, p: Principal, handover_id: int) -> tuple[Any, CaseView]:
    """The hand-over offered to ``p`` and its case; NotFound for anyone else's."""
    row = tx.connection.execute(sa.select(HO).where(HO.c.id == handover_id)).first()
    if row is None or row.to_user_id != p.user_id:
        raise NotFound("Передача дела")
    case = visible_case(tx, svc, p, row.case_id)
    if row.status != "pending":
        raise Conflict(f"На эту передачу уже ответили ({STATUS_TITLES.get(row.status, row.status)})")
    return row, case


def _acting(p: Principal, roles: set[str]) -> str:
    held = access.roles_held(p, roles)
    return held[0] if held else access.any_role(p)


def _close(tx: UnitOfWork, handover_id: int, status: str, p: Principal, now: datetime, answer: str = "") -> None:
    tx.connection.execute(sa.update(HO).where(HO.c.id == handover_id).values(
        status=status, decided_at=now, decided_by=p.user_id, answer=answer))


def accept(tx: UnitOfWork, svc: Services, p: Principal, handover_id: int) -> int:
    """The receiver takes the case: it becomes theirs (the engine's ``assign``); the case's id."""
    row, case = _own(tx, svc, p, handover_id)
    roles = step_roles(svc, case)
    if not access.can_be_assigned(tx, p, case, roles):
        raise Conflict("Дело перешло на шаг, который вы выполнить не можете: верните его с пояснением")
    now = svc.runtime.clock.now()
    families.add_party(tx, case.id, p.org_id, now)
    _close(tx, handover_id, "accepted", p, now)
    svc.runtime.assign(tx, case.id, p.user_id, p.actor(_acting(p, roles)), reason=f"принято: {row.reason}")
    outbox.write(tx.connection, [outbox.message(f"handover:{handover_id}:accepted", "handover.answered", case.id,
                                                f"user:{row.by_user_id}", {"handover_id": handover_id,
                                                                           "status": "accepted"})], now)
    log_access(tx, p, case.id, "change", "передача дела принята", svc)
    return case.id


def give_back(tx: UnitOfWork, svc: Services, p: Principal, handover_id: int, reason: str) -> int:
    """The receiver returns the offer with a reason; the case stays where it was. The case's id."""
    row, case = _own(tx, svc, p, handover_id)
    f = Fields()
    answer = f.text("reason", reason, required=True, max_length=500, missing="укажите, почему вы не принимаете дело")
    f.done()
    now = svc.runtime.clock.now()
    _close(tx, handover_id, "returned", p, now, answer)
    svc.runtime.record(tx, case.id, "handover_returned",
                       {"handover_id": handover_id, "to_user_id": row.to_user_id, "answer": answer},
                       p.actor(_acting(p, step_roles(svc, case))),
                       messages=[("handover.answered", f"user:{row.by_user_id}",
                                  {"handover_id": handover_id, "status": "returned"})])
    log_access(tx, p, case.id, "change", "передача дела возвращена", svc)
    return case.id


def undo(tx: UnitOfWork, svc: Services, p: Principal, handover_id: int) -> int:
    """The one who handed over takes it back on the same local day; an accepted case goes back to its previous
    assignee. The case's id."""
    row = tx.connection.execute(sa.select(HO).where(HO.c.id == handover_id)).first()
    if row is None:
        raise NotFound("Передача дела")
    case = visible_case(tx, svc, p, row.case_id)
    if row.by_user_id != p.user_id:
        raise Forbidden("Отменить передачу может только тот, кто передал дело")
    if row.status not in ("pending", "accepted"):
        raise Conflict(f"Передачу отменить нельзя: {STATUS_TITLES.get(row.status, row.status)}")
    now = svc.runtime.clock.now()
    cal = svc.runtime.calendar
    if cal.local_date(row.created_at) != cal.local_date(now):
        raise Conflict("Отменить передачу можно только в тот же день, когда дело передано")
    if row.status == "accepted" and case.assignee_id != row.to_user_id:
        raise Conflict("Дело уже передано дальше: отменить эту передачу нельзя")
    _close(tx, handover_id, "undone", p, now)
    actor = p.actor(access.managing_role(p))
    if row.status == "accepted":
        svc.runtime.assign(tx, case.id, row.from_user_id, actor, reason="передача отменена")
    svc.runtime.record(tx, case.id, "handover_undone", {"handover_id": handover_id, "to_user_id": row.to_user_id},
                       actor, messages=[("handover.undone", f"user:{row.to_user_id}", {"handover_id": handover_id})])
    log_access(tx, p, case.id, "change", "передача дела отменена", svc)
    return case.id


def rows_for_case(tx: UnitOfWork, case_id: int) -> list[dict[str, Any]]:
    """The case's hand-overs, newest first, with the names of the people."""
    rows = [dict(r._mapping) for r in tx.connection.execute(
        sa.select(HO).where(HO.c.case_id == case_id).order_by(HO.c.id.desc()))]
    return _named(tx, rows)


def named_row(tx: UnitOfWork, handover_id: int) -> dict[str, Any]:
    """One hand-over with the names (for the answer to whoever has just acted on it)."""
    return _named(tx, [dict(tx.connection.execute(sa.select(HO).where(HO.c.id == handover_id)).one()._mapping)])[0]


def offered_to(tx: UnitOfWork, p: Principal) -> list[dict[str, Any]]:
    """Open offers awaiting ``p``'s answer, oldest first."""
    rows = [dict(r._mapping) for r in tx.connection.execute(
        sa.select(HO).where(HO.c.to_user_id == p.user_id, HO.c.status == "pending").order_by(HO.c.id))]
    return _named(tx, rows)


def _named(tx: UnitOfWork, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    names = names_by_id(tx.connection, US, "full_name",
                        [r[k] for r in rows for k in ("from_user_id", "to_user_id", "by_user_id")])
    for r in rows:
        r.update(from_name=names.get(r["from_user_id"], ""), to_name=names.get(r["to_user_id"], ""),
                 by_name=names.get(r["by_user_id"], ""), status_title=STATUS_TITLES.get(r["status"], r["status"]))
    return rows


def escalate_overdue(db: Database, runtime: Runtime) -> int:
    """Offers not answered in time: tell the one who handed over, the territory's supervisors and the receiver
    (once per offer); the number escalated."""
    now = runtime.clock.now()
    due = sa.select(HO.c.id, HO.c.case_id, HO.c.by_user_id, HO.c.to_user_id).where(
        HO.c.status == "pending", HO.c.due_at < now, HO.c.escalated_at.is_(None))
    with db.read() as tx:  # most ticks find nothing: no write transaction for them
        if tx.connection.execute(due.limit(1)).first() is None:
            return 0
    with db.unit_of_work() as tx:
        late = tx.connection.execute(due).all()
        if not late:
            return 0
        by = {r.by_user_id: principal_of(tx, r.by_user_id) for r in late}
        supervisors = {u for u, who in by.items() if who is not None and access.hears_territory_escalations(who)}
        messages = []
        for r in late:  # a supervisor who handed it over hears it once, as one of the territory's supervisors
            targets = ["supervisor", f"user:{r.to_user_id}"]
            if r.by_user_id not in supervisors:
                targets.append(f"user:{r.by_user_id}")
            messages += [outbox.message(f"handover:{r.id}:overdue:{to}", "handover.overdue", r.case_id, to,
                                        {"handover_id": r.id}) for to in targets]
        tx.connection.execute(sa.update(HO).where(HO.c.id.in_([r.id for r in late])).values(escalated_at=now))
        outbox.write(tx.connection, messages, now)
        tx.commit()
    return len(late)
