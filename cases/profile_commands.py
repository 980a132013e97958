"""What the pages, the REST API and the CLI read and change of a territory's profile.

Every user reads their own territory's profile (which workflows it starts, its regional settings); only the
administrator publishes a new revision, which is written to the access log.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cases import access, profiles
from cases.errors import Forbidden
from cases.handlers import log_access
from cases.inputs import Fields
from cases.principal import Principal
from cases.services import Services
from engine.database import UnitOfWork


@dataclass(frozen=True)
class KindRow:
    kind: str
    title: str
    workflow: str
    workflow_title: str


@dataclass(frozen=True)
class SettingRow:
    name: str
    title: str
    value: Any
    unit: str
    basis: str


@dataclass(frozen=True)
class ProfilePage:
    applied: profiles.Applied
    kinds: list[KindRow]
    settings: list[SettingRow]
    workflows: list[tuple[str, str, int]]
    history: list[dict[str, Any]]
    checklist: dict[str, Any] | None
    may_edit: bool


def workflow_names(tx: UnitOfWork, svc: Services, p: Principal) -> list[str]:
    """The published workflows of ``p``'s territory (what its profile chose, plus those of no kind)."""
    return profiles.territory_workflows(tx, p.territory, svc.runtime.catalog.names())


def profile_page(tx: UnitOfWork, svc: Services, p: Principal) -> ProfilePage:
    access.require_workflows(p)
    catalog = svc.runtime.catalog
    applied = profiles.current(tx, p.territory)
    kinds = [KindRow(kind, title, applied.workflows.get(kind, profiles.DEFAULT_WORKFLOWS[kind]),
                     catalog.latest(applied.workflows.get(kind, profiles.DEFAULT_WORKFLOWS[kind])).definition.title)
             for kind, title in profiles.KINDS.items()]
    settings = [SettingRow(s.name, s.title, applied.settings.get(s.name, s.default), s.unit, s.basis)
                for s in applied.profile.settings]
    names = workflow_names(tx, svc, p)
    workflows = [(n, catalog.latest(n).definition.title, catalog.latest(n).definition.version) for n in names]
    checklist = applied.settings.get("need_checklist")
    return ProfilePage(applied, kinds, settings, workflows, profiles.history(tx, p.territory), checklist,
                       access.can_administer(p))


def publish_profile(tx: UnitOfWork, svc: Services, p: Principal, profile: str, settings: Mapping[str, Any],
                    basis: str = "", workflows: Mapping[str, str] | None = None) -> profiles.Applied:
    """Publish a new revision of the administrator's territory's profile (Forbidden for anyone else;
    InputInvalid when the profile is unknown or lacks a required regional setting)."""
    if not access.can_administer(p):
        raise Forbidden("Профиль территории публикует только администратор")
    f = Fields()
    basis = f.line("basis", basis, max_length=500)
    f.done()
    row = profiles.publish(tx, p.territory, profile, published=svc.runtime.catalog.names(),
                           now=svc.runtime.clock.now(), basis=basis, workflows=workflows, settings=settings,
                           actor_id=p.user_id)
    log_access(tx, p, None, "profile", f"профиль территории {p.territory}: {profile}, редакция {row.revision}", svc)
    return profiles.current(tx, p.territory)
