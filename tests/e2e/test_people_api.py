"""Adults' cases over HTTP: the people register (search, sort, export, data-entry report, columns) and the
release-accompaniment workflow driven through the REST API."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from typing import Any

import openpyxl
import pytest
from freezegun import freeze_time

from tests.adults import add_adult_world
from tests.e2e.conftest import Web
from tests.e2e.test_api import Api, Bed, error, ok
from tests.world import START

PEOPLE = [
    ("Ёлкин", "Пётр", "Иванович", "2025-05-15", "г. Сургут, ул. Мира, д. 3"),
    ("Елкина", "Анна", "Петровна", "2025-04-01", "г. Сургут, ул. Ленина, д. 10"),
    ("Сидоров", "Олег", "", "2025-06-20", "г. Сургут, пр. Набережный, д. 1"),
]


@pytest.fixture
def bed(web: Web) -> Iterator[Bed]:
    add_adult_world(web.process)
    assert web.client.get("/api/v1/-").status_code == 404
    with freeze_time(START) as factory:
        yield Bed(web, factory)


def _register(rc: Api) -> list[dict[str, Any]]:
    done = []
    for last, first, middle, release, address in PEOPLE:
        done.append(ok(rc.post("/people", {"last_name": last, "first_name": first, "middle_name": middle,
                                           "release_date": release, "intended_address": address,
                                           "penal_institution": "ФКУ ИК-11"}), 201))
    return done


def test_search_by_part_of_the_name_ignores_case_and_yo(bed: Bed) -> None:
    rc = bed.as_("rc")
    _register(rc)
    found = ok(rc.get("/people", params={"q": "ЕЛК"}))
    assert found["total"] == 2
    assert {row["full_name"] for row in found["items"]} == {"Ёлкин Пётр Иванович", "Елкина Анна Петровна"}
    assert ok(rc.get("/people", params={"q": "ЁЛКИН пётр иванович"}))["total"] == 1
    by_release = ok(rc.get("/people", params={"sort": "release_date"}))["items"]
    assert [r["release_date"] for r in by_release] == ["2025-04-01", "2025-05-15", "2025-06-20"]
    by_release_desc = ok(rc.get("/people", params={"sort": "release_date", "desc": "true"}))["items"]
    assert by_release_desc[0]["full_name"].startswith("Сидоров")
    by_address = ok(rc.get("/people", params={"sort": "intended_address"}))["items"]
    assert [r["intended_address"] for r in by_address] == sorted(p[4] for p in PEOPLE)
    assert by_address[0]["territory"] == "Сургутский район"
    assert rc.get("/people", params={"sort": "password"}).status_code == 422
    error(bed.as_("opeka").get("/people"), 403, "forbidden")


def test_export_is_filtered_in_the_chosen_columns_and_audited(bed: Bed) -> None:
    rc = bed.as_("rc")
    _register(rc)
    ok(bed.as_("admin").client.put("/api/v1/people/columns", json={"columns": ["full_name", "release_date"]},
                                   headers=bed.web.token("admin")))
    error(rc.client.put("/api/v1/people/columns", json={"columns": ["full_name"]}, headers=rc.headers), 403,
          "forbidden")
    got = rc.get("/people/export", params={"format": "xlsx", "q": "елк", "sort": "release_date"})
    assert got.status_code == 200, got.text
    sheet = openpyxl.load_workbook(io.BytesIO(got.content)).active
    assert sheet is not None
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows == [["ФИО", "Дата освобождения"], ["Елкина Анна Петровна", "01.04.2025"],
                    ["Ёлкин Пётр Иванович", "15.05.2025"]]
    csv = rc.get("/people/export", params={"format": "csv"})
    assert csv.status_code == 200 and csv.content.decode("utf-8-sig").count("\n") == 4
    logged = bed.web.process.rows("select what from access_log where action = 'export' order by id")
    assert len(logged) == 2 and "xlsx" in logged[0].what and "елк" in logged[0].what


def test_data_entry_report_per_institution(bed: Bed) -> None:
    _register(bed.as_("rc"))
    ok(bed.as_("provider").post("/people", {"last_name": "Бездомный", "first_name": "Иван",
                                            "category": "homeless"}), 201)
    report = ok(bed.as_("rc").get("/people/entry-report", params={"since": "2025-03-01", "until": "2025-03-31"}))
    by_org = {r["organisation"]: r for r in report}
    assert by_org["Центр социальной адаптации"]["entered"] == 3
    # three of four optional fields filled (no birth date) in every record of the centre
    assert by_org["Центр социальной адаптации"]["complete_percent"] == 75
    assert by_org["АНО «Дом надежды»"]["entered"] == 1 and by_org["АНО «Дом надежды»"]["complete_percent"] == 0
    assert ok(bed.as_("rc").get("/people/entry-report", params={"since": "2025-04-01", "until": "2025-04-30"})) == []


def test_release_accompaniment_over_http(bed: Bed) -> None:
    w = bed.web.world
    rc, director, curator = bed.as_("rc"), bed.as_("director"), bed.as_("curator")
    person = _register(rc)[0]
    case = person["case_id"]
    assert person["state"] == "pre_release" and person["territory"] == "surgut"
    ok(rc.post(f"/cases/{case}/events/approve_route_map", {"route": "Жильё у сестры, паспорт, работа"}))
    ok(rc.post(f"/cases/{case}/events/record_release", {"released_on": "2025-03-03", "applied_on": "2025-03-03",
                                                        "uso": w.orgs["uso"]}))
    error(rc.post(f"/cases/{case}/events/recognise_need", {"decision_number": "1", "help_scope": "-"}), 403,
          "role_not_allowed")
    ok(director.post(f"/cases/{case}/events/recognise_need", {"decision_number": "1", "help_scope": "Набор"}))
    ok(director.post(f"/cases/{case}/events/approve_ippsu", {"ippsu_number": "7"}))
    ok(director.post(f"/cases/{case}/events/sign_contract", {"contract_number": "Д-1",
                                                             "curator": w.users["curator"]}))
    ok(curator.post(f"/cases/{case}/events/record_help", {"help_kind": "urgent"}))
    member = ok(curator.post(f"/people/{person['person_id']}/family",
                             {"last_name": "Ёлкина", "first_name": "Мария", "relation": "spouse"}), 201)
    assert member["person_id"] > person["person_id"]
    error(curator.post(f"/cases/{case}/events/close_case", {"reason": "???", "comment": "-"}), 422,
          "payload_invalid")
    done = ok(curator.post(f"/cases/{case}/events/transfer", {"territory": "nefteyugansk",
                                                              "reason": "Переезд к родителям"}))
    assert done["to_state"] == "transferred"
    moved = bed.web.process.rows("select id, territory, state from wf_instance where parent_id = :c", c=case)
    assert [(r.territory, r.state) for r in moved] == [("nefteyugansk", "registered")]
    ok(bed.as_("other_rc").post(f"/cases/{moved[0].id}/events/accept_transfer",
                                {"uso": w.orgs["other_uso"], "applied_on": date(2025, 3, 3).isoformat()}))
    ok(bed.as_("other_director").post(f"/cases/{moved[0].id}/events/close_case",
                                      {"reason": "refused", "comment": "Отказался"}))


def test_bad_input_is_a_structured_422(bed: Bed) -> None:
    rc = bed.as_("rc")
    body = error(rc.post("/people", {"last_name": "Иванов", "first_name": "Иван", "category": "to_release"}), 422,
                 "input_invalid")
    assert set(body["details"]["fields"]) == {"release_date", "intended_address"}
    assert bed.web.process.rows("select id from adult_person") == []


def test_homeless_placement_over_http_and_the_published_occupancy(bed: Bed) -> None:
    w = bed.web.world
    head, patrol = bed.as_("rc_head"), bed.as_("patrol")
    assert ok(head.client.put(f"/api/v1/capacity/{w.orgs['provider']}", json={"capacity": 5},
                              headers=head.headers))["free"] == 5
    ok(bed.as_("director").client.put(f"/api/v1/capacity/{w.orgs['uso']}", json={"capacity": 3},
                                      headers=bed.web.token("director")))
    found = ok(patrol.post("/people", {"last_name": "Секретов", "first_name": "Иван", "category": "homeless",
                                       "source": "patrol", "need": "night_stay"}), 201)
    assert found["state"] == "identified"
    ok(patrol.post(f"/cases/{found['case_id']}/events/place", {"institution": w.orgs["provider"]}))
    ok(patrol.post("/patrol-trips", {"trip_on": "2025-03-03", "places": "остановки, подвалы"}), 201)
    error(patrol.post("/patrol-trips", {"trip_on": "2025-03-10"}), 422, "input_invalid")
    public = bed.web.client  # no login
    page = public.get("/occupancy/surgut")
    assert page.status_code == 200 and "АНО «Дом надежды»" in page.text and "Секретов" not in page.text
    data = public.get("/occupancy/surgut.json").json()
    assert data["capacity"] == 8 and data["free"] == 7
    assert public.get("/occupancy/nowhere").status_code == 404


def test_quarterly_tables_over_http(bed: Bed) -> None:
    head = bed.as_("rc_head")
    ok(bed.as_("patrol").post("/patrol-trips", {"trip_on": "2025-02-03"}), 201)
    tables = ok(head.get("/statistics/adults/quarterly", params={"year": 2025, "quarter": 1}))
    assert tables["current"]["trips"] == 1 and tables["previous"]["trips"] == 0
    book = head.get("/statistics/adults/quarterly.xlsx", params={"year": 2025, "quarter": 1})
    assert book.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(book.content))["Патруль"]
    assert [c.value for c in sheet[2]] == ["Выезды службы «Социальный патруль»", 1, 0]
    error(bed.as_("opeka").get("/statistics/adults/quarterly", params={"year": 2025, "quarter": 1}), 403,
          "forbidden")
    assert head.get("/statistics/adults/quarterly", params={"year": 2025, "quarter": 5}).status_code == 422


def test_an_organisations_reporting_calendar_and_its_icalendar_feed(bed: Bed) -> None:
    w = bed.web.world
    director = bed.as_("director")
    found = ok(director.get(f"/organisations/{w.orgs['uso']}/obligations", params={"year": 2025}))
    may = [i for i in found["items"] if i["due"].startswith("2025-05")]
    assert [(i["key"], i["due"]) for i in may] == [("methodological_products", "2025-05-27"),
                                                   ("monthly_statistics", "2025-05-28")]
    assert may[1]["others"][0]["due"] == "2025-06-02" and may[1]["others"][0]["source"]
    feed = director.get(f"/organisations/{w.orgs['uso']}/obligations.ics", params={"year": 2025})
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    assert feed.text.count("BEGIN:VEVENT") == len(found["items"]) and "DTSTART;VALUE=DATE:20250527" in feed.text
    error(bed.as_("curator").get(f"/organisations/{w.orgs['kdn']}/obligations", params={"year": 2025}), 403,
          "forbidden")
    error(director.get(f"/organisations/{w.orgs['other_uso']}/obligations", params={"year": 2025}), 404,
          "not_found")


def test_an_adults_case_never_shows_the_family_that_has_the_same_number(bed: Bed) -> None:
    opeka = bed.as_("opeka")
    ok(opeka.post("/reports", {"source_type": "education", "channel": "written",
                               "received_at": "2025-03-03T09:00:00+05:00", "text": "Ребёнок голоден.",
                               "address": "г. Сургут, ул. Мира, д. 7", "children": [
                                   {"last_name": "Семейкин", "first_name": "Фёдор", "birth_date": "2015-04-01"}]}), 201)
    person = _register(bed.as_("rc"))[0]
    assert person["person_id"] == 1  # the same number as the child's family
    rc = bed.as_("rc")
    case = rc.get(f"/cases/{person['case_id']}")
    assert case.status_code == 200 and "Семейкин" not in case.text and "Ёлкин" in case.text
    listed = rc.get("/cases")
    assert listed.status_code == 200 and "Семейкин" not in listed.text
    page = bed.web.client_for("rc").get(f"/cases/{person['case_id']}")
    assert page.status_code == 200 and "Семейкин" not in page.text and "Ёлкин" in page.text
