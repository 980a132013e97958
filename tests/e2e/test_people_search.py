"""The people register searched by any part of the name over HTTP, on SQLite (the FTS5 trigram table) and
PostgreSQL (pg_trgm): substrings, case, ё/е, one or two letters, ``%`` and ``_`` taken literally, the index kept
in step when a name changes or a person is deleted, the order and the page limit."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tests.e2e.test_api import Api, Bed, ok
from tests.e2e.test_people_api import bed  # noqa: F401  (the fixture)

PEOPLE = [
    ("Иванов", "Пётр", "Сергеевич", "2025-05-15"),
    ("Ёлкина", "Анна", "Ивановна", "2025-04-01"),
    ("Сливин", "Олег", "", "2025-06-20"),
    ("Петров_а", "Мария", "", "2025-03-10"),
]


def _register(rc: Api) -> list[dict[str, Any]]:
    return [ok(rc.post("/people", {"last_name": last, "first_name": first, "middle_name": middle,
                                   "release_date": release, "intended_address": "г. Сургут, ул. Мира, д. 1"}), 201)
            for last, first, middle, release in PEOPLE]


def _names(rc: Api, q: str, **params: Any) -> list[str]:
    found = ok(rc.get("/people", params={"q": q, "sort": "release_date", **params}))
    assert found["total"] >= len(found["items"])
    return [row["full_name"] for row in found["items"]]


def test_any_part_of_any_name_in_any_case_with_yo_or_ye(bed: Bed) -> None:  # noqa: F811
    rc = bed.as_("rc")
    _register(rc)
    assert _names(rc, "ванов") == ["Ёлкина Анна Ивановна", "Иванов Пётр Сергеевич"]  # surname and patronymic
    assert _names(rc, "ВАНОВ") == _names(rc, "ванов")
    assert _names(rc, "лкин") == ["Ёлкина Анна Ивановна"]
    assert _names(rc, "ЁЛКИНА") == _names(rc, "елкина") == ["Ёлкина Анна Ивановна"]
    assert _names(rc, "етр") == ["Петров_а Мария", "Иванов Пётр Сергеевич"]  # Петров and Пётр (ё = е)
    assert _names(rc, "ерге") == ["Иванов Пётр Сергеевич"]
    assert _names(rc, "ванов анн") == ["Ёлкина Анна Ивановна"]  # every word must be found
    assert _names(rc, "ванов олег") == []
    assert _names(rc, "сергеевич иванов") == ["Иванов Пётр Сергеевич"]  # in any order


def test_one_or_two_letters_match_the_beginning_of_a_part_of_the_name(bed: Bed) -> None:  # noqa: F811
    rc = bed.as_("rc")
    _register(rc)
    assert _names(rc, "ив") == ["Ёлкина Анна Ивановна", "Иванов Пётр Сергеевич"]  # not Сливин
    assert _names(rc, "О") == ["Сливин Олег"]
    assert _names(rc, "иванов п") == ["Иванов Пётр Сергеевич"]
    assert _names(rc, "иванов а") == ["Ёлкина Анна Ивановна"]  # Ивановна Анна, not Иванов Пётр


def test_percent_and_underscore_are_letters_of_the_search_not_wildcards(bed: Bed) -> None:  # noqa: F811
    rc = bed.as_("rc")
    _register(rc)
    assert _names(rc, "в_а") == ["Петров_а Мария"]
    assert _names(rc, "ив_н") == []  # "_" is not "any letter": Иванов is not found
    assert _names(rc, "_") == []  # no part of a name begins with "_"
    assert _names(rc, "%") == _names(rc, "")  # punctuation is dropped from the search as from the names
    assert len(_names(rc, "")) == len(PEOPLE)
    assert _names(rc, "с%н") == []  # as a wildcard it would find Сливин


def test_the_index_follows_a_changed_name_and_a_deleted_person(bed: Bed) -> None:  # noqa: F811
    rc = bed.as_("rc")
    done = _register(rc)
    db = bed.web.process.svc.db
    with db.unit_of_work() as tx:
        tx.connection.execute(sa.text("UPDATE adult_person SET last_name = 'Смирнова', name_key = 'смирнова анна "
                                      "ивановна' WHERE id = :id"), {"id": done[1]["person_id"]})
        tx.commit()
    assert _names(rc, "лкин") == []
    assert _names(rc, "мирнов") == ["Смирнова Анна Ивановна"]
    with db.unit_of_work() as tx:
        tx.connection.execute(sa.text("UPDATE adult_person SET case_id = NULL WHERE id = :id"),
                              {"id": done[2]["person_id"]})
        tx.connection.execute(sa.text("DELETE FROM adult_person WHERE id = :id"), {"id": done[2]["person_id"]})
        tx.commit()
    assert _names(rc, "лив") == []
    assert _names(rc, "ивин") == []


def test_order_page_limit_total_and_category_stay_with_the_substring_search(bed: Bed) -> None:  # noqa: F811
    rc = bed.as_("rc")
    _register(rc)
    for i in range(6):
        ok(rc.post("/people", {"last_name": f"Кованов{'а' * i}", "first_name": "Ян", "category": "homeless",
                               "release_date": f"2025-01-0{i + 1}", "intended_address": "г. Сургут"}), 201)
    first = ok(rc.get("/people", params={"q": "ванов", "sort": "release_date", "limit": 3}))
    assert first["total"] == 8 and len(first["items"]) == 3
    assert [r["release_date"] for r in first["items"]] == ["2025-01-01", "2025-01-02", "2025-01-03"]
    rest = ok(rc.get("/people", params={"q": "ванов", "sort": "release_date", "limit": 10, "offset": 3}))
    assert rest["total"] == 8
    assert [r["release_date"] for r in rest["items"]] == ["2025-01-04", "2025-01-05", "2025-01-06", "2025-04-01",
                                                          "2025-05-15"]
    by_name = ok(rc.get("/people", params={"q": "ванов", "sort": "full_name", "desc": "true", "limit": 2}))
    assert [r["full_name"] for r in by_name["items"]] == [f"Кованов{'а' * 5} Ян", f"Кованов{'а' * 4} Ян"]
    homeless = ok(rc.get("/people", params={"q": "ванов", "category": "homeless"}))
    assert homeless["total"] == 6
    beyond = ok(rc.get("/people", params={"q": "ванов", "offset": 50}))
    assert beyond == {**beyond, "total": 8, "items": []}


def test_the_name_index_exists_on_this_backend(bed: Bed) -> None:  # noqa: F811
    db = bed.web.process.svc.db
    with db.read() as tx:
        if db.is_sqlite:
            kinds = tx.connection.execute(sa.text("SELECT type, name FROM sqlite_master WHERE name LIKE "
                                                  "'adult_person_name%' AND type IN ('table', 'trigger')")).all()
            assert {("table", "adult_person_name"), ("trigger", "adult_person_name_ai"),
                    ("trigger", "adult_person_name_au"), ("trigger", "adult_person_name_ad")} <= set(kinds)
        else:
            found = tx.connection.execute(sa.text("SELECT indexdef FROM pg_indexes WHERE indexname = "
                                                  "'ix_adult_person_name_trgm'")).scalar_one()
            assert "gin_trgm_ops" in found


def test_sqlite_reads_the_trigram_matches_first_whatever_the_statistics(bed: Bed) -> None:  # noqa: F811
    """With the statistics the server's ANALYZE samples, SQLite's planner preferred walking the territory's people
    and asking the trigram table about each: the join is written so that the trigram table is read first."""
    from cases.people_register import RegisterQuery, matching, page_select
    from cases.principal import Principal

    db = bed.web.process.svc.db
    if not db.is_sqlite:
        return
    _register(bed.as_("rc"))
    with db.unit_of_work() as tx:
        tx.connection.exec_driver_sql("PRAGMA analysis_limit=2000")
        tx.connection.exec_driver_sql("ANALYZE")
        tx.commit()
    who = Principal(user_id=1, login="rc", full_name="", org_id=1, org_kind="rc", territory="surgut",
                    roles=frozenset())
    query = RegisterQuery(q="ванов", sort="release_date")
    with db.read() as tx:
        for statement in (page_select(who, query, "sqlite", 50), matching(who, query, "sqlite", sa.func.count())):
            compiled = statement.compile(tx.connection)
            plan = tx.connection.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled),
                                                 tuple(compiled.params[k] for k in compiled.positiontup or ())).all()
            steps = [str(r[3]) for r in plan if "adult_person" in str(r[3])]
            assert "VIRTUAL TABLE" in steps[0], steps
