"""Notifications over HTTP: the bell and the inbox, preferences, the administrator's webhooks, the REST API."""

from __future__ import annotations

import re
import socket
from datetime import timedelta

from freezegun import freeze_time

from notifications import jobs, preferences
from notifications.config import NotifyConfig
from tests.e2e.conftest import Web
from tests.world import START


def deliver(web: Web) -> jobs.NotifyReport:
    return jobs.tick(web.svc, NotifyConfig.from_settings(web.app.settings))


def inbox_ids(web: Web, login: str) -> list[int]:
    return [r.id for r in web.process.rows("select id from inbox_item where user_id = :u order by id",
                                           u=web.world.users[login])]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_bell_the_inbox_and_marking_read_with_csrf(web: Web) -> None:
    with freeze_time(START) as frozen:
        case_id = web.process.to_inspection()
        deliver(web)
        client = web.client_for("agent")
        home = client.get("/")
        assert re.search(r'data-testid="unread">1<', home.text)
        page = client.get("/notifications")
        assert page.status_code == 200
        assert f"Вам передано дело № {case_id}: Сообщение о нарушении прав ребёнка" in page.text
        assert f'href="/cases/{case_id}"' in page.text and "Семья Иванов" in page.text
        (message,) = inbox_ids(web, "agent")
        forged = client.post(f"/notifications/{message}/read", data={"csrf": "forged"})
        assert forged.status_code == 403
        assert client.post(f"/notifications/{message}/read", data={"csrf": web.csrf(client)}).status_code == 303
        assert "прочитано" in client.get("/notifications").text
        assert 'data-testid="unread"' not in client.get("/").text

        frozen.tick(timedelta(days=14))
        web.process.sweep()
        deliver(web)
        client = web.client_for("agent")  # a new session: the old one has expired in the meantime
        page = client.get("/notifications")
        titles = re.findall(r"<b>(Нарушен срок[^<]*|Напоминание[^<]*)</b>", page.text)
        assert len(titles) == 2  # the unread ones, shown first and in bold
        assert page.text.index(titles[0]) < page.text.index("Вам передано дело")
        assert 'class="tag danger"' in page.text  # the escalation stands out
        # someone else's message (the supervisor's escalation) cannot be marked through this user's session
        (foreign,) = inbox_ids(web, "boss")
        done = client.post("/notifications/read-all", data={"csrf": web.csrf(client)})
        assert done.status_code == 303
        assert "Отмечено прочитанными: 2" in client.get(done.headers["location"]).text
        client.post(f"/notifications/{foreign}/read", data={"csrf": web.csrf(client)})
        assert web.process.rows("select read_at from inbox_item where id = :i", i=foreign)[0][0] is None
        assert client.get("/notifications?page=zz&unread=1").status_code == 200
        assert client.post("/notifications/abc/read", data={"csrf": web.csrf(client)}).status_code == 422
        assert client.post("/notifications/99999999999/read", data={"csrf": web.csrf(client)}).status_code == 422


def test_preferences_page_shows_escalations_locked_and_saves_the_choice(web: Web) -> None:
    client = web.client_for("curator")
    page = client.get("/me/notifications")
    assert page.status_code == 200
    # the escalation row: the inbox box is locked on, the e-mail box may change
    row = page.text.split('data-kind="deadline.escalation"')[1].split("</tr>")[0]
    assert "disabled" in row and 'data-testid="locked"' in row and 'name="on"' in row
    assert 'value="case.assigned:email" checked' in page.text  # default: assignments by e-mail
    assert 'data-testid="no-email"' in page.text
    refused = client.post("/me/notifications", data={"csrf": "forged", "on": []})
    assert refused.status_code == 403
    saved = client.post("/me/notifications", data={"csrf": web.csrf(client), "on": [
        "case.assigned:inbox", "case.assigned:digest", "deadline.reminder:email", "no.such:kind"]})
    assert saved.status_code == 303
    assert "Настройки уведомлений сохранены" in client.get("/me/notifications").text
    with web.svc.db.read() as tx:
        chosen = {c.kind: {k for k, on in c.channels.items() if on}
                  for c in preferences.choices(tx, web.world.users["curator"])}
    assert chosen["case.assigned"] == {"inbox", "digest"}
    assert chosen["deadline.reminder"] == {"email"}
    assert chosen["deadline.escalation"] == {"inbox"}  # the box was not sent, the inbox stays on
    assert chosen["resolution_recorded"] == set()


