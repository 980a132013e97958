"""The demo's reporting calendar as stored work: a month of obligations of the Сургутский район's organisations in
every state — reports submitted and accepted on time, the provider's monthly statistics overdue (and escalated),
the УСО's methodological products returned with a reason, the УСЗН's roll-up waiting for its parts, and roadmap
items, one of them due on a day off and moved to the next working day, the УСО's done early and waiting for the
recipient's answer."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from cases import access, obligation_escalation, obligation_work
from cases.directory import principal_of
from cases.obligation_inputs import checked_decision, checked_roadmap_item
from cases.obligation_work import AddRoadmapItem, DecideReport, SubmitReport
from cases.obligations import PARTS
from cases.principal import Principal
from cases.services import Services
from cases.tables import Organisation, User
from engine.clock import FixedClock
from engine.tables import table_of

RO, ORG, US = obligation_work.RO, table_of(Organisation), table_of(User)
TERRITORY = "surgut"
#: a minimal PDF standing for a report's scan
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
RETURN_REASON = "Не приложены методические материалы, указанные в перечне: дополните и сдайте снова"
ROADMAP = [
    ("rc", "Провести семинар для специалистов УСЗН по работе с освободившимися", "дорожная карта по внедрению "
     "практик социальной адаптации, п. 2.4"),
    ("uso", "Разместить памятку о ресурсном центре на сайте учреждения", "дорожная карта по внедрению практик "
     "социальной адаптации, п. 3.1"),
]


def _staff(svc: Services) -> dict[int, Principal]:
    """One person per organisation of the territory who acts for it (its head first)."""
    with svc.db.read() as tx:
        rows = tx.connection.execute(sa.select(US.c.id, US.c.org_id).join(ORG, ORG.c.id == US.c.org_id).where(
            ORG.c.territory == TERRITORY, US.c.is_active.is_(True)).order_by(US.c.id)).all()
        found: dict[int, Principal] = {}
        for r in rows:
            who = principal_of(tx, r.id)
            if who is None or not access.can_submit_obligation(who, r.org_id):
                continue
            if r.org_id not in found or (access.heads_organisation(who)
                                         and not access.heads_organisation(found[r.org_id])):
                found[r.org_id] = who
    return found


def _at(svc: Services, clock: FixedClock, day: date) -> None:
    clock.set(datetime.combine(day, time(10, 0), tzinfo=svc.runtime.calendar.zone))


def _past(svc: Services, today: date) -> list[Any]:
    with svc.db.read() as tx:
        return list(tx.connection.execute(sa.select(RO).where(
            RO.c.territory == TERRITORY, RO.c.state != "accepted", RO.c.kind == "report",
            sa.func.coalesce(RO.c.due_on, RO.c.rule_due_on) < today).order_by(RO.c.rule_due_on, RO.c.id)).all())


def run_obligations_demo(svc: Services, clock: FixedClock, today: date) -> dict[str, int]:
    """Open a month of obligations and play them out to ``today`` (the clock is left at ``today``)."""
    _at(svc, clock, today - timedelta(days=35))
    obligation_work.open_obligations(svc.db, svc.runtime)
    _at(svc, clock, today)
    obligation_work.open_obligations(svc.db, svc.runtime)
    staff = _staff(svc)
    orgs = {r.kind: r.id for r in _kinds(svc)}
    overdue_kept = returned_kept = False
    # parts before their roll-ups: a roll-up is due only once its parts are accepted
    for phase in ("parts", "uszn_control", "rc_quarterly"):
        for row in reversed(_past(svc, today)):  # the latest first: the one left overdue is the freshest
            if (phase == "parts") == (row.report in PARTS) or (phase != "parts" and row.report != phase):
                continue
            owing, recipient = staff.get(row.org_id), staff.get(row.recipient_org_id)
            if owing is None or recipient is None:
                continue
            if row.report == "monthly_statistics" and row.org_id == orgs.get("provider") and not overdue_kept:
                overdue_kept = True  # nobody submits it: overdue
                continue
            due = row.due_on or row.rule_due_on
            _at(svc, clock, min(due - timedelta(days=2), today - timedelta(days=1)))
            obligation_work.submit(svc, owing, SubmitReport(row.id, f"{row.report}.pdf", PDF))
            _at(svc, clock, min(due - timedelta(days=1), today - timedelta(days=1)))
            returned = row.report == "methodological_products" and not returned_kept
            returned_kept = returned_kept or returned
            svc.execute(obligation_work.decide, recipient, checked_decision(DecideReport(
                row.id, not returned, RETURN_REASON if returned else "")))
    _at(svc, clock, today)
    boss = next((p for p in staff.values() if access.can_add_roadmap_item(p)), None)
    added = 0
    if boss is not None:
        saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
        later = svc.runtime.calendar.next_working_day(today + timedelta(days=20))
        for (kind, title, source), due in zip(ROADMAP, (saturday, later), strict=True):
            if kind in orgs:
                item = svc.execute(obligation_work.add_roadmap_item, boss,
                                   checked_roadmap_item(AddRoadmapItem(orgs[kind], title, due, source)))
                added += 1
                owing = staff.get(orgs[kind])
                if kind == "uso" and owing is not None:  # done early: submitted, waiting for the recipient's answer
                    obligation_work.submit(svc, owing, SubmitReport(item["id"], "памятка.pdf", PDF))
    _at(svc, clock, svc.runtime.calendar.previous_working_day(today))  # escalations run on working days
    escalated = obligation_escalation.escalate_overdue(svc.db, svc.runtime)
    _at(svc, clock, today)
    with svc.db.read() as tx:
        total = tx.connection.execute(sa.select(sa.func.count()).select_from(RO)).scalar_one()
    return {"obligations": int(total), "obligations_escalated": escalated, "roadmap_items": added}


def _kinds(svc: Services) -> list[Any]:
    with svc.db.read() as tx:
        return list(tx.connection.execute(sa.select(sa.func.min(ORG.c.id).label("id"), ORG.c.kind).where(
            ORG.c.territory == TERRITORY).group_by(ORG.c.kind)).all())
