"""The registry the process's workflow files are checked against: roles, guards, effects, templates."""

from __future__ import annotations

from cases.roles import ROLES
from engine.builtins import register_builtins
from engine.registry import Registry


def build_registry() -> Registry:
    registry = register_builtins(Registry())
    for role, title in ROLES.items():
        registry.add_role(role, title)
    return registry
