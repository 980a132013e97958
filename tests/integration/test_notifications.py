"""Notifications end to end on real parts: a real SMTP server (aiosmtpd), a real HTTP receiver for webhooks.

The cases are driven through the process with the domain's commands, the sweeper turns missed deadlines
into outbox rows, and the notification jobs deliver them; the tests read what the receivers got.
Also here: the receivers (:class:`SmtpSink`, :class:`WebhookSink`) and :func:`mailroom`, which the other
notification tests (``_webhooks``, ``_daily``, ``_recipients``, ``_crash``) import.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient

from api.app import create_app
from api.bootstrap import bootstrap
from api.settings import Settings, SettingsInvalid
from api.settings import load as load_settings
from cases.errors import InputInvalid
from cases.services import Services
from engine import outbox
from engine.database import Database
from engine.tables import Deadline, table_of
from notifications import email as email_channel
from notifications import endpoints, jobs, preferences
from notifications.config import NotifyConfig, SmtpConfig
from notifications.inbox import Message, messages
from notifications.jobs import NotifyReport
from notifications.sealing import Sealer
from tests.process_steps import Process
from tests.world import build_world

BASE_URL = "https://opora.example"
#: the key tests/conftest.py puts in OPORA_SECRET_KEY
TEST_SEALER = Sealer(os.environ["OPORA_SECRET_KEY"])
DL = table_of(Deadline)


# -- the receivers ----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SmtpSink:
    """An aiosmtpd handler: keeps the letters it accepts; ``refusals`` are answered (in order) instead."""

    def __init__(self) -> None:
        self.letters: list[EmailMessage] = []
        self.refusals: list[str] = []
        self.always: str | None = None
        self.delay = 0.0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            time.sleep(self.delay)  # blocking on purpose: asyncio's timers may run on a frozen clock
        with self.lock:
            if self.always:
                return self.always
            if self.refusals:
                return self.refusals.pop(0)
            letter = cast(EmailMessage, message_from_bytes(envelope.content, policy=policy.default))
            letter["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
            self.letters.append(letter)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.letters if m["To"] == address]


def text_of(letter: EmailMessage) -> str:
    part = letter.get_body(("plain",))
    assert part is not None
    return cast(EmailMessage, part).get_content()


def html_of(letter: EmailMessage) -> str:
    part = letter.get_body(("html",))
    assert part is not None
    return cast(EmailMessage, part).get_content()


@dataclass
class Hook:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class WebhookSink:
    """A stdlib HTTP server in a thread keeping every POST; ``statuses`` are answered (in order) before 200."""

    def __init__(self) -> None:
        self.hooks: list[Hook] = []
        self.statuses: list[int] = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status = sink.statuses.pop(0) if sink.statuses else 200
                if status == 200:
                    sink.hooks.append(Hook(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def signed_correctly(hook: Hook, secret: str) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), hook.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(hook.headers["x-opora-signature"], expected)


# -- the fixture ------------------------------------------------------------------------------------

@dataclass
class Mailroom:
    process: Process
    smtp: SmtpSink
    hooks: WebhookSink
    config: NotifyConfig
    addresses: dict[str, str] = field(default_factory=dict)
    controller: Any = None

    def run(self) -> NotifyReport:
        """One tick of the server's delivery job: fan out the outbox, send what is due."""
        return jobs.tick(self.process.svc, self.config)

    def daily(self) -> NotifyReport:
        return jobs.daily(self.process.svc, self.config)

    def inbox(self, login: str) -> list[Message]:
        with self.process.svc.db.read() as tx:
            return messages(tx, self.process.world.users[login], limit=500)

    def letters(self, login: str) -> list[EmailMessage]:
        return self.smtp.to(self.addresses[login])

    def choose(self, login: str, wanted: dict[str, dict[str, bool]]) -> None:
        def save(tx: Any, svc: Any) -> None:
            preferences.save(tx, self.process.world.users[login], wanted, svc.runtime.clock.now())
        self.process.svc.execute(save)

    def tick(self, **delta: float) -> None:
        self.process.frozen.tick(timedelta(**delta))  # type: ignore[attr-defined]

    def move_to(self, moment: Any) -> None:
        self.process.frozen.move_to(moment)  # type: ignore[attr-defined]


