"""Helpers for the browser tests: the real app served by uvicorn in a background thread on a free port of
127.0.0.1, a database seeded with the demo municipality, Debian's Chromium launched through Playwright
(never a downloaded browser), and full-page screenshots under ``test-artifacts/screenshots``.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import uvicorn
from playwright.sync_api import Page, expect

from api.app import create_app
from api.bootstrap import Container, bootstrap
from api.settings import Settings
from cases.demo import DEMO_PASSWORD, run_demo
from cases.services import Services
from engine.clock import FixedClock
from engine.runtime import Runtime

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed_demo(database_url: str, now: datetime | None = None) -> Container:
    """A migrated database filled with the demo municipality ending today (as ``opora demo`` does)."""
    container = bootstrap(Settings(database_url=database_url))
    moment = now or container.clock.now()
    clock = FixedClock(moment)
    svc = Services(container.db, Runtime(container.catalog, container.vocabulary, container.calendar, clock))
    run_demo(svc, clock, container.calendar.local_date(moment))
    return container


@contextmanager
def serve(container: Container) -> Iterator[str]:
    """Serve the app on a free port of 127.0.0.1 in a background thread; yields the base URL."""
    port = free_port()
    config = uvicorn.Config(create_app(container, jobs=False), host="127.0.0.1", port=port, log_level="warning",
                            lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def launch_chromium(playwright: Any) -> Any:
    """Debian's Chromium, headless; a clear failure (not a skip) when it is not installed."""
    if not CHROMIUM.exists():
        raise AssertionError(f"{CHROMIUM} is missing: the browser tests need Debian's Chromium "
                             "(`make install-test` installs it with apt-get: apt-get install chromium)")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


class Shots:
    """Numbered full-page screenshots of one scenario: ``<scenario>-<n>-<page>.png``."""

    def __init__(self, scenario: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.scenario, self.n = scenario, 0
        for old in SCREENSHOTS.glob(f"{scenario}-*.png"):
            old.unlink()

    def take(self, page: Any, name: str) -> Path:
        self.n += 1
        path = SCREENSHOTS / f"{self.scenario}-{self.n}-{re.sub(r'[^a-z0-9_-]+', '-', name.lower())}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


def log_in(page: Page, login: str) -> None:
    """Log in through the form as a demo user and wait for the account link."""
    page.goto("/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("a.me")).to_be_visible()


def open_action(page: Page, event: str) -> Any:
    """The form of an action on the case page, unfolded."""
    details = page.locator(f"#action-{event}")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    return details.locator("form")
