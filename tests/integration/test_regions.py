"""Regions as data: territory profiles side by side, and every path of the Novgorod ``kdn_ipr_district``."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from cases import agenda, profile_commands
from cases.errors import Forbidden, InputInvalid
from cases.region_effects import report_due, reported_quarter
from engine.audit import verify
from engine.calendar import load_calendar
from engine.database import Database
from opora_bench.process import simulate_year
from tests.process_steps import Process
from tests.regions_steps import active, add_novgorod, referred, report_all, resolution
from workflows import DEFAULT_CALENDAR


def _names(proc: Process, login: str) -> list[str]:
    return proc.svc.read(profile_commands.workflow_names, proc.world[login])


def test_two_territories_with_different_profiles_side_by_side(process: Process) -> None:
    add_novgorod(process)
    # each user sees only their territory's workflows
    assert "kdn_prevention" in _names(process, "opeka") and "kdn_ipr_district" not in _names(process, "opeka")
    assert "kdn_ipr_district" in _names(process, "b_opeka") and "kdn_prevention" not in _names(process, "b_opeka")
    assert "kdn_forward" in _names(process, "opeka") and "kdn_forward" in _names(process, "b_opeka")
    # and starts only their territory's: the same classification starts a different workflow in each
    _, yugra_case = process.to_kdn()
    _, novgorod_case = referred(process)
    assert process.case(yugra_case).workflow == "kdn_prevention"
    district = process.case(novgorod_case)
    assert (district.workflow, district.state) == ("kdn_ipr_district", "referred")
    assert district.org_id == process.world.orgs["b_kdn"]  # the materials go to the district commission
    assert district.assignee_id is None
    assert [r.id for r in process.svc.read(agenda.agenda, process.world["b_secretary"]).waiting] == [novgorod_case]
    # the district secretary sees and acts on it; the Yugra secretary does not see it
    with process.svc.db.read() as tx:
        from cases import access
        assert access.can_view(tx, process.world["b_secretary"], district)
        assert not access.can_view(tx, process.world["secretary"], district)
    # changing the profile does not move running cases; new cases follow the new profile
    process.svc.execute(profile_commands.publish_profile, process.world["b_admin"], "yugra", {}, "возврат")
    assert process.case(novgorod_case).workflow == "kdn_ipr_district"
    process.fire("b_secretary", novgorod_case, "adopt_resolution", {
        "resolution_number": "1", "uso": process.world.orgs["b_uso"], "executing_bodies": "ПДН",
        "report_back_on": (process.today() + timedelta(days=5)).isoformat()})
    assert process.case(novgorod_case).state == "plan_drafting"
    _, later = referred(process, address="д. Угольщики, д. 2")
    assert process.case(later).workflow == "kdn_prevention"
    history = process.rows("select revision, profile, changed_by from territory_profile where territory = "
                           "'borovichi' order by revision")
    assert [(r.revision, r.profile) for r in history] == [(1, "novgorod"), (2, "yugra")]
    assert history[1].changed_by == process.world.users["b_admin"]
    logged = process.rows("select what from access_log where action = 'profile'")
    assert logged and "yugra" in logged[0].what


def test_only_the_administrator_publishes_and_unknown_profiles_are_refused(process: Process) -> None:
    with pytest.raises(Forbidden):
        process.svc.execute(profile_commands.publish_profile, process.world["secretary"], "novgorod", {})
    with pytest.raises(InputInvalid) as bad:
        process.svc.execute(profile_commands.publish_profile, process.world["admin"], "moscow", {})
    assert "profile" in bad.value.errors
    assert process.rows("select count(*) as n from territory_profile")[0].n == 0


def test_stavropol_profile_needs_the_mobile_team_response_time(process: Process) -> None:
    with pytest.raises(InputInvalid) as missing:
        process.svc.execute(profile_commands.publish_profile, process.world["admin"], "stavropol", {})
    assert "settings.mobile_team_response_hours" in missing.value.errors
    assert process.rows("select count(*) as n from territory_profile")[0].n == 0
    applied = process.svc.execute(profile_commands.publish_profile, process.world["admin"], "stavropol",
                                  {"mobile_team_response_hours": 24})
    assert applied.settings["mobile_team_response_hours"] == 24
    assert applied.settings["need_checklist"]["version"] == 1


def test_resolution_issues_the_resolution_and_the_dispatch_list(process: Process) -> None:
    add_novgorod(process)
    _, kdn = resolution(process)
    case = process.case(kdn)
    assert case.state == "plan_drafting" and case.org_id == process.world.orgs["b_uso"]
    templates = [r.template for r in process.rows("select template from document where case_id = :c order by id",
                                                  c=kdn)]
    assert templates == ["kdn_resolution", "resolution_dispatch_list"]
    family = process.rows("select category from family where id = :f", f=case.subject_id)[0]
    assert family.category == "sop"


@pytest.mark.parametrize(("address", "curator"), [("г. Боровичи, ул. Коммунарная, д. 5", "b_curator1"),
                                                  ("Боровичский р-н, д. Угольщики, д. 12", "b_curator2"),
                                                  ("г. Боровичи, ул. Сушанская, д. 1", None)])
def test_area_curator_is_assigned_from_the_family_address(process: Process, address: str,
                                                          curator: str | None) -> None:
    add_novgorod(process)
    kdn = active(process, address=address)
    case = process.case(kdn)
    assert case.state == "support_active"
    assert case.assignee_id == (process.world.users[curator] if curator else None)
    opened = {r.key for r in process.rows("select key from wf_deadline where instance_id = :c "
                                                  "and closed_at is null", c=kdn)}
    assert {"visit", "review", "no_dynamics", "support_term", "quarterly_report"} <= opened


def test_weekly_patronage_and_quarterly_reports_with_their_deadlines(process: Process) -> None:
    add_novgorod(process)
    kdn = active(process)  # approved on Monday 03.03.2025: Q1 is reported by 10.04.2025 (profile setting)
    assert process.case(kdn).data["quarter_report_on"] == "2025-04-10"
    due = process.rows("select due_at from wf_deadline where instance_id = :c and key = 'visit' "
                       "and closed_at is null", c=kdn)
    assert len(due) == 1
    process.fire("b_curator1", kdn, "record_visit", {"kind": "home", "notes": "Семья дома, подросток в школе"})
    assert process.rows("select count(*) as n from visit where case_id = :c", c=kdn)[0].n == 1
    process.fire("b_director", kdn, "submit_quarterly_report", {"summary": "Патронаж еженедельно"})
    row = process.rows("select year, quarter, due_on, org_id from quarterly_report where case_id = :c", c=kdn)[0]
    assert (row.year, row.quarter, str(row.due_on)[:10]) == (2025, 1, "2025-04-10")
    assert row.org_id == process.world.orgs["b_uso"]
    assert process.case(kdn).data["quarter_report_on"] == "2025-07-10"
    docs = [r.template for r in process.rows("select template from document where case_id = :c", c=kdn)]
    assert "quarterly_body_report" in docs
    assert report_due(2025, 4, 10) == date(2026, 1, 10) and reported_quarter(date(2026, 1, 10)) == (2025, 4)


def test_a_year_without_positive_dynamics_flags_the_case(process: Process) -> None:
    add_novgorod(process)
    kdn = active(process)
    process.frozen.move_to(process.now() + timedelta(days=370))  # type: ignore[attr-defined]
    process.sweep()
    assert process.case(kdn).data.get("no_dynamics_flagged_on")
    found = process.svc.read(agenda.agenda, process.world["b_secretary"])  # decision «г» suggested to the commission
    assert [r.id for r in found.court_suggested] == [kdn] and kdn in [r.id for r in found.reviews_due]
    process.fire("b_curator1", kdn, "mark_positive_dynamics", {"observed": "Посещает школу без пропусков"})
    case = process.case(kdn)
    assert not case.data.get("no_dynamics_flagged_on") and case.data["dynamics_since"] == str(process.today())
    assert process.svc.read(agenda.agenda, process.world["b_secretary"]).court_suggested == []


DECISIONS = [
    ("review_continue", {}, "support_active", "continue"),
    ("review_amend", {"notes": "Добавить занятия с психологом"}, "plan_amendment", "amend"),
    ("review_terminate_removed", {}, "post_support", "post_support"),
    ("review_terminate", {"reason": "moved"}, "closed", "terminate"),
    ("review_court", {"notes": "Нет динамики"}, "court_referral", "court"),
    ("review_suspend", {"notes": "Наводнение"}, "suspended", "suspend"),
]


@pytest.mark.parametrize(("event", "extra", "state", "decision"), DECISIONS)
def test_every_review_decision_and_its_effect(process: Process, event: str, extra: dict[str, str], state: str,
                                              decision: str) -> None:
    add_novgorod(process)
    kdn = active(process)
    process.frozen.move_to(process.now() + timedelta(days=80))  # type: ignore[attr-defined]
    if event != "review_suspend":  # the reports of every executing body come first
        with pytest.raises(Exception, match="отчёты"):
            process.fire("b_secretary", kdn, event, {"resolution_number": "20/1", **extra})
        report_all(process, kdn)
    process.fire("b_secretary", kdn, event, {"resolution_number": "20/1", **extra})
    assert process.case(kdn).state == state
    assert process.rows("select decision from kdn_resolution where case_id = :c order by id desc", c=kdn)[0].decision \
        == decision
    if state == "plan_amendment":  # a new cycle: amend, submit, approve
        process.add_item("b_director", kdn, "Занятия с психологом", 30, org="b_school")
        process.fire("b_director", kdn, "submit_plan")
        process.fire("b_secretary", kdn, "approve_plan", {"approval_resolution_number": "21/1"})
        assert process.case(kdn).state == "support_active"
    if state == "post_support":
        process.frozen.move_to(process.now() + timedelta(days=200))  # type: ignore[attr-defined]
        process.sweep()
        assert process.case(kdn).state == "closed"
    if state == "court_referral":
        process.fire("b_opeka", kdn, "record_claim", {"court": "Боровичский районный суд", "claim": "restrict"})
        assert process.case(kdn).state == "closed"
    if state == "suspended":
        process.fire("b_secretary", kdn, "resume", {"resolution_number": "22/1"})
        assert process.case(kdn).state == "support_active"


def test_decline_closes_the_district_case(process: Process) -> None:
    add_novgorod(process)
    _, kdn = referred(process)
    process.fire("b_secretary", kdn, "decline", {"resolution_number": "3", "notes": "Оснований нет"})
    assert process.case(kdn).state == "declined"


def test_cli_shows_a_workflow_as_it_applies_in_a_territory(process: Process, db_url: str,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    from api.cli import main

    add_novgorod(process)
    assert main(["--database-url", db_url, "workflows", "show", "kdn_ipr_district", "--territory", "borovichi"]) == 0
    out = capsys.readouterr().out
    assert "профиль «Новгородская область" in out and "процесс применяется" in out
    assert "параметр visit_interval_days = 7" in out and "еженедельный патронаж" in out
    assert "настройка профиля body_report_day = 10" in out
    assert main(["--database-url", db_url, "workflows", "show", "kdn_ipr_district", "--territory", "surgut"]) == 0
    assert "процесс не применяется" in capsys.readouterr().out
    assert main(["--database-url", db_url, "profile", "publish", "surgut", "stavropol"]) == 1
    assert "mobile_team_response_hours" in capsys.readouterr().err
    assert main(["--database-url", db_url, "profile", "publish", "surgut", "stavropol",
                 "--setting", "mobile_team_response_hours=24"]) == 0
    assert main(["--database-url", db_url, "profile", "show", "surgut"]) == 0
    assert "stavropol" in capsys.readouterr().out


def test_a_simulated_year_with_the_novgorod_municipality(tmp_path: Path, sqlite_template: Path) -> None:
    """``opora simulate --profile novgorod``: a fifth of the reports go to the district, whose СОП cases run
    ``kdn_ipr_district`` through resolutions, area curators, visits, quarterly reports and reviews."""
    calendar = load_calendar(DEFAULT_CALENDAR)
    target = tmp_path / "year.db"
    shutil.copyfile(sqlite_template, target)
    db = Database(f"sqlite:///{target}")
    result = simulate_year(db, calendar, 150, seed=5, profile="novgorod")
    with db.read() as tx:
        conn = tx.connection
        by_territory = dict(conn.exec_driver_sql("select territory, count(*) from report group by territory").all())
        assert by_territory == {"surgut": 120, "borovichi": 30} and result["reports"] == 150
        district = dict(conn.exec_driver_sql("select state, count(*) from wf_instance where workflow = "
                                             "'kdn_ipr_district' group by state").all())
        assert sum(district.values()) > 0 and set(district) - {"referred", "declined"}
        assert conn.exec_driver_sql("select count(*) from wf_instance where territory = 'borovichi' "
                                    "and workflow = 'kdn_prevention'").scalar_one() == 0
        assert result.get("visits", 0) > 0 and result["profile"] == "novgorod"
        due_left = conn.exec_driver_sql("select count(*) from wf_step where status = 'pending' "
                                        "and due_at <= '2024-12-28 18:00:00'").scalar_one()
        assert due_left == 0
        assert list(verify(tx)) == []
    db.dispose()
