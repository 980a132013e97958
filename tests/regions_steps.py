"""A Novgorod municipality beside the test world's Yugra one, and the steps of ``kdn_ipr_district`` cases."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from cases import areas, handlers, profiles
from cases.commands import ChildInput, RecordExecutionReport, RegisterReport
from cases.directory import add_organisation, add_territory, add_user, principal_of
from tests.process_steps import Process
from tests.world import _HASH, PASSWORD, START

TERRITORY = "borovichi"
ORGS = [
    ("b_opeka", "guardianship", "Отдел опеки и попечительства Администрации Боровичского муниципального района",
     "Опека Боровичского района"),
    ("b_agency", "agency", "Отдел социальной защиты Боровичского района", "Соцзащита Боровичского района"),
    ("b_uso", "uso", "ОАУСО «Боровичский комплексный центр социального обслуживания»", "Боровичский КЦСО"),
    ("b_kdn", "kdn", "Комиссия по делам несовершеннолетних и защите их прав Боровичского муниципального района",
     "РКДН и ЗП Боровичского района"),
    ("b_school", "education", "МАОУ «Средняя школа № 1 г. Боровичи»", "Школа № 1"),
    ("b_police", "police", "ПДН МО МВД России «Боровичский»", "ПДН"),
]
USERS = [
    ("b_opeka", "b_opeka", ["guardianship"], "Андреева Ольга Петровна"),
    ("b_agent", "b_agency", ["agency"], "Семёнов Илья Викторович"),
    ("b_director", "b_uso", ["uso_director"], "Крылова Марина Сергеевна"),
    ("b_curator1", "b_uso", ["curator"], "Егорова Анна Николаевна"),
    ("b_curator2", "b_uso", ["curator"], "Титов Павел Андреевич"),
    ("b_secretary", "b_kdn", ["kdn_secretary"], "Михайлова Елена Игоревна"),
    ("b_admin", "b_opeka", ["admin"], "Гусев Олег Ильич"),
]
AREAS = [("Участок № 1 (центр)", ["ул. Ленинградская", "ул. Коммунарная"], "b_curator1"),
         ("Участок № 2 (сельский)", ["д. Угольщики", "п. Волок"], "b_curator2")]


def add_novgorod(proc: Process, profile: str = "novgorod") -> None:
    """Territory ``borovichi`` with its bodies, a user per role, two areas, and the profile published."""
    world = proc.world
    with proc.svc.db.unit_of_work() as tx:
        add_territory(tx, TERRITORY, "Боровичский муниципальный район")
        orgs = {key: add_organisation(tx, TERRITORY, kind, name, short) for key, kind, name, short in ORGS}
        world.orgs.update({k: o.id for k, o in orgs.items()})  # type: ignore[misc]
        for login, org, roles, name in USERS:
            user = add_user(tx, login=login, password=PASSWORD, full_name=name, org=orgs[org], roles=roles, now=START,
                            password_hash=_HASH)
            world.users[login] = user.id  # type: ignore[assignment]
            found = principal_of(tx, user.id)  # type: ignore[arg-type]
            assert found is not None
            world.principals[login] = found
        for name, places, curator in AREAS:
            areas.add_area(tx, TERRITORY, name, places, world.users[curator], START, passport="паспорт участка")
        profiles.publish(tx, TERRITORY, profile, published=proc.svc.runtime.catalog.names(), now=START)
        tx.commit()


def referred(proc: Process, address: str = "г. Боровичи, ул. Коммунарная, д. 5, кв. 3",
             birth: date = date(2010, 5, 1), surname: str = "Петров") -> tuple[int, int]:
    """A report in Borovichi classified as СОП: the report case and the district commission's case."""
    reg = proc.svc.execute(handlers.register_report, proc.world["b_opeka"], RegisterReport(
        source_type="police", channel="written", received_at=proc.now(), text="Подросток совершил кражу, "
        "родители не контролируют его поведение.", children=(ChildInput(surname, "Денис", "Олегович", birth),),
        source_name="ПДН", address=address))
    case = reg.case_id
    proc.fire("b_opeka", case, "order_inspection", {"agency_unit": proc.world.orgs["b_agency"],
                                                    "inspector": proc.world.users["b_agent"], "note": "Обследовать"})
    proc.fire("b_agent", case, "record_inspection", {"living_conditions": "Квартира, порядок",
                                                     "threats": "Безнадзорность", "safety": "conditionally_safe"})
    proc.fire("b_agent", case, "confirm", {"summary": "Подтвердилось"})
    item = proc.add_item("b_agent", case, "Контроль посещения школы", 5, org="b_school", threat="Безнадзорность")
    proc.fire("b_agent", case, "approve_safety_plan")
    proc.close_item("b_agent", case, item)
    proc.fire("b_agent", case, "classify_sop", {"grounds": "Подросток в конфликте с законом"})
    started = proc.rows("select id, workflow from wf_instance where parent_id = :p", p=case)
    assert len(started) == 1
    return case, int(started[0].id)


def resolution(proc: Process, **kwargs: Any) -> tuple[int, int]:
    report_case, kdn = referred(proc, **kwargs)
    proc.fire("b_secretary", kdn, "adopt_resolution", {
        "resolution_number": "7/2", "uso": proc.world.orgs["b_uso"], "executing_bodies": "Школа № 1, ПДН, КЦСО",
        "report_back_on": (proc.today() + timedelta(days=10)).isoformat()})
    return report_case, kdn


def active(proc: Process, **kwargs: Any) -> int:
    _, kdn = resolution(proc, **kwargs)
    proc.add_item("b_director", kdn, "Контроль посещаемости и успеваемости", 60, org="b_school")
    proc.add_item("b_director", kdn, "Профилактическая беседа с родителями", 30, org="b_police")
    proc.fire("b_director", kdn, "submit_plan")
    proc.fire("b_secretary", kdn, "approve_plan", {"approval_resolution_number": "8/1"})
    return kdn


def report_all(proc: Process, kdn: int, positive: bool = False) -> None:
    for org in ("b_school", "b_police"):
        proc.svc.execute(handlers.record_execution_report, proc.world["b_secretary"], RecordExecutionReport(
            kdn, proc.world.orgs[org], proc.today(), f"Мероприятия исполнены ({org})", positive))
