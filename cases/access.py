"""Who may see and do what — decided here and nowhere else.

* Nobody sees another territory's cases.
* Guardianship officers, Agency specialists and supervisors see every case of their territory.
* A curator sees the cases assigned to them and the cases their organisation takes part in.
* A KDN secretary sees the cases referred to their commission; a УСО director the cases handed to their
  institution (both: their organisation is a party of the case).
* Acting on a case needs, besides seeing it, one of the transition's roles — and a curator acts only on
  the cases assigned to them.
* Someone offered a case (a hand-over waiting for their answer) sees it until they answer; they act on it
  only once they accept (:mod:`cases.handovers`).
* The administrator manages users and workflows and does not see children's cases.
* A case is assigned only to someone who could act on it (:func:`can_be_assigned`).
* The subject-access export of a person (152-FZ ст. 14) is prepared by a supervisor of their territory.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from cases.field_tables import Handover
from cases.principal import Principal
from cases.tables import CaseParty
from engine.context import CaseView
from engine.database import UnitOfWork
from engine.sql import Prepared
from engine.tables import CaseInstance

CI = CaseInstance.__table__  # type: ignore[attr-defined]
CP = CaseParty.__table__  # type: ignore[attr-defined]
HO = Handover.__table__  # type: ignore[attr-defined]

TERRITORY_WIDE = frozenset({"guardianship", "agency", "supervisor"})
PARTY_ROLES = frozenset({"curator", "kdn_secretary", "uso_director"})
#: when a user holds several roles that may act, the first of these is recorded as the actor's role
ROLE_ORDER = ("curator", "uso_director", "kdn_secretary", "agency", "guardianship", "supervisor")


def visible_cases(p: Principal) -> sa.ColumnElement[bool]:
    """A WHERE clause over ``wf_instance`` selecting the cases ``p`` may see."""
    in_territory = CI.c.territory == p.territory
    if p.roles & TERRITORY_WIDE:
        return in_territory
    clauses: list[sa.ColumnElement[bool]] = []
    if "curator" in p.roles:
        clauses.append(CI.c.assignee_id == p.user_id)
    if p.roles & PARTY_ROLES:
        clauses.append(sa.exists().where(CP.c.case_id == CI.c.id, CP.c.org_id == p.org_id))
    if p.roles & PARTY_ROLES:  # a case offered to them, until they answer
        clauses.append(sa.exists().where(HO.c.case_id == CI.c.id, HO.c.to_user_id == p.user_id,
                                         HO.c.status == "pending"))
    if not clauses:
        return sa.false()
    return sa.and_(in_territory, sa.or_(*clauses))


_PARTY = Prepared(sa.select(CP.c.case_id).where(CP.c.case_id == sa.bindparam("case_id"),
                                                CP.c.org_id == sa.bindparam("org_id")))


def _is_party(tx: UnitOfWork, case_id: int, org_id: int) -> bool:
    return _PARTY.first(tx.connection, {"case_id": case_id, "org_id": org_id}) is not None


_OFFERED = Prepared(sa.select(HO.c.id).where(HO.c.case_id == sa.bindparam("case_id"),
                                             HO.c.to_user_id == sa.bindparam("user_id"), HO.c.status == "pending"))


def _offered(tx: UnitOfWork, case_id: int, user_id: int) -> bool:
    """A hand-over of the case waits for this user's answer."""
    return _OFFERED.first(tx.connection, {"case_id": case_id, "user_id": user_id}) is not None


def can_view(tx: UnitOfWork, p: Principal, case: CaseView) -> bool:
    if case.territory != p.territory:
        return False
    if p.roles & TERRITORY_WIDE:
        return True
    if "curator" in p.roles and case.assignee_id == p.user_id:
        return True
    if not p.roles & PARTY_ROLES:
        return False
    return _is_party(tx, case.id, p.org_id) or _offered(tx, case.id, p.user_id)


def acting_role(tx: UnitOfWork, p: Principal, case: CaseView, allowed: Iterable[str]) -> str | None:
    """The role ``p`` acts in on ``case`` among the ``allowed`` ones, or None if none applies."""
    if case.territory != p.territory:
        return None
    candidates = [r for r in ROLE_ORDER if r in p.roles and r in set(allowed)]
    for role in candidates:
        if role in TERRITORY_WIDE:
            return role
        if role == "curator" and case.assignee_id == p.user_id:
            return role
        if role in ("kdn_secretary", "uso_director") and _is_party(tx, case.id, p.org_id):
            return role
    return None


def why_not_acting(p: Principal, allowed: Iterable[str]) -> str:
    """Why a user holding one of the ``allowed`` roles still may not act on a case (see :func:`acting_role`)."""
    roles = set(allowed) & p.roles
    if "curator" in roles:
        return "Это действие выполняет куратор, которому назначено дело"
    if roles & {"kdn_secretary", "uso_director"}:
        return "Это действие выполняет организация, которой передано дело"
    return "Действие недоступно по этому делу"


def can_be_assigned(tx: UnitOfWork, assignee: Principal, case: CaseView, workflow_roles: Iterable[str]) -> bool:
    """Whether ``assignee`` could act on ``case`` once it is theirs: they work in its territory and hold a role
    the case's workflow acts through, in a capacity that applies — a curator (the case becomes theirs), a
    territory-wide role, or a УСО director / KDN secretary whose organisation takes part in the case.
    The administrator (no workflow role) and other bodies' staff cannot be given a case."""
    if assignee.territory != case.territory:
        return False
    held = assignee.roles & set(workflow_roles)
    if "curator" in held or held & TERRITORY_WIDE:
        return True
    return bool(held & {"uso_director", "kdn_secretary"}) and _is_party(tx, case.id, assignee.org_id)


def can_manage(p: Principal) -> bool:
    """Reassigning cases and changing regional settings: supervisors (and УСО directors for their staff)."""
    return p.has("supervisor", "uso_director")


def can_administer(p: Principal) -> bool:
    return p.has("admin")


def can_register_reports(p: Principal) -> bool:
    return p.has("guardianship", "agency")


def can_export_subject(p: Principal) -> bool:
    """The subject-access export (152-FZ ст. 14) is prepared by a supervisor of the person's territory."""
    return p.has("supervisor")


def can_see_reports(p: Principal) -> bool:
    return bool(p.roles & TERRITORY_WIDE)
