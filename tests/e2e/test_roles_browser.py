"""The administrator's and the УСО director's main tasks in Debian's Chromium, at 360×740 and at 1280×800: the
administrator adds a user who then logs in with the one-time password; the director finds the family whose support
order has no curator yet on her start page («Ждут вашего решения») and appoints one. Each page touched scrolls no
sideways and passes the axe-core scan.

Both tasks change the demo, so each test runs on its own copy of one seeded demo database.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from api.bootstrap import Container, bootstrap
from api.settings import Settings
from cases.demo import DEMO_PASSWORD
from tests.e2e.browser import Shots, log_in, open_action, seed_demo, serve
from tests.e2e.test_phone import AXE, DESKTOP, PHONE, axe_scan, open_page, overflow, small_targets

pytestmark = pytest.mark.browser

VIEWPORTS = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360x740", "1280x800"])
NEW_PASSWORD = "Зелёный-Чайник-Над-Обью-7"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One demo database for the module, closed (its WAL checkpointed) so that a copy is whole."""
    path = tmp_path_factory.mktemp("roles") / "demo.db"
    seed_demo(f"sqlite:///{path}").close()
    return path


@pytest.fixture
def demo(seeded: Path, tmp_path: Path) -> Iterator[Container]:
    """A fresh copy of the seeded demo for each test: what one test changes, the next does not see."""
    for suffix in ("", "-wal", "-shm"):
        source = seeded.with_name(seeded.name + suffix)
        if source.exists():
            shutil.copy(source, tmp_path / source.name)
    container = bootstrap(Settings(database_url=f"sqlite:///{tmp_path / seeded.name}"))
    yield container
    container.close()


@pytest.fixture
def base_url(demo: Container) -> Iterator[str]:
    with serve(demo) as url:
        yield url


@pytest.fixture
def screen(browser: Any, base_url: str, viewport: dict[str, int]) -> Iterator[Page]:
    assert AXE.exists(), f"{AXE} is missing: `make install-test` installs axe-core from npm into tests/e2e/axe"
    page = open_page(browser, base_url, viewport, bypass_csp=True)  # the CSP would refuse the injected axe
    yield page
    page.context.close()


def fits(page: Page, viewport: dict[str, int]) -> None:
    """No sideways scrolling, no serious accessibility problem and, on a phone, no small targets."""
    assert overflow(page) == [], page.url
    assert axe_scan(page) == [], page.url
    if viewport is PHONE:
        assert small_targets(page) == [], page.url


@VIEWPORTS
def test_administrator_adds_a_user_who_then_logs_in(screen: Page, demo: Container,
                                                    viewport: dict[str, int]) -> None:
    size = f"{viewport['width']}"
    shots = Shots(f"roles-admin-{size}")
    login = f"kurator_{size}"
    log_in(screen, "admin")
    screen.get_by_role("link", name="Пользователи").first.click()
    expect(screen).to_have_url(f"{screen.url.split('/admin')[0]}/admin/users")
    expect(screen.locator(f"[data-testid=users] tr[data-user='{login}']")).to_have_count(0)
    form = screen.locator("form[action='/admin/users']")
    form.get_by_label("Логин").fill(login)
    form.get_by_label("ФИО").fill("Волкова Мария Сергеевна")
    form.get_by_label("Должность").fill("специалист по социальной работе")
    form.get_by_label("Электронная почта").fill(f"{login}@opora.local")
    form.get_by_label("Организация").select_option(label="КЦСО Сургутского района")
    form.get_by_label("Куратор семьи").check()
    fits(screen, viewport)
    shots.take(screen, "form")
    form.get_by_role("button", name="Добавить").click()

    one_time = screen.locator("[data-testid=one-time-password]")
    expect(one_time).to_contain_text(f"Одноразовый пароль пользователя {login}")
    password = one_time.locator("code.secret").inner_text().strip()
    assert len(password) >= 12
    row = screen.locator(f"[data-testid=users] tr[data-user='{login}']")
    expect(row).to_contain_text("Волкова Мария Сергеевна")
    expect(row).to_contain_text("КЦСО Сургутского района")
    expect(row.locator(".tag").first).to_have_text("Куратор семьи")
    expect(row).to_contain_text("должен сменить пароль")
    fits(screen, viewport)
    shots.take(screen, "added")
    with demo.db.read() as tx:  # stored as shown: the УСО, the curator's role, a password to change
        stored = tx.connection.exec_driver_sql(
            "select o.short_name, r.role, u.must_change_password from app_user u "
            "join organisation o on o.id = u.org_id join user_role r on r.user_id = u.id where u.login = ?",
            (login,)).all()
    assert [(r[0], r[1], bool(r[2])) for r in stored] == [("КЦСО Сургутского района", "curator", True)]

    screen.context.clear_cookies()  # the new curator, on this device, with the password given to her
    screen.goto("/login")
    screen.fill("input[name=login]", login)
    screen.fill("input[name=password]", password)
    screen.click("button[type=submit]")
    expect(screen.get_by_role("heading", name="Смена пароля")).to_be_visible()  # she must choose her own first
    fits(screen, viewport)
    screen.get_by_label("Текущий пароль").fill(password)
    screen.get_by_label("Новый пароль", exact=True).fill(NEW_PASSWORD)
    screen.get_by_label("Новый пароль ещё раз").fill(NEW_PASSWORD)
    screen.get_by_role("button", name="Сменить пароль").click()
    screen.goto("/")
    expect(screen.get_by_role("heading", name="Мои дела")).to_be_visible()
    expect(screen.locator("a.me")).to_be_visible()
    fits(screen, viewport)
    shots.take(screen, "new-user-worklist")
    assert password != DEMO_PASSWORD


