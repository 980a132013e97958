"""Annual statistics (the tables Yugra publishes): every number against the inputs created here.

The data set: reports from every source in and around 2024 (the last evening of the year counts, the
first minutes of the next do not), one child reported twice by two sources, reports confirmed and not,
families taken into support (ТЖС) and into individual preventive work (СОП) before, during and after the
year, a declined referral, an adult "child", and the other territory's cases.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import sqlalchemy as sa

from cases import statistics
from cases.commands import ChildInput
from cases.errors import Forbidden, InputInvalid
from cases.tables import Person
from engine.commands import Actor, StartCase
from engine.tables import table_of
from tests.process_steps import Process

ZONE = ZoneInfo("Asia/Yekaterinburg")


# -- driving cases at chosen local moments (shared with test_quarterly.py) ---------------------------

def at(process: Process, local: str) -> None:
    """Move the frozen clock to a local (Yekaterinburg) moment, ``YYYY-MM-DD HH:MM``."""
    process.frozen.move_to(datetime.fromisoformat(local).replace(tzinfo=ZONE))  # type: ignore[attr-defined]


def kid(last: str, first: str, born: date) -> ChildInput:
    return ChildInput(last, first, "", born)


def report(process: Process, source: str, *children: ChildInput, login: str = "opeka") -> int:
    """Register a report now and order the inspection; the child_report case id."""
    case_id = process.register(login, children=tuple(children), source=source).case_id
    process.fire(login, case_id, "order_inspection", {"agency_unit": process.world.orgs["agency"],
                                                      "inspector": process.world.users["agent"]})
    return case_id


def inspect(process: Process, case_id: int, confirmed: bool) -> None:
    process.fire("agent", case_id, "record_inspection", {"living_conditions": "Условия удовлетворительные",
                                                         "safety": "conditionally_safe"})
    if not confirmed:
        process.fire("agent", case_id, "close_not_confirmed", {"reason": "Факты не подтвердились"})
        return
    process.fire("agent", case_id, "confirm", {"summary": "Сведения подтвердились"})
    process.add_item("agent", case_id, "Обеспечить питание в школе", 5, org="school")
    process.fire("agent", case_id, "approve_safety_plan")
    process.close_safety_items(case_id)


def to_support(process: Process, case_id: int, item_days: int = 30) -> int:
    """Confirmed report → ТЖС: the family_support case with an approved plan of one item."""
    process.fire("agent", case_id, "classify_tzs", {"uso": process.world.orgs["uso"], "grounds": "Потеря работы"})
    support = process.started_case(case_id, "family_support")
    process.fire("director", support, "appoint_curator", {"curator": process.world.users["curator"]})
    process.add_item("curator", support, "Помощь в трудоустройстве", item_days, org="uso")
    process.fire("curator", support, "approve_support_plan")
    return support


def to_referral(process: Process, case_id: int) -> int:
    """Confirmed report → СОП: the kdn_prevention case sent to the KDN, awaiting the meeting."""
    process.fire("agent", case_id, "classify_sop", {"grounds": "Злоупотребление алкоголем"})
    kdn = process.started_case(case_id, "kdn_prevention")
    process.fire("agent", kdn, "submit_draft", {"grounds": "Пьянство", "proposed_measures": "ИПР"})
    process.fire("opeka", kdn, "approve_and_send", {"kdn": process.world.orgs["kdn"]})
    return kdn


def recognise(process: Process, kdn: int) -> None:
    """The KDN's resolution recognising the family in СОП, adopted today."""
    process.fire("secretary", kdn, "adopt_resolution", {
        "resolution_number": f"{kdn}/1", "uso": process.world.orgs["uso"], "executing_bodies": "Школа, ОПДН",
        "report_back_on": (process.today() + timedelta(days=20)).isoformat()})


def terminate(process: Process, kdn: int) -> None:
    """Plan drafted and approved today; the next day the bodies report and the KDN terminates ИПР («в»)."""
    process.fire("director", kdn, "appoint_curator", {"curator": process.world.users["curator"]})
    process.add_item("curator", kdn, "Контроль посещаемости", 30, org="school")
    process.fire("curator", kdn, "submit_plan")
    process.fire("secretary", kdn, "approve_plan")
    process.frozen.tick(timedelta(days=1))  # type: ignore[attr-defined]
    process.report_all(kdn)
    process.fire("secretary", kdn, "review_terminate", {"resolution_number": f"{kdn}/2", "reason": "moved"})


