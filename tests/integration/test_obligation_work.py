"""A month of the reporting calendar as stored work, through the domain's commands: the sweep opens the obligations
once, reports are submitted with a file, returned with a reason and accepted, a roll-up waits for its parts and
counts its due day from the last one, a conflict of rules shows the rule in force, a roadmap item due on a day
off moves to the next working day, and an overdue report climbs the chain one working day at a time — all of it on
the workflow engine: each row is the subject of one instance of ``report_obligation``, whose state, deadline,
escalation steps and audit trail are the engine's."""

from __future__ import annotations

import io
import json
import threading
import zipfile
from datetime import date, datetime, time
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa
from pydantic import ValidationError

from cases import obligation_escalation, obligation_work
from cases.directory import add_organisation, add_user, principal_of
from cases.errors import Conflict, Forbidden, InputInvalid, NotFound
from cases.obligation_inputs import checked_decision, checked_roadmap_item
from cases.obligation_work import AddRoadmapItem, DecideReport, SubmitReport
from engine.audit import verify
from engine.consistency import check
from engine.sweeper import sweep
from engine.tables import OutboxMessage, from_sqlite_text, table_of
from notifications import messages, recipients
from notifications.config import NotifyConfig
from notifications.fanout import fan_out
from tests.adults import add_adult_world
from tests.process_steps import Process
from tests.world import _HASH, PASSWORD, START

OB = table_of(OutboxMessage)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def xlsx() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Показатель", "Значение"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def macro_document() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", '<Types><Override PartName="/word/document.xml"/></Types>')
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("word/vbaProject.bin", b"\x00")
    return out.getvalue()


@pytest.fixture
def proc(process: Process) -> Process:
    add_adult_world(process)
    with process.svc.db.unit_of_work() as tx:
        org = add_organisation(tx, "surgut", "rcrso", "Региональный ресурсный центр социального обслуживания",
                               "РЦРСО")
        process.world.orgs["rcrso"] = int(org.id)  # type: ignore[arg-type]
        user = add_user(tx, login="rcrso", password=PASSWORD, full_name="Ильина Вера Павловна", org=org,
                        roles=["rc_head"], now=START, password_hash=_HASH)
        process.world.users["rcrso"] = int(user.id)  # type: ignore[arg-type]
        principal = principal_of(tx, int(user.id))  # type: ignore[arg-type]
        assert principal is not None
        process.world.principals["rcrso"] = principal
        tx.commit()
    return process


def at(proc: Process, day: date, hour: int = 10) -> None:
    proc.frozen.move_to(datetime.combine(day, time(hour), tzinfo=proc.svc.runtime.calendar.zone))  # type: ignore[attr-defined]


def find(proc: Process, org: str, report: str, first: date) -> Any:
    RO = obligation_work.RO
    with proc.svc.db.read() as tx:
        rows = tx.connection.execute(sa.select(RO).where(RO.c.org_id == proc.world.orgs[org], RO.c.report == report,
                                                         RO.c.period_first == first)).all()
    assert len(rows) == 1, rows
    return rows[0]


def instance(proc: Process, row: Any) -> tuple[Any, list[Any], list[Any]]:
    """The obligation's instance, its deadlines and the steps of its deadlines."""
    case = proc.rows("select * from wf_instance where id = :c", c=row.case_id)[0]
    deadlines = proc.rows("select * from wf_deadline where instance_id = :c order by id", c=row.case_id)
    steps = proc.rows("select * from wf_step where instance_id = :c order by id", c=row.case_id)
    return case, deadlines, steps


def submit(proc: Process, login: str, obligation_id: int, content: bytes = PDF, name: str = "отчёт.pdf") -> None:
    obligation_work.submit(proc.svc, proc.world[login], SubmitReport(obligation_id, name, content))


def decide(proc: Process, login: str, obligation_id: int, accept: bool, reason: str = "") -> dict[str, Any]:
    return proc.svc.execute(obligation_work.decide, proc.world[login],
                            checked_decision(DecideReport(obligation_id, accept, reason)))


