"""Synthetic traffic through the whole process, on the engine's own clock.

A :class:`Driver` plays every role: it registers reports (sources distributed as in the
Yugra 2024 statistics) and, day by day, takes each case's next
action through the same command handlers the UI uses — usually on time, sometimes late —
while the sweeper fires reminders, escalations and timeouts. ``opora simulate`` runs a
year of it; ``opora demo`` runs a few months and stops with cases in every state.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from cases import handlers
from cases.commands import (
    AddPlanItem,
    AdultInput,
    ChildInput,
    CloseItem,
    FireEvent,
    RecordExecutionReport,
    RegisterReport,
)
from cases.input_models import checked_report
from cases.plans import items_of, plan_of
from cases.principal import Principal
from cases.services import Services
from engine.clock import FixedClock
from engine.database import UnitOfWork
from engine.sweeper import sweep

#: share of reports by source, Yugra 2024 (650 / 749 / 709 / 320 / 549 / 4155 of 7132)
SOURCES = [("education", 650), ("police", 749), ("relatives", 709), ("neighbours", 320), ("anonymous", 549),
           ("other_org", 4155)]
CHANNELS = ["phone", "written", "email", "in_person", "portal"]
SURNAMES = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков",
            "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов",
            "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев", "Соловьёв",
            "Борисов", "Яковлев", "Григорьев", "Романов", "Воробьёв", "Сергеев", "Кузьмин", "Фролов", "Александров",
            "Дмитриев", "Королёв", "Гусев", "Киселёв", "Ильин", "Максимов", "Поляков", "Сорокин", "Виноградов",
            "Ковалёв", "Белов", "Медведев", "Антонов", "Тарасов", "Жуков", "Баранов", "Филиппов", "Комаров",
            "Давыдов", "Беляев", "Герасимов", "Богданов", "Осипов", "Сидоров", "Матвеев", "Титов", "Марков",
            "Миронов", "Крылов", "Куликов", "Карпов", "Власов", "Мельников", "Денисов", "Гаврилов", "Тихонов"]
BOYS = ["Александр", "Максим", "Иван", "Артём", "Дмитрий", "Никита", "Михаил", "Даниил", "Егор", "Андрей",
        "Кирилл", "Илья", "Матвей", "Тимофей", "Роман", "Владимир", "Ярослав", "Фёдор", "Глеб", "Лев"]
GIRLS = ["Анастасия", "Мария", "Анна", "Виктория", "Екатерина", "Софья", "Алиса", "Дарья", "Полина", "Елизавета",
         "Ксения", "Варвара", "Алёна", "Вероника", "Арина", "Милана", "Ульяна", "Кира", "Ева", "Таисия"]
PATRONYMICS = ["Александров", "Сергеев", "Андреев", "Дмитриев", "Алексеев", "Николаев", "Иванов", "Владимиров",
               "Михайлов", "Викторов"]


def surname_of(stem: str, female: bool) -> str:
    """A family name in a woman's or a man's form: Иванов → Иванова (every stem here ends in -ов, -ев, -ин)."""
    return stem + "а" if female else stem


def patronymic_of(father: str, female: bool) -> str:
    """A patronymic from the father's name stem: Сергеев → Сергеевич / Сергеевна."""
    return father + ("на" if female else "ич")


STREETS = ["ул. Ленина", "ул. Мира", "пр. Набережный", "ул. Энергетиков", "ул. Университетская", "ул. Маяковского",
           "ул. 30 лет Победы", "ул. Нефтяников", "ул. Геологов", "ул. Строителей"]
TEXTS = ["Ребёнок пропускает занятия, приходит в школу голодным.",
         "Соседи сообщают о постоянных скандалах и плаче детей.",
         "Родители в состоянии опьянения, дети без присмотра.",
         "Ребёнок ночевал в подъезде, домой идти боится.",
         "В квартире антисанитария, дети без сезонной одежды.",
         "У ребёнка синяки, объясняет падением.",
         "Семья без средств к существованию после увольнения отца."]


