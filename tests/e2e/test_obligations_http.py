"""The reporting calendar's stored obligations over HTTP: the REST API (list, submit with a file, return with a
reason, accept, roll-up, roadmap item, overdue list, structured errors) and the pages (/obligations with its
forms, the overdue section of the supervisor's dashboard)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any

import pytest
from freezegun import freeze_time

from cases import obligation_work
from tests.adults import add_adult_world
from tests.e2e.conftest import Web
from tests.e2e.test_api import Api, Bed, error, ok
from tests.integration.test_obligation_work import PDF, xlsx
from tests.world import START

PDF_FILE = ("отчёт.pdf", PDF, "application/pdf")


@pytest.fixture
def bed(web: Web) -> Iterator[Bed]:
    add_adult_world(web.process)
    with freeze_time(START) as factory:
        obligation_work.open_obligations(web.svc.db, web.svc.runtime)
        yield Bed(web, factory)


def _move(bed: Bed, day: date) -> None:
    bed.frozen.move_to(datetime.combine(day, time(10), tzinfo=bed.web.svc.runtime.calendar.zone))


def _find(api: Api, org_id: int, report: str, first: str) -> dict[str, Any]:
    rows = ok(api.get("/obligations", params={"year": 2025, "org_id": org_id}))
    return next(r for r in rows if r["report"] == report and r["period_first"] == first)


def test_submit_return_accept_and_the_roll_up_over_rest(bed: Bed) -> None:
    w = bed.web.world
    provider, opeka, director = bed.as_("provider"), bed.as_("opeka"), bed.as_("director")
    part = _find(provider, w.orgs["provider"], "provider_forms", "2025-01-01")
    assert ok(provider.get("/obligations")) == ok(provider.get("/obligations", params={"year": 2025}))  # this year
    assert part["state"] == "due" and part["may_submit"] and part["recipient_name"] == "УСЗН Сургутского района"
    rollup = _find(opeka, w.orgs["opeka"], "uszn_control", "2025-01-01")
    assert rollup["waiting_for_parts"] and rollup["due_on"] is None
    path = f"/obligations/{part['id']}"
    error(provider.client.post("/api/v1" + path + "/submit", headers=provider.headers,
                               files={"file": ("a.txt", b"hello", "text/plain")}), 422, "input_invalid")
    error(opeka.client.post("/api/v1" + path + "/submit", headers=opeka.headers, files={"file": PDF_FILE}), 403,
          "forbidden")
    done = ok(provider.client.post("/api/v1" + path + "/submit", headers=provider.headers,
                                   files={"file": PDF_FILE}, data={"note": "за I квартал"}))
    assert done["state"] == "submitted" and done["filename"] == "отчёт.pdf"
    error(provider.client.post("/api/v1" + path + "/submit", headers=provider.headers, files={"file": PDF_FILE}),
          409, "conflict")
    assert [r["id"] for r in ok(opeka.get("/obligations/to-accept"))] == [part["id"]]
    error(opeka.post(path + "/return", {"reason": ""}), 422, "request_invalid")
    error(director.post(path + "/accept", {}), 404, "not_found")
    returned = ok(opeka.post(path + "/return", {"reason": "Нет подписи руководителя"}))
    assert returned["state"] == "returned" and returned["reason"] == "Нет подписи руководителя"
    ok(provider.client.post("/api/v1" + path + "/submit", headers=provider.headers,
                            files={"file": ("формы.xlsx", xlsx(), "application/octet-stream")}))
    got = opeka.get(path + "/file")
    assert got.status_code == 200 and got.content.startswith(b"PK") and "xlsx" in got.headers["content-disposition"]
    accepted = ok(opeka.post(path + "/accept", {}))
    assert [h["kind"] for h in accepted["history"]] == ["submitted", "returned", "submitted", "accepted"]
    # the УСО's part too: the roll-up now has a due day
    uso_part = _find(director, w.orgs["uso"], "provider_forms", "2025-01-01")
    ok(director.client.post(f"/api/v1/obligations/{uso_part['id']}/submit", headers=director.headers,
                            files={"file": PDF_FILE}))
    ok(opeka.post(f"/obligations/{uso_part['id']}/accept", {}))
    assert _find(opeka, w.orgs["opeka"], "uszn_control", "2025-01-01")["due_on"] == "2025-04-03"
    error(opeka.get("/obligations/999999"), 404, "not_found")


def test_roadmap_items_and_the_overdue_list(bed: Bed) -> None:
    w = bed.web.world
    boss = bed.as_("boss")
    item = ok(boss.post("/obligations/roadmap", {"org_id": w.orgs["rc"], "title": "Семинар для специалистов УСЗН",
                                                 "due_on": "2025-03-15", "source": "дорожная карта, п. 2.4"}), 201)
    assert item["due_on"] == "2025-03-17" and item["kind"] == "roadmap"  # Saturday → Monday
    listed = ok(boss.get("/obligations/roadmap", params={"year": 2025, "org_id": w.orgs["rc"]}))
    assert [r["id"] for r in listed] == [item["id"]] and listed[0]["source"] == "дорожная карта, п. 2.4"
    error(boss.post("/obligations/roadmap", {"org_id": w.orgs["rc"], "title": "Семинар для специалистов УСЗН",
                                             "due_on": "2025-03-15", "source": "п. 2.4"}), 409, "conflict")
    error(bed.as_("curator").post("/obligations/roadmap", {"org_id": w.orgs["rc"], "title": "Другое",
                                                           "due_on": "2025-03-20", "source": "п. 1"}), 403, "forbidden")
    error(boss.post("/obligations/roadmap", {"org_id": w.orgs["rc"], "title": "", "due_on": "2025-03-20",
                                             "source": "п. 1"}), 422, "request_invalid")
    _move(bed, date(2025, 3, 31))
    late = ok(boss.get("/obligations/overdue"))
    assert {(r["org_name"], r["report"]) for r in late} >= {("АНО «Дом надежды»", "monthly_statistics"),
                                                             ("Центр социальной адаптации", item["report"])}
    error(bed.as_("curator").get("/obligations/overdue"), 403, "forbidden")
    # the supervisor's dashboard lists them
    page = bed.web.client_for("boss").get("/supervisor")
    assert page.status_code == 200 and 'data-testid="overdue-obligations"' in page.text
    assert "Семинар для специалистов УСЗН" in page.text and "АНО «Дом надежды»" in page.text


def test_the_obligations_page_submits_and_accepts(bed: Bed) -> None:
    w = bed.web.world
    client = bed.web.client_for("provider")
    page = client.get("/obligations")
    assert page.status_code == 200 and "Отчётность" in page.text and "obligations.ics" in page.text
    assert 'href="/obligations"' in page.text  # in the menu
    part = _find(bed.as_("provider"), w.orgs["provider"], "provider_forms", "2025-01-01")
    csrf = bed.web.csrf(client, "/obligations")
    refused = client.post(f"/obligations/{part['id']}/submit", data={"csrf": csrf},
                          files={"file": ("a.txt", b"hello", "text/plain")})
    assert refused.status_code == 422 and "PDF, DOCX или XLSX" in refused.text
    sent = client.post(f"/obligations/{part['id']}/submit", data={"csrf": csrf}, files={"file": PDF_FILE})
    assert sent.status_code == 303
    opeka = bed.web.client_for("opeka")
    listed = opeka.get("/obligations")
    assert listed.status_code == 200 and f'action="/obligations/{part["id"]}/accept"' in listed.text
    back = opeka.post(f"/obligations/{part['id']}/return", data={"csrf": bed.web.csrf(opeka, "/obligations"),
                                                                 "reason": ""})
    assert back.status_code == 422
    done = opeka.post(f"/obligations/{part['id']}/accept", data={"csrf": bed.web.csrf(opeka, "/obligations")})
    assert done.status_code == 303
    assert _find(bed.as_("opeka"), w.orgs["opeka"], "uszn_control", "2025-01-01")["waiting_for_parts"]
    # the head of the territory picks another organisation
    other = bed.web.client_for("boss").get("/obligations", params={"org": w.orgs["provider"]})
    assert other.status_code == 200 and "АНО «Дом надежды»" in other.text and "Принят" in other.text
    assert bed.web.client_for("curator").get("/obligations", params={"org": w.orgs["provider"]}).status_code == 403
