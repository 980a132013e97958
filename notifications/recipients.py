"""Who receives a message: an outbox row's ``target`` resolved to users.

Targets:

* ``user:<id>`` — that user.
* ``assignee`` — the case's assignee. A case with nobody assigned (or assigned to a user who
  has been switched off) goes to the heads of the organisation responsible for it: the director
  of a УСО (``uso_director``), otherwise the supervisors of the case's territory.
* a role id:

  - ``uso_director``, ``kdn_secretary`` — holders of the role in the organisation responsible
    for the case or in an organisation taking part in it (``case_party``): the УСО the case was
    handed to, the KDN it was referred to;
  - ``supervisor``, ``guardianship``, ``agency``, ``rc_specialist``, ``rc_head`` — holders of the role in the
    case's territory;
  - ``curator`` — the case's assignee, when a curator.

By kind:

* ``resolution_recorded`` also goes to everyone who has acted on the case (the Agency
  specialist who drafted the conclusion, the guardianship officer who sent it, the curator …)
  and to the directors of the УСО taking part;
* ``report.forwarded`` is about the KDN case in its payload (``kdn_case_id``): the recipients
  (that KDN's secretary) and the link are that case's;
* ``kdn.agenda`` (no case) goes to the secretaries of the KDN in its payload (``kdn_org_id``);
* ``audit.anchor`` (no case) goes to the supervisors of the territory in its payload.
* ``obligation.overdue`` (no case) goes to the heads of the organisation in its target (``org:<id>``) —
  ``cases.access.OBLIGATION_HEADS`` — or, when it has none, to its staff; ``obligation.submitted`` and
  ``obligation.answered`` go to the staff of the organisation in the target (never to the one who acted).
* ``deadline.escalation`` reaches each person once per missed deadline: a level of the chain skips whoever
  an earlier level already told (with nobody assigned, level 1 ``assignee`` reaches the supervisors, and
  level 2 ``supervisor`` would tell them the same again).

Always: only active users of the case's territory, only users who may open the case
(``cases.access.can_view``) — a message never tells anyone about a case they cannot see, and
never reaches another territory — and never the person whose own action caused the message
(the officer who registers a report is not told that the case was assigned to them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from cases import access
from cases.principal import Principal
from cases.tables import CaseParty, Organisation, User, UserRole
from engine.context import CaseView
from engine.database import UnitOfWork
from engine.errors import CaseNotFound
from engine.runtime import Runtime
from engine.tables import AuditEvent, DeadlineStep, table_of
from notifications.kinds import ANCHOR, ESCALATION, OBLIGATION_ANSWERED, OBLIGATION_OVERDUE, OBLIGATION_SUBMITTED
from notifications.tables import Delivery, Notification

USR, UR, ORG, CP, AE, ST = (table_of(t) for t in (User, UserRole, Organisation, CaseParty, AuditEvent, DeadlineStep))
DV, NT = table_of(Delivery), table_of(Notification)
HEADS_OF_USO = "uso_director"


@dataclass(frozen=True)
class Recipient:
    principal: Principal
    email: str

    @property
    def user_id(self) -> int:
        return self.principal.user_id


@dataclass(frozen=True)
class Resolved:
    """The case a message is about (None for a KDN agenda) and who receives it."""

    case: CaseView | None
    territory: str | None
    recipients: list[Recipient]


def subject_case_id(kind: str, instance_id: int | None, payload: dict[str, Any]) -> int | None:
    """The case a message is about: the KDN case for a forwarded report, else the outbox row's case."""
    if kind == "report.forwarded" and isinstance(payload.get("kdn_case_id"), int):
        return int(payload["kdn_case_id"])
    return instance_id


