"""The adults' pages over HTTP: the resource centre's quarterly tables under the statistics section (the same
numbers as the REST API and the workbook) and the case page of an adult person (a person block, no family)."""

from __future__ import annotations

import html
import io
import re
from typing import Any

import openpyxl

from cases.adult_quarterly import sections
from tests.e2e.test_api import Bed, ok
from tests.e2e.test_people_api import bed  # noqa: F401  (the fixture)

ROW = re.compile(r'<th scope="row"[^>]*>(.*?)</th>\s*<td[^>]*>(.*?)</td>\s*<td[^>]*>(.*?)</td>', re.S)


def _tables(text: str) -> list[list[list[Any]]]:
    parts = re.split(r'data-testid="adults-\d+"', text)[1:]
    return [[[html.unescape(a), int(b), int(c)] for a, b, c in ROW.findall(part.split("</table>")[0])]
            for part in parts]


def test_the_quarterly_tables_page_shows_the_apis_numbers_with_the_same_quarter_last_year(
        bed: Bed) -> None:  # noqa: F811
    patrol, head = bed.as_("patrol"), bed.as_("rc_head")
    for day in ("2025-01-14", "2025-02-03"):
        ok(patrol.post("/patrol-trips", {"trip_on": day}), 201)
    ok(patrol.post("/patrol-trips", {"trip_on": "2024-03-01"}), 201)
    ok(patrol.post("/patrol-trips", {"trip_on": "2024-05-01"}), 201)  # the second quarter: not in the tables
    client = bed.web.client_for("rc_head")
    shown = client.get("/statistics/adults")  # today's quarter
    assert shown.status_code == 200
    assert '<option value="2025" selected>' in shown.text and '<option value="1" selected>' in shown.text
    api = ok(head.get("/statistics/adults/quarterly", params={"year": 2025, "quarter": 1}))
    expected = [rows for _sheet, _head, rows in sections(api)]
    assert _tables(shown.text) == expected
    assert expected[0][0] == ["Выезды службы «Социальный патруль»", 2, 1]
    assert "1 кв. 2024 (АППГ)" in shown.text and 'href="/statistics/adults.xlsx?year=2025&amp;quarter=1"' in shown.text
    book = client.get("/statistics/adults.xlsx", params={"year": 2025, "quarter": 1})
    assert book.status_code == 200
    sheets = openpyxl.load_workbook(io.BytesIO(book.content))
    assert [[c.value for c in row] for row in sheets["Патруль"].iter_rows(min_row=2)] == expected[0]
    earlier = client.get("/statistics/adults", params={"year": 2024, "quarter": 2})
    assert _tables(earlier.text)[0][0] == ["Выезды службы «Социальный патруль»", 1, 0]
    assert '<option value="2" selected>' in earlier.text
    assert 'href="/statistics/adults"' in client.get("/statistics").text


def test_the_quarterly_tables_page_is_the_resource_centres(bed: Bed) -> None:  # noqa: F811
    assert bed.web.client_for("rc").get("/statistics/adults").status_code == 200
    opeka = bed.web.client_for("opeka")
    assert opeka.get("/statistics/adults").status_code == 403
    assert opeka.get("/statistics/adults.xlsx").status_code == 403
    assert 'href="/statistics/adults"' not in opeka.get("/statistics").text.split("</nav>")[-1]
    assert bed.web.client_for("rc_head").get("/statistics/adults", params={"quarter": 5}).status_code == 422


def _person_block(text: str) -> str:
    start = text.index('<section class="card" id="person">')
    return text[start:text.index("</section>", start)]


def test_the_release_accompaniment_case_page_shows_the_person_and_the_members_not_a_family(
        bed: Bed) -> None:  # noqa: F811
    rc = bed.as_("rc")
    person = ok(rc.post("/people", {"last_name": "Ёлкин", "first_name": "Пётр", "middle_name": "Иванович",
                                    "birth_date": "1980-02-01", "release_date": "2025-05-15",
                                    "intended_address": "г. Сургут, ул. Мира, д. 3",
                                    "penal_institution": "ФКУ ИК-11"}), 201)
    ok(rc.post("/people", {"last_name": "Ёлкинский", "first_name": "Олег", "release_date": "2025-06-01",
                           "intended_address": "г. Сургут, ул. Мира, д. 4"}), 201)
    ok(rc.post(f"/people/{person['person_id']}/family", {"last_name": "Ёлкина", "first_name": "Мария",
                                                         "birth_date": "1982-07-09", "relation": "spouse"}), 201)
    case = person["case_id"]
    client = bed.web.client_for("rc")
    page = client.get(f"/cases/{case}")
    assert page.status_code == 200
    block = _person_block(page.text)
    for shown in ("Ёлкин Пётр Иванович", "01.02.1980", "15.05.2025", "г. Сургут, ул. Мира, д. 3", "ФКУ ИК-11",
                  "Ёлкина Мария", "09.07.1982", "Супруг"):
        assert shown in block, shown
    assert 'id="family"' not in page.text and "Семья и дети" not in page.text
    assert "Сообщения о семье" not in page.text and "Посещения семьи" not in page.text
    assert f'href="/people/{person["person_id"]}"' in block
    entry = client.get(f"/people/{person['person_id']}")
    assert entry.status_code == 303
    register = client.get(entry.headers["location"])
    assert register.status_code == 200 and "Ёлкин Пётр Иванович" in register.text
    assert "Ёлкинский" not in register.text  # the person's own entry, not everyone whose name begins the same
    assert "Найдено: 1 человек" in register.text


def test_the_homeless_placement_case_page_shows_the_person_and_the_register_link_only_to_the_centre(
        bed: Bed) -> None:  # noqa: F811
    w = bed.web.world
    patrol = bed.as_("patrol")
    found = ok(patrol.post("/people", {"last_name": "Бездомный", "first_name": "Иван", "category": "homeless",
                                       "source": "patrol", "need": "night_stay"}), 201)
    ok(bed.as_("rc_head").client.put(f"/api/v1/capacity/{w.orgs['provider']}", json={"capacity": 5},
                                     headers=bed.web.token("rc_head")))
    ok(patrol.post(f"/cases/{found['case_id']}/events/place", {"institution": w.orgs["provider"]}))
    head = bed.web.client_for("rc_head")
    page = head.get(f"/cases/{found['case_id']}")
    assert page.status_code == 200
    block = _person_block(page.text)
    assert "Бездомный Иван" in block and "Лицо без определённого места жительства" in block
    assert "Дата освобождения</dt><dd>не указана" in block and "Члены семьи на сопровождение не приняты" in block
    assert f'href="/people/{found["person_id"]}"' in block and 'id="family"' not in page.text
    patrol_page = bed.web.client_for("patrol").get(f"/cases/{found['case_id']}")
    assert patrol_page.status_code == 200
    assert "Бездомный Иван" in _person_block(patrol_page.text)
    assert 'href="/people/' not in _person_block(patrol_page.text)  # the patrol does not keep the register
    assert bed.web.client_for("patrol").get(f"/people/{found['person_id']}").status_code == 403
    assert head.get("/people/999999").status_code == 404
