"""Once a day: the digest at the local time (once per user and day) and the KDN agenda the day before a meeting."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.test_notifications import BASE_URL, Mailroom, html_of, mailroom, text_of
from tests.process_steps import Process


@pytest.fixture
def mail(process: Process) -> Iterator[Mailroom]:
    with mailroom(process) as room:
        yield room


def test_the_daily_digest_is_sent_once_a_day_at_the_local_time(mail: Mailroom) -> None:
    mail.choose("curator", {"case.assigned": {"email": False, "digest": True},
                            "deadline.reminder": {"digest": True}})
    p = mail.process
    _, support = p.to_support()
    mail.run()
    assert mail.letters("curator") == []  # the assignment waits for the digest
    mail.move_to("2025-03-10 02:59:00+00:00")  # 07:59 in Yekaterinburg, the day the first visit is due
    p.sweep()  # the visit's reminder (the day before) is queued for the digest too
    mail.run()
    assert mail.daily().digests == 0
    mail.tick(minutes=1)  # 08:00 local
    assert mail.daily().digests == 1
    assert mail.daily().digests == 0
    mail.run()
    letters = mail.letters("curator")
    assert len(letters) == 1
    assert letters[0]["Subject"] == "[Опора] Сводка на 10.03.2025: сегодня 1 срок, просрочено 0"
    text = text_of(letters[0])
    today = text.split("Сроки, истекающие сегодня")[1].split("Просроченные")[0]
    assert f"дело № {support}" in today and "Патронаж семьи (посещение на дому) — до 10.03.2025 18:00" in today
    assert "основание:" in today
    assert f"Вам передано дело № {support}" in text.split("Новые назначения")[1]
    assert "Напоминание: срок «Патронаж семьи" in text.split("Другие уведомления")[1]
    assert f"{BASE_URL}/cases/{support}" in text and f"{BASE_URL}/cases/{support}" in html_of(letters[0])
    carried = p.rows("select status, digest_id from notification_delivery where channel = 'digest'")
    assert len(carried) == 2 and {r.status for r in carried} == {"sent"} and None not in {r.digest_id for r in carried}
    mail.tick(hours=10)
    assert mail.daily().digests == 0
    mail.run()
    assert len(mail.letters("curator")) == 1  # once a day
    mail.tick(hours=14)  # 08:00 the next day: the visit is now overdue, nothing new arrived
    assert mail.daily().digests == 1
    mail.run()
    second = mail.letters("curator")[1]
    assert second["Subject"] == "[Опора] Сводка на 11.03.2025: сегодня 0 сроков, просрочено 1"
    assert "Вам передано" not in text_of(second)
    assert mail.letters("director") == [] and mail.letters("boss") == []  # they did not choose a digest
    keys = p.rows("select key from notification where kind = 'digest' order by id")
    assert [k.key for k in keys] == [f"digest:{p.world.users['curator']}:2025-03-10",
                                     f"digest:{p.world.users['curator']}:2025-03-11"]


def test_the_kdn_secretary_gets_the_agenda_the_working_day_before_the_meeting(mail: Mailroom) -> None:
    p = mail.process
    _, kdn = p.to_kdn()
    p.fire("agent", kdn, "submit_draft", {"grounds": "Пьянство", "proposed_measures": "ИПР"})
    p.fire("opeka", kdn, "approve_and_send", {"kdn": p.world.orgs["kdn"]})
    p.fire("secretary", kdn, "schedule_meeting", {"meeting_on": "2025-03-10"})  # Monday
    mail.run()
    mail.move_to("2025-03-06 05:00:00+00:00")  # Thursday 10:00 local: too early
    assert mail.daily().agendas == 0
    mail.move_to("2025-03-07 02:30:00+00:00")  # Friday 07:30 local: before the digest time
    assert mail.daily().agendas == 0
    mail.move_to("2025-03-07 03:00:00+00:00")  # Friday 08:00 local: the last working day before the meeting
    assert mail.daily().agendas == 1
    assert mail.daily().agendas == 0
    mail.run()
    agenda = [m for m in mail.inbox("secretary") if m.kind == "kdn.agenda"]
    assert len(agenda) == 1
    assert agenda[0].title == "Заседание КДН 10.03.2025: в повестке 1 дело" and agenda[0].link == "/kdn"
    assert f"Дело № {kdn}: Индивидуальная профилактическая работа (СОП): рассмотрение заключения" in agenda[0].body
    assert f"Дело № {kdn}: Семья Иванов" in agenda[0].body
    assert not any(m.kind == "kdn.agenda" for login in ("boss", "opeka", "director") for m in mail.inbox(login))
    mail.tick(days=1)
    assert mail.daily().agendas == 0
