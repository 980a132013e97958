"""Real browser scenarios on the demo municipality: Debian's Chromium driven by Playwright against the app
served by uvicorn. Every page visited is saved as a full-page screenshot in test-artifacts/screenshots.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from api.bootstrap import Container
from engine.tables import AuditEvent, CaseInstance, table_of
from tests.e2e.browser import Shots, log_in, open_action

CI, AE = table_of(CaseInstance), table_of(AuditEvent)

pytestmark = pytest.mark.browser


def test_curator_records_a_visit_and_continues_support(page: Page, demo: Container) -> None:
    shots = Shots("curator")
    log_in(page, "curator")
    expect(page.locator("h1")).to_have_text("Мои дела")
    rows = page.locator("[data-testid=worklist] tbody tr")
    assert rows.count() >= 2
    expect(rows.first).to_have_class(re.compile("overdue"))  # the most urgent first, red
    shots.take(page, "worklist")
    row = rows.filter(has_text="Отметить посещение семьи").first  # the most urgent case with a visit due
    case_id = row.get_attribute("data-case")
    row.locator("a.case-link").click()
    expect(page).to_have_url(re.compile(rf"/cases/{case_id}$"))
    expect(page.locator("[data-testid=state]")).to_have_text("Социальное сопровождение")
    expect(page.locator("[data-testid=diagram] g.state.current")).to_have_count(1)
    shots.take(page, "case")

    form = open_action(page, "record_visit")
    form.locator("select[name=f_kind]").select_option(label="Посещение на дому")
    form.locator("textarea[name=f_notes]").fill("Семья дома, продукты есть, дети в школе.")
    form.locator("button[type=submit]").click()
    expect(page.locator(".flash")).to_contain_text("Выполнено: «Отметить посещение семьи»")
    expect(page.locator("[data-testid=visits]")).to_contain_text("Семья дома, продукты есть, дети в школе.")
    shots.take(page, "visit-recorded")

    today = demo.calendar.local_date(demo.clock.now())
    form = open_action(page, "continue_support")
    form.locator("input[name=f_review_on]").fill((today + timedelta(days=90)).isoformat())
    form.locator("textarea[name=f_reason]").fill("Мать трудоустраивается, нужна помощь ещё три месяца.")
    form.locator("button[type=submit]").click()
    expect(page.locator(".flash")).to_contain_text("Выполнено: «Продолжить сопровождение»")
    expect(page.locator("[data-testid=history] li").first).to_contain_text("Продолжить сопровождение")
    expect(page.locator("[data-testid=history] li").first).to_contain_text("нужна помощь ещё три месяца")
    shots.take(page, "support-continued")


def test_kdn_secretary_adopts_a_resolution_from_the_agenda(page: Page, demo: Container) -> None:
    shots = Shots("kdn")
    log_in(page, "secretary")
    shots.take(page, "home")
    page.click("nav.menu >> text=Повестка КДН")
    expect(page.locator("h1")).to_have_text("Повестка КДН")
    waiting = page.locator("[data-testid=waiting] tbody tr")
    assert waiting.count() >= 1
    shots.take(page, "agenda")
    case_id = waiting.first.get_attribute("data-case")
    waiting.first.locator("a.case-link").click()
    expect(page.locator("[data-testid=state]")).to_have_text("Заключение направлено в КДН, ожидает рассмотрения")
    shots.take(page, "case")

    form = open_action(page, "adopt_resolution")
    form.locator("input[name=f_resolution_number]").fill("")
    form.locator("button[type=submit]").click()  # the browser keeps an empty required field from being sent
    expect(page.locator("[data-testid=state]")).to_have_text("Заключение направлено в КДН, ожидает рассмотрения")
    form.locator("input[name=f_resolution_number]").fill("47/2")
    form.locator("select[name=f_uso]").select_option(label="КЦСО Сургутского района")
    form.locator("textarea[name=f_executing_bodies]").fill("Школа № 5, ОПДН ОМВД, КЦСО, районная поликлиника")
    report_back = demo.calendar.local_date(demo.clock.now()) + timedelta(days=30)
    form.locator("input[name=f_report_back_on]").fill(report_back.isoformat())
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/cases/{case_id}$"))
    expect(page.locator(".flash")).to_contain_text("Постановление — признать в СОП")
    expect(page.locator("[data-testid=state]")).to_have_text("Разработка межведомственного плана (УСО)")
    expect(page.locator("[data-testid=resolution]").first).to_contain_text("№ 47/2")
    expect(page.locator("[data-testid=resolution]").first).to_contain_text("социально опасном положении")
    shots.take(page, "resolution")
    page.click("nav.menu >> text=Повестка КДН")
    expect(page.locator(f"[data-testid=waiting] tr[data-case='{case_id}']")).to_have_count(0)
    shots.take(page, "agenda-after")


def test_supervisor_filters_the_overdue_dashboard_and_reassigns(page: Page) -> None:
    shots = Shots("supervisor")
    log_in(page, "boss")
    page.click("nav.menu >> text=Контроль сроков")
    expect(page.locator("h1")).to_have_text("Контроль сроков")
    expect(page.locator("img[alt='Соблюдение сроков по шагам']")).to_have_count(1)
    shots.take(page, "dashboard")
    count = page.locator("[data-testid=by-assignee_id] a.count").first
    person = count.locator("xpath=ancestor::tr/td[1]").inner_text()
    count.click()
    expect(page).to_have_url(re.compile(r"/supervisor\?assignee_id=\d+$"))
    expect(page.locator(".active-filters")).to_contain_text(person)
    rows = page.locator("[data-testid=overdue] tbody tr")
    assert rows.count() >= 1
    for i in range(rows.count()):
        expect(rows.nth(i).locator("td").nth(4)).to_have_text(person)
    shots.take(page, "filtered")

    row = rows.first
    case_id = row.get_attribute("data-case")
    row.locator("[data-testid=handover-link]").click()  # handed over on the case page, with a reason
    expect(page).to_have_url(re.compile(rf"/cases/{case_id}#handover$"))
    form = page.locator("[data-testid=handover-form]")
    options = form.locator("select[name=to_user_id] option")
    labels = [t for t in options.all_inner_texts() if " — " in t]  # «ФИО — роль, организация»
    assert labels and all(", " in t.split(" — ", 1)[1] for t in labels)
    form.locator("select[name=to_user_id]").select_option(label=labels[0])
    form.locator("textarea[name=reason]").fill("Перераспределение нагрузки")
    form.locator("button[type=submit]").click()
    expect(page.locator(".flash")).to_contain_text("Дело предложено сотруднику")
    expect(page.locator("[data-testid=handover-pending]")).to_contain_text(labels[0].split(" — ")[0])
    shots.take(page, "case")


def test_guardianship_registers_a_report_on_a_known_child(page: Page) -> None:
    shots = Shots("report")
    log_in(page, "opeka")
    page.click("nav.menu >> text=Реестр")
    page.fill("input[name=name]", "ива")
    page.click("form[role=search] button[type=submit]")
    hits = page.locator("[data-testid=registry] tbody tr").filter(has_text="Ребёнок")
    expect(hits.first).to_be_visible()
    shots.take(page, "registry")
    name = hits.first.locator("td").first.inner_text()
    last, first, *rest = name.split()

    page.click("nav.menu >> text=Новое сообщение")
    shots.take(page, "form")
    page.select_option("select[name=source_type]", label="Соседи, знакомые")
    page.select_option("select[name=channel]", label="Телефон")
    page.fill("textarea[name=text]", "Соседи слышат крики по ночам, ребёнок долго один дома.")
    page.fill("input[name=c0_last]", last.upper())
    page.fill("input[name=c0_first]", first.replace("ё", "е"))
    page.fill("input[name=c0_middle]", " ".join(rest))
    page.click("button[value=check]")
    matches = page.locator("[data-testid=matches-0]")
    expect(matches).to_contain_text("Найдены известные дети")
    expect(matches).to_contain_text(name)
    shots.take(page, "matches")
    matches.locator("input[type=radio]").first.check()
    page.click("button[value=save]")
    expect(page.locator(".flash")).to_contain_text("Сообщение зарегистрировано")
    expect(page.locator(".flash")).to_contain_text("связано с уже известной семьёй")
    expect(page.locator("[data-testid=state]")).to_have_text("Сообщение зарегистрировано")
    expect(page.locator("[data-testid=family]")).to_contain_text(name)
    shots.take(page, "case")


PAGES = {
    "boss": ["/", "/cases", "/supervisor", "/obligations", "/statistics", "/statistics/annual", "/statistics/quarterly",
             "/statistics/discipline", "/statistics/discipline/chart/steps.svg", "/registry", "/notifications",
             "/me", "/me/notifications", "/me/password"],
    "secretary": ["/kdn"], "opeka": ["/reports/new"], "admin": ["/admin/users", "/admin/webhooks"],
    "rc_head": ["/statistics/adults", "/people"],
}


def test_no_page_breaks_the_content_security_policy(page: Page) -> None:
    """Every page in Chromium with the strict CSP (no inline styles): the browser reports no violation."""
    shots = Shots("csp")
    violations: list[str] = []
    page.on("console", lambda message: violations.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text else None)
    for login, paths in PAGES.items():
        page.context.clear_cookies()
        log_in(page, login)
        for path in paths:
            response = page.goto(path)
            assert response is not None and response.status == 200, path
            if path == "/cases":
                first = page.locator("a.case-link").first.get_attribute("href")
                page.goto(str(first))
            if path in ("/admin/users", "/me", "/me/password"):
                shots.take(page, f"{login}{path.replace('/', '-')}")
    page.context.clear_cookies()
    log_in(page, "boss")
    page.goto("/registry")
    page.fill("input[name=name]", "ива")
    page.click("form[role=search] button[type=submit]")
    expect(page).to_have_url(re.compile(r"/registry\?q=[\w-]+$"))  # the name is not in the address
    expect(page.locator("[data-testid=registry] tbody tr").first).to_be_visible()
    assert violations == []


def test_a_case_as_of_a_date_with_counts_in_proper_russian(page: Page, demo: Container) -> None:
    """The supervisor checks a case as it stood on an earlier day (a date picker, no JavaScript needed) and
    reads counts whose nouns agree with their numbers; no request of the pages fails (the icon included)."""
    from cases.names import plural

    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    shots = Shots("as-of")
    log_in(page, "boss")
    page.click("nav.menu >> text=Контроль сроков")
    total = int(page.locator("[data-testid=overdue-total]").inner_text())
    stat = page.locator("a.stat").filter(has=page.locator("[data-testid=overdue-total]"))
    words = plural(total, "просроченный срок", "просроченных срока", "просроченных сроков")
    expect(stat).to_have_text(f"{total}{words}")
    shots.take(page, "dashboard")

    with demo.db.read() as tx:  # a ИПР case of the supervisor's district that has moved on since it was opened
        case = tx.connection.execute(sa.select(CI.c.id, CI.c.created_at, CI.c.workflow_version).where(
            CI.c.territory == "surgut", CI.c.workflow == "kdn_prevention", CI.c.state == "execution")
            .order_by(CI.c.id).limit(1)).one()
        case_id, version = case.id, case.workflow_version
        day = demo.calendar.local_date(case.created_at)
        state = tx.connection.execute(sa.select(AE.c.to_state).where(
            AE.c.instance_id == case_id, AE.c.at < demo.calendar.end_of_day(day + timedelta(days=1)).replace(
                hour=0, minute=0)).order_by(AE.c.seq.desc()).limit(1)).scalar_one()
    expected = demo.catalog.compiled("kdn_prevention", version).definition.states[state].title
    page.goto(f"/cases/{case_id}")
    expect(page.locator("[data-testid=state]")).to_have_text("Исполнение межведомственного плана")
    page.fill("input[name=as_of]", day.isoformat())
    page.click("form.as-of-form button[type=submit]")
    expect(page).to_have_url(re.compile(rf"/cases/{case_id}\?as_of={day.isoformat()}$"))
    expect(page.locator("[data-testid=as-of]")).to_contain_text("Дело на конец дня")
    expect(page.locator("[data-testid=state]")).to_have_text(expected)
    expect(page.locator("form[method=post]")).to_have_count(1)  # only «Выйти»: nothing can be changed then
    history = page.locator("[data-testid=history] li")
    assert history.count() >= 1
    expect(history.last).to_contain_text("Дело открыто")
    shots.take(page, "as-of")
    page.click("[data-testid=back-to-now]")
    expect(page.locator("[data-testid=state]")).to_have_text("Исполнение межведомственного плана")
    expect(page.locator("[data-testid=history] li.deadline_missed, [data-testid=history] li.escalation,"
                        " [data-testid=history] li.reminder").first).to_be_visible()
    shots.take(page, "now")
    assert failed == []
