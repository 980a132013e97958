"""The web UI over HTTP: pages per role, the action forms (validation, CSRF, conflicts, double submit),
plans, documents, the report form with its match preview, the KDN agenda, the overdue dashboard, the
registry, and who may see which case.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from freezegun import freeze_time

from cases.commands import ChildInput
from tests.e2e.conftest import Web
from tests.world import START


@pytest.fixture
def frozen(web: Web) -> Iterator[Any]:
    """Monday 03.03.2025 09:00 in Yekaterinburg; ``frozen.tick`` moves the app's clock."""
    # FastAPI builds its routes on the first request, reading the annotations then: build them before
    # freezegun replaces ``date`` in every module (a frozen ``date`` is not a valid parameter type)
    assert web.client.get("/__warm-up__").status_code == 404
    with freeze_time(START) as f:
        yield f


def form_of(page: str, action: str) -> dict[str, str]:
    """The hidden inputs of the form posting to ``action`` (CSRF, expected version, idempotency key)."""
    match = re.search(rf'<form method="post" action="{re.escape(action)}"[^>]*>(.*?)</form>', page, re.S)
    assert match, f"no form for {action}"
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', match.group(1)))


def label_of(page: str, name: str) -> str:
    """The <label> around the input named ``name``."""
    for label in re.findall(r"<label[^>]*>.*?</label>", page, re.S):
        if f'name="{name}"' in label:
            return str(label)
    raise AssertionError(f"no field {name}")


def act(client: TestClient, case_id: int, event: str, fields: dict[str, str], **extra: str) -> Any:
    """Post an action's form as the case page renders it (hidden fields taken from the page)."""
    url = f"/cases/{case_id}/actions/{event}"
    data = {**form_of(client.get(f"/cases/{case_id}").text, url), **{f"f_{k}": v for k, v in fields.items()}}
    return client.post(url, data={**data, **extra})


def audit_count(web: Web, case_id: int) -> int:
    return int(web.process.rows("select count(*) as n from wf_audit where instance_id = :c", c=case_id)[0].n)


def flash(response: Any) -> str:
    from urllib.parse import unquote

    return unquote(response.cookies.get("opora_flash") or "")


# -- the lists --------------------------------------------------------------------------------------

def test_worklist_orders_by_deadline_with_basis_countdown_and_overdue_rows(web: Web, frozen: Any) -> None:
    late = web.process.to_inspection()
    frozen.tick(timedelta(days=2))
    fresh = web.process.to_inspection(children=(ChildInput("Петрова", "Анна", "", date(2016, 2, 2)),))
    frozen.tick(timedelta(days=2))  # Friday 07.03: the first inspection (due Thursday) is overdue
    page = web.client_for("agent").get("/").text
    rows = re.findall(r'<tr class="([^"]*)" data-case="(\d+)">(.*?)</tr>', page, re.S)
    assert [int(r[1]) for r in rows] == [late, fresh]
    assert rows[0][0] == "overdue" and rows[1][0] == ""
    assert "просрочено на 1 рабочий день" in rows[0][2] and "через 1 рабочий день" in rows[1][2]
    assert "Обследовать условия жизни ребёнка и семьи" in rows[0][2] and "СК РФ ст. 122 п. 1" in rows[0][2]
    assert "Внести акт обследования" in rows[0][2]  # the next action
    assert "Семья Иванов" in rows[0][2] and "Иванов Пётр Сергеевич" in rows[0][2]


def test_empty_worklist_offers_the_territorys_urgent_cases(web: Web, frozen: Any) -> None:
    case_id = web.process.register().case_id
    curator = web.client_for("curator").get("/").text
    assert "Сейчас за вами нет дел" in curator and f'data-case="{case_id}"' not in curator
    boss = web.client_for("boss").get("/").text
    assert "Сейчас за вами нет дел" in boss and "Срочные дела территории" in boss
    assert f'href="/cases/{case_id}"' in boss and "Поручить Агентству обследование" in boss