def resolve(tx: UnitOfWork, runtime: Runtime, row: Any) -> Resolved:
    """Recipients of one outbox row (``kind``, ``instance_id``, ``target``, ``payload``, ``key``)."""
    payload = dict(row.payload or {})
    if row.kind == "kdn.agenda":
        kdn = payload.get("kdn_org_id")
        org = tx.connection.execute(sa.select(ORG.c.id, ORG.c.territory).where(ORG.c.id == kdn)).first() \
            if isinstance(kdn, int) else None
        if org is None:
            return Resolved(None, None, [])
        people = load_users(tx, _holders(tx, "kdn_secretary", org_ids=[org.id]))
        return Resolved(None, org.territory, [r for r in people if r.principal.territory == org.territory])
    if row.kind == ANCHOR:
        territory = str(payload.get("territory") or "")
        people = load_users(tx, _holders(tx, "supervisor", territory=territory))
        return Resolved(None, territory or None, people)
    if row.kind in (OBLIGATION_OVERDUE, OBLIGATION_SUBMITTED, OBLIGATION_ANSWERED):
        return _organisation_people(tx, str(row.target or ""), heads=row.kind == OBLIGATION_OVERDUE,
                                    actor=payload.get("by_user"))
    case_id = subject_case_id(row.kind, row.instance_id, payload)
    try:
        case = runtime.load(tx, case_id) if case_id is not None else None
    except CaseNotFound:
        case = None
    if case is None or case.territory is None:
        return Resolved(case, None, [])
    wanted = _target_users(tx, case, row.target or "")
    if row.kind == "resolution_recorded":
        wanted |= _actors(tx, case.id) | _holders(tx, HEADS_OF_USO, org_ids=_org_ids(tx, case), kind="uso")
    wanted.discard(_cause(tx, row.key))
    if row.kind == ESCALATION:
        wanted -= _told_of_this_deadline(tx, payload)
    people = [r for r in load_users(tx, wanted)
              if r.principal.territory == case.territory and access.can_view(tx, r.principal, case)]
    return Resolved(case, case.territory, people)


def _organisation_people(tx: UnitOfWork, target: str, *, heads: bool, actor: Any = None) -> Resolved:
    """The staff of the organisation ``org:<id>`` in its territory — only its heads when ``heads`` and it has any —
    without the user whose action wrote the message."""
    org_id = target[4:] if target.startswith("org:") else ""
    org = tx.connection.execute(sa.select(ORG.c.id, ORG.c.territory).where(ORG.c.id == int(org_id))).first() \
        if org_id.isdigit() else None
    if org is None:
        return Resolved(None, None, [])
    wanted: set[int] = set()
    for role in access.OBLIGATION_HEADS if heads else ():
        wanted |= _holders(tx, role, org_ids=[org.id])
    if not wanted:
        wanted = set(tx.connection.execute(sa.select(USR.c.id).where(USR.c.org_id == org.id,
                                                                     USR.c.is_active.is_(True))).scalars())
    wanted.discard(actor)
    people = [r for r in load_users(tx, wanted) if r.principal.territory == org.territory
              and access.can_submit_obligation(r.principal, org.id)]
    return Resolved(None, org.territory, people)


def _target_users(tx: UnitOfWork, case: CaseView, target: str) -> set[int]:
    if target.startswith("user:"):
        user = target[5:]
        return {int(user)} if user.isdigit() else set()
    if target == "assignee":
        if case.assignee_id is not None and tx.connection.execute(
                sa.select(USR.c.is_active).where(USR.c.id == case.assignee_id)).scalar():
            return {case.assignee_id}
        org_kind = tx.connection.execute(sa.select(ORG.c.kind).where(ORG.c.id == case.org_id)).scalar() \
            if case.org_id is not None else None
        if org_kind == "uso":
            return _holders(tx, HEADS_OF_USO, org_ids=[case.org_id or 0])
        return _holders(tx, "supervisor", territory=case.territory)
    audience = access.audience(target)
    if audience == "assigned":
        return {case.assignee_id} & _holders(tx, target, territory=case.territory) \
            if case.assignee_id is not None else set()
    if audience == "territory":
        return _holders(tx, target, territory=case.territory)
    if audience == "parties":
        return _holders(tx, target, org_ids=_org_ids(tx, case))
    return set()


