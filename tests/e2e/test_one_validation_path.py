"""One validation path: a web form is checked by the REST API's own input model, so the same bad input gets the
same Russian message next to the form's field as in the API's 422 body."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import Web
from tests.e2e.test_ui import form_of, label_of
from tests.world import START


@pytest.fixture
def frozen(web: Web) -> Iterator[Any]:
    from freezegun import freeze_time

    assert web.client.get("/__warm-up__").status_code == 404
    assert web.client.get("/api/v1/-").status_code == 404
    with freeze_time(START) as f:
        yield f


def shown(page: str, name: str) -> str:
    """The message the form shows beside the input ``name``."""
    match = re.search(r'class="field-error"[^>]*>([^<]*)<', label_of(page, name))
    assert match, f"no message beside {name}"
    return html.unescape(match.group(1))


def answered(response: Any, field: str) -> str:
    """The message of the API's 422 body for ``field``."""
    assert response.status_code == 422, response.text
    return str(next(d["message"] for d in response.json()["details"] if d["field"] == field))


@pytest.mark.parametrize(("field", "value"), [
    ("due_date", "2025-02-31"),  # no such day
    ("due_date", "завтра"),
    ("measure", "м" * 2001),  # too long
    ("responsible_org_id", "школа"),  # not a number
    ("threat", "звонок\x07"),  # a control character
])
def test_a_plan_measure_refused_alike_in_the_form_and_the_api(web: Web, frozen: Any, field: str, value: str) -> None:
    case_id = web.process.to_inspection()
    web.process.fire("agent", case_id, "record_inspection", {"living_conditions": "Норма", "safety": "safe"})
    web.process.fire("agent", case_id, "confirm", {"summary": "Подтвердилось"})
    good = {"measure": "Горячее питание", "due_date": "2025-03-10", "responsible": "Школа", "threat": ""}
    agent = web.client_for("agent")
    url = f"/cases/{case_id}/plan/items"
    form = agent.post(url, data={**form_of(agent.get(f"/cases/{case_id}").text, url), **good, field: value})
    assert form.status_code == 422
    api = web.client.post(f"/api/v1/cases/{case_id}/plan-items", headers=web.token("agent"),
                          json={**good, field: int(value) if value.isdigit() else value})
    assert shown(form.text, field) == answered(api, field)
    assert web.process.rows("select count(*) from plan_item")[0][0] == 0  # nothing stored by either


def test_an_execution_report_refused_alike(web: Web, frozen: Any) -> None:
    _, kdn = web.process.to_execution()
    secretary = web.client_for("secretary")
    url = f"/cases/{kdn}/execution-reports"
    bad = {"org_id": "школа", "received_on": "03.13.2025", "text": "Посещает школу"}
    form = secretary.post(url, data={**form_of(secretary.get(f"/cases/{kdn}").text, url), **bad})
    api = web.client.post(f"/api/v1/cases/{kdn}/execution-reports", headers=web.token("secretary"),
                          json={**bad, "received_on": "2025-13-03"})
    assert form.status_code == 422
    for field in ("org_id", "received_on"):
        assert shown(form.text, field) == answered(api, field), field


def test_a_report_refused_alike_in_the_form_and_the_api(web: Web, frozen: Any) -> None:
    client = web.client_for("opeka")
    hidden = form_of(client.get("/reports/new").text, "/reports/new")
    form = client.post("/reports/new", data={
        **hidden, "step": "save", "source_type": "gossip", "channel": "written", "received_at": "2025-03-03T09:00",
        "text": "Ребёнок\x00 голоден", "c0_last": "Иванов", "c0_first": "Олег", "c0_birth": "2016-02-30"})
    api = web.client.post("/api/v1/reports", headers=web.token("opeka"), json={
        "source_type": "gossip", "channel": "written", "received_at": "2025-03-03T09:00:00+05:00",
        "text": "Ребёнок\x00 голоден", "children": [{"last_name": "Иванов", "first_name": "Олег",
                                                    "birth_date": "2016-02-30"}]})
    assert form.status_code == 422
    assert shown(form.text, "source_type") == answered(api, "source_type")
    assert shown(form.text, "text") == answered(api, "text")
    assert shown(form.text, "c0_birth") == answered(api, "children.0.birth_date")
    assert web.process.rows("select count(*) from report")[0][0] == 0


@pytest.mark.parametrize(("field", "value"), [("birth_date", "2014-13-01"), ("name", "Я" * 201)])
def test_a_registry_search_refused_alike(web: Web, frozen: Any, field: str, value: str) -> None:
    client = web.client_for("opeka")
    form = client.post("/registry", data={"csrf": web.csrf(client, "/registry"), field: value})
    api = web.client.post("/api/v1/registry/search", headers=web.token("opeka"), json={field: value})
    assert form.status_code == 422
    assert shown(form.text, field) == answered(api, field)