# -- the data set ------------------------------------------------------------------------------------

@dataclass
class Expected:
    """What the 2024 tables must show, counted from the inputs as they are created."""

    reports: dict[str, int] = field(default_factory=dict)
    minors: dict[str, set[str]] = field(default_factory=dict)
    confirmed: set[str] = field(default_factory=set)

    def add(self, source: str, *children: ChildInput, confirmed: bool = False) -> None:
        self.reports[source] = self.reports.get(source, 0) + 1
        names = {f"{c.last_name} {c.first_name}" for c in children}
        self.minors.setdefault(source, set()).update(names)
        if confirmed:
            self.confirmed.update(names)


A1, A2 = kid("Антонов", "Артём", date(2015, 1, 1)), kid("Антонова", "Алиса", date(2017, 2, 2))
B1 = kid("Борисов", "Борис", date(2012, 3, 3))
C1, C2, C3 = kid("Цветков", "Семён", date(2010, 4, 4)), kid("Цветкова", "Вера", date(2013, 5, 5)), \
    kid("Цветков", "Глеб", date(2016, 6, 6))
D1, E1, F1 = kid("Дмитриев", "Денис", date(2011, 7, 7)), kid("Ершова", "Ева", date(2014, 8, 8)), \
    kid("Фомин", "Фёдор", date(2009, 9, 9))
G1, H1 = kid("Григорьев", "Гоша", date(2018, 10, 10)), kid("Харитонов", "Хасан", date(2019, 11, 11))
I1, K1 = kid("Ильин", "Иван", date(2012, 12, 12)), kid("Климов", "Кирилл", date(2011, 1, 13))
L1, M1 = kid("Лосев", "Лев", date(2010, 2, 14)), kid("Макаров", "Марк", date(2013, 3, 15))


def build(process: Process) -> Expected:
    exp = Expected()
    # before 2024: a СОП recognised in 2023 and terminated in 2024 (served in 2024), a ТЖС closed in 2023
    # (not counted), a ТЖС open since the evening of 31.12.2023 (served in 2024, not organised in it)
    at(process, "2023-03-01 10:00")
    lcase = report(process, "education", L1)
    inspect(process, lcase, True)
    old_kdn = to_referral(process, lcase)
    recognise(process, old_kdn)
    at(process, "2023-06-01 10:00")
    k = report(process, "police", K1)
    inspect(process, k, True)
    closed_support = to_support(process, k, item_days=10)
    at(process, "2023-11-20 10:00")
    for row in process.rows("select i.id from plan_item i join plan p on p.id = i.plan_id where p.case_id = :c",
                            c=closed_support):
        process.close_item("curator", closed_support, row.id)
    process.fire("curator", closed_support, "close_support", {"reason": "solved", "comment": "Работает"})
    at(process, "2023-12-31 23:50")
    icase = report(process, "police", I1)  # received the evening before the year: not in table 1
    inspect(process, icase, True)
    to_support(process, icase)

    # 2024
    at(process, "2024-02-10 11:00")
    a = report(process, "education", A1, A2)
    exp.add("education", A1, A2, confirmed=True)
    inspect(process, a, True)
    to_support(process, a)  # ТЖС organised in 2024: family A, children A1, A2
    at(process, "2024-02-12 10:00")
    terminate(process, old_kdn)
    at(process, "2024-03-05 09:30")
    b = report(process, "police", B1)
    exp.add("police", B1)
    inspect(process, b, False)
    at(process, "2024-04-01 09:30")
    c = report(process, "relatives", C1, C2, C3)
    exp.add("relatives", C1, C2, C3, confirmed=True)
    inspect(process, c, True)
    kdn = to_referral(process, c)
    at(process, "2024-04-15 15:00")
    recognise(process, kdn)  # СОП organised in 2024: family C
    at(process, "2024-05-06 12:00")
    exp.add("neighbours", D1)
    d = report(process, "neighbours", D1)
    inspect(process, d, True)
    exp.confirmed.add("Дмитриев Денис")
    declined = to_referral(process, d)
    process.fire("secretary", declined, "decline", {"resolution_number": "9/9", "notes": "Нет оснований"})
    at(process, "2024-06-03 12:00")
    exp.add("anonymous", E1)
    report(process, "anonymous", E1)
    at(process, "2024-07-01 12:00")
    exp.add("other_org", F1)
    report(process, "other_org", F1)
    at(process, "2024-08-01 12:00")
    exp.add("other_org", A1)  # the same child again, from another source
    report(process, "other_org", A1)
    at(process, "2024-12-31 23:30")
    exp.add("education", G1)  # the last evening of the year counts
    report(process, "education", G1)

    # after 2024, and the other territory
    at(process, "2025-01-01 00:10")
    h = report(process, "education", H1)
    inspect(process, h, True)
    to_support(process, h)
    at(process, "2024-06-01 12:00")
    other = process.register("other_opeka", children=(M1,), source="education")
    with process.svc.db.unit_of_work() as tx:
        process.svc.runtime.start(tx, StartCase(
            "family_support", Actor(process.world.users["other_opeka"], "guardianship"), territory="nefteyugansk",
            subject_kind="family", subject_id=other.family_id))
        # an adult "child" of family C (born 2004): never counted in tables 2 and 3
        family_c = tx.connection.execute(sa.text("select family_id from person where name_key like 'цветкова вера%'"))
        tx.connection.execute(sa.insert(table_of(Person)).values(
            family_id=family_c.scalar_one(), relation="child", last_name="Цветков", first_name="Олег", middle_name="",
            birth_date=date(2004, 5, 5), name_key="цветков олег"))
        tx.commit()
    at(process, "2025-03-03 09:00")
    return exp


