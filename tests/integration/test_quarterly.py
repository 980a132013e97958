"""Quarterly information (I quarter 2025): the ТЖС summary and the УСО's per-family report, checked against
the visits, plan items and closings created here; DOCX and XLSX read back."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import docx
import openpyxl
import pytest

from cases import quarterly
from cases.errors import Forbidden, InputInvalid
from engine.commands import Actor, StartCase
from tests.integration.test_statistics import at, inspect, kid, report, to_support
from tests.process_steps import Process

Q1 = {"year": 2025, "quarter": 1}


def visit(process: Process, case_id: int, on: str, kind: str) -> None:
    process.fire("curator", case_id, "record_visit", {"visited_on": on, "kind": kind, "notes": "Семья дома"})


def items(process: Process, case_id: int) -> list[int]:
    return [r.id for r in process.rows("select i.id from plan_item i join plan p on p.id = i.plan_id "
                                       "where p.case_id = :c order by i.id", c=case_id)]


def build(process: Process) -> dict[str, int]:
    cases: dict[str, int] = {}
    # closed before the quarter: not counted
    at(process, "2024-10-01 10:00")
    c = report(process, "education", kid("Старов", "Степан", date(2012, 1, 1)))
    inspect(process, c, True)
    old = to_support(process, c, item_days=10)
    at(process, "2024-11-15 10:00")
    process.close_item("curator", old, items(process, old)[0])
    process.fire("curator", old, "close_support", {"reason": "solved", "comment": "Ситуация преодолена"})
    # S1: family Алексеевы (2 children), supported since 10.12.2024, still open
    at(process, "2024-12-10 10:00")
    c = report(process, "police", kid("Алексеев", "Антон", date(2014, 2, 2)),
               kid("Алексеева", "Анна", date(2016, 3, 3)))
    inspect(process, c, True)
    cases["s1"] = s1 = to_support(process, c, item_days=60)  # item 1 due 08.02.2025
    at(process, "2024-12-20 10:00")
    visit(process, s1, "2024-12-20", "home")  # before the quarter
    at(process, "2025-01-10 10:00")
    process.add_item("curator", s1, "Оформить пособие", 69, org="uso")  # item 2 due 20.03.2025, never done
    process.add_item("curator", s1, "Путёвка в лагерь", 110, org="uso")  # item 3, cancelled 01.03.2025
    at(process, "2025-01-15 10:00")
    visit(process, s1, "2025-01-15", "home")
    at(process, "2025-02-01 10:00")
    process.close_item("curator", s1, items(process, s1)[0])
    at(process, "2025-02-12 10:00")
    visit(process, s1, "2025-02-12", "phone")
    at(process, "2025-03-01 10:00")
    process.close_item("curator", s1, items(process, s1)[2], status="cancelled")
    # S3: family Богдановы (2 children), supported from 20.01.2025, escalated to СОП on 20.02, recognised 05.03
    at(process, "2025-01-20 10:00")
    c = report(process, "relatives", kid("Богданов", "Борис", date(2011, 4, 4)),
               kid("Богданова", "Бэла", date(2013, 5, 5)))
    inspect(process, c, True)
    cases["s3"] = s3 = to_support(process, c, item_days=100)  # due 30.04.2025: not overdue at the end of March
    # S2: family Волковы (1 child), supported from 03.02.2025, one visit, closed 25.03 (moved away)
    at(process, "2025-02-03 10:00")
    c = report(process, "neighbours", kid("Волков", "Виктор", date(2015, 6, 6)))
    inspect(process, c, True)
    cases["s2"] = s2 = to_support(process, c, item_days=30)
    at(process, "2025-02-20 10:00")
    process.fire("curator", s3, "escalate_to_sop", {"grounds": "Родители пьют"})
    kdn = process.started_case(s3, "kdn_prevention")
    process.fire("agent", kdn, "submit_draft", {"grounds": "Пьянство", "proposed_measures": "ИПР"})
    process.fire("opeka", kdn, "approve_and_send", {"kdn": process.world.orgs["kdn"]})
    at(process, "2025-03-05 10:00")
    process.fire("secretary", kdn, "adopt_resolution", {
        "resolution_number": "5/1", "uso": process.world.orgs["uso"], "executing_bodies": "Школа",
        "report_back_on": "2025-03-25"})
    cases["kdn"] = kdn
    at(process, "2025-03-10 10:00")
    visit(process, s2, "2025-03-10", "home")
    at(process, "2025-03-24 10:00")
    process.close_item("curator", s2, items(process, s2)[0])
    at(process, "2025-03-25 10:00")
    process.fire("curator", s2, "close_support", {"reason": "moved", "comment": "Переехали в Тюмень"})
    # the other territory, in the quarter; and a family taken after it
    with process.svc.db.unit_of_work() as tx:
        process.svc.runtime.start(tx, StartCase("family_support", Actor(process.world.users["other_opeka"],
                                                                        "guardianship"), territory="nefteyugansk"))
        tx.commit()
    at(process, "2025-04-02 10:00")
    c = report(process, "education", kid("Гусев", "Глеб", date(2016, 7, 7)))
    inspect(process, c, True)
    to_support(process, c)
    at(process, "2025-04-10 12:00")
    return cases


@pytest.fixture
def built(process: Process) -> dict[str, int]:
    return build(process)


def get(process: Process, login: str, **kwargs: Any) -> quarterly.QuarterlyReport:
    return process.svc.execute(quarterly.quarterly_report, process.world[login], **{**Q1, **kwargs})


def test_tzs_summary_for_uszn_and_kdn(process: Process, built: dict[str, int]) -> None:
    report_a = get(process, "agent", kind="agency_to_uszn")
    assert report_a.figures == {
        "families": 3, "children": 5, "new_families": 2,  # Алексеевы, Богдановы, Волковы; new: the last two
        "visits": 3, "visits_home": 2, "visits_phone": 1, "visits_office": 0, "visits_joint": 0,
        "visited_families": 2, "items_done": 2, "items_cancelled": 1, "items_overdue": 1,
        "ended": 2, "escalated": 1}
    assert report_a.sender.startswith("Агентство социального благополучия") and "опеки" in report_a.addressee
    assert report_a.label == "I квартал 2025 года (01.01.2025 — 31.03.2025)"
    general, reasons, by_uso = report_a.sections
    assert ["Посещений семей (патронаж), всего", 3] in general.rows
    assert reasons.rows == [["Семья переехала", 1], ["Семья в социально опасном положении — передана на ИПР", 1]]
    assert by_uso.rows == [["КЦСО Сургутского района", 3, 3, 2, 2]]
    report_b = get(process, "secretary", kind="uszn_to_kdn")
    assert report_b.figures == report_a.figures and "комиссия" in report_b.addressee.lower()
    assert report_b.sender.startswith("Управление социальной защиты")
    assert get(process, "other_boss", kind="agency_to_uszn").figures["families"] == 1


def test_uso_report_per_family(process: Process, built: dict[str, int]) -> None:
    report_c = get(process, "director", kind="uso_to_kdn")
    (section,) = report_c.sections
    assert section.title == "КЦСО Сургутского района" and report_c.figures["families"] == 4
    rows = {(r[0]): r for r in section.rows}
    assert set(rows) == {built["s1"], built["s2"], built["s3"], built["kdn"]}
    assert rows[built["s1"]][1:] == ["Семья Алексеев", "ТЖС", "Кузнецова Ольга Николаевна", "10.12.2024", 2,
                                     "12.02.2025", 1, 2, 1, "Социальное сопровождение"]
    assert rows[built["s2"]][5:] == [1, "10.03.2025", 1, 1, 0, "Сопровождение прекращено (25.03.2025)"]
    assert rows[built["s3"]][5:] == [0, "—", 0, 1, 0, "Передано на ИПР (семья в СОП) (20.02.2025)"]
    assert rows[built["kdn"]][2:5] == ["СОП (ИПР)", "не назначен", "05.03.2025"]
    logged = process.rows("select case_id from access_log where action = 'export' and user_id = :u",
                          u=process.world.users["director"])
    assert sorted(r.case_id for r in logged) == sorted(rows)
    assert len(get(process, "secretary", kind="uso_to_kdn").sections[0].rows) == 4


def test_access_defaults_and_bad_input(process: Process) -> None:
    with pytest.raises(Forbidden):
        get(process, "director", kind="agency_to_uszn")
    with pytest.raises(Forbidden):
        get(process, "agent", kind="uso_to_kdn")
    with pytest.raises(Forbidden):
        get(process, "curator", kind="uszn_to_kdn")
    with pytest.raises(Forbidden):
        get(process, "curator")
    with pytest.raises(InputInvalid):
        get(process, "boss", kind="monthly")
    with pytest.raises(InputInvalid) as bad:
        get(process, "boss", kind="agency_to_uszn", quarter=5)
    assert "quarter" in bad.value.errors
    with pytest.raises(InputInvalid):
        get(process, "boss", kind="agency_to_uszn", year=1999)
    default = process.svc.execute(quarterly.quarterly_report, process.world["director"])
    assert (default.kind, default.year, default.quarter) == ("uso_to_kdn", 2024, 4)  # clock: 03.03.2025
    assert quarterly.quarter_period(2024, 4).end == date(2024, 12, 31)


def test_docx_and_xlsx_carry_the_figures(process: Process, built: dict[str, int]) -> None:
    report_a = get(process, "boss", kind="agency_to_uszn")
    document = docx.Document(io.BytesIO(quarterly.quarterly_docx(report_a, process.svc)))
    text = "\n".join(p.text for p in document.paragraphs)
    assert report_a.title in text and "за I квартал 2025 года" in text
    general = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}
    assert general["Семей в ТЖС на социальном сопровождении в квартале"] == "3"
    assert general["Мероприятий не выполнено в срок на конец квартала"] == "1"
    assert document.tables[2].rows[1].cells[0].text == "КЦСО Сургутского района"
    book = openpyxl.load_workbook(io.BytesIO(quarterly.quarterly_xlsx(report_a, process.svc)))
    assert book.sheetnames[0] == "Сведения"
    sheet = book[book.sheetnames[1]]
    values = {row[0]: row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert values["в них несовершеннолетних детей"] == 5 and values["в том числе на дому"] == 2
    report_c = get(process, "director", kind="uso_to_kdn")
    document = docx.Document(io.BytesIO(quarterly.quarterly_docx(report_c, process.svc)))
    cells = [[c.text for c in row.cells] for row in document.tables[0].rows]
    assert cells[0][0] == "№ дела" and len(cells) == 5
    assert [str(built["s1"]), "Семья Алексеев", "ТЖС"] in [row[:3] for row in cells]
