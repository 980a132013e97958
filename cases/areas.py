"""Areas (участки) of a territory: the social passport, the streets and settlements, the curator fixed to each.

In the Novgorod practice one curator is fixed to each area of the district and supports every family living there,
so the curator of an approved interagency plan follows from the family's address (:func:`area_for`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from cases import access
from cases.errors import Forbidden, InputInvalid
from cases.handlers import log_access
from cases.inputs import Fields
from cases.names import normalise
from cases.principal import Principal
from cases.region_tables import Area
from cases.services import Services
from cases.tables import User, UserRole, names_by_id
from engine.database import UnitOfWork

AR = Area.__table__  # type: ignore[attr-defined]
USR = User.__table__  # type: ignore[attr-defined]
UR = UserRole.__table__  # type: ignore[attr-defined]


def _words(text: str) -> str:
    return f" {normalise(text)} "


def matches(place: str, address: str) -> bool:
    """Whether ``place`` (a street or settlement as typed) occurs in ``address`` as whole words."""
    wanted = normalise(place)
    return bool(wanted) and re.search(rf"(^| ){re.escape(wanted)}( |$)", normalise(address)) is not None


def area_for(tx: UnitOfWork, territory: str, address: str) -> Area | None:
    """The area whose street or settlement names the address (the longest match wins); None when no area does."""
    best: tuple[int, Area] | None = None
    for row in tx.connection.execute(sa.select(AR).where(AR.c.territory == territory)).mappings():
        for place in row["places"]:
            if matches(place, address) and (best is None or len(place) > best[0]):
                best = (len(place), Area(**dict(row)))
    return best[1] if best else None


def add_area(tx: UnitOfWork, territory: str, name: str, places: Iterable[str], curator_id: int | None,
             now: datetime, passport: str = "") -> Area:
    area = Area(territory=territory, name=name, places=[p.strip() for p in places if p.strip()],
                curator_id=curator_id, passport=passport, updated_at=now)
    tx.session.add(area)
    tx.session.flush()
    return area


def areas_of(tx: UnitOfWork, territory: str) -> list[Area]:
    rows = tx.connection.execute(sa.select(AR).where(AR.c.territory == territory).order_by(AR.c.name)).mappings()
    return [Area(**dict(r)) for r in rows]


@dataclass(frozen=True)
class AreaView:
    id: int
    name: str
    places: list[str]
    curator_id: int | None
    curator: str
    passport: str


def list_areas(tx: UnitOfWork, svc: Services, p: Principal) -> list[AreaView]:
    """The areas of ``p``'s territory with their curators (everyone of the territory may read them)."""
    found = areas_of(tx, p.territory)
    names = names_by_id(tx.connection, USR, "full_name", (a.curator_id for a in found if a.curator_id))
    return [AreaView(a.id or 0, a.name, list(a.places), a.curator_id, names.get(a.curator_id, "") if a.curator_id
                     else "", a.passport) for a in found]


def save_area(tx: UnitOfWork, svc: Services, p: Principal, name: str, places: Iterable[str],
              curator_id: int | None, passport: str = "") -> AreaView:
    """Create or change the area ``name`` of ``p``'s territory (administrator or УСО director). The curator must be
    an active curator of the territory; a street or settlement may belong to one area only."""
    if not access.can_keep_areas(p):
        raise Forbidden("Участки ведёт администратор или директор УСО")
    f = Fields()  # text as typed: one Unicode form, plain spaces, no control characters
    name = f.line("name", name, max_length=120)
    listed = [x for x in (f.line("places", x, max_length=300) for x in places) if x]
    passport = f.text("passport", passport, max_length=20_000)
    errors: dict[str, str] = dict(f.errors)
    if not name:
        errors.setdefault("name", "укажите название участка")
    if not listed:
        errors.setdefault("places", "перечислите улицы и населённые пункты участка")
    if curator_id is not None:
        user = tx.session.get(User, curator_id)
        roles = set(tx.connection.execute(sa.select(UR.c.role).where(UR.c.user_id == curator_id)).scalars())
        if user is None or user.territory != p.territory or not user.is_active or not access.can_curate_area(roles):
            errors["curator_id"] = "выберите куратора вашей территории"
    taken = {normalise(x): a.name for a in areas_of(tx, p.territory) if a.name != name for x in a.places}
    clash = [x for x in listed if normalise(x) in taken]
    if clash:
        errors["places"] = "уже в другом участке: " + ", ".join(f"{x} ({taken[normalise(x)]})" for x in clash)
    if errors:
        raise InputInvalid(errors)
    now = svc.runtime.clock.now()
    existing = tx.connection.execute(sa.select(AR.c.id).where(AR.c.territory == p.territory,
                                                              AR.c.name == name)).scalar()
    if existing is None:
        add_area(tx, p.territory, name, listed, curator_id, now, passport)
    else:
        tx.connection.execute(sa.update(AR).where(AR.c.id == existing).values(
            places=listed, curator_id=curator_id, passport=passport, updated_at=now))
    log_access(tx, p, None, "profile", f"участок «{name}»: {len(listed)} улиц и пунктов", svc)
    return next(a for a in list_areas(tx, svc, p) if a.name == name)
