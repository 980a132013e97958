"""Who may see which statistics and reports (issue 5) — decided here, next to ``cases.access``.

Every report covers the principal's own territory only (there is no territory parameter, so
another territory's data can never be asked for). Per report:

* **annual statistics** (aggregates the region already publishes, no personal data):
  supervisors, guardianship (УСЗН), the Agency, KDN secretaries and УСО directors;
* **quarterly information** — each kind to its author, its addressee and the supervisor:

  - ``agency_to_uszn`` (Агентство → УСЗН и орган опеки): agency, guardianship, supervisor;
  - ``uszn_to_kdn`` (УСЗН / орган опеки → КДН): guardianship, kdn_secretary, supervisor;
  - ``uso_to_kdn`` (УСО → КДН, per family — personal data): uso_director (their institution's
    families only), kdn_secretary and supervisor (every УСО of the territory);

* **deadline discipline** (names staff, not children): supervisors, guardianship and УСО
  directors, over the cases they may see (:func:`cases.access.visible_cases`): the whole
  territory for supervisors and guardianship, the cases handed to their institution for
  a УСО director.

* **territories side by side** (aggregates only, every territory of the database with its profile): supervisors;
* **monitoring indicators** of the territory against their targets (``cases.monitoring``): supervisors,
  guardianship, the Agency and УСО directors.

Curators and administrators see none of these: a request gets :class:`Forbidden` (HTTP 403).
"""

from __future__ import annotations

from cases.errors import Forbidden
from cases.principal import Principal

ANNUAL_ROLES = frozenset({"supervisor", "guardianship", "agency", "kdn_secretary", "uso_director"})
DISCIPLINE_ROLES = frozenset({"supervisor", "guardianship", "uso_director"})
QUARTERLY_ROLES: dict[str, frozenset[str]] = {
    "agency_to_uszn": frozenset({"agency", "guardianship", "supervisor"}),
    "uszn_to_kdn": frozenset({"guardianship", "kdn_secretary", "supervisor"}),
    "uso_to_kdn": frozenset({"uso_director", "kdn_secretary", "supervisor"}),
}


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


def require_annual(p: Principal) -> None:
    if not can_see_annual(p):
        raise Forbidden("Статистика доступна руководителю, органу опеки, Агентству, секретарю КДН и директору УСО")


def require_comparison(p: Principal) -> None:
    if "supervisor" not in p.roles:
        raise Forbidden("Сравнение территорий доступно руководителю")


def require_discipline(p: Principal) -> None:
    if not can_see_discipline(p):
        raise Forbidden("Исполнительская дисциплина доступна руководителю, органу опеки и директору УСО")


def require_quarterly(p: Principal, kind: str) -> None:
    if kind not in QUARTERLY_ROLES or not p.roles & QUARTERLY_ROLES[kind]:
        raise Forbidden("Эта квартальная информация вам недоступна")
