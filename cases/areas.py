"""Areas (участки) of a territory: the social passport, the streets and settlements, the curator fixed to each.

In the Novgorod practice one curator is fixed to each area of the district and supports every family living there,
so the curator of an approved interagency plan follows from the family's address (:func:`area_for`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa

from cases.names import normalise
from cases.region_tables import Area
from engine.database import UnitOfWork

AR = Area.__table__  # type: ignore[attr-defined]


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
