"""Who is asking: a logged-in user with their organisation, territory and roles.

What the roles allow is decided in :mod:`cases.access` only.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.commands import Actor


@dataclass(frozen=True)
class Principal:
    user_id: int
    login: str
    full_name: str
    org_id: int
    org_kind: str
    territory: str
    roles: frozenset[str]
    area: str = ""

    def actor(self, role: str) -> Actor:
        return Actor(self.user_id, role, self.org_id, self.territory)
