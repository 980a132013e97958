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
15. **Obligations of organisations** (their reports): the owing organisation's staff submit, the recipient's staff
    accept or return; an organisation's calendar is seen by its own staff, the supervisor and the resource
    centre; heads are told first of their organisation's overdue report.

The policy is kept in a package, by subject: :mod:`cases.access.roles` (1), :mod:`cases.access.case` (2–6, 12),
:mod:`cases.access.records` (7, 8, 13–15) and this module (9–11); callers ask ``cases.access`` and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable

from cases.access.case import (  # noqa: F401
    ATTACHING,
    CLOSE_ROLES,
    OBLIGATION_SUBJECT,
    PLAN_ROLES,
    REPORT_ROLES,
    acting_role,
    assignable_staff,
    assigns_across_organisations,
    attaching_role,
    can_be_assigned,
    can_manage,
    can_print_agenda,
    can_register_reports,
    can_view,
    hears_territory_escalations,
    managing_role,
    may_attach,
    not_on_this_case,
    registering_role,
    registrar_is_assignee,
    reissuing_role,
    require_acting,
    roles_held,
    visible_cases,
    why_not_acting,
)
from cases.access.records import (  # noqa: F401
    ANNUAL_ROLES,
    DISCIPLINE_ROLES,
    MONITORING_ROLES,
    OBLIGATION_HEADS,
    OBLIGATIONS_WIDE,
    QUARTERLY_ROLES,
    REGIONAL_RECORD_ROLES,
    acting_role_for_start,
    beds_role,
    can_add_roadmap_item,
    can_curate_area,
    can_decide_obligation,
    can_export_subject,
    can_keep_areas,
    can_keep_people_register,
    can_record_mobile_visit,
    can_record_need,
    can_record_patrol_trip,
    can_register_people,
    can_see_annual,
    can_see_discipline,
    can_see_monitoring,
    can_see_obligation,
    can_see_obligations_of,
    can_see_reports,
    can_see_workflows,
    can_set_beds,
    can_set_targets,
    can_submit_obligation,
    heads_organisation,
    obligation_role,
    only_own_uso,
    quarterly_kinds,
    require_annual,
    require_comparison,
    require_discipline,
    require_quarterly,
    require_workflows,
    sees_territory_obligations,
    starts_at_people_register,
)
from cases.access.roles import (  # noqa: F401
    ADMIN,
    ADULT_SUBJECT,
    ADULT_SUBJECTS,
    ADULT_WIDE,
    ASSIGNABLE,
    CHILD_ONLY,
    MANAGERS,
    PARTY_ROLES,
    PEOPLE_INTAKE,
    PEOPLE_REGISTER,
    ROLE_ORDER,
    TERRITORY_WIDE,
    WORKING_ROLES,
    _holds,
    any_role,
    territory_wide,
)
from cases.principal import Principal

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
    if p.roles - {ADMIN} or can_add_roadmap_item(p):
        items.append("obligations")
    items += ["registry", "statistics"]
    if can_see_workflows(p):
        items.append("workflows")
    if can_administer(p):
        items += ["users", "webhooks"]
    return items


