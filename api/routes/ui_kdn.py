"""The KDN secretary's agenda: conclusions waiting for a meeting, reviews coming due, plans to approve,
the meetings ahead. The secretary records resolutions, review decisions and plan approvals through the
actions on each case's page.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.routes.ui_cases import User
from api.web import page, services
from cases import agenda, views
from cases.principal import Principal
from cases.services import Services
from engine.database import UnitOfWork

router = APIRouter(include_in_schema=False)
MEETING_KINDS = {"consideration": "рассмотрение заключения", "review": "пересмотр плана"}


def _agenda(tx: UnitOfWork, svc: Services, p: Principal) -> dict[str, Any]:
    seen = agenda.agenda(tx, svc, p)
    rows = seen.waiting + seen.reviews_due + seen.plans_to_approve
    rows += [row for meeting in seen.meetings for row, _ in meeting.items]
    return {"agenda": seen, "actions": views.next_actions(tx, svc, p, rows)}


@router.get("/kdn")
def kdn(request: Request, user: User) -> Response:
    """Повестка КДН: ожидают рассмотрения, пересмотр планов, планы на утверждение, заседания."""
    data = services(request).read(_agenda, user.principal)
    return page(request, "kdn.html", user, kinds=MEETING_KINDS, **data)
