"""The registry the process's workflow files are checked against: roles, guards, effects, field types, acts."""

from __future__ import annotations

from cases.acts import TITLES
from cases.effects import register_effects
from cases.fields import register_field_types
from cases.guards import register_guards
from cases.region_effects import register_region_effects
from cases.roles import ROLES
from engine.builtins import register_builtins
from engine.registry import Registry


def build_registry() -> Registry:
    registry = register_builtins(Registry())
    for role, title in ROLES.items():
        registry.add_role(role, title)
    for template, title in TITLES.items():
        registry.add_template(template, title)
    register_field_types(registry)
    register_guards(registry)
    register_effects(registry)
    register_region_effects(registry)
    return registry