def _told_of_this_deadline(tx: UnitOfWork, payload: dict[str, Any]) -> set[int]:
    """Users an earlier escalation step of the same deadline already reached (by any channel)."""
    deadline_id, step_id = payload.get("deadline_id"), payload.get("step_id")
    if not isinstance(deadline_id, int):
        return set()
    steps = tx.connection.execute(sa.select(ST.c.id).where(ST.c.deadline_id == deadline_id, ST.c.kind == "escalate",
                                                           ST.c.id != step_id)).scalars().all()
    if not steps:
        return set()
    keys = [f"step:{s}" for s in steps]
    return set(tx.connection.execute(sa.select(DV.c.user_id).join(NT, NT.c.id == DV.c.notification_id)
                                     .where(NT.c.key.in_(keys), DV.c.user_id.is_not(None))).scalars())


def _org_ids(tx: UnitOfWork, case: CaseView) -> list[int]:
    """The organisation responsible for the case and those taking part in it."""
    parties = set(tx.connection.execute(sa.select(CP.c.org_id).where(CP.c.case_id == case.id)).scalars())
    if case.org_id is not None:
        parties.add(case.org_id)
    return sorted(parties)


def _holders(tx: UnitOfWork, role: str, *, org_ids: Iterable[int] | None = None, territory: str | None = None,
             kind: str | None = None) -> set[int]:
    """Active users holding ``role`` in the given organisations (of ``kind``) or territory."""
    query = (sa.select(USR.c.id).join(UR, UR.c.user_id == USR.c.id)
             .where(UR.c.role == role, USR.c.is_active.is_(True)))
    if org_ids is not None:
        query = query.where(USR.c.org_id.in_(list(org_ids)))
    if territory is not None:
        query = query.where(USR.c.territory == territory)
    if kind is not None:
        query = query.join(ORG, ORG.c.id == USR.c.org_id).where(ORG.c.kind == kind)
    return set(tx.connection.execute(query).scalars())


def _actors(tx: UnitOfWork, case_id: int) -> set[int]:
    return set(tx.connection.execute(sa.select(AE.c.actor_id).where(AE.c.instance_id == case_id,
                                                                     AE.c.actor_id.is_not(None))
                                     .distinct()).scalars())


def _cause(tx: UnitOfWork, key: str) -> int | None:
    """The user whose action wrote the message (keys ``case:<id>:<audit seq>:…``), if a person did."""
    parts = key.split(":")
    if len(parts) < 3 or parts[0] != "case" or not parts[1].isdigit() or not parts[2].isdigit():
        return None
    actor: int | None = tx.connection.execute(sa.select(AE.c.actor_id).where(
        AE.c.instance_id == int(parts[1]), AE.c.seq == int(parts[2]))).scalar()
    return actor


def load_users(tx: UnitOfWork, user_ids: Iterable[int]) -> list[Recipient]:
    """Principals (roles, organisation, territory) and e-mail addresses of active users, in one go."""
    ids = sorted(set(user_ids))
    if not ids:
        return []
    users = tx.connection.execute(
        sa.select(USR.c.id, USR.c.login, USR.c.full_name, USR.c.org_id, USR.c.territory, USR.c.area, USR.c.email,
                  ORG.c.kind).join(ORG, ORG.c.id == USR.c.org_id)
        .where(USR.c.id.in_(ids), USR.c.is_active.is_(True)).order_by(USR.c.id)).all()
    roles: dict[int, set[str]] = {}
    for user_id, role in tx.connection.execute(sa.select(UR.c.user_id, UR.c.role).where(UR.c.user_id.in_(ids))):
        roles.setdefault(user_id, set()).add(role)
    return [Recipient(Principal(u.id, u.login, u.full_name, u.org_id, u.kind, u.territory,
                                frozenset(roles.get(u.id, ())), u.area), (u.email or "").strip())
            for u in users]