def test_case_list_filters_and_pages(web: Web, frozen: Any) -> None:
    ivanov = web.process.register().case_id
    frozen.tick(timedelta(days=1))  # the same-day order of the first report is now overdue
    for i in range(26):
        web.process.register(children=(ChildInput("Сидоров", f"Ребёнок{i}", "", date(2015, 1, 1 + i)),))
    client = web.client_for("opeka")
    posted = client.post("/cases", data={"csrf": web.csrf(client, "/cases"), "family": "иванов"})
    found = client.get(posted.headers["location"]).text
    assert re.findall(r'data-case="(\d+)"', found) == [str(ivanov)] and "Найдено 1 дело" in found
    overdue = client.get("/cases", params={"overdue": "yes"}).text
    assert re.findall(r'data-case="(\d+)"', overdue) == [str(ivanov)]
    first = client.get("/cases", params={"workflow": "child_report", "state": "received"}).text
    assert "Найдено 27 дел" in first and len(re.findall(r'data-case="', first)) == 25
    assert "Страница 1 из 2" in first and "workflow=child_report&amp;state=received&amp;page=2" in first
    second = client.get("/cases", params={"workflow": "child_report", "state": "received", "page": "2"}).text
    assert len(re.findall(r'data-case="', second)) == 2
    bad = client.get("/cases", params={"due_before": "вчера", "page": "x"})
    assert bad.status_code == 200 and "ожидается дата" in bad.text


# -- the case page and its forms --------------------------------------------------------------------

def test_case_page_shows_family_diagram_deadlines_documents_and_action_forms(web: Web, frozen: Any) -> None:
    case_id = web.process.register().case_id
    page = web.client_for("opeka").get(f"/cases/{case_id}").text
    assert "Иванов Пётр Сергеевич" in page and "9 лет" in page  # born 01.04.2015, today 03.03.2025
    assert '<g class="state current" data-state="received">' in page  # the inline diagram, current state
    assert "Поручить Агентству обследование" in page and "Порядок" in page  # deadline and its basis
    assert "сегодня" in page  # countdown in working days
    assert re.search(r'href="/documents/\d+/pdf"', page) and "Регистрационная карточка" in page
    assert "Дело открыто" in page  # history
    label = label_of(page, "f_agency_unit")
    assert 'class="req"' in label and "Агентство, Сургутский отдел" in label and "required" in label
    assert "Лебедев Андрей Сергеевич" in label_of(page, "f_inspector")
    hidden = form_of(page, f"/cases/{case_id}/actions/order_inspection")
    assert hidden["expected_version"] == "1" and len(hidden["idem"]) > 12 and hidden["csrf"]


def test_an_action_through_the_form_changes_the_state(web: Web, frozen: Any) -> None:
    case_id = web.process.register().case_id
    client = web.client_for("opeka")
    response = act(client, case_id, "order_inspection", {"agency_unit": str(web.world.orgs["agency"]),
                                                         "inspector": str(web.world.users["agent"]), "note": ""})
    assert response.status_code == 303 and response.headers["location"] == f"/cases/{case_id}"
    assert "Выполнено: «Поручить обследование Агентству»" in flash(response)
    assert web.process.case(case_id).state == "inspection_ordered"
    page = client.get(f"/cases/{case_id}").text
    assert 'data-testid="state">Обследование поручено Агентству' in page
    assert "Подразделение Агентства" in page and "Агентство, Сургутский отдел" in page  # the payload in history


def test_invalid_payload_shows_errors_next_to_the_fields_and_keeps_the_values(web: Web, frozen: Any) -> None:
    case_id = web.process.to_inspection()
    response = act(web.client_for("agent"), case_id, "record_inspection",
                   {"living_conditions": "", "threats": "Холодно в квартире", "safety": "никакая"})
    assert response.status_code == 422
    page = response.text
    living = label_of(page, "f_living_conditions")
    assert 'class="invalid"' in label_of(page, "f_living_conditions") and "обязательное поле" in living
    assert "выберите одно из значений" in label_of(page, "f_safety")
    assert "Холодно в квартире" in label_of(page, "f_threats")  # kept
    assert '<details class="action" open id="action-record_inspection">' in page
    assert web.process.case(case_id).state == "inspection_ordered"


