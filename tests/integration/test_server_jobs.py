"""The sweeper ticks inside the server (APScheduler), on real time."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from api.app import create_app
from api.bootstrap import Container
from api.settings import Settings
from engine.database import Database
from tests.support import CLERK, make_harness

NOW_DUE = """
workflow: urgent
version: 1
title: Срочное
states:
  open:
    title: Открыто
    initial: true
    deadlines: [{id: now, title: Сейчас, basis: "п. 1", due: 0h, escalate: [{after: 0h, to: boss}]}]
  done: {title: Готово, final: true}
transitions:
  - {event: finish, title: Готово, from: open, to: done, roles: [clerk]}
"""


def test_the_server_sweeps_due_steps_on_its_own(db: Database) -> None:
    harness = make_harness(db)
    harness.catalog.add_text(NOW_DUE, "urgent.yaml")
    rt = harness.runtime
    container = Container(Settings(database_url=db.url, sweep_seconds=0.2), db, rt.clock, rt.calendar,
                          rt.vocabulary, rt.catalog, rt)
    with TestClient(create_app(container)) as client:
        assert client.get("/api/v1/health").json() == {"status": "ok"}
        harness.start("urgent", CLERK)
        deadline = time.monotonic() + 10
        rows: list[object] = []
        while time.monotonic() < deadline and not rows:
            time.sleep(0.1)
            rows = harness.rows("select kind, target from outbox where kind = 'deadline.escalation'")
    assert [(r.kind, r.target) for r in rows] == [("deadline.escalation", "boss")]  # type: ignore[attr-defined]
    assert harness.rows("select status from wf_step")[0][0] == "done"
