"""The demo's second municipality: Боровичский муниципальный район of the Novgorod region.

It runs the Novgorod profile (individual preventive work starts at the district commission's resolution,
``kdn_ipr_district``), has two areas with their curators and social passports, and its own cases in every state
of the district workflow.
"""

from __future__ import annotations

from datetime import datetime

from cases import areas, handlers, ministry_report, profiles
from cases.commands import FireEvent
from cases.directory import add_district, principal_of
from cases.families import add_party
from cases.principal import Principal
from cases.services import Services
from cases.simulation import Cast
from engine.catalog import Catalog
from engine.commands import StartCase
from engine.database import UnitOfWork

TERRITORY, TERRITORY_NAME = "borovichi", "Боровичский муниципальный район"
ORGS = [
    # key, kind, name, short name, address
    ("opeka", "guardianship", "Отдел опеки и попечительства Администрации Боровичского муниципального района",
     "Опека Боровичского района", "г. Боровичи, ул. Коммунарная, 48"),
    ("agency", "agency", "Отдел социальной защиты Боровичского района ГОКУ «Центр по организации социального "
     "обслуживания и предоставления социальных выплат»", "Соцзащита Боровичского района",
     "г. Боровичи, ул. Коммунарная, 48"),
    ("uso", "uso", "ОАУСО «Боровичский комплексный центр социального обслуживания»", "Боровичский КЦСО",
     "г. Боровичи, ул. Сушанская, 23"),
    ("kdn", "kdn", "Комиссия по делам несовершеннолетних и защите их прав Боровичского муниципального района",
     "РКДН и ЗП Боровичского района", "г. Боровичи, ул. Коммунарная, 48"),
    ("src", "uso", "ОАУСО «Боровичский социально-реабилитационный центр для несовершеннолетних»",
     "Боровичский СРЦН", "г. Боровичи, ул. Гоголя, 110"),
    ("school", "education", "МАОУ «Средняя школа № 1 им. А. С. Пушкина»", "Школа № 1", ""),
    ("police", "police", "ПДН МО МВД России «Боровичский»", "ПДН", ""),
    ("health", "health", "ГОБУЗ «Боровичская центральная районная больница»", "ЦРБ", ""),
    ("employment", "employment", "Отдел занятости населения Боровичского района", "Отдел занятости", ""),
]
#: login, organisation key, roles, full name, position
USERS = [
    ("bor_opeka", "opeka", ["guardianship"], "Андреева Ольга Петровна", "специалист отдела опеки"),
    ("bor_agent", "agency", ["agency"], "Семёнов Илья Викторович", "специалист отдела социальной защиты"),
    ("bor_director", "uso", ["uso_director"], "Крылова Марина Сергеевна", "директор КЦСО"),
    ("bor_curator1", "uso", ["curator"], "Егорова Анна Николаевна", "куратор участка № 1"),
    ("bor_curator2", "uso", ["curator"], "Титов Павел Андреевич", "куратор участка № 2"),
    ("bor_secretary", "kdn", ["kdn_secretary"], "Михайлова Елена Игоревна", "ответственный секретарь РКДН и ЗП"),
    ("bor_boss", "opeka", ["supervisor"], "Гусев Олег Ильич", "заместитель Главы администрации района"),
    ("bor_admin", "opeka", ["admin"], "Зуева Ирина Павловна", "администратор системы"),
]
#: name, streets and settlements, curator, social passport
AREAS = [
    ("Участок № 1 (центр города)", ["ул. Ленинградская", "ул. Коммунарная", "ул. Сушанская"], "bor_curator1",
     "Центр г. Боровичи: многоквартирные дома, 3 школы, поликлиника, отдел полиции."),
    ("Участок № 2 (Районы и сёла)", ["ул. Гоголя", "ул. Подбельского", "д. Угольщики", "п. Волок"], "bor_curator2",
     "Частный сектор и сельские поселения: удалённость, малочисленные школы, фельдшерско-акушерские пункты."),
]
#: a street no area names: its families get a curator appointed by the director
STREETS = [*AREAS[0][1], *AREAS[1][1][:2], "ул. Энгельса"]

