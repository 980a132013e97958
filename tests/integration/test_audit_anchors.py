"""Making anchors: once a day whatever the number of workers, posted to the supervisors and webhooks."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from api.jobs import start_jobs
from api.settings import Settings
from engine.audit.anchoring import ANCHOR_KIND, daily_job, make_anchor
from engine.audit.anchors import AnchorConfig, AnchorKeys, load
from engine.clock import FixedClock
from engine.database import Database
from tests.integration.test_notifications import Mailroom, mailroom, signed_correctly
from tests.integration.test_notifications_webhooks import _endpoint
from tests.process_steps import Process
from tests.support import CLERK, Harness, calendar, make_harness

START = datetime(2025, 3, 3, 4, 0, tzinfo=UTC)  # Monday 09:00 in Yekaterinburg
KEY = "ключ-для-тестов-0123456789"


@pytest.fixture
def engine(db: Database) -> Harness:
    return make_harness(db, clock=FixedClock(START))


@pytest.fixture
def mail(process: Process) -> Iterator[Mailroom]:
    with mailroom(process) as room:
        yield room


def lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_daily_job_anchors_once_a_day_however_many_workers_run_it(engine: Harness, tmp_path: Path) -> None:
    engine.start()
    engine.fire(1, "register", CLERK)
    config = AnchorConfig(AnchorKeys(KEY), tmp_path / "anchors.jsonl")
    clock = FixedClock(START)
    workers = [daily_job(engine.db, clock, calendar().local_date, config) for _ in range(4)]
    made: list[object] = []
    threads = [threading.Thread(target=lambda w=w: made.append(w())) for w in workers]  # type: ignore[misc]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(1 for m in made if m is not None) == 1
    assert [(a["cases"], a["events"], a["changed"]) for a in lines(config.path)] == [(1, 2, 1)]
    clock.set(START + timedelta(hours=14))  # 23:00 local, the same day
    assert workers[0]() is None
    engine.start()
    clock.set(START + timedelta(hours=15))  # 00:00 local, the next day
    assert workers[1]() is not None and workers[2]() is None
    anchors = lines(config.path)
    assert [(a["cases"], a["changed"]) for a in anchors] == [(1, 1), (2, 1)]  # only the new case is written again
    log = load(config.path, config.keys)
    assert log.problems == [] and sorted(log.leaves) == [1, 2]


def test_without_a_key_the_daily_job_does_nothing_and_says_so_once(engine: Harness, tmp_path: Path,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    config = AnchorConfig(AnchorKeys(""), tmp_path / "anchors.jsonl")
    job = daily_job(engine.db, FixedClock(START), calendar().local_date, config)
    with caplog.at_level(logging.WARNING, logger="opora.audit"):
        assert job() is None and job() is None
    assert [r.getMessage() for r in caplog.records] == ["OPORA_AUDIT_KEY is not set: daily audit anchors are off"]
    assert not config.path.exists()


def test_the_server_runs_the_daily_anchor(db: Database, tmp_path: Path) -> None:
    from api.bootstrap import bootstrap

    container = bootstrap(Settings(database_url=db.url, audit_key=KEY, audit_anchors=str(tmp_path / "a.jsonl")),
                          db=db)
    ticker = start_jobs(container)
    try:
        assert "audit_anchor" in ticker.ticker.jobs
    finally:
        ticker.shutdown()


def test_the_default_file_is_next_to_the_sqlite_database(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'opora.db'}", audit_key=KEY)
    assert AnchorConfig.from_settings(settings).path == tmp_path / "opora.anchors.jsonl"
    settings = Settings(database_url="postgresql://u@h/db", audit_anchors="/var/lib/opora/anchors.jsonl")
    assert AnchorConfig.from_settings(settings).path == Path("/var/lib/opora/anchors.jsonl")
    assert AnchorConfig.from_settings(Settings(database_url="postgresql://u@h/db")).path == Path("opora-anchors.jsonl")
    assert KEY not in repr(settings) and KEY not in repr(AnchorConfig.from_settings(settings))


def test_the_anchor_reaches_the_supervisors_of_each_territory_and_its_webhooks(mail: Mailroom,
                                                                              tmp_path: Path) -> None:
    p: Process = mail.process
    _, secret = _endpoint(mail, "/anchors", [ANCHOR_KIND])
    _endpoint(mail, "/other-territory", [ANCHOR_KIND], territory="nefteyugansk")
    p.to_inspection()
    mail.run()
    config = AnchorConfig(AnchorKeys(KEY), tmp_path / "anchors.jsonl")
    anchor = make_anchor(p.svc.db, p.app.clock, config)
    assert anchor is not None
    outbox = p.rows("select key, target, instance_id, payload from outbox where kind = 'audit.anchor'")
    assert [(r.target, r.instance_id) for r in outbox] == [("supervisor", None)]
    mail.run()
    boss = [m for m in mail.inbox("boss") if m.kind == ANCHOR_KIND]
    assert len(boss) == 1 and boss[0].title.startswith("Отметка журнала событий 03.03.2025 09:00: 1 дело")
    assert anchor.header["root"] in boss[0].body and anchor.header["key_id"] in boss[0].body
    assert [m for m in mail.inbox("other_boss") if m.kind == ANCHOR_KIND] == []
    hooks = [h for h in mail.hooks.hooks if h.json["kind"] == ANCHOR_KIND]
    assert [h.path for h in hooks] == ["/anchors"]
    body = hooks[0].json
    assert body["data"] == {**anchor.summary(), "territory": "surgut"} and body["case_id"] is None
    assert "Иванов" not in hooks[0].body.decode() and '"pins"' not in hooks[0].body.decode()
    assert signed_correctly(hooks[0], secret)
    mail.tick(minutes=1)
    assert make_anchor(p.svc.db, p.app.clock, config) is not None  # another anchor, another message
    assert len(p.rows("select key from outbox where kind = 'audit.anchor'")) == 2
