"""Territory profiles and the district commission's workflow over HTTP: the REST API and the ``/workflows`` page."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from typing import Any

import openpyxl
import pytest

from api.web import MEDIA
from cases import areas
from tests.e2e.conftest import Web
from tests.e2e.test_api import Api, Bed, error, ok
from tests.e2e.test_api import bed as bed  # the fixture: the app at Monday 03.03.2025 09:00
from tests.regions_steps import active, add_novgorod, referred


def cells(xlsx: bytes) -> list[list[list[Any]]]:
    """Every sheet's cell values (two downloads of one file differ in the ZIP's timestamps, not in these)."""
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    return [[list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets]


def _names(api: Api) -> set[str]:
    return {w["name"] for w in ok(api.get("/workflows"))}


def put(api: Api, path: str, body: Any) -> Any:
    return api.client.put("/api/v1" + path, json=body, headers=api.headers)


#: the adults' practices and the organisations' reporting obligations are the same in every territory: no profile
#: chooses them
ADULTS = {"release_accompaniment", "homeless_placement", "free_places", "report_obligation"}


def test_each_territory_lists_its_own_workflows_and_profile(bed: Bed) -> None:
    add_novgorod(bed.web.process)
    assert _names(bed.as_("boss")) == {"child_report", "family_support", "kdn_prevention", "kdn_forward", *ADULTS}
    assert _names(bed.as_("b_secretary")) == {"child_report", "family_support", "kdn_ipr_district", "kdn_forward",
                                              "uso_ministry_report", *ADULTS}
    profile = ok(bed.as_("b_secretary").get("/territory/profile"))
    assert profile["profile"] == "novgorod" and profile["workflows"]["kdn_ipr"] == "kdn_ipr_district"
    assert profile["settings"]["body_report_day"] == 10
    assert ok(bed.as_("boss").get("/territory/profile"))["revision"] == 0  # never published: the default


def test_only_the_administrator_publishes_a_profile_and_bad_ones_are_refused(bed: Bed) -> None:
    error(put(bed.as_("boss"), "/territory/profile", {"profile": "novgorod"}), 403, "forbidden")
    body = error(put(bed.as_("admin"), "/territory/profile", {"profile": "stavropol"}), 422, "input_invalid")
    assert "settings.mobile_team_response_hours" in body["details"]["fields"]
    assert bed.count("select count(*) from territory_profile") == 0
    done = ok(put(bed.as_("admin"), "/territory/profile", {"profile": "stavropol",
                                                            "settings": {"mobile_team_response_hours": 24},
                                                            "basis": "приказ министерства"}))
    assert done["revision"] == 1 and done["settings"]["mobile_team_response_hours"] == 24


def test_the_workflows_page_shows_the_profile_and_the_admin_publishes_with_csrf(web: Web) -> None:
    add_novgorod(web.process)
    secretary = web.client_for("b_secretary")
    page = secretary.get("/workflows")
    assert page.status_code == 200
    assert "Новгородская область" in page.text and "kdn_ipr_district" in page.text
    assert "Опубликовать профиль" not in page.text  # only the administrator publishes
    admin = web.client_for("admin")
    assert admin.post("/workflows/profile", data={"profile": "novgorod", "csrf": "bad"}).status_code in (400, 403)
    refused = admin.post("/workflows/profile", data={"profile": "stavropol", "csrf": web.csrf(admin, "/workflows")})
    assert refused.status_code == 422 and "Время реагирования мобильной бригады" in refused.text
    done = admin.post("/workflows/profile", data={"profile": "stavropol", "mobile_team_response_hours": "12",
                                                  "csrf": web.csrf(admin, "/workflows")})
    assert done.status_code == 303
    assert "Ставропольский край" in admin.get("/workflows").text


def test_the_usos_report_to_the_ministry_over_http(bed: Bed) -> None:
    proc = bed.web.process
    add_novgorod(proc)
    active(proc)
    obligation = int(proc.rows("select id from wf_instance where workflow = 'uso_ministry_report'")[0].id)
    director = bed.as_("b_director")
    case = ok(director.get(f"/cases/{obligation}"))
    assert case["workflow"] == "uso_ministry_report" and case["family"] is None
    assert [d["due_at"][:10] for d in case["deadlines"] if d["key"] == "ministry_report"] == ["2025-04-10"]
    assert [e["event"] for e in case["events"]] == ["submit_ministry_report"]
    error(bed.as_("b_curator1").post(f"/cases/{obligation}/events/submit_ministry_report", json={}), 403,
          "role_not_allowed")
    _fire(director, obligation, "submit_ministry_report", {"notes": "Отчёт за I квартал"})
    documents = ok(director.get(f"/cases/{obligation}/documents"))
    assert [d["template"] for d in documents] == ["uso_ministry_report"]
    assert "министерство" in documents[0]["title"]
    page = bed.web.client_for("b_director").get(f"/cases/{obligation}")
    assert page.status_code == 200 and "Сформировать и представить отчёт в министерство за квартал" in page.text


def test_the_menu_links_to_the_workflows_page_for_every_role(web: Web) -> None:
    add_novgorod(web.process)
    for login in ("b_secretary", "b_director", "admin"):
        page = web.client_for(login).get("/")
        assert page.status_code == 200
        assert '<nav class="menu"' in page.text
        menu = page.text.split('<nav class="menu"', 1)[1].split("</nav>", 1)[0]
        assert 'href="/workflows"' in menu and "Процессы" in menu, login
    page = web.client_for("admin").get("/workflows")
    menu = page.text.split('<nav class="menu"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/workflows" class="active"' in menu


def _fire(api: Api, case_id: int, event: str, payload: dict[str, Any] | None = None, status: int = 200) -> Any:
    return ok(api.post(f"/cases/{case_id}/events/{event}", json=payload or {}), status)


@pytest.mark.parametrize("decision", ["review_continue", "review_court", "review_terminate_removed"])
def test_the_district_commission_case_over_http(bed: Bed, decision: str) -> None:
    proc = bed.web.process
    add_novgorod(proc)
    _, kdn = referred(proc)
    secretary, director = bed.as_("b_secretary"), bed.as_("b_director")
    error(bed.as_("secretary").post(f"/cases/{kdn}/events/adopt_resolution", json={}), 404, "not_found")
    today = proc.today()
    _fire(secretary, kdn, "adopt_resolution", {
        "resolution_number": "5/1", "uso": proc.world.orgs["b_uso"], "executing_bodies": "Школа № 1, ПДН",
        "report_back_on": (today + timedelta(days=7)).isoformat()})
    for org in ("b_school", "b_police"):
        ok(director.post(f"/cases/{kdn}/plan-items", json={
            "measure": "Мероприятие органа", "due_date": (today + timedelta(days=30)).isoformat(),
            "responsible_org_id": proc.world.orgs[org]}), 201)
    _fire(director, kdn, "submit_plan")
    moved = _fire(secretary, kdn, "approve_plan", {"approval_resolution_number": "6/1"})
    assert moved["to_state"] == "support_active"
    card = ok(secretary.get(f"/cases/{kdn}"))
    assert card["assignee_id"] == proc.world.users["b_curator1"]  # ул. Коммунарная is in area 1
    curator = bed.as_("b_curator1")
    _fire(curator, kdn, "record_visit", {"kind": "home", "notes": "Патронаж"})
    _fire(curator, kdn, "submit_quarterly_report", {"summary": "Квартал без пропусков"})
    body = error(secretary.post(f"/cases/{kdn}/events/{decision}", json={"resolution_number": "9",
                                                                         "notes": "Итоги"}), 422, "guard_failed")
    assert "отчёты" in body["message"]
    bed.frozen.tick(timedelta(days=80))  # the review, before three months pass
    for org in ("b_school", "b_police"):
        ok(secretary.post(f"/cases/{kdn}/execution-reports", json={
            "org_id": proc.world.orgs[org], "received_on": proc.today().isoformat(), "text": "Исполнено"}), 201)
    result = _fire(secretary, kdn, decision, {"resolution_number": "9", "notes": "Итоги"})
    assert result["to_state"] == {"review_continue": "support_active", "review_court": "court_referral",
                                  "review_terminate_removed": "post_support"}[decision]
    documents = {d["template"] for d in ok(secretary.get(f"/cases/{kdn}/documents"))}
    assert {"kdn_resolution", "resolution_dispatch_list", "ipr_plan"} <= documents


def test_stavropol_records_and_monitoring_over_http(bed: Bed, web: Web) -> None:
    admin, boss, agent = bed.as_("admin"), bed.as_("boss"), bed.as_("agent")
    ok(put(admin, "/territory/profile", {"profile": "stavropol", "settings": {"mobile_team_response_hours": 48}}))
    assert put(boss, "/statistics/monitoring/targets/mobile_team_families",
               {"year": 2025, "target": 3000}).status_code == 204
    error(put(boss, "/statistics/monitoring/targets/unknown_thing", {"year": 2025, "target": 1}), 404, "not_found")
    error(put(agent, "/statistics/monitoring/targets/mobile_team_families", {"year": 2025, "target": 1}), 403,
          "forbidden")
    _, support = bed.web.process.to_support(criteria=["large"])
    ok(agent.post(f"/cases/{support}/need-assessment", json={"categories": ["large", "low_income"],
                                                             "decided_on": "2025-03-03"}), 201)
    body = error(agent.post(f"/cases/{support}/need-assessment", json={"categories": [], "decided_on": "2025-03-03"}),
                 422, "input_invalid")
    assert "categories" in body["details"]["fields"]
    ok(agent.post("/mobile-visits", json={"visited_on": "2025-03-03", "members": ["Агентство: Лебедев А. С."],
                                          "outcome": "helped", "families_reached": 3}), 201)
    error(agent.post("/mobile-visits", json={"visited_on": "2025-03-03", "members": ["x"], "outcome": "party"}),
          422, "input_invalid")
    found = ok(boss.get("/statistics/monitoring", params={"year": 2025}))
    rows = {r["code"]: r for r in found["indicators"]}
    assert rows["mobile_team_families"]["target"] == 3000 and rows["mobile_team_families"]["actual"] == 3
    assert rows["need_decisions"]["actual"] == 1 and found["response_hours"] == 48
    client = web.client_for("boss")
    page = client.get("/statistics/monitoring?year=2025")
    assert page.status_code == 200 and "Мониторинг показателей" in page.text and "3000" in page.text
    xlsx = client.get("/statistics/monitoring.xlsx?year=2025")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    over_rest = boss.get("/statistics/monitoring/export", params={"year": 2025})  # a bearer token, no session
    assert over_rest.status_code == 200 and over_rest.headers["content-type"] == MEDIA["xlsx"]
    assert cells(over_rest.content) == cells(xlsx.content)
    assert "monitoring_2025.xlsx" in over_rest.headers["content-disposition"]
    assert bed.web.client.get("/api/v1/statistics/monitoring/export").status_code == 401
    director = web.client_for("director")
    refused = director.post("/statistics/monitoring/visits", data={
        "csrf": web.csrf(director, "/statistics/monitoring"), "visited_on": "2025-03-03", "members": "",
        "families_reached": "2", "outcome": "helped"})
    assert refused.status_code == 422 and "состав бригады" in refused.text
    done = director.post("/statistics/monitoring/visits", data={
        "csrf": web.csrf(director, "/statistics/monitoring"), "visited_on": "2025-03-03",
        "requested_at": "2025-02-27T10:00", "members": "УСО: Морозова Е. П.\nПДН: инспектор", "families_reached": "2",
        "outcome": "support_opened"})
    assert done.status_code == 303
    again = ok(boss.get("/statistics/monitoring", params={"year": 2025}))
    assert again["visits"] == 2 and again["late_visits"] == 1


def test_the_recognition_form_shows_the_checklist_and_records_the_ticked_criteria(bed: Bed, web: Web) -> None:
    from tests.e2e.test_ui import form_of

    ok(put(bed.as_("admin"), "/territory/profile", {"profile": "stavropol",
                                                    "settings": {"mobile_team_response_hours": 24}}))
    proc = web.process
    case = proc.to_safety_control()
    proc.close_safety_items(case)
    agent = web.client_for("agent")
    url = f"/cases/{case}/actions/classify_tzs"
    page = agent.get(f"/cases/{case}").text
    form = page.split(f'action="{url}"', 1)[1].split("</form>", 1)[0]
    assert form.count('name="f_need_criteria"') == 10
    assert "многодетная семья" in form and "семья, воспитывающая ребёнка-инвалида или ребёнка с ОВЗ" in form
    base = {**form_of(page, url), "f_uso": str(proc.world.orgs["uso"]), "f_grounds": "Мать потеряла работу"}
    refused = agent.post(url, data=base)  # nothing ticked
    assert refused.status_code == 422 and "отметьте хотя бы один критерий нуждаемости" in refused.text
    assert 'id="error-need_criteria"' in refused.text
    unknown = agent.post(url, data={**base, "f_need_criteria": ["large", "rich"]})
    assert unknown.status_code == 422 and "нет в перечне критериев: rich" in unknown.text
    assert proc.rows("select id from need_assessment") == [] and proc.case(case).state == "safety_control"
    done = agent.post(url, data={**base, "f_need_criteria": ["large", "disabled_child"]})
    assert done.status_code == 303, done.text
    support = proc.started_case(case, "family_support")
    rows = proc.rows("select case_id, categories from need_assessment")
    categories = rows[0].categories  # JSON text on SQLite, a list on PostgreSQL
    assert [r.case_id for r in rows] == [support]
    assert set(json.loads(categories) if isinstance(categories, str) else categories) == {"large", "disabled_child"}
    # the REST action takes them the same way
    other = proc.to_safety_control()
    proc.close_safety_items(other)
    api = bed.as_("agent")
    body = error(api.post(f"/cases/{other}/events/classify_tzs", json={
        "uso": proc.world.orgs["uso"], "grounds": "Нет работы", "need_criteria": ["party"]}), 422, "payload_invalid")
    assert "need_criteria" in body["details"]["fields"]
    _fire(api, other, "classify_tzs", {"uso": proc.world.orgs["uso"], "grounds": "Нет работы",
                                       "need_criteria": ["low_income", "disabled_child"]})
    found = ok(bed.as_("boss").get("/statistics/monitoring", params={"year": 2025}))
    rows_ = {r["code"]: r["actual"] for r in found["indicators"]}
    assert rows_["need_decisions"] == 2 and rows_["disabled_child_families"] == 2
    monitoring_page = web.client_for("boss").get("/statistics/monitoring?year=2025").text
    assert "многодетная семья" in monitoring_page


def test_territories_side_by_side_over_http(bed: Bed, web: Web) -> None:
    add_novgorod(bed.web.process)
    referred(bed.web.process)
    found = ok(bed.as_("boss").get("/statistics/territories"))
    names = {r["territory"]: r for r in found["rows"]}
    assert set(names) == {"surgut", "nefteyugansk", "borovichi"} and "АППГ" in " ".join(found["columns"])
    assert names["borovichi"]["values"][2] == 1  # one report this year
    error(bed.as_("secretary").get("/statistics/territories"), 403, "forbidden")
    client = web.client_for("boss")
    page = client.get("/statistics/territories")
    assert page.status_code == 200 and "Боровичский муниципальный район" in page.text
    xlsx = client.get("/statistics/territories.xlsx")
    assert xlsx.content[:2] == b"PK"
    over_rest = bed.as_("boss").get("/statistics/territories/export")  # a bearer token, no session
    assert over_rest.status_code == 200 and cells(over_rest.content) == cells(xlsx.content)
    assert over_rest.headers["content-type"] == MEDIA["xlsx"]
    error(bed.as_("secretary").get("/statistics/territories/export"), 403, "forbidden")


def test_areas_are_listed_and_kept_by_the_administrator(bed: Bed, web: Web) -> None:
    proc = bed.web.process
    add_novgorod(proc)
    admin, secretary = bed.as_("b_admin"), bed.as_("b_secretary")
    listed = ok(secretary.get("/territory/areas"))
    assert [a["name"] for a in listed] == ["Участок № 1 (центр)", "Участок № 2 (сельский)"]
    assert listed[0]["curator_id"] == proc.world.users["b_curator1"]
    error(put(secretary, "/territory/areas/Участок 3", {"places": ["ул. Сушанская"]}), 403, "forbidden")
    clash = error(put(admin, "/territory/areas/Участок 3", {"places": ["ул. Коммунарная"]}), 422, "input_invalid")
    assert "Участок № 1" in clash["details"]["fields"]["places"]
    error(put(admin, "/territory/areas/Участок 3", {"places": ["ул. Сушанская"],
                                                    "curator_id": proc.world.users["curator"]}), 422, "input_invalid")
    done = ok(put(admin, "/territory/areas/Участок 3", {"places": ["ул. Сушанская"], "passport": "Микрорайон",
                                                        "curator_id": proc.world.users["b_curator2"]}))
    assert done["curator"] == "Титов Павел Андреевич"
    with proc.svc.db.read() as tx:  # the new area serves addresses on its street from now on
        found = areas.area_for(tx, "borovichi", "г. Боровичи, ул. Сушанская, д. 9")
    assert found is not None and found.curator_id == proc.world.users["b_curator2"]
    page = web.client_for("b_secretary").get("/workflows")
    assert "Участок 3" in page.text and "Микрорайон" in page.text


def test_regional_records_refuse_control_characters_by_field_and_store_clean_text(bed: Bed) -> None:
    proc = bed.web.process
    admin, boss, agent = bed.as_("admin"), bed.as_("boss"), bed.as_("agent")
    profile = {"profile": "stavropol", "settings": {"mobile_team_response_hours": 48}}
    refused = error(put(admin, "/territory/profile", {**profile, "basis": "Приказ\x07 № 5"}), 422, "input_invalid")
    assert list(refused["details"]["fields"]) == ["basis"] and "U+0007" in refused["details"]["fields"]["basis"]
    assert ok(put(admin, "/territory/profile", {**profile, "basis": " Приказ\t № 5 "}))["basis"] == "Приказ № 5"
    refused = error(put(boss, "/statistics/monitoring/targets/mobile_team_families",
                        {"year": 2025, "target": 5, "basis": "План\x1b[31m"}), 422, "input_invalid")
    assert list(refused["details"]["fields"]) == ["basis"]
    visit = {"visited_on": "2025-03-03", "outcome": "helped", "families_reached": 1}
    refused = error(agent.post("/mobile-visits", json={**visit, "members": ["Агентство:\x07 Лебедев А. С."],
                                                       "notes": "Дома\u202eникого"}), 422, "input_invalid")
    assert set(refused["details"]["fields"]) == {"members", "notes"}
    ok(agent.post("/mobile-visits", json={**visit, "members": ["Агентство:   Лебедев\tА. С."],
                                          "notes": "Семья  дома"}), 201)
    assert [(r.members, r.notes) for r in proc.rows("select members, notes from mobile_visit")] in (
        [(["Агентство: Лебедев А. С."], "Семья дома")], [('["Агентство: Лебедев А. С."]', "Семья дома")])
    refused = error(put(admin, "/territory/areas/Участок 9", {"places": ["ул. Мира\x0b"], "passport": "Дома\x00"}),
                    422, "input_invalid")
    assert set(refused["details"]["fields"]) == {"places", "passport"}
