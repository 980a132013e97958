"""REST: the registry — find people of the visible families by name, date of birth or address; export;
the subject-access export of one person (152-FZ ст. 14).

Criteria that name people travel in the request body (``POST``), never in the URL (proxy and server logs).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from pydantic import Field, StrictInt

from api.routes.api_common import Caller, file_content, file_response, write_errors
from api.schemas import MAX_ID, PersonHitPublic
from api.schemas.inputs import RegistryQuery
from api.web import services
from cases import api_views, search, subject_access

router = APIRouter(tags=["registry"])


class RegistrySearch(RegistryQuery):
    limit: Annotated[StrictInt, Field(ge=1, le=500)] = 200


class RegistryExport(RegistryQuery):
    format: Literal["xlsx", "csv"] = "xlsx"


@router.post("/registry/search", response_model=list[PersonHitPublic], responses=write_errors())
def search_people(request: Request, p: Caller, body: RegistrySearch) -> list[PersonHitPublic]:
    """Поиск людей в семьях видимых дел по части ФИО, дате рождения или адресу (хотя бы одно условие; условия —
    в теле запроса, не в адресе); у каждого — его дела. Поиск записывается в журнал доступа."""
    hits = services(request).execute(search.search_people, p, name=body.name, birth_date=body.birth_date,
                                     address=body.address, limit=body.limit)
    return [PersonHitPublic.model_validate(h, from_attributes=True) for h in hits]


@router.post("/registry/export", response_class=Response,
             responses={**write_errors(), 200: {"description": "выгрузка",
                                                **file_content(api_views.XLSX, api_views.CSV)}})
def export(request: Request, p: Caller, body: RegistryExport) -> Response:
    """Выгрузить результаты поиска в реестре в XLSX или CSV (для Excel: UTF-8 с BOM, разделитель «;»);
    выгрузка записывается в журнал доступа."""
    filename, data = services(request).execute(search.export_people, p, body.format, name=body.name,
                                               birth_date=body.birth_date, address=body.address)
    return file_response(filename, data, api_views.XLSX if body.format == "xlsx" else api_views.CSV)


@router.post("/people/{person_id}/subject-access", response_class=Response,
             responses={**write_errors(404), 200: {"description": "ZIP: subject.json, summary.pdf, acts/*.pdf",
                                                   **file_content("application/zip")}})
def subject_export(request: Request, p: Caller,
                   person_id: Annotated[int, Path(ge=1, le=MAX_ID, description="номер человека")]) -> Response:
    """Все сведения о человеке по его запросу (152-ФЗ ст. 14): ZIP с JSON, сводкой в PDF и PDF актов его дел.
    Готовит руководитель территории; выгрузка записывается в журнал доступа."""
    export = subject_access.export_person(services(request), p, person_id)
    return file_response(export.filename, export.data, "application/zip")
