"""Matching the children named in a report against the children already known.

A child matches a known person of the same territory with the same normalised full name
(case-insensitive, ё = е) and the same date of birth. A report may lack the date of
birth: then a known child with the same name matches "without date of birth", and the
user must choose when there are several.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from cases.names import full_name, name_key
from cases.tables import Family, Person
from engine.database import UnitOfWork
from engine.sql import Prepared
from engine.tables import CaseInstance

PE = Person.__table__  # type: ignore[attr-defined]
FA = Family.__table__  # type: ignore[attr-defined]
CI = CaseInstance.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Candidate:
    person_id: int
    family_id: int
    name: str
    birth_date: date | None
    address: str
    #: exact (same name and date of birth) | name (the report or the record lacks a date of birth)
    strength: str
    #: the open individual preventive work (KDN case) of the child's family, if any
    kdn_case_id: int | None

    def as_dict(self) -> dict[str, object]:
        return {"person_id": self.person_id, "family_id": self.family_id, "name": self.name,
                "birth_date": self.birth_date.isoformat() if self.birth_date else None, "address": self.address,
                "strength": self.strength, "kdn_case_id": self.kdn_case_id}


_SAME_NAME = Prepared(
    sa.select(PE.c.id, PE.c.family_id, PE.c.last_name, PE.c.first_name, PE.c.middle_name, PE.c.birth_date,
              FA.c.address)
    .join(FA, FA.c.id == PE.c.family_id)
    .where(PE.c.name_key == sa.bindparam("key"), PE.c.relation == "child", FA.c.territory == sa.bindparam("territory"))
    .order_by(PE.c.id))


def find_candidates(tx: UnitOfWork, territory: str, last_name: str, first_name: str, middle_name: str,
                    birth_date: date | None) -> list[Candidate]:
    key = name_key(last_name, first_name, middle_name)
    rows = _SAME_NAME.all(tx.connection, {"key": key, "territory": territory})
    result = []
    for row in rows:
        if birth_date and row.birth_date and row.birth_date != birth_date:
            continue
        strength = "exact" if birth_date and row.birth_date == birth_date else "name"
        result.append(Candidate(row.id, row.family_id, full_name(row.last_name, row.first_name, row.middle_name),
                                row.birth_date, row.address, strength, open_kdn_case(tx, row.family_id)))
    return result


#: states of ``kdn_prevention`` in which the KDN has organised individual preventive work (after its resolution)
IPR_ORGANISED = ("plan_drafting", "plan_amendment", "plan_approval", "execution", "court_instructed", "suspended",
                 "post_support")


_OPEN_IPR = Prepared(
    sa.select(CI.c.id).where(CI.c.subject_kind == "family", CI.c.subject_id == sa.bindparam("family_id"),
                             CI.c.workflow == "kdn_prevention", sa.or_(*(CI.c.state == s for s in IPR_ORGANISED)))
    .order_by(CI.c.id).limit(1))


def open_kdn_case(tx: UnitOfWork, family_id: int) -> int | None:
    """The family's individual preventive work organised by the KDN (a ``kdn_prevention`` case), if any."""
    row = _OPEN_IPR.first(tx.connection, {"family_id": family_id})
    return int(row[0]) if row else None
