"""The KDN secretary's agenda: conclusions waiting for a meeting, reviews coming due, plans to approve,
the meetings ahead. The secretary records resolutions, review decisions and plan approvals through the
actions on each case's page.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.routes.ui_cases import User
from api.web import download, page, services
from cases import agenda, kdn_papers, views
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


@router.get("/kdn/meetings/{meeting_id}/agenda/{fmt}")
def agenda_file(request: Request, meeting_id: int, fmt: str, user: User) -> Response:
    """Повестка заседания для печати (PDF или DOCX) со всеми графами."""
    paper = kdn_papers.agenda_file(services(request), user.principal, meeting_id, fmt)
    return download(paper.filename, paper.data, paper.media_type)


@router.get("/cases/{case_id}/kdn-summary/{fmt}")
def summary_file(request: Request, case_id: int, fmt: str, user: User) -> Response:
    """Справка по случаю для заседания КДН (PDF или DOCX)."""
    paper = kdn_papers.summary_file(services(request), user.principal, case_id, fmt)
    return download(paper.filename, paper.data, paper.media_type)