@pytest.fixture
def data(process: Process) -> Expected:
    return build(process)


def year_2024(process: Process, login: str = "boss") -> statistics.AnnualStatistics:
    return process.svc.read(statistics.annual_statistics, process.world[login], "2024-01-01", "2024-12-31")


# -- the tables --------------------------------------------------------------------------------------

def test_table_1_reports_and_minors_by_source(process: Process, data: Expected) -> None:
    stats = year_2024(process)
    assert [r.key for r in stats.sources] == ["education", "police", "relatives", "neighbours", "anonymous",
                                              "other_org"]
    for row in stats.sources:
        assert (row.reports, row.minors) == (data.reports.get(row.key, 0), len(data.minors.get(row.key, set()))), row
    assert (stats.sources[0].reports, stats.sources[0].minors) == (2, 3)  # A, G (31.12 23:30); not H (01.01 00:10)
    assert (stats.sources[1].reports, stats.sources[1].minors) == (1, 1)  # not I (31.12.2023 23:50)
    everyone = set().union(*data.minors.values())
    assert stats.total.reports == sum(data.reports.values()) == 8
    assert stats.total.minors == len(everyone) == 10  # A1 reported twice, counted once
    assert sum(r.minors for r in stats.sources) == 11
    assert stats.confirmed_minors == len(data.confirmed) == 6 and stats.confirmed_reports == 3
    assert stats.territory_name == "Сургутский район"


def test_tables_2_and_3_preventive_work_and_services(process: Process, data: Expected) -> None:
    stats = year_2024(process)
    prevention = {r.key: (r.families, r.children) for r in stats.prevention}
    # СОП: family C recognised 15.04.2024 (children C1-C3; the adult son is not a minor);
    # ТЖС: family A taken into support 10.02.2024 (A1, A2). Not: L (recognised 2023), I (31.12.2023), H (2025)
    assert prevention == {"sop": (1, 3), "tzs": (1, 2), "total": (2, 5)}
    services = {r.key: r.families for r in stats.services}
    # ТЖС served: A, I (open since 31.12.2023); not K (closed 20.11.2023), not H (2025), not other territory
    # СОП served: C, L (terminated 13.02.2024); not D (declined)
    assert services == {"tzs": 2, "sop": 2, "total": 4}
    assert {r.key: r.children for r in stats.services} == {"tzs": 3, "sop": 4, "total": 7}  # A1 A2 I1; C1-3 L1
    assert [r.key for r in stats.services] == ["tzs", "sop", "total"]


