"""Hand-overs over HTTP: the REST API (candidates, offer, accept, return, undo, errors as JSON) and the case page's
forms for the supervisor and the receiver (the worklist lists what awaits the receiver's answer)."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.e2e.conftest import CSRF
from tests.e2e.test_api import Bed, error, ok
from tests.e2e.test_api import bed as bed  # the fixture: the app at Monday 03.03.2025 09:00


def test_the_api_offers_to_a_candidate_who_accepts(bed: Bed) -> None:
    support = bed.web.process.to_support()[1]
    users = bed.web.world.users
    boss = bed.as_("boss")
    found = ok(boss.get(f"/cases/{support}/handover-candidates"))
    assert [c["label"] for c in found] == [
        "Морозова Елена Павловна — директор учреждения социального обслуживания, КЦСО Сургутского района",
        "Попов Дмитрий Игоревич — куратор семьи, КЦСО Сургутского района"]
    assert ok(bed.as_("curator").get(f"/cases/{support}/handover-candidates")) == []
    bare = error(boss.post(f"/cases/{support}/handovers", {"to_user_id": users["curator2"], "reason": " "}),
                 422, "input_invalid")
    assert bare["details"]["fields"] == {"reason": "укажите причину передачи"}
    wrong = error(boss.post(f"/cases/{support}/handovers", {"to_user_id": users["secretary"], "reason": "Отпуск"}),
                  422, "input_invalid")
    assert "to_user_id" in wrong["details"]["fields"]
    made = ok(boss.post(f"/cases/{support}/handovers", {"to_user_id": users["curator2"], "reason": "Отпуск"}), 201)
    assert made["status"] == "pending" and made["to_name"] == "Попов Дмитрий Игоревич"
    assert made["from_user_id"] == users["curator"] and made["status_title"] == "ждёт ответа"
    error(boss.post(f"/cases/{support}/handovers", {"to_user_id": users["director"], "reason": "Ещё"}),
          409, "conflict")
    receiver = bed.as_("curator2")
    assert [h["id"] for h in ok(receiver.get("/handovers"))] == [made["id"]]
    error(bed.as_("director").post(f"/handovers/{made['id']}/accept"), 404, "not_found")
    assert ok(bed.as_("curator").get(f"/cases/{support}"))["assignee_id"] == users["curator"]
    accepted = ok(receiver.post(f"/handovers/{made['id']}/accept"))
    assert accepted["status"] == "accepted" and accepted["decided_at"]
    assert ok(receiver.get(f"/cases/{support}"))["assignee_id"] == users["curator2"]
    assert [h["status"] for h in ok(boss.get(f"/cases/{support}/handovers"))] == ["accepted"]
    undone = ok(boss.post(f"/handovers/{made['id']}/undo"))
    assert undone["status"] == "undone" and ok(boss.get(f"/cases/{support}"))["assignee_id"] == users["curator"]


def test_the_api_returns_and_refuses_an_undo_the_next_day(bed: Bed) -> None:
    support = bed.web.process.to_support()[1]
    users = bed.web.world.users
    boss, receiver = bed.as_("boss"), bed.as_("curator2")
    first = ok(boss.post(f"/cases/{support}/handovers", {"to_user_id": users["curator2"], "reason": "Отпуск"}), 201)
    error(receiver.post(f"/handovers/{first['id']}/return", {"reason": ""}), 422, "input_invalid")
    returned = ok(receiver.post(f"/handovers/{first['id']}/return", {"reason": "Не мой участок"}))
    assert returned["status"] == "returned" and returned["answer"] == "Не мой участок"
    second = ok(boss.post(f"/cases/{support}/handovers", {"to_user_id": users["director"], "reason": "Сложная семья"}),
                201)
    bed.frozen.tick(timedelta(days=1))
    error(boss.post(f"/handovers/{second['id']}/undo"), 409, "conflict")
    error(bed.as_("other_boss").get(f"/cases/{support}/handovers"), 404, "not_found")


def test_the_supervisor_hands_over_on_the_case_page_and_the_receiver_accepts(bed: Bed) -> None:
    support = bed.web.process.to_support()[1]
    boss = bed.web.client_for("boss")
    page = boss.get(f"/cases/{support}").text
    assert "Попов Дмитрий Игоревич — куратор семьи, КЦСО Сургутского района" in page
    assert "Васильева Наталья Андреевна" not in page  # the KDN secretary cannot act on a support step
    form = re.search(r'action="/cases/\d+/handovers".*?name="csrf" value="([^"]+)".*?name="idem" value="([^"]+)"',
                     page, re.S)
    assert form
    csrf, idem = form.groups()
    curator2 = str(bed.web.world.users["curator2"])
    missing = boss.post(f"/cases/{support}/handovers", data={"csrf": csrf, "idem": idem, "to_user_id": curator2})
    assert missing.status_code == 422 and "укажите причину передачи" in missing.text
    sent = boss.post(f"/cases/{support}/handovers",
                     data={"csrf": csrf, "idem": idem + "2", "to_user_id": curator2, "reason": "Отпуск куратора"})
    assert sent.status_code == 303
    page = boss.get(f"/cases/{support}").text
    assert "Дело предложено сотруднику" in page and 'data-testid="handover-pending"' in page
    assert 'data-testid="handover-undo"' in page
    receiver = bed.web.client_for("curator2")
    worklist = receiver.get("/").text
    assert 'data-testid="offered"' in worklist and "Отпуск куратора" in worklist
    case_page = receiver.get(f"/cases/{support}").text
    assert 'data-testid="handover-accept"' in case_page
    accept = re.search(r'action="(/handovers/\d+/accept)".*?name="csrf" value="([^"]+)".*?name="idem" value="([^"]+)"',
                       case_page, re.S)
    assert accept
    done = receiver.post(accept.group(1), data={"csrf": accept.group(2), "idem": accept.group(3)})
    assert done.status_code == 303
    after = receiver.get(f"/cases/{support}").text
    assert "Дело принято: теперь вы ответственный" in after
    assert re.search(r'data-testid="assignee">Попов Дмитрий Игоревич<', after)
    assert "Дело предложено передать сотруднику" in after  # the history tells the story
    assert CSRF.search(after)
