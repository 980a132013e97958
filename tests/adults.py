"""The adults' practices in the test world: a resource centre, a provider, a social patrol, their staff."""

from __future__ import annotations

from datetime import date
from typing import Any

from cases import handlers, people
from cases.directory import add_organisation, add_user, principal_of
from cases.people import PersonInput, RegisterPerson
from cases.people_inputs import checked_person
from cases.tables import Organisation
from tests.process_steps import Process
from tests.world import _HASH, PASSWORD, START

ADULT_USERS = [
    ("rc", "rc", ["rc_specialist"], "Григорьева Татьяна Львовна", "специалист ресурсного центра"),
    ("rc_head", "rc", ["rc_head"], "Ершов Олег Викторович", "руководитель ресурсного центра"),
    ("patrol", "rc", ["patrol_specialist"], "Тимофеев Артём Русланович", "специалист службы «Социальный патруль»"),
    ("provider", "provider", ["provider_staff"], "Захарова Вера Петровна", "специалист АНО «Дом надежды»"),
    ("other_rc", "other_rc", ["rc_specialist"], "Макарова Инна Сергеевна", "специалист отделения адаптации"),
    ("other_director", "other_uso", ["uso_director"], "Сорокин Павел Андреевич", "директор КЦСО"),
]


def add_adult_world(proc: Process) -> None:
    """Organisations and users of the adults' practices, added to ``proc.world`` (logins as in ``ADULT_USERS``)."""
    world, svc = proc.world, proc.svc
    with svc.db.unit_of_work() as tx:
        orgs: dict[str, Organisation] = {
            "rc": add_organisation(tx, "surgut", "rc", "БУ «Сургутский районный центр социальной адаптации»",
                                   "Центр социальной адаптации"),
            "provider": add_organisation(tx, "surgut", "provider", "АНО «Дом надежды»", "АНО «Дом надежды»"),
            "other_rc": add_organisation(tx, "nefteyugansk", "rc", "Отделение социальной адаптации Нефтеюганского "
                                         "района", "Отделение адаптации"),
        }
        for key, org in orgs.items():
            world.orgs[key] = int(org.id)  # type: ignore[arg-type]
        other_uso = tx.session.get(Organisation, world.orgs["other_uso"])
        assert other_uso is not None
        orgs["other_uso"] = other_uso
        for login, org_key, roles, name, position in ADULT_USERS:
            user = add_user(tx, login=login, password=PASSWORD, full_name=name, org=orgs[org_key], roles=roles,
                            now=START, position=position, password_hash=_HASH)
            world.users[login] = int(user.id)  # type: ignore[arg-type]
        for login, _o, _r, _n, _p in ADULT_USERS:
            principal = principal_of(tx, world.users[login])
            assert principal is not None
            world.principals[login] = principal
        tx.commit()


def register(proc: Process, login: str = "rc", *, last_name: str = "Ёлкин", first_name: str = "Пётр",
             middle_name: str = "Иванович", category: str = "to_release", release_date: date | None = None,
             address: str = "г. Сургут, ул. Мира, д. 3", **kwargs: Any) -> people.PersonRegistered:
    person = PersonInput(last_name, first_name, middle_name, date(1985, 5, 17), category, release_date, address,
                         kwargs.pop("penal_institution", "ФКУ ИК-11 УФСИН России по ХМАО-Югре"))
    return proc.svc.execute(people.register_person, proc.world[login], checked_person(RegisterPerson(person, **kwargs)))


def fire(proc: Process, login: str, case_id: int, event: str, payload: dict[str, Any] | None = None) -> str:
    return proc.fire(login, case_id, event, payload)


__all__ = ["add_adult_world", "fire", "handlers", "register"]
