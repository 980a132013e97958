"""Who may see and do what — decided here and nowhere else (a test fails if another module compares roles).

Read top to bottom, this module is the whole policy:

1. **Roles.** Guardianship officers (УСЗН), Agency specialists and supervisors work the whole territory;
   a curator works the cases assigned to them; a KDN secretary and a УСО director the cases handed to their
   organisation; the administrator manages users, workflows and webhooks and sees no children's cases.
2. **Seeing a case.** Nobody sees another territory's cases. Territory-wide roles see every case of their
   territory; a curator the cases assigned to them and those their organisation takes part in; a KDN secretary
   and a УСО director the cases their organisation is a party of. Someone offered a case (a hand-over waiting
   for their answer, :mod:`cases.handovers`) sees it until they answer and acts on it only once they accept.
3. **Acting on a case** needs, besides seeing it, one of the transition's (or command's) roles — and a curator
   acts only on the cases assigned to them.
4. **Plans and execution reports:** who adds measures to which plan, who closes them, who records a body's
   execution report.
5. **Assigning and documents.** Supervisors reassign cases in their territory, УСО directors among their own
   staff; a case is assigned only to someone who could act on it (:func:`can_be_assigned`). An act is
   re-issued by staff of the organisation that issued it (a supervisor: any).
6. **Registering reports** about children: guardianship and the Agency.
7. **Statistics and reports** — each covers the principal's own territory only:

   * annual statistics (aggregates the region publishes, no personal data): supervisors, guardianship, the
     Agency, KDN secretaries and УСО directors;
   * quarterly information, each kind to its author, its addressee and the supervisor (``uso_to_kdn`` is per
     family — personal data — and a УСО director sees only their own institution's families);
   * deadline discipline (names staff, not children): supervisors, guardianship and УСО directors, over the
     cases they may see.

8. **Personal data:** the subject-access export of a person (152-ФЗ ст. 14) is prepared by a supervisor.
9. **Administration:** users, workflows and webhooks — the administrator, who cannot take the role from
   themselves.
10. **Notifications** addressed to a role reach only people who may see the case.
11. **The menu** shows each user the sections the rules above open to them.
12. **Field work.** Whoever may act on a case attaches files to it (whoever sees it downloads them); a case is
    handed over to someone who can act on its open step, labelled by the first role they would act in; the
    summary of a case for the commission is printed by whoever sees the case, a meeting's agenda by the
    secretary of that commission or a supervisor of its territory.
13. **Regions.** The territory's profile (its workflows and regional settings, the page ``/workflows``) is seen
    by every user of the territory who holds a role, and published by the administrator; its areas (участки) are
    kept by the administrator or a УСО director, and an area's curator is a curator of the territory. Need criteria are
    recorded by guardianship, the Agency, a УСО director or the case's curator; mobile team visits by the same
    roles; monitoring targets are set by a supervisor or the administrator; the monitoring is seen by supervisors,
    guardianship, the Agency and УСО directors; territories side by side (aggregates) by supervisors.
14. **Adults' cases** (subject ``person``: released from prison, homeless): the resource centre's specialists and head
    see those of their territory, with the supervisor; guardianship and the Agency (children's bodies) do not;
    provider staff and the social patrol see the cases their organisation takes part in, like a УСО director.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa

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

# -- 1. roles -------------------------------------------------------------------------------------------

ADMIN = "admin"
TERRITORY_WIDE = frozenset({"guardianship", "agency", "supervisor"})
PARTY_ROLES = frozenset({"curator", "kdn_secretary", "uso_director", "provider_staff", "patrol_specialist"})
#: everyone who works cases (not the administrator), in the order the actor's role is recorded when a user
#: holds several roles that may act
ROLE_ORDER = ("curator", "uso_director", "kdn_secretary", "provider_staff", "patrol_specialist", "rc_specialist",
              "rc_head", "agency", "guardianship", "supervisor")
WORKING_ROLES = frozenset(ROLE_ORDER)
#: staff a supervisor may hand a case to (everyone who works cases except supervisors themselves)
ASSIGNABLE = ("guardianship", "agency", "uso_director", "curator", "kdn_secretary")
MANAGERS = frozenset({"supervisor", "uso_director"})

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


def _holds(p: Principal, *roles: str) -> bool:
    return any(r in p.roles for r in roles)


def territory_wide(p: Principal) -> bool:
    """Whether ``p`` works the whole territory (and so may filter the case list by anyone in it)."""
    return bool(p.roles & TERRITORY_WIDE)


def any_role(p: Principal) -> str:
    """A role to record for a request that is only replayed (the first request's actor is what counts)."""
    return sorted(p.roles)[0]


# -- 2. seeing a case ----------------------------------------------------------------------------------

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
    if _wide_for(p.roles, case.subject_kind):
        return True
    if "curator" in p.roles and case.assignee_id == p.user_id:
        return True
    if not p.roles & PARTY_ROLES:
        return False
    return _is_party(tx, case.id, p.org_id) or _offered(tx, case.id, p.user_id)


# -- 3. acting on a case -------------------------------------------------------------------------------

def acting_role(tx: UnitOfWork, p: Principal, case: CaseView, allowed: Iterable[str]) -> str | None:
    """The role ``p`` acts in on ``case`` among the ``allowed`` ones, or None if none applies."""
    if case.territory != p.territory:
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


# -- 9. administration ---------------------------------------------------------------------------------

def can_administer(p: Principal) -> bool:
    return _holds(p, ADMIN)


def grants_administration(roles: Iterable[str]) -> bool:
    """Whether a set of roles keeps the administrator's (an administrator may not take it from themselves)."""
    return ADMIN in set(roles)


# -- 10. notifications ---------------------------------------------------------------------------------

def audience(target: str) -> str | None:
    """Whom a notification addressed to the role ``target`` reaches on a case, so that it tells nobody of a case
    they may not see: ``"assigned"`` (the assigned curator only), ``"territory"`` (the role's holders in the
    case's territory), ``"parties"`` (the holders in the organisations taking part), or None (nobody)."""
    if target == "curator":
        return "assigned"
    if target in TERRITORY_WIDE or target in ADULT_WIDE:
        return "territory"
    if target in PARTY_ROLES:
        return "parties"
    return None


# -- 11. the menu --------------------------------------------------------------------------------------

def menu_for(p: Principal) -> list[str]:
    """The sections of the web UI ``p`` is shown, in menu order (the pages check again on every request)."""
    items = ["worklist"]
    if can_register_reports(p):
        items.append("new_report")
    if p.roles & WORKING_ROLES:
        items.append("cases")
    if can_keep_people_register(p):
        items.append("people")
    if _holds(p, "kdn_secretary"):
        items.append("kdn")
    if can_manage(p):
        items.append("supervisor")
    items += ["registry", "statistics"]
    if can_see_workflows(p):
        items.append("workflows")
    if can_administer(p):
        items += ["users", "webhooks"]
    return items


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
