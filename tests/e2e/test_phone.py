"""The curator's phone and paper for meetings, in Debian's Chromium: every page without horizontal scrolling at
360 px (and at 1280 px), each role's main task at 360×740, 44 px targets and 16 px inputs, the print stylesheet,
and an axe-core scan of every page with zero serious or critical violations.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from api.bootstrap import Container
from tests.e2e.browser import ROOT, SCREENSHOTS, Shots, log_in, open_action

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}  # the desktop of the other browser tests (conftest's ``page``)
AXE = ROOT / "tests" / "e2e" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
#: the README's phone screenshots are refreshed with OPORA_DOCS_SCREENSHOTS=1 (else they go with the others)
DOCS_SHOTS = ROOT / "docs" / "screenshots" if os.environ.get("OPORA_DOCS_SCREENSHOTS") else SCREENSHOTS
#: every page of every role ("CASE": the first case of the role's case list; "FIND /path name": the results of the
#: page's search form for that name)
PAGES = {
    "curator": ["/", "/cases", "CASE", "/registry", "FIND /registry ов", "/notifications", "/me", "/statistics"],
    "boss": ["/", "/cases", "CASE", "/supervisor", "/statistics/annual", "/statistics/quarterly",
             "/statistics/discipline", "/statistics/territories", "/me/notifications", "/me/password"],
    "secretary": ["/", "/kdn", "CASE"],
    "opeka": ["/reports/new", "CASE"],
    "admin": ["/admin/users", "/admin/webhooks", "/workflows"],
    "rc_head": ["/statistics/adults", "/people", "FIND /people ел", "CASE"],
    "stav_boss": ["/statistics/monitoring"],
    "anonymous": ["/login", "/occupancy/surgut"],
}


def open_page(browser: Any, base_url: str, viewport: dict[str, int], bypass_csp: bool = False) -> Page:
    context = browser.new_context(base_url=base_url, viewport=viewport, locale="ru-RU", bypass_csp=bypass_csp,
                                  timezone_id="Asia/Yekaterinburg", service_workers="block")
    context.set_default_timeout(30_000)  # the sideways test opens some forty pages: room for a busy machine
    return context.new_page()


@pytest.fixture
def phone(browser: Any, base_url: str) -> Iterator[Page]:
    page = open_page(browser, base_url, PHONE)
    yield page
    page.context.close()


def visit(page: Page, path: str) -> str:
    if path == "CASE":
        page.goto("/cases")
        path = str(page.locator("a.case-link").first.get_attribute("href"))
    if path.startswith("FIND "):
        _, where, name = path.split(" ", 2)
        page.goto(where)
        page.fill("form[role=search] input[name=name]", name)
        with page.expect_navigation():
            page.click("form[role=search] button[type=submit]")
        url = urlsplit(page.url)
        path = f"{url.path}?{url.query}"
        assert re.fullmatch(r"/\w+\?q=[\w-]+(&.*)?", path), path  # the results of the search, not its form
    response = page.goto(path)
    assert response is not None and response.status == 200, path
    return path


def overflow(page: Page) -> list[str]:
    """Elements reaching past the right edge outside a scrolling region (empty when nothing scrolls sideways)."""
    result: list[str] = page.evaluate("""() => {
        if (document.documentElement.scrollWidth <= innerWidth) return [];
        const out = [];
        for (const el of document.querySelectorAll('body *')) {
            const r = el.getBoundingClientRect();
            if (r.right > innerWidth + 1 && !el.closest('.table-wrap, .diagram')) out.push(el.outerHTML.slice(0, 120));
        }
        return ['scrollWidth ' + document.documentElement.scrollWidth, ...out.slice(0, 5)];
    }""")
    return result


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360x740", "1280x800"])
def test_no_page_scrolls_sideways(browser: Any, base_url: str, viewport: dict[str, int]) -> None:
    page = open_page(browser, base_url, viewport)
    wide: dict[str, list[str]] = {}
    for login, paths in PAGES.items():
        page.context.clear_cookies()
        if login != "anonymous":
            log_in(page, login)
        for path in paths:
            shown = visit(page, path)
            page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")  # every form
            found = overflow(page)
            if found:
                wide[f"{login} {shown}"] = found
            if viewport is PHONE and small_targets(page):
                wide[f"{login} {shown}: small"] = small_targets(page)
    page.context.close()
    assert wide == {}


def small_targets(page: Page) -> list[str]:
    """Controls of the page's forms and lists smaller than 44 px, inputs with text under 16 px (iOS zooms)."""
    result: list[str] = page.evaluate("""() => {
        const out = [];
        for (const el of document.querySelectorAll('main button, main input, main select, main textarea, main summary,'
                                                   + ' header a, header button, table.cards a, .pager a')) {
            const r = el.getBoundingClientRect();
            if (!r.width || !r.height || el.type === 'hidden') continue;
            const box = el.type === 'checkbox' || el.type === 'radio' ? 24 : 44;
            const name = el.name || el.textContent.trim().slice(0, 30);
            if (r.height < box - 0.5) out.push(`${el.tagName} ${name}: ${r.height}px`);
            if (['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName) && parseFloat(getComputedStyle(el).fontSize) < 16)
                out.push(`${el.tagName} ${el.name}: font ${getComputedStyle(el).fontSize}`);
        }
        return out;
    }""")
    return result


