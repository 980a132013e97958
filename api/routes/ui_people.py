"""The people register page (the resource centre's start page): search by any part of the full name, sort by
release date or intended address, export what is found. As in the children's registry, the typed name is posted
and kept as a saved search: the page, its sort links and its exports carry only the search's opaque id."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api import saved_search
from api.routes.ui_cases import Form, User
from api.web import MEDIA, UiUser, check_csrf, download, page, redirect, services
from cases import people_register
from cases.people import CATEGORIES
from cases.people_register import SORTS, RegisterQuery

router = APIRouter(include_in_schema=False)
KIND = "people"
PAGE_SIZE = 50


def _typed(request: Request, user: UiUser) -> dict[str, str]:
    found = saved_search.load(services(request), user.principal.user_id, KIND, request.query_params.get("q", ""))
    return {k: str(found.get(k, "")) for k in ("name", "category")} if found else {"name": "", "category": ""}


def _query(request: Request, typed: dict[str, str], limit: int = PAGE_SIZE) -> RegisterQuery:
    sort = request.query_params.get("sort", "full_name")
    return RegisterQuery(q=typed.get("name", ""), sort=sort if sort in SORTS else "full_name",
                         desc=request.query_params.get("desc") == "1", category=typed.get("category", ""),
                         limit=limit)


@router.get("/people")
def people_page(request: Request, user: User) -> Response:
    """Реестр людей: поиск по любой части ФИО, сортировка по дате освобождения и адресу, выгрузка."""
    typed = _typed(request, user)
    found = services(request).read(people_register.search, user.principal, _query(request, typed))
    return page(request, "people.html", user, q=typed, found=found, categories=CATEGORIES, errors={},
                search_id=request.query_params.get("q", ""))


@router.post("/people")
def people_search(request: Request, user: User, form: Form) -> Response:
    """Искать: условия сохраняются под непрозрачным номером, страница открывается по нему."""
    check_csrf(user, form.get("csrf"))
    typed = {"name": form.get("name", "").strip()[:200], "category": form.get("category", "")}
    if typed["category"] and typed["category"] not in CATEGORIES:
        typed["category"] = ""
    search_id = saved_search.save(services(request), user.principal.user_id, KIND, typed)
    return redirect(f"/people?q={search_id}")


@router.get("/people/{person_id:int}")
def register_entry(request: Request, user: User, person_id: int) -> Response:
    """Запись человека в реестре: реестр, найденный по его ФИО (член семьи — по ФИО того, с кем сопровождается)."""
    name = services(request).read(people_register.entry_name, user.principal, person_id)
    search_id = saved_search.save(services(request), user.principal.user_id, KIND, {"name": name, "category": ""})
    return redirect(f"/people?q={search_id}")


def _export(request: Request, user: UiUser, fmt: str) -> Response:
    typed = _typed(request, user)
    name, data = services(request).execute(people_register.export, user.principal, _query(request, typed), fmt)
    return download(name, data, MEDIA[fmt])


@router.get("/people/export.xlsx")
def export_xlsx(request: Request, user: User) -> Response:
    """Выгрузка реестра (с учётом поиска и сортировки) в Excel; запись в журнал доступа."""
    return _export(request, user, "xlsx")


@router.get("/people/export.csv")
def export_csv(request: Request, user: User) -> Response:
    """Выгрузка реестра в CSV (разделитель «;»); запись в журнал доступа."""
    return _export(request, user, "csv")


def sort_link(search_id: str, column: str, current: RegisterQuery) -> str:
    desc = "1" if current.sort == column and not current.desc else "0"
    return f"/people?q={search_id}&sort={column}&desc={desc}"


__all__ = ["router", "sort_link"]
