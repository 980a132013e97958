"""A resource-centre specialist on the demo municipality, in Debian's Chromium: the start page is the people
register; they find people by the beginning of a surname (typed in upper case, ё or е alike), sort them by release
date and export the list."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from api.bootstrap import Container
from cases.demo import DEMO_PASSWORD
from tests.e2e.browser import Shots, launch_chromium, seed_demo, serve

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Container]:
    path: Path = tmp_path_factory.mktemp("people-browser") / "demo.db"
    container = seed_demo(f"sqlite:///{path}")
    yield container
    container.close()


@pytest.fixture
def page(demo: Container) -> Iterator[Page]:
    with serve(demo) as url, sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        context = chromium.new_context(base_url=url, viewport={"width": 1280, "height": 800}, locale="ru-RU",
                                       timezone_id="Asia/Yekaterinburg", accept_downloads=True)
        context.set_default_timeout(10_000)
        yield context.new_page()
        context.close()
        chromium.close()


def _names(page: Page) -> list[str]:
    return [t.strip() for t in page.locator("[data-testid=people] td[data-col=full_name]").all_inner_texts()]


def _release_dates(page: Page) -> list[str]:
    return [t.strip() for t in page.locator("[data-testid=people] td[data-col=release_date]").all_inner_texts()]


def test_rc_specialist_finds_a_person_sorts_by_release_date_and_exports(page: Page, demo: Any) -> None:
    shots = Shots("people")
    page.goto("/login")
    page.fill("input[name=login]", "rc")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Реестр людей")  # the start page of the resource centre
    shots.take(page, "start")
    page.fill("input[name=name]", "ЕЛ")  # Ёлкин and Елисеев, not Кравцов
    page.click("form[role=search] button[type=submit]")
    expect(page.locator("[data-testid=people]")).to_be_visible()
    assert set(_names(page)) == {"Елисеев Николай Петрович", "Ёлкин Пётр Иванович"}
    assert "q=" in page.url and "ЕЛ" not in page.url  # the typed name never travels in a URL
    page.click("[data-sort=release_date]")
    expect(page.locator("th", has_text="Дата освобождения")).to_contain_text("↑")
    assert _names(page) == ["Елисеев Николай Петрович", "Ёлкин Пётр Иванович"]  # released in 20 and 75 days
    page.click("[data-sort=release_date]")
    expect(page.locator("th", has_text="Дата освобождения")).to_contain_text("↓")
    assert _names(page) == ["Ёлкин Пётр Иванович", "Елисеев Николай Петрович"]
    shots.take(page, "sorted")
    with page.expect_download() as waiting:
        page.click("[data-testid=export-xlsx]")
    download = waiting.value
    assert download.suggested_filename.endswith(".xlsx")
    data = Path(download.path()).read_bytes()
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "ФИО" and [r[0] for r in rows[1:]] == ["Ёлкин Пётр Иванович", "Елисеев Николай Петрович"]
    with demo.db.read() as tx:
        logged = tx.connection.exec_driver_sql("SELECT what FROM access_log WHERE action = 'export'").all()
    assert any("xlsx" in row[0] for row in logged)
