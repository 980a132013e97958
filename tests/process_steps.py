"""Driving cases through the process with the domain's commands (shared by the scenario tests)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from api.bootstrap import Container
from cases import handlers
from cases.commands import (
    AddPlanItem,
    ChildInput,
    CloseItem,
    FireEvent,
    RecordExecutionReport,
    RegisterReport,
)
from cases.services import Services
from engine.context import CaseView
from engine.sweeper import sweep
from tests.world import World


@dataclass
class Process:
    app: Container
    svc: Services
    world: World

    # -- plumbing ---------------------------------------------------------------------------------
    def now(self) -> datetime:
        return self.app.clock.now()

    def today(self) -> date:
        return self.app.calendar.local_date(self.now())

    def case(self, case_id: int) -> CaseView:
        with self.svc.db.read() as tx:
            return self.svc.runtime.load(tx, case_id)

    def fire(self, login: str, case_id: int, event: str, payload: Mapping[str, Any] | None = None) -> str:
        result = self.svc.execute(handlers.fire_event, self.world[login], FireEvent(case_id, event, payload or {}))
        return result.to_state

    def rows(self, sql: str, **params: Any) -> list[Any]:
        with self.svc.db.read() as tx:
            return list(tx.connection.execute(sa.text(sql), params).all())

    def sweep(self) -> Any:
        return sweep(self.svc.db, self.svc.runtime)

    # -- Path 1 -----------------------------------------------------------------------------------
    def register(self, login: str = "opeka", children: tuple[ChildInput, ...] | None = None,
                 source: str = "education", **kwargs: Any) -> handlers.ReportRegistered:
        children = children or (ChildInput("Иванов", "Пётр", "Сергеевич", date(2015, 4, 1)),)
        kwargs.setdefault("received_at", self.now())
        cmd = RegisterReport(source_type=source, channel="written",
                             text="Ребёнок приходит в школу голодным, на теле синяки.", children=children,
                             source_name="Школа № 5", address="г. Сургут, ул. Мира, д. 7, кв. 12", **kwargs)
        return self.svc.execute(handlers.register_report, self.world[login], cmd)

    def add_item(self, login: str, case_id: int, measure: str, days: int = 10, org: str | None = None,
                 threat: str = "") -> int:
        return self.svc.execute(handlers.add_plan_item, self.world[login], AddPlanItem(
            case_id, measure, self.today() + timedelta(days=days),
            responsible_org_id=self.world.orgs[org] if org else None,
            responsible="" if org else "Агентство", threat=threat))

    def close_item(self, login: str, case_id: int, item_id: int, status: str = "done") -> None:
        self.svc.execute(handlers.close_plan_item, self.world[login],
                         CloseItem(case_id, item_id, status, "Выполнено в срок"))

    def to_inspection(self, **kwargs: Any) -> int:
        case_id = self.register(**kwargs).case_id
        self.fire("opeka", case_id, "order_inspection",
                  {"agency_unit": self.world.orgs["agency"], "inspector": self.world.users["agent"],
                   "note": "Провести обследование"})
        return case_id

    def to_safety_control(self, **kwargs: Any) -> int:
        case_id = self.to_inspection(**kwargs)
        self.fire("agent", case_id, "record_inspection", {
            "living_conditions": "Квартира двухкомнатная, холодильник пуст", "threats": "Недостаточное питание",
            "safety": "conditionally_safe"})
        self.fire("agent", case_id, "confirm", {"summary": "Факты недостаточного питания подтвердились"})
        self.add_item("agent", case_id, "Обеспечить горячее питание в школе", 5, org="school",
                      threat="Недостаточное питание")
        self.fire("agent", case_id, "approve_safety_plan")
        return case_id

    def close_safety_items(self, case_id: int) -> None:
        for row in self.rows("select i.id from plan_item i join plan p on p.id = i.plan_id "
                             "where p.case_id = :c and i.status = 'open'", c=case_id):
            self.close_item("agent", case_id, row.id)

    def started_case(self, parent_id: int, workflow: str) -> int:
        rows = self.rows("select id from wf_instance where parent_id = :p and workflow = :w", p=parent_id, w=workflow)
        assert len(rows) == 1, rows
        return int(rows[0].id)

    # -- Path 2 -----------------------------------------------------------------------------------
    def to_support(self, criteria: list[str] | None = None) -> tuple[int, int]:
        """A family support case with an approved plan (``criteria``: the need criteria ticked at recognition,
        for a territory whose profile keeps a checklist)."""
        report_case = self.to_safety_control()
        self.close_safety_items(report_case)
        payload: dict[str, Any] = {"uso": self.world.orgs["uso"], "grounds": "Мать потеряла работу"}
        if criteria is not None:
            payload["need_criteria"] = criteria
        self.fire("agent", report_case, "classify_tzs", payload)
        support = self.started_case(report_case, "family_support")
        self.fire("director", support, "appoint_curator", {"curator": self.world.users["curator"]})
        self.add_item("curator", support, "Помощь в трудоустройстве матери", 30, org="uso")
        self.fire("curator", support, "approve_support_plan")
        return report_case, support

    # -- Path 3 -----------------------------------------------------------------------------------
    def to_kdn(self, **kwargs: Any) -> tuple[int, int]:
        report_case = self.to_safety_control(**kwargs)
        self.close_safety_items(report_case)
        self.fire("agent", report_case, "classify_sop", {"grounds": "Родители злоупотребляют алкоголем"})
        return report_case, self.started_case(report_case, "kdn_prevention")

    def to_resolution(self, **kwargs: Any) -> tuple[int, int]:
        report_case, kdn = self.to_kdn(**kwargs)
        self.fire("agent", kdn, "submit_draft", {"grounds": "Систематическое пьянство родителей",
                                                 "proposed_measures": "Признать семью в СОП"})
        self.fire("opeka", kdn, "approve_and_send", {"kdn": self.world.orgs["kdn"]})
        self.fire("secretary", kdn, "schedule_meeting", {"meeting_on": (self.today() + timedelta(days=7)).isoformat()})
        self.fire("secretary", kdn, "adopt_resolution", {
            "resolution_number": "12/3", "uso": self.world.orgs["uso"],
            "executing_bodies": "Школа № 5, ОПДН, КЦСО",
            "report_back_on": (self.today() + timedelta(days=20)).isoformat()})
        return report_case, kdn

    def to_execution(self) -> tuple[int, int]:
        report_case, kdn = self.to_resolution()
        self.fire("director", kdn, "appoint_curator", {"curator": self.world.users["curator"]})
        self.add_item("curator", kdn, "Ежедневный контроль посещаемости школы", 60, org="school")
        self.add_item("curator", kdn, "Профилактическая беседа с родителями", 30, org="police")
        self.add_item("curator", kdn, "Консультация психолога", 45, org="uso")
        self.fire("curator", kdn, "submit_plan")
        self.fire("secretary", kdn, "approve_plan")
        return report_case, kdn

    def report_all(self, kdn: int, positive: bool = False) -> None:
        for org in ("school", "police", "uso"):
            self.svc.execute(handlers.record_execution_report, self.world["secretary"], RecordExecutionReport(
                kdn, self.world.orgs[org], self.today(), f"Мероприятия исполнены ({org})", positive))
