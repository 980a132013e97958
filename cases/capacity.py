"""Beds of the institutions and providers that place homeless and released people (the capacity register), the
placements that occupy them, the weekly free-places report each institution owes, the social patrol's trips, and
the occupancy published per territory without personal data.

The weekly register of people in institutions shows the free places for the institutions' specialists, and the
occupancy register is published on the resource centre's site (report of the Yugra resource centre, Q1 2024, §4).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from cases import access, families
from cases.errors import Forbidden, InputInvalid, NotFound
from cases.people_tables import BedCapacity, FreePlacesReport, PatrolTrip, Placement
from cases.principal import Principal
from cases.services import Services
from cases.tables import Organisation, Territory
from engine.commands import StartCase
from engine.context import TransitionContext
from engine.database import UnitOfWork
from engine.tables import CaseInstance, table_of
from engine.vocabulary import Arg, FieldError, FieldType, Vocabulary

BC, PL, PT, FR = (table_of(t) for t in (BedCapacity, Placement, PatrolTrip, FreePlacesReport))
ORG, TER, CI = table_of(Organisation), table_of(Territory), table_of(CaseInstance)
#: organisations that hold beds: state social-service institutions and non-state providers
BED_KINDS = ("uso", "provider", "rc")
FREE_PLACES_WORKFLOW = "free_places"
ORG_SUBJECT = "organisation"


@dataclass(frozen=True)
class Beds:
    org_id: int
    name: str
    kind: str
    capacity: int
    occupied: int

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.occupied)


def _occupied() -> Any:
    return (sa.select(sa.func.count()).where(PL.c.org_id == BC.c.org_id, PL.c.discharged_on.is_(None))
            .scalar_subquery())


def beds(conn: sa.Connection, territory: str, org_id: int | None = None) -> list[Beds]:
    q = (sa.select(BC.c.org_id, ORG.c.short_name, ORG.c.kind, BC.c.capacity, _occupied().label("occupied"))
         .join(ORG, ORG.c.id == BC.c.org_id).where(ORG.c.territory == territory).order_by(ORG.c.short_name))
    if org_id is not None:
        q = q.where(BC.c.org_id == org_id)
    return [Beds(int(r.org_id), r.short_name, r.kind, int(r.capacity), int(r.occupied))
            for r in conn.execute(q).all()]


def set_capacity(tx: UnitOfWork, svc: Services, p: Principal, org_id: int, capacity: int) -> Beds:
    """Set an institution's beds; the first time, its weekly free-places obligation starts."""
    from cases.handlers import log_access

    org = tx.connection.execute(sa.select(ORG.c.id, ORG.c.territory, ORG.c.kind).where(ORG.c.id == org_id)).first()
    if org is None or org.territory != p.territory:
        raise NotFound("Организация")
    if not access.can_set_beds(p, org_id):
        raise Forbidden("Число мест задаёт ресурсный центр или само учреждение")
    if org.kind not in BED_KINDS:
        raise InputInvalid({"org_id": "Места бывают у учреждений социального обслуживания и поставщиков"})
    if not 0 <= capacity <= 10_000:
        raise InputInvalid({"capacity": "Число мест — от 0 до 10 000"})
    now = svc.runtime.clock.now()
    known = tx.connection.execute(sa.select(BC.c.org_id).where(BC.c.org_id == org_id)).first()
    if known:
        tx.connection.execute(sa.update(BC).where(BC.c.org_id == org_id).values(capacity=capacity, updated_at=now))
    else:
        tx.connection.execute(sa.insert(BC).values(org_id=org_id, capacity=capacity, kind="both", updated_at=now))
        started = svc.runtime.start(tx, StartCase(
            FREE_PLACES_WORKFLOW, p.actor(access.beds_role(p)),
            data={"org_id": org_id}, territory=org.territory, org_id=org_id, subject_kind=ORG_SUBJECT,
            subject_id=org_id))
        families.add_party(tx, started.case_id, org_id, now)
    log_access(tx, p, None, "change", f"число мест учреждения №{org_id}: {capacity}", svc)
    return beds(tx.connection, org.territory, org_id)[0]


