"""Webhooks may not reach into the network (SSRF), keep their secrets encrypted, and a slow receiver holds
the worker for one deadline at most while the other receivers are served. Real local servers throughout."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from api.db_schema import alembic_config
from cases.errors import InputInvalid
from engine.database import Database
from notifications import endpoints, webhooks
from notifications.config import NotifyConfig
from notifications.errors import TargetRefused
from notifications.sealing import Sealer
from tests.integration.test_notifications import Mailroom, mailroom, signed_correctly
from tests.process_steps import Process


@pytest.fixture
def mail(process: Process) -> Iterator[Mailroom]:
    with mailroom(process) as room:
        yield room


def add(mail: Mailroom, url: str, config: NotifyConfig | None = None) -> tuple[int, str]:
    return endpoints.register(mail.process.svc, mail.process.world["admin"], config or mail.config,
                              name="Приёмник", url=url, kinds=["case.assigned"])


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/hook", "http://localhost/hook", "http://[::1]/x",
                                 "http://10.1.2.3/x", "http://169.254.169.254/latest/meta-data", "https://192.168.0.5/",
                                 "http://0.0.0.0/", "http://[::ffff:127.0.0.1]/", "http://100.64.0.1/",
                                 "http://224.0.0.1/", "http://no-such-host.invalid/"])
def test_internal_and_unresolvable_targets_are_refused_at_registration(mail: Mailroom, url: str) -> None:
    strict = NotifyConfig(sealer=mail.config.sealer)
    with pytest.raises(InputInvalid) as refused:
        add(mail, url, strict)
    assert "url" in refused.value.errors
    assert mail.process.rows("select count(*) as n from webhook_endpoint")[0].n == 0


def test_a_public_address_is_accepted_and_a_named_internal_host_only_when_allowed(mail: Mailroom) -> None:
    assert webhooks.check_target("https://93.184.216.34/hook") == [webhooks.ipaddress.ip_address("93.184.216.34")]
    with pytest.raises(TargetRefused):
        webhooks.check_target("http://localhost:8080/")
    assert webhooks.check_target("http://LocalHost:8080/", ["localhost"])  # allowed by name, case-insensitively


class HostRecorder:
    """A local receiver recording the Host header and the peer of each request; answers ``status``."""

    def __init__(self, status: int = 200, body: bytes = b"") -> None:
        self.seen: list[tuple[str, str]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                recorder.seen.append((self.headers.get("Host", ""), self.client_address[0]))
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_the_address_is_checked_again_at_connect_time_and_the_connection_pinned(mail: Mailroom) -> None:
    receiver = HostRecorder(status=500, body=b"internal: database password is hunter2")
    try:
        allowed = NotifyConfig(sealer=mail.config.sealer, allow_hosts=("localhost",))
        endpoint_id, _ = add(mail, f"http://localhost:{receiver.port}/hook", allowed)
        mail.process.register()
        mail.config = replace(allowed, smtp=mail.config.smtp)
        mail.run()
        assert receiver.seen == [(f"localhost:{receiver.port}", "127.0.0.1")]  # the name kept, the checked address
        detail = mail.process.rows("select detail from notification_attempt")[0].detail
        assert detail == "HTTP 500"  # only the status: the receiver's answer never reaches the administrator
        mail.config = NotifyConfig(smtp=mail.config.smtp, sealer=mail.config.sealer)  # the allowance withdrawn
        receiver.seen.clear()
        mail.tick(minutes=2)
        report = mail.run()
        assert report.failed == 1 and receiver.seen == []  # refused before connecting: permanent
        last = mail.process.rows("select detail from notification_attempt order by id desc")[0].detail
        assert "адрес этого же компьютера" in last and endpoint_id
    finally:
        receiver.stop()


def test_secrets_are_encrypted_at_rest_and_useless_with_another_key(mail: Mailroom) -> None:
    _, secret = add(mail, mail.hooks.url("/signed"))
    stored = mail.process.rows("select secret from webhook_endpoint")[0].secret
    assert stored.startswith("fernet:") and secret not in stored
    mail.process.register()
    mail.run()
    assert len(mail.hooks.hooks) == 1 and signed_correctly(mail.hooks.hooks[0], secret)
    mail.config = NotifyConfig(smtp=mail.config.smtp, allow_hosts=("127.0.0.1",),
                               sealer=Sealer("a-different-key-of-the-operator"))
    mail.process.register()
    report = mail.run()
    assert report.failed == 1 and len(mail.hooks.hooks) == 1
    assert "другим ключом" in mail.process.rows("select detail from notification_attempt order by id desc")[0].detail


def test_without_a_key_no_webhook_can_be_added(mail: Mailroom) -> None:
    with pytest.raises(InputInvalid) as refused:
        add(mail, mail.hooks.url("/x"), NotifyConfig(allow_hosts=("127.0.0.1",)))
    assert "OPORA_SECRET_KEY" in refused.value.errors["secret"]


def test_the_migration_encrypts_plain_text_secrets(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    config = alembic_config(db)
    command.downgrade(config, "0007_overdue_indexes")
    with db.engine.begin() as conn:
        conn.execute(sa.text("insert into territory (code, name) values ('t', 'Т')"))
        conn.execute(sa.text("insert into webhook_endpoint (territory, name, url, secret, kinds, active, created_at, "
                             "updated_at) values ('t', 'old', 'https://93.184.216.34/', 'plain-secret-0123456789', "
                             "'[]', true, '2025-01-01 00:00:00', '2025-01-01 00:00:00')"))
    command.upgrade(config, "head")
    with db.engine.connect() as conn:
        stored = conn.execute(sa.text("select secret from webhook_endpoint")).scalar_one()
    assert stored.startswith("fernet:")
    assert Sealer(os.environ["OPORA_SECRET_KEY"]).open(stored) == "plain-secret-0123456789"


class Trickler:
    """A receiver that answers one byte every ``every`` seconds (a valid 200 after ~12 s), recording whether
    the client hung up before the answer was complete."""

    ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"

    def __init__(self, every: float = 0.3) -> None:
        self.every, self.cut_short, self.finished, self.requests = every, 0, 0, 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.running = True
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.trickle, args=(conn,), daemon=True).start()

    def trickle(self, conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            self.requests += 1
            try:
                for byte in self.ANSWER:
                    conn.sendall(bytes([byte]))
                    time.sleep(self.every)
                self.finished += 1
            except OSError:
                self.cut_short += 1

    def stop(self) -> None:
        self.running = False
        self.sock.close()


def test_a_trickling_receiver_is_cut_at_the_deadline_and_does_not_block_the_others(mail: Mailroom) -> None:
    slow = Trickler()
    try:
        mail.config = NotifyConfig(smtp=mail.config.smtp, allow_hosts=("127.0.0.1",), sealer=mail.config.sealer,
                                   send_timeout=1.0)
        slow_id, _ = add(mail, f"http://127.0.0.1:{slow.port}/slow")
        add(mail, mail.hooks.url("/fast"))
        for _ in range(3):
            mail.process.register()
        started = time.monotonic()
        report = mail.run()
        elapsed = time.monotonic() - started
        assert len(mail.hooks.hooks) == 3  # the healthy receiver got every message in the same round
        assert slow.requests == 1 and report.retried == 1  # one try at the slow one; its other two wait
        attempts = mail.process.rows("select d.attempts, d.next_attempt_at from notification_delivery d "
                                     f"where d.endpoint_id = {slow_id} order by d.id")
        assert [a.attempts for a in attempts] == [1, 0, 0]
        detail = mail.process.rows("select detail from notification_attempt where not ok")[0].detail
        assert detail == "нет ответа за 1 с"
        deadline = time.monotonic() + 5
        while slow.cut_short + slow.finished == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert slow.cut_short == 1 and slow.finished == 0  # the worker hung up at the deadline
        assert elapsed < len(Trickler.ANSWER) * slow.every  # (not a speed test: it cannot have waited it out)
    finally:
        slow.stop()


def test_the_circuit_breaker_pauses_a_failing_endpoint_without_counting_attempts(mail: Mailroom) -> None:
    endpoint_id, _ = add(mail, mail.hooks.url("/down"))
    mail.hooks.statuses = [503] * 20
    mail.process.register()
    for wait in (0, 1, 5):  # three failed requests in a row (the delivery's own backoff: 1 min, 5 min)
        mail.tick(minutes=wait)
        assert mail.run().retried == 1
    row = mail.process.rows(f"select failures, paused_until from webhook_endpoint where id = {endpoint_id}")[0]
    assert row.failures == 3 and row.paused_until is not None
    mail.process.register()  # a new message for the paused endpoint
    report = mail.run()
    assert report.retried + report.failed + report.sent == 0  # nothing tried while paused
    mail.hooks.statuses = []
    mail.tick(minutes=31)
    assert mail.run().sent == 2 and len(mail.hooks.hooks) == 2
    assert mail.process.rows(f"select failures from webhook_endpoint where id = {endpoint_id}")[0].failures == 0
