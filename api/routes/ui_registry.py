"""The registry: find a person by any part of the full name (case- and ё/е-insensitive), date of birth or
address among the families of the cases the user may see; export the results to XLSX or CSV; a
supervisor downloads everything held about a person (152-FZ ст. 14).

The criteria are posted (``POST /registry``) and kept as a saved search; the page, its exports and the
back button use only the saved search's opaque id (``/registry?q=…``): names never appear in a URL.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from api import saved_search
from api.forms import from_form
from api.routes.ui_cases import Form, User
from api.schemas import MAX_ID
from api.schemas.inputs import RegistryQuery
from api.web import MEDIA, UiUser, check_csrf, download, page, redirect, services
from cases import access, search, subject_access
from cases.errors import InputInvalid

router = APIRouter(include_in_schema=False)
FIELDS = ("name", "birth_date", "address")
KIND = "registry"


def _criteria(typed: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """(the search's arguments, errors) from the criteria as typed."""
    try:
        query = from_form(RegistryQuery, typed)  # the API's model: the same messages as its 422
    except InputInvalid as exc:
        return {}, exc.errors
    return {"name": query.name, "birth_date": query.birth_date, "address": query.address}, {}


def _search(request: Request, user: UiUser, args: dict[str, Any]) -> list[search.PersonHit]:
    return services(request).execute(search.search_people, user.principal, **args)


def _saved(request: Request, user: UiUser) -> dict[str, str]:
    found = saved_search.load(services(request), user.principal.user_id, KIND, request.query_params.get("q", ""))
    return {k: str(found.get(k, "")) for k in FIELDS} if found else {}


def _page(request: Request, user: UiUser, typed: dict[str, str], status: int = 200,
          errors: dict[str, str] | None = None, hits: list[search.PersonHit] | None = None) -> Response:
    return page(request, "registry.html", user, status=status, q={k: typed.get(k, "") for k in FIELDS},
                errors=errors or {}, hits=hits, search_id=request.query_params.get("q", ""),
                can_export_subject=access.can_export_subject(user.principal))


@router.get("/registry")
def registry(request: Request, user: User) -> Response:
    """Реестр: поиск человека по части ФИО, дате рождения или адресу; выгрузка в XLSX и CSV."""
    typed = _saved(request, user)
    if not typed:
        return _page(request, user, {})
    args, _ = _criteria(typed)
    try:
        return _page(request, user, typed, hits=_search(request, user, args))
    except InputInvalid as exc:
        return _page(request, user, typed, status=422, errors=exc.errors)


@router.post("/registry")
def registry_search(request: Request, user: User, form: Form) -> Response:
    """Искать: условия сохраняются под непрозрачным номером, страница результатов открывается по нему."""
    check_csrf(user, form.get("csrf"))
    typed = {k: form.get(k, "").strip() for k in FIELDS}
    args, errors = _criteria(typed)
    if not errors:
        try:
            search.check_criteria(**args)
        except InputInvalid as exc:
            errors = exc.errors
    if errors:
        return _page(request, user, typed, status=422, errors=errors)
    search_id = saved_search.save(services(request), user.principal.user_id, KIND, typed)
    return redirect(f"/registry?q={search_id}")


def _export(request: Request, user: UiUser, fmt: str) -> Response:
    typed = _saved(request, user)
    if not typed:
        raise InputInvalid({"q": "условия поиска устарели — выполните поиск ещё раз"})
    args, errors = _criteria(typed)
    if errors:
        raise InputInvalid(errors)
    filename, data = services(request).execute(search.export_people, user.principal, fmt, **args)
    return download(filename, data, MEDIA[fmt])


@router.get("/registry/export.xlsx")
def export_xlsx(request: Request, user: User) -> Response:
    """Выгрузка результатов поиска в Excel."""
    return _export(request, user, "xlsx")


@router.get("/registry/export.csv")
def export_csv(request: Request, user: User) -> Response:
    """Выгрузка результатов поиска в CSV (разделитель «;»)."""
    return _export(request, user, "csv")


@router.post("/registry/people/{person_id}/subject-access")
def subject_export(request: Request, user: User, form: Form,
                   person_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> Response:
    """Все сведения о человеке (152-ФЗ ст. 14) — ZIP с JSON и PDF; готовит руководитель, запись в журнал доступа."""
    check_csrf(user, form.get("csrf"))
    export = subject_access.export_person(services(request), user.principal, person_id)
    return download(export.filename, export.data, "application/zip")

