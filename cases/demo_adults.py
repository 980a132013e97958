"""The demo's adults' practices: a resource centre and a non-state provider in the Сургутский район, their staff,
and people before and after release from prison at every stage of their accompaniment."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from cases import handlers, people
from cases.commands import FireEvent
from cases.directory import add_organisation, add_user, principal_of
from cases.passwords import hash_password
from cases.people import AddFamilyMember, PersonInput, RegisterPerson
from cases.people_inputs import checked_family_member, checked_person
from cases.principal import Principal
from cases.services import Services
from engine.clock import FixedClock

#: login, organisation key, roles, full name, position
ADULT_USERS = [
    ("rc", "rc", ["rc_specialist"], "Гордеева Татьяна Львовна", "специалист по социальной работе ресурсного центра"),
    ("rc_head", "rc", ["rc_head"], "Ершов Олег Викторович", "заведующий отделением, руководитель ресурсного центра"),
    ("patrol", "rc", ["patrol_specialist"], "Тимофеев Артём Русланович", "специалист службы «Социальный патруль»"),
    ("provider", "provider", ["provider_staff"], "Захарова Вера Петровна", "социальный работник АНО «Дом надежды»"),
    ("rcrso", "rcrso", ["rc_head"], "Ильина Вера Павловна", "методист регионального ресурсного центра (принимает "
     "отчётность ресурсных центров)"),
]
ORGS = [
    ("rc", "rc", "БУ «Сургутский районный центр социальной адаптации»", "Центр социальной адаптации",
     "г. Сургут, ул. Островского, 16"),
    ("provider", "provider", "АНО «Дом надежды»", "АНО «Дом надежды»", "г. Сургут, ул. Лермонтова, 4"),
    ("penal", "penal", "ФКУ ИК-11 УФСИН России по ХМАО-Югре", "ФКУ ИК-11", "г. Сургут"),
    # the reporting chain above the resource centre (its reports go there: the obligations' page)
    ("rcrso", "rcrso", "БУ «Ресурсный центр развития социального обслуживания»", "РЦРСО", "г. Сургут"),
    ("ministry", "ministry", "Департамент социального развития Ханты-Мансийского автономного округа – Югры",
     "Депсоцразвития Югры", "г. Ханты-Мансийск"),
]
#: surname, first name, patronymic, category, release in days from today (negative: past), address, how far
PEOPLE = [
    ("Ёлкин", "Пётр", "Иванович", "to_release", 75, "г. Сургут, ул. Мира, д. 3, кв. 5", "pre_release"),
    ("Кравцов", "Андрей", "Михайлович", "to_release", 40, "г. Сургут, ул. Ленина, д. 44", "route_planned"),
    ("Елисеев", "Николай", "Петрович", "to_release", 20, "г. Сургут, пр. Мира, д. 19", "pre_release"),
    ("Бондаренко", "Сергей", "Олегович", "to_release", 110, "г. Лянтор, мкр. 6, д. 12", "pre_release"),
    ("Мухаметов", "Ринат", "Ильдарович", "released", -3, "г. Сургут, ул. Энтузиастов, д. 7", "acceptance"),
    ("Кириллов", "Виктор", "Андреевич", "released", -12, "г. Сургут, ул. Югорская, д. 30", "contract"),
    ("Зуев", "Евгений", "Степанович", "released", -45, "г. Сургут, ул. Бажова, д. 2", "accompaniment"),
    ("Ёжиков", "Павел", "Юрьевич", "released", -80, "г. Сургут, ул. Губкина, д. 11", "accompaniment"),
    ("Тарасов", "Игорь", "Васильевич", "released", -95, "г. Сургут, ул. Мелик-Карамова, д. 4", "closed"),
    ("Шевчук", "Денис", "Александрович", "released", -20, "г. Нефтеюганск, 11 мкр., д. 5", "registered"),
    ("Голубев", "Алексей", "Игоревич", "probation", -1, "г. Сургут, ул. Республики, д. 70", "registered"),
    ("Романов", "Илья", "Сергеевич", "released", -8, "г. Сургут, ул. 30 лет Победы, д. 21", "program"),
    ("Лаптев", "Григорий", "Семёнович", "released", -5, "г. Сургут, ул. Ленина, д. 12", "transferred"),
]


def _fire(svc: Services, p: Principal, case_id: int, event: str, payload: dict[str, object] | None = None) -> None:
    svc.execute(handlers.fire_event, p, FireEvent(case_id, event, payload or {}))


def run_adult_demo(svc: Services, clock: FixedClock, today: date, password: str, users: dict[str, int],
                   orgs: dict[str, int]) -> int:
    """Add the adults' practices to the demo municipality; returns how many people were put on the register."""
    zone = svc.runtime.calendar.zone
    with svc.db.unit_of_work() as tx:
        made = {key: add_organisation(tx, "surgut", kind, name, short, address)
                for key, kind, name, short, address in ORGS}
        shared = hash_password(password)
        for login, org, roles, full_name, position in ADULT_USERS:
            user = add_user(tx, login=login, password=password, full_name=full_name, org=made[org], roles=roles,
                            now=clock.now(), position=position, email=f"{login}@opora.local", password_hash=shared)
            users[login] = int(user.id)  # type: ignore[arg-type]
        cast = {login: principal_of(tx, users[login]) for login in ("rc", "rc_head", "director", "curator")}
        tx.commit()
    p = {k: v for k, v in cast.items() if v is not None}
    for last, first, middle, category, release_in, address, target in PEOPLE:
        release = today + timedelta(days=release_in)
        entered = min(today, release) - timedelta(days=30 if release_in > 0 else 0)
        entered = max(entered, today - timedelta(days=100))
        clock.set(datetime.combine(entered, time(10, 0), tzinfo=zone))
        person = PersonInput(last, first, middle, date(1980 + len(last), 1 + len(first) % 12, 10), category,
                             release, address, "ФКУ ИК-11 УФСИН России по ХМАО-Югре" if category != "probation" else "")
        done = svc.execute(people.register_person, p["rc"], checked_person(RegisterPerson(person)))
        case = done.case_id
        if case is None or target in ("registered", "pre_release"):
            continue
        if target == "transferred":
            _fire(svc, p["rc"], case, "transfer", {"territory": "nefteyugansk", "new_address": "г. Нефтеюганск, "
                                                   "16 мкр., д. 2", "reason": "Переезд к матери"})
            continue
        if target == "route_planned":
            _fire(svc, p["rc"], case, "approve_route_map", {"route": "Жильё у родственников, восстановление паспорта, "
                                                                     "центр занятости, продуктовый набор"})
            continue
        released_on = min(release, today).isoformat()
        clock.set(datetime.combine(min(release, today), time(11, 0), tzinfo=zone))
        _fire(svc, p["rc"], case, "record_release", {"released_on": released_on, "applied_on": released_on,
                                                     "uso": orgs["uso"]})
        if target == "acceptance":
            continue
        _fire(svc, p["director"], case, "recognise_need", {"decision_number": f"{case}-р",
                                                           "help_scope": "Продуктовый набор, документы, работа"})
        if target == "program":
            continue
        _fire(svc, p["director"], case, "approve_ippsu", {"ippsu_number": f"ИП-{case}"})
        if target == "contract":
            continue
        _fire(svc, p["director"], case, "sign_contract", {"contract_number": f"Д-{case}", "curator": users["curator"],
                                                          "support_started_on": released_on})
        for kind in ("urgent", "documents", "employment"):
            _fire(svc, p["curator"], case, "record_help", {"help_kind": kind, "given_on": released_on})
        _fire(svc, p["curator"], case, "record_family_visit", {"kind": "home", "visited_on": released_on,
                                                               "notes": "Семья готова поддерживать"})
        svc.execute(people.add_family_member, p["curator"], checked_family_member(AddFamilyMember(
            done.person_id, PersonInput(last + "а", "Мария", "Сергеевна", date(1984, 3, 1)), "spouse")))
        if target == "closed":
            _fire(svc, p["curator"], case, "close_case", {"reason": "settled",
                                                          "comment": "Трудоустроен, зарегистрирован, паспорт получен"})
    return len(PEOPLE) + _homeless_demo(svc, clock, today, users, {k: int(o.id) for k, o in made.items()}  # type: ignore[arg-type]
                                        | orgs)


