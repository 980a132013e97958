"""Webhooks: signed JSON POSTs filtered by kind and territory, retried with backoff, managed by the administrator."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest

from cases.errors import Forbidden, NotFound
from notifications import endpoints, fanout
from tests.integration.test_notifications import BASE_URL, Hook, Mailroom, mailroom, signed_correctly
from tests.process_steps import Process


@pytest.fixture
def mail(process: Process) -> Iterator[Mailroom]:
    with mailroom(process) as room:
        yield room


def _endpoint(mail: Mailroom, path: str, kinds: list[str], territory: str | None = None) -> tuple[int, str]:
    admin = mail.process.world["admin"]
    if territory:
        admin = replace(admin, territory=territory)
    return endpoints.register(mail.process.svc, admin, mail.config, name=f"Приёмник {path}",
                              url=mail.hooks.url(path), kinds=kinds)


def test_webhooks_are_signed_filtered_by_kind_and_territory_and_carry_no_personal_data(mail: Mailroom) -> None:
    _, escalation_secret = _endpoint(mail, "/escalations", ["deadline.escalation"])
    _, all_secret = _endpoint(mail, "/all", [])
    _endpoint(mail, "/other-territory", [], territory="nefteyugansk")
    p = mail.process
    case_id = p.to_inspection()
    mail.tick(days=14)
    p.sweep()
    mail.run()
    by_path: dict[str, list[Hook]] = {}
    for hook in mail.hooks.hooks:
        by_path.setdefault(hook.path, []).append(hook)
    assert sorted(h.json["kind"] for h in by_path["/escalations"]) == ["deadline.escalation"] * 2
    # every event of the territory, also the registration's assignment that no person was told about
    assert sorted(h.json["kind"] for h in by_path["/all"]) == ["case.assigned", "case.assigned", "deadline.escalation",
                                                               "deadline.escalation", "deadline.reminder"]
    assert "/other-territory" not in by_path
    for hook in by_path["/escalations"]:
        assert signed_correctly(hook, escalation_secret) and not signed_correctly(hook, all_secret)
        body = hook.json
        assert hook.headers["x-opora-delivery"] == body["id"] and body["id"].endswith("|webhook|w1")
        assert hook.headers["x-opora-event"] == "deadline.escalation"
        assert body["case_id"] == case_id and body["url"] == f"{BASE_URL}/cases/{case_id}"
        facts = {f["label"]: f["value"] for f in body["facts"]}
        assert facts["Основание"] == "СК РФ ст. 122 п. 1" and facts["Срок"].startswith("Обследовать")
        assert body["data"]["deadline"] == "inspect" and body["data"]["level"] in (1, 2)
        assert "Иванов" not in hook.body.decode()
    assert all(signed_correctly(h, all_secret) for h in by_path["/all"])
    assert mail.run().sent == 0  # nothing twice


def test_a_failing_webhook_is_retried_with_backoff_given_up_and_retried_by_the_admin(mail: Mailroom) -> None:
    _, secret = _endpoint(mail, "/flaky", ["case.assigned"])
    mail.hooks.statuses = [500] * 13
    p = mail.process
    p.register()  # one event: the new case assigned to the officer who registered it
    start = p.now()
    waits = [0, 1, 5, 30, 120, *[360] * 8]  # minutes after the previous failure: about two days in all
    for wait in waits:
        mail.tick(minutes=wait)
        early = mail.run()
        assert early.retried + early.failed == 1, (wait, early)
        mail.tick(seconds=59)  # not due before its time
        quiet = mail.run()
        assert quiet.sent + quiet.retried + quiet.failed == 0
        mail.tick(seconds=-59)
    admin = p.world["admin"]
    log = p.svc.read(endpoints.recent_deliveries, admin, failed_only=True)
    assert len(log) == 1 and log[0].status == "failed" and log[0].attempts == 13
    assert [t.at - start for t in log[0].tries] == [timedelta(minutes=m) for m in itertools.accumulate(waits)]
    assert all(not t.ok and t.detail == "HTTP 500" for t in log[0].tries)  # the status only, never the body
    assert mail.hooks.hooks == []
    p.svc.execute(endpoints.retry, admin, log[0].id)
    assert mail.run().sent == 1
    assert len(mail.hooks.hooks) == 1 and signed_correctly(mail.hooks.hooks[0], secret)
    with pytest.raises(Forbidden):
        p.svc.read(endpoints.recent_deliveries, p.world["boss"])


def test_a_disabled_endpoint_gets_nothing_more(mail: Mailroom) -> None:
    endpoint_id, _ = _endpoint(mail, "/off", [])
    p = mail.process
    p.register()
    fanout.fan_out(p.svc, mail.config)  # the delivery to the endpoint exists …
    p.svc.execute(endpoints.set_active, p.world["admin"], endpoint_id, False)
    report = mail.run()  # … but the endpoint was switched off before it was sent
    assert report.failed == 1 and mail.hooks.hooks == []
    assert p.rows("select last_error from notification_delivery where channel = 'webhook'")[0][0] == \
        "приёмник отключён администратором"
    p.fire("opeka", p.rows("select id from wf_instance")[0][0], "order_inspection",
           {"agency_unit": p.world.orgs["agency"], "inspector": p.world.users["agent"]})
    assert mail.run().messages == 1
    assert p.rows("select count(*) from notification_delivery where channel = 'webhook'")[0][0] == 1
    with pytest.raises(NotFound):  # another territory's administrator cannot touch it
        p.svc.execute(endpoints.set_active, replace(p.world["admin"], territory="nefteyugansk"), endpoint_id, True)
