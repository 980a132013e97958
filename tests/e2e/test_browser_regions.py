"""Browser: the KDN secretary of the Novgorod municipality (the district commission) records a resolution and
approves an interagency plan; a Stavropol specialist ticks the need criteria at the recognition step and the
monitoring counts them — on the demo database, in Debian's Chromium."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from api.bootstrap import Container
from cases import areas, handlers
from cases.commands import CloseItem
from cases.directory import principal_of
from cases.services import Services
from cases.tables import Family, Plan, PlanItem, User
from engine.tables import CaseInstance, table_of
from tests.e2e.browser import Shots, log_in, open_action

CI, FA, PL, PI, USR = (table_of(t) for t in (CaseInstance, Family, Plan, PlanItem, User))
pytestmark = pytest.mark.browser


def _case_in(demo: Container, state: str) -> int:
    with demo.db.read() as tx:
        found = tx.connection.execute(sa.select(CI.c.id).where(
            CI.c.territory == "borovichi", CI.c.workflow == "kdn_ipr_district", CI.c.state == state)
            .order_by(CI.c.id).limit(1)).scalar()
    assert found is not None, state
    return int(found)


def test_district_secretary_records_a_resolution_and_approves_a_plan(page: Page, demo: Container) -> None:
    shots = Shots("novgorod")
    log_in(page, "bor_secretary")
    page.goto("/workflows")
    expect(page.locator("[data-testid=kinds]")).to_contain_text("Индивидуальная профилактическая работа по "
                                                                 "постановлению РКДН")
    shots.take(page, "profile")

    referred = _case_in(demo, "referred")
    page.goto(f"/cases/{referred}")
    expect(page.locator("[data-testid=state]")).to_have_text("Материалы о несовершеннолетнем поступили в РКДН")
    form = open_action(page, "adopt_resolution")
    form.locator("input[name=f_resolution_number]").fill("14/3")
    form.locator("select[name=f_uso]").select_option(label="Боровичский КЦСО")
    form.locator("textarea[name=f_executing_bodies]").fill("Школа № 1, ПДН МО МВД «Боровичский», КЦСО")
    report_back = demo.calendar.local_date(demo.clock.now()) + timedelta(days=10)
    form.locator("input[name=f_report_back_on]").fill(report_back.isoformat())
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/cases/{referred}$"))
    expect(page.locator(".flash")).to_contain_text("Постановление РКДН")
    expect(page.locator("[data-testid=state]")).to_have_text(
        "Разработка проекта межведомственного плана (УСО по предложениям органов)")
    expect(page.locator("[data-testid=resolution]").first).to_contain_text("№ 14/3")
    shots.take(page, "resolution")

    submitted = _case_in(demo, "plan_submitted")
    page.goto(f"/cases/{submitted}")
    expect(page.locator("[data-testid=state]")).to_have_text("Проект плана представлен в РКДН")
    form = open_action(page, "approve_plan")
    form.locator("input[name=f_approval_resolution_number]").fill("15/1")
    form.locator("button[type=submit]").click()
    expect(page.locator(".flash")).to_contain_text("Утвердить межведомственный план")
    expect(page.locator("[data-testid=state]")).to_have_text(
        "Реализация межведомственного плана (социальное сопровождение)")
    shots.take(page, "plan-approved")
    with demo.db.read() as tx:  # the area curator, from the family's address (none for a street no area names)
        case = tx.connection.execute(sa.select(CI.c.assignee_id, CI.c.subject_id).where(CI.c.id == submitted)).one()
        address = tx.connection.execute(sa.select(FA.c.address).where(FA.c.id == case.subject_id)).scalar_one()
        area = areas.area_for(tx, "borovichi", address)
    assert case.assignee_id == (area.curator_id if area else None)


def _stavropol_recognition(demo: Container) -> int:
    """A Stavropol report case at the recognition step with its safety plan done (so the step is open)."""
    svc = Services(demo.db, demo.runtime)
    with demo.db.unit_of_work() as tx:
        case_id = tx.connection.execute(sa.select(CI.c.id).where(
            CI.c.territory == "shpakovsky", CI.c.workflow == "child_report", CI.c.state == "safety_control")
            .order_by(CI.c.id).limit(1)).scalar()
        assert case_id is not None
        agent = principal_of(tx, tx.connection.execute(sa.select(USR.c.id).where(USR.c.login == "stav_agent"))
                             .scalar_one())
        assert agent is not None
        items = tx.connection.execute(sa.select(PI.c.id).join(PL, PL.c.id == PI.c.plan_id).where(
            PL.c.case_id == case_id, PI.c.status == "open")).scalars().all()
        for item in items:
            handlers.close_plan_item(tx, svc, agent, CloseItem(int(case_id), int(item), "done", "Выполнено"))
        tx.commit()
    return int(case_id)


def _category_count(page: Page, title: str) -> int:
    row = page.locator("[data-testid=categories] tr", has_text=title)
    return int(row.locator("td.num").first.inner_text())


def test_stavropol_recognition_ticks_need_criteria_and_the_monitoring_counts_them(page: Page,
                                                                                  demo: Container) -> None:
    shots = Shots("stavropol")
    case_id = _stavropol_recognition(demo)
    log_in(page, "stav_boss")
    page.goto("/statistics/monitoring")
    before = _category_count(page, "многодетная семья"), _category_count(page, "малообеспеченная семья")
    page.locator("form[action='/logout'] button").click()

    log_in(page, "stav_agent")
    page.goto(f"/cases/{case_id}")
    form = open_action(page, "classify_tzs")
    checklist = form.locator("fieldset[data-field=need_criteria]")
    expect(checklist.locator("legend")).to_contain_text("Критерии нуждаемости")
    expect(checklist.locator("input[type=checkbox]")).to_have_count(10)
    form.locator("select[name=f_uso]").select_option(label="Шпаковский КЦСОН")
    form.locator("textarea[name=f_grounds]").fill("Отец потерял работу, семья многодетная")
    form.locator("button[type=submit]").click()  # nothing ticked: refused on the field, nothing written
    expect(page.locator("#error-need_criteria")).to_contain_text("отметьте хотя бы один критерий нуждаемости")
    expect(page.locator("[data-testid=state]")).to_contain_text("признание нуждающимися")
    form = open_action(page, "classify_tzs")
    form.get_by_label("многодетная семья").check()
    form.get_by_label("малообеспеченная семья").check()
    shots.take(page, "criteria")
    form.locator("button[type=submit]").click()
    expect(page.locator(".flash")).to_contain_text("Семья в трудной жизненной ситуации")
    expect(page.locator("[data-testid=state]")).to_have_text("Передано на социальное сопровождение (ТЖС)")
    page.locator("form[action='/logout'] button").click()

    log_in(page, "stav_boss")
    page.goto("/statistics/monitoring")
    assert (_category_count(page, "многодетная семья"), _category_count(page, "малообеспеченная семья")) == \
        (before[0] + 1, before[1] + 1)
    shots.take(page, "monitoring")
