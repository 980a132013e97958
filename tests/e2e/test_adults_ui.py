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