def give_addresses(process: Process) -> dict[str, str]:
    addresses = {login: f"{login}@opora.example" for login in process.world.users}
    with process.svc.db.unit_of_work() as tx:
        for login, address in addresses.items():
            tx.connection.exec_driver_sql(f"update app_user set email = '{address}' "
                                          f"where id = {process.world.users[login]}")
        tx.commit()
    return addresses


@contextmanager
def mailroom(process: Process) -> Iterator[Mailroom]:
    """Receivers started on free ports, every user with an e-mail address, a config pointing at them."""
    smtp, hooks = SmtpSink(), WebhookSink()
    controller = Controller(smtp, hostname="127.0.0.1", port=free_port())
    controller.start()
    hooks.start()
    config = NotifyConfig(smtp=SmtpConfig("127.0.0.1", controller.port, timeout=5), base_url=BASE_URL,
                          send_timeout=5, allow_hosts=("127.0.0.1",), sealer=TEST_SEALER)
    try:
        room = Mailroom(process, smtp, hooks, config, give_addresses(process), controller)
        yield room
    finally:
        room.controller.stop()
        hooks.stop()


@pytest.fixture
def mail(process: Process) -> Iterator[Mailroom]:
    with mailroom(process) as room:
        yield room


# -- tests ------------------------------------------------------------------------------------------

def test_missed_inspection_escalates_to_the_assignee_then_the_supervisor_by_inbox_and_email(mail: Mailroom) -> None:
    p = mail.process
    case_id = p.to_inspection()
    mail.run()
    mail.smtp.letters.clear()
    mail.tick(days=14)
    swept = p.sweep()
    assert swept.escalations == 2 and swept.reminders == 1
    report = mail.run()
    assert report.failed == 0 and report.retried == 0

    boss = [m for m in mail.inbox("boss") if m.kind == "deadline.escalation"]
    assert len(boss) == 1
    assert boss[0].title == f"Нарушен срок «Обследовать условия жизни ребёнка и семьи» по делу № {case_id}"
    assert boss[0].case_id == case_id and boss[0].link == f"/cases/{case_id}"
    assert "Семья Иванов" in boss[0].body and "Основание: СК РФ ст. 122 п. 1" in boss[0].body
    assert "Уровень эскалации: 2" in boss[0].body

    letters = mail.letters("boss")
    assert len(letters) == 1
    letter = letters[0]
    assert letter["Subject"] == f"[Опора] Нарушен срок «Обследовать условия жизни ребёнка и семьи» по делу № {case_id}"
    text, html = text_of(letter), html_of(letter)
    assert f"{BASE_URL}/cases/{case_id}" in text and f'href="{BASE_URL}/cases/{case_id}"' in html
    assert "Основание: СК РФ ст. 122 п. 1" in text and "СК РФ ст. 122 п. 1" in html
    assert "Срок: Обследовать условия жизни ребёнка и семьи" in text
    assert letter["Message-ID"].endswith("@opora.example>") and letter["Auto-Submitted"] == "auto-generated"
    # the family's name stays inside the system: not in the letter that leaves it
    assert "Иванов" not in text and "Иванов" not in html and "Иванов" not in letter["Subject"]

    # level 1 went to the assignee (the inspector), the reminder to the assignee's inbox only
    agent = {m.kind for m in mail.inbox("agent")}
    assert {"deadline.escalation", "deadline.reminder", "case.assigned"} <= agent
    agent_subjects = [m["Subject"] for m in mail.letters("agent")]
    assert any("Нарушен срок" in s for s in agent_subjects)
    assert not any("Напоминание" in s for s in agent_subjects)  # reminders: inbox only by default
    # nobody of the other territory heard of it
    for login in ("other_boss", "other_opeka", "other_curator"):
        assert mail.inbox(login) == [] and mail.letters(login) == []
    # a second tick sends nothing again
    again = mail.run()
    assert (again.messages, again.sent) == (0, 0)
    assert len(mail.letters("boss")) == 1


