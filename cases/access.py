"""Who may see and do what — decided here and nowhere else.

* Nobody sees another territory's cases.
* Guardianship officers, Agency specialists and supervisors see every case of their territory.
* A curator sees the cases assigned to them and the cases their organisation takes part in.
* A KDN secretary sees the cases referred to their commission; a УСО director the cases handed to their
  institution (both: their organisation is a party of the case).
* Acting on a case needs, besides seeing it, one of the transition's roles — and a curator acts only on
  the cases assigned to them.
* The administrator manages users and workflows and does not see children's cases.
* A case is assigned only to someone who could act on it (:func:`can_be_assigned`).
* The subject-access export of a person (152-FZ ст. 14) is prepared by a supervisor of their territory.
* Adults' cases (subject ``person``: released from prison, homeless): the resource centre's specialists and head
  see those of their territory, with the supervisor; guardianship and the Agency (children's bodies) do not;
  provider staff and the social patrol see the cases their organisation takes part in, like a УСО director.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from cases.principal import Principal
from cases.tables import CaseParty
from engine.context import CaseView
from engine.database import UnitOfWork
from engine.sql import Prepared
from engine.tables import CaseInstance

CI = CaseInstance.__table__  # type: ignore[attr-defined]
CP = CaseParty.__table__  # type: ignore[attr-defined]

TERRITORY_WIDE = frozenset({"guardianship", "agency", "supervisor"})
PARTY_ROLES = frozenset({"curator", "kdn_secretary", "uso_director", "provider_staff", "patrol_specialist"})
#: when a user holds several roles that may act, the first of these is recorded as the actor's role
ROLE_ORDER = ("curator", "uso_director", "kdn_secretary", "provider_staff", "patrol_specialist", "rc_specialist",
              "rc_head", "agency", "guardianship", "supervisor")
# -- adults' cases ----------------------------------------------------------------------------------
#: the subject kind of an adult's case (``wf_instance.subject_kind``)
ADULT_SUBJECT = "person"
#: the adults' practices: a person's case, or an institution's obligation (its weekly free places)
ADULT_SUBJECTS = frozenset({ADULT_SUBJECT, "organisation"})
#: see every adult's case of their territory (and no child's case)
ADULT_WIDE = frozenset({"rc_specialist", "rc_head"})
#: territory-wide for children's cases only
CHILD_ONLY = frozenset({"guardianship", "agency"})
#: keep the people register (find, add, export): the resource centre and the supervisor
PEOPLE_REGISTER = frozenset({"rc_specialist", "rc_head", "supervisor"})
#: register an adult who needs accompaniment or placement
PEOPLE_INTAKE = frozenset({"rc_specialist", "rc_head", "patrol_specialist", "provider_staff", "uso_director"})


def _wide_for(roles: frozenset[str] | set[str], subject_kind: str | None) -> bool:
    """Whether these roles see every case of this subject kind in their territory."""
    if subject_kind in ADULT_SUBJECTS:
        return bool(roles & (ADULT_WIDE | {"supervisor"}))
    return bool(roles & TERRITORY_WIDE)


def visible_cases(p: Principal) -> sa.ColumnElement[bool]:
    """A WHERE clause over ``wf_instance`` selecting the cases ``p`` may see."""
    in_territory = CI.c.territory == p.territory
    adult = sa.or_(CI.c.subject_kind == ADULT_SUBJECT, CI.c.subject_kind == "organisation")
    if "supervisor" in p.roles:
        return in_territory
    clauses: list[sa.ColumnElement[bool]] = []
    if p.roles & CHILD_ONLY:
        clauses.append(sa.or_(CI.c.subject_kind.is_(None), ~adult))
    if p.roles & ADULT_WIDE:
        clauses.append(adult)
    if "curator" in p.roles:
        clauses.append(CI.c.assignee_id == p.user_id)
    if p.roles & PARTY_ROLES:
        clauses.append(sa.exists().where(CP.c.case_id == CI.c.id, CP.c.org_id == p.org_id))
    if not clauses:
        return sa.false()
    return sa.and_(in_territory, sa.or_(*clauses))


_PARTY = Prepared(sa.select(CP.c.case_id).where(CP.c.case_id == sa.bindparam("case_id"),
                                                CP.c.org_id == sa.bindparam("org_id")))


def _is_party(tx: UnitOfWork, case_id: int, org_id: int) -> bool:
    return _PARTY.first(tx.connection, {"case_id": case_id, "org_id": org_id}) is not None


def can_view(tx: UnitOfWork, p: Principal, case: CaseView) -> bool:
    if case.territory != p.territory:
        return False
    if _wide_for(p.roles, case.subject_kind):
        return True
    if "curator" in p.roles and case.assignee_id == p.user_id:
        return True
    return bool(p.roles & PARTY_ROLES) and _is_party(tx, case.id, p.org_id)


def acting_role(tx: UnitOfWork, p: Principal, case: CaseView, allowed: Iterable[str]) -> str | None:
    """The role ``p`` acts in on ``case`` among the ``allowed`` ones, or None if none applies."""
    if case.territory != p.territory:
        return None
    candidates = [r for r in ROLE_ORDER if r in p.roles and r in set(allowed)]
    adult = case.subject_kind in ADULT_SUBJECTS
    for role in candidates:
        if role == "supervisor" or (role in CHILD_ONLY and not adult) or (role in ADULT_WIDE and adult):
            return role
        if role == "curator" and case.assignee_id == p.user_id:
            return role
        if role in PARTY_ROLES - {"curator"} and _is_party(tx, case.id, p.org_id):
            return role
    return None


def why_not_acting(p: Principal, allowed: Iterable[str]) -> str:
    """Why a user holding one of the ``allowed`` roles still may not act on a case (see :func:`acting_role`)."""
    roles = set(allowed) & p.roles
    if "curator" in roles:
        return "Это действие выполняет куратор, которому назначено дело"
    if roles & (PARTY_ROLES - {"curator"}):
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
    if "curator" in held or _wide_for(held, case.subject_kind):
        return True
    return bool(held & (PARTY_ROLES - {"curator"})) and _is_party(tx, case.id, assignee.org_id)


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


def can_keep_people_register(p: Principal) -> bool:
    """The people register (search, columns, export, data-entry report): the resource centre and the supervisor."""
    return bool(p.roles & PEOPLE_REGISTER)


def can_register_people(p: Principal) -> bool:
    return bool(p.roles & PEOPLE_INTAKE)


def acting_role_for_start(p: Principal) -> str:
    """The role recorded for someone who opens an adult's case (the first intake role they hold)."""
    return next(r for r in ROLE_ORDER if r in p.roles and r in PEOPLE_INTAKE)
