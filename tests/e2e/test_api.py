"""The REST API under /api/v1: every endpoint's happy path and its errors, on a real database."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from freezegun import freeze_time
from freezegun.api import FrozenDateTimeFactory
from httpx import Response

from api.routes import api_v1
from cases.commands import ChildInput
from tests.e2e.conftest import Web
from tests.world import START

TODAY = date(2025, 3, 3)
REPORT = {"source_type": "education", "channel": "written", "received_at": "2025-03-03T09:00:00+05:00",
          "text": "Ребёнок приходит в школу голодным.", "source_name": "Школа № 5",
          "address": "г. Сургут, ул. Мира, д. 7, кв. 12",
          "children": [{"last_name": "Иванов", "first_name": "Пётр", "middle_name": "Сергеевич",
                        "birth_date": "2015-04-01"}],
          "adults": [{"relation": "mother", "last_name": "Иванова", "first_name": "Мария"}]}


@dataclass
class Api:
    """A REST client acting as one user (bearer token)."""

    client: TestClient
    headers: dict[str, str]

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.client.get("/api/v1" + path, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> Response:
        return self.client.post("/api/v1" + path, json=json,
                                headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs)


@dataclass
class Bed:
    web: Web
    frozen: FrozenDateTimeFactory

    def as_(self, login: str) -> Api:
        return Api(self.web.client, self.web.token(login))

    def count(self, sql: str, **params: Any) -> int:
        return int(self.web.process.rows(sql, **params)[0][0])


@pytest.fixture
def bed(web: Web) -> Iterator[Bed]:
    """The app at Monday 03.03.2025 09:00 local.

    FastAPI builds a route's parameter parsers on the first request that reaches its router; built under
    freezegun they would meet the fake ``date`` class and fail. An unknown path visits every router first.
    """
    assert web.client.get("/api/v1/-").status_code == 404
    with freeze_time(START) as factory:
        yield Bed(web, factory)


def ok(response: Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def error(response: Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == code and body["message"], body
    return dict(body)


# -- reports ---------------------------------------------------------------------------------------

def test_register_a_report_then_work_the_case_through_the_api(bed: Bed) -> None:
    opeka = bed.as_("opeka")
    made = ok(opeka.post("/reports", REPORT), 201)
    case_id = made["case_id"]
    assert made["children"][0]["match"] == "new" and made["kdn_forward_case_id"] is None
    assert made["registration_card_id"] is not None
    page = opeka.get(f"/cases/{case_id}")
    case = ok(page)
    assert page.headers["etag"] == '"1"' and case["version"] == 1
    assert case["state_title"] == "Сообщение зарегистрировано" and case["family"]["surname"] == "Иванов"
    assert [m["relation"] for m in case["family"]["members"]] == ["child", "mother"]
    deadline = case["deadlines"][0]
    assert deadline["basis"].startswith("Порядок межведомственного взаимодействия ХМАО-Югры")
    assert deadline["working_days_left"] == 0
    assert not deadline["overdue"] and deadline["due_at"].startswith("2025-03-03T13:00:00")  # 18:00 local
    (action,) = case["events"]
    assert action["event"] == "order_inspection"
    fields = {f["name"]: f for f in action["fields"]}
    agency = str(bed.web.world.orgs["agency"])
    assert fields["agency_unit"]["required"] and fields["agency_unit"]["type"] == "agency_ref"
    assert {"value": agency, "label": "Агентство, Сургутский отдел"} in fields["agency_unit"]["options"]
    assert fields["note"]["input"] == "textarea" and not fields["note"]["required"]
    fired = opeka.post(f"/cases/{case_id}/events/order_inspection",
                       {"agency_unit": int(agency), "inspector": bed.web.world.users["agent"]},
                       headers={"If-Match": '"1"'})
    assert ok(fired) == {"case_id": case_id, "event": "order_inspection", "from_state": "received",
                         "to_state": "inspection_ordered", "state_title": "Обследование поручено Агентству",
                         "version": 2}
    assert fired.headers["etag"] == '"2"'
    history = ok(opeka.get(f"/cases/{case_id}/history"))
    assert [h["title"] for h in history] == ["Поручить обследование Агентству", "Дело открыто"]
    assert history[0]["actor"] == "Соколова Ирина Викторовна" and history[0]["to_state"] == \
        "Обследование поручено Агентству"
    assert {"title": "Подразделение Агентства", "value": "Агентство, Сургутский отдел"} in history[0]["details"]
    docs = ok(opeka.get(f"/cases/{case_id}/documents"))
    assert [d["template"] for d in docs] == ["inspection_order", "registration_card"]
    agent = bed.as_("agent")
    assert [e["event"] for e in ok(agent.get(f"/cases/{case_id}"))["events"]] == ["record_inspection"]


def test_a_report_with_a_child_under_kdn_work_opens_the_forwarding_obligation(bed: Bed) -> None:
    _, kdn = bed.web.process.to_resolution()
    made = ok(bed.as_("agent").post("/reports", {**REPORT, "children": [
        {"last_name": "ИВАНОВ", "first_name": "Петр", "middle_name": "Сергеевич", "birth_date": "2015-04-01"}]}), 201)
    assert made["children"][0]["match"] == "matched" and made["kdn_case_id"] == kdn
    forward = ok(bed.as_("opeka").get(f"/cases/{made['kdn_forward_case_id']}"))
    assert forward["workflow"] == "kdn_forward"


def test_ambiguous_children_are_a_409_with_candidates_and_the_choice_links_the_family(bed: Bed) -> None:
    opeka = bed.as_("opeka")
    first = ok(opeka.post("/reports", REPORT), 201)
    other = {**REPORT, "children": [{**REPORT["children"][0], "birth_date": "2016-05-05"}]}
    second = ok(opeka.post("/reports", other), 201)
    assert second["family_id"] != first["family_id"]
    nameless = {**REPORT, "children": [{"last_name": "Иванов", "first_name": "Пётр", "middle_name": "Сергеевич"}]}
    preview = ok(opeka.post("/reports/matches", {"children": nameless["children"]}))
    assert preview[0]["child"] == 0 and {c["strength"] for c in preview[0]["candidates"]} == {"name"}
    body = error(opeka.post("/reports", nameless), 409, "ambiguous_match")
    candidates = body["details"]["candidates"]
    assert body["details"]["child"] == 0 and len(candidates) == 2
    assert {c["family_id"] for c in candidates} == {first["family_id"], second["family_id"]}
    chosen = next(c for c in candidates if c["family_id"] == first["family_id"])
    linked = ok(opeka.post("/reports", {**nameless, "children": [{**nameless["children"][0],
                                                                  "person_id": chosen["person_id"]}]}), 201)
    assert linked["family_id"] == first["family_id"] and linked["children"][0]["match"] == "chosen"
    assert ok(opeka.post("/reports", {**nameless, "children": [{**nameless["children"][0], "new": True}]}),
              201)["family_id"] not in (first["family_id"], second["family_id"])
    error(bed.as_("curator").post("/reports/matches", {"children": nameless["children"]}), 403, "forbidden")


def test_a_retried_report_with_the_same_idempotency_key_creates_nothing(bed: Bed) -> None:
    opeka = bed.as_("opeka")
    key = {"Idempotency-Key": "report-2025-03-03-0001"}
    first = opeka.post("/reports", REPORT, headers=key)
    again = opeka.post("/reports", REPORT, headers=key)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert again.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    same_moment = opeka.post("/reports", {**REPORT, "received_at": "2025-03-03T04:00:00Z"}, headers=key)
    assert same_moment.status_code == 201 and same_moment.json() == first.json()
    assert bed.count("select count(*) from report") == 1 and bed.count("select count(*) from wf_instance") == 1
    other = error(opeka.post("/reports", {**REPORT, "text": "Другое сообщение: соседи слышат крики."},
                             headers=key), 422, "idempotency_key_reused")
    assert "report:" not in other["message"] and key["Idempotency-Key"] not in other["message"]
    assert other["details"] is None
    assert bed.count("select count(*) from report") == 1  # the other report was not silently dropped as a replay
    assert ok(bed.as_("agent").post("/reports", REPORT, headers=key), 201)["case_id"] != first.json()["case_id"]


def test_report_input_is_checked_field_by_field(bed: Bed) -> None:
    opeka = bed.as_("opeka")
    naive = error(opeka.post("/reports", {**REPORT, "received_at": "2025-03-03T09:00:00"}), 422, "request_invalid")
    assert naive["details"] == [{"field": "received_at", "message": "укажите часовой пояс"}]
    wrong = error(opeka.post("/reports", {**REPORT, "source_type": "rumour", "children": []}), 422, "request_invalid")
    assert {d["field"] for d in wrong["details"]} == {"source_type", "children"}
    future = error(opeka.post("/reports", {**REPORT, "received_at": "2025-03-04T09:00:00+05:00", "text": " "}),
                   422, "input_invalid")
    assert future["details"]["fields"] == {"text": "опишите, что сообщили",
                                           "received_at": "время поступления не может быть в будущем"}
    error(bed.as_("boss").post("/reports", REPORT), 403, "forbidden")


# -- firing actions ----------------------------------------------------------------------------------

def test_stale_if_match_is_a_409_and_a_malformed_one_a_422(bed: Bed) -> None:
    case_id = bed.web.process.register().case_id
    opeka = bed.as_("opeka")
    agency = bed.web.world.orgs["agency"]
    stale = opeka.post(f"/cases/{case_id}/events/order_inspection", {"agency_unit": agency},
                       headers={"If-Match": '"7"'})
    assert error(stale, 409, "version_conflict")["details"] == {"expected": 7, "actual": 1}
    bad = error(opeka.post(f"/cases/{case_id}/events/order_inspection", {"agency_unit": agency},
                           headers={"If-Match": "yesterday"}), 422, "input_invalid")
    assert "If-Match" in bad["details"]["fields"]
    assert ok(opeka.post(f"/cases/{case_id}/events/order_inspection", {"agency_unit": agency},
                         headers={"If-Match": "W/\"1\""}))["version"] == 2


def test_a_retried_action_returns_the_first_result_and_changes_nothing(bed: Bed) -> None:
    case_id = bed.web.process.register().case_id
    opeka = bed.as_("opeka")
    body, key = {"agency_unit": bed.web.world.orgs["agency"]}, {"Idempotency-Key": "9f1c2a"}
    first = opeka.post(f"/cases/{case_id}/events/order_inspection", body, headers={**key, "If-Match": '"1"'})
    audit = bed.count("select count(*) from wf_audit where instance_id = :c", c=case_id)
    docs = bed.count("select count(*) from document where case_id = :c", c=case_id)
    again = opeka.post(f"/cases/{case_id}/events/order_inspection", body, headers={**key, "If-Match": '"1"'})
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert again.headers["idempotent-replayed"] == "true" and again.headers["etag"] == '"2"'
    assert "idempotent-replayed" not in first.headers
    assert bed.count("select count(*) from wf_audit where instance_id = :c", c=case_id) == audit
    assert bed.count("select count(*) from document where case_id = :c", c=case_id) == docs
    reused = opeka.post(f"/cases/{case_id}/events/order_inspection", {**body, "note": "другое"}, headers=key)
    assert "fire:" not in error(reused, 422, "idempotency_key_reused")["message"]


def test_payload_guard_state_and_role_errors(bed: Bed) -> None:
    process = bed.web.process
    case_id = process.register().case_id
    opeka, agent = bed.as_("opeka"), bed.as_("agent")
    invalid = error(opeka.post(f"/cases/{case_id}/events/order_inspection",
                               {"inspector": "никто", "colour": "red"}), 422, "payload_invalid")
    assert invalid["details"]["fields"] == {"agency_unit": "обязательное поле",
                                            "inspector": "выберите значение из списка",
                                            "colour": "поле не предусмотрено действием «Поручить обследование "
                                                      "Агентству»"}
    denied = error(agent.post(f"/cases/{case_id}/events/order_inspection",
                              {"agency_unit": bed.web.world.orgs["agency"]}), 403, "role_not_allowed")
    assert denied["details"]["allowed"] == ["guardianship"]
    wrong_state = error(opeka.post(f"/cases/{case_id}/events/confirm", {"summary": "да"}), 409,
                        "transition_not_allowed")
    assert wrong_state["details"] == {"state": "received", "available": ["order_inspection"]}
    process.fire("opeka", case_id, "order_inspection", {"agency_unit": bed.web.world.orgs["agency"]})
    process.fire("agent", case_id, "record_inspection", {"living_conditions": "Холодно", "safety": "unsafe"})
    process.fire("agent", case_id, "confirm", {"summary": "Подтвердилось"})
    guard = error(agent.post(f"/cases/{case_id}/events/approve_safety_plan"), 422, "guard_failed")
    assert "план" in guard["message"].lower() and guard["details"] == {"guard": "plan_has_items"}
    error(agent.post(f"/cases/{case_id}/events/approve_safety_plan", [1, 2]), 422, "request_invalid")


# -- lists -------------------------------------------------------------------------------------------

def test_case_list_filters_and_pages(bed: Bed) -> None:
    process = bed.web.process
    old = process.register().case_id
    bed.frozen.tick(timedelta(days=1))  # the same-day order of the first report is now overdue
    fresh = process.to_inspection(children=(ChildInput("Петрова", "Анна", "", date(2016, 2, 2)),))
    boss = bed.as_("boss")
    every = ok(boss.get("/cases"))
    assert every["total"] == 2 and [c["id"] for c in every["items"]] == [old, fresh]
    assert every["items"][0]["overdue"] and every["items"][0]["next_deadline"]["working_days_left"] == -1
    assert [c["id"] for c in ok(boss.get("/cases", params={"overdue": "true"}))["items"]] == [old]
    assert [c["id"] for c in ok(boss.get("/cases", params={"overdue": "false"}))["items"]] == [fresh]
    assert [c["id"] for c in ok(boss.get("/cases", params={"state": "inspection_ordered"}))["items"]] == [fresh]
    assert [c["id"] for c in ok(boss.post("/search/cases", {"family": "петрова"}))["items"]] == [fresh]
    assert ok(boss.get("/cases", params={"family": "петрова"}))["total"] == 2  # a name in the URL is not a filter
    assert ok(boss.post("/search/cases", {"family": "_"}))["total"] == 0  # a LIKE wildcard is a plain character
    assert ok(boss.get("/cases", params={"workflow": "family_support"}))["total"] == 0
    assert [c["id"] for c in ok(boss.get("/cases", params={"due_before": "2025-03-03"}))["items"]] == [old]
    second = ok(boss.get("/cases", params={"limit": 1, "offset": 1}))
    assert second["total"] == 2 and [c["id"] for c in second["items"]] == [fresh] and second["limit"] == 1
    mine = ok(bed.as_("agent").get("/cases", params={"mine": "true"}))
    assert [c["id"] for c in mine["items"]] == [fresh]
    assigned = ok(boss.get("/cases", params={"assignee_id": bed.web.world.users["opeka"]}))
    assert [c["id"] for c in assigned["items"]] == [old]
    assert ok(bed.as_("other_boss").get("/cases"))["total"] == 0


def test_overdue_counts_and_upcoming_deadlines(bed: Bed) -> None:
    process = bed.web.process
    late = process.register().case_id
    soon = process.to_inspection(children=(ChildInput("Петрова", "Анна"),))
    bed.frozen.tick(timedelta(hours=10))  # 19:00 local: the same-day orders are overdue
    boss = bed.as_("boss")
    page = ok(boss.get("/deadlines/overdue"))
    assert page["total"] == 1 and page["items"][0]["case_id"] == late
    item = page["items"][0]
    assert item["deadline"]["key"] == "order_inspection" and item["deadline"]["overdue"]
    assert item["assignee_name"] == "Соколова Ирина Викторовна" and item["family_name"] == "Семья Иванов"
    assert ok(boss.get("/deadlines/overdue", params={"step": "child_report:order_inspection"}))["total"] == 1
    assert ok(boss.get("/deadlines/overdue", params={"step": "child_report:inspect"}))["total"] == 0
    assert ok(boss.get("/deadlines/overdue", params={"assignee_id": 0}))["total"] == 0
    assert ok(boss.get("/deadlines/overdue", params={"org_id": bed.web.world.orgs["opeka"]}))["total"] == 1
    counts = ok(boss.get("/deadlines/overdue/counts"))
    assert counts["total"] == 1 and counts["by_step"][0]["key"] == "child_report:order_inspection"
    assert counts["by_assignee"][0] == {"key": str(bed.web.world.users["opeka"]),
                                        "title": "Соколова Ирина Викторовна", "count": 1}
    upcoming = ok(boss.get("/deadlines/upcoming", params={"working_days": 3}))
    assert [i["case_id"] for i in upcoming] == [soon] and upcoming[0]["deadline"]["key"] == "inspect"
    assert ok(boss.get("/deadlines/upcoming", params={"working_days": 0})) == []
    assert ok(bed.as_("other_boss").get("/deadlines/overdue"))["total"] == 0
    error(boss.get("/deadlines/overdue", params={"step": "inspect"}), 422, "request_invalid")


def test_kdn_agenda_lists_conclusions_waiting_for_the_commission(bed: Bed) -> None:
    process = bed.web.process
    _, kdn = process.to_kdn()
    process.fire("agent", kdn, "submit_draft", {"grounds": "Пьянство родителей", "proposed_measures": "СОП"})
    process.fire("opeka", kdn, "approve_and_send", {"kdn": bed.web.world.orgs["kdn"]})
    agenda = ok(bed.as_("secretary").get("/kdn/agenda"))
    assert [c["id"] for c in agenda["waiting"]] == [kdn] and agenda["meetings"] == []
    process.fire("secretary", kdn, "schedule_meeting", {"meeting_on": "2025-03-12"})
    agenda = ok(bed.as_("secretary").get("/kdn/agenda"))
    assert agenda["meetings"][0]["held_on"] == "2025-03-12" and agenda["meetings"][0]["items"][0]["case"]["id"] == kdn
    assert ok(bed.as_("director").get("/kdn/agenda"))["waiting"] == []  # the УСО is not a party yet


# -- plans, execution reports, assignment ------------------------------------------------------------

def test_plan_items_are_added_and_closed(bed: Bed) -> None:
    _, support = bed.web.process.to_support()
    curator = bed.as_("curator")
    due = (TODAY + timedelta(days=20)).isoformat()
    made = ok(curator.post(f"/cases/{support}/plan-items", {"measure": "Оформить пособие", "due_date": due,
                                                            "responsible": "КЦСО"}), 201)
    item = made["item_id"]
    plan = ok(curator.get(f"/cases/{support}"))["plans"][0]
    assert plan["kind"] == "support" and "Оформить пособие" in [i["measure"] for i in plan["items"]]
    assert any(d["ref"] == f"item:{item}" for d in ok(curator.get(f"/cases/{support}"))["deadlines"])
    past = error(curator.post(f"/cases/{support}/plan-items", {"measure": "x", "due_date": "2025-01-01",
                                                               "responsible": "КЦСО"}), 422, "input_invalid")
    assert past["details"]["fields"] == {"due_date": "срок не может быть в прошлом"}
    error(bed.as_("agent").post(f"/cases/{support}/plan-items", {"measure": "x", "due_date": due,
                                                                 "responsible": "y"}), 403, "forbidden")
    closed = ok(curator.post(f"/cases/{support}/plan-items/{item}/close", {"status": "done", "result": "Оформлено"}))
    assert closed == {"case_id": support, "item_id": item, "status": "done"}
    error(curator.post(f"/cases/{support}/plan-items/{item}/close", {"status": "done", "result": "снова"}), 409,
          "conflict")
    error(curator.post(f"/cases/{support}/plan-items/{item}/close", {"status": "lost", "result": "?"}), 422,
          "request_invalid")
    error(curator.post(f"/cases/{support}/plan-items/999999/close", {"status": "done", "result": "?"}), 404,
          "not_found")


def test_execution_reports_and_reassignment(bed: Bed) -> None:
    _, kdn = bed.web.process.to_execution()
    world = bed.web.world
    secretary = bed.as_("secretary")
    made = ok(secretary.post(f"/cases/{kdn}/execution-reports", {
        "org_id": world.orgs["school"], "received_on": "2025-03-03", "text": "Посещаемость под контролем",
        "positive_dynamics": True}), 201)
    assert made["case_id"] == kdn and made["positive_dynamics"] and made["id"] > 0
    error(secretary.post(f"/cases/{kdn}/execution-reports", {"org_id": world.orgs["other_uso"],
                                                             "received_on": "2025-03-03", "text": "x"}),
          422, "input_invalid")
    error(bed.as_("agent").post(f"/cases/{kdn}/execution-reports", {"org_id": world.orgs["school"],
                                                                    "received_on": "2025-03-03", "text": "x"}),
          403, "forbidden")
    boss = bed.as_("boss")
    version = ok(boss.get(f"/cases/{kdn}"))["version"]
    moved = boss.post(f"/cases/{kdn}/assign", {"assignee_id": world.users["curator2"], "reason": "отпуск"},
                      headers={"If-Match": f'"{version}"'})
    assert ok(moved) == {"case_id": kdn, "assignee_id": world.users["curator2"], "version": version + 1}
    assert moved.headers["etag"] == f'"{version + 1}"'
    assert ok(boss.get(f"/cases/{kdn}"))["assignee_name"] == "Попов Дмитрий Игоревич"
    error(boss.post(f"/cases/{kdn}/assign", {"assignee_id": world.users["curator"]},
                    headers={"If-Match": f'"{version}"'}), 409, "version_conflict")
    error(boss.post(f"/cases/{kdn}/assign", {"assignee_id": world.users["other_curator"]}), 422, "input_invalid")
    error(bed.as_("curator2").post(f"/cases/{kdn}/assign", {"assignee_id": None}), 403, "forbidden")


# -- documents -----------------------------------------------------------------------------------------

def test_acts_download_as_real_docx_and_pdf_and_can_be_reissued(bed: Bed) -> None:
    case_id = bed.web.process.to_inspection()
    opeka = bed.as_("opeka")
    card = next(d for d in ok(opeka.get(f"/cases/{case_id}/documents")) if d["template"] == "registration_card")
    pdf = opeka.get(f"/documents/{card['id']}/file", params={"format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and pdf.headers["content-type"] == \
        "application/pdf"
    assert pdf.headers["content-disposition"].startswith('attachment; filename="registration_card_')
    docx = opeka.get(f"/documents/{card['id']}/file", params={"format": "docx"})
    assert docx.status_code == 200 and docx.content.startswith(b"PK")
    assert "wordprocessingml" in docx.headers["content-type"]
    assert bed.count("select count(*) from access_log where action = 'download' and case_id = :c", c=case_id) == 2
    error(opeka.get(f"/documents/{card['id']}/file", params={"format": "odt"}), 422, "request_invalid")
    again = ok(opeka.post(f"/documents/{card['id']}/reissue", {"reason": "исправлен адрес"}), 201)
    assert again["revision"] == 2 and again["supersedes_id"] == card["id"] and again["label"].endswith("ред. 2")
    error(opeka.post(f"/documents/{card['id']}/reissue", {"reason": "  "}), 422, "input_invalid")
    error(bed.as_("agent").post(f"/documents/{card['id']}/reissue", {"reason": "x"}), 403, "forbidden")
    error(bed.as_("other_opeka").get(f"/documents/{card['id']}/file"), 404, "not_found")
    error(opeka.get("/documents/999999/file"), 404, "not_found")


# -- workflows -----------------------------------------------------------------------------------------

def test_workflows_describe_states_deadlines_roles_and_regional_settings(bed: Bed) -> None:
    boss = bed.as_("boss")
    assert {w["name"] for w in ok(boss.get("/workflows"))} == {"child_report", "family_support",
                                                                 "kdn_prevention", "kdn_forward",
                                                                 "release_accompaniment", "homeless_placement",
                                                                 "free_places", "report_obligation"}
    with bed.web.svc.db.unit_of_work() as tx:
        tx.connection.exec_driver_sql(
            "insert into wf_parameter (workflow, territory, name, value, basis, updated_at) values "
            "('child_report', 'surgut', 'recognition_days', '4', 'решение региона', '2025-03-03 00:00:00')")
        tx.commit()
    bed.web.svc.runtime.forget_overrides()
    wf = ok(boss.get("/workflows/child_report"))
    states = {s["name"]: s for s in wf["states"]}
    inspect = states["inspection_ordered"]["deadlines"][0]
    assert inspect["basis"] == "СК РФ ст. 122 п. 1" and "inspection_days" in inspect["due"]
    assert inspect["escalate"][1] == {"level": 2, "after": "1 рабочий день", "to": "supervisor"}
    assert states["received"]["initial"] and states["referred_sop"]["final"]
    order = next(t for t in wf["transitions"] if t["event"] == "order_inspection")
    assert order["roles"] == ["guardianship"] and order["from_states"] == ["received"]
    assert [f["name"] for f in order["fields"]] == ["agency_unit", "inspector", "note"]
    params = {p["name"]: p for p in wf["parameters"]}
    assert params["recognition_days"]["default"] == 5 and params["recognition_days"]["value"] == 4
    assert params["recognition_days"]["overridden"] and not params["inspection_days"]["overridden"]
    assert params["inspection_days"]["basis"].startswith("СК РФ") and "wf_parameter" in wf["overrides_note"]
    assert ok(bed.as_("other_boss").get("/workflows/child_report"))["parameters"][3]["value"] == 5
    error(boss.get("/workflows/no_such_flow"), 404, "unknown_workflow")
    error(boss.get("/workflows/child_report", params={"version": 99}), 404, "unknown_workflow")


def test_diagrams_highlight_a_visible_case_only(bed: Bed) -> None:
    case_id = bed.web.process.register().case_id
    opeka = bed.as_("opeka")
    plain = opeka.get("/workflows/child_report/diagram")
    assert plain.status_code == 200 and plain.headers["content-type"] == "image/svg+xml"
    assert plain.text.startswith("<svg") and 'class="state current"' not in plain.text
    lit = opeka.get("/workflows/child_report/diagram", params={"case_id": case_id})
    assert 'class="state current" data-state="received"' in lit.text
    mermaid = opeka.get("/workflows/child_report/diagram", params={"case_id": case_id, "format": "mermaid"})
    assert "stateDiagram-v2" in mermaid.text and "Class received s_active" in mermaid.text
    error(bed.as_("other_opeka").get("/workflows/child_report/diagram", params={"case_id": case_id}), 404,
          "not_found")
    error(opeka.get("/workflows/family_support/diagram", params={"case_id": case_id}), 422, "input_invalid")
    error(opeka.get("/workflows/child_report/diagram", params={"format": "png"}), 422, "request_invalid")


# -- the registry --------------------------------------------------------------------------------------

def test_registry_search_and_export(bed: Bed) -> None:
    bed.web.process.register(children=(ChildInput("Семёнова", "Алёна", "Игоревна", date(2014, 5, 6)),))
    opeka = bed.as_("opeka")
    hits = ok(opeka.post("/registry/search", json={"name": "семенова ал"}))
    assert [h["name"] for h in hits] == ["Семёнова Алёна Игоревна"] and hits[0]["cases"][0]["closed"] is False
    assert ok(opeka.post("/registry/search", json={"birth_date": "2014-05-06"}))[0]["birth_date"] == "2014-05-06"
    assert ok(bed.as_("other_opeka").post("/registry/search", json={"name": "Семёнова"})) == []
    error(opeka.post("/registry/search", json={}), 422, "input_invalid")
    assert ok(opeka.post("/registry/search", json={"name": "__"})) == []  # LIKE wildcards are plain characters
    error(opeka.post("/registry/search", json={"name": "%%"}), 422, "input_invalid")  # punctuation only: nothing
    assert opeka.get("/registry/search", params={"name": "Семёнова"}).status_code == 405  # no names in URLs
    xlsx = opeka.post("/registry/export", json={"format": "xlsx", "name": "Семёнова"})
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    assert 'filename="reestr.xlsx"' in xlsx.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and sheet["A2"].value == "Семёнова Алёна Игоревна" and sheet["C2"].value == "06.05.2014"
    csv = opeka.post("/registry/export", json={"format": "csv", "address": "мира 7"})
    assert csv.content.decode("utf-8-sig").splitlines()[1].startswith("Семёнова Алёна Игоревна;Ребёнок")
    assert bed.count("select count(*) from access_log where action = 'export'") == 2


# -- malformed input, authentication, IDOR -------------------------------------------------------------

BAD_REQUESTS = [
    ("get", "/cases?limit=100000", None),
    ("get", "/cases?limit=0", None),
    ("get", "/cases?offset=-1", None),
    ("get", "/cases?overdue=maybe", None),
    ("get", "/cases?due_before=31.02.2025", None),
    ("get", "/cases?assignee_id=abc", None),
    ("post", "/search/cases", {"family": "\u0000"}),
    ("get", "/cases?workflow=DROP%20TABLE", None),
    ("get", "/cases/-1", None),
    ("get", "/cases/0", None),
    ("get", "/cases/99999999999999999999", None),
    ("get", "/cases/abc/history", None),
    ("get", "/deadlines/overdue?assignee_id=-5", None),
    ("get", "/deadlines/upcoming?working_days=1000", None),
    ("get", "/documents/1/file?format=exe", None),
    ("post", "/registry/search", {"birth_date": "yesterday"}),
    ("post", "/reports", b"{not json"),
    ("post", "/reports", {"source_type": "education"}),
    ("post", "/reports", {**REPORT, "received_at": "0001-01-01T00:00:00+14:00"}),
    ("post", "/reports", {**REPORT, "children": [{"last_name": "А\u0000", "first_name": "Б"}]}),
    ("post", "/reports", {**REPORT, "children": [{"last_name": "А", "first_name": "Б", "birth_date": "2015-02-30"}]}),
    ("post", "/reports", {**REPORT, "children": [{"last_name": "А", "first_name": "Б", "person_id": -3}]}),
    ("post", "/reports", {**REPORT, "channel": 5}),
    ("post", "/reports", {**REPORT, "surprise": True}),
    ("post", "/reports", [REPORT]),
    ("post", "/reports/matches", {"children": "Иванов"}),
    ("post", "/cases/1/events/order_inspection", {"agency_unit": 10**30}),
    ("post", "/cases/1/events/order_inspection", {"note": "a\u0000b"}),
    ("post", "/cases/1/events/order_inspection", {"note": "9999-12-31"}),
    ("post", "/cases/1/events/Order-Inspection", {}),
    ("post", "/cases/1/plan-items", {"measure": "x", "due_date": "9999-12-31", "responsible": "y"}),
    ("post", "/cases/1/plan-items/abc/close", {"status": "done", "result": "x"}),
    ("post", "/cases/1/execution-reports", {"org_id": "школа", "received_on": "2025-03-03", "text": "x"}),
    ("post", "/cases/1/assign", {"reason": "без сотрудника"}),
    ("post", "/documents/1/reissue", {}),
]


@pytest.mark.parametrize(("method", "path", "body"), BAD_REQUESTS, ids=[f"{m} {p}" for m, p, _ in BAD_REQUESTS])
def test_malformed_requests_are_structured_4xx(bed: Bed, method: str, path: str, body: Any) -> None:
    bed.web.process.register()
    opeka = bed.as_("opeka")
    if isinstance(body, bytes):
        response = opeka.client.post("/api/v1" + path, content=body,
                                     headers={**opeka.headers, "content-type": "application/json"})
    else:
        response = opeka.get(path) if method == "get" else opeka.post(path, body)
    assert 400 <= response.status_code < 500, response.text
    payload = response.json()
    assert set(payload) == {"error", "message", "details"} and payload["message"]


def test_no_credentials_is_401_and_a_session_needs_the_csrf_header_to_change_things(bed: Bed) -> None:
    case_id = bed.web.process.register().case_id
    error(bed.web.client.get("/api/v1/cases"), 401, "not_authenticated")
    error(bed.web.client.get("/api/v1/cases", headers={"Authorization": "Bearer opora_forged"}), 401,
          "not_authenticated")
    browser = bed.web.client_for("opeka")
    assert ok(browser.get(f"/api/v1/cases/{case_id}"))["id"] == case_id
    body = {"agency_unit": bed.web.world.orgs["agency"]}
    error(browser.post(f"/api/v1/cases/{case_id}/events/order_inspection", json=body), 403, "csrf_failed")
    token = bed.web.csrf(browser)
    fired = browser.post(f"/api/v1/cases/{case_id}/events/order_inspection", json=body,
                         headers={"X-CSRF-Token": token})
    assert ok(fired)["to_state"] == "inspection_ordered"


def test_cases_and_documents_of_another_territory_are_not_found(bed: Bed) -> None:
    case_id = bed.web.process.to_inspection()
    document = bed.web.process.rows("select min(id) from document where case_id = :c", c=case_id)[0][0]
    other = bed.as_("other_opeka")
    for path in (f"/cases/{case_id}", f"/cases/{case_id}/history", f"/cases/{case_id}/documents",
                 f"/documents/{document}/file"):
        assert error(other.get(path), 404, "not_found")["message"] == error(other.get(
            path.replace(str(case_id), "424242") if "cases" in path else "/documents/424242/file"), 404,
            "not_found")["message"]
    error(other.post(f"/cases/{case_id}/events/record_inspection", {}), 404, "not_found")
    error(other.post(f"/documents/{document}/reissue", {"reason": "x"}), 404, "not_found")
    assert bed.count("select count(*) from wf_audit where instance_id = :c", c=case_id) == 2


def test_openapi_documents_every_route_with_a_russian_description_and_error_model(bed: Bed) -> None:
    schema = ok(bed.web.client.get("/openapi.json"))
    ours = {(api_v1.PREFIX + route.path, method.lower()) for part in api_v1.PARTS
            for route in part.router.routes for method in route.methods}  # type: ignore[attr-defined]
    api_paths = {p: {m: op for m, op in ops.items() if (p, m) in ours} for p, ops in schema["paths"].items()}
    assert sum(len(ops) for ops in api_paths.values()) == len(ours) == 61
    for path, ops in api_paths.items():
        for method, op in ops.items():
            assert any("а" <= ch <= "я" for ch in op.get("description", "").lower()), (method, path)
            errors = {code: r for code, r in op["responses"].items() if code.startswith("4")}
            assert {"401", "422"} <= set(errors) and (method == "get" or "403" in errors), (method, path)
            for code, r in errors.items():
                ref = r["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/ErrorPublic"), (method, path, code)
