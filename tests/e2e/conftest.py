"""HTTP-level fixtures: the real app on a real database, a seeded world, logged-in clients and API tokens."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from playwright.sync_api import Page, sync_playwright

from api import auth
from api.app import create_app
from api.bootstrap import Container, bootstrap
from api.settings import Settings
from cases.services import Services
from engine.database import Database
from tests.e2e.browser import launch_chromium, seed_demo, serve
from tests.process_steps import Process
from tests.world import PASSWORD, World, build_world

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def post_login(client: TestClient, login: str, password: str = PASSWORD, next: str = "/",
               headers: dict[str, str] | None = None) -> Response:
    """Open the login page (its form carries a CSRF token, paired with a cookie) and send the form."""
    form = client.get("/login")
    match = CSRF.search(form.text)
    assert match, "no CSRF token on the login form"
    return client.post("/login", data={"login": login, "password": password, "next": next, "csrf": match.group(1)},
                       headers=headers)


@dataclass
class Web:
    app: Container
    svc: Services
    world: World
    client: TestClient
    process: Process

    def client_for(self, login: str) -> TestClient:
        """A new browser-like client logged in as ``login``."""
        client = TestClient(self.client.app, follow_redirects=False)
        response = post_login(client, login)
        assert response.status_code == 303, response.text
        return client

    def csrf(self, client: TestClient, path: str = "/me") -> str:
        match = CSRF.search(client.get(path).text)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def token(self, login: str) -> dict[str, str]:
        """Authorization headers with a fresh API token of ``login``."""
        with self.svc.db.unit_of_work() as tx:
            token = auth.issue_token(tx, self.world.users[login], "tests", self.svc.runtime.clock.now())
            tx.commit()
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def web(db: Database, db_url: str) -> Iterator[Web]:
    app = bootstrap(Settings(database_url=db_url), db=db)
    svc = Services(app.db, app.runtime)
    world = build_world(svc)
    with TestClient(create_app(app, jobs=False), follow_redirects=False) as client:
        client.get("/login")  # FastAPI builds its routes on the first request: do it before any freeze_time
        yield Web(app, svc, world, client, Process(app, svc, world))


# -- browser tests: a demo database and a real server per test module, one Chromium per module -------------

@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Container]:
    container = seed_demo(f"sqlite:///{tmp_path_factory.mktemp('browser') / 'demo.db'}")
    yield container
    container.close()


@pytest.fixture(scope="module")
def base_url(demo: Container) -> Iterator[str]:
    with serve(demo) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Page]:
    """A desktop-sized page in Russian, in the region's time zone."""
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 800}, locale="ru-RU",
                                  timezone_id="Asia/Yekaterinburg")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()
