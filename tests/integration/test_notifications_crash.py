"""Crash safety of delivery: a worker killed with SIGKILL mid-batch loses no message and repeats at most one.

The test process hosts the receivers (a real SMTP server, a real HTTP server) and the outbox; a real
subprocess (this module run with ``python -m``) fans out and sends in small batches, reporting progress,
until the test kills it. A restarted worker then finishes the job. Every message must have reached the
inbox exactly once, and the SMTP server and the webhook receiver every message at least once — counted
by ``Message-ID`` / ``X-Opora-Delivery``; a raw repeat is allowed only for the one message that was in
flight when the process died (documented in ``notifications.delivery``).

Usage of the worker: python -m tests.integration.test_notifications_crash DATABASE_URL SMTP_PORT
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from api.bootstrap import bootstrap
from api.settings import Settings
from cases.services import Services
from engine import outbox
from engine.tables import Deadline, table_of
from notifications import delivery, email, fanout, jobs
from notifications.config import NotifyConfig, SmtpConfig
from notifications.tables import Delivery
from tests.integration.test_notifications import BASE_URL, TEST_SEALER, Mailroom, mailroom
from tests.process_steps import Process

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = 40
DL, DV = table_of(Deadline), table_of(Delivery)


@pytest.fixture
def mail(process: Process) -> Iterator[Mailroom]:
    with mailroom(process) as room:
        yield room


def worker_config(smtp_port: int) -> NotifyConfig:
    return NotifyConfig(smtp=SmtpConfig("127.0.0.1", smtp_port, timeout=5), base_url=BASE_URL, batch_size=3,
                        send_timeout=5, allow_hosts=("127.0.0.1",), sealer=TEST_SEALER)


def main() -> None:
    url, smtp_port = sys.argv[1], int(sys.argv[2])
    container = bootstrap(Settings(database_url=url), migrate=False, publish=False)
    svc, config = Services(container.db, container.runtime), worker_config(smtp_port)
    if len(sys.argv) > 3:  # die right after the N-th message was accepted, before it is recorded as sent
        die_after, accepted = int(sys.argv[3]), [0]
        send = delivery.send

        def send_then_die(*args: Any) -> None:
            send(*args)
            accepted[0] += 1
            if accepted[0] == die_after:
                os.kill(os.getpid(), signal.SIGKILL)

        delivery.send = send_then_die  # type: ignore[assignment]
    print("ready", flush=True)
    sent = 0
    while True:  # small steps back to back, so the kill lands inside a fan-out or a send
        fanout.fan_out(svc, config, batch_size=7, max_batches=1)
        sent += delivery.deliver_due(svc, config, max_batches=1).sent
        print(f"sent {sent}", flush=True)


def _prepare(mail: Mailroom) -> tuple[int, list[str]]:
    """A case of the officer's, a webhook endpoint, reminders by e-mail on; MESSAGES reminders in the outbox."""
    from notifications import endpoints

    p = mail.process
    case_id = p.register().case_id
    mail.choose("opeka", {"deadline.reminder": {"email": True}})
    endpoints.register(p.svc, p.world["admin"], mail.config, name="Приёмник", url=mail.hooks.url("/crash"),
                       kinds=["deadline.reminder"])
    mail.run()  # the registration's own messages, before the batch under test
    with p.svc.db.unit_of_work() as tx:
        deadline = tx.connection.execute(sa.select(DL).where(DL.c.instance_id == case_id)).first()
        assert deadline is not None
        keys = [f"crash:{i}" for i in range(MESSAGES)]
        outbox.write(tx.connection, [outbox.message(
            key, "deadline.reminder", case_id, "assignee",
            {"deadline_id": deadline.id, "title": deadline.title, "due_at": deadline.due_at.isoformat()})
            for key in keys], p.now())
        tx.commit()
    return case_id, keys


def _spawn(db_url: str, port: int, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "tests.integration.test_notifications_crash", db_url, str(port),
                             *extra], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})


def _killed(proc: subprocess.Popen[str]) -> None:
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read() if proc.stderr else ""


def _restart_and_count(mail: Mailroom, keys: list[str], port: int) -> int:
    """Finish with a fresh worker once the dead one's leases ran out; check nothing is lost; return the repeats."""
    p = mail.process
    with p.svc.db.read() as tx:
        sent_before = tx.connection.execute(sa.select(sa.func.count()).select_from(DV).where(
            DV.c.status == "sent", DV.c.channel.in_(("email", "webhook")))).scalar_one()
        leased_until = tx.connection.execute(sa.select(sa.func.max(DV.c.next_attempt_at))
                                             .where(DV.c.status == "pending")).scalar()
    assert 0 < sent_before < 2 * MESSAGES  # killed half way
    if leased_until is not None:
        mail.move_to(max(leased_until, p.now()) + timedelta(seconds=1))
    for _ in range(3):
        jobs.tick(p.svc, worker_config(port))

    assert p.rows("select count(*) from outbox where status = 'pending'")[0][0] == 0
    statuses = p.rows("select channel, status, count(*) as n from notification_delivery "
                      "where key like 'crash:%' group by channel, status order by channel")
    assert [(r.channel, r.status, r.n) for r in statuses] == [
        ("email", "sent", MESSAGES), ("inbox", "sent", MESSAGES), ("webhook", "sent", MESSAGES)]
    inbox = p.rows("select source_key from inbox_item where source_key like 'crash:%'")
    assert sorted(r.source_key.split("|")[0] for r in inbox) == sorted(keys)  # each exactly once

    expected_ids = {email.message_id(f"{k}|email|{p.world.users['opeka']}", BASE_URL) for k in keys}
    letters = Counter(m["Message-ID"] for m in mail.letters("opeka") if "Напоминание" in m["Subject"])
    hooks = Counter(h.headers["x-opora-delivery"] for h in mail.hooks.hooks if h.path == "/crash")
    assert set(letters) == expected_ids  # none lost
    assert set(hooks) == {f"{k}|webhook|w1" for k in keys}
    return sum(letters.values()) - len(letters) + sum(hooks.values()) - len(hooks)


def _port(mail: Mailroom) -> int:
    assert mail.config.smtp is not None
    return mail.config.smtp.port


@pytest.mark.slow
def test_sigkill_mid_delivery_loses_nothing_and_repeats_at_most_the_message_in_flight(mail: Mailroom,
                                                                                       db_url: str) -> None:
    _, keys = _prepare(mail)
    mail.smtp.delay = 0.01  # a little latency, so the worker is killed while a message is on its way
    proc = _spawn(db_url, _port(mail))
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("sent") and int(line.split()[1]) >= MESSAGES // 2:
            break
    proc.send_signal(signal.SIGKILL)
    _killed(proc)
    assert _restart_and_count(mail, keys, _port(mail)) <= 1


@pytest.mark.slow
def test_a_worker_killed_after_the_receiver_accepted_repeats_that_message_with_the_same_id(mail: Mailroom,
                                                                                           db_url: str) -> None:
    _, keys = _prepare(mail)
    _killed(_spawn(db_url, _port(mail), "17"))  # dies between the 17th acceptance and recording it
    assert _restart_and_count(mail, keys, _port(mail)) == 1  # that one, once more, under the same id


if __name__ == "__main__":
    main()
