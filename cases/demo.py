"""A believable municipality: ``opora demo`` and the simulator's cast.

The demo plays about six months of work in the Сургутский район of Yugra up to today:
organisations, a user for every role, and about fifty families whose cases stand in
every state of every workflow — some of them overdue, as in real life. Beside it run the
Боровичский район of the Novgorod region on the Novgorod profile (``cases.demo_novgorod``) and the Шпаковский
округ of the Stavropol territory on the Stavropol profile (``cases.demo_stavropol``).
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlmodel import select

from cases import demo_novgorod, demo_stavropol, handlers, profiles
from cases.commands import ChildInput, RegisterReport
from cases.demo_adults import run_adult_demo
from cases.demo_obligations import run_obligations_demo
from cases.directory import add_organisation, add_territory, add_user, principal_of
from cases.input_models import checked_report
from cases.matching import IPR_ORGANISED
from cases.passwords import hash_password, verify_password
from cases.principal import Principal
from cases.services import Services
from cases.simulation import Cast, Driver, Fate, spread, working_days
from cases.simulation_district import RegionalDriver
from cases.tables import Organisation, Person, User
from engine.clock import FixedClock
from engine.database import Database, UnitOfWork
from engine.sweeper import sweep
from engine.tables import CaseInstance

DEMO_PASSWORD = "Opora-Demo-2025"
#: the demo administrator's login (a demo database is recognised by it and the demo password)
DEMO_ADMIN = "admin"
TERRITORY, TERRITORY_NAME = "surgut", "Сургутский район"

#: login, organisation key, roles, full name, position, area
DEMO_USERS = [
    ("opeka", "opeka", ["guardianship"], "Соколова Ирина Викторовна", "главный специалист отдела опеки", ""),
    ("opeka2", "opeka", ["guardianship"], "Павлова Светлана Юрьевна", "ведущий специалист отдела опеки", ""),
    ("agent", "agency", ["agency"], "Лебедев Андрей Сергеевич", "специалист Агентства", ""),
    ("agent2", "agency", ["agency"], "Григорьева Татьяна Олеговна", "специалист Агентства", ""),
    ("director", "uso", ["uso_director"], "Морозова Елена Павловна", "директор КЦСО", ""),
    ("curator", "uso", ["curator"], "Кузнецова Ольга Николаевна", "специалист по социальной работе", "участок 1"),
    ("curator2", "uso", ["curator"], "Попов Дмитрий Игоревич", "специалист по социальной работе", "участок 2"),
    ("curator3", "uso", ["curator"], "Смирнова Анна Викторовна", "специалист по социальной работе", "участок 3"),
    ("secretary", "kdn", ["kdn_secretary"], "Васильева Наталья Андреевна", "ответственный секретарь КДН и ЗП", ""),
    ("boss", "opeka", ["supervisor"], "Новиков Сергей Петрович", "начальник управления", ""),
    (DEMO_ADMIN, "opeka", ["admin"], "Фёдоров Павел Ильич", "администратор системы", ""),
    ("neft_opeka", "neft_opeka", ["guardianship"], "Орлова Анна Юрьевна", "специалист отдела опеки", ""),
    ("neft_curator", "neft_uso", ["curator"], "Белова Мария Ивановна", "специалист по социальной работе", ""),
]
ORGS = [
    # key, territory, kind, name, short name, address
    ("opeka", TERRITORY, "guardianship", "Управление социальной защиты населения, опеки и попечительства по "
     "Сургутскому району", "УСЗН и опека Сургутского района", "г. Сургут, ул. Бажова, 16"),
    ("agency", TERRITORY, "agency", "Агентство социального благополучия населения Югры, отдел по Сургутскому району",
     "Агентство (Сургутский район)", "г. Сургут, ул. Маяковского, 14"),
    ("uso", TERRITORY, "uso", "БУ «Сургутский районный комплексный центр социального обслуживания населения»",
     "КЦСО Сургутского района", "г. Сургут, ул. Энергетиков, 8"),
    ("kdn", TERRITORY, "kdn", "Территориальная комиссия по делам несовершеннолетних и защите их прав "
     "Сургутского района", "КДН и ЗП Сургутского района", "г. Сургут, ул. Бажова, 16"),
    ("school", TERRITORY, "education", "МБОУ «Средняя общеобразовательная школа № 5»", "Школа № 5", ""),
    ("school2", TERRITORY, "education", "МБОУ «Лянторская средняя школа № 3»", "Лянторская школа № 3", ""),
    ("police", TERRITORY, "police", "Отделение по делам несовершеннолетних ОМВД России по Сургутскому району",
     "ОПДН ОМВД", ""),
    ("health", TERRITORY, "health", "БУ «Сургутская районная поликлиника»", "Районная поликлиника", ""),
    ("employment", TERRITORY, "employment", "КУ «Сургутский центр занятости населения»", "Центр занятости", ""),
    ("culture", TERRITORY, "culture", "МАУ «Районный центр культуры и спорта»", "Центр культуры и спорта", ""),
    ("neft_opeka", "nefteyugansk", "guardianship", "Управление опеки и попечительства Нефтеюганского района",
     "Опека Нефтеюганского района", "г. Нефтеюганск"),
    ("neft_uso", "nefteyugansk", "uso", "БУ «Нефтеюганский комплексный центр социального обслуживания»",
     "КЦСО Нефтеюганского района", "г. Нефтеюганск"),
]


@dataclass
class Municipality:
    cast: Cast
    users: dict[str, int]


def build_municipality(tx: UnitOfWork, now: datetime, password: str = DEMO_PASSWORD) -> Municipality:
    add_territory(tx, TERRITORY, TERRITORY_NAME)
    add_territory(tx, "nefteyugansk", "Нефтеюганский район")
    orgs: dict[str, Organisation] = {}
    for key, territory, kind, name, short, address in ORGS:
        orgs[key] = add_organisation(tx, territory, kind, name, short, address, head_name="")
    shared_hash = hash_password(password)
    users: dict[str, int] = {}
    for login, org, roles, full_name, position, area in DEMO_USERS:
        user = add_user(tx, login=login, password=password, full_name=full_name, org=orgs[org], roles=roles,
                        now=now, position=position, area=area, email=f"{login}@opora.local",
                        password_hash=shared_hash)
        assert user.id is not None
        users[login] = user.id

    def people(*logins: str) -> list[Principal]:
        found = [principal_of(tx, users[login]) for login in logins]
        return [p for p in found if p is not None]

    cast = Cast(guardianship=people("opeka", "opeka2"), agency=people("agent", "agent2"),
                directors=people("director"), curators=people("curator", "curator2", "curator3"),
                secretaries=people("secretary"), orgs={k: o.id for k, o in orgs.items()})  # type: ignore[misc]
    return Municipality(cast, users)


#: the state each scripted family stops in, the fate that leads there, and how many working days ago it began
TARGETS: list[tuple[tuple[str, str], dict[str, object], int]] = [
    (("child_report", "received"), {"confirmed": True, "category": "tzs"}, 0),
    (("child_report", "inspection_ordered"), {"confirmed": True, "category": "tzs"}, 1),
    (("child_report", "inspection_ordered"), {"confirmed": True, "category": "tzs", "late": True}, 7),
    (("child_report", "inspected"), {"confirmed": True, "category": "tzs"}, 4),
    (("child_report", "safety_planning"), {"confirmed": True, "category": "sop"}, 6),
    (("child_report", "safety_control"), {"confirmed": True, "category": "tzs"}, 9),
    (("child_report", "closed_not_confirmed"), {"confirmed": False, "category": "none"}, 14),
    (("child_report", "closed_no_need"), {"confirmed": True, "category": "none"}, 18),
    (("family_support", "order_received"), {"confirmed": True, "category": "tzs"}, 14),
    (("family_support", "planning"), {"confirmed": True, "category": "tzs"}, 19),
    (("family_support", "support"), {"confirmed": True, "category": "tzs", "support_months": 12}, 42),
    (("family_support", "support"), {"confirmed": True, "category": "tzs", "support_months": 12, "late": True}, 70),
    (("family_support", "closed"), {"confirmed": True, "category": "tzs", "support_months": 2}, 105),
    (("family_support", "escalated"), {"confirmed": True, "category": "tzs", "escalate": True}, 32),
    (("kdn_prevention", "draft_conclusion"), {"confirmed": True, "category": "sop"}, 15),
    (("kdn_prevention", "approval"), {"confirmed": True, "category": "sop"}, 19),
    (("kdn_prevention", "awaiting_meeting"), {"confirmed": True, "category": "sop"}, 24),
    (("kdn_prevention", "plan_drafting"), {"confirmed": True, "category": "sop"}, 32),
    (("kdn_prevention", "plan_approval"), {"confirmed": True, "category": "sop"}, 42),
    (("kdn_prevention", "execution"), {"confirmed": True, "category": "sop"}, 56),
    (("kdn_prevention", "execution"), {"confirmed": True, "category": "sop", "late": True}, 90),
    (("kdn_prevention", "plan_amendment"), {"confirmed": True, "category": "sop", "decisions": ["amend"]}, 130),
    (("kdn_prevention", "court_instructed"), {"confirmed": True, "category": "sop", "decisions": ["court"]}, 130),
    (("kdn_prevention", "suspended"), {"confirmed": True, "category": "sop", "decisions": ["suspend"]}, 130),
    (("kdn_prevention", "post_support"), {"confirmed": True, "category": "sop",
                                          "decisions": ["terminate_removed"]}, 130),
    (("kdn_prevention", "declined"), {"confirmed": True, "category": "sop", "decline": True}, 35),
    (("kdn_prevention", "terminated"), {"confirmed": True, "category": "sop", "decisions": ["terminate"]}, 130),
]
DEMO_DAYS = 200


def run_demo(svc: Services, clock: FixedClock, today: date, *, seed: int = 7,
             random_reports: int = 22) -> dict[str, int]:
    """Fill an empty database with the demo municipalities and their cases, ending ``today``."""
    rng = random.Random(seed)
    start = today - timedelta(days=DEMO_DAYS)
    zone = svc.runtime.calendar.zone
    clock.set(datetime.combine(start, time(9, 0), tzinfo=zone))
    with svc.db.unit_of_work() as tx:
        municipality = build_municipality(tx, clock.now())
        for territory in (TERRITORY, "nefteyugansk"):
            profiles.publish(tx, territory, "yugra", published=svc.runtime.catalog.names(), now=clock.now())
        shared_hash = hash_password(DEMO_PASSWORD)
        novgorod, bor_users = demo_novgorod.build_novgorod(tx, clock.now(), DEMO_PASSWORD, shared_hash,
                                                           svc.runtime.catalog)
        stavropol, stav_users = demo_stavropol.build_stavropol(tx, clock.now(), DEMO_PASSWORD, shared_hash,
                                                               svc.runtime.catalog)
        tx.commit()
    driver = Driver(svc, municipality.cast, clock, rng)
    district = RegionalDriver(svc, novgorod, clock, random.Random(seed + 1))
    krai = Driver(svc, stavropol, clock, random.Random(seed + 2))
    days = working_days(svc.runtime.calendar, start, today - timedelta(days=1))
    plans = {id(driver): spread(random_reports, len(days), rng),
             id(district): spread(random_reports // 3, len(days), district.rng),
             id(krai): spread(random_reports // 3, len(days), krai.rng)}
    scripted: dict[tuple[int, date], list[Fate]] = {}
    for who, targets in ((driver, TARGETS), (district, demo_novgorod.TARGETS), (krai, demo_stavropol.TARGETS)):
        for (workflow, state), fate_args, ago in targets:
            day = svc.runtime.calendar.add_working_days(svc.runtime.calendar.previous_working_day(today), -ago)
            args = copy.deepcopy(fate_args)  # the driver consumes a fate's decisions: never share TARGETS' lists
            fate = Fate(late=bool(args.pop("late", False)), stop_at=(workflow, state), **args)  # type: ignore[arg-type]
            scripted.setdefault((id(who), max(day, start)), []).append(fate)
    for i, day in enumerate([*days, today]):
        for who in (driver, district, krai):
            clock.set(datetime.combine(day, time(9, 0), tzinfo=zone))
            with svc.db.unit_of_work() as tx:
                for fate in scripted.pop((id(who), day), []):
                    who.new_report(tx, fate)
                tx.commit()
            if day < today:
                who.run_day(day, plans[id(who)][i])
    _repeat_report_on_ipr_child(svc, driver, municipality)
    demo_novgorod.stopped_ministry_report(svc, novgorod, bor_users, clock.now())
    krai.counters["mobile_visits"] = demo_stavropol.stavropol_records(svc, clock, stav_users, start, today,
                                                                      krai.rng)
    driver.counters["adults"] = run_adult_demo(svc, clock, today, DEMO_PASSWORD, municipality.users,
                                               municipality.cast.orgs)
    driver.counters.update(run_obligations_demo(svc, clock, today))
    clock.set(datetime.combine(today, time(12, 0), tzinfo=zone))
    sweep(svc.db, svc.runtime)
    return {k: sum(who.counters.get(k, 0) for who in (driver, district, krai))
            for k in sorted({*driver.counters, *district.counters, *krai.counters})}


def _repeat_report_on_ipr_child(svc: Services, driver: Driver, municipality: Municipality) -> None:
    """Two more reports about children already under ИПР: one forwarded to the KDN, one still to forward."""
    with svc.db.unit_of_work() as tx:
        ci = CaseInstance.__table__  # type: ignore[attr-defined]
        families = tx.connection.execute(
            sa.select(ci.c.subject_id).where(ci.c.workflow == "kdn_prevention", ci.c.state.in_(IPR_ORGANISED))
            .group_by(ci.c.subject_id).order_by(ci.c.subject_id).limit(2)).scalars().all()
        officer = municipality.cast.guardianship[0]
        for i, family_id in enumerate(families):
            child = tx.session.exec(select(Person).where(Person.family_id == family_id,
                                                         Person.relation == "child")).first()
            if child is None:
                continue
            registered = handlers.register_report(tx, svc, officer, checked_report(RegisterReport(
                source_type="police", channel="phone", received_at=driver.clock.now(),
                text="Повторное сообщение: ребёнок задержан ночью без сопровождения взрослых.",
                children=(ChildInput(child.last_name, child.first_name, child.middle_name, child.birth_date),))))
            driver.fates[registered.case_id] = Fate(True, "none", False, stop_at=("child_report", "received"))
            if i == 0 and registered.kdn_forward_case_id:
                driver.fire(tx, officer, registered.kdn_forward_case_id, "forward", {"outgoing_number": "01-15/77"})
        tx.commit()


def is_empty(svc: Services) -> bool:
    with svc.db.read() as tx:
        return tx.session.exec(select(User).limit(1)).first() is None


def is_demo_database(db: Database) -> bool:
    """True if this database holds the demo municipality: its administrator opens with the demo password.

    One argon2 check: a real install whose administrator happens to be called ``admin`` is never
    announced as a demo, and its password is never printed.
    """
    with db.read() as tx:
        found = tx.session.exec(select(User).where(User.login == DEMO_ADMIN)).first()
    return found is not None and verify_password(found.password_hash, DEMO_PASSWORD)
