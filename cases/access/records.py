"""Sections 7, 8, 13, 14 and 15 of :mod:`cases.access`: statistics and reports, personal data, the regions'
records, the people register of the adults' practices, obligations of organisations."""

from __future__ import annotations

from collections.abc import Iterable

from cases.access.roles import (
    ADMIN,
    ADULT_WIDE,
    PEOPLE_INTAKE,
    PEOPLE_REGISTER,
    ROLE_ORDER,
    _holds,
    territory_wide,
)
from cases.errors import Forbidden
from cases.principal import Principal
from engine.context import CaseView

# -- 7. statistics and reports -------------------------------------------------------------------------

ANNUAL_ROLES = frozenset({"supervisor", "guardianship", "agency", "kdn_secretary", "uso_director"})
DISCIPLINE_ROLES = frozenset({"supervisor", "guardianship", "uso_director"})
QUARTERLY_ROLES: dict[str, frozenset[str]] = {
    "agency_to_uszn": frozenset({"agency", "guardianship", "supervisor"}),  # Агентство → УСЗН и орган опеки
    "uszn_to_kdn": frozenset({"guardianship", "kdn_secretary", "supervisor"}),  # УСЗН / орган опеки → КДН
    "uso_to_kdn": frozenset({"uso_director", "kdn_secretary", "supervisor"}),  # УСО → КДН, per family
}


def can_see_reports(p: Principal) -> bool:
    return territory_wide(p)


def can_see_annual(p: Principal) -> bool:
    return bool(p.roles & ANNUAL_ROLES)


def can_see_discipline(p: Principal) -> bool:
    return bool(p.roles & DISCIPLINE_ROLES)


def quarterly_kinds(p: Principal) -> list[str]:
    """The kinds of quarterly information ``p`` may see, in the order of the process."""
    return [kind for kind, roles in QUARTERLY_ROLES.items() if p.roles & roles]


def only_own_uso(p: Principal) -> bool:
    """A УСО director (without a territory-wide role) sees only their own institution's families."""
    return "uso_director" in p.roles and not p.roles & {"kdn_secretary", "supervisor"}



# -- 13. regions -----------------------------------------------------------------------------------------

REGIONAL_RECORD_ROLES = frozenset({"agency", "guardianship", "uso_director"})
MONITORING_ROLES = frozenset({"supervisor", "guardianship", "agency", "uso_director"})


def can_see_workflows(p: Principal) -> bool:
    """The territory's workflows and profile (no personal data): every user of the territory with a role."""
    return bool(p.roles)


def require_workflows(p: Principal) -> None:
    if not can_see_workflows(p):
        raise Forbidden("Процессы территории видят её сотрудники")


def can_keep_areas(p: Principal) -> bool:
    return _holds(p, ADMIN, "uso_director")


def can_curate_area(roles: Iterable[str]) -> bool:
    """Whether a user with ``roles`` may be fixed to an area as its curator."""
    return "curator" in set(roles)


def can_record_need(p: Principal, case: CaseView) -> bool:
    return bool(p.roles & REGIONAL_RECORD_ROLES) or (_holds(p, "curator") and case.assignee_id == p.user_id)


def can_record_mobile_visit(p: Principal) -> bool:
    return bool(p.roles & REGIONAL_RECORD_ROLES) or _holds(p, "curator")


def can_set_targets(p: Principal) -> bool:
    return _holds(p, "supervisor", ADMIN)


def can_see_monitoring(p: Principal) -> bool:
    return bool(p.roles & MONITORING_ROLES)


def require_comparison(p: Principal) -> None:
    """Territories side by side (aggregates only, every territory of the database with its profile): supervisors."""
    if "supervisor" not in p.roles:
        raise Forbidden("Сравнение территорий доступно руководителю")


def require_annual(p: Principal) -> None:
    if not can_see_annual(p):
        raise Forbidden("Статистика доступна руководителю, органу опеки, Агентству, секретарю КДН и директору УСО")