def test_curator_records_a_visit_on_a_phone(phone: Page) -> None:
    shots = Shots("phone-curator")
    log_in(phone, "curator")
    card = phone.locator("[data-testid=worklist] tbody tr").first
    # a card per case; its first line is the due date and the countdown
    first_cell = card.locator("td").evaluate_all(
        "cells => cells.filter(c => getComputedStyle(c).display !== 'none')"
        ".sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)[0].className")
    assert "when" in first_cell
    expect(card.locator(".countdown")).to_be_visible()
    assert small_targets(phone) == []
    shots.take(phone, "worklist")
    DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(DOCS_SHOTS / "phone-worklist.png"))

    row = phone.locator("[data-testid=worklist] tbody tr").filter(has_text="Отметить посещение семьи").first
    row.locator("a.case-link").click()
    actions, family = phone.locator("#actions").bounding_box(), phone.locator("#family").bounding_box()
    assert actions and family and actions["y"] < family["y"]  # what can be done comes first
    expect(phone.locator("details.diagram-card")).not_to_have_attribute("open", re.compile(".*"))  # folded
    phone.screenshot(path=str(DOCS_SHOTS / "phone-case.png"))
    details = phone.locator("#action-record_visit")
    details.locator("summary").click()
    form = details.locator("form")
    assert small_targets(phone) == []
    form.locator("select[name=f_kind]").select_option(label="Посещение на дому")
    form.locator("textarea[name=f_notes]").fill("Телефон: семья дома, в холодильнике есть продукты.")
    shots.take(phone, "visit-form")
    form.locator("button[type=submit]").click()
    expect(phone.locator(".flash")).to_contain_text("Выполнено: «Отметить посещение семьи»")
    visits = phone.locator("[data-testid=visits]")
    expect(visits).to_contain_text("в холодильнике есть продукты")
    assert overflow(phone) == []
    shots.take(phone, "visit-recorded")


def test_supervisor_and_secretary_on_a_phone(phone: Page) -> None:
    shots = Shots("phone-roles")
    log_in(phone, "boss")
    phone.goto("/supervisor")
    row = phone.locator("[data-testid=overdue] tbody tr").first
    expect(row.locator(".countdown")).to_be_visible()
    expect(row.locator("[data-testid=handover-link]")).to_be_visible()  # handing over happens on the case page
    assert overflow(phone) == [] and small_targets(phone) == []
    phone.screenshot(path=str(DOCS_SHOTS / "phone-supervisor.png"))
    shots.take(phone, "supervisor")
    phone.context.clear_cookies()
    log_in(phone, "secretary")
    phone.goto("/kdn")
    expect(phone.locator("[data-testid=waiting] tbody tr").first).to_be_visible()
    assert overflow(phone) == [] and small_targets(phone) == []
    phone.screenshot(path=str(DOCS_SHOTS / "phone-kdn.png"))
    shots.take(phone, "kdn")


