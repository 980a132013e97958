"""The driver's steps for the district commission's workflow (``kdn_ipr_district``, the Novgorod profile).

Mixed into :class:`cases.simulation.Driver` by :class:`RegionalDriver`: the commission adopts its resolution,
the УСО drafts the plan, the commission approves it (the area curator follows from the address), the curator
visits weekly, the УСО reports each quarter (to the commission on each case, to the ministry on all of them),
and every three months the commission takes one of the five decisions.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from cases import handlers, ministry_report
from cases.commands import RecordExecutionReport
from cases.plans import items_of, plan_of
from cases.simulation import Driver
from engine.database import UnitOfWork
from engine.tables import CaseInstance, table_of

CI = table_of(CaseInstance)


class RegionalDriver(Driver):
    #: the УСО's report to the ministry: the obligation's case and the day it was last looked at
    _ministry_case: int | None = None
    _ministry_day: date | None = None

    def _ministry_report(self, tx: UnitOfWork) -> None:
        """The director reports to the ministry in the last days before the deadline (looked at once a day)."""
        if self._ministry_day == self.today():
            return
        self._ministry_day = self.today()
        if self._ministry_case is None:
            found = tx.connection.execute(sa.select(CI.c.id).where(
                CI.c.workflow == ministry_report.WORKFLOW, CI.c.subject_id == self.cast.orgs["uso"],
                CI.c.closed_at.is_(None))).scalar()
            if found is None:
                return
            self._ministry_case = int(found)
        case = self.svc.runtime.load(tx, self._ministry_case)
        if date.fromisoformat(case.data.get("ministry_report_on", "9999-12-31")) <= self.today() + timedelta(days=5):
            self.fire(tx, self.pick(self.cast.directors), case.id, "submit_ministry_report",
                      {"notes": "Показатели квартала по данным учёта"})
            self.count("ministry_reports")

    def _number(self) -> str:
        return f"{self.rng.randint(1, 99)}/{self.rng.randint(1, 30)}"

    def _kdn_ipr_district_referred(self, tx: UnitOfWork, case: Any) -> None:
        secretary, fate = self.pick(self.cast.secretaries), self._fate(case)
        if fate.decline or (fate.stop_at is None and self.rng.random() < 0.05):
            self.fire(tx, secretary, case.id, "decline", {"resolution_number": self._number(),
                                                          "notes": "Оснований для признания в СОП нет"})
            return
        self.fire(tx, secretary, case.id, "adopt_resolution", {
            "resolution_number": self._number(), "uso": self.cast.orgs["uso"],
            "executing_bodies": "Школа, ПДН, КЦСО", "report_back_on": (self.today() + timedelta(days=10)).isoformat()})
        self.later(case.id, self.rng.uniform(2, 8))

    def _kdn_ipr_district_plan_drafting(self, tx: UnitOfWork, case: Any) -> None:
        director = self.pick(self.cast.directors)
        self._add_items(tx, director, case.id, 3, (30, 85), ["school", "police", "uso"])
        self.fire(tx, director, case.id, "submit_plan")
        self.later(case.id, self.rng.uniform(3, 12))

    _kdn_ipr_district_plan_amendment = _kdn_ipr_district_plan_drafting

    def _kdn_ipr_district_plan_submitted(self, tx: UnitOfWork, case: Any) -> None:
        self.fire(tx, self.pick(self.cast.secretaries), case.id, "approve_plan",
                  {"approval_resolution_number": self._number()})
        self.later(case.id, self.rng.uniform(5, 7))

    def _kdn_ipr_district_support_active(self, tx: UnitOfWork, case: Any) -> None:
        if case.assignee_id is None:  # no area names the address: the director appoints a curator
            self.fire(tx, self.pick(self.cast.directors), case.id, "appoint_curator",
                      {"curator": self.pick(self.cast.curators).user_id})
            case = self.svc.runtime.load(tx, case.id)
        curator = self._curator(case)
        self.fire(tx, curator, case.id, "record_visit", {"kind": self.rng.choice(["home", "home", "phone"]),
                                                         "notes": "Патронаж: семья на связи"})
        self.count("visits")
        if date.fromisoformat(case.data.get("quarter_report_on", "9999-12-31")) <= self.today() + timedelta(days=7):
            self.fire(tx, self.pick(self.cast.directors), case.id, "submit_quarterly_report",
                      {"summary": "Мероприятия плана исполняются, патронаж еженедельно"})
            self.count("quarterly_reports")
        self._ministry_report(tx)
        started = date.fromisoformat(case.data.get("cycle_started_on", self.today().isoformat()))
        if (self.today() - started).days < 80:
            self.later(case.id, self.rng.uniform(5, 7))
            return
        self._review(tx, case)

    def _review(self, tx: UnitOfWork, case: Any) -> None:
        fate, secretary = self._fate(case), self.pick(self.cast.secretaries)
        self._close_due_items(tx, self._curator(case), case.id, "ipr", all_items=True)
        plan = plan_of(tx, case.id, "ipr")
        for org in sorted({i.responsible_org_id for i in items_of(tx, plan.id) if i.responsible_org_id}
                          if plan else ()):
            handlers.record_execution_report(tx, self.svc, secretary, RecordExecutionReport(
                case.id, org, self.today(), "Мероприятия исполнены", self.rng.random() < 0.6))
            self.count("execution_reports")
        if fate.decisions:
            decision = fate.decisions.pop(0)
        else:
            fate.reviews -= 1
            roll = self.rng.random()
            decision = ("continue" if roll < 0.5 else "amend") if fate.reviews > 0 and roll < 0.7 else \
                ("terminate_removed" if roll < 0.95 else "terminate" if roll < 0.97 else
                 "court" if roll < 0.985 else "suspend")
        payload: dict[str, Any] = {"resolution_number": self._number(), "notes": "Решение комиссии"}
        if decision == "terminate":
            payload["reason"] = "of_age"
        self.fire(tx, secretary, case.id, f"review_{decision}", payload)
        self.later(case.id, {"continue": 6, "amend": self.rng.uniform(3, 10), "terminate_removed": 30,
                             "court": self.rng.uniform(3, 9), "suspend": self.rng.uniform(20, 45)}.get(decision, 1))

    def _kdn_ipr_district_court_referral(self, tx: UnitOfWork, case: Any) -> None:
        self.fire(tx, self.pick(self.cast.guardianship), case.id, "record_claim",
                  {"court": "Боровичский районный суд", "claim": "restrict"})

    def _kdn_ipr_district_suspended(self, tx: UnitOfWork, case: Any) -> None:
        self.fire(tx, self.pick(self.cast.secretaries), case.id, "resume", {"resolution_number": self._number()})
        self.later(case.id, 6)

    def _kdn_ipr_district_post_support(self, tx: UnitOfWork, case: Any) -> None:
        if case.assignee_id is not None:
            self.fire(tx, self._curator(case), case.id, "record_post_visit",
                      {"kind": "home", "notes": "Обстановка в семье стабильная"})
        self.later(case.id, 30)
