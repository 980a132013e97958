"""Personal data lifecycle (152-FZ): retention per kind of record with its audit entry, the subject-access
export, and cases given only to people who can act on them. SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import threading
import zipfile
from datetime import timedelta

import pytest
from pypdf import PdfReader

from api import retention
from cases import documents, handlers, subject_access
from cases.commands import AssignCase, ChildInput
from cases.errors import Forbidden, InputInvalid, NotFound
from tests.process_steps import Process


def closed_case(p: Process) -> int:
    """A report whose information was not confirmed: closed on the day of the inspection."""
    case_id = p.to_inspection()
    p.fire("agent", case_id, "record_inspection", {"living_conditions": "Чисто, продукты есть, Иванова дома",
                                                   "threats": "нет", "safety": "safe"})
    p.fire("agent", case_id, "close_not_confirmed", {"reason": "Сведения не подтвердились"})
    return case_id


def policies_run(p: Process, *, dry_run: bool) -> dict[str, dict[str, object]]:
    report = retention.apply(p.app, dry_run=dry_run, by="test")
    return {k["kind"]: k for k in report["kinds"]}  # type: ignore[index]


def test_retention_anonymises_expired_cases_people_and_reports_and_deletes_old_logs(process: Process) -> None:
    p = process
    old = closed_case(p)
    p.frozen.tick(timedelta(days=30))  # type: ignore[attr-defined]
    p.register(children=(ChildInput("Петрова", "Мария", "", None),))
    p.frozen.tick(timedelta(days=5 * 365 + 2))  # type: ignore[attr-defined]
    dry = policies_run(p, dry_run=True)
    assert dry["people"]["count"] == 1 and dry["reports"]["count"] == 1 and dry["cases"]["count"] == 1
    assert dry["access_log"]["count"] > 0 and dry["login_attempts"]["status"] == "dry_run"
    assert p.rows("select count(*) as n from retention_run")[0].n == 0  # a dry run changes nothing
    assert p.rows("select count(*) as n from person where last_name = 'Иванов'")[0].n == 1
    done = policies_run(p, dry_run=False)
    assert done["people"]["count"] == 1 and done["people"]["status"] == "done"
    old_family = p.rows("select subject_id from wf_instance where id = :c", c=old)[0].subject_id
    person = p.rows("select last_name, first_name, birth_date, name_key from person where family_id = :f",
                    f=old_family)[0]
    assert (person.last_name, person.first_name, person.birth_date) == ("Обезличено", "", None)
    assert p.rows("select text from report where case_id = :c", c=old)[0].text == ""
    documents = p.rows("select docx, pdf, label from document where case_id = :c", c=old)
    assert documents and all(d.docx is None and d.pdf is None and d.label for d in documents)
    assert p.rows("select count(*) as n from person where last_name = 'Петрова'")[0].n == 1  # the open case stays
    assert p.rows("select count(*) as n from access_log where at < :cut",
                  cut=p.now() - timedelta(days=1095))[0].n == 0
    audit = {r.kind: r.count for r in p.rows("select kind, count from retention_run")}
    assert audit["people"] == 1 and audit["reports"] == 1 and audit["cases"] == 1 and audit["access_log"] > 0
    again = policies_run(p, dry_run=False)  # idempotent: nothing left to do
    assert {k: v["count"] for k, v in again.items() if k != "access_log"} == {
        "cases": 0, "people": 0, "reports": 0, "login_attempts": 0, "saved_searches": 0}


def test_two_retention_runs_at_once_do_the_work_once(process: Process) -> None:
    closed_case(process)
    process.frozen.tick(timedelta(days=5 * 365 + 2))  # type: ignore[attr-defined]
    results: list[dict[str, dict[str, object]]] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        barrier.wait()
        results.append(policies_run(process, dry_run=False))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(int(r["people"]["count"]) for r in results) == [0, 1]  # type: ignore[call-overload]
    assert process.rows("select coalesce(sum(count), 0) as n from retention_run where kind = 'people'")[0].n == 1


def test_the_subject_access_export_holds_everything_about_the_person_and_is_logged(process: Process) -> None:
    p = process
    case_id = p.to_inspection()
    person_id = p.rows("select person_id from report_child")[0].person_id
    with pytest.raises(Forbidden):
        subject_access.export_person(p.svc, p.world["opeka"], person_id)  # the officer working the case: no
    with pytest.raises(NotFound):
        subject_access.export_person(p.svc, p.world["other_boss"], person_id)  # another territory: not found
    while documents.render_pending(p.svc.db, p.svc.runtime, limit=10):
        pass
    export = subject_access.export_person(p.svc, p.world["boss"], person_id)
    archive = zipfile.ZipFile(io.BytesIO(export.data))
    names = archive.namelist()
    assert "subject.json" in names and "summary.pdf" in names
    acts = [n for n in names if n.startswith("acts/")]
    assert acts and all(archive.read(n).startswith(b"%PDF") for n in acts)
    data = json.loads(archive.read("subject.json"))
    assert data["person"]["full_name"] == "Иванов Пётр Сергеевич" and data["person"]["birth_date"] == "2015-04-01"
    assert [c["id"] for c in data["cases"]] == [case_id] and data["cases"][0]["deadlines"]
    assert data["reports"][0]["names_this_person"] is True and data["reports"][0]["text"]
    assert {a["user"] for a in data["access_log"]} >= {"Соколова Ирина Викторовна"}
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(archive.read("summary.pdf"))).pages)
    assert "Иванов" in text and "152-ФЗ" in text
    logged = p.rows("select case_id, user_id from access_log where action = 'subject_export' order by id")
    assert [(r.case_id, r.user_id) for r in logged] == [(None, p.world.users["boss"]), (case_id, p.world.users["boss"])]


def test_a_case_is_assigned_only_to_someone_who_can_act_on_it(process: Process) -> None:
    p = process
    case_id = p.to_inspection()
    boss = p.world["boss"]
    for login in ("admin", "secretary"):  # no workflow role / another body whose commission is not a party
        with pytest.raises(InputInvalid) as refused:
            p.svc.execute(handlers.assign_case, boss, AssignCase(case_id, p.world.users[login]))
        assert "не может вести дело" in refused.value.errors["assignee_id"]
    p.svc.execute(handlers.assign_case, boss, AssignCase(case_id, p.world.users["opeka"]))
    assert p.case(case_id).assignee_id == p.world.users["opeka"]
    with pytest.raises(InputInvalid):  # the other territory's staff, as before
        p.svc.execute(handlers.assign_case, boss, AssignCase(case_id, p.world.users["other_opeka"]))


def test_the_servers_job_runs_once_a_day_even_when_ticked_every_hour(process: Process) -> None:
    assert retention.run_daily(process.app) is True
    process.frozen.tick(retention.EVERY)  # type: ignore[attr-defined]
    assert retention.run_daily(process.app) is False
    process.frozen.tick(retention.DAILY)  # type: ignore[attr-defined]
    assert retention.run_daily(process.app) is True
    runs = process.rows("select count(distinct at) as n from retention_run where by = 'job'")
    assert runs[0].n == 2