def require_discipline(p: Principal) -> None:
    if not can_see_discipline(p):
        raise Forbidden("Исполнительская дисциплина доступна руководителю, органу опеки и директору УСО")


def require_quarterly(p: Principal, kind: str) -> None:
    if kind not in QUARTERLY_ROLES or not p.roles & QUARTERLY_ROLES[kind]:
        raise Forbidden("Эта квартальная информация вам недоступна")



# -- 8. personal data ----------------------------------------------------------------------------------

def can_export_subject(p: Principal) -> bool:
    """The subject-access export (152-ФЗ ст. 14) is prepared by a supervisor of the person's territory."""
    return _holds(p, "supervisor")



# -- 14. adults' cases: the people register ----------------------------------------------------------

def can_keep_people_register(p: Principal) -> bool:
    """The people register (search, columns, export, data-entry report): the resource centre and the supervisor."""
    return bool(p.roles & PEOPLE_REGISTER)


def can_register_people(p: Principal) -> bool:
    return bool(p.roles & PEOPLE_INTAKE)


def acting_role_for_start(p: Principal) -> str:
    """The role recorded for someone who opens an adult's case (the first intake role they hold)."""
    return next(r for r in ROLE_ORDER if r in p.roles and r in PEOPLE_INTAKE)


def starts_at_people_register(p: Principal) -> bool:
    """The resource centre's staff start at the people register rather than at a worklist of cases."""
    return bool(p.roles & ADULT_WIDE)


def can_see_obligations_of(p: Principal, org_id: int) -> bool:
    """An organisation's reporting calendar: its own staff, the supervisor and the resource centre."""
    return org_id == p.org_id or _holds(p, "supervisor", "rc_head", "rc_specialist")


def can_set_beds(p: Principal, org_id: int) -> bool:
    """An institution's number of beds: the resource centre, the supervisor, or the institution itself."""
    return _holds(p, "rc_head", "rc_specialist", "supervisor") or (
        p.org_id == org_id and _holds(p, "uso_director", "provider_staff"))


def beds_role(p: Principal) -> str:
    """The role recorded for setting an institution's beds (which starts its free-places obligation)."""
    return acting_role_for_start(p) if p.roles & PEOPLE_INTAKE else "supervisor"


def can_record_patrol_trip(p: Principal) -> bool:
    return _holds(p, "patrol_specialist", "rc_specialist")



# -- 15. obligations of organisations: the owing organisation submits, the recipient accepts or returns ---------

#: heads of an organisation, told first of its overdue report (one without: its staff); who sees the territory's
OBLIGATION_HEADS, OBLIGATIONS_WIDE = ("supervisor", "uso_director", "rc_head"), ("supervisor", "rc_head",
                                                                                 "rc_specialist")


def _works_in(p: Principal, org_id: int | None) -> bool:  # an administrator's account alone does not report
    return org_id is not None and p.org_id == org_id and bool(p.roles - {ADMIN})


def can_see_obligation(p: Principal, org_id: int, recipient_org_id: int | None) -> bool:
    return can_see_obligations_of(p, org_id) or _works_in(p, recipient_org_id)


def sees_territory_obligations(p: Principal) -> bool:
    return _holds(p, *OBLIGATIONS_WIDE)


def can_submit_obligation(p: Principal, org_id: int) -> bool:  # the owing organisation's staff
    return _works_in(p, org_id)


def can_decide_obligation(p: Principal, recipient_org_id: int | None) -> bool:  # the recipient's staff
    return _works_in(p, recipient_org_id)


def obligation_role(p: Principal) -> str | None:
    """The role recorded in the obligation's history when ``p`` submits, accepts or returns it (None: only an
    administrator's account, which does not report)."""
    return next((r for r in ROLE_ORDER if r in p.roles), None)


def can_add_roadmap_item(p: Principal) -> bool:
    return _holds(p, ADMIN, "supervisor", "rc_head")


def heads_organisation(p: Principal) -> bool:
    return _holds(p, *OBLIGATION_HEADS)
