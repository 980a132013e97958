"""REST: hand-overs of a case — whom it may go to, offering it, accepting, returning, undoing."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request

from api.routes.api_common import Caller, CaseId, errors, write_errors
from api.schemas import MAX_ID
from api.schemas.field import CandidatePerson, HandoverCreate, HandoverPublic, HandoverReturn
from api.web import services
from cases import handovers
from cases.handlers import visible_case
from cases.principal import Principal
from cases.services import Services
from engine.database import UnitOfWork

router = APIRouter(tags=["handovers"])
HandoverId = Annotated[int, Path(ge=1, le=MAX_ID, description="номер передачи дела", examples=[1])]


def _candidates(tx: UnitOfWork, svc: Services, p: Principal, case_id: int) -> list[handovers.Candidate]:
    return handovers.candidates(tx, svc, p, visible_case(tx, svc, p, case_id))


def _of_case(tx: UnitOfWork, svc: Services, p: Principal, case_id: int) -> list[dict[str, Any]]:
    visible_case(tx, svc, p, case_id)
    return handovers.rows_for_case(tx, case_id)


def _one(request: Request, handover_id: int) -> HandoverPublic:
    """The hand-over the caller has just acted on (a receiver who returned it may no longer see the case)."""
    return HandoverPublic.model_validate(services(request).read(lambda tx, s: handovers.named_row(tx, handover_id)))


@router.get("/cases/{case_id}/handover-candidates", response_model=list[CandidatePerson], responses=errors(404))
def candidates(request: Request, case_id: CaseId, p: Caller) -> list[CandidatePerson]:
    """Кому можно передать дело: сотрудники, которые могут выполнить его текущий шаг, с подписью
    «ФИО — роль, организация» (пусто, если передавать дела вы не можете)."""
    found = services(request).read(_candidates, p, case_id)
    return [CandidatePerson.model_validate(c) for c in found]


@router.get("/cases/{case_id}/handovers", response_model=list[HandoverPublic], responses=errors(404))
def of_case(request: Request, case_id: CaseId, p: Caller) -> list[HandoverPublic]:
    """Передачи дела, новые первыми: кому, кем, почему, ответ и срок ответа."""
    return [HandoverPublic.model_validate(r) for r in services(request).read(_of_case, p, case_id)]


@router.post("/cases/{case_id}/handovers", status_code=201, response_model=HandoverPublic,
             responses=write_errors(404, 409))
def offer(request: Request, case_id: CaseId, body: HandoverCreate, p: Caller) -> HandoverPublic:
    """Передать дело сотруднику из списка кандидатов с указанием причины (руководитель, директор УСО).
    Дело остаётся у прежнего ответственного, пока получатель не примет его; ответить нужно до конца
    следующего рабочего дня, иначе передача эскалируется руководителю."""
    handover_id = services(request).execute(handovers.offer, p,
                                            handovers.OfferCase(case_id, body.to_user_id, body.reason))
    return _one(request, handover_id)


@router.get("/handovers", response_model=list[HandoverPublic], responses=errors())
def offered_to_me(request: Request, p: Caller) -> list[HandoverPublic]:
    """Дела, которые вам предлагают принять (ждут вашего ответа)."""
    rows = services(request).read(lambda tx, s: handovers.offered_to(tx, p))
    return [HandoverPublic.model_validate(r) for r in rows]


@router.post("/handovers/{handover_id}/accept", response_model=HandoverPublic, responses=write_errors(404, 409))
def accept(request: Request, handover_id: HandoverId, p: Caller) -> HandoverPublic:
    """Принять переданное дело: вы становитесь ответственным."""
    services(request).execute(handovers.accept, p, handover_id)
    return _one(request, handover_id)


@router.post("/handovers/{handover_id}/return", response_model=HandoverPublic, responses=write_errors(404, 409))
def give_back(request: Request, handover_id: HandoverId, body: HandoverReturn, p: Caller) -> HandoverPublic:
    """Вернуть переданное дело с пояснением; оно остаётся у прежнего ответственного."""
    services(request).execute(handovers.give_back, p, handover_id, body.reason)
    return _one(request, handover_id)


@router.post("/handovers/{handover_id}/undo", response_model=HandoverPublic, responses=write_errors(404, 409))
def undo(request: Request, handover_id: HandoverId, p: Caller) -> HandoverPublic:
    """Отменить передачу в тот же день (только тот, кто передал): непринятая передача снимается,
    принятое дело возвращается прежнему ответственному."""
    services(request).execute(handovers.undo, p, handover_id)
    return _one(request, handover_id)
