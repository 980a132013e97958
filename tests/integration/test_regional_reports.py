"""The Stavropol profile's records and monitoring, territories side by side with the АППГ, and the volumes the
regions publish reproduced through the statistics."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from cases import comparison, monitoring, profile_commands, statistics
from cases.errors import Forbidden, InputInvalid
from cases.monitoring import INDICATORS, MobileVisitInput
from cases.simulation import SURNAMES
from engine.errors import PayloadInvalid
from tests.process_steps import Process
from tests.regions_steps import add_novgorod, referred, resolution


def _stavropol(process: Process) -> None:
    process.svc.execute(profile_commands.publish_profile, process.world["admin"], "stavropol",
                        {"mobile_team_response_hours": 24}, "приказ министерства труда и социальной защиты")
    for indicator in INDICATORS:  # the regional complex of measures' yearly targets
        process.svc.execute(monitoring.set_target, process.world["boss"], indicator.code, 2025,
                            indicator.default_target)


def test_stavropol_targets_need_criteria_and_mobile_teams_in_the_monitoring(process: Process) -> None:
    _stavropol(process)
    _, support = process.to_support(criteria=["large"])
    need = process.svc.execute(monitoring.record_need, process.world["agent"], support,
                               ["disabled_child", "low_income", "disabled_child"], process.today())
    assert need.checklist == "stavropol_need" and need.checklist_version == 1
    assert need.categories == ["disabled_child", "low_income"]
    visit = MobileVisitInput(process.today(), ["УСО: Морозова Е. П.", "полиция: инспектор ПДН"], "helped", 1200,
                             requested_at=process.now() - timedelta(days=3))
    process.svc.execute(monitoring.record_mobile_visit, process.world["director"], visit)
    process.svc.execute(monitoring.record_mobile_visit, process.world["curator"], MobileVisitInput(
        process.today(), ["УСО: Кузнецова О. Н."], "support_opened", 1800, requested_at=process.now()))
    report = process.svc.read(monitoring.monitoring, process.world["boss"], 2025)
    rows = {r.code: r for r in report.rows}
    assert [r.target for r in report.rows] == [5000, 5000, 3000, 600, 50]
    assert (rows["mobile_team_families"].actual, rows["mobile_team_families"].share) == (3000, 100.0)
    assert rows["need_decisions"].actual == 1 and rows["disabled_child_families"].actual == 1
    assert rows["families_supported"].actual == 1 and rows["minor_offender_families"].actual == 0
    assert all(r.previous == 0 for r in report.rows)  # nothing in the same period of 2024
    assert (report.visits, report.late_visits, report.response_hours) == (2, 1, 24)
    assert ("семья, воспитывающая ребёнка-инвалида или ребёнка с ОВЗ", 1, 0) in report.categories
    assert ("многодетная семья", 1, 0) in report.categories  # ticked at the recognition step
    workbook = monitoring.monitoring_xlsx(report)
    assert workbook[:2] == b"PK"


def _recognise(process: Process, criteria: object = None) -> int:
    """A report case at the recognition step, classified as ТЖС with ``criteria`` (None: the field not sent)."""
    case = process.to_safety_control()
    process.close_safety_items(case)
    payload: dict[str, object] = {"uso": process.world.orgs["uso"], "grounds": "Мать потеряла работу",
                                  "decision_on": process.today().isoformat()}
    if criteria is not None:
        payload["need_criteria"] = criteria
    process.fire("agent", case, "classify_tzs", payload)
    return process.started_case(case, "family_support")


def test_the_recognition_step_records_the_checklist_in_the_same_unit_of_work(process: Process) -> None:
    _stavropol(process)
    support = _recognise(process, ["disabled_child", "minor_offender", "disabled_child"])
    rows = process.rows("select case_id, checklist, checklist_version, categories, decided_on from need_assessment")
    assert len(rows) == 1 and rows[0].case_id == support
    assert (rows[0].checklist, rows[0].checklist_version) == ("stavropol_need", 1)
    categories = rows[0].categories  # JSON text on SQLite, a list on PostgreSQL
    assert (json.loads(categories) if isinstance(categories, str) else categories) == ["disabled_child",
                                                                                      "minor_offender"]
    report = {r.code: r.actual for r in process.svc.read(monitoring.monitoring, process.world["boss"], 2025).rows}
    assert (report["need_decisions"], report["disabled_child_families"], report["minor_offender_families"]) == \
        (1, 1, 1)


@pytest.mark.parametrize(("criteria", "message"), [
    (None, "хотя бы один"), ([], "хотя бы один"), (["rich", "large"], "нет в перечне критериев: rich")])
def test_the_recognition_step_refuses_a_missing_or_unknown_criterion_and_writes_nothing(
        process: Process, criteria: object, message: str) -> None:
    _stavropol(process)
    case = process.to_safety_control()
    process.close_safety_items(case)
    payload: dict[str, object] = {"uso": process.world.orgs["uso"], "grounds": "Мать потеряла работу"}
    if criteria is not None:
        payload["need_criteria"] = criteria
    with pytest.raises(PayloadInvalid) as refused:
        process.fire("agent", case, "classify_tzs", payload)
    assert message in refused.value.errors["need_criteria"]
    assert process.case(case).state == "safety_control"
    assert process.rows("select id from wf_instance where parent_id = :p", p=case) == []
    assert process.rows("select id from need_assessment") == []


def test_a_territory_without_a_checklist_recognises_without_criteria(process: Process) -> None:
    _recognise(process)  # Yugra: no checklist, nothing to tick
    assert process.rows("select id from need_assessment") == []
    case = process.to_safety_control()
    process.close_safety_items(case)
    with pytest.raises(PayloadInvalid) as refused:
        process.fire("agent", case, "classify_tzs", {"uso": process.world.orgs["uso"], "grounds": "Нет работы",
                                                     "need_criteria": ["large"]})
    assert "не ведёт критерии" in refused.value.errors["need_criteria"]


def test_stavropol_records_refuse_bad_input_and_other_profiles(process: Process) -> None:
    _, support = process.to_support()
    with pytest.raises(InputInvalid, match="не ведёт критерии"):  # a Yugra territory has no need checklist
        process.svc.execute(monitoring.record_need, process.world["agent"], support, ["large"], process.today())
    with pytest.raises(InputInvalid, match="время реагирования"):
        process.svc.execute(monitoring.record_mobile_visit, process.world["agent"],
                            MobileVisitInput(process.today(), ["УСО"], "helped"))
    _stavropol(process)
    with pytest.raises(InputInvalid) as empty:
        process.svc.execute(monitoring.record_need, process.world["agent"], support, [], process.today())
    assert "хотя бы один" in empty.value.errors["categories"]
    with pytest.raises(InputInvalid) as unknown:
        process.svc.execute(monitoring.record_need, process.world["agent"], support, ["rich"], process.today())
    assert "rich" in unknown.value.errors["categories"]
    with pytest.raises(InputInvalid) as bad:
        process.svc.execute(monitoring.record_mobile_visit, process.world["agent"], MobileVisitInput(
            process.today() + timedelta(days=1), [" "], "party", 0))
    assert set(bad.value.errors) == {"members", "outcome", "families_reached", "visited_on"}
    with pytest.raises(Forbidden):
        process.svc.execute(monitoring.record_mobile_visit, process.world["secretary"],
                            MobileVisitInput(process.today(), ["УСО"], "helped"))
    with pytest.raises(Forbidden):
        process.svc.read(monitoring.monitoring, process.world["curator"], 2025)
    assert process.rows("select count(*) as n from need_assessment")[0].n == 0
    assert process.rows("select count(*) as n from mobile_visit")[0].n == 0


def test_territories_side_by_side_with_the_same_period_last_year(process: Process) -> None:
    add_novgorod(process)
    resolution(process)
    process.to_resolution()
    with pytest.raises(Forbidden):
        process.svc.read(comparison.compare, process.world["secretary"])
    now = process.svc.read(comparison.compare, process.world["boss"])
    rows = {r.territory: r for r in now.rows}
    assert set(rows) == {"surgut", "nefteyugansk", "borovichi"}
    assert rows["borovichi"].profile.startswith("Новгородская область") and rows["surgut"].profile.startswith("Югра")
    assert (rows["borovichi"].now.reports, rows["borovichi"].now.sop_families) == (1, 1)
    assert (rows["surgut"].now.reports, rows["surgut"].now.sop_families) == (1, 1)
    assert rows["surgut"].now.deadlines_closed > 0 and rows["surgut"].now.met_share == 100.0
    assert rows["borovichi"].before.reports == 0
    process.frozen.move_to(datetime(2026, 3, 10, 4, 0, tzinfo=process.now().tzinfo))  # type: ignore[attr-defined]
    later = {r.territory: r for r in process.svc.read(comparison.compare, process.world["boss"]).rows}
    assert later["borovichi"].now.reports == 0 and later["borovichi"].before.reports == 1
    assert later["surgut"].before.sop_families == 1
    assert comparison.comparison_xlsx(process.svc.read(comparison.compare, process.world["boss"]))[:2] == b"PK"


def test_borovichi_helps_more_than_twenty_minors_in_conflict_with_the_law_a_year(process: Process) -> None:
    """The district practice reports more than 20 minors in conflict with the law helped a year: 21 resolutions
    recognising a minor in СОП are 21 families and 21 minors in table 2 of the district's statistics."""
    add_novgorod(process)
    for i in range(21):
        _, kdn = referred(process, address=f"г. Боровичи, ул. Ленинградская, д. {i + 1}",
                          surname=SURNAMES[i])
        process.fire("b_secretary", kdn, "adopt_resolution", {
            "resolution_number": f"{i + 1}/1", "uso": process.world.orgs["b_uso"], "executing_bodies": "ПДН",
            "report_back_on": (process.today() + timedelta(days=10)).isoformat()})
    stats = process.svc.read(statistics.annual_statistics, process.world["b_secretary"])
    sop = next(r for r in stats.prevention if r.key == "sop")
    assert (sop.families, sop.children) == (21, 21)
    assert stats.territory == "borovichi"
