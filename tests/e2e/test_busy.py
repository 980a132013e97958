"""A busy database never stalls a reader and never turns into a 500: reads do not write, writes answer 503.

SQLite has one writer. A request that only reads must not queue behind it (the token's or
session's last use is stamped at most once a minute, and skipped when the lock is taken); a
write that cannot get the lock within the short wait answers 503 with ``Retry-After``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from freezegun import freeze_time

from cases.services import Services
from engine.database import Database
from tests.e2e.conftest import Web


@contextmanager
def write_lock_held(db: Database) -> Iterator[None]:
    """Another process's writer: a raw connection holding SQLite's write lock."""
    path = db.engine.url.database
    assert path
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@pytest.fixture
def sqlite_only(backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("SQLite's single write lock; PostgreSQL has row locks")


@pytest.fixture
def impatient(web: Web) -> Iterator[Web]:
    """The app on a database whose writes wait 300 ms for the lock (instead of seconds)."""
    short = Database(str(web.svc.db.engine.url), busy_ms=300)
    web.client.app.state.services = Services(short, web.svc.runtime)  # type: ignore[attr-defined]
    yield web
    short.dispose()


def last_used(web: Web) -> object:
    return web.process.rows("select last_used_at from api_token")[0].last_used_at


def test_reads_by_token_answer_while_another_writer_holds_the_lock(sqlite_only: None, impatient: Web) -> None:
    headers = impatient.token("curator")
    with write_lock_held(impatient.svc.db):
        for path in ("/api/v1/me", "/api/v1/notifications", "/api/v1/cases?mine=true"):
            response = impatient.client.get(path, headers=headers)
            assert response.status_code == 200, (path, response.text)
    assert last_used(impatient) is None  # the stamp was skipped, not waited for


def test_a_write_that_cannot_get_the_lock_is_a_503_with_retry_after(sqlite_only: None, impatient: Web) -> None:
    headers = impatient.token("curator")
    impatient.client.get("/api/v1/me", headers=headers)
    with write_lock_held(impatient.svc.db):
        response = impatient.client.post("/api/v1/notifications/read", json={"all": True}, headers=headers)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "2"
    body = response.json()
    assert body["error"] == "database_unavailable" and "Повторите" in body["message"]


def test_the_ui_shows_a_russian_try_again_page_when_busy(sqlite_only: None, impatient: Web) -> None:
    client = impatient.client_for("curator")
    token = impatient.csrf(client, "/notifications")
    with write_lock_held(impatient.svc.db):
        response = client.post("/notifications/read-all", data={"csrf": token})
    assert response.status_code == 503 and response.headers["retry-after"] == "2"
    assert "Повторите через несколько секунд" in response.text


def test_token_use_is_stamped_at_most_once_a_minute(web: Web) -> None:
    headers = web.token("curator")
    start = web.svc.runtime.clock.now()
    with freeze_time(start) as frozen:
        assert web.client.get("/api/v1/me", headers=headers).status_code == 200
        first = last_used(web)
        assert first is not None
        frozen.tick(timedelta(seconds=30))
        web.client.get("/api/v1/me", headers=headers)
        assert last_used(web) == first  # a read within the minute writes nothing
        frozen.tick(timedelta(seconds=31))
        web.client.get("/api/v1/me", headers=headers)
        assert last_used(web) != first


def test_session_use_slides_the_expiry_at_most_once_a_minute(web: Web) -> None:
    start = web.svc.runtime.clock.now()
    with freeze_time(start) as frozen:
        client = web.client_for("curator")
        opened = web.process.rows("select expires_at from auth_session")[0].expires_at
        frozen.tick(timedelta(seconds=20))
        client.get("/api/v1/me")
        assert web.process.rows("select expires_at from auth_session")[0].expires_at == opened
        frozen.tick(timedelta(minutes=2))
        client.get("/api/v1/me")
        slid = web.process.rows("select expires_at from auth_session")[0].expires_at
        assert slid != opened and str(slid) > str(opened)  # ISO text on SQLite, datetimes on PostgreSQL
