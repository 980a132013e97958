"""Input that survives, in Debian's Chromium: a form sent after the session expired comes back filled after
login (never a 405), drafts of long texts outlive a reload, and a visit recorded without a connection is sent
once the connection returns — exactly once, with its idempotency key — while the worklist and the case opened
before stay readable offline.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from api.bootstrap import Container
from api.tables import AuthSession
from cases.demo import DEMO_PASSWORD
from cases.tables import Visit
from engine.tables import table_of
from tests.e2e.browser import Shots
from tests.e2e.browser import log_in as log_in_as

pytestmark = pytest.mark.browser
SES, VIS = table_of(AuthSession), table_of(Visit)
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def phone(browser: Any, base_url: str) -> Iterator[Page]:
    context = browser.new_context(base_url=base_url, viewport=PHONE, locale="ru-RU", timezone_id="Asia/Yekaterinburg")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def log_in(page: Page, login: str = "curator") -> None:
    log_in_as(page, login)


def case_with_a_visit_due(page: Page) -> str:
    page.goto("/")
    row = page.locator("[data-testid=worklist] tbody tr").filter(has_text="Отметить посещение семьи").first
    return f"/cases/{row.get_attribute('data-case')}"


def visit_form(page: Page) -> Any:
    details = page.locator("#action-record_visit")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    return details.locator("form")


def visits_with(demo: Container, notes: str) -> int:
    with demo.db.read() as tx:
        return int(tx.connection.execute(sa.select(sa.func.count()).select_from(VIS).where(VIS.c.notes == notes))
                   .scalar_one())


def test_a_form_sent_after_the_session_expired_is_filled_again_after_login(phone: Page, demo: Container) -> None:
    shots = Shots("expired")
    log_in(phone)
    case = case_with_a_visit_due(phone)
    phone.goto(case)
    form = visit_form(phone)
    notes = "Сеанс истёк: мать на работе, дети у бабушки, условия удовлетворительные."
    form.locator("select[name=f_kind]").select_option(label="Посещение на дому")
    form.locator("textarea[name=f_notes]").fill(notes)
    with demo.db.unit_of_work() as tx:  # the session runs out while the curator types
        tx.connection.execute(sa.update(SES).values(expires_at=demo.clock.now() - timedelta(minutes=1)))
        tx.commit()
    phone.evaluate("localStorage.clear()")  # the server keeps the form, not the draft on this phone
    form.locator("button[type=submit]").click()
    expect(phone).to_have_url(re.compile(r"/login\?next="))
    expect(phone.locator("[data-testid=kept]")).to_be_visible()
    assert visits_with(demo, notes) == 0  # nothing is done without a session
    shots.take(phone, "login")
    phone.fill("input[name=login]", "curator")
    phone.fill("input[name=password]", DEMO_PASSWORD)
    phone.click("button[type=submit]")
    expect(phone).to_have_url(re.compile(rf"{case}$"))
    expect(phone.locator("[data-testid=restored]")).to_be_visible()
    form = visit_form(phone)
    expect(form.locator("textarea[name=f_notes]")).to_have_value(notes)
    expect(form.locator("select[name=f_kind]")).to_have_value("home")
    assert visits_with(demo, notes) == 0  # shown again, not sent: the user sends it
    shots.take(phone, "refilled")
    form.locator("button[type=submit]").click()
    expect(phone.locator(".flash")).to_contain_text("Выполнено: «Отметить посещение семьи»")
    assert visits_with(demo, notes) == 1
    phone.reload()  # read once: not refilled again
    expect(phone.locator("[data-testid=restored]")).to_have_count(0)


def test_another_user_on_the_same_browser_does_not_get_the_kept_form(phone: Page, demo: Container) -> None:
    log_in(phone)
    case = case_with_a_visit_due(phone)
    phone.goto(case)
    form = visit_form(phone)
    form.locator("select[name=f_kind]").select_option(label="Посещение на дому")
    form.locator("textarea[name=f_notes]").fill("Не для чужих глаз.")
    with demo.db.unit_of_work() as tx:
        tx.connection.execute(sa.update(SES).values(expires_at=demo.clock.now() - timedelta(minutes=1)))
        tx.commit()
    form.locator("button[type=submit]").click()
    expect(phone.locator("[data-testid=kept]")).to_be_visible()
    phone.fill("input[name=login]", "boss")
    phone.fill("input[name=password]", DEMO_PASSWORD)
    phone.click("button[type=submit]")
    expect(phone).to_have_url(re.compile(rf"{case}$"))
    expect(phone.locator("[data-testid=restored]")).to_have_count(0)
    expect(phone.locator("#pending-form")).to_have_count(0)


def test_a_draft_of_visit_notes_outlives_a_reload_and_goes_once_sent(phone: Page, demo: Container) -> None:
    log_in(phone)
    phone.goto(case_with_a_visit_due(phone))
    notes = "Черновик: разговор с матерью о школе, продолжить завтра."
    visit_form(phone).locator("textarea[name=f_notes]").fill(notes)
    phone.wait_for_timeout(700)  # the draft is saved shortly after typing stops
    phone.reload()
    form = visit_form(phone)
    expect(form.locator("textarea[name=f_notes]")).to_have_value(notes)
    expect(form.locator(".draft-note")).to_contain_text("Восстановлен черновик")
    form.locator("select[name=f_kind]").select_option(label="Телефонный звонок")
    form.locator("button[type=submit]").click()
    expect(phone.locator(".flash")).to_contain_text("Выполнено")
    phone.reload()
    expect(visit_form(phone).locator("textarea[name=f_notes]")).to_have_value("")
    assert visits_with(demo, notes) == 1


def test_a_visit_recorded_offline_arrives_exactly_once(phone: Page, demo: Container) -> None:
    shots = Shots("offline")
    log_in(phone)
    case = case_with_a_visit_due(phone)
    phone.goto(case)
    phone.wait_for_function("navigator.serviceWorker.controller !== null || "
                            "navigator.serviceWorker.ready.then(() => true)")
    phone.reload()  # now under the worker: the case page and the worklist are kept on the device
    phone.goto("/")
    phone.goto(case)
    expect(phone.locator("[data-testid=state]")).to_be_visible()

    phone.context.set_offline(True)
    phone.goto("/")  # the worklist from the device
    expect(phone.locator("[data-testid=worklist]")).to_be_visible()
    expect(phone.locator("[data-testid=offline]")).to_be_visible()
    phone.goto(case)
    form = visit_form(phone)
    notes = "Без связи: в посёлке нет сети, семья дома, всё в порядке."
    form.locator("select[name=f_kind]").select_option(label="Посещение на дому")
    form.locator("textarea[name=f_notes]").fill(notes)
    form.locator("button[type=submit]").click()
    queue = phone.locator("[data-testid=queue]")
    expect(queue).to_contain_text("будет отправлено, когда появится связь")
    second = "Без связи, второй звонок: мать подтвердила запись к врачу."
    form = visit_form(phone)  # a second visit from the same page kept on the device
    form.locator("select[name=f_kind]").select_option(label="Телефонный звонок")
    form.locator("textarea[name=f_notes]").fill(second)
    form.locator("button[type=submit]").click()
    expect(queue.locator("li")).to_have_count(2)
    shots.take(phone, "queued")
    assert visits_with(demo, notes) == 0

    phone.context.set_offline(False)
    expect(phone.locator("[data-testid=queue-sent]")).to_contain_text("Отправлено записей о посещениях, сделанных "
                                                                      "без связи: 2")
    expect(queue).to_have_count(0)
    assert visits_with(demo, notes) == 1 and visits_with(demo, second) == 1
    phone.goto(case)
    expect(phone.locator("[data-testid=visits]")).to_contain_text(notes)
    phone.reload()
    assert visits_with(demo, notes) == 1  # nothing is sent twice
    shots.take(phone, "sent")


def test_offline_a_page_never_opened_says_so_and_logging_out_deletes_the_kept_pages(phone: Page,
                                                                                     demo: Container) -> None:
    log_in(phone)
    case = case_with_a_visit_due(phone)
    phone.goto(case)
    phone.wait_for_function("navigator.serviceWorker.ready.then(() => true)")
    phone.reload()  # under the worker: the case page is kept on the device
    expect(phone.locator("[data-testid=state]")).to_be_visible()
    phone.context.set_offline(True)
    phone.goto("/registry")  # never opened here: not the browser's error page but Opora's
    expect(phone.locator("h1")).to_have_text("Нет связи с сервером")
    phone.goto(case)
    expect(phone.locator("[data-testid=state]")).to_be_visible()  # the case opened before
    phone.context.set_offline(False)
    phone.goto(case)
    phone.locator("form[action='/logout'] button").click()
    expect(phone.locator("input[name=login]")).to_be_visible()
    phone.wait_for_function("caches.has('opora-pages').then(kept => !kept)")
    phone.context.set_offline(True)
    phone.goto(case)  # the family's case is no longer on the device
    expect(phone.locator("h1")).to_have_text("Нет связи с сервером")
    expect(phone.locator("[data-testid=state]")).to_have_count(0)
    phone.context.set_offline(False)


def test_a_queued_visit_the_server_refuses_stays_with_the_reason(phone: Page, demo: Container) -> None:
    log_in(phone)
    case = case_with_a_visit_due(phone)
    phone.goto(case)
    phone.context.set_offline(True)
    form = visit_form(phone)
    form.locator("select[name=f_kind]").select_option(label="Посещение на дому")
    form.locator("textarea[name=f_notes]").fill("Запись, которую сервер не примет.")
    form.locator("input[name=f_visited_on]").fill("2099-01-01")  # the form allows it offline; the server refuses
    form.evaluate("f => f.querySelector('input[name=f_visited_on]').removeAttribute('max')")
    form.locator("button[type=submit]").click()
    expect(phone.locator("[data-testid=queue]")).to_contain_text("будет отправлено")
    phone.context.set_offline(False)
    item = phone.locator("[data-testid=queue] li.conflict")
    expect(item).to_contain_text("не принято")
    expect(item).to_contain_text("Дата посещения — дата не может быть позже сегодняшнего дня")
    phone.reload()
    expect(phone.locator("[data-testid=queue] li.conflict")).to_have_count(1)  # kept until the user decides
    phone.locator("[data-testid=queue] li.conflict a").click()  # back into the form, as a draft
    expect(phone.locator("[data-testid=queue]")).to_have_count(0)
    form = visit_form(phone)
    expect(form.locator("textarea[name=f_notes]")).to_have_value("Запись, которую сервер не примет.")
    expect(form.locator("input[name=f_visited_on]")).to_have_value("2099-01-01")
    form.locator("input[name=f_visited_on]").fill(demo.calendar.local_date(demo.clock.now()).isoformat())
    form.locator("button[type=submit]").click()
    expect(phone.locator(".flash")).to_contain_text("Выполнено")
    assert visits_with(demo, "Запись, которую сервер не примет.") == 1
