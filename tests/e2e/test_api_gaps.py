"""What an API client and a careful user tripped on: text with control characters, exports of what is
stored, files with a bearer token, organisations, revoking a key, who may do what on a case."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import openpyxl
import sqlalchemy as sa

from tests.e2e.test_api import REPORT, Bed, error, ok
from tests.e2e.test_api import bed as bed  # the fixture: the app at Monday 03.03.2025 09:00

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# -- text at the input -----------------------------------------------------------------------------

def test_control_characters_are_refused_with_the_field(bed: Bed) -> None:
    opeka = bed.as_("opeka")
    child = {**REPORT["children"][0], "last_name": "Ива\x07нов"}
    refused = error(opeka.post("/reports", {**REPORT, "children": [child]}), 422, "request_invalid")
    assert refused["details"] == [{"field": "children.0.last_name", "message": refused["details"][0]["message"]}]
    assert "U+0007" in refused["details"][0]["message"]
    refused = error(opeka.post("/reports", {**REPORT, "address": "ул. Мира\u202e7"}), 422, "request_invalid")
    assert refused["details"][0]["field"] == "address"
    assert bed.count("select count(*) from report") == 0
    case_id = ok(opeka.post("/reports", REPORT), 201)["case_id"]
    payload = {"agency_unit": bed.web.world.orgs["agency"], "note": "Срочно\x1b[31m"}
    bad = error(opeka.post(f"/cases/{case_id}/events/order_inspection", payload), 422, "payload_invalid")
    assert list(bad["details"]["fields"]) == ["note"] and "U+001B" in bad["details"]["fields"]["note"]


def test_names_and_addresses_are_stored_in_one_form_with_single_spaces(bed: Bed) -> None:
    opeka = bed.as_("opeka")
    child = {**REPORT["children"][0], "last_name": " Семе\u0308нова\t", "first_name": "Але\u0308на"}
    made = ok(opeka.post("/reports", {**REPORT, "children": [child], "address": "г. Сургут,\n  ул. Мира, 7"}), 201)
    person = bed.web.process.rows("select last_name, first_name from person where id = :p",
                                  p=made["children"][0]["person_id"])[0]
    assert (person.last_name, person.first_name) == ("Семёнова", "Алёна")
    assert bed.web.process.rows("select address from family")[0][0] == "г. Сургут, ул. Мира, 7"
    assert ok(opeka.post("/registry/search", {"name": "Семёнова Алёна"}))[0]["name"].startswith("Семёнова")


# -- exports of what is already stored -------------------------------------------------------------

def test_exports_survive_stored_control_characters_and_never_carry_a_formula(bed: Bed) -> None:
    opeka = bed.as_("opeka")
    made = ok(opeka.post("/reports", REPORT), 201)
    with bed.web.svc.db.unit_of_work() as tx:  # written before input was checked (or by another system)
        tx.connection.execute(sa.text("update person set last_name = :n, name_key = 'иванов петр' where id = :p"),
                              {"n": "=HYPERLINK(\"http://evil.example\")\x07", "p": made["children"][0]["person_id"]})
        tx.connection.execute(sa.text("update family set address = :a"), {"a": "ул. Мира\x0b 7\x1f"})
        tx.commit()
    xlsx = opeka.post("/registry/export", {"format": "xlsx", "name": "иванов петр"})
    assert xlsx.status_code == 200, xlsx.text
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    name, address = sheet["A2"], sheet["D2"]
    assert (name.value, name.data_type, name.quotePrefix) == (
        "=HYPERLINK(\"http://evil.example\") Пётр Сергеевич", "s", True)
    assert address.value == "ул. Мира 7"
    rows = list(csv.reader(io.StringIO(opeka.post("/registry/export", {
        "format": "csv", "name": "иванов петр"}).content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][0] == "'=HYPERLINK(\"http://evil.example\") Пётр Сергеевич" and rows[1][3] == "ул. Мира 7"


def test_the_web_registry_export_is_written_to_the_access_log(bed: Bed) -> None:
    bed.web.process.register()
    client = bed.web.client_for("opeka")
    found = client.post("/registry", data={"csrf": bed.web.csrf(client, "/registry"), "name": "иванов"})
    saved = found.headers["location"].split("?q=")[1]  # the criteria stay on the server: an opaque id
    for fmt in ("xlsx", "csv"):
        assert client.get(f"/registry/export.{fmt}", params={"q": saved}).status_code == 200
    logged = bed.web.process.rows("select what from access_log where action = 'export' order by id")
    assert [r.what for r in logged] == ["выгрузка реестра (xlsx, записей: 1)", "выгрузка реестра (csv, записей: 1)"]


def test_statistics_files_are_downloaded_with_a_bearer_token(bed: Bed) -> None:
    bed.web.process.register()
    boss = bed.as_("boss")
    annual = boss.get("/statistics/annual/export", params={"format": "xlsx", "from": "2025-01-01", "to": "2025-03-03"})
    assert annual.status_code == 200 and annual.headers["content-type"] == XLSX
    assert openpyxl.load_workbook(io.BytesIO(annual.content)).sheetnames
    annual_csv = boss.get("/statistics/annual/export", params={"format": "csv"})
    assert annual_csv.status_code == 200 and annual_csv.content.startswith("\ufeff".encode())
    for fmt, start in (("xlsx", b"PK"), ("docx", b"PK")):
        quarterly = boss.get("/statistics/quarterly/export", params={"format": fmt, "year": 2025, "quarter": 1,
                                                                     "kind": "uszn_to_kdn"})
        assert quarterly.status_code == 200 and quarterly.content.startswith(start), quarterly.text
    discipline = boss.get("/statistics/discipline/export")
    assert discipline.status_code == 200 and discipline.headers["content-type"] == XLSX
    error(bed.as_("curator").get("/statistics/discipline/export"), 403, "forbidden")
    error(boss.get("/statistics/annual/export", params={"format": "pdf"}), 422, "request_invalid")
    assert bed.web.client.get("/api/v1/statistics/annual/export").status_code == 401


# -- what a client needs ---------------------------------------------------------------------------

def test_organisations_visible_to_the_caller(bed: Bed) -> None:
    orgs = ok(bed.as_("opeka").get("/organisations"))
    assert {o["territory"] for o in orgs} == {"surgut"}
    agency = next(o for o in orgs if o["id"] == bed.web.world.orgs["agency"])
    assert agency == {"id": agency["id"], "name": agency["name"], "short_name": "Агентство, Сургутский отдел",
                      "kind": "agency", "kind_title": "Агентство социального благополучия населения",
                      "territory": "surgut"}
    assert [o["kind"] for o in ok(bed.as_("curator").get("/organisations", params={"kind": "uso"}))] == ["uso"]
    assert bed.web.world.orgs["other_opeka"] not in {o["id"] for o in orgs}
    error(bed.as_("opeka").get("/organisations", params={"kind": "bank"}), 422, "request_invalid")


def test_a_client_lists_and_revokes_its_keys_over_rest(bed: Bed) -> None:
    opeka = bed.as_("opeka")
    spare = bed.as_("opeka")
    keys = ok(opeka.get("/tokens"))
    assert len(keys) == 2 and all(k["revoked_at"] is None and "token_hash" not in k for k in keys)
    spare_id = keys[-1]["id"]
    assert opeka.client.delete(f"/api/v1/tokens/{spare_id}", headers=opeka.headers).status_code == 204
    error(spare.get("/me"), 401, "not_authenticated")
    error(bed.web.client.delete(f"/api/v1/tokens/{spare_id}", headers=opeka.headers), 404, "not_found")
    other = ok(bed.as_("boss").get("/tokens"))[0]["id"]
    error(bed.web.client.delete(f"/api/v1/tokens/{other}", headers=opeka.headers), 404, "not_found")
    assert ok(opeka.get("/tokens"))[-1]["revoked_at"] is not None


def test_the_case_says_who_may_record_plan_items_and_execution_reports(bed: Bed) -> None:
    process = bed.web.process
    case_id = process.to_inspection()
    process.fire("agent", case_id, "record_inspection", {"living_conditions": "Тесно", "safety": "safe"})
    process.fire("agent", case_id, "confirm", {"summary": "Подтвердилось"})
    agent = ok(bed.as_("agent").get(f"/cases/{case_id}"))
    commands = {c["command"]: c for c in agent["commands"]}
    assert set(commands) == {"add_plan_item", "close_plan_item", "assign"}
    assert commands["add_plan_item"] == {"command": "add_plan_item", "title": "Добавить мероприятие в план",
                                         "method": "POST", "path": f"/api/v1/cases/{case_id}/plan-items",
                                         "roles": ["agency"], "available": True, "reason": ""}
    assert not commands["close_plan_item"]["available"]
    assert commands["close_plan_item"]["reason"] == "В плане нет открытых мероприятий"
    opeka = {c["command"]: c for c in ok(bed.as_("opeka").get(f"/cases/{case_id}"))["commands"]}
    assert not opeka["add_plan_item"]["available"] and "Специалист Агентства" in opeka["add_plan_item"]["reason"]
    boss = {c["command"]: c for c in ok(bed.as_("boss").get(f"/cases/{case_id}"))["commands"]}
    assert boss["assign"]["available"] and not opeka["assign"]["available"]

    _, kdn = process.to_execution()
    reports = {login: {c["command"]: c for c in ok(bed.as_(login).get(f"/cases/{kdn}"))["commands"]}
               ["record_execution_report"] for login in ("secretary", "curator", "opeka")}
    assert reports["secretary"]["available"] and reports["curator"]["available"]
    assert reports["secretary"]["roles"] == ["curator", "kdn_secretary", "uso_director"]
    assert not reports["opeka"]["available"] and reports["opeka"]["reason"].startswith("Отчёты об исполнении плана")


def test_an_action_its_guards_refuse_is_listed_as_unavailable_with_the_reason(bed: Bed) -> None:
    process = bed.web.process
    case_id = process.to_inspection()
    process.fire("agent", case_id, "record_inspection", {"living_conditions": "Тесно", "safety": "safe"})
    process.fire("agent", case_id, "confirm", {"summary": "Подтвердилось"})
    agent = bed.as_("agent")
    (approve,) = ok(agent.get(f"/cases/{case_id}"))["events"]
    assert approve["event"] == "approve_safety_plan" and approve["available"] is False
    assert approve["reason"].startswith("В плане нет ни одного мероприятия")
    assert approve["target_state"] == "safety_control"
    assert approve["target_state_title"] == "Контроль плана безопасности, признание нуждающимися"
    process.add_item("agent", case_id, "Горячее питание в школе", 5, org="school")
    (approve,) = ok(agent.get(f"/cases/{case_id}"))["events"]
    assert approve["available"] is True and approve["reason"] == ""
    process.fire("agent", case_id, "approve_safety_plan")
    events = {e["event"]: e for e in ok(agent.get(f"/cases/{case_id}"))["events"]}
    assert events["correct_safety_plan"]["available"] and events["correct_safety_plan"]["target_state"] == \
        "safety_control"
    for closing in ("classify_tzs", "classify_sop", "close_no_need"):  # the safety item is still open
        assert not events[closing]["available"] and events[closing]["reason"].startswith("Не закрыто мероприятий")


def test_closed_deadlines_report_no_working_days_left(bed: Bed) -> None:
    case_id = bed.web.process.to_inspection()
    deadlines = {d["key"]: d for d in ok(bed.as_("opeka").get(f"/cases/{case_id}"))["deadlines"]}
    assert deadlines["order_inspection"]["status"] == "met" and deadlines["order_inspection"]["working_days_left"] \
        is None
    assert deadlines["inspect"]["status"] == "open" and deadlines["inspect"]["working_days_left"] == 3


def test_acts_show_the_organisation_that_numbered_them(bed: Bed) -> None:
    process = bed.web.process
    case_id = process.to_inspection()
    process.fire("agent", case_id, "record_inspection", {"living_conditions": "Тесно", "safety": "safe"})
    docs = ok(bed.as_("opeka").get(f"/cases/{case_id}/documents"))
    issuers = {d["template"]: d["org_name"] for d in docs}
    assert issuers == {"inspection_act": "Агентство, Сургутский отдел",
                       "inspection_order": "УСЗН Сургутского района", "registration_card": "УСЗН Сургутского района"}
    case = ok(bed.as_("opeka").get(f"/cases/{case_id}"))
    assert {d["template"]: d["org_name"] for d in case["documents"]} == issuers
    page = bed.web.client_for("opeka").get(f"/cases/{case_id}").text
    act = next(d for d in docs if d["template"] == "inspection_act")
    assert f'№ {act["label"]}</span> <span class="small muted" data-testid="issuer">Агентство, Сургутский отдел' \
        in page


def test_the_site_has_an_icon(bed: Bed) -> None:
    icon = bed.web.client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml" and b"<svg" in icon.content
    assert bed.web.client.get("/static/favicon.svg").status_code == 200
    page = bed.web.client.get("/login").text
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page


def test_a_case_as_of_a_date_over_rest_and_on_the_page(bed: Bed) -> None:
    process = bed.web.process
    case_id = process.to_inspection()
    bed.frozen.tick(timedelta(days=1))  # Tuesday: inspected
    process.fire("agent", case_id, "record_inspection", {"living_conditions": "Тесно", "safety": "safe"})
    opeka = bed.as_("opeka")
    then = opeka.get(f"/cases/{case_id}", params={"as_of": "2025-03-03"})
    body = ok(then)
    assert (body["state"], body["as_of"], body["events"], body["commands"]) == (
        "inspection_ordered", "2025-03-03", [], [])
    assert body["assignee_name"] == "Лебедев Андрей Сергеевич" and "etag" not in then.headers
    assert {d["key"]: d["status"] for d in body["deadlines"]} == {"order_inspection": "met", "inspect": "open"}
    assert [d["template"] for d in body["documents"]] == ["inspection_order", "registration_card"]
    now = ok(opeka.get(f"/cases/{case_id}"))
    assert now["state"] == "inspected" and now["as_of"] is None
    history = ok(opeka.get(f"/cases/{case_id}/history", params={"as_of": "2025-03-03"}))
    assert [h["title"] for h in history] == ["Поручить обследование Агентству", "Дело открыто"]
    refused = error(opeka.get(f"/cases/{case_id}", params={"as_of": "2025-03-05"}), 422, "input_invalid")
    assert refused["details"]["fields"] == {"as_of": "дата не может быть позже сегодняшнего дня (04.03.2025)"}
    error(opeka.get(f"/cases/{case_id}", params={"as_of": "вчера"}), 422, "request_invalid")
    error(bed.as_("other_opeka").get(f"/cases/{case_id}", params={"as_of": "2025-03-03"}), 404, "not_found")

    client = bed.web.client_for("opeka")
    page = client.get(f"/cases/{case_id}", params={"as_of": "2025-03-03"}).text
    assert 'data-testid="as-of"' in page and "Дело на конец дня 3 марта 2025" in page
    assert "Обследование поручено Агентству" in page and 'method="post" action="/cases/' not in page
    assert '<form method="get" action="/cases/' in page and 'name="as_of" value="2025-03-03"' in page
    wrong = client.get(f"/cases/{case_id}", params={"as_of": "2025-02-01"})
    assert wrong.status_code == 422 and "дело открыто 03.03.2025" in wrong.text
    assert "Дело на конец дня" not in wrong.text


def test_the_report_form_shows_a_control_character_next_to_its_field(bed: Bed) -> None:
    from tests.e2e.test_ui import label_of, report_form

    client = bed.web.client_for("opeka")
    data = report_form(client, c0_last="Иванов", c0_first="Пётр", c0_middle="Серге\x07евич",
                       address="ул. Мира\x1b, 7")
    refused = client.post("/reports/new", data={**data, "step": "save"})
    assert refused.status_code == 422
    assert "U+0007" in label_of(refused.text, "c0_middle") and "U+001B" in label_of(refused.text, "address")
    assert bed.count("select count(*) from report") == 0


def test_forms_say_which_dates_may_not_be_after_today(bed: Bed) -> None:
    case_id = bed.web.process.to_inspection()
    (record,) = ok(bed.as_("agent").get(f"/cases/{case_id}"))["events"]
    fields = {f["name"]: f for f in record["fields"]}
    assert fields["inspected_on"]["latest"] == "2025-03-03" and fields["living_conditions"]["latest"] == ""
    page = bed.web.client_for("agent").get(f"/cases/{case_id}").text
    field = re.search(r'<input type="date" name="f_inspected_on"[^>]*>', page)
    assert field and 'max="2025-03-03"' in field.group()
