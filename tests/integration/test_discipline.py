"""Deadline discipline against a hand-built week: orders to inspect given on time and 16, 40 and 64 hours
late, inspections on time and 16 hours late, one order and one inspection never done; and its SVG charts."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from cases import charts, discipline
from cases.charts import Bar, share_chart
from cases.commands import ChildInput
from cases.errors import Forbidden, InputInvalid
from engine.tables import Deadline, table_of
from tests.integration.test_statistics import at
from tests.process_steps import Process

SVG = "{http://www.w3.org/2000/svg}"
ORDER, INSPECT, OUTCOME = "child_report:order_inspection", "child_report:inspect", "child_report:decide_outcome"


def build(process: Process) -> dict[str, int]:
    """Five reports on Monday 03.03.2025 09:00; the order is due that day at 18:00, the inspection on Thursday."""
    at(process, "2025-03-03 09:00")
    cases = {name: process.register(children=(ChildInput(f"Сроков{name}", "Иван"),)).case_id for name in "ABCDE"}
    agency = {"agency_unit": process.world.orgs["agency"], "inspector": process.world.users["agent"]}
    act = {"living_conditions": "Удовлетворительные", "safety": "safe"}
    at(process, "2025-03-03 10:00")
    process.fire("opeka", cases["A"], "order_inspection", agency)  # on time
    at(process, "2025-03-04 10:00")
    process.fire("opeka", cases["B"], "order_inspection", agency)  # 16 h late
    at(process, "2025-03-05 10:00")
    process.fire("opeka", cases["C"], "order_inspection", agency)  # 40 h late
    process.fire("agent", cases["A"], "record_inspection", act)  # on time; its outcome is due Thu 18:00, never made
    at(process, "2025-03-06 10:00")
    process.fire("opeka", cases["D"], "order_inspection", agency)  # 64 h late; D is never inspected
    at(process, "2025-03-06 17:00")
    process.fire("agent", cases["B"], "record_inspection", act)  # on time
    at(process, "2025-03-07 10:00")
    process.fire("agent", cases["C"], "record_inspection", act)  # 16 h late
    at(process, "2025-03-07 12:00")  # E was never ordered
    return cases


@pytest.fixture
def week(process: Process) -> dict[str, int]:
    return build(process)


def report(process: Process, login: str = "boss", start: str = "2025-03-01", end: str = "2025-03-07"
           ) -> discipline.DisciplineReport:
    return process.svc.read(discipline.discipline_report, process.world[login], start, end)


def test_the_due_moments_the_week_is_built_on(process: Process, week: dict[str, int]) -> None:
    deadlines = table_of(Deadline)
    with process.svc.db.read() as tx:
        due = {(r.instance_id, r.key): r.due_at for r in tx.connection.execute(sa.select(deadlines))}
    assert due[(week["A"], "order_inspection")] == datetime(2025, 3, 3, 13, 0, tzinfo=UTC)  # 18:00 local
    assert due[(week["C"], "inspect")] == datetime(2025, 3, 6, 13, 0, tzinfo=UTC)


def test_by_step(process: Process, week: dict[str, int]) -> None:
    steps = {r.key: r for r in report(process).by_step}
    order, inspect, outcome = steps[ORDER], steps[INSPECT], steps[OUTCOME]
    assert (order.closed, order.met, order.late, order.on_time) == (4, 1, 3, 0.25)
    assert (order.median_delay_hours, order.p90_delay_hours, order.overdue_now) == (40.0, 64.0, 1)
    assert (inspect.closed, inspect.met, inspect.late) == (3, 2, 1) and inspect.on_time == pytest.approx(2 / 3)
    assert (inspect.median_delay_hours, inspect.p90_delay_hours, inspect.overdue_now) == (16.0, 16.0, 1)
    assert (outcome.closed, outcome.on_time, outcome.median_delay_hours, outcome.overdue_now) == (0, None, None, 1)
    assert order.title == "Сообщение о нарушении прав ребёнка: Поручить Агентству обследование"
    assert [r.key for r in report(process).by_step] == [ORDER, INSPECT, OUTCOME]  # the worst first


def test_by_organisation_person_and_total(process: Process, week: dict[str, int]) -> None:
    r = report(process)
    orgs = {row.title: (row.closed, row.met, row.late, row.overdue_now) for row in r.by_org}
    assert orgs == {"УСЗН Сургутского района": (4, 1, 3, 1), "Агентство, Сургутский отдел": (3, 2, 1, 2)}
    people = {row.title: (row.closed, row.met, row.median_delay_hours, row.p90_delay_hours, row.overdue_now)
              for row in r.by_person}
    assert people == {"Соколова Ирина Викторовна": (4, 1, 40.0, 64.0, 1),
                      "Лебедев Андрей Сергеевич": (3, 2, 16.0, 16.0, 2)}
    t = r.total
    assert (t.closed, t.met, t.late, t.overdue_now) == (7, 3, 4, 3) and t.on_time == pytest.approx(3 / 7)
    assert (t.median_delay_hours, t.p90_delay_hours) == (28.0, 64.0)  # delays 16, 16, 40, 64


def test_period_boundaries_and_visibility(process: Process, week: dict[str, int]) -> None:
    from_tuesday = {r.key: r for r in report(process, start="2025-03-04").by_step}
    assert (from_tuesday[ORDER].closed, from_tuesday[ORDER].met) == (3, 0)  # Monday's order left out
    until_wednesday = {r.key: r for r in report(process, end="2025-03-05").by_step}
    assert until_wednesday[ORDER].closed == 3 and until_wednesday[INSPECT].closed == 1
    assert report(process, "opeka").total.closed == 7
    assert report(process, "other_boss").total.closed == 0
    assert report(process, "director").total.closed == 0  # no case was handed to the УСО
    for login in ("curator", "secretary", "agent", "admin"):
        with pytest.raises(Forbidden):
            report(process, login)
    with pytest.raises(InputInvalid):
        report(process, start="2025-03-08")
    default = process.svc.read(discipline.discipline_report, process.world["boss"])
    assert (default.period.end - default.period.start) == timedelta(days=89) and default.total.closed == 7


def _svg(text: str) -> ET.Element:
    root = ET.fromstring(text)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    return root


def test_charts_one_bar_per_step_with_shares(process: Process, week: dict[str, int]) -> None:
    r = report(process)
    root = _svg(discipline.steps_chart(r))
    assert root.find(f"{SVG}title").text.startswith("Доля сроков, соблюдённых по шагам процесса")  # type: ignore[union-attr]
    bars = root.findall(f".//{SVG}rect[@class='bar']")
    assert len(bars) == 2  # decide_outcome closed nothing: no bar
    values = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "value"]
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "label"]
    assert values == ["25\u00a0%", "67\u00a0%"]
    assert labels == ["Поручить Агентству обследование", "Обследовать условия жизни ребёнка и семьи"]
    assert [float(b.get("width", "")) for b in bars] == [charts.BAR_WIDTH * 0.25, round(charts.BAR_WIDTH * 2 / 3, 1)]
    tips = [g.find(f"{SVG}title").text for g in root.iter(f"{SVG}g")]  # type: ignore[union-attr]
    assert tips[0] == "Поручить Агентству обследование: 25\u00a0% (1 из 4 в срок)"
    orgs = _svg(discipline.orgs_chart(r))
    assert [t.text for t in orgs.iter(f"{SVG}text") if t.get("class") == "label"] == [
        "УСЗН Сургутского района", "Агентство, Сургутский отдел"]


def test_chart_escapes_text_and_draws_nothing_for_no_data() -> None:
    root = _svg(share_chart("Пусто <&>", []))
    assert root.findall(f".//{SVG}rect[@class='bar']") == []
    assert "Нет данных за период" in "".join(root.itertext())
    one = _svg(share_chart("x", [Bar("Школа «№ 5» & <b>", 1.0, "3 из 3")]))
    assert [t.text for t in one.iter(f"{SVG}text") if t.get("class") == "label"] == ["Школа «№ 5» & <b>"]
    assert discipline.nearest_rank([5, 1, 3, 2, 4], 0.9) == 5 and discipline.median([4, 1, 3, 2]) == 2.5