@dataclass
class Cast:
    """The people and organisations of one territory the driver acts as."""

    guardianship: list[Principal]
    agency: list[Principal]
    directors: list[Principal]
    curators: list[Principal]
    secretaries: list[Principal]
    orgs: dict[str, int]
    #: where the families live: the town and its streets (the Novgorod demo's streets name its areas)
    town: str = "г. Сургут"
    streets: list[str] = field(default_factory=lambda: list(STREETS))
    #: the codes of the territory's need checklist the recognition step ticks from (none: no checklist)
    need_criteria: list[str] = field(default_factory=list)


@dataclass
class Fate:
    """What will happen to a report and the cases it leads to (drawn once, when the report arrives)."""

    confirmed: bool
    category: str  # tzs | sop | none
    late: bool  # this case's people act late
    support_months: int = 8
    reviews: int = 2
    #: review decisions to take in order (continue, amend, court, suspend, terminate_removed, terminate)
    decisions: list[str] = field(default_factory=list)
    decline: bool = False  # the KDN declines to recognise the family in СОП
    escalate: bool = False  # ТЖС support worsens into СОП
    #: stop advancing when a case of this workflow reaches this state (the demo leaves cases mid-way);
    #: a scripted fate takes no random turns (declines, escalations) on the way
    stop_at: tuple[str, str] | None = None


