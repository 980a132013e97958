"""REST: control of deadlines (overdue and upcoming, with counts) and the KDN secretary's agenda."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from api.routes.api_common import Caller, errors
from api.schemas import MAX_ID, AgendaPublic, DeadlineItem, DeadlinePage, OverdueCountsPublic
from api.web import services
from cases import agenda, overdue

router = APIRouter(tags=["deadlines"])


@router.get("/deadlines/overdue", response_model=DeadlinePage, responses=errors())
def overdue_deadlines(
    request: Request, p: Caller,
    step: Annotated[str | None, Query(max_length=130, pattern=r"^[a-z][a-z0-9_]*:[a-z][a-z0-9_]*$",
                                      description="шаг процесса: workflow:срок, например child_report:inspect")] = None,
    org_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="ответственная организация")] = None,
    assignee_id: Annotated[int | None, Query(ge=0, le=MAX_ID, description="ответственный; 0 — не назначен")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Any:
    """Просроченные сроки по видимым вызывающему делам, самые давние — первыми, с основанием каждого срока."""
    items, total = services(request).read(overdue.overdue, p, step=step, org_id=org_id, assignee_id=assignee_id,
                                          limit=limit, offset=offset)
    return DeadlinePage.model_validate({"items": items, "total": total, "limit": limit, "offset": offset},
                                       from_attributes=True)


@router.get("/deadlines/overdue/counts", response_model=OverdueCountsPublic, responses=errors())
def overdue_counts(request: Request, p: Caller) -> Any:
    """Сколько сроков просрочено: всего, по шагам процессов, по организациям и по ответственным
    (ключ `0` — не назначен; ключи подходят для фильтров списка просроченных)."""
    return OverdueCountsPublic.model_validate(services(request).read(overdue.overdue_counts, p),
                                              from_attributes=True)


@router.get("/deadlines/upcoming", response_model=list[DeadlineItem], responses=errors())
def upcoming_deadlines(
    request: Request, p: Caller,
    working_days: Annotated[int, Query(ge=0, le=60, description="горизонт в рабочих днях")] = 5,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> Any:
    """Сроки, наступающие от текущего момента до конца N-го рабочего дня (производственный календарь)."""
    items = services(request).read(overdue.upcoming, p, working_days=working_days, limit=limit)
    return [DeadlineItem.model_validate(i, from_attributes=True) for i in items]


@router.get("/kdn/agenda", response_model=AgendaPublic, responses=errors(), tags=["kdn"])
def kdn_agenda(request: Request, p: Caller) -> Any:
    """Повестка КДН: заключения, ждущие рассмотрения, пересмотры планов в ближайшие 30 дней, планы на
    утверждение и назначенные заседания — по делам, переданным в комиссию вызывающего."""
    found = services(request).read(agenda.agenda, p)
    return AgendaPublic.model_validate({
        "waiting": found.waiting, "reviews_due": found.reviews_due, "plans_to_approve": found.plans_to_approve,
        "meetings": [{"id": m.id, "held_on": m.held_on, "items": [{"case": c, "kind": k} for c, k in m.items]}
                     for m in found.meetings]}, from_attributes=True)
