"""Browser: the KDN secretary of the Novgorod municipality (the district commission) records a resolution and
approves an interagency plan on the demo database, in Debian's Chromium."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from api.bootstrap import Container
from cases import areas
from cases.tables import Family
from engine.tables import CaseInstance, table_of
from tests.e2e.browser import Shots, log_in, open_action

CI, FA = table_of(CaseInstance), table_of(Family)
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