def test_csrf_stale_version_guard_and_confirmation(web: Web, frozen: Any) -> None:
    case_id = web.process.to_inspection()
    client = web.client_for("agent")
    forged = act(client, case_id, "record_inspection", {"living_conditions": "Норма", "safety": "safe"}, csrf="x")
    assert forged.status_code == 403 and web.process.case(case_id).state == "inspection_ordered"
    stale = act(client, case_id, "record_inspection", {"living_conditions": "Норма", "safety": "safe"},
                expected_version="1")
    assert stale.status_code == 409 and "уже изменено другим пользователем" in html.unescape(stale.text)
    assert 'data-testid="error"' in stale.text
    web.process.fire("agent", case_id, "record_inspection", {"living_conditions": "Норма", "safety": "safe"})
    web.process.fire("agent", case_id, "confirm", {"summary": "Подтвердилось"})
    gone = client.post(f"/cases/{case_id}/actions/confirm", data={"csrf": web.csrf(client), "f_summary": "Да"})
    assert gone.status_code == 409 and "недоступно в состоянии" in html.unescape(gone.text)  # confirmed already
    page = client.get(f"/cases/{case_id}").text  # the plan has no items yet: offered as unavailable, with why
    assert f'action="/cases/{case_id}/actions/approve_safety_plan"' not in page
    unavailable = re.search(r'<div class="action unavailable" id="action-approve_safety_plan".*?</div>', page, re.S)
    assert unavailable and "Пока недоступно: В плане нет ни одного мероприятия" in unavailable.group()
    guard = client.post(f"/cases/{case_id}/actions/approve_safety_plan",  # a page opened before: still refused
                        data={"csrf": web.csrf(client), "expected_version": "4"})
    assert guard.status_code == 422 and "мероприят" in guard.text
    other = web.process.to_inspection(children=(ChildInput("Петрова", "Анна"),))
    web.process.fire("agent", other, "record_inspection", {"living_conditions": "Норма", "safety": "safe"})
    checkbox = label_of(client.get(f"/cases/{other}").text, "confirmed")
    assert "Подтверждаю" in checkbox and "required" in checkbox
    unconfirmed = act(client, other, "close_not_confirmed", {"reason": "Ложное сообщение"})
    assert unconfirmed.status_code == 422 and "отметьте «Подтверждаю»" in unconfirmed.text
    assert "Ложное сообщение" in unconfirmed.text
    done = act(client, other, "close_not_confirmed", {"reason": "Ложное сообщение"}, confirmed="yes")
    assert done.status_code == 303 and web.process.case(other).state == "closed_not_confirmed"


def test_a_double_submit_fires_once(web: Web, frozen: Any) -> None:
    case_id = web.process.register().case_id
    client = web.client_for("opeka")
    url = f"/cases/{case_id}/actions/order_inspection"
    data = {**form_of(client.get(f"/cases/{case_id}").text, url), "f_agency_unit": str(web.world.orgs["agency"])}
    before = audit_count(web, case_id)
    first, second = client.post(url, data=data), client.post(url, data=data)
    assert first.status_code == second.status_code == 303
    assert "повторная отправка ничего не изменила" in flash(second)
    assert audit_count(web, case_id) == before + 1
    # an action that keeps the state (a visit) sent twice: the engine's key recognises the repeat
    _, support = web.process.to_support()
    curator = web.client_for("curator")
    url = f"/cases/{support}/actions/record_visit"
    visit = {**form_of(curator.get(f"/cases/{support}").text, url), "f_kind": "home", "f_notes": "Всё хорошо"}
    assert curator.post(url, data=visit).status_code == 303
    before = audit_count(web, support)
    again = curator.post(url, data=visit)
    assert again.status_code == 303 and "повторная отправка" in flash(again)
    assert audit_count(web, support) == before
    assert len(web.process.rows("select id from visit where case_id = :c", c=support)) == 1
    # a plan measure sent twice (no engine key of its own): the form's key is claimed once, durably
    items_url = f"/cases/{support}/plan/items"
    item = {**form_of(curator.get(f"/cases/{support}").text, items_url), "measure": "Путёвка в лагерь",
            "responsible": "КЦСО", "due_date": "2025-04-30"}
    assert curator.post(items_url, data=item).status_code == 303
    repeat = curator.post(items_url, data=item)
    assert "повторная отправка" in flash(repeat)
    assert len(web.process.rows("select id from plan_item where measure = 'Путёвка в лагерь'")) == 1


