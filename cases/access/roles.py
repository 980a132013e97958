"""The roles of the policy (section 1 of :mod:`cases.access`): who works the whole territory, who works as a party
of a case, in which order an actor's role is recorded, and the role sets of the adults' practices."""

from __future__ import annotations

from cases.principal import Principal

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