def test_guardianship_registers_a_report_on_a_phone(phone: Page) -> None:
    shots = Shots("phone-report")
    log_in(phone, "opeka")
    phone.goto("/reports/new")
    assert overflow(phone) == [] and small_targets(phone) == []
    phone.select_option("select[name=source_type]", label="Соседи, знакомые")
    phone.select_option("select[name=channel]", label="Телефон")
    phone.fill("textarea[name=text]", "Соседи звонят: девочка третий день одна дома, мать не появляется.")
    phone.fill("input[name=c0_last]", "Телефонова")
    phone.fill("input[name=c0_first]", "Ульяна")
    phone.fill("input[name=c0_birth]", "2015-04-03")
    phone.click("button[value=check]")
    assert overflow(phone) == [] and small_targets(phone) == []
    shots.take(phone, "checked")
    phone.click("button[value=save]")
    expect(phone.locator(".flash")).to_contain_text("Сообщение зарегистрировано")
    expect(phone.locator("[data-testid=state]")).to_have_text("Сообщение зарегистрировано")
    expect(phone.locator("[data-testid=family]")).to_contain_text("Телефонова Ульяна")
    assert overflow(phone) == []
    shots.take(phone, "case")


def test_agency_specialist_records_an_inspection_on_a_phone(phone: Page, demo: Container) -> None:
    shots = Shots("phone-inspection")
    with demo.db.read() as tx:  # the demo has cases in every state; whose inspection is due depends on the day
        login, case_id = tx.connection.exec_driver_sql(
            "select u.login, i.id from wf_instance i join app_user u on u.id = i.assignee_id "
            "where i.workflow = 'child_report' and i.state = 'inspection_ordered' order by u.login, i.id").first()
    log_in(phone, login)
    row = phone.locator(f"[data-testid=worklist] tbody tr[data-case='{case_id}']")
    expect(row).to_contain_text("Внести акт обследования")
    row.locator("a.case-link").click()
    form = open_action(phone, "record_inspection")
    assert overflow(phone) == [] and small_targets(phone) == []
    form.locator("textarea[name=f_living_conditions]").fill("Однокомнатная квартира, тепло, продукты есть.")
    form.locator("select[name=f_safety]").select_option(label="Ребёнок в безопасности")
    shots.take(phone, "form")
    form.locator("button[type=submit]").click()
    expect(phone.locator(".flash")).to_contain_text("Выполнено: «Внести акт обследования»")
    expect(phone.locator("[data-testid=documents]")).to_contain_text("обследован")
    assert overflow(phone) == []
    shots.take(phone, "done")


def test_keyboard_finds_the_skip_link_and_a_visible_focus_ring(phone: Page) -> None:
    log_in(phone, "curator")
    phone.keyboard.press("Tab")
    skip = phone.locator("a.skip")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    outline = skip.evaluate("el => getComputedStyle(el).outlineWidth")
    assert float(outline.removesuffix("px")) >= 3
    phone.keyboard.press("Enter")
    expect(phone.locator("main")).to_be_focused()


def test_print_leaves_out_the_top_bar_and_forms_and_keeps_every_column(browser: Any, base_url: str) -> None:
    page = open_page(browser, base_url, DESKTOP)
    log_in(page, "secretary")
    page.goto("/kdn")
    page.emulate_media(media="print")
    expect(page.locator("header.topbar")).to_be_hidden()
    table = page.locator("[data-testid=waiting]")
    columns = table.locator("thead th")
    for i in range(columns.count()):
        expect(columns.nth(i)).to_be_visible()
    box = table.bounding_box()
    assert box and box["x"] + box["width"] <= page.viewport_size["width"]  # type: ignore[index]
    case = str(table.locator("a.case-link").first.get_attribute("href"))
    page.emulate_media(media="screen")
    page.goto(case)
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")  # what the browser does before printing
    page.emulate_media(media="print")
    expect(page.locator("details.diagram-card")).to_have_attribute("open", "")
    expect(page.locator("[data-testid=diagram] svg")).to_be_visible()
    svg = page.locator("[data-testid=diagram] svg").bounding_box()
    assert svg and svg["x"] + svg["width"] <= page.viewport_size["width"]  # type: ignore[index]  # not cut
    expect(page.locator("#actions")).to_be_hidden()
    assert page.locator("main form:visible").count() == 0
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    page.context.close()


