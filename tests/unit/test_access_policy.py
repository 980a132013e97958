"""The parts of the access policy that need no database: the menu, whom a role's notification reaches, the role
a command is recorded under, whom a case may be handed to, the statistics."""

from __future__ import annotations

import pytest

from cases import access
from cases.errors import Forbidden
from cases.principal import Principal


def who(*roles: str) -> Principal:
    return Principal(1, "u", "У", 1, "guardianship", "surgut", frozenset(roles))


@pytest.mark.parametrize(("roles", "menu"), [
    (("guardianship",), ["worklist", "new_report", "cases", "obligations", "registry", "statistics", "workflows"]),
    (("curator",), ["worklist", "cases", "obligations", "registry", "statistics", "workflows"]),
    (("kdn_secretary",), ["worklist", "cases", "kdn", "obligations", "registry", "statistics", "workflows"]),
    (("uso_director",), ["worklist", "cases", "supervisor", "obligations", "registry", "statistics", "workflows"]),
    (("admin",), ["worklist", "obligations", "registry", "statistics", "workflows", "users", "webhooks"]),
])
def test_the_menu_follows_the_rights(roles: tuple[str, ...], menu: list[str]) -> None:
    assert access.menu_for(who(*roles)) == menu


def test_the_workflows_page_is_in_the_menu_of_everyone_with_a_role() -> None:
    assert "workflows" not in access.menu_for(who())
    with pytest.raises(Forbidden):
        access.require_workflows(who())


def test_notifications_to_a_role_reach_only_who_may_see_the_case() -> None:
    assert [access.audience(t) for t in ("curator", "supervisor", "agency", "kdn_secretary", "uso_director",
                                         "admin", "nobody")] == \
        ["assigned", "territory", "territory", "parties", "parties", None, None]


def test_roles_commands_are_recorded_under() -> None:
    assert access.registering_role(who("agency", "guardianship")) == "guardianship"
    assert access.registering_role(who("agency")) == "agency"
    assert access.managing_role(who("uso_director", "supervisor")) == "supervisor"
    assert access.assignable_staff(who("supervisor")) == (access.ASSIGNABLE, True)
    assert access.assignable_staff(who("uso_director")) == (("curator", "uso_director"), False)
    assert access.assignable_staff(who("curator")) == ((), False)


def test_statistics_by_role() -> None:
    assert access.quarterly_kinds(who("kdn_secretary")) == ["uszn_to_kdn", "uso_to_kdn"]
    assert access.only_own_uso(who("uso_director")) and not access.only_own_uso(who("uso_director", "supervisor"))
    with pytest.raises(Forbidden):
        access.require_annual(who("curator"))
    with pytest.raises(Forbidden):
        access.require_quarterly(who("agency"), "uso_to_kdn")
    assert not access.grants_administration(["supervisor"]) and access.grants_administration(["admin"])
