"""«Ждут вашего решения» on «Мои дела» and ``GET /api/v1/cases?unassigned=true``: open cases nobody is assigned
to, shown to whoever can see them and act on them now — the УСО director's support order waiting for a curator.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from freezegun import freeze_time

from tests.e2e.conftest import Web
from tests.world import START


@pytest.fixture
def frozen(web: Web) -> Iterator[Any]:
    assert web.client.get("/__warm-up__").status_code == 404  # build the routes before freezegun replaces ``date``
    with freeze_time(START) as f:
        yield f


def order_without_curator(web: Web) -> tuple[int, int]:
    """(report case, family support case): the Agency recognised the family in a difficult situation and sent
    the support order to the УСО, whose director has not appointed a curator yet."""
    process = web.process
    report_case = process.to_safety_control()
    process.close_safety_items(report_case)
    process.fire("agent", report_case, "classify_tzs",
                 {"uso": web.world.orgs["uso"], "grounds": "Мать потеряла работу"})
    support = process.started_case(report_case, "family_support")
    assert process.case(support).state == "order_received" and process.case(support).assignee_id is None
    return report_case, support


def section(page: str, testid: str) -> dict[int, str]:
    """The rows of the case table ``testid`` on a page: case id → the row's HTML."""
    table = re.search(rf'<table class="grid cases cards" data-testid="{testid}">(.*?)</table>', page, re.S)
    if table is None:
        return {}
    rows = re.findall(r'<tr class="[^"]*" data-case="(\d+)">(.*?)</tr>', table.group(1), re.S)
    return {int(case_id): row for case_id, row in rows}


def test_the_director_finds_the_order_waiting_for_a_curator_on_the_home_page(web: Web, frozen: Any) -> None:
    _, support = order_without_curator(web)
    director = web.client_for("director")
    page = director.get("/").text
    assert "Ждут вашего решения" in page and "Сейчас за вами нет дел" in page  # nothing assigned to her yet
    waiting = section(page, "awaiting")
    assert list(waiting) == [support]
    assert "Назначить куратора" in waiting[support] and "Поручение об организации сопровождения получено УСО" \
        in waiting[support]
    assert support not in section(page, "urgent")  # listed once

    # a curator of the same УСО sees the case but may not appoint; one of another district does not see it at all
    curator = web.client_for("curator")
    assert f'data-case="{support}"' in curator.get("/cases").text
    assert curator.get(f"/cases/{support}").status_code == 200
    for client in (curator, web.client_for("other_curator")):
        other = client.get("/").text
        assert "Ждут вашего решения" not in other and support not in section(other, "awaiting")
    assert web.client_for("other_curator").get(f"/cases/{support}").status_code == 404

    web.process.fire("director", support, "appoint_curator", {"curator": web.world.users["curator2"]})
    after = director.get("/").text
    assert support not in section(after, "awaiting") and "Ждут вашего решения" not in after
    assert support in section(web.client_for("curator2").get("/").text, "worklist")  # now the curator's own case


def test_the_api_filters_unassigned_cases(web: Web, frozen: Any) -> None:
    report_case, support = order_without_curator(web)
    director = web.token("director")
    unassigned = web.client.get("/api/v1/cases", params={"unassigned": "true"}, headers=director).json()
    assert [c["id"] for c in unassigned["items"]] == [support] and unassigned["total"] == 1
    everything = web.client.get("/api/v1/cases", headers=director).json()
    assert {c["id"] for c in everything["items"]} >= {support}
    events = web.client.get(f"/api/v1/cases/{support}", headers=director).json()["events"]
    assert "appoint_curator" in [e["event"] for e in events]  # what «Ждут вашего решения» keeps
    boss = web.token("boss")  # the report case is the Agency's, so the territory sees only the order unassigned
    assert [c["id"] for c in web.client.get("/api/v1/cases?unassigned=true", headers=boss).json()["items"]] == [support]
    assert report_case not in [c["id"] for c in web.client.post(
        "/api/v1/search/cases", json={"unassigned": True}, headers=boss).json()["items"]]
    other = web.token("other_boss")
    assert web.client.get("/api/v1/cases?unassigned=true", headers=other).json()["total"] == 0

    web.process.fire("director", support, "appoint_curator", {"curator": web.world.users["curator2"]})
    assert web.client.get("/api/v1/cases?unassigned=true", headers=director).json()["total"] == 0


def test_the_kdn_secretary_finds_the_conclusion_waiting_for_the_commission(web: Web, frozen: Any) -> None:
    """Not only the director: a conclusion sent to the commission waits for its secretary, nobody's case yet."""
    process = web.process
    _, kdn = process.to_kdn()
    process.fire("agent", kdn, "submit_draft", {"grounds": "Систематическое пьянство родителей",
                                                "proposed_measures": "Признать семью в СОП"})
    secretary = web.client_for("secretary")
    assert kdn not in section(secretary.get("/").text, "awaiting")  # the guardianship has not sent it yet
    process.fire("opeka", kdn, "approve_and_send", {"kdn": web.world.orgs["kdn"]})
    assert process.case(kdn).assignee_id is None
    waiting = section(secretary.get("/").text, "awaiting")
    assert list(waiting) == [kdn] and "Назначить рассмотрение на заседании" in waiting[kdn]
    assert kdn not in section(web.client_for("director").get("/").text, "awaiting")
