"""Writing families, people, reports and case parties (prebuilt Core statements: reports arrive in bulk)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from cases.names import name_key, normalise
from cases.tables import CaseParty, Family, Person, Report, ReportChild
from engine.database import UnitOfWork
from engine.sql import Prepared
from engine.tables import table_of

FA, PE, RE, RC, CP = (table_of(t) for t in (Family, Person, Report, ReportChild, CaseParty))

_PERSON = Prepared(sa.select(PE.c.id, PE.c.family_id, PE.c.relation, PE.c.birth_date, FA.c.territory)
                   .join(FA, FA.c.id == PE.c.family_id).where(PE.c.id == sa.bindparam("id")))
_FAMILY_ADDRESS = Prepared(sa.select(FA.c.address).where(FA.c.id == sa.bindparam("id")))
_SET_ADDRESS = Prepared(sa.update(FA).where(FA.c.id == sa.bindparam("id"))
                        .values(address=sa.bindparam("address"), address_key=sa.bindparam("address_key")))
_INSERT_FAMILY = Prepared(sa.insert(FA).returning(FA.c.id), ["territory", "surname", "address", "address_key",
                                                             "category", "category_act", "created_at"])
_INSERT_PERSON = Prepared(sa.insert(PE).returning(PE.c.id), ["family_id", "relation", "last_name", "first_name",
                                                             "middle_name", "birth_date", "name_key"])
_SET_BIRTH = Prepared(sa.update(PE).where(PE.c.id == sa.bindparam("id")).values(birth_date=sa.bindparam("birth")))
_INSERT_REPORT = Prepared(sa.insert(RE).returning(RE.c.id), [
    "territory", "org_id", "source_type", "source_name", "channel", "received_at", "text", "family_id",
    "registered_by", "created_at"])
_SET_REPORT_CASE = Prepared(sa.update(RE).where(RE.c.id == sa.bindparam("id"))
                            .values(case_id=sa.bindparam("case_id"), kdn_case_id=sa.bindparam("kdn_case_id")))
_REPORT_OF_CASE = Prepared(sa.select(RE.c.id, RE.c.family_id).where(RE.c.case_id == sa.bindparam("case_id")))
_INSERT_REPORT_CHILD = Prepared(sa.insert(RC), ["report_id", "person_id", "match"])
_PARTY = Prepared(sa.select(CP.c.case_id).where(CP.c.case_id == sa.bindparam("case_id"),
                                                CP.c.org_id == sa.bindparam("org_id")))
_INSERT_PARTY = Prepared(sa.insert(CP), ["case_id", "org_id", "since"])


def _returning_id(prepared: Prepared, tx: UnitOfWork, params: dict[str, Any]) -> int:
    cursor = prepared.execute(tx.connection, params)
    new_id = int(cursor.fetchone()[0])
    cursor.close()
    return new_id


def age_on(birth: date, day: date) -> int:
    """Full years of a person born on ``birth`` on ``day`` (born on 29 February: a year older on 1 March)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def is_minor_on(birth: date, day: date) -> bool:
    """Under 18 on ``day`` (Civil Code art. 21), from the full date of birth."""
    return age_on(birth, day) < 18


def person(tx: UnitOfWork, person_id: int) -> Any | None:
    """(id, family_id, relation, birth_date, territory) of a known person, or None."""
    return _PERSON.first(tx.connection, {"id": person_id})


def add_family(tx: UnitOfWork, territory: str, surname: str, address: str, now: datetime) -> int:
    return _returning_id(_INSERT_FAMILY, tx, {"territory": territory, "surname": surname, "address": address,
                                              "address_key": normalise(address), "category": "none",
                                              "category_act": "", "created_at": now})


def fill_address(tx: UnitOfWork, family_id: int, address: str) -> None:
    """Give a known family an address if it has none yet."""
    row = _FAMILY_ADDRESS.first(tx.connection, {"id": family_id})
    if address and row is not None and not row[0]:
        _SET_ADDRESS.execute(tx.connection, {"id": family_id, "address": address,
                                             "address_key": normalise(address)}).close()


def add_person(tx: UnitOfWork, family_id: int, relation: str, last_name: str, first_name: str, middle_name: str,
               birth_date: date | None) -> int:
    return _returning_id(_INSERT_PERSON, tx, {
        "family_id": family_id, "relation": relation, "last_name": last_name.strip(),
        "first_name": first_name.strip(), "middle_name": middle_name.strip(), "birth_date": birth_date,
        "name_key": name_key(last_name, first_name, middle_name)})


def fill_birth_date(tx: UnitOfWork, person_id: int, birth_date: date) -> None:
    _SET_BIRTH.execute(tx.connection, {"id": person_id, "birth": birth_date}).close()


def add_report(tx: UnitOfWork, **values: Any) -> int:
    return _returning_id(_INSERT_REPORT, tx, values)


def link_report(tx: UnitOfWork, report_id: int, case_id: int, kdn_case_id: int | None) -> None:
    _SET_REPORT_CASE.execute(tx.connection, {"id": report_id, "case_id": case_id,
                                             "kdn_case_id": kdn_case_id}).close()


def report_of_case(tx: UnitOfWork, case_id: int) -> Any | None:
    """(id, family_id) of the report that opened ``case_id``."""
    return _REPORT_OF_CASE.first(tx.connection, {"case_id": case_id})


def add_report_children(tx: UnitOfWork, report_id: int, children: list[tuple[int, str]]) -> None:
    seen: set[int] = set()
    rows = []
    for person_id, how in children:
        if person_id not in seen:  # the same known child named twice in one report is one row
            seen.add(person_id)
            rows.append({"report_id": report_id, "person_id": person_id, "match": how})
    _INSERT_REPORT_CHILD.executemany(tx.connection, rows)


def add_party(tx: UnitOfWork, case_id: int, org_id: int | None, now: datetime) -> None:
    """Record that ``org_id`` takes part in the case (it then sees it: ``cases.access``)."""
    if org_id is None:
        return
    params = {"case_id": case_id, "org_id": org_id}
    if _PARTY.first(tx.connection, params) is None:
        _INSERT_PARTY.execute(tx.connection, {**params, "since": now}).close()
