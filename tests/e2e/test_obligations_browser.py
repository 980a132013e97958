"""The «Отчётность» page in Chromium on the demo database: the provider submits a report through the form, the УСЗН
returns it with a reason, the supervisor sees the overdue reports on the dashboard; the page has no serious axe-core
problem and does not scroll sideways on a phone or a desktop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import log_in
from tests.e2e.test_phone import AXE, DESKTOP, PHONE, axe_scan, open_page, overflow
from tests.integration.test_obligation_work import PDF


def test_submit_through_the_form_and_return_with_a_reason(page: Page, tmp_path: Path) -> None:
    log_in(page, "provider")
    page.click("nav.menu >> text=Отчётность")
    expect(page.locator("h1")).to_contain_text("Отчётность")
    row = page.locator("[data-testid=obligations] tbody tr").filter(has=page.locator("[data-testid^=submit-]")).filter(
        has_text="Отчётные формы").first
    row.locator("summary", has_text="Сдать отчёт").click()
    report = tmp_path / "формы.pdf"
    report.write_bytes(PDF)
    row.locator("input[type=file]").set_input_files(str(report))
    row.locator("button", has_text="Сдать").click()
    expect(page.locator(".flash")).to_contain_text("Отчёт сдан")
    page.context.clear_cookies()
    log_in(page, "opeka")
    page.goto("/obligations")
    waiting = page.locator("[data-testid=to-accept] tbody tr").filter(has_text="АНО «Дом надежды»").first
    waiting.locator("summary", has_text="Вернуть на доработку").click()
    waiting.locator("textarea[name=reason]").fill("Нет подписи руководителя")
    waiting.locator("button", has_text="Вернуть").click()
    expect(page.locator(".flash")).to_contain_text("возвращён")
    page.context.clear_cookies()
    log_in(page, "boss")
    page.goto("/supervisor")
    expect(page.locator("[data-testid=overdue-obligations]")).to_contain_text("АНО «Дом надежды»")
    page.goto("/obligations")
    page.select_option("select[name=org]", label="АНО «Дом надежды»")
    page.click("form.filters button[type=submit]")
    expect(page.locator("[data-state=returned]").first).to_be_visible()
    expect(page.locator("[data-testid=obligations]")).to_contain_text("Нет подписи руководителя")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360x740", "1280x800"])
def test_the_page_is_accessible_and_fits(browser: Any, base_url: str, viewport: dict[str, int]) -> None:
    assert AXE.exists(), f"{AXE} is missing: `make install-test` installs axe-core from npm into tests/e2e/axe"
    page = open_page(browser, base_url, viewport, bypass_csp=True)
    for login in ("provider", "boss"):
        page.context.clear_cookies()
        log_in(page, login)
        for path in ("/obligations", "/supervisor"):
            response = page.goto(path)
            assert response is not None and response.status == 200
            page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
            assert axe_scan(page) == [], (login, path)
            assert overflow(page) == [], (login, path)
    page.context.close()
