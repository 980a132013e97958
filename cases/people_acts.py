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