#: surname, first name, the outcome of the identification (days ago)
HOMELESS = [("Бродягин", "Степан", "identified", 0), ("Никитин", "Юрий", "placed", 12),
            ("Гаврилов", "Фёдор", "placed", 5), ("Соловьёв", "Роман", "discharged", 40),
            ("Леонов", "Борис", "referred_health", 20), ("Архипов", "Глеб", "sent_home", 25),
            ("Фомин", "Лев", "urgent_only", 3)]


def _homeless_demo(svc: Services, clock: FixedClock, today: date, users: dict[str, int],
                   orgs: dict[str, int]) -> int:
    from cases import capacity
    from cases.directory import principal_of as _principal

    zone = svc.runtime.calendar.zone
    clock.set(datetime.combine(today - timedelta(days=60), time(9, 0), tzinfo=zone))
    with svc.db.read() as tx:
        cast = {login: _principal(tx, users[login]) for login in ("rc_head", "patrol", "provider", "director")}
    p = {k: v for k, v in cast.items() if v is not None}
    svc.execute(capacity.set_capacity, p["rc_head"], orgs["provider"], 12)
    svc.execute(capacity.set_capacity, p["director"], orgs["uso"], 8)
    svc.execute(capacity.set_capacity, p["rc_head"], orgs["rc"], 6)
    stopped = [r for r in svc.read(lambda tx, _s: tx.connection.exec_driver_sql(
        "SELECT id FROM wf_instance WHERE workflow = 'free_places' ORDER BY id").all())]
    for day in range(0, 60, 7):  # a provider that reports every week, and the others that forget
        clock.set(datetime.combine(today - timedelta(days=60 - day), time(9, 30), tzinfo=zone))
        _fire(svc, p["provider"], int(stopped[0][0]), "report_free_places")
    _fire(svc, p["rc_head"], int(stopped[2][0]), "stop", {"reason": "Ремонт отделения"})
    for i in range(0, 90, 3):
        clock.set(datetime.combine(today - timedelta(days=90 - i), time(22, 0), tzinfo=zone))
        svc.execute(capacity.record_trip, p["patrol"], clock.now().date(), "остановки, подъезды, подвалы")
    for last, first, outcome, ago in HOMELESS:
        clock.set(datetime.combine(today - timedelta(days=ago), time(8, 0), tzinfo=zone))
        done = svc.execute(people.register_person, p["patrol"], checked_person(RegisterPerson(
            PersonInput(last, first, "", None, "homeless"), None, "patrol", "adaptation")))
        case = int(done.case_id or 0)
        if outcome in ("placed", "discharged"):
            _fire(svc, p["patrol"], case, "place", {"institution": orgs["provider"]})
            _fire(svc, p["provider"], case, "record_help", {"help_kind": "urgent"})
        if outcome == "discharged":
            _fire(svc, p["provider"], case, "discharge", {"reason": "settled"})
        elif outcome == "referred_health":
            _fire(svc, p["patrol"], case, "refer_health", {"where": "БУ «Сургутская городская клиническая больница»"})
        elif outcome == "sent_home":
            _fire(svc, p["patrol"], case, "send_home", {"destination": "г. Тюмень"})
        elif outcome == "urgent_only":
            _fire(svc, p["patrol"], case, "urgent_help", {"help": "Продуктовый набор, тёплая одежда"})
    return len(HOMELESS)