def record_trip(tx: UnitOfWork, svc: Services, p: Principal, trip_on: date, places: str = "") -> int:
    """A trip of the social patrol (counted in the quarterly tables)."""
    if not access.can_record_patrol_trip(p):
        raise Forbidden("Выезды отмечает социальный патруль")
    today = svc.runtime.calendar.local_date(svc.runtime.clock.now())
    if trip_on > today:
        raise InputInvalid({"trip_on": "Дата выезда не может быть в будущем"})
    return int(tx.connection.execute(sa.insert(PT).returning(PT.c.id).values(
        territory=p.territory, org_id=p.org_id, trip_on=trip_on, places=places[:300], by_user=p.user_id,
        created_at=svc.runtime.clock.now())).scalar_one())


def public_occupancy(tx: UnitOfWork, svc: Services, territory: str) -> dict[str, Any]:
    """The published occupancy of a territory: institutions, beds, occupied, free — no personal data."""
    name = tx.connection.execute(sa.select(TER.c.name).where(TER.c.code == territory)).scalar()
    if name is None:
        raise NotFound("Территория")
    rows = beds(tx.connection, territory)
    return {"territory": territory, "name": name, "institutions": [
        {"name": b.name, "state": b.kind != "provider", "capacity": b.capacity, "occupied": b.occupied,
         "free": b.free} for b in rows],
            "capacity": sum(b.capacity for b in rows), "free": sum(b.free for b in rows)}


# -- what the workflows name -------------------------------------------------------------------------

def _bed_org(ctx: TransitionContext, value: Any) -> int:
    try:
        org_id = int(str(value).strip())
    except ValueError:
        raise FieldError("выберите учреждение из списка") from None
    if not beds(ctx.connection, str(ctx.case.territory), org_id):
        raise FieldError("в вашей территории нет такого учреждения с местами")
    return org_id


def register_capacity(vocabulary: Vocabulary) -> None:
    vocabulary.add_field_type(FieldType("bed_org_ref", _bed_org, "Учреждение с местами", html_input="text"))

    @vocabulary.guard("has_free_bed", "В выбранном учреждении есть свободное место", field=Arg("field"))
    def has_free_bed(ctx: TransitionContext, args: Mapping[str, Any]) -> str | None:
        org_id = ctx.payload.get(args["field"])
        if not org_id:
            return None  # the form is not filled in yet
        found = beds(ctx.connection, str(ctx.case.territory), int(org_id))
        if not found:
            return "У этого учреждения не указано число мест"
        return None if found[0].free > 0 else f"В учреждении «{found[0].name}» нет свободных мест"

    @vocabulary.effect("place_person", "Разместить человека в учреждении (занять место)",
                     org_field=Arg("field"), date_field=Arg("field"))
    def place_person(ctx: TransitionContext, args: Mapping[str, Any]) -> None:
        org_id = int(ctx.payload[args["org_field"]])
        placed = ctx.payload.get(args["date_field"])
        ctx.connection.execute(sa.insert(PL).values(
            case_id=ctx.case.id, person_id=int(ctx.case.subject_id or 0), org_id=org_id,
            placed_on=date.fromisoformat(str(placed)[:10]) if placed else ctx.today, created_at=ctx.now))
        ctx.case.org_id = org_id
        families.add_party(ctx.tx, ctx.case.id, org_id, ctx.now)
        ctx.case.data["placed_in"] = org_id

    @vocabulary.effect("discharge_person", "Выписать человека (освободить место)", date_field=Arg("field"))
    def discharge_person(ctx: TransitionContext, args: Mapping[str, Any]) -> None:
        left = ctx.payload.get(args["date_field"])
        ctx.connection.execute(sa.update(PL).where(PL.c.case_id == ctx.case.id, PL.c.discharged_on.is_(None))
                               .values(discharged_on=date.fromisoformat(str(left)[:10]) if left else ctx.today))

    @vocabulary.effect("record_free_places", "Записать еженедельные сведения о свободных местах")
    def record_free_places(ctx: TransitionContext, args: Mapping[str, Any]) -> None:
        assert ctx.actor.user_id is not None
        org_id = int(ctx.case.subject_id or 0)
        found = beds(ctx.connection, str(ctx.case.territory), org_id)
        capacity, occupied = (found[0].capacity, found[0].occupied) if found else (0, 0)
        ctx.connection.execute(sa.insert(FR).values(
            org_id=org_id, reported_on=ctx.today, capacity=capacity, occupied=occupied,
            free=max(0, capacity - occupied), by_user=ctx.actor.user_id, created_at=ctx.now))
        ctx.case.data["last_free"] = max(0, capacity - occupied)
