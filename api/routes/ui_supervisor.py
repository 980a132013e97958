"""The supervisor's overdue dashboard: counts by step, organisation and assignee (each a link to the
filtered list), the overdue list with a link per row to hand the case over (on the case page: only people who can
act on its open step, with a reason, accepted by the receiver — :mod:`cases.handovers`), and the deadlines of the
next 5 working days, and the overdue reports of the territory's organisations (:mod:`cases.obligation_work`).
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.routes.ui_cases import User, parse_int
from api.web import UiUser, page, services
from cases import access, obligation_work, overdue
from cases.principal import Principal
from cases.services import Services
from engine.database import UnitOfWork

router = APIRouter(include_in_schema=False)
FILTERS = ("step", "org_id", "assignee_id")
PAGE_SIZE = 50
UPCOMING_DAYS = 5


def _dashboard(tx: UnitOfWork, svc: Services, p: Principal, filters: dict[str, str], number: int) -> dict[str, Any]:
    org_id, assignee_id = parse_int(filters.get("org_id", "")), parse_int(filters.get("assignee_id", ""))
    items, total = overdue.overdue(tx, svc, p, step=filters.get("step") or None, org_id=org_id,
                                   assignee_id=assignee_id, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    counts = overdue.overdue_counts(tx, svc, p)
    titles = {**{f"step={c.key}": c.title for c in counts.by_step},
              **{f"org_id={c.key}": c.title for c in counts.by_org},
              **{f"assignee_id={c.key}": c.title for c in counts.by_assignee}}
    active = [(name, titles.get(f"{name}={filters[name]}", filters[name])) for name in FILTERS if filters.get(name)]
    return {"items": items, "total": total, "counts": counts, "active": active, "people": access.can_manage(p),
            "upcoming": overdue.upcoming(tx, svc, p, UPCOMING_DAYS),
            "overdue_obligations": obligation_work.overdue_in(tx, svc, p)
            if access.sees_territory_obligations(p) else None}


def _filters(source: Any) -> dict[str, str]:
    return {name: str(source.get(name, "")).strip()[:100] for name in FILTERS if source.get(name)}


def _render(request: Request, user: UiUser, filters: dict[str, str], number: int = 1, status: int = 200,
            message: str = "") -> Response:
    data = services(request).read(_dashboard, user.principal, filters, number)
    return page(request, "supervisor.html", user, status=status, filters=filters, page_no=number,
                page_size=PAGE_SIZE, query=urllib.parse.urlencode(filters), message=message,
                upcoming_days=UPCOMING_DAYS, **data)


@router.get("/supervisor")
def dashboard(request: Request, user: User) -> Response:
    """Контроль сроков: просрочки по шагам, организациям и исполнителям, ближайшие сроки, переназначение."""
    number = max(1, parse_int(request.query_params.get("page", "")) or 1)
    return _render(request, user, _filters(request.query_params), number)