def test_plan_items_through_forms_and_a_denied_close(web: Web, frozen: Any) -> None:
    case_id = web.process.to_inspection()
    web.process.fire("agent", case_id, "record_inspection", {"living_conditions": "Норма", "safety": "safe"})
    web.process.fire("agent", case_id, "confirm", {"summary": "Подтвердилось"})
    agent = web.client_for("agent")
    url = f"/cases/{case_id}/plan/items"
    hidden = form_of(agent.get(f"/cases/{case_id}").text, url)
    bad = agent.post(url, data={**hidden, "measure": "Горячее питание", "due_date": "31.02.2025"})
    assert bad.status_code == 422 and "ожидается дата" in label_of(bad.text, "due_date")
    assert "Горячее питание" in label_of(bad.text, "measure")
    good = agent.post(url, data={**hidden, "measure": "Горячее питание", "responsible_org_id":
                                 str(web.world.orgs["school"]), "due_date": "2025-03-10"})
    assert good.status_code == 303 and flash(good) == "Мероприятие добавлено в план"
    page = agent.get(f"/cases/{case_id}").text
    item_id = int(re.search(r"/plan/items/(\d+)/close", page).group(1))  # type: ignore[union-attr]
    assert "Горячее питание" in page and "Школа № 5" in page
    close_url = f"/cases/{case_id}/plan/items/{item_id}/close"
    opeka = web.client_for("opeka")
    denied = opeka.post(close_url, data={**form_of(page, close_url), "csrf": web.csrf(opeka), "status": "done",
                                         "result": "Сделано"})
    assert denied.status_code == 403 and "Изменять этот план может" in denied.text
    empty = agent.post(close_url, data={**form_of(page, close_url), "status": "done", "result": ""})
    assert empty.status_code == 422 and "опишите результат" in empty.text
    closed = agent.post(close_url, data={**form_of(page, close_url), "status": "done", "result": "Питание есть"})
    assert closed.status_code == 303 and "Питание есть" in agent.get(f"/cases/{case_id}").text


