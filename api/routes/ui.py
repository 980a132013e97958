"""The web UI's pages (Russian, server-rendered, no JavaScript needed).

This module puts the UI's routers together and holds the two lists: «Мои дела» (``/``) and the case
list with filters (``/cases``). The case page and its forms live in ``ui_cases``, the report form in
``ui_reports_form``, the KDN agenda in ``ui_kdn``, the overdue dashboard in ``ui_supervisor``, the
registry search in ``ui_registry``.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api import saved_search
from api.routes import (
    ui_attachments,
    ui_cases,
    ui_handovers,
    ui_kdn,
    ui_obligations,
    ui_occupancy,
    ui_people,
    ui_registry,
    ui_reports_form,
    ui_supervisor,
)
from api.routes.ui_cases import Form, User, parse_date, parse_int
from api.web import check_csrf, page, redirect, services
from cases import access, case_page, handovers, views
from cases.principal import Principal
from cases.services import Services
from engine.database import UnitOfWork

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25


def _page_number(value: str) -> int:
    number = parse_int(value)
    return max(1, min(number or 1, 100_000))


def _worklist(tx: UnitOfWork, svc: Services, p: Principal, number: int) -> dict[str, Any]:
    mine = views.worklist(tx, svc, p, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    awaiting, actions = views.awaiting_decision(tx, svc, p) if number == 1 else ([], {})
    urgent = None
    if mine.total == 0:  # nothing assigned: show what is burning in the cases the user can see
        urgent = views.list_cases(tx, svc, p, views.CaseQuery(limit=10))
        shown = {r.id for r in awaiting}
        urgent = views.Page([r for r in urgent.items if r.id not in shown], urgent.total, urgent.limit, urgent.offset)
    rows = mine.items + (urgent.items if urgent else [])
    actions.update(views.next_actions(tx, svc, p, rows))
    return {"mine": mine, "urgent": urgent, "awaiting": awaiting, "actions": actions,
            "territory_wide": access.territory_wide(p), "can_register": access.can_register_reports(p),
            "offered": handovers.offered_to(tx, p)}


@router.get("/")
def worklist(request: Request, user: User) -> Response:
    """«Мои дела»: дела пользователя, ближайший срок первым; просроченные выделены. У ресурсного центра стартовая
    страница — реестр людей."""
    if access.starts_at_people_register(user.principal) and not request.query_params.get("page"):
        return redirect("/people")
    number = _page_number(request.query_params.get("page", ""))
    data = services(request).read(_worklist, user.principal, number)
    return page(request, "worklist.html", user, page_no=number, page_size=PAGE_SIZE, **data)


# -- the case list ------------------------------------------------------------------------------------

def _filters(tx: UnitOfWork, svc: Services, p: Principal) -> dict[str, Any]:
    catalog = svc.runtime.catalog
    workflows = []
    for name in sorted(catalog.names()):
        wf = catalog.latest(name).definition
        workflows.append((name, wf.title, [(s.name, s.title) for s in wf.states.values()]))
    wide = access.territory_wide(p)
    people = case_page.people_of_org(tx, p, access.ASSIGNABLE, whole_territory=wide)
    return {"workflows": workflows, "people": people}


def _cases(tx: UnitOfWork, svc: Services, p: Principal, query: views.CaseQuery) -> dict[str, Any]:
    found = views.list_cases(tx, svc, p, query)
    return {"found": found, "actions": views.next_actions(tx, svc, p, found.items), **_filters(tx, svc, p)}


#: the filters that may stand in a URL; a family name is personal data and travels as a saved search
URL_FILTERS = ("workflow", "state", "overdue", "due_before", "assignee_id", "closed")


@router.post("/cases")
def cases_filter(request: Request, user: User, form: Form) -> Response:
    """Отбор дел: фамилия сохраняется под непрозрачным номером (в адресе страницы её нет)."""
    check_csrf(user, form.get("csrf"))
    kept = {k: form[k] for k in URL_FILTERS if form.get(k)}
    family = form.get("family", "").strip()[:100]
    if family:
        kept["q"] = saved_search.save(services(request), user.principal.user_id, "cases", {"family": family})
    return redirect("/cases" + (f"?{urllib.parse.urlencode(kept)}" if kept else ""))


@router.get("/cases")
def cases(request: Request, user: User) -> Response:
    """Список дел с отбором по процессу, состоянию, просрочке, сроку, фамилии и ответственному."""
    q = request.query_params
    saved = saved_search.load(services(request), user.principal.user_id, "cases", q.get("q", "")) or {}
    family = str(saved.get("family", ""))
    errors: dict[str, str] = {}
    due_before = parse_date(q.get("due_before", "").strip(), "due_before", errors)
    overdue = {"yes": True, "no": False}.get(q.get("overdue", ""))
    assignee = parse_int(q.get("assignee_id", ""))
    number = _page_number(q.get("page", ""))
    query = views.CaseQuery(workflow=q.get("workflow") or None, state=q.get("state") or None, assignee_id=assignee,
                            overdue=overdue, due_before=due_before, family=family or None,
                            include_closed=q.get("closed") == "yes", limit=PAGE_SIZE,
                            offset=(number - 1) * PAGE_SIZE)
    data = services(request).read(_cases, user.principal, query)
    kept = {k: v for k, v in q.items() if k in (*URL_FILTERS, "q") and v}
    return page(request, "cases.html", user, q=q, errors=errors, page_no=number, page_size=PAGE_SIZE,
                base_query=urllib.parse.urlencode(kept), family=family, **data)


for sub in (ui_cases.router, ui_reports_form.router, ui_kdn.router, ui_supervisor.router, ui_registry.router,
            ui_attachments.router, ui_handovers.router, ui_people.router, ui_occupancy.router,
            ui_obligations.router):
    router.include_router(sub)