@dataclass
class Driver:
    svc: Services
    cast: Cast
    clock: FixedClock
    rng: random.Random
    fates: dict[int, Fate] = field(default_factory=dict)
    due: dict[int, datetime] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)

    # -- helpers -------------------------------------------------------------------------------
    def today(self) -> date:
        return self.svc.runtime.calendar.local_date(self.clock.now())

    def pick(self, people: list[Principal]) -> Principal:
        return self.rng.choice(people)

    def later(self, case_id: int, days: float, hours: float = 0) -> None:
        fate = self.fates.get(case_id)
        slack = self.rng.uniform(1.5, 4.0) if fate and fate.late and self.rng.random() < 0.3 else 1.0
        self.due[case_id] = self.clock.now() + timedelta(days=days * slack, hours=hours)

    def count(self, name: str, n: int = 1) -> None:
        self.counters[name] = self.counters.get(name, 0) + n

    def fire(self, tx: UnitOfWork, who: Principal, case_id: int, event: str, payload: dict[str, Any] | None = None
             ) -> str:
        result = handlers.fire_event(tx, self.svc, who, FireEvent(case_id, event, payload or {}))
        self.count("transitions")
        return result.to_state

    def _person(self, stem: str, father: str) -> ChildInput:
        """A child of the family ``stem`` and the father ``father``: surname, name and patronymic of one gender."""
        girl = self.rng.random() < 0.5
        born = self.today() - timedelta(days=self.rng.randint(365, 17 * 365))
        return ChildInput(surname_of(stem, girl), self.rng.choice(GIRLS if girl else BOYS), patronymic_of(father, girl),
                          born if self.rng.random() < 0.85 else None, new=True)

    # -- reports -------------------------------------------------------------------------------
    def new_report(self, tx: UnitOfWork, fate: Fate | None = None) -> int:
        source = self.rng.choices([s for s, _ in SOURCES], weights=[w for _, w in SOURCES])[0]
        stem, father = self.rng.choice(SURNAMES), self.rng.choice(PATRONYMICS)
        first = self._person(stem, father)
        children = [first]
        if self.rng.random() < 0.4:  # ≈ 1.5 minors per report, as in 2024 (7,132 / 4,628)
            sibling = self._person(stem, father)
            while sibling.first_name == first.first_name:  # two siblings never share a first name
                sibling = self._person(stem, father)
            children.append(sibling)
        adults = (AdultInput("mother", surname_of(stem, True), self.rng.choice(GIRLS),
                             patronymic_of(self.rng.choice(PATRONYMICS), True)),)
        officer = self.pick(self.cast.guardianship)  # drawn first: the same random sequence as ever
        report = checked_report(RegisterReport(  # the input model every form and API request goes through
            source_type=source, channel=self.rng.choice(CHANNELS), received_at=self.clock.now(),
            text=self.rng.choice(TEXTS), children=tuple(children), adults=adults,
            source_name={"education": "Школа", "police": "ОМВД", "other_org": "Больница"}.get(source, ""),
            address=f"{self.cast.town}, {self.rng.choice(self.cast.streets)}, д. {self.rng.randint(1, 80)}, "
                    f"кв. {self.rng.randint(1, 200)}"))
        registered = handlers.register_report(tx, self.svc, officer, report)
        self.count("reports")
        self.count("children", len(children))
        case_id = registered.case_id
        confirmed = self.rng.random() < 0.45
        category = self.rng.choices(["tzs", "sop", "none"], weights=[60, 28, 12])[0] if confirmed else "none"
        self.fates[case_id] = fate or Fate(confirmed, category, late=self.rng.random() < 0.15,
                                           support_months=self.rng.randint(6, 12), reviews=self.rng.randint(1, 4))
        self.later(case_id, 0, hours=self.rng.uniform(0.5, 6))
        return case_id

    # -- the next action of each case ----------------------------------------------------------
    def advance(self, tx: UnitOfWork, case_id: int) -> None:
        case = self.svc.runtime.load(tx, case_id)
        if case.closed_at is not None:
            self.due.pop(case_id, None)
            return
        if self._fate(case).stop_at == (case.workflow, case.state):
            self.due.pop(case_id, None)
            return
        step: Callable[[UnitOfWork, Any], None] = getattr(self, f"_{case.workflow}_{case.state}")
        step(tx, case)

    def _fate(self, case: Any) -> Fate:
        """The case's fate, inherited from the case that started it (a report's fate decides its family's)."""
        fate = self.fates.get(case.id)
        if fate is None:
            fate = (self.fates.get(case.parent_id) if case.parent_id else None) or Fate(True, "tzs", False)
            self.fates[case.id] = fate
        return fate

    def _add_items(self, tx: UnitOfWork, who: Principal, case_id: int, n: int, days: tuple[int, int],
                   orgs: list[str]) -> None:
        for i in range(n):
            org = orgs[i % len(orgs)]
            handlers.add_plan_item(tx, self.svc, who, AddPlanItem(
                case_id, self.rng.choice(["Консультация психолога", "Контроль посещаемости школы",
                                          "Помощь в оформлении пособий", "Профилактическая беседа",
                                          "Организация летнего отдыха", "Содействие в трудоустройстве"]),
                self.today() + timedelta(days=self.rng.randint(*days)), responsible_org_id=self.cast.orgs[org]))
            self.count("plan_items")

    def _close_due_items(self, tx: UnitOfWork, who: Principal, case_id: int, kind: str, *, all_items: bool = False
                         ) -> None:
        plan = plan_of(tx, case_id, kind)
        if plan is None:
            return
        for item in items_of(tx, plan.id):
            if item.status == "open" and (all_items or item.due_date <= self.today()):
                handlers.close_plan_item(tx, self.svc, who, CloseItem(case_id, item.id, "done", "Исполнено"))
                self.count("plan_items_closed")

    # child_report -------------------------------------------------------------------------------
    def _child_report_received(self, tx: UnitOfWork, case: Any) -> None:
        self.fire(tx, self.pick(self.cast.guardianship), case.id, "order_inspection",
                  {"agency_unit": self.cast.orgs["agency"], "inspector": self.pick(self.cast.agency).user_id})
        self.later(case.id, self.rng.uniform(0.5, 3))

    def _agent(self, tx: UnitOfWork, case: Any) -> Principal:
        return next((p for p in self.cast.agency if p.user_id == case.assignee_id), self.cast.agency[0])

    def _child_report_inspection_ordered(self, tx: UnitOfWork, case: Any) -> None:
        self.fire(tx, self._agent(tx, case), case.id, "record_inspection", {
            "living_conditions": "Условия проживания удовлетворительные", "threats": "См. сообщение",
            "safety": self.rng.choice(["safe", "conditionally_safe", "unsafe"])})
        self.later(case.id, self.rng.uniform(0.1, 1.5))

    def _child_report_inspected(self, tx: UnitOfWork, case: Any) -> None:
        fate = self._fate(case)
        if fate.confirmed:
            self.fire(tx, self._agent(tx, case), case.id, "confirm", {"summary": "Сведения подтвердились"})
        else:
            self.fire(tx, self._agent(tx, case), case.id, "close_not_confirmed",
                      {"reason": "Сведения не подтвердились при обследовании"})
        self.later(case.id, self.rng.uniform(0.1, 1))

    def _child_report_safety_planning(self, tx: UnitOfWork, case: Any) -> None:
        agent = self._agent(tx, case)
        self._add_items(tx, agent, case.id, self.rng.randint(1, 3), (2, 7), ["school", "police", "health"])
        self.fire(tx, agent, case.id, "approve_safety_plan")
        self.later(case.id, self.rng.uniform(2, 5))

    def _child_report_safety_control(self, tx: UnitOfWork, case: Any) -> None:
        fate, agent = self._fate(case), self._agent(tx, case)
        self._close_due_items(tx, agent, case.id, "safety", all_items=True)
        decision: dict[str, Any] = {"decision_on": self.today().isoformat()}
        if fate.category == "tzs":
            if self.cast.need_criteria:
                decision["need_criteria"] = self.rng.sample(self.cast.need_criteria, k=self.rng.randint(1, 3))
            self.fire(tx, agent, case.id, "classify_tzs", {**decision, "uso": self.cast.orgs["uso"],
                                                           "grounds": "Трудная жизненная ситуация"})
        elif fate.category == "sop":
            self.fire(tx, agent, case.id, "classify_sop", {**decision, "grounds": "Социально опасное положение"})
        else:
            self.fire(tx, agent, case.id, "close_no_need", {"reason": "Семья справляется сама"})
        self.later(case.id, 0.5)
        for started in self.svc.runtime.load(tx, case.id).data.get("started_cases", []):
            self.fates[started] = fate
            self.later(started, self.rng.uniform(0.2, 1.5))

    # kdn_forward --------------------------------------------------------------------------------
    def _kdn_forward_pending(self, tx: UnitOfWork, case: Any) -> None:
        self.fire(tx, self.pick(self.cast.guardianship), case.id, "forward",
                  {"outgoing_number": f"01-{self.rng.randint(100, 999)}"})

    # family_support -----------------------------------------------------------------------------
    def _curator(self, case: Any) -> Principal:
        return next((p for p in self.cast.curators if p.user_id == case.assignee_id), self.cast.curators[0])

    def _family_support_order_received(self, tx: UnitOfWork, case: Any) -> None:
        director, curator = self.pick(self.cast.directors), self.pick(self.cast.curators)
        fate = self._fate(case)
        if fate.stop_at is not None and fate.late:  # the demo's neglected cases belong to its first curator
            curator = self.cast.curators[0]
        self.fire(tx, director, case.id, "appoint_curator", {"curator": curator.user_id})
        self.later(case.id, self.rng.uniform(3, 9))

    def _family_support_planning(self, tx: UnitOfWork, case: Any) -> None:
        curator = self._curator(case)
        self._add_items(tx, curator, case.id, self.rng.randint(2, 4), (20, 150), ["uso", "employment", "school"])
        self.fire(tx, curator, case.id, "approve_support_plan")
        self.later(case.id, self.rng.uniform(4, 7))

    def _family_support_support(self, tx: UnitOfWork, case: Any) -> None:
        fate, curator = self._fate(case), self._curator(case)
        self._close_due_items(tx, curator, case.id, "support")
        started = date.fromisoformat(case.data["support_started_on"])
        review_on = date.fromisoformat(case.data.get("review_on", started.isoformat()))
        if fate.escalate or (fate.stop_at is None and self.today() >= review_on and self.rng.random() < 0.03):
            self.fire(tx, curator, case.id, "escalate_to_sop", {"grounds": "Ситуация ухудшилась"})
            for new in self.svc.runtime.load(tx, case.id).data.get("started_cases", []):
                self.fates[new] = fate
                self.later(new, 1)
            return
        if (self.today() - started).days >= fate.support_months * 30:
            self._close_due_items(tx, curator, case.id, "support", all_items=True)
            self.fire(tx, curator, case.id, "close_support", {"reason": "solved", "comment": "Цели достигнуты"})
            return
        if self.today() >= review_on:
            self.fire(tx, curator, case.id, "continue_support", {
                "review_on": (self.today() + timedelta(days=60)).isoformat(), "reason": "Работа продолжается"})
        self.fire(tx, curator, case.id, "record_visit", {"kind": self.rng.choice(["home", "home", "phone"]),
                                                         "notes": "Семья на связи, рекомендации выполняет"})
        self.count("visits")
        self.later(case.id, self.rng.uniform(5, 7))

    # kdn_prevention -----------------------------------------------------------------------------
    def _kdn_prevention_draft_conclusion(self, tx: UnitOfWork, case: Any) -> None:
        self.fire(tx, self.pick(self.cast.agency), case.id, "submit_draft",
                  {"grounds": "Обстоятельства СОП", "proposed_measures": "Организовать ИПР"})
        self.later(case.id, self.rng.uniform(1, 3))

    def _kdn_prevention_approval(self, tx: UnitOfWork, case: Any) -> None:
        self.fire(tx, self.pick(self.cast.guardianship), case.id, "approve_and_send", {"kdn": self.cast.orgs["kdn"]})
        self.later(case.id, self.rng.uniform(1, 3))

    def _kdn_prevention_awaiting_meeting(self, tx: UnitOfWork, case: Any) -> None:
        secretary = self.pick(self.cast.secretaries)
        if "meeting_on" not in case.data:
            meeting = self.today() + timedelta(days=self.rng.randint(3, 12))
            self.fire(tx, secretary, case.id, "schedule_meeting", {"meeting_on": meeting.isoformat()})
            self.due[case.id] = datetime.combine(meeting, time(6, 0), tzinfo=self.clock.now().tzinfo)
            return
        number = f"{self.rng.randint(1, 99)}/{self.rng.randint(1, 30)}"
        fate = self._fate(case)
        if fate.decline or (fate.stop_at is None and self.rng.random() < 0.05):
            self.fire(tx, secretary, case.id, "decline", {"resolution_number": number, "notes": "Нет оснований"})
            return
        self.fire(tx, secretary, case.id, "adopt_resolution", {
            "resolution_number": number, "uso": self.cast.orgs["uso"], "executing_bodies": "Школа, ПДН, КЦСО",
            "report_back_on": (self.today() + timedelta(days=20)).isoformat()})
        self.later(case.id, self.rng.uniform(0.5, 2))

    def _kdn_prevention_plan_drafting(self, tx: UnitOfWork, case: Any) -> None:
        if case.assignee_id is None:
            self.fire(tx, self.pick(self.cast.directors), case.id, "appoint_curator",
                      {"curator": self.pick(self.cast.curators).user_id})
            self.later(case.id, self.rng.uniform(2, 6))
            return
        curator = self._curator(case)
        self._add_items(tx, curator, case.id, 3, (30, 85), ["school", "police", "uso"])
        self.fire(tx, curator, case.id, "submit_plan")
        self.later(case.id, self.rng.uniform(3, 12))

    _kdn_prevention_plan_amendment = _kdn_prevention_plan_drafting

    def _kdn_prevention_plan_approval(self, tx: UnitOfWork, case: Any) -> None:
        self.fire(tx, self.pick(self.cast.secretaries), case.id, "approve_plan")
        self.later(case.id, 80)

    def _kdn_prevention_execution(self, tx: UnitOfWork, case: Any) -> None:
        fate, secretary = self._fate(case), self.pick(self.cast.secretaries)
        if case.assignee_id is not None:
            self._close_due_items(tx, self._curator(case), case.id, "ipr", all_items=True)
        plan = plan_of(tx, case.id, "ipr")
        bodies = {i.responsible_org_id for i in items_of(tx, plan.id)} if plan else set()
        for org in sorted(b for b in bodies if b):
            handlers.record_execution_report(tx, self.svc, secretary, RecordExecutionReport(
                case.id, org, self.today(), "Мероприятия исполнены", self.rng.random() < 0.6))
            self.count("execution_reports")
        number = {"resolution_number": f"{self.rng.randint(1, 99)}/{self.rng.randint(1, 30)}"}
        if fate.decisions:
            decision = fate.decisions.pop(0)
        else:
            fate.reviews -= 1
            roll = self.rng.random()
            decision = ("continue" if roll < 0.5 else "amend") if fate.reviews > 0 and roll < 0.7 else \
                ("terminate_removed" if roll < 0.95 else "terminate" if roll < 0.97 else
                 "court" if roll < 0.985 else "suspend")
        payload = {**number, "notes": "Решение комиссии"}
        if decision == "terminate":
            payload["reason"] = "of_age"
        self.fire(tx, secretary, case.id, f"review_{decision}", payload)
        self.later(case.id, {"continue": 85, "amend": self.rng.uniform(3, 10), "terminate_removed": 30,
                             "court": self.rng.uniform(3, 9), "suspend": self.rng.uniform(20, 45)}.get(decision, 1))

    def _kdn_prevention_court_instructed(self, tx: UnitOfWork, case: Any) -> None:
        self.fire(tx, self.pick(self.cast.guardianship), case.id, "record_claim",
                  {"court": "Сургутский районный суд", "claim": "restrict"})
        self.later(case.id, 85)

    def _kdn_prevention_suspended(self, tx: UnitOfWork, case: Any) -> None:
        self.fire(tx, self.pick(self.cast.secretaries), case.id, "resume",
                  {"resolution_number": f"{self.rng.randint(1, 99)}/{self.rng.randint(1, 30)}"})
        self.later(case.id, 85)

    def _kdn_prevention_post_support(self, tx: UnitOfWork, case: Any) -> None:
        if case.assignee_id is not None:
            self.fire(tx, self._curator(case), case.id, "record_post_visit",
                      {"kind": "home", "notes": "Обстановка в семье стабильная"})
        self.later(case.id, 30)

    # -- running days --------------------------------------------------------------------------
    def run_day(self, day: date, reports: int) -> None:
        """One working day: new reports, then every case whose next action is due; then the sweeper."""
        zone = self.svc.runtime.calendar.zone
        start = datetime.combine(day, time(9, 0), tzinfo=zone)
        self.clock.set(start)
        with self.svc.db.unit_of_work() as tx:
            for _ in range(reports):
                self.clock.advance(timedelta(minutes=self.rng.randint(1, 20)))
                self.new_report(tx)
            tx.commit()
        end_of_day = datetime.combine(day, time(17, 30), tzinfo=zone)
        ready = sorted((due, case_id) for case_id, due in self.due.items() if due <= end_of_day)
        with self.svc.db.unit_of_work() as tx:
            for due, case_id in ready:
                self.clock.set(max(self.clock.now(), min(due, end_of_day)))
                self.due.pop(case_id, None)
                self.advance(tx, case_id)
            tx.commit()
        self.clock.set(datetime.combine(day, time(23, 0), tzinfo=zone))
        report = sweep(self.svc.db, self.svc.runtime, batch_size=2000)
        self.count("deadline_steps", report.steps)
        self.count("transitions", report.timeouts)


def working_days(calendar: Any, start: date, end: date) -> list[date]:
    days, current = [], start
    while current <= end:
        if calendar.is_working_day(current):
            days.append(current)
        current += timedelta(days=1)
    return days


def spread(total: int, days: int, rng: random.Random) -> list[int]:
    """``total`` reports over ``days`` working days, a little uneven like real traffic."""
    weights = [rng.uniform(0.6, 1.4) for _ in range(days)]
    scale = total / sum(weights)
    counts = [int(w * scale) for w in weights]
    for i in rng.sample(range(days), total - sum(counts)):
        counts[i] += 1
    return counts

