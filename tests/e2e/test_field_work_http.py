"""Field work over HTTP: a form sent after the session expired is kept for its user and this browser (never a
405, never executed), errors tied to their fields, the PWA's manifest and worker, deadline titles that name
their plan measure (worklist, case page, overdue, inbox), and event dates in the future refused in the UI and
the API.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from freezegun import freeze_time

from api.tables import AuthSession
from engine.tables import table_of
from notifications import jobs
from notifications.config import NotifyConfig
from tests.e2e.conftest import Web, post_login
from tests.e2e.test_ui import act, form_of, label_of
from tests.world import START

SES = table_of(AuthSession)


@pytest.fixture
def frozen(web: Web) -> Iterator[Any]:
    assert web.client.get("/__warm-up__").status_code == 404  # routes built before freezegun (see test_ui)
    with freeze_time(START) as f:
        yield f


def expire_sessions(web: Web) -> None:
    with web.svc.db.unit_of_work() as tx:
        tx.connection.execute(sa.update(SES).values(expires_at=web.svc.runtime.clock.now() - timedelta(seconds=1)))
        tx.commit()


def visits(web: Web, case_id: int) -> int:
    return int(web.process.rows("select count(*) as n from visit where case_id = :c", c=case_id)[0].n)


def test_a_form_sent_with_an_expired_session_is_kept_for_its_user_and_shown_again(web: Web, frozen: Any) -> None:
    _, support = web.process.to_support()
    curator = web.client_for("curator")
    url = f"/cases/{support}/actions/record_visit"
    hidden = form_of(curator.get(f"/cases/{support}").text, url)
    expire_sessions(web)
    data = {**hidden, "f_kind": "home", "f_notes": "Заметки <b>о посещении</b>", "f_visited_on": "2025-03-03"}
    response = curator.post(url, data=data, headers={"Referer": f"http://testserver/cases/{support}"})
    assert response.status_code == 303  # not a 405 after the login
    assert response.headers["location"] == f"/login?next=/cases/{support}&kept=1"
    assert visits(web, support) == 0
    kept = web.process.rows("select criteria from saved_search where kind = 'pending_form'")
    assert len(kept) == 1
    criteria = json.loads(kept[0].criteria) if isinstance(kept[0].criteria, str) else kept[0].criteria
    assert "csrf" not in criteria["values"] and "expected_version" not in criteria["values"]
    assert criteria["values"]["f_notes"] == "Заметки <b>о посещении</b>"
    assert "Введённое сохранено" in curator.get(response.headers["location"]).text

    assert post_login(curator, "curator", next=f"/cases/{support}").status_code == 303
    page = curator.get(f"/cases/{support}")
    assert 'data-testid="restored"' in page.text
    data_block = re.search(r'<script type="application/json" id="pending-form">(.*?)</script>', page.text, re.S)
    assert data_block and "<b>" not in data_block.group(1)  # escaped inside the script element
    assert json.loads(data_block.group(1))["values"]["f_notes"] == "Заметки <b>о посещении</b>"
    assert json.loads(data_block.group(1))["action"] == url
    assert visits(web, support) == 0  # shown, never executed
    assert 'id="pending-form"' not in curator.get(f"/cases/{support}").text  # read once


def test_a_kept_form_is_not_shown_to_another_user_nor_on_another_page(web: Web, frozen: Any) -> None:
    _, support = web.process.to_support()
    curator = web.client_for("curator")
    url = f"/cases/{support}/actions/record_visit"
    hidden = form_of(curator.get(f"/cases/{support}").text, url)
    expire_sessions(web)
    curator.post(url, data={**hidden, "f_kind": "home", "f_notes": "Чужим не показывать"})
    assert post_login(curator, "director").status_code == 303  # someone else logs in on this browser
    assert "Чужим не показывать" not in curator.get(f"/cases/{support}").text
    other = web.client_for("curator")  # the same user in another browser: no cookie, nothing shown
    assert "Чужим не показывать" not in other.get(f"/cases/{support}").text


def test_a_post_without_any_session_goes_to_the_login_without_keeping_anything(web: Web, frozen: Any) -> None:
    _, support = web.process.to_support()
    anonymous = TestClient(web.client.app, follow_redirects=False)
    response = anonymous.post(f"/cases/{support}/actions/record_visit", data={"f_notes": "Кто это?"})
    assert response.status_code == 303 and response.headers["location"] == f"/login?next=/cases/{support}"
    assert web.process.rows("select count(*) as n from saved_search where kind = 'pending_form'")[0].n == 0


def test_form_errors_are_tied_to_their_fields(web: Web, frozen: Any) -> None:
    case_id = web.process.to_inspection()
    response = act(web.client_for("agent"), case_id, "record_inspection", {"living_conditions": "", "safety": "x"})
    assert response.status_code == 422
    label = label_of(response.text, "f_living_conditions")
    assert 'id="field-living_conditions" aria-invalid="true" aria-describedby="error-living_conditions"' in label
    assert '<span class="field-error" id="error-living_conditions" role="alert">' in label


def test_the_pwa_manifest_and_service_worker_come_from_the_site(web: Web) -> None:
    worker = web.client.get("/sw.js")
    assert worker.status_code == 200 and worker.headers["content-type"].startswith("text/javascript")
    assert worker.headers["service-worker-allowed"] == "/" and worker.headers["cache-control"] == "no-cache"
    manifest = web.client.get("/manifest.webmanifest")
    assert manifest.headers["content-type"] == "application/manifest+json"
    assert manifest.json()["scope"] == "/" and manifest.json()["lang"] == "ru"
    page = web.client_for("curator").get("/").text
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page and '<script src="/static/app.js"' in page
    assert '<a class="skip" href="#main">' in page and '<main class="page" id="main"' in page


def test_deadline_titles_name_their_measure(web: Web, frozen: Any) -> None:
    _, support = web.process.to_support()  # an approved plan with «Помощь в трудоустройстве матери»
    title = "Мероприятие плана сопровождения: Помощь в трудоустройстве матери"
    curator = web.client_for("curator")
    assert title in curator.get(f"/cases/{support}").text
    frozen.tick(timedelta(days=45))
    web.process.fire("curator", support, "record_visit", {"kind": "home", "notes": "Был"})  # the next visit: later
    curator = web.client_for("curator")  # the session did not last 45 days
    assert title in curator.get("/").text  # the worklist's nearest deadline
    boss = web.client_for("boss")
    assert title in boss.get("/supervisor").text
    web.process.sweep()
    jobs.tick(web.svc, NotifyConfig.from_settings(web.app.settings))
    titles = [r.title for r in web.process.rows("select title from inbox_item where user_id = :u",
                                                 u=web.world.users["curator"])]
    assert any("«Мероприятие плана сопровождения: Помощь в трудоустройстве матери»" in t for t in titles), titles
    assert "Помощь в трудоустройстве матери" in curator.get("/notifications").text
    mailed = [r.title for r in web.process.rows("select title from notification")]
    assert mailed and not any("трудоустройстве" in t for t in mailed)  # e-mails and webhooks carry no measure


def test_future_dates_are_refused_in_the_ui_and_the_api(web: Web, frozen: Any) -> None:
    _, support = web.process.to_support()
    curator = web.client_for("curator")
    page = curator.get(f"/cases/{support}").text
    assert 'max="2025-03-03"' in label_of(page, "f_visited_on")
    response = act(curator, support, "record_visit", {"visited_on": "2026-03-03", "kind": "home", "notes": "Был"})
    assert response.status_code == 422
    assert "дата не может быть позже сегодняшнего дня (03.03.2025)" in label_of(response.text, "f_visited_on")
    api = web.client.post(f"/api/v1/cases/{support}/events/record_visit", headers=web.token("curator"),
                          json={"visited_on": "2026-03-03", "kind": "home", "notes": "Был"})
    assert api.status_code == 422 and api.json()["error"] == "payload_invalid"
    assert "visited_on" in json.dumps(api.json()["details"])
    assert visits(web, support) == 0
