"""REST: changes of a case besides workflow actions — plan items, bodies' execution reports, reassignment."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from api.routes.api_common import ETAG_HEADER, Caller, CaseId, IfMatch, expected_version, set_etag, write_errors
from api.schemas import (
    MAX_ID,
    AssignCreate,
    AssignPublic,
    ExecutionReportCreate,
    ExecutionReportPublic,
    PlanItemClose,
    PlanItemClosed,
    PlanItemCreate,
    PlanItemCreated,
)
from api.web import services
from cases import handlers

router = APIRouter(tags=["cases"])


@router.post("/cases/{case_id}/plan-items", status_code=201, response_model=PlanItemCreated,
             responses=write_errors(404, 409))
def add_plan_item(request: Request, case_id: CaseId, body: PlanItemCreate, p: Caller) -> PlanItemCreated:
    """Добавить мероприятие в план дела (план безопасности — Агентство; план сопровождения и
    межведомственный план ИПР — куратор или директор УСО). Срок мероприятия открывается, когда план утверждён.
    """
    item_id = services(request).execute(handlers.add_plan_item, p, body.command(case_id))
    return PlanItemCreated(case_id=case_id, item_id=item_id)


@router.post("/cases/{case_id}/plan-items/{item_id}/close", response_model=PlanItemClosed,
             responses=write_errors(404, 409))
def close_plan_item(request: Request, case_id: CaseId,
                    item_id: Annotated[int, Path(ge=1, le=MAX_ID, description="мероприятие плана")],
                    body: PlanItemClose, p: Caller) -> PlanItemClosed:
    """Закрыть мероприятие плана: выполнено или отменено, с результатом; его срок закрывается
    (в срок, с опозданием или отменён)."""
    services(request).execute(handlers.close_plan_item, p, body.command(case_id, item_id))
    return PlanItemClosed(case_id=case_id, item_id=item_id, status=body.status)


@router.post("/cases/{case_id}/execution-reports", status_code=201, response_model=ExecutionReportPublic,
             responses=write_errors(404, 409))
def record_execution_report(request: Request, case_id: CaseId, body: ExecutionReportCreate,
                            p: Caller) -> ExecutionReportPublic:
    """Внести отчёт органа системы профилактики об исполнении его мероприятий межведомственного плана
    (собирает секретарь КДН перед пересмотром плана; вносят секретарь КДН, куратор или директор УСО)."""
    report = services(request).execute(handlers.record_execution_report, p, body.command(case_id))
    return ExecutionReportPublic.model_validate(report, from_attributes=True)


@router.post("/cases/{case_id}/assign", response_model=AssignPublic,
             responses={**write_errors(404, 409), 200: {"headers": ETAG_HEADER, "description": "дело передано"}})
def assign(request: Request, response: Response, case_id: CaseId, body: AssignCreate, p: Caller,
           if_match: IfMatch = None) -> AssignPublic:
    """Передать дело сотруднику (руководитель — в пределах территории, директор УСО — сотруднику своего
    учреждения) или снять назначение; `If-Match` с версией дела защищает от одновременных изменений."""
    result = services(request).execute(handlers.assign_case, p, body.command(case_id, expected_version(if_match)))
    set_etag(response, result.version)
    return AssignPublic(case_id=case_id, assignee_id=body.assignee_id, version=result.version)
