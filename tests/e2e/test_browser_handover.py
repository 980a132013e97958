"""In the browser: the supervisor hands a support case over with a reason; the receiver finds it on the worklist
and accepts it (Debian's Chromium through Playwright, the demo municipality)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from api.bootstrap import Container
from engine.tables import CaseInstance, table_of
from tests.e2e.browser import Shots, log_in

CI = table_of(CaseInstance)
pytestmark = pytest.mark.browser
RECEIVER = ("curator3", "Смирнова Анна Викторовна")


def test_supervisor_hands_a_case_over_and_the_receiver_accepts(page: Page, demo: Container, browser: object,
                                                               base_url: str) -> None:
    with demo.db.read() as tx:
        case_id = tx.connection.execute(sa.select(CI.c.id).where(
            CI.c.territory == "surgut", CI.c.workflow == "family_support", CI.c.state == "support",
            CI.c.closed_at.is_(None),
            CI.c.assignee_id.is_not(None)).order_by(CI.c.id)).scalars().first()
    assert case_id is not None
    shots = Shots("handover")
    log_in(page, "boss")
    page.goto(f"/cases/{case_id}")
    form = page.locator("[data-testid=handover-form]")
    select = form.locator("select[name=to_user_id]")
    labels = select.locator("option").all_inner_texts()
    assert any(label.startswith(f"{RECEIVER[1]} — куратор семьи, ") for label in labels)
    assert not any("секретарь КДН" in label for label in labels)  # cannot act on a support step
    select.select_option(label=next(label for label in labels if label.startswith(RECEIVER[1])))
    form.locator("textarea[name=reason]").fill("Куратор в отпуске")
    before = page.locator("[data-testid=assignee]").inner_text()
    form.locator("button[type=submit]").click()
    expect(page.locator(".flash")).to_contain_text("Дело предложено сотруднику")
    expect(page.locator("[data-testid=handover-pending]")).to_contain_text(RECEIVER[1])
    expect(page.locator("[data-testid=assignee]")).to_have_text(before)  # still with its curator
    shots.take(page, "offered")

    context = browser.new_context(base_url=base_url, viewport={"width": 390, "height": 844},  # type: ignore[attr-defined]
                                  locale="ru-RU", timezone_id="Asia/Yekaterinburg")
    receiver = context.new_page()
    log_in(receiver, RECEIVER[0])
    offered = receiver.locator("[data-testid=offered]")
    expect(offered).to_contain_text("Куратор в отпуске")
    offered.locator(f'a[href="/cases/{case_id}#handover"]').click()
    expect(receiver).to_have_url(re.compile(rf"/cases/{case_id}#handover$"))
    receiver.locator("[data-testid=handover-accept]").click()
    expect(receiver.locator(".flash")).to_contain_text("Дело принято")
    expect(receiver.locator("[data-testid=assignee]")).to_have_text(RECEIVER[1])
    shots.take(receiver, "accepted")
    context.close()
