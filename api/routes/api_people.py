"""REST: the people register (adults released from prison, homeless people), family members, export, the
data-entry report and the register's columns."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from api.routes.api_common import Caller, errors, write_errors
from api.schemas import MAX_ID
from api.schemas.people import (
    CapacityUpdate,
    ColumnsUpdate,
    EntryRow,
    FamilyMemberCreate,
    PersonCreate,
    PersonPublic,
    RegisterPagePublic,
    TripCreate,
)
from api.web import MEDIA, download, services
from cases import adult_quarterly, capacity, people, people_register
from cases.errors import InputInvalid
from cases.people_register import RegisterQuery

router = APIRouter(tags=["people"])
Sort = Literal["full_name", "release_date", "intended_address", "created_at", "birth_date"]


def _query(q: str, sort: str, desc: bool, category: str, limit: int = 50, offset: int = 0) -> RegisterQuery:
    return RegisterQuery(q=q, sort=sort, desc=desc, category=category, limit=limit, offset=offset)


@router.post("/people", status_code=201, response_model=PersonPublic, responses=write_errors())
def register_person(request: Request, body: PersonCreate, p: Caller) -> PersonPublic:
    """Поставить человека на учёт (освобождающийся, освободившийся, осуждённый без изоляции, БОМЖ).

    Территория определяется по адресу предполагаемого места жительства или пребывания после освобождения;
    для освобождающихся и освободившихся открывается дело «Сопровождение после освобождения» в этой территории.
    """
    done = services(request).execute(people.register_person, p, body.command())
    return PersonPublic(person_id=done.person_id, case_id=done.case_id, territory=done.territory, state=done.state)


@router.post("/people/{person_id}/family", status_code=201, response_model=dict[str, int],
             responses=write_errors(404))
def add_family_member(request: Request, person_id: Annotated[int, Path(ge=1, le=MAX_ID)],
                      body: FamilyMemberCreate, p: Caller) -> dict[str, int]:
    """Принять члена семьи на сопровождение вместе с человеком (куратор ведёт и его)."""
    member_id = services(request).execute(people.add_family_member, p, body.command(person_id))
    return {"person_id": member_id}


@router.get("/people", response_model=RegisterPagePublic, responses=errors(403))
def register(request: Request, p: Caller, q: Annotated[str, Query(max_length=200)] = "",
             sort: Sort = "full_name", desc: bool = False, category: str = "",
             limit: Annotated[int, Query(ge=1, le=500)] = 50, offset: Annotated[int, Query(ge=0)] = 0) -> Any:
    """Реестр людей: поиск по части ФИО (без учёта регистра и ё/е), сортировка по дате освобождения и адресу."""
    page = services(request).read(people_register.search, p, _query(q, sort, desc, category, limit, offset))
    return {"columns": [k for k, _t in page.columns], "total": page.total, "items": page.rows}


@router.get("/people/export", responses={**errors(403), 200: {"content": {MEDIA["csv"]: {}, MEDIA["xlsx"]: {}}}})
def export(request: Request, p: Caller, format: Literal["csv", "xlsx"] = "xlsx",
           q: Annotated[str, Query(max_length=200)] = "", sort: Sort = "full_name", desc: bool = False,
           category: str = "") -> Response:
    """Выгрузить отфильтрованный реестр (CSV или XLSX) в выбранных администратором столбцах; выгрузка
    записывается в журнал доступа."""
    name, data = services(request).execute(people_register.export, p, _query(q, sort, desc, category), format)
    return download(name, data, MEDIA[format])


@router.get("/people/entry-report", response_model=list[EntryRow], responses=errors(403))
def entry_report(request: Request, p: Caller, since: Annotated[str, Query(description="начало периода, ГГГГ-ММ-ДД")],
                 until: Annotated[str, Query(description="конец периода, ГГГГ-ММ-ДД")]) -> Any:
    """Отчёт о внесении данных по учреждениям: сколько внесено за период, когда в последний раз, насколько
    полно заполнены сведения (дата рождения, дата освобождения, адрес, учреждение)."""
    # dates as text parsed here: a `date` parameter would be resolved when FastAPI first matches the route
    period = {}
    for name, value in (("since", since), ("until", until)):
        try:
            period[name] = date.fromisoformat(value)
        except ValueError:
            raise InputInvalid({name: "укажите дату в виде ГГГГ-ММ-ДД"}) from None
    return services(request).execute(people_register.entry_report, p, period["since"], period["until"])


@router.put("/people/columns", response_model=list[str], responses=write_errors())
def choose_columns(request: Request, body: ColumnsUpdate, p: Caller) -> list[str]:
    """Столбцы реестра (для всех пользователей, в указанном порядке). Выбирает администратор."""
    return services(request).execute(people_register.choose_columns, p, list(body.columns))


@router.put("/capacity/{org_id}", response_model=dict[str, int], responses=write_errors(404))
def set_capacity(request: Request, org_id: Annotated[int, Path(ge=1, le=MAX_ID)], body: CapacityUpdate,
                 p: Caller) -> dict[str, int]:
    """Число мест (койко-мест) учреждения или поставщика; в первый раз открывается его еженедельная обязанность
    подавать сведения о свободных местах."""
    beds = services(request).execute(capacity.set_capacity, p, org_id, body.capacity)
    return {"org_id": beds.org_id, "capacity": beds.capacity, "occupied": beds.occupied, "free": beds.free}


@router.post("/patrol-trips", status_code=201, response_model=dict[str, int], responses=write_errors())
def record_trip(request: Request, body: TripCreate, p: Caller) -> dict[str, int]:
    """Выезд службы «Социальный патруль» (учитывается в квартальных таблицах)."""
    return {"trip_id": services(request).execute(capacity.record_trip, p, body.trip_on, body.places)}


@router.get("/statistics/adults/quarterly", response_model=dict[str, Any], responses=errors(403))
def adults_quarterly(request: Request, p: Caller, year: Annotated[int, Query(ge=2000, le=2100)],
                     quarter: Annotated[int, Query(ge=1, le=4)]) -> Any:
    """Квартальные таблицы ресурсного центра с АППГ: выезды патруля, выявленные и где определены, обслуженные
    (государственные и негосударственные, из них освободившиеся), виды помощи (человек, из них освободившиеся)."""
    return services(request).execute(adult_quarterly.quarterly, p, year, quarter)


@router.get("/statistics/adults/quarterly.xlsx", responses={**errors(403), 200: {"content": {MEDIA["xlsx"]: {}}}})
def adults_quarterly_xlsx(request: Request, p: Caller, year: Annotated[int, Query(ge=2000, le=2100)],
                          quarter: Annotated[int, Query(ge=1, le=4)]) -> Response:
    """Те же таблицы в Excel (текущий квартал и тот же квартал прошлого года)."""
    tables = services(request).execute(adult_quarterly.quarterly, p, year, quarter)
    return download(f"kvartal_vzroslye_{year}_{quarter}.xlsx", adult_quarterly.quarterly_xlsx(tables),
                    MEDIA["xlsx"])