def axe_scan(page: Page) -> list[dict[str, Any]]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360x740", "1280x800"])
def test_axe_finds_no_serious_problem_on_any_page(browser: Any, base_url: str, viewport: dict[str, int]) -> None:
    assert AXE.exists(), f"{AXE} is missing: `make install-test` installs axe-core from npm into tests/e2e/axe"
    page = open_page(browser, base_url, viewport, bypass_csp=True)  # the CSP would refuse the injected axe
    found: dict[str, list[str]] = {}
    for login, paths in PAGES.items():
        page.context.clear_cookies()
        if login != "anonymous":
            log_in(page, login)
        for path in paths:
            shown = visit(page, path)
            page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")  # every form
            bad = axe_scan(page)
            if bad:
                found[f"{login} {shown}"] = [f"{v['id']} ({v['impact']}): "
                                             f"{json.dumps([n['target'] for n in v['nodes']][:3])}" for v in bad]
    page.context.close()
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)


def test_the_error_summary_counts_its_fields_in_proper_russian(browser: Any, base_url: str) -> None:
    page = open_page(browser, base_url, DESKTOP)

    def form_of(route: Any) -> None:  # a form of n fields, each with the server's error, and the site's script
        n = int(route.request.url.rsplit("=", 1)[1])
        fields = "".join(f'<label>Поле {i}<input name="f{i}"><span class="field-error">ошибка</span></label>'
                         for i in range(n))
        route.fulfill(content_type="text/html; charset=utf-8",
                      body=f'<!doctype html><html lang="ru"><head><script src="/static/app.js"></script></head>'
                           f'<body><form method="post">{fields}</form></body></html>')

    page.route("**/error-summary?n=*", form_of)
    for n, words in ((1, "1 поле"), (3, "3 поля"), (11, "11 полей"), (21, "21 поле"), (24, "24 поля"),
                     (112, "112 полей")):
        page.goto(f"/error-summary?n={n}")
        expect(page.locator(".error-summary h3")).to_have_text(f"Исправьте, пожалуйста: {words}")
    page.context.close()


def test_form_errors_are_summarised_with_links_to_their_fields(browser: Any, base_url: str) -> None:
    page = open_page(browser, base_url, PHONE, bypass_csp=True)
    log_in(page, "curator")
    row = page.locator("[data-testid=worklist] tbody tr").filter(has_text="Отметить посещение семьи").first
    row.locator("a.case-link").click()
    details = page.locator("#action-record_visit")
    details.locator("summary").click()
    form = details.locator("form")
    form.locator("select[name=f_kind]").select_option(label="Посещение на дому")
    form.locator("textarea[name=f_notes]").fill("Дата по ошибке в следующем году.")
    date_field = form.locator("input[name=f_visited_on]")
    date_field.evaluate("el => el.removeAttribute('max')")  # as an old browser would send it
    date_field.fill("2099-05-01")
    form.locator("button[type=submit]").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Дата посещения: дата не может быть позже сегодняшнего дня")
    field = page.locator("input[name=f_visited_on]")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_attribute("aria-describedby", "error-visited_on")
    expect(page.locator("#error-visited_on")).to_contain_text("позже сегодняшнего дня")
    expect(page.locator("textarea[name=f_notes]")).to_have_value("Дата по ошибке в следующем году.")  # kept
    summary.locator("a").first.click()
    expect(field).to_be_focused()
    assert axe_scan(page) == []
    Shots("phone-errors").take(page, "summary")
    page.context.close()
