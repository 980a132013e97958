"""Adults' cases: registering a person released (or to be released) from prison or a homeless person, family
members who join the accompaniment, and the territory that is responsible for them.

The territory is derived from the intended address of residence or stay after release (the users of the state
system could not tell it without opening «Социальные данные»), and the case is opened there.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import sqlalchemy as sa

from cases import access, families
from cases.errors import Forbidden, InputInvalid, NotFound
from cases.names import name_key, normalise
from cases.people_tables import AdultPerson
from cases.principal import Principal
from cases.services import Services
from cases.tables import Territory
from engine.commands import FireTransition, StartCase
from engine.database import UnitOfWork
from engine.sql import Prepared
from engine.tables import table_of

CATEGORIES = {
    "to_release": "Готовится к освобождению",
    "released": "Освободился из мест лишения свободы",
    "probation": "Осуждён без изоляции от общества",
    "homeless": "Лицо без определённого места жительства",
    "family": "Член семьи",
}
RELEASE_CATEGORIES = ("to_release", "released", "probation")
FAMILY_RELATIONS = {"spouse": "Супруг(а)", "parent": "Родитель", "child": "Ребёнок", "sibling": "Брат, сестра",
                    "other": "Иной родственник"}
RELEASE_WORKFLOW = "release_accompaniment"
HOMELESS_WORKFLOW = "homeless_placement"
#: who identified a homeless person, and what they need (the daily register of identified people)
SOURCES = {"patrol": "Социальный патруль", "uso": "Учреждение социального обслуживания",
           "provider": "Негосударственный поставщик", "volunteer": "Волонтёры", "citizen": "Граждане"}
NEEDS = {"adaptation": "Место в отделении социальной адаптации", "night_stay": "Ночное пребывание"}

AP = table_of(AdultPerson)
TER = table_of(Territory)
_TERRITORIES = Prepared(sa.select(TER.c.code, TER.c.name).order_by(TER.c.code))


@dataclass(frozen=True)
class PersonInput:
    last_name: str
    first_name: str
    middle_name: str = ""
    birth_date: date | None = None
    category: str = "to_release"
    release_date: date | None = None
    intended_address: str = ""
    penal_institution: str = ""


@dataclass(frozen=True)
class RegisterPerson:
    person: PersonInput
    #: the territory chosen by the user; by default the one the intended address names (or the user's own)
    territory: str | None = None
    #: for a homeless person: who identified them and what they need
    source: str = "patrol"
    need: str = "adaptation"


@dataclass(frozen=True)
class AddFamilyMember:
    head_id: int
    person: PersonInput
    relation: str = "other"


@dataclass(frozen=True)
class PersonRegistered:
    person_id: int
    case_id: int | None
    territory: str
    state: str | None


def _stem(territory_name: str) -> str:
    """«Нефтеюганский район» → «нефтеюган», «г. Сургут» → «сургут»: the part an address names."""
    words = [w for w in normalise(territory_name).split() if w not in ("г", "город", "район", "округ", "городской",
                                                                        "муниципальный")]
    word = words[0] if words else ""
    for suffix in ("ский", "ская", "ское", "ской", "ий"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def territory_of_address(tx: UnitOfWork, address: str) -> str | None:
    """The territory whose name the address mentions (the longest match wins), or None."""
    text = normalise(address)
    best: tuple[int, str] | None = None
    for code, name in _TERRITORIES.all(tx.connection, {}):
        stem = _stem(name)
        if len(stem) >= 4 and stem in text and (best is None or len(stem) > best[0]):
            best = (len(stem), code)
    return best[1] if best else None


def territory_exists(tx: UnitOfWork, code: str) -> bool:
    return any(row[0] == code for row in _TERRITORIES.all(tx.connection, {}))


def check_person(person: PersonInput, today: date) -> PersonInput:
    """The person, or :class:`InputInvalid` with a Russian message per field that breaks a rule of the day.

    The register's input model (:mod:`cases.people_inputs`) has already checked the category, the lengths and
    cleaned the text; here stay what it cannot know: the names it left empty, the dates against today, and what
    a category needs (a release date for someone still to be released, the intended address for a release
    category).
    """
    errors: dict[str, str] = {}
    for name in ("last_name", "first_name"):
        if not getattr(person, name):
            errors[name] = "Заполните поле"
    category = person.category
    if person.birth_date and person.birth_date > today:
        errors["birth_date"] = "Дата рождения не может быть в будущем"
    if category == "to_release" and person.release_date is None:
        errors["release_date"] = "Укажите ожидаемую дату освобождения"
    if category == "released" and person.release_date and person.release_date > today:
        errors["release_date"] = "Дата освобождения освободившегося не может быть в будущем"
    if category in RELEASE_CATEGORIES and not person.intended_address:
        errors["intended_address"] = "Укажите адрес предполагаемого места жительства или пребывания"
    if errors:
        raise InputInvalid(errors)
    return person


def _insert(tx: UnitOfWork, svc: Services, p: Principal, person: PersonInput, territory: str,
            head_id: int | None = None, relation: str = "") -> int:
    now = svc.runtime.clock.now()
    return int(tx.connection.execute(sa.insert(AP).returning(AP.c.id), {
        "territory": territory, "last_name": person.last_name, "first_name": person.first_name,
        "middle_name": person.middle_name, "birth_date": person.birth_date,
        "name_key": name_key(person.last_name, person.first_name, person.middle_name), "category": person.category,
        "release_date": person.release_date, "intended_address": person.intended_address,
        "penal_institution": person.penal_institution, "head_id": head_id, "relation": relation,
        "org_id": p.org_id, "created_by": p.user_id, "created_at": now, "updated_at": now,
        "case_id": None}).scalar_one())


def register_person(tx: UnitOfWork, svc: Services, p: Principal, cmd: RegisterPerson) -> PersonRegistered:
    """Put a person on the register and open their case in the responsible territory.

    Someone to be released starts with the pre-release work, anchored on the expected release date (order of
    Депсоцразвития Югры of 28.01.2022 № 70-Р); someone already released waits for the hand-over to a УСО.
    """
    from cases.handlers import log_access  # the handlers import this module's neighbours; keep the cycle out

    if not access.can_register_people(p):
        raise Forbidden("Ставить на учёт может ресурсный центр, социальный патруль, УСО или поставщик услуг")
    runtime = svc.runtime
    today = runtime.calendar.local_date(runtime.clock.now())
    person = check_person(cmd.person, today)
    if cmd.territory and not territory_exists(tx, cmd.territory):
        raise InputInvalid({"territory": "Такой территории нет"})
    territory = cmd.territory or territory_of_address(tx, person.intended_address) or p.territory
    if territory != p.territory and not access.can_keep_people_register(p):
        raise Forbidden("Человека другой территории ставит на учёт ресурсный центр")
    homeless = person.category == "homeless"
    person_id = _insert(tx, svc, p, person, territory)
    role = access.acting_role_for_start(p)
    if homeless:  # identified today: placement the same working day
        started = runtime.start(tx, StartCase(
            HOMELESS_WORKFLOW, p.actor(role), data={"person_id": person_id, "source": cmd.source, "need": cmd.need,
                                                    "identified_on": today.isoformat()},
            territory=territory, org_id=p.org_id, subject_kind=access.ADULT_SUBJECT, subject_id=person_id))
        families.add_party(tx, started.case_id, p.org_id, runtime.clock.now())
        tx.connection.execute(sa.update(AP).where(AP.c.id == person_id).values(case_id=started.case_id))
        log_access(tx, p, started.case_id, "change", "выявлен человек без определённого места жительства", svc)
        return PersonRegistered(person_id, started.case_id, territory, started.to_state)
    data = {"person_id": person_id, "release_date": person.release_date.isoformat() if person.release_date else "",
            "intended_address": person.intended_address, "category": person.category}
    started = runtime.start(tx, StartCase(RELEASE_WORKFLOW, p.actor(role), data=data, territory=territory,
                                          org_id=p.org_id if territory == p.territory else None,
                                          assignee_id=None, subject_kind=access.ADULT_SUBJECT,
                                          subject_id=person_id))
    if territory == p.territory:
        families.add_party(tx, started.case_id, p.org_id, runtime.clock.now())
    tx.connection.execute(sa.update(AP).where(AP.c.id == person_id).values(case_id=started.case_id))
    state = started.to_state
    if person.category == "to_release" and person.release_date and person.release_date > today:
        state = runtime.fire(tx, FireTransition(started.case_id, "begin_pre_release", p.actor(role))).to_state
    log_access(tx, p, started.case_id, "change", "постановка на учёт (сопровождение после освобождения)", svc)
    return PersonRegistered(person_id, started.case_id, territory, state)


_PERSON = Prepared(sa.select(AP.c.id, AP.c.territory, AP.c.case_id, AP.c.head_id).where(
    AP.c.id == sa.bindparam("id")))


def add_family_member(tx: UnitOfWork, svc: Services, p: Principal, cmd: AddFamilyMember) -> int:
    """A family member accepted for accompaniment with the person (the curator covers them too)."""
    from cases.handlers import log_access, visible_case

    head = _PERSON.first(tx.connection, {"id": cmd.head_id})
    if head is None or head[3] is not None:
        raise NotFound("Человек")
    if head[2] is None:
        if not (access.can_keep_people_register(p) and head[1] == p.territory):
            raise NotFound("Человек")
    else:
        case = visible_case(tx, svc, p, int(head[2]))
        if access.acting_role(tx, p, case, ("curator", "uso_director", "rc_specialist", "rc_head",
                                            "provider_staff")) is None:
            raise Forbidden("Добавить члена семьи может куратор или учреждение, ведущее сопровождение")
    today = svc.runtime.calendar.local_date(svc.runtime.clock.now())
    person = check_person(replace(cmd.person, category="family", release_date=None), today)
    member_id = _insert(tx, svc, p, person, str(head[1]), head_id=int(head[0]), relation=cmd.relation)
    if head[2] is not None:
        tx.connection.execute(sa.update(AP).where(AP.c.id == member_id).values(case_id=head[2]))
    log_access(tx, p, head[2], "change", "член семьи принят на сопровождение", svc)
    return member_id


_MEMBERS = Prepared(sa.select(AP.c.id, AP.c.last_name, AP.c.first_name, AP.c.middle_name, AP.c.birth_date,
                              AP.c.relation).where(AP.c.head_id == sa.bindparam("id")).order_by(AP.c.id))
_ONE = Prepared(sa.select(AP).where(AP.c.id == sa.bindparam("id")))


def person_row(tx: UnitOfWork, person_id: int) -> dict[str, Any] | None:
    row: Any = _ONE.first(tx.connection, {"id": person_id})
    return dict(row._asdict()) if row is not None else None


def members_of(tx: UnitOfWork, person_id: int) -> list[dict[str, Any]]:
    return [r._asdict() for r in _MEMBERS.all(tx.connection, {"id": person_id})]