#: the state each scripted family stops in and how many working days ago its report arrived
TARGETS: list[tuple[tuple[str, str], dict[str, object], int]] = [
    (("kdn_ipr_district", "referred"), {"confirmed": True, "category": "sop"}, 20),
    (("kdn_ipr_district", "plan_drafting"), {"confirmed": True, "category": "sop"}, 26),
    (("kdn_ipr_district", "plan_submitted"), {"confirmed": True, "category": "sop"}, 34),
    (("kdn_ipr_district", "support_active"), {"confirmed": True, "category": "sop"}, 60),
    (("kdn_ipr_district", "support_active"), {"confirmed": True, "category": "sop", "late": True}, 100),
    (("kdn_ipr_district", "plan_amendment"), {"confirmed": True, "category": "sop", "decisions": ["amend"]}, 130),
    (("kdn_ipr_district", "court_referral"), {"confirmed": True, "category": "sop", "decisions": ["court"]}, 130),
    (("kdn_ipr_district", "suspended"), {"confirmed": True, "category": "sop", "decisions": ["suspend"]}, 130),
    (("kdn_ipr_district", "post_support"), {"confirmed": True, "category": "sop",
                                            "decisions": ["terminate_removed"]}, 130),
    (("kdn_ipr_district", "declined"), {"confirmed": True, "category": "sop", "decline": True}, 30),
    (("kdn_ipr_district", "closed"), {"confirmed": True, "category": "sop", "decisions": ["terminate"]}, 130),
]


def build_novgorod(tx: UnitOfWork, now: datetime, password: str, password_hash: str, catalog: Catalog
                   ) -> tuple[Cast, dict[str, int]]:
    """The Borovichi district: organisations, users, areas and the Novgorod profile; its cast and its users."""
    orgs, users = add_district(tx, TERRITORY, TERRITORY_NAME, ORGS, USERS, now, password, password_hash)
    for name, places, curator, passport in AREAS:
        areas.add_area(tx, TERRITORY, name, places, users[curator], now, passport=passport)
    profiles.publish(tx, TERRITORY, "novgorod", published=catalog.names(), now=now,
                     basis="профиль Новгородской области: ИПР по постановлению районной КДН и ЗП")

    def people(*logins: str) -> list[Principal]:
        found = [principal_of(tx, users[login]) for login in logins]
        return [p for p in found if p is not None]

    cast = Cast(guardianship=people("bor_opeka"), agency=people("bor_agent"), directors=people("bor_director"),
                curators=people("bor_curator1", "bor_curator2"), secretaries=people("bor_secretary"),
                orgs={k: o.id for k, o in orgs.items()},  # type: ignore[misc]
                town="г. Боровичи", streets=list(STREETS))
    return cast, users


def stopped_ministry_report(svc: Services, cast: Cast, users: dict[str, int], now: datetime) -> int:
    """The rehabilitation centre reported to the ministry until the district's cases went to the КЦСО: its
    obligation was opened and then stopped by the supervisor (the demo shows both states)."""
    org_id = cast.orgs["src"]
    with svc.db.unit_of_work() as tx:
        boss = principal_of(tx, users["bor_boss"])
        assert boss is not None
        started = svc.runtime.start(tx, StartCase(
            ministry_report.WORKFLOW, boss.actor("supervisor"), data={"org_id": org_id, "ministry_report_on":
                                                                      now.date().isoformat()},
            territory=TERRITORY, org_id=org_id, subject_kind=ministry_report.ORG_SUBJECT, subject_id=org_id))
        add_party(tx, started.case_id, org_id, now)
        handlers.fire_event(tx, svc, boss, FireEvent(started.case_id, "stop", {
            "reason": "Дела по постановлениям РКДН переданы Боровичскому КЦСО"}))
        tx.commit()
    return started.case_id
