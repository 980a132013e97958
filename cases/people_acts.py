"""What the acts of an adult's case show about the person: name, category, release, address, family members."""

from __future__ import annotations

from typing import Any

from cases.people import CATEGORIES, FAMILY_RELATIONS, members_of, person_row


def _day(value: Any) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


def person_context(tx: Any, person_id: int | None) -> dict[str, Any]:
    """The person of an adult's case as plain strings (frozen in the act)."""
    row = person_row(tx, person_id) if person_id else None
    if row is None:
        return {}
    return {
        "name": " ".join(str(x) for x in (row["last_name"], row["first_name"], row["middle_name"]) if x),
        "birth_date": _day(row["birth_date"]),
        "category": CATEGORIES.get(str(row["category"]), str(row["category"])),
        "release_date": _day(row["release_date"]),
        "address": row["intended_address"] or "не указан",
        "institution": row["penal_institution"] or "",
        "members": [{"name": " ".join(str(x) for x in (m["last_name"], m["first_name"], m["middle_name"]) if x),
                     "relation": FAMILY_RELATIONS.get(str(m["relation"]), str(m["relation"])),
                     "birth_date": _day(m["birth_date"])} for m in members_of(tx, int(row["id"]))],
    }


def _name(row: Any) -> str:
    return " ".join(str(x) for x in (row["last_name"], row["first_name"], row["middle_name"]) if x)


def person_block(tx: Any, person_id: int | None) -> dict[str, Any] | None:
    """The person block of an adult's case page: the person and the family members accompanied with them."""
    row = person_row(tx, person_id) if person_id else None
    if row is None:
        return None
    return {"id": int(row["id"]), "name": _name(row), "birth_date": row["birth_date"],
            "category": CATEGORIES.get(str(row["category"]), str(row["category"])),
            "release_date": row["release_date"], "address": row["intended_address"],
            "institution": row["penal_institution"],
            "members": [{"id": int(m["id"]), "name": _name(m), "birth_date": m["birth_date"],
                         "relation": FAMILY_RELATIONS.get(str(m["relation"]), str(m["relation"]))}
                        for m in members_of(tx, int(row["id"]))]}


def person_as_family(tx: Any, person_id: int | None) -> dict[str, Any]:
    """An adult's case page shows the person and the family members accompanied with them in the family block."""
    row = person_row(tx, person_id) if person_id else None
    if row is None:
        return {}
    head = {"id": row["id"], "name": " ".join(str(x) for x in (row["last_name"], row["first_name"],
                                                               row["middle_name"]) if x),
            "relation": "other", "relation_title": CATEGORIES.get(str(row["category"]), ""),
            "birth_date": row["birth_date"], "age": None}
    members = [{"id": m["id"], "name": " ".join(str(x) for x in (m["last_name"], m["first_name"], m["middle_name"])
                                               if x),
                "relation": "other", "relation_title": FAMILY_RELATIONS.get(str(m["relation"]), ""),
                "birth_date": m["birth_date"], "age": None} for m in members_of(tx, int(row["id"]))]
    return {"id": 0, "surname": str(row["last_name"]), "address": row["intended_address"], "category": "none",
            "category_title": CATEGORIES.get(str(row["category"]), ""), "category_set_on": None,
            "category_act": "", "members": [head, *members]}


def names_of(tx: Any, person_ids: list[int]) -> dict[int, str]:
    """Full names of adults for case lists."""
    if not person_ids:
        return {}
    import sqlalchemy as sa

    from cases.people_tables import AdultPerson
    from engine.tables import table_of

    ap = table_of(AdultPerson)
    rows = tx.connection.execute(sa.select(ap.c.id, ap.c.last_name, ap.c.first_name, ap.c.middle_name)
                                 .where(ap.c.id.in_(person_ids))).all()
    return {r.id: " ".join(x for x in (r.last_name, r.first_name, r.middle_name) if x) for r in rows}