def test_assignment_reaches_the_new_assignee_but_never_the_person_who_acted(mail: Mailroom) -> None:
    p = mail.process
    case_id = p.to_inspection()  # opeka registers (assigned to herself) and orders the inspection by agent
    mail.run()
    assert [m.kind for m in mail.inbox("opeka")] == []
    assert mail.letters("opeka") == []
    assigned = [m for m in mail.inbox("agent") if m.kind == "case.assigned"]
    assert len(assigned) == 1 and assigned[0].title.startswith(f"Вам передано дело № {case_id}")
    letter = mail.letters("agent")[0]
    assert letter["Subject"] == f"[Опора] Вам передано дело № {case_id}: Сообщение о нарушении прав ребёнка"
    assert "Ближайший срок: Обследовать условия жизни ребёнка и семьи" in text_of(letter)
    assert f"{BASE_URL}/me/notifications" in text_of(letter)


def test_resolution_goes_to_the_staff_involved_and_the_uso_director(mail: Mailroom) -> None:
    _, kdn = mail.process.to_resolution()
    mail.run()
    got = {login for login in mail.process.world.users
           if any(m.kind == "resolution_recorded" for m in mail.inbox(login))}
    # the Agency drafted, guardianship sent, the УСО director must appoint a curator; the secretary recorded it
    assert got == {"agent", "opeka", "director"}
    letter = next(m for m in mail.letters("director") if "Постановление" in m["Subject"])
    assert letter["Subject"] == f"[Опора] Постановление КДН № 12/3 по делу № {kdn}"
    assert "Решение: признать несовершеннолетнего (семью) находящимися в социально опасном положении" in \
        " ".join(text_of(letter).split())


def test_a_message_of_an_unexpected_shape_is_still_delivered_and_holds_up_nothing(mail: Mailroom) -> None:
    p = mail.process
    case_id = p.to_inspection()
    with p.svc.db.unit_of_work() as tx:  # a reminder whose payload lost its deadline, and a broken row
        outbox.write(tx.connection, [
            outbox.message("odd:1", "deadline.reminder", case_id, "assignee", {"deadline_id": "nonsense"}),
            outbox.message("odd:2", "case.assigned", case_id, "assignee", cast(Any, [1, 2]))], p.now())
        tx.commit()
    p.register()  # and a message after them
    report = mail.run()
    assert report.failed == 0
    odd = [m for m in mail.inbox("agent") if m.kind == "deadline.reminder"]
    assert [m.title for m in odd] == [f"Напоминание: срок «срок» истекает — (дело № {case_id})"]
    broken = p.rows("select title, data from notification where key = 'odd:2'")[0]
    assert broken.title == "Дело передано мне: не удалось разослать" and "TypeError" in str(broken.data)
    assert p.rows("select count(*) from outbox where status = 'pending'")[0][0] == 0
    assert len([m for m in mail.inbox("agent") if m.kind == "case.assigned"]) == 1


def test_preferences_choose_channels_and_escalations_cannot_be_switched_off(mail: Mailroom) -> None:
    with pytest.raises(InputInvalid) as refused:
        mail.choose("agent", {"deadline.escalation": {"inbox": False}})
    assert "отключить нельзя" in str(refused.value)
    mail.choose("agent", {"case.assigned": {"email": False}, "deadline.reminder": {"email": True},
                          "deadline.escalation": {"email": False}})
    p = mail.process
    with p.svc.db.unit_of_work() as tx:  # the form's way: a locked box that is not sent stays on
        preferences.save(tx, p.world.users["agent"], {"deadline.escalation": {"inbox": False}},
                         p.now(), strict=False)
        tx.commit()
    case_id = p.to_inspection()
    mail.tick(days=14)
    p.sweep()
    mail.run()
    kinds = sorted(m.kind for m in mail.inbox("agent"))
    assert kinds == ["case.assigned", "deadline.escalation", "deadline.reminder"]
    subjects = [m["Subject"] for m in mail.letters("agent")]
    assert subjects == [f"[Опора] Напоминание: срок «Обследовать условия жизни ребёнка и семьи» истекает "
                        f"{_due(p, case_id)} (дело № {case_id})"]


