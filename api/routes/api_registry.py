"""REST: the registry — find people of the visible families by name, date of birth or address; export."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.routes.api_common import Caller, errors, file_content, file_response
from api.schemas import Day, Line, PersonHitPublic
from api.web import services
from cases import api_views, search

router = APIRouter(tags=["registry"])
Name = Annotated[Line, Query(max_length=200, description="часть ФИО (без учёта регистра и ё/е)")]
Address = Annotated[Line, Query(max_length=300, description="часть адреса")]
BirthDate = Annotated[Day | None, Query(description="дата рождения ГГГГ-ММ-ДД")]


@router.get("/registry/search", response_model=list[PersonHitPublic], responses=errors())
def search_people(request: Request, p: Caller, name: Name = "", birth_date: BirthDate = None, address: Address = "",
                  limit: Annotated[int, Query(ge=1, le=500)] = 200) -> list[PersonHitPublic]:
    """Поиск людей в семьях видимых дел по части ФИО, дате рождения или адресу (хотя бы одно условие);
    у каждого — его дела. Поиск записывается в журнал доступа."""
    hits = services(request).execute(search.search_people, p, name=name, birth_date=birth_date, address=address,
                                     limit=limit)
    return [PersonHitPublic.model_validate(h, from_attributes=True) for h in hits]


@router.get("/registry/export", response_class=Response,
            responses={**errors(), 200: {"description": "выгрузка", **file_content(api_views.XLSX, api_views.CSV)}})
def export(request: Request, p: Caller, format: Annotated[Literal["xlsx", "csv"], Query()] = "xlsx",
           name: Name = "", birth_date: BirthDate = None, address: Address = "") -> Response:
    """Выгрузить результаты поиска в реестре в XLSX или CSV (для Excel: UTF-8 с BOM, разделитель «;»);
    выгрузка записывается в журнал доступа."""
    filename, data = services(request).execute(search.export_people, p, format, name=name, birth_date=birth_date,
                                               address=address)
    return file_response(filename, data, api_views.XLSX if format == "xlsx" else api_views.CSV)
