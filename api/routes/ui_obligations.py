"""The reporting calendar as a page (``/obligations``): the year's obligations of the user's organisation (or, for
the head and the resource centre, of any organisation of the territory) by due day with their state, rule and
source, conflicting rules beside the one in force; the forms to submit a report, to accept or return one owed to
the user's organisation, to add a roadmap item; the iCalendar feed's link."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.forms import from_form
from api.routes.ui_attachments import Multipart
from api.routes.ui_cases import Form, User, parse_int
from api.schemas.inputs import ObligationReturn, RoadmapItemCreate
from api.web import UiUser, check_csrf, download, page, redirect, services
from cases import access, obligation_work, obligations
from cases.errors import Conflict, InputInvalid, TooLarge
from cases.obligation_inputs import checked_decision
from cases.obligation_work import DecideReport, SubmitReport
from cases.principal import Principal
from cases.services import Services
from cases.tables import Organisation
from engine.database import UnitOfWork
from engine.tables import table_of

router = APIRouter(include_in_schema=False)
ORG = table_of(Organisation)


def _organisations(tx: UnitOfWork, p: Principal) -> list[tuple[int, str]]:
    """The organisations the selector offers: every one of the territory that owes or receives reports."""
    if not access.sees_territory_obligations(p):
        return []
    kinds = set(obligation_work.OWERS) | set(obligations.CHAIN.values())
    return [(r.id, r.short_name) for r in tx.connection.execute(
        sa.select(ORG.c.id, ORG.c.short_name).where(ORG.c.territory == p.territory, ORG.c.kind.in_(kinds))
        .order_by(ORG.c.short_name))]


def _data(tx: UnitOfWork, svc: Services, p: Principal, org_id: int, year: int) -> dict[str, Any]:
    computed = obligations.calendar_of(tx, svc, p, org_id, year)
    stored = obligation_work.stored_of(tx, svc, p, org_id, year)
    by_key = {(r["report"], r["period_first"]): r for r in stored}
    items = []
    for item in computed["items"]:
        items.append({**item, "stored": by_key.pop((item["key"], item["period"][0]), None)})
    roadmap = [r for r in by_key.values() if r["kind"] == obligation_work.ROADMAP]
    return {"org": computed["org"], "year": year, "items": items, "roadmap": roadmap,
            "to_accept": obligation_work.owed_to(tx, svc, p) if org_id == p.org_id else [],
            "organisations": _organisations(tx, p), "may_add_roadmap": access.can_add_roadmap_item(p),
            "states": obligation_work.STATES}


def _render(request: Request, user: UiUser, org_id: int | None = None, year: int | None = None, status: int = 200,
            message: str = "", errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
            form: str = "") -> Response:
    svc, p = services(request), user.principal
    today = obligation_work.today_of(svc.runtime)
    year = year if year and 2000 <= year <= 2100 else today.year
    data = svc.read(_data, p, org_id or p.org_id, year)
    return page(request, "obligations.html", user, status=status, message=message, errors=errors or {},
                values=values or {}, form=form, today=today, **data)


@router.get("/obligations")
def calendar(request: Request, user: User) -> Response:
    """Отчётность организации за год: сроки по правилам с источниками, состояние, сдача и приёмка отчётов."""
    query = request.query_params
    return _render(request, user, parse_int(query.get("org", "")), parse_int(query.get("year", "")))


def _back(obligation_id: int, flash: str) -> Response:
    return redirect(f"/obligations#obligation-{obligation_id}", flash)


@router.post("/obligations/{obligation_id}/submit")
def submit(request: Request, obligation_id: int, user: User, form: Multipart) -> Response:
    """Сдать отчёт с файлом из формы на странице отчётности."""
    check_csrf(user, form.get("csrf"))
    filename, content = form["file"]
    cmd = SubmitReport(obligation_id, filename, content, str(form.get("note", "")))
    try:
        obligation_work.submit(services(request), user.principal, cmd)
    except TooLarge as exc:
        return _render(request, user, status=413, message=f"Отчёт не сдан: {exc}", form=f"submit-{obligation_id}",
                       errors={"file": str(exc)})
    except InputInvalid as exc:
        return _render(request, user, status=422, message="Отчёт не сдан: " + "; ".join(exc.errors.values()),
                       form=f"submit-{obligation_id}", errors=exc.errors)
    except Conflict as exc:
        return _render(request, user, status=409, message=str(exc))
    return _back(obligation_id, "Отчёт сдан: получатель примет его или вернёт с пояснением")


def _decide(request: Request, user: UiUser, obligation_id: int, cmd: DecideReport, done: str) -> Response:
    try:
        services(request).execute(obligation_work.decide, user.principal, cmd)
    except InputInvalid as exc:
        return _render(request, user, status=422, message="Отчёт не возвращён: " + "; ".join(exc.errors.values()),
                       form=f"return-{obligation_id}", errors=exc.errors)
    except Conflict as exc:
        return _render(request, user, status=409, message=str(exc))
    return _back(obligation_id, done)


@router.post("/obligations/{obligation_id}/accept")
def accept(request: Request, obligation_id: int, user: User, form: Form) -> Response:
    """Принять сданный отчёт."""
    check_csrf(user, form.get("csrf"))
    return _decide(request, user, obligation_id, checked_decision(DecideReport(obligation_id, True)), "Отчёт принят")


@router.post("/obligations/{obligation_id}/return")
def give_back(request: Request, obligation_id: int, user: User, form: Form) -> Response:
    """Вернуть сданный отчёт на доработку с причиной."""
    check_csrf(user, form.get("csrf"))
    try:
        cmd = from_form(ObligationReturn, {"reason": form.get("reason", "")}).command(obligation_id)
    except InputInvalid as exc:
        return _render(request, user, status=422, message="Отчёт не возвращён: " + "; ".join(exc.errors.values()),
                       form=f"return-{obligation_id}", errors=exc.errors)
    return _decide(request, user, obligation_id, cmd, "Отчёт возвращён на доработку")


@router.post("/obligations/roadmap")
def roadmap_item(request: Request, user: User, form: Form) -> Response:
    """Внести пункт дорожной карты: задача организации со сроком и источником."""
    check_csrf(user, form.get("csrf"))
    values = {k: form.get(k, "") for k in ("org_id", "title", "due_on", "source")}
    try:
        cmd = from_form(RoadmapItemCreate, values).command()
        done = services(request).execute(obligation_work.add_roadmap_item, user.principal, cmd)
    except InputInvalid as exc:
        return _render(request, user, status=422, message="Пункт не внесён: " + "; ".join(exc.errors.values()),
                       form="roadmap", errors=exc.errors, values=values)
    except Conflict as exc:
        return _render(request, user, status=409, message=str(exc), form="roadmap", values=values)
    return redirect(f"/obligations?org={done['org_id']}&year={done['due_on'].year}", "Пункт дорожной карты внесён")


@router.get("/obligations/{obligation_id}/file")
def file(request: Request, obligation_id: int, user: User) -> Response:
    """Скачать сданный файл отчёта (скачивание записывается в журнал доступа)."""
    filename, media_type, data = services(request).execute(obligation_work.download, user.principal, obligation_id)
    return download(filename, data, media_type)
