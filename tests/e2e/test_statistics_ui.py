"""Statistics pages, downloads, charts and the REST endpoints over HTTP — and who may not see them."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date
from typing import Any

import docx
import openpyxl
import pytest
from freezegun import freeze_time

from tests.e2e.conftest import Web
from tests.integration.test_statistics import at, inspect, kid, report, to_support

YEAR = "from=2024-01-01&to=2024-12-31"
Q2 = "year=2024&quarter=2"


@pytest.fixture
def data(web: Web) -> Iterator[Web]:
    """In 2024: a report from a school (confirmed, family taken into support in May), a police report
    ordered a day late; the clock then stands at Monday 03.03.2025 09:00 local."""
    # FastAPI builds a router's parameter parsers on the first request reaching it: before freezegun
    # replaces ``date`` (an unknown path visits every router)
    assert web.client.get("/__warm-up__").status_code == 404
    with freeze_time("2025-03-03 04:00:00") as frozen:
        process = web.process
        process.frozen = frozen  # type: ignore[attr-defined]
        at(process, "2024-05-06 10:00")
        school = report(process, "education", kid("Школьников", "Саша", date(2014, 1, 1)),
                        kid("Школьникова", "Маша", date(2016, 1, 1)))
        inspect(process, school, True)
        support = to_support(process, school)
        at(process, "2024-05-10 16:00")  # a visit is recorded on or after its day
        process.fire("curator", support, "record_visit", {"visited_on": "2024-05-10", "kind": "home",
                                                          "notes": "Дома"})
        at(process, "2024-06-10 10:00")
        police = process.register(children=(kid("Полицейский", "Петя", date(2012, 1, 1)),), source="police").case_id
        at(process, "2024-06-11 10:00")
        process.fire("opeka", police, "order_inspection", {"agency_unit": process.world.orgs["agency"]})
        at(process, "2025-03-03 09:00")
        yield web


def _ok(response: Any, media: str = "text/html") -> Any:
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith(media)
    return response


def test_annual_page_and_files(data: Web) -> None:
    boss = data.client_for("boss")
    index = _ok(boss.get("/statistics")).text
    for href in ("/statistics/annual", "/statistics/discipline", "/statistics/quarterly?kind=agency_to_uszn"):
        assert f'href="{href}"' in index
    page = _ok(boss.get(f"/statistics/annual?{YEAR}")).text
    assert re.search(r'data-testid="reports-total">2<', page) and re.search(r'data-testid="minors-total">3<', page)
    assert re.search(r'data-testid="confirmed">2<', page)
    assert "Сургутский район" in page and f'href="/statistics/annual.xlsx?{YEAR.replace("&", "&amp;")}"' in page
    xlsx = _ok(boss.get(f"/statistics/annual.xlsx?{YEAR}"), "application/vnd.openxmlformats")
    assert "statistika_2024-01-01_2024-12-31.xlsx" in xlsx.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    rows = {r[0]: r[1:] for r in book["1. По источникам"].iter_rows(min_row=2, values_only=True)}
    assert rows["Образовательные организации"] == (1, 2) and rows["Всего"] == (2, 3)
    services = {r[0]: r[1] for r in book["3. Социальные услуги"].iter_rows(min_row=2, values_only=True)}
    assert services["Семья, находящаяся в трудной жизненной ситуации (ТЖС)"] == 1
    text = _ok(boss.get(f"/statistics/annual.csv?{YEAR}"), "text/csv").content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    police = next(r for r in lines if r[1] == "Территориальные отделы УМВД (полиция)" and r[2] == "Сообщений")
    assert police[3] == "1"


def test_quarterly_page_and_files(data: Web) -> None:
    agent = data.client_for("agent")
    page = _ok(agent.get(f"/statistics/quarterly?{Q2}&kind=agency_to_uszn")).text
    assert "II квартал 2024 года" in page and "Семей в ТЖС на социальном сопровождении в квартале" in page
    assert 'href="/statistics/quarterly.docx?year=2024&amp;quarter=2&amp;kind=agency_to_uszn"' in page
    document = docx.Document(io.BytesIO(_ok(agent.get(f"/statistics/quarterly.docx?{Q2}&kind=agency_to_uszn"),
                                            "application/vnd.openxmlformats").content))
    general = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}
    assert general["Семей в ТЖС на социальном сопровождении в квартале"] == "1"
    assert general["Посещений семей (патронаж), всего"] == "1"
    director = data.client_for("director")
    book = openpyxl.load_workbook(io.BytesIO(_ok(director.get(f"/statistics/quarterly.xlsx?{Q2}&kind=uso_to_kdn"),
                                                 "application/vnd.openxmlformats").content))
    families = list(book[book.sheetnames[1]].iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[2], r[5]) for r in families] == [("Семья Школьников", "ТЖС", 1)]
    default = _ok(director.get("/statistics/quarterly")).text  # the last completed quarter, the director's kind
    assert "IV квартал 2024 года" in default and "Отчёт о семьях, находящихся на сопровождении" in default


def test_discipline_page_and_charts(data: Web) -> None:
    boss = data.client_for("boss")
    period = "from=2024-01-01&to=2025-03-03"
    page = _ok(boss.get(f"/statistics/discipline?{period}")).text
    assert f'src="/statistics/discipline/chart/steps.svg?{period.replace("&", "&amp;")}"' in page
    assert "Поручить Агентству обследование" in page
    for login in ("boss", "opeka", "director"):  # the supervisor dashboard embeds the default-period charts
        client = data.client_for(login)
        for chart in ("steps", "orgs"):
            svg = _ok(client.get(f"/statistics/discipline/chart/{chart}.svg"), "image/svg+xml")
            assert ET.fromstring(svg.text).get("role") == "img"
    steps = ET.fromstring(_ok(boss.get(f"/statistics/discipline/chart/steps.svg?{period}"), "image/svg+xml").text)
    texts = list(steps.iter("{http://www.w3.org/2000/svg}text"))
    values = [t.text for t in texts if t.get("class") == "value"]
    labels = [t.text for t in texts if t.get("class") == "label"]
    # orders to inspect: the school's on time, the police's a day late; every other step on time
    assert (labels[0], values[0]) == ("Поручить Агентству обследование", "50\u00a0%")
    assert set(values[1:]) == {"100\u00a0%"} and len(values) == len(steps.findall(".//{*}rect[@class='bar']"))
    book = openpyxl.load_workbook(io.BytesIO(_ok(boss.get(f"/statistics/discipline.xlsx?{period}"),
                                                 "application/vnd.openxmlformats").content))
    assert book.sheetnames == ["По шагам", "По организациям", "По сотрудникам"]


DENIED = ["/statistics/annual", "/statistics/annual.xlsx", "/statistics/annual.csv", "/statistics/quarterly",
          "/statistics/quarterly.docx", "/statistics/discipline", "/statistics/discipline.xlsx",
          "/statistics/discipline/chart/steps.svg", "/statistics/discipline/chart/orgs.svg"]


def test_roles_that_may_not_see_reports(web: Web) -> None:
    curator = web.client_for("curator")
    index = _ok(curator.get("/statistics")).text
    assert 'data-testid="no-reports"' in index and 'href="/statistics/annual"' not in index.split("</nav>", 2)[-1]
    for url in DENIED:
        assert curator.get(url).status_code == 403, url
    assert curator.get("/statistics/annual?from=garbage").status_code == 403  # access first, then input
    secretary = web.client_for("secretary")
    for url in ("/statistics/discipline", "/statistics/discipline/chart/steps.svg",
                "/statistics/discipline/chart/orgs.svg", "/statistics/quarterly?kind=agency_to_uszn"):
        assert secretary.get(url).status_code == 403, url
    _ok(secretary.get("/statistics/quarterly?kind=uso_to_kdn"))
    _ok(secretary.get("/statistics/annual"))
    agent = web.client_for("agent")
    assert agent.get("/statistics/discipline/chart/steps.svg").status_code == 403
    assert agent.get("/statistics/quarterly.docx?kind=uso_to_kdn").status_code == 403
    assert web.client_for("admin").get("/statistics/annual.csv").status_code == 403
    anonymous = web.client.get("/statistics/annual")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")


def test_bad_input_never_500(web: Web) -> None:
    boss = web.client_for("boss")
    page = boss.get("/statistics/annual?from=2024-13-01&to=2024-12-31")
    assert page.status_code == 422 and "ожидается дата ГГГГ-ММ-ДД" in page.text and 'class="invalid"' in page.text
    reversed_ = boss.get("/statistics/discipline?from=2024-12-31&to=2024-01-01")
    assert reversed_.status_code == 422 and "конец периода раньше его начала" in reversed_.text
    for url in ("/statistics/quarterly?quarter=7", "/statistics/quarterly?year=abc", "/statistics/quarterly?kind=x",
                "/statistics/quarterly.pdf", "/statistics/annual.pdf", "/statistics/discipline/chart/pie.svg",
                "/statistics/annual?from=" + "9" * 40):
        assert boss.get(url).status_code == 422, url


def test_rest_endpoints(data: Web) -> None:
    client, boss = data.client, data.token("boss")
    annual = client.get(f"/api/v1/statistics/annual?{YEAR}", headers=boss)
    assert annual.status_code == 200
    body = annual.json()
    assert body["period_from"] == "2024-01-01" and body["total"] == {"key": "total", "title": "Всего", "reports": 2,
                                                                      "minors": 3}
    assert {s["key"]: s["reports"] for s in body["sources"]}["police"] == 1
    assert {c["key"]: c["families"] for c in body["prevention"]} == {"sop": 0, "tzs": 1, "total": 1}
    quarterly = client.get(f"/api/v1/statistics/quarterly?{Q2}&kind=uszn_to_kdn", headers=boss).json()
    assert quarterly["figures"]["families"] == 1 and quarterly["figures"]["visits_home"] == 1
    discipline = client.get("/api/v1/statistics/discipline?from=2024-01-01&to=2025-03-03", headers=boss).json()
    steps = {s["key"]: s for s in discipline["by_step"]}
    assert steps["child_report:order_inspection"]["late"] == 1 and steps["child_report:order_inspection"]["met"] == 1
    denied = client.get("/api/v1/statistics/annual", headers=data.token("curator"))
    assert denied.status_code == 403 and denied.json()["error"] == "forbidden"
    assert client.get("/api/v1/statistics/discipline", headers=data.token("secretary")).status_code == 403
    assert client.get("/api/v1/statistics/annual").status_code == 401
    bad = client.get("/api/v1/statistics/annual?from=2024-02-30", headers=boss)
    assert bad.status_code == 422 and bad.json()["details"] == {"fields": {"from": "ожидается дата ГГГГ-ММ-ДД"}}
    assert client.get("/api/v1/statistics/quarterly?quarter=0", headers=boss).status_code == 422
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/v1/statistics/annual" in paths and not any(p.startswith("/statistics") for p in paths)
