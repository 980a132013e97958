"""The vocabulary the process's workflow files are checked against: roles, guards, effects, field types, acts."""

from __future__ import annotations

from cases.acts import TITLES
from cases.adult_effects import register_adult_effects
from cases.effects import register_effects
from cases.fields import register_field_types
from cases.guards import register_guards
from cases.ministry_report import register_ministry_report
from cases.obligation_flow import register_obligations
from cases.region_effects import register_region_effects
from cases.roles import ROLES
from engine.builtins import register_builtins
from engine.vocabulary import Vocabulary


def build_vocabulary() -> Vocabulary:
    vocabulary = register_builtins(Vocabulary())
    for role, title in ROLES.items():
        vocabulary.add_role(role, title)
    for template, title in TITLES.items():
        vocabulary.add_template(template, title)
    register_field_types(vocabulary)
    register_guards(vocabulary)
    register_effects(vocabulary)
    register_region_effects(vocabulary)
    register_ministry_report(vocabulary)
    register_adult_effects(vocabulary)
    register_obligations(vocabulary)
    return vocabulary