def _due(p: Process, case_id: int) -> str:
    with p.svc.db.read() as tx:
        due = tx.connection.execute(sa.select(DL.c.due_at).where(DL.c.instance_id == case_id,
                                                                 DL.c.key == "inspect")).scalar_one()
    return str(due.astimezone(p.app.calendar.zone).strftime("%d.%m.%Y %H:%M"))


# -- e-mail retries -------------------------------------------------------------------------------------

def test_smtp_refusals_are_retried_with_backoff_and_the_letter_arrives_once(mail: Mailroom) -> None:
    mail.smtp.refusals = ["451 4.3.0 Временная ошибка, попробуйте позже", "421 4.7.0 Перегружен"]
    p = mail.process
    p.to_inspection()
    start = p.now()
    assert mail.run().retried == 1
    mail.tick(seconds=59)
    assert _attempts(mail.run()) == 0
    mail.tick(seconds=1)
    assert mail.run().retried == 1
    mail.tick(minutes=4, seconds=59)
    assert _attempts(mail.run()) == 0
    mail.tick(seconds=1)
    assert mail.run().sent == 1
    assert len(mail.letters("agent")) == 1
    for _ in range(3):
        mail.tick(hours=3)
        assert _attempts(mail.run()) == 0
    assert len(mail.letters("agent")) == 1
    tries = p.rows("select a.number, a.at, a.ok, a.detail from notification_attempt a "
                   "join notification_delivery d on d.id = a.delivery_id where d.channel = 'email' order by a.number")
    assert [(t.number, t.ok) for t in tries] == [(1, False), (2, False), (3, True)]
    assert tries[0].detail.startswith("SMTP 451") and tries[1].detail.startswith("SMTP 421")
    log = p.svc.read(endpoints.recent_deliveries, p.world["admin"])
    email = next(d for d in log if d.channel == "email")
    assert email.status == "sent" and email.attempts == 3
    assert [t.at - start for t in email.tries] == [timedelta(0), timedelta(minutes=1), timedelta(minutes=6)]


def test_a_mail_server_down_for_a_day_loses_nothing_and_each_letter_arrives_once(mail: Mailroom) -> None:
    p = mail.process
    port = mail.controller.port
    mail.controller.stop()  # the mail server goes down
    cases = [p.to_inspection() for _ in range(3)]
    for _ in range(48):  # a day of the server's ticks, every half hour, with the sweeper
        mail.tick(minutes=30)
        p.sweep()
        mail.run()
    waiting = p.rows("select key from notification_delivery where channel = 'email'")
    assert len(waiting) >= 3 and mail.smtp.letters == []
    assert p.rows("select count(*) from notification_delivery where channel = 'email' and status <> 'pending'"
                  ) == [(0,)]  # nothing given up, nothing sent
    mail.controller = Controller(mail.smtp, hostname="127.0.0.1", port=port)  # back, at the same address
    mail.controller.start()
    for _ in range(14):  # the longest wait between tries is 6 hours
        mail.tick(minutes=30)
        mail.run()
    statuses = p.rows("select status, count(*) from notification_delivery where channel = 'email' group by status")
    assert statuses == [("sent", len(waiting))]
    ids = [letter["Message-ID"] for letter in mail.smtp.letters]
    assert len(ids) == len(waiting) and len(set(ids)) == len(ids)  # every letter once
    numbered = {int(n) for m in mail.smtp.letters for n in re.findall(r"№ (\d+)", m["Subject"])}
    assert set(cases) <= numbered  # each case's assignment letter is among them


def _attempts(report: NotifyReport) -> int:
    return report.sent + report.retried + report.failed


