"""A small municipality for the domain tests: two territories, their organisations, a user per role."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from cases.directory import add_organisation, add_territory, add_user, principal_of
from cases.passwords import hash_password
from cases.principal import Principal
from cases.services import Services
from cases.tables import Organisation

PASSWORD = "пароль-для-тестов"
_HASH = hash_password(PASSWORD)  # argon2 is slow on purpose: hash once for every test user
START = datetime(2025, 3, 3, 4, 0, tzinfo=UTC)  # Monday 09:00 in Yekaterinburg


@dataclass
class World:
    orgs: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    principals: dict[str, Principal] = field(default_factory=dict)

    def __getitem__(self, login: str) -> Principal:
        return self.principals[login]


USERS = [
    # login, org key, roles, full name, position
    ("opeka", "opeka", ["guardianship"], "Соколова Ирина Викторовна", "главный специалист отдела опеки"),
    ("agent", "agency", ["agency"], "Лебедев Андрей Сергеевич", "специалист по социальной работе Агентства"),
    ("director", "uso", ["uso_director"], "Морозова Елена Павловна", "директор КЦСО"),
    ("curator", "uso", ["curator"], "Кузнецова Ольга Николаевна", "специалист по социальной работе"),
    ("curator2", "uso", ["curator"], "Попов Дмитрий Игоревич", "специалист по социальной работе"),
    ("secretary", "kdn", ["kdn_secretary"], "Васильева Наталья Андреевна", "ответственный секретарь КДН и ЗП"),
    ("boss", "opeka", ["supervisor"], "Новиков Сергей Петрович", "начальник управления социальной защиты"),
    ("admin", "opeka", ["admin"], "Фёдоров Павел Ильич", "администратор"),
    ("other_opeka", "other_opeka", ["guardianship"], "Орлова Анна Юрьевна", "специалист отдела опеки"),
    ("other_boss", "other_opeka", ["supervisor"], "Зайцев Игорь Олегович", "начальник управления"),
    ("other_curator", "other_uso", ["curator"], "Белова Мария Ивановна", "специалист по социальной работе"),
]


def build_world(svc: Services) -> World:
    world = World()
    with svc.db.unit_of_work() as tx:
        add_territory(tx, "surgut", "Сургутский район")
        add_territory(tx, "nefteyugansk", "Нефтеюганский район")
        orgs: dict[str, Organisation] = {
            "opeka": add_organisation(tx, "surgut", "guardianship", "Управление социальной защиты населения, опеки и "
                                      "попечительства по Сургутскому району", "УСЗН Сургутского района",
                                      "г. Сургут, ул. Ленина, 1"),
            "agency": add_organisation(tx, "surgut", "agency", "Агентство социального благополучия населения Югры, "
                                       "отдел по Сургутскому району", "Агентство, Сургутский отдел"),
            "uso": add_organisation(tx, "surgut", "uso", "БУ «Сургутский районный комплексный центр социального "
                                    "обслуживания населения»", "КЦСО Сургутского района"),
            "kdn": add_organisation(tx, "surgut", "kdn", "Территориальная комиссия по делам несовершеннолетних и "
                                    "защите их прав Сургутского района", "КДН и ЗП Сургутского района"),
            "school": add_organisation(tx, "surgut", "education", "МБОУ «Средняя школа № 5»", "Школа № 5"),
            "police": add_organisation(tx, "surgut", "police", "ОПДН ОМВД России по Сургутскому району", "ОПДН"),
            "other_opeka": add_organisation(tx, "nefteyugansk", "guardianship", "Управление опеки Нефтеюганского "
                                            "района", "Опека Нефтеюганского района"),
            "other_uso": add_organisation(tx, "nefteyugansk", "uso", "КЦСО Нефтеюганского района", "КЦСО Нефтеюганск"),
        }
        world.orgs = {k: o.id for k, o in orgs.items()}  # type: ignore[misc]
        for login, org, roles, name, position in USERS:
            user = add_user(tx, login=login, password=PASSWORD, full_name=name, org=orgs[org], roles=roles, now=START,
                            position=position, password_hash=_HASH)
            world.users[login] = user.id  # type: ignore[assignment]
        for login, user_id in world.users.items():
            principal = principal_of(tx, user_id)
            assert principal is not None
            world.principals[login] = principal
        tx.commit()
    return world