@VIEWPORTS
def test_director_appoints_a_curator_to_a_family(screen: Page, demo: Container, viewport: dict[str, int]) -> None:
    shots = Shots(f"roles-director-{viewport['width']}")
    with demo.db.read() as tx:  # the demo's family whose support order reached the УСО and has no curator yet
        waiting = [r.id for r in tx.connection.exec_driver_sql(
            "select id from wf_instance where workflow = 'family_support' and state = 'order_received' "
            "and assignee_id is null").all()]
        popov = tx.connection.exec_driver_sql("select id from app_user where login = 'curator2'").scalar_one()
    assert len(waiting) == 1, waiting
    case_id = waiting[0]
    log_in(screen, "director")
    screen.goto("/")  # the start page: the order waiting for her decision is there, though nobody has the case
    expect(screen.get_by_role("heading", name="Мои дела")).to_be_visible()
    expect(screen.get_by_role("heading", name="Ждут вашего решения")).to_be_visible()
    rows = screen.locator(f"[data-testid=awaiting] tbody tr[data-case='{case_id}']")  # among her other decisions
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Назначить куратора")
    expect(rows.first).to_contain_text("Поручение об организации сопровождения получено УСО")
    fits(screen, viewport)
    shots.take(screen, "home")
    rows.first.locator("a.case-link").click()
    expect(screen).to_have_url(f"{screen.url.split('/cases')[0]}/cases/{case_id}")
    expect(screen.locator("[data-testid=assignee]")).to_have_text("не назначен")

    form = open_action(screen, "appoint_curator")
    form.get_by_label("Куратор семьи").select_option(label="Попов Дмитрий Игоревич")
    fits(screen, viewport)
    shots.take(screen, "form")
    form.get_by_role("button", name="Назначить куратора").click()
    expect(screen.locator(".flash")).to_contain_text("Выполнено: «Назначить куратора»")
    expect(screen.locator("[data-testid=assignee]")).to_have_text("Попов Дмитрий Игоревич")
    expect(screen.locator("[data-testid=state]")).to_have_text("Разработка плана социального сопровождения")
    fits(screen, viewport)
    shots.take(screen, "appointed")
    screen.goto("/")  # decided: the case has left the section
    expect(screen.get_by_role("heading", name="Мои дела")).to_be_visible()
    expect(screen.locator(f"[data-testid=awaiting] tr[data-case='{case_id}']")).to_have_count(0)
    fits(screen, viewport)
    with demo.db.read() as tx:
        state, assignee = tx.connection.exec_driver_sql(
            "select state, assignee_id from wf_instance where id = ?", (case_id,)).one()
    assert (state, assignee) == ("planning", popov)