def test_a_permanent_smtp_refusal_fails_at_once(mail: Mailroom) -> None:
    mail.smtp.always = "550 5.1.1 Нет такого почтового ящика"
    mail.process.to_inspection()
    report = mail.run()
    assert (report.failed, report.retried, report.sent) == (1, 0, 0)
    row = mail.process.rows("select status, attempts, last_error from notification_delivery where channel = 'email'")
    assert [(r.status, r.attempts) for r in row] == [("failed", 1)] and row[0].last_error.startswith("SMTP 550")


def test_long_cyrillic_subjects_survive_header_folding() -> None:
    """The letter's subject reads back exactly, whatever the fold points (spaces included)."""
    words = ["[Опора]", "Нарушен", "срок", "«Обследовать", "условия", "жизни", "ребёнка", "и", "семьи»", "по",
             "делу", "№", "1234:", "Сводка", "на", "10.03.2025:", "сегодня", "1,", "просрочено", "12"]
    config = SmtpConfig("127.0.0.1")
    for n in range(3, len(words) + 1):
        subject = " ".join(words[:n])
        raw = email_channel.build(config, email_channel.Mail("a@b.example", subject, "т", "<p>т</p>", "<x@y>"),
                                  datetime(2025, 3, 3, tzinfo=UTC)).as_bytes()
        parsed = message_from_bytes(raw, policy=policy.default)
        assert parsed["Subject"] == subject
        assert parsed["From"] == "Опора <noreply@opora.local>"


def test_the_server_delivers_notifications_on_its_own(db: Database, db_url: str) -> None:
    """``opora serve`` ticks the jobs ``notifications.jobs.register`` adds (on real time, no freezing)."""
    container = bootstrap(Settings(database_url=db_url), db=db)
    svc = Services(container.db, container.runtime)
    process = Process(container, svc, build_world(svc))
    with mailroom(process) as room:
        assert room.config.smtp is not None
        container.settings = Settings(database_url=db_url, sweep_seconds=60, notify_seconds=0.2,
                                      smtp_host="127.0.0.1", smtp_port=room.config.smtp.port, base_url=BASE_URL)
        with TestClient(create_app(container)):
            case_id = process.to_inspection()
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and not room.letters("agent"):
                time.sleep(0.1)
        letters = room.letters("agent")
    assert [m["Subject"] for m in letters] == [
        f"[Опора] Вам передано дело № {case_id}: Сообщение о нарушении прав ребёнка"]
    assert f"{BASE_URL}/cases/{case_id}" in text_of(letters[0])
    assert [m.kind for m in room.inbox("agent")] == ["case.assigned"]


def test_settings_turn_e_mail_on_and_bad_values_are_refused_in_russian() -> None:
    assert NotifyConfig.from_settings(Settings(database_url="sqlite://")).smtp is None  # no host: e-mail is off
    config = NotifyConfig.from_settings(Settings(
        database_url="sqlite://", smtp_host="mail.example", smtp_port=465, smtp_tls="SSL", smtp_user="opora",
        smtp_password="секрет", base_url="https://opora.example/", digest_time="07:30", notify_seconds=5))
    assert config.smtp == SmtpConfig("mail.example", 465, "ssl", "opora", "секрет", "Опора <noreply@opora.local>")
    assert (config.base_url, config.digest_time.isoformat(), config.tick_seconds) == \
        ("https://opora.example", "07:30:00", 5.0)
    assert [config.retry_after(n) for n in range(1, 14)] == [
        timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
        *[timedelta(hours=6)] * 8, None]  # retries for about two days, then the delivery is given up
    with pytest.raises(SettingsInvalid, match="OPORA_SMTP_TLS: ожидается одно из none, starttls, ssl"):
        load_settings(database_url="sqlite://", smtp_tls="tls")
    with pytest.raises(SettingsInvalid, match="OPORA_DIGEST_TIME: ожидается время ЧЧ:ММ"):
        load_settings(database_url="sqlite://", digest_time="25:00")