def test_the_next_year_and_the_period_boundaries(process: Process, data: Expected) -> None:
    stats = process.svc.read(statistics.annual_statistics, process.world["opeka"], "2025-01-01", "2025-12-31")
    assert stats.total.reports == 1 and stats.sources[0].minors == 1  # H1 only
    assert {r.key: r.families for r in stats.prevention} == {"sop": 0, "tzs": 1, "total": 1}
    # served in 2025: A, I, H (ТЖС still open); C (СОП still open)
    assert {r.key: r.families for r in stats.services} == {"tzs": 3, "sop": 1, "total": 4}
    last_day = process.svc.read(statistics.annual_statistics, process.world["boss"], "2024-12-31", "2024-12-31")
    assert (last_day.total.reports, last_day.total.minors) == (1, 1)
    first_day = process.svc.read(statistics.annual_statistics, process.world["boss"], "2025-01-01", "2025-01-01")
    assert first_day.total.reports == 1
    assert process.svc.read(statistics.annual_statistics, process.world["boss"], "2024-01-02",
                            "2024-12-30").total.reports == 7


def test_territory_isolation(process: Process, data: Expected) -> None:
    other = year_2024(process, "other_boss")
    assert other.total.reports == 1 and other.sources[0].minors == 1
    assert {r.key: r.families for r in other.prevention} == {"sop": 0, "tzs": 1, "total": 1}
    assert {r.key: r.families for r in other.services} == {"tzs": 1, "sop": 0, "total": 1}


def test_who_may_see_and_bad_periods(process: Process) -> None:
    for login in ("boss", "opeka", "agent", "secretary", "director"):
        assert year_2024(process, login).total.reports == 0
    for login in ("curator", "admin"):
        with pytest.raises(Forbidden):
            year_2024(process, login)
    read = process.svc.read
    with pytest.raises(InputInvalid) as reversed_:
        read(statistics.annual_statistics, process.world["boss"], "2024-12-31", "2024-01-01")
    assert "to" in reversed_.value.errors
    with pytest.raises(InputInvalid) as malformed:
        read(statistics.annual_statistics, process.world["boss"], "2024-02-30", "")
    assert "from" in malformed.value.errors
    with pytest.raises(Forbidden):  # access is decided before the input is looked at
        read(statistics.annual_statistics, process.world["curator"], "garbage", "")
    default = read(statistics.annual_statistics, process.world["boss"])
    assert (default.period.start, default.period.end) == (date(2025, 1, 1), date(2025, 3, 3))


def test_xlsx_and_csv_carry_the_same_numbers(process: Process, data: Expected) -> None:
    stats = year_2024(process)
    book = openpyxl.load_workbook(io.BytesIO(statistics.annual_xlsx(stats)))
    assert book.sheetnames == ["Сведения", "1. По источникам", "2. Профилактическая работа", "3. Социальные услуги"]
    sheet = book["1. По источникам"]
    values = {row[0]: (row[1], row[2]) for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert values["Образовательные организации"] == (2, 3)
    assert values["Иные организации"] == (2, 2)
    assert values["Всего"] == (8, 10) and values["Информация подтверждена"] == (3, 6)
    prevention = {row[0]: (row[1], row[2]) for row in book["2. Профилактическая работа"].iter_rows(
        min_row=2, values_only=True)}
    assert prevention[statistics.CATEGORIES["sop"]] == (1, 3)
    assert book["Сведения"]["B3"].value == "01.01.2024 — 31.12.2024"
    text = statistics.annual_csv(stats).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["Таблица", "Строка", "Показатель", "Значение"]
    figures = {(r[0][:2], r[1], r[2]): r[3] for r in rows[1:]}
    assert figures[("1.", "Родственники", "Несовершеннолетних")] == "3"
    assert figures[("1.", "Всего", "Сообщений")] == "8"
    assert figures[("3.", "Всего (семья учтена один раз)", "Семей")] == "4"
    assert figures[("2.", statistics.CATEGORIES["tzs"], "Детей")] == "2"
