"""REST: paper for the commission's meetings — the case summary and a meeting's agenda (PDF or DOCX)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from api.routes.api_common import Caller, CaseId, errors, file_content, file_response
from api.schemas import MAX_ID
from api.web import services
from cases import kdn_papers

router = APIRouter(tags=["documents"])
Format = Annotated[Literal["pdf", "docx"], Query(description="pdf или docx")]
MeetingId = Annotated[int, Path(ge=1, le=MAX_ID, description="номер заседания", examples=[1])]
FILE: dict[int | str, dict[str, Any]] = {200: {"description": "файл", **file_content(*kdn_papers.MEDIA.values())}}


@router.get("/cases/{case_id}/kdn-summary", response_class=Response, responses={**errors(404), **FILE})
def kdn_summary(request: Request, case_id: CaseId, p: Caller, format: Format = "pdf") -> Response:
    """Справка по случаю для заседания КДН: семья, история решений, исполнение плана, отчёты органов
    (PDF или DOCX); выгрузка записывается в журнал доступа."""
    paper = kdn_papers.summary_file(services(request), p, case_id, format)
    return file_response(paper.filename, paper.data, paper.media_type)


@router.get("/meetings/{meeting_id}/agenda", response_class=Response, responses={**errors(403, 404), **FILE})
def meeting_agenda(request: Request, meeting_id: MeetingId, p: Caller, format: Format = "pdf") -> Response:
    """Повестка заседания КДН со всеми графами (PDF или DOCX): секретарь комиссии или руководитель."""
    paper = kdn_papers.agenda_file(services(request), p, meeting_id, format)
    return file_response(paper.filename, paper.data, paper.media_type)