def test_only_the_administrator_manages_webhooks_and_sees_the_delivery_log(web: Web) -> None:
    assert web.client_for("curator").get("/admin/webhooks").status_code == 403
    admin = web.client_for("admin")
    assert admin.get("/admin/webhooks").status_code == 200
    bad = admin.post("/admin/webhooks", data={"csrf": web.csrf(admin), "name": "", "url": "ftp://x",
                                              "kinds": ["deadline.escalation"]})
    assert bad.status_code == 422
    assert "укажите адрес http:// или https://" in bad.text and "укажите название" in bad.text
    url = f"http://127.0.0.1:{closed_port()}/hook"
    inside = admin.post("/admin/webhooks", data={"csrf": web.csrf(admin), "name": "Внутренний", "url": url})
    assert inside.status_code == 422 and "адрес этого же компьютера" in inside.text  # no requests into the network
    web.app.settings.webhook_allow_hosts = "127.0.0.1"  # … unless the operator allows the host by name
    added = admin.post("/admin/webhooks", data={"csrf": web.csrf(admin), "name": "Региональная система",
                                                "url": url, "kinds": ["case.assigned"]})
    assert added.status_code == 200
    secret = re.search(r'data-testid="new-secret">[^<]*<code>([0-9a-f]{48})</code>', added.text)
    assert secret, added.text
    endpoint_id = web.process.rows("select id from webhook_endpoint")[0][0]
    assert secret.group(1) not in admin.get("/admin/webhooks").text  # shown once
    web.process.register()
    report = deliver(web)
    assert report.retried == 1  # nobody listens there: retried later
    log = admin.get("/admin/webhooks").text
    assert "ожидает отправки" in log and "следующая попытка" in log and "ConnectError" in log
    assert admin.post(f"/admin/webhooks/{endpoint_id}/disable", data={"csrf": web.csrf(admin)}).status_code == 303
    assert "отключён" in admin.get("/admin/webhooks").text
    assert admin.post(f"/admin/webhooks/{endpoint_id}/explode", data={"csrf": web.csrf(admin)}).status_code == 422
    assert admin.post(f"/admin/webhooks/{endpoint_id}/enable", data={"csrf": "forged"}).status_code == 403
    assert web.client_for("boss").post(f"/admin/webhooks/{endpoint_id}/enable",
                                       data={"csrf": "x"}).status_code == 403


def test_rest_api_lists_marks_read_and_sets_preferences(web: Web) -> None:
    web.process.to_inspection()
    deliver(web)
    headers = web.token("agent")
    listed = web.client.get("/api/v1/notifications", headers=headers).json()
    assert listed["total"] == 1 and listed["unread"] == 1
    item = listed["items"][0]
    assert item["kind"] == "case.assigned" and item["kind_title"] == "Дело передано мне"
    assert item["link"] == f"/cases/{item['case_id']}" and item["read_at"] is None
    for body in ({}, {"ids": []}, {"ids": [1], "all": True}, {"ids": ["x"]}):
        bad = web.client.post("/api/v1/notifications/read", json=body, headers=headers)
        assert bad.status_code == 422 and bad.json()["error"] == "request_invalid", body
    marked = web.client.post("/api/v1/notifications/read", json={"ids": [item["id"]]}, headers=headers).json()
    assert marked == {"marked": 1, "unread": 0}
    assert web.client.get("/api/v1/notifications?unread_only=true", headers=headers).json()["items"] == []
    assert web.client.post("/api/v1/notifications/read", json={"all": True}, headers=headers).json()["marked"] == 0

    prefs = web.client.get("/api/v1/notifications/preferences", headers=headers).json()
    escalation = next(i for i in prefs["items"] if i["kind"] == "deadline.escalation")
    assert escalation["locked"] == ["inbox"] and escalation["channels"]["inbox"] is True
    assert next(i for i in prefs["items"] if i["kind"] == "case.assigned")["channels"]["email"] is True
    changed = web.client.put("/api/v1/notifications/preferences", headers=headers,
                             json={"preferences": {"case.assigned": {"email": False, "digest": True}}})
    assert changed.status_code == 200
    assigned = next(i for i in changed.json()["items"] if i["kind"] == "case.assigned")
    assert assigned["channels"] == {"inbox": True, "email": False, "digest": True}
    locked = web.client.put("/api/v1/notifications/preferences", headers=headers,
                            json={"preferences": {"deadline.escalation": {"inbox": False}}})
    assert locked.status_code == 422 and locked.json()["error"] == "input_invalid"
    assert "отключить нельзя" in locked.json()["details"]["fields"]["deadline.escalation.inbox"]
    unknown = web.client.put("/api/v1/notifications/preferences", headers=headers,
                             json={"preferences": {"nonsense": {"inbox": True}}})
    assert unknown.status_code == 422 and "nonsense" in unknown.json()["details"]["fields"]
    sms = web.client.put("/api/v1/notifications/preferences", headers=headers,
                         json={"preferences": {"case.assigned": {"sms": True}}})
    assert sms.status_code == 422 and sms.json()["error"] == "request_invalid"
    assert web.client.get("/api/v1/notifications").status_code == 401
    # with the session cookie, a change needs the CSRF header
    browser = web.client_for("agent")
    assert browser.post("/api/v1/notifications/read", json={"all": True}).status_code == 403
    paths = web.client.get("/openapi.json").json()["paths"]
    assert {"/api/v1/notifications", "/api/v1/notifications/read", "/api/v1/notifications/preferences"} <= set(paths)
    assert "/notifications" not in paths and "/admin/webhooks" not in paths