def test_reassign_execution_report_and_documents(web: Web, frozen: Any) -> None:
    _, kdn = web.process.to_execution()
    boss = web.client_for("boss")
    page = boss.get(f"/cases/{kdn}").text
    offer = f"/cases/{kdn}/handovers"  # handed over with a reason; the receiver accepts
    response = boss.post(offer, data={**form_of(page, offer), "to_user_id": str(web.world.users["curator2"]),
                                       "reason": "Отпуск куратора"})
    assert response.status_code == 303 and web.process.case(kdn).assignee_id == web.world.users["curator"]
    receiver = web.client_for("curator2")
    offered = receiver.get(f"/cases/{kdn}").text
    accept = re.search(r'action="(/handovers/\d+/accept)"', offered).group(1)  # type: ignore[union-attr]
    assert receiver.post(accept, data=form_of(offered, accept)).status_code == 303
    assert web.process.case(kdn).assignee_id == web.world.users["curator2"]
    secretary = web.client_for("secretary")
    page = secretary.get(f"/cases/{kdn}").text
    url = f"/cases/{kdn}/execution-reports"
    report = secretary.post(url, data={**form_of(page, url), "org_id": str(web.world.orgs["school"]),
                                       "received_on": "2025-03-03", "text": "Посещает школу ежедневно",
                                       "positive_dynamics": "yes"})
    assert report.status_code == 303
    assert "Получен отчёт органа об исполнении плана" in secretary.get(f"/cases/{kdn}").text
    doc_id = int(re.search(r'href="/documents/(\d+)/pdf"', page).group(1))  # type: ignore[union-attr]
    pdf = secretary.get(f"/documents/{doc_id}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    docx = secretary.get(f"/documents/{doc_id}/docx")
    assert docx.content.startswith(b"PK") and "attachment" in docx.headers["content-disposition"]
    assert secretary.get(f"/documents/{doc_id}/exe").status_code == 404
    assert web.client_for("other_opeka").get(f"/documents/{doc_id}/pdf").status_code == 404


def test_reissuing_a_document(web: Web, frozen: Any) -> None:
    case_id = web.process.register().case_id
    client = web.client_for("opeka")
    page = client.get(f"/cases/{case_id}").text
    doc_id = int(re.search(r'action="/documents/(\d+)/reissue"', page).group(1))  # type: ignore[union-attr]
    url = f"/documents/{doc_id}/reissue"
    empty = client.post(url, data={**form_of(page, url), "reason": ""})
    assert empty.status_code == 422 and "укажите, что исправлено" in empty.text
    done = client.post(url, data={**form_of(page, url), "reason": "Исправлен адрес"})
    assert done.status_code == 303 and "ред. 2" in flash(done)
    assert "заменён новой редакцией" in client.get(f"/cases/{case_id}").text


# -- the report form --------------------------------------------------------------------------------

def report_form(client: TestClient, **fields: str) -> dict[str, str]:
    hidden = form_of(client.get("/reports/new").text, "/reports/new")
    return {**hidden, "source_type": "education", "channel": "written", "received_at": "2025-03-03T09:00",
            "text": "Ребёнок приходит в школу голодным", "address": "г. Сургут, ул. Мира, д. 7", **fields}


def test_report_form_previews_a_known_child_and_links_the_report(web: Web, frozen: Any) -> None:
    known = web.process.register()
    client = web.client_for("opeka")
    blank = client.get("/reports/new").text
    assert all(f'name="c{i}_last"' in blank for i in range(3)) and 'name="a_relation"' in blank
    data = report_form(client, c0_last="ИВАНОВ", c0_first="Петр", c0_middle="Сергеевич", c0_birth="2015-04-01",
                       c1_last="Иванова", c1_first="Мария")
    preview = client.post("/reports/new", data={**data, "step": "check"})
    assert preview.status_code == 200 and "Найдены известные дети" in preview.text
    person_id = known.children[0][0]
    assert f'name="c0_choice" value="{person_id}" required\n            checked' in preview.text
    assert "Совпадений нет" in preview.text  # the second child is new
    saved = client.post("/reports/new", data={**data, "step": "save", "c0_choice": str(person_id),
                                              "c1_choice": "new"})
    assert saved.status_code == 303 and "Сообщение связано с уже известной семьёй" in flash(saved)
    new_case = int(saved.headers["location"].rsplit("/", 1)[1])
    assert web.process.rows("select family_id from report where case_id = :c", c=new_case)[0].family_id \
        == known.family_id
    page = client.get(f"/cases/{new_case}").text
    assert page.count("Иванов Пётр Сергеевич") == 1 and "Иванова Мария" in page


def test_report_form_errors_and_ambiguous_matches_lead_back_to_the_choice(web: Web, frozen: Any) -> None:
    web.process.register(children=(ChildInput("Смирнов", "Олег", "", date(2012, 1, 1)),))
    web.process.register(children=(ChildInput("Смирнов", "Олег", "", date(2014, 2, 2)),), source="police")
    client = web.client_for("opeka")
    invalid = client.post("/reports/new", data={**report_form(client, text="", c0_first="Олег"), "step": "save"})
    assert invalid.status_code == 422 and "опишите, что сообщили" in label_of(invalid.text, "text")
    assert "обязательное поле" in label_of(invalid.text, "c0_last") and 'value="Олег"' in invalid.text
    data = report_form(client, c0_last="Смирнов", c0_first="Олег")
    ambiguous = client.post("/reports/new", data={**data, "step": "save"})
    assert ambiguous.status_code == 409 and "совпадает с несколькими известными детьми" in ambiguous.text
    assert ambiguous.text.count('name="c0_choice"') == 3 and "Новое сообщение о нарушении" in ambiguous.text
    saved = client.post("/reports/new", data={**data, "step": "save", "c0_choice": "new"})
    assert saved.status_code == 303
    assert web.client_for("curator").get("/reports/new").status_code == 403


def test_a_report_on_a_child_under_ipr_mentions_the_kdn_obligation(web: Web, frozen: Any) -> None:
    web.process.to_resolution()
    client = web.client_for("opeka")
    data = report_form(client, c0_last="Иванов", c0_first="Пётр", c0_middle="Сергеевич", c0_birth="2015-04-01")
    preview = client.post("/reports/new", data={**data, "step": "check"})
    assert "семья в ИПР КДН" in preview.text
    saved = client.post("/reports/new", data={**data, "step": "save"})
    assert "создано поручение направить сообщение в КДН" in flash(saved)


# -- the KDN, the supervisor, the registry -------------------------------------------------------------

def test_kdn_agenda_lists_waiting_cases(web: Web, frozen: Any) -> None:
    _, kdn = web.process.to_kdn()
    web.process.fire("agent", kdn, "submit_draft", {"grounds": "Пьянство", "proposed_measures": "ИПР"})
    web.process.fire("opeka", kdn, "approve_and_send", {"kdn": web.world.orgs["kdn"]})
    web.process.fire("secretary", kdn, "schedule_meeting", {"meeting_on": "2025-03-12"})
    page = web.client_for("secretary").get("/kdn").text
    waiting = page.split('data-testid="waiting"')[1].split("</table>")[0]
    assert f'href="/cases/{kdn}"' in waiting and "Постановление — признать в СОП" in waiting
    assert "Заседание 12 марта 2025" in page and "рассмотрение заключения" in page
    assert 'data-testid="waiting"' not in web.client_for("director").get("/kdn").text


def test_supervisor_dashboard_filters_and_reassigns(web: Web, frozen: Any) -> None:
    first = web.process.register().case_id
    frozen.tick(timedelta(days=1))  # the same-day order is now overdue
    upcoming = web.process.to_inspection(children=(ChildInput("Петрова", "Анна"),))
    client = web.client_for("boss")
    page = client.get("/supervisor").text
    assert '<img src="/statistics/discipline/chart/steps.svg" alt="Соблюдение сроков по шагам"' in page
    assert '<img src="/statistics/discipline/chart/orgs.svg" alt="Соблюдение сроков по организациям"' in page
    assert 'href="/supervisor?step=child_report%3Aorder_inspection"' in page
    assert f'href="/supervisor?assignee_id={web.world.users["opeka"]}"' in page
    assert 'data-testid="overdue-total">1<' in page
    assert f'data-case="{first}"' in page.split('data-testid="overdue"')[1]
    assert f'href="/cases/{upcoming}"' in page.split('data-testid="upcoming"')[1]
    filtered = client.get("/supervisor", params={"assignee_id": str(web.world.users["opeka"])}).text
    assert f'data-case="{first}"' in filtered and "Сбросить отбор" in filtered
    assert 'data-case="' not in client.get("/supervisor", params={"assignee_id": "999"}).text.split(
        'data-testid="upcoming"')[0]
    # handing over happens on the case page (only people who can act on the open step, a reason, acceptance)
    assert f'href="/cases/{first}#handover"' in page.split('data-testid="overdue"')[1]
    assert client.post("/supervisor/reassign", data={"csrf": web.csrf(client), "case_id": str(first),
                                                     "assignee_id": str(web.world.users["agent"])}).status_code in (
        404, 405)


def search_registry(web: Web, client: Any, **criteria: str) -> Any:
    """Post the registry's search form; follow the redirect to the saved search's page."""
    posted = client.post("/registry", data={"csrf": web.csrf(client, "/registry"), **criteria})
    if posted.status_code != 303:
        return posted
    assert re.fullmatch(r"/registry\?q=[\w-]+", posted.headers["location"])  # no criteria in the URL
    return client.get(posted.headers["location"])


def test_registry_search_is_case_and_yo_insensitive_and_exports(web: Web, frozen: Any) -> None:
    web.process.register(children=(ChildInput("Семёнова", "Алёна", "Игоревна", date(2014, 5, 6)),))
    client = web.client_for("opeka")
    assert "Найдено" not in client.get("/registry").text
    page = search_registry(web, client, name="СЕМЕНОВА ал")
    found = page.text
    assert "Семёнова Алёна Игоревна" in found and "06.05.2014" in found and re.search(r'href="/cases/\d+"', found)
    assert "Семёнова" in search_registry(web, client, address="мира 7").text
    assert "Семёнова" in search_registry(web, client, birth_date="2014-05-06").text
    assert "Семёнова" not in client.get("/registry", params={"name": "семенова"}).text  # names in a URL: ignored
    search_id = str(page.url).split("q=")[1]
    book = openpyxl.load_workbook(io.BytesIO(client.get("/registry/export.xlsx", params={"q": search_id}).content))
    assert book.active["A2"].value == "Семёнова Алёна Игоревна"
    csv = client.get("/registry/export.csv", params={"q": search_id})
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.content.decode("utf-8-sig").splitlines()[1].startswith("Семёнова Алёна Игоревна;Ребёнок")
    short = search_registry(web, client, name="с")
    assert short.status_code == 422 and "не меньше двух букв" in short.text
    wildcard = search_registry(web, client, name="__")
    assert wildcard.status_code == 200 and "Семёнова" not in wildcard.text  # LIKE wildcards are plain characters
    other = web.client_for("other_opeka")
    assert "Семёнова" not in search_registry(web, other, name="семенова").text
    assert client.get("/registry/export.csv", params={"q": search_id}).status_code == 200
    assert other.get("/registry/export.csv", params={"q": search_id}).status_code == 422  # not theirs


def test_the_case_filter_keeps_the_family_name_out_of_the_url(web: Web, frozen: Any) -> None:
    web.process.register(children=(ChildInput("Семёнова", "Алёна", "Игоревна", date(2014, 5, 6)),))
    web.process.register()
    client = web.client_for("opeka")
    posted = client.post("/cases", data={"csrf": web.csrf(client, "/cases"), "family": "семёнова",
                                         "workflow": "child_report"})
    location = posted.headers["location"]
    assert posted.status_code == 303 and "workflow=child_report" in location and "семён" not in location.lower()
    listed = client.get(location).text
    assert "Найдено 1 дело" in listed and 'value="семёнова"' in listed


# -- who sees what --------------------------------------------------------------------------------------

def test_cases_of_others_are_not_found(web: Web, frozen: Any) -> None:
    report_case, support = web.process.to_support()
    assert web.client_for("curator").get(f"/cases/{support}").status_code == 200
    for login, case_id in [("curator", report_case), ("other_curator", support), ("other_opeka", support),
                           ("curator2", report_case)]:
        response = web.client_for(login).get(f"/cases/{case_id}")
        assert response.status_code == 404 and "(или нет доступа)" in response.text, login
    # a colleague of the same УСО sees the case (their institution takes part: cases/access/) but cannot act
    colleague = web.client_for("curator2")
    page = colleague.get(f"/cases/{support}").text
    assert "Сейчас у вас нет действий по этому делу" in page and 'method="post" action="/cases/' not in page
    blocked = colleague.post(f"/cases/{support}/actions/record_visit",
                             data={"csrf": web.csrf(colleague), "f_kind": "home", "f_notes": "Попытка"})
    assert blocked.status_code == 403 and "куратор, которому назначено дело" in blocked.text
    assert not web.process.rows("select id from visit where case_id = :c", c=support)
    assert web.client.get(f"/cases/{support}").status_code == 303  # not logged in: to the login page
