"""The registry: find a person by any part of the full name (case- and ё/е-insensitive), date of birth or
address among the families of the cases the user may see; export the results to XLSX or CSV.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.routes.ui_cases import User, parse_date
from api.web import MEDIA, UiUser, download, page, services
from cases import search
from cases.errors import InputInvalid

router = APIRouter(include_in_schema=False)
FIELDS = ("name", "birth_date", "address")


def _criteria(request: Request) -> tuple[dict[str, str], dict[str, Any], dict[str, str]]:
    """(the query as typed, the search's arguments, errors)."""
    typed = {k: request.query_params.get(k, "").strip()[:200] for k in FIELDS}
    errors: dict[str, str] = {}
    born = parse_date(typed["birth_date"], "birth_date", errors)
    return typed, {"name": typed["name"], "birth_date": born, "address": typed["address"]}, errors


def _search(request: Request, user: UiUser, args: dict[str, Any]) -> list[search.PersonHit]:
    return services(request).execute(search.search_people, user.principal, **args)


@router.get("/registry")
def registry(request: Request, user: User) -> Response:
    """Реестр: поиск человека по части ФИО, дате рождения или адресу; выгрузка в XLSX и CSV."""
    typed, args, errors = _criteria(request)
    hits: list[search.PersonHit] | None = None
    status = 200
    if any(typed.values()) and not errors:
        try:
            hits = _search(request, user, args)
        except InputInvalid as exc:
            errors = exc.errors
    if errors:
        status = 422
    query = urllib.parse.urlencode({k: v for k, v in typed.items() if v})
    return page(request, "registry.html", user, status=status, q=typed, errors=errors, hits=hits, query=query)


def _export(request: Request, user: UiUser, fmt: str) -> Response:
    _, args, errors = _criteria(request)
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