def test_a_month_of_the_reporting_calendar(proc: Process) -> None:
    w, db, runtime = proc.world, proc.svc.db, proc.svc.runtime
    opened = obligation_work.open_obligations(db, runtime)
    # provider: monthly ×2, quarterly ×2; УСО: monthly ×2, products ×2, quarterly ×2; УСЗН: roll-up ×2 (both
    # territories' УСО and УСЗН too); resource centres: roll-up ×2, annual ×2
    assert opened == len(proc.rows("select id from report_obligation")) > 0
    assert obligation_work.open_obligations(db, runtime) == 0  # running it twice opens nothing twice
    q1 = date(2025, 1, 1)
    part_provider, part_uso = find(proc, "provider", "provider_forms", q1), find(proc, "uso", "provider_forms", q1)
    assert part_provider.recipient_org_id == w.orgs["opeka"] and part_provider.due_on == date(2025, 4, 1)
    rollup = find(proc, "opeka", "uszn_control", q1)
    assert rollup.recipient_org_id == w.orgs["rc"] and rollup.rule_due_on == date(2025, 4, 3)
    assert rollup.due_on is None  # waits for its parts
    # every row is the subject of one instance, opened with it; a row waiting for its parts has no deadline yet
    case, deadlines, _ = instance(proc, part_provider)
    assert (case.workflow, case.state, case.subject_kind, case.subject_id) == ("report_obligation", "due",
                                                                               "obligation", part_provider.id)
    assert [(d.key, d.status) for d in deadlines] == [("submit_report", "open")]
    assert proc.rows("select count(*) as n from wf_instance where workflow = 'report_obligation'")[0].n == opened
    assert instance(proc, rollup)[1] == []
    # a conflict: "до 28 числа отчётного месяца" against "до 1 числа следующего" — the earlier is in force
    monthly = find(proc, "provider", "monthly_statistics", date(2025, 3, 1))
    assert monthly.due_on == date(2025, 3, 28) and "28" in monthly.rule
    # the resource centre's roll-up: 5 April is a Saturday, but the roadmap's 1 April is earlier and in force
    rc_rollup = find(proc, "rc", "rc_quarterly", q1)
    assert rc_rollup.rule_due_on == date(2025, 4, 1) and rc_rollup.recipient_org_id == w.orgs["rcrso"]
    with pytest.raises(sa.exc.IntegrityError), db.unit_of_work() as tx:  # the key holds against a second worker
        row = dict(monthly._mapping)
        row.pop("id")
        tx.connection.execute(sa.insert(obligation_work.RO).values(**row))

    # the provider submits, УСЗН returns it with a reason, the provider submits again, УСЗН accepts
    at(proc, date(2025, 3, 20))
    with pytest.raises(InputInvalid) as refused:
        submit(proc, "provider", part_provider.id, b"just text", "отчёт.txt")
    assert "PDF, DOCX или XLSX" in refused.value.errors["file"]
    with pytest.raises(InputInvalid):
        submit(proc, "provider", part_provider.id, macro_document(), "отчёт.docm")
    with pytest.raises(Forbidden):  # only the owing organisation submits
        submit(proc, "opeka", part_provider.id)
    with pytest.raises(NotFound):  # another territory does not see it
        submit(proc, "other_opeka", part_provider.id)
    submit(proc, "provider", part_provider.id)
    with pytest.raises(Conflict):
        submit(proc, "provider", part_provider.id)
    with pytest.raises(Forbidden):  # the resource centre sees it but is not its recipient
        decide(proc, "rc_head", part_provider.id, True)
    with pytest.raises(NotFound):  # another organisation's staff do not see it at all
        decide(proc, "director", part_provider.id, True)
    with pytest.raises(ValidationError):  # a return without a reason: refused by the return's input model
        decide(proc, "opeka", part_provider.id, False, "  ")
    returned = decide(proc, "opeka", part_provider.id, False, "Нет раздела 3")
    assert returned["state"] == "returned" and returned["reason"] == "Нет раздела 3"
    submit(proc, "provider", part_provider.id, xlsx(), "формы.xlsx")
    at(proc, date(2025, 3, 25))
    accepted = decide(proc, "opeka", part_provider.id, True)
    assert accepted["state"] == "accepted" and accepted["filename"] == "формы.xlsx"
    assert [h["kind"] for h in accepted["history"]] == ["submitted", "returned", "submitted", "accepted"]
    assert accepted["history"][1]["note"] == "Нет раздела 3" and accepted["history"][2]["sha256"]
    case, deadlines, _ = instance(proc, part_provider)  # the engine moved it: its state, its closed deadlines
    assert case.state == "accepted" and case.closed_at is not None
    assert [(d.state, d.status) for d in deadlines] == [("due", "met"), ("returned", "met")]
    events = proc.rows("select event from wf_audit where instance_id = :c and kind = 'transition' order by seq",
                       c=case.id)
    assert [e.event for e in events] == ["submit", "return", "submit", "accept"]
    assert find(proc, "opeka", "uszn_control", q1).due_on is None  # the УСО's part is not in yet
    with db.read() as tx:  # each step told the other organisation's staff, never the one who acted
        steps = tx.connection.execute(sa.select(OB).where(OB.c.key.like(f"obligation:{part_provider.id}:v%"))
                                      .order_by(OB.c.id)).all()
        told = [({r.principal.login for r in recipients.resolve(tx, runtime, row).recipients},
                 messages.compose(tx, proc.svc, row, None).title) for row in steps]
    assert [t[0] for t in told] == [{"opeka", "boss"}, {"provider"}, {"opeka", "boss"}, {"provider"}]
    assert told[0][1].startswith("Сдан отчёт") and "возвращён" in told[1][1] and told[3][1].endswith("принят")

    # a roadmap item due on a Saturday moves to Monday
    item = proc.svc.execute(obligation_work.add_roadmap_item, w["boss"], checked_roadmap_item(AddRoadmapItem(
        w.orgs["rc"], "Провести семинар для специалистов УСЗН", date(2025, 3, 15), "дорожная карта, п. 2.4")))
    assert item["due_on"] == date(2025, 3, 17) and item["recipient_org_id"] == w.orgs["rcrso"]
    with pytest.raises(Forbidden):
        proc.svc.execute(obligation_work.add_roadmap_item, w["curator"], AddRoadmapItem(
            w.orgs["rc"], "Другое", date(2025, 3, 20), "п. 1"))

    # nobody submits the provider's March statistics (due 28 March): it climbs the chain a working day at a time
    at(proc, date(2025, 3, 31))
    overdue = proc.svc.read(obligation_work.overdue_in, w["boss"])
    late = {(r["org_name"], r["report"]) for r in overdue}
    assert ("АНО «Дом надежды»", "monthly_statistics") in late
    assert next(r for r in overdue if r["report"] == "monthly_statistics")["days_overdue"] >= 3
    with pytest.raises(Forbidden):
        proc.svc.read(obligation_work.overdue_in, w["curator"])
    reached = []
    for day in (date(2025, 3, 31), date(2025, 4, 1), date(2025, 4, 2), date(2025, 4, 3)):
        at(proc, day)
        obligation_escalation.escalate_overdue(db, runtime)
        obligation_escalation.escalate_overdue(db, runtime)  # twice a day: once only
        with db.read() as tx:
            rows = tx.connection.execute(sa.select(OB).where(OB.c.key.like(f"obligation:{monthly.id}:overdue:%"))
                                         .order_by(OB.c.id)).all()
        reached.append(len(rows))
    assert reached == [1, 2, 3, 3]
    # the levels are the escalation steps of the workflow's deadline, held by the engine for this sweep: the
    # deadline sweeper never takes them and writes no messages of its own about an obligation
    sweep(db, runtime)
    _, deadlines, steps = instance(proc, monthly)
    assert [(s.target, s.status) for s in steps] == [("owing_org", "done"), ("recipient_org", "done"),
                                                     ("recipient_above", "done")]
    assert proc.rows("select count(*) as n from outbox o join wf_instance i on i.id = o.instance_id "
                     "where i.workflow = 'report_obligation'")[0].n == 0
    assert [h["kind"] for h in proc.svc.read(obligation_work.one, w["boss"], monthly.id)["history"]] == \
        ["escalated"] * 3
    with db.read() as tx:
        told = [{r.principal.login for r in recipients.resolve(tx, runtime, row).recipients} for row in rows]
    assert told == [{"provider"}, {"rc_head"}, {"rcrso"}]
    with db.read() as tx:  # the message names the report, the organisation and the days, and links to the page
        notice = messages.compose(tx, proc.svc, rows[2], None)
    assert notice.title.startswith("Просрочен отчёт «Статистический") and "АНО «Дом надежды»" in notice.title
    assert notice.link == f"/obligations?org={w.orgs['provider']}" and ("Уровень эскалации", "3") in notice.facts
    fan_out(proc.svc, NotifyConfig())  # into the inboxes: the РЦРСО's head reads of the provider's overdue report
    inbox = proc.rows("select i.title from inbox_item i join app_user u on u.id = i.user_id where u.login = 'rcrso'")
    assert any("Просрочен отчёт «Статистический" in r.title for r in inbox)

    # the УСО's part, due 1 April, is submitted on 3 April: from then on it waits for the recipient, it is not overdue
    def overdue_ids() -> set[int]:
        return {r["id"] for r in proc.svc.read(obligation_work.overdue_in, w["boss"])}

    assert part_uso.id in overdue_ids()
    submit(proc, "director", part_uso.id)
    assert part_uso.id not in overdue_ids()
    # and it is accepted the same day: the roll-up is due the next working day, later than its rule's 3 April
    decide(proc, "opeka", part_uso.id, True)
    rollup = find(proc, "opeka", "uszn_control", q1)
    assert rollup.due_on == date(2025, 4, 4)
    # the day is in the instance's data and the engine counted its deadline from it (to the end of that day)
    case, deadlines, steps = instance(proc, rollup)
    data = case.data if isinstance(case.data, dict) else json.loads(case.data)
    due_at = deadlines[0].due_at if isinstance(deadlines[0].due_at, datetime) else from_sqlite_text(deadlines[0].due_at)
    assert data["due_on"] == "2025-04-04" and [d.status for d in deadlines] == ["open"]
    cal = runtime.calendar
    assert cal.local_date(due_at) == date(2025, 4, 4) and {s.status for s in steps} == {"held"}
    with db.read() as tx:
        assert list(verify(tx)) == [] and check(tx) == []


def test_two_workers_sweeping_at_once_open_each_obligation_once(proc: Process) -> None:
    db, runtime = proc.svc.db, proc.svc.runtime
    barrier, opened, failed = threading.Barrier(2), [], []

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            opened.append(obligation_work.open_obligations(db, runtime))
        except Exception as exc:
            failed.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert failed == []
    keys = proc.rows("select org_id, report, period_first, count(*) as n from report_obligation "
                     "group by org_id, report, period_first")
    assert keys and all(r.n == 1 for r in keys)
    assert sum(opened) == len(keys)
