"""The demo's third municipality: Шпаковский муниципальный округ of the Stavropol territory.

It runs the Stavropol profile: the process is Yugra's, but the recognition step ticks the need criteria of the
regional checklist, visits of mobile interagency teams are recorded, and the monitoring indicators are counted
against the year's targets (``cases.monitoring``). Its cases stand in several states of the three workflows.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from cases import monitoring, profiles
from cases.directory import add_district, principal_of
from cases.principal import Principal
from cases.services import Services
from cases.simulation import Cast
from engine.catalog import Catalog
from engine.clock import FixedClock
from engine.database import UnitOfWork

TERRITORY, TERRITORY_NAME = "shpakovsky", "Шпаковский муниципальный округ"
#: the mobile team's response time the profile cannot be published without
RESPONSE_HOURS = 24
ORGS = [
    # key, kind, name, short name, address
    ("opeka", "guardianship", "Отдел опеки и попечительства администрации Шпаковского муниципального округа",
     "Опека Шпаковского округа", "г. Михайловск, ул. Ленина, 113"),
    ("agency", "agency", "Управление труда и социальной защиты населения администрации Шпаковского муниципального "
     "округа", "УТСЗН Шпаковского округа", "г. Михайловск, ул. Ленина, 113"),
    ("uso", "uso", "ГБУСО «Шпаковский комплексный центр социального обслуживания населения»", "Шпаковский КЦСОН",
     "г. Михайловск, ул. Гагарина, 42"),
    ("kdn", "kdn", "Комиссия по делам несовершеннолетних и защите их прав Шпаковского муниципального округа",
     "КДН и ЗП Шпаковского округа", "г. Михайловск, ул. Ленина, 113"),
    ("school", "education", "МБОУ «Средняя общеобразовательная школа № 2 г. Михайловска»", "Школа № 2", ""),
    ("police", "police", "ПДН ОМВД России «Шпаковский»", "ПДН", ""),
    ("health", "health", "ГБУЗ СК «Шпаковская районная больница»", "Шпаковская РБ", ""),
    ("employment", "employment", "Шпаковский отдел ГКУ «Центр занятости населения Ставропольского края»",
     "Центр занятости", ""),
]
#: login, organisation key, roles, full name, position
USERS = [
    ("stav_opeka", "opeka", ["guardianship"], "Белоусова Марина Александровна", "специалист отдела опеки"),
    ("stav_agent", "agency", ["agency"], "Ковалёв Роман Сергеевич", "специалист управления соцзащиты"),
    ("stav_director", "uso", ["uso_director"], "Ткаченко Людмила Викторовна", "директор КЦСОН"),
    ("stav_curator", "uso", ["curator"], "Мельникова Дарья Олеговна", "специалист по социальной работе"),
    ("stav_curator2", "uso", ["curator"], "Шевченко Артём Павлович", "специалист по социальной работе"),
    ("stav_secretary", "kdn", ["kdn_secretary"], "Руденко Галина Ивановна", "ответственный секретарь КДН и ЗП"),
    ("stav_boss", "opeka", ["supervisor"], "Литвинов Виктор Андреевич", "заместитель главы округа"),
    ("stav_admin", "opeka", ["admin"], "Захарова Елена Юрьевна", "администратор системы"),
]
STREETS = ["ул. Ленина", "ул. Гагарина", "ул. Почтовая", "ул. Октябрьская", "ул. Орджоникидзе", "ул. Никонова"]

#: the state each scripted family stops in, the fate that leads there, and how many working days ago it began
TARGETS: list[tuple[tuple[str, str], dict[str, object], int]] = [
    (("child_report", "received"), {"confirmed": True, "category": "tzs"}, 0),
    (("child_report", "inspection_ordered"), {"confirmed": True, "category": "tzs"}, 2),
    (("child_report", "safety_control"), {"confirmed": True, "category": "tzs"}, 9),
    (("family_support", "planning"), {"confirmed": True, "category": "tzs"}, 19),
    (("family_support", "support"), {"confirmed": True, "category": "tzs", "support_months": 12}, 45),
    (("family_support", "support"), {"confirmed": True, "category": "tzs", "support_months": 12, "late": True}, 80),
    (("family_support", "closed"), {"confirmed": True, "category": "tzs", "support_months": 2}, 110),
    (("kdn_prevention", "awaiting_meeting"), {"confirmed": True, "category": "sop"}, 24),
    (("kdn_prevention", "execution"), {"confirmed": True, "category": "sop"}, 60),
]
#: visits of the mobile team: working days ago, hours from the request to the visit, families reached, outcome
VISITS = [(150, 6, 3, "helped"), (120, 30, 1, "support_opened"), (90, 12, 2, "referred"), (60, 20, 4, "helped"),
          (35, 48, 1, "not_found"), (12, 8, 2, "support_opened"), (3, 10, 1, "helped")]
MEMBERS = ["КЦСОН: Мельникова Д. О.", "опека: Белоусова М. А.", "ПДН: инспектор Гончаров И. В.",
           "больница: фельдшер Лысенко Т. Н."]


def build_stavropol(tx: UnitOfWork, now: datetime, password: str, password_hash: str, catalog: Catalog
                    ) -> tuple[Cast, dict[str, int]]:
    """The Shpakovsky district: organisations, users and the Stavropol profile; its cast and its users."""
    orgs, users = add_district(tx, TERRITORY, TERRITORY_NAME, ORGS, USERS, now, password, password_hash)
    profiles.publish(tx, TERRITORY, "stavropol", published=catalog.names(), now=now,
                     settings={"mobile_team_response_hours": RESPONSE_HOURS},
                     basis="профиль Ставропольского края: критерии нуждаемости, мобильные бригады, мониторинг")

    def people(*logins: str) -> list[Principal]:
        found = [principal_of(tx, users[login]) for login in logins]
        return [p for p in found if p is not None]

    checklist = profiles.need_checklist(tx, TERRITORY) or {}
    cast = Cast(guardianship=people("stav_opeka"), agency=people("stav_agent"), directors=people("stav_director"),
                curators=people("stav_curator", "stav_curator2"), secretaries=people("stav_secretary"),
                orgs={k: o.id for k, o in orgs.items()},  # type: ignore[misc]
                town="г. Михайловск", streets=list(STREETS), need_criteria=list(checklist.get("items", {})))
    return cast, users


def stavropol_records(svc: Services, clock: FixedClock, users: dict[str, int], start: date, today: date,
                      rng: random.Random) -> int:
    """The monitoring's own records: this and last year's indicator targets and the mobile team's visits."""
    zone, calendar = svc.runtime.calendar.zone, svc.runtime.calendar
    with svc.db.unit_of_work() as tx:
        boss, curator = principal_of(tx, users["stav_boss"]), principal_of(tx, users["stav_curator"])
        assert boss is not None and curator is not None
        for year in (today.year - 1, today.year):
            for indicator in monitoring.INDICATORS:  # the district's share of the region's yearly targets
                monitoring.set_target(tx, svc, boss, indicator.code, year, max(1, indicator.default_target // 40),
                                      "распределение целевых показателей комплекса мер по муниципальным округам")
        visits = 0
        for ago, hours, families, outcome in VISITS:
            day = calendar.add_working_days(calendar.previous_working_day(today), -ago)
            if day < start:
                continue
            visited = datetime.combine(day, time(15, 0), tzinfo=zone)
            clock.set(visited)
            members = rng.sample(MEMBERS, k=rng.randint(2, 3))
            monitoring.record_mobile_visit(tx, svc, curator, monitoring.MobileVisitInput(
                day, members, outcome, families, notes="выезд по заявке", requested_at=visited - timedelta(
                    hours=hours)))
            visits += 1
        tx.commit()
    return visits
