"""Sections 2–6 and 12 of :mod:`cases.access`: seeing a case, acting on it, plans and execution reports, assigning
and documents, registering reports, field work (attached files, hand-overs, papers for the commission)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa

from cases.access.roles import (
    ADULT_SUBJECT,
    ADULT_SUBJECTS,
    ADULT_WIDE,
    ASSIGNABLE,
    CHILD_ONLY,
    MANAGERS,
    PARTY_ROLES,
    ROLE_ORDER,
    WORKING_ROLES,
    _holds,
    _wide_for,
)
from cases.errors import Forbidden
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

# -- 2. seeing a case ----------------------------------------------------------------------------------

#: the subject of an organisation's reporting obligation: its instance is no case of anyone's worklist — it is seen
#: on the obligations' pages, by the rules of section 15 (``records.py``)
OBLIGATION_SUBJECT = "obligation"
_NOT_OBLIGATION = sa.or_(CI.c.subject_kind.is_(None), CI.c.subject_kind != OBLIGATION_SUBJECT)


def visible_cases(p: Principal) -> sa.ColumnElement[bool]:
    """A WHERE clause over ``wf_instance`` selecting the cases ``p`` may see (never an obligation's instance)."""
    in_territory = sa.and_(CI.c.territory == p.territory, _NOT_OBLIGATION)
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
    if case.territory != p.territory or case.subject_kind == OBLIGATION_SUBJECT:
        return False
    if _wide_for(p.roles, case.subject_kind):
        return True
    if "curator" in p.roles and case.assignee_id == p.user_id:
        return True
    if not p.roles & PARTY_ROLES:
        return False
    return _is_party(tx, case.id, p.org_id) or _offered(tx, case.id, p.user_id)


# -- 3. acting on a case -------------------------------------------------------------------------------

def acting_role(tx: UnitOfWork, p: Principal, case: CaseView, allowed: Iterable[str]) -> str | None:
    """The role ``p`` acts in on ``case`` among the ``allowed`` ones, or None if none applies (an obligation's
    instance is acted on through the obligations' commands only)."""
    if case.territory != p.territory or case.subject_kind == OBLIGATION_SUBJECT:
        return None
    allowed = set(allowed)
    adult = case.subject_kind in ADULT_SUBJECTS
    for role in (r for r in ROLE_ORDER if r in p.roles and r in allowed):
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


def not_on_this_case(p: Principal, allowed: Iterable[str]) -> str | None:
    """When :func:`acting_role` found no role: why, if ``p`` holds one of the ``allowed`` roles but not on this
    case; None when ``p`` holds none of them (the caller says which roles act)."""
    allowed = set(allowed)
    return why_not_acting(p, allowed) if p.roles & allowed else None


def require_acting(tx: UnitOfWork, p: Principal, case: CaseView, allowed: Iterable[str], who: str) -> str:
    """The role ``p`` acts in on ``case``; :class:`Forbidden` saying why not (``who`` names the allowed roles)."""
    role = acting_role(tx, p, case, allowed)
    if role is None:
        raise Forbidden(not_on_this_case(p, allowed) or who)
    return role


# -- 4. plans and execution reports --------------------------------------------------------------------

#: who adds measures to each kind of plan (safety plan, family support plan, interagency plan)
PLAN_ROLES = {"safety": {"agency"}, "support": {"curator", "uso_director"}, "ipr": {"curator", "uso_director"}}
#: who closes them (the KDN secretary also closes the interagency plan's measures)
CLOSE_ROLES = {"safety": {"agency"}, "support": {"curator", "uso_director"},
               "ipr": {"curator", "uso_director", "kdn_secretary"}}
#: who records a body's execution report on an interagency plan
REPORT_ROLES = {"kdn_secretary", "curator", "uso_director"}


# -- 5. assigning and documents ------------------------------------------------------------------------

def can_manage(p: Principal) -> bool:
    """Reassigning cases and changing regional settings: supervisors (and УСО directors for their staff)."""
    return _holds(p, *MANAGERS)


def managing_role(p: Principal) -> str:
    """The role a reassignment is recorded under."""
    return "supervisor" if _holds(p, "supervisor") else "uso_director"


def assigns_across_organisations(p: Principal) -> bool:
    """A supervisor hands a case to anyone of the territory; a УСО director only within the institution."""
    return _holds(p, "supervisor")


def assignable_staff(p: Principal) -> tuple[Sequence[str], bool]:
    """Whom ``p`` may hand a case to: (the roles, whether from the whole territory or the own organisation)."""
    if not can_manage(p):
        return (), False
    if assigns_across_organisations(p):
        return ASSIGNABLE, True
    return ("curator", "uso_director"), False


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


def reissuing_role(tx: UnitOfWork, p: Principal, case: CaseView, issuer_org_id: int) -> str:
    """The role ``p`` re-issues an act of ``case`` in: staff of the issuing organisation who may act on the
    case, or a supervisor; :class:`Forbidden` otherwise."""
    role = acting_role(tx, p, case, WORKING_ROLES)
    if role is None or (issuer_org_id != p.org_id and not _holds(p, "supervisor")):
        raise Forbidden("Переиздать документ может сотрудник выпустившей его организации")
    return role


# -- 6. registering reports ----------------------------------------------------------------------------

def can_register_reports(p: Principal) -> bool:
    return _holds(p, "guardianship", "agency")


def registering_role(p: Principal) -> str:
    """The role a report is registered under (guardianship first: its officer becomes the assignee)."""
    return "guardianship" if _holds(p, "guardianship") else "agency"


def registrar_is_assignee(role: str) -> bool:
    """A guardianship officer who registers a report keeps its "forward to the KDN" obligation themselves."""
    return role == "guardianship"



# -- 12. field work: attached files, hand-overs, papers for the commission ---------------------------------

ATTACHING = "Прикладывать файлы к делу могут сотрудники, работающие с делом"


def attaching_role(tx: UnitOfWork, p: Principal, case: CaseView) -> str:
    """The role ``p`` attaches a file to ``case`` in (anyone who may act on it); :class:`Forbidden` otherwise."""
    return require_acting(tx, p, case, WORKING_ROLES, ATTACHING)


def may_attach(tx: UnitOfWork, p: Principal, case: CaseView) -> bool:
    return acting_role(tx, p, case, WORKING_ROLES) is not None


def roles_held(p: Principal, allowed: Iterable[str]) -> list[str]:
    """The ``allowed`` roles ``p`` holds, in :data:`ROLE_ORDER` (the first is the one recorded or shown)."""
    allowed = set(allowed)
    return [r for r in ROLE_ORDER if r in p.roles and r in allowed]


def hears_territory_escalations(p: Principal) -> bool:
    """A supervisor is told of every late answer in the territory (as a supervisor, not once more by name)."""
    return _holds(p, "supervisor")


def can_print_agenda(p: Principal, kdn_org_id: int) -> bool:
    """A meeting's agenda: the secretary of that commission or a supervisor (of the same territory: the caller
    checks the commission's territory)."""
    return _holds(p, "supervisor") or (_holds(p, "kdn_secretary") and p.org_id == kdn_org_id)


