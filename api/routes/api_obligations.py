"""REST: an organisation's reporting calendar (every obligation with its due day, rule and source, conflicting rules
beside the one in force) and its iCalendar feed; the stored obligations — listing, submitting a report with its
file, accepting or returning it, the overdue ones of the territory, roadmap items."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import Response

from api.routes.api_attachments import read_limited
from api.routes.api_common import Caller, errors, file_content, write_errors
from api.schemas import MAX_ID
from api.schemas.inputs import ObligationReturn, RoadmapItemCreate
from api.web import download as file_download
from api.web import services
from cases import obligation_work, obligations
from cases.obligation_inputs import checked_decision
from cases.obligation_work import DecideReport, SubmitReport

router = APIRouter(tags=["obligations"])
OrgId = Annotated[int, Path(ge=1, le=MAX_ID, description="номер организации")]
ObligationId = Annotated[int, Path(ge=1, le=MAX_ID, description="номер обязательства")]
Year = Annotated[int | None, Query(ge=2000, le=2100, description="год (по умолчанию текущий)")]


def _year(request: Request, year: int | None) -> int:
    """The year asked for, or the region's current year."""
    return year or obligation_work.today_of(services(request).runtime).year


@router.get("/organisations/{org_id}/obligations", response_model=dict[str, Any], responses=errors(403, 404))
def calendar(request: Request, org_id: OrgId, p: Caller, year: Year = None) -> Any:
    """Календарь отчётности организации за год: что, кому, за какой период, к какому сроку, по какому правилу и
    документу; противоречащие правила других документов — рядом с действующим (действует более ранний срок)."""
    return services(request).read(obligations.calendar_of, p, org_id, _year(request, year))


@router.get("/organisations/{org_id}/obligations.ics", responses={**errors(403, 404),
                                                                   200: {"content": {"text/calendar": {}}}})
def ical(request: Request, org_id: OrgId, p: Caller, year: Year = None) -> Response:
    """Тот же календарь в формате iCalendar — для подписки в почтовом клиенте или календаре."""
    text = services(request).read(obligations.icalendar, p, org_id, _year(request, year))
    return Response(text, media_type="text/calendar; charset=utf-8")


@router.get("/obligations", response_model=list[dict[str, Any]], responses=errors(403, 404))
def stored(request: Request, p: Caller, year: Year = None,
           org_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="организация (по умолчанию своя)")]
           = None) -> Any:
    """Открытые обязательства организации за год (период начинается в этом году): состояние, срок, получатель,
    просрочка; роль-сводная без принятых частей — «ждёт частей» (срок не наступил)."""
    return services(request).read(obligation_work.stored_of, p, org_id or p.org_id, _year(request, year))


@router.get("/obligations/to-accept", response_model=list[dict[str, Any]], responses=errors())
def to_accept(request: Request, p: Caller) -> Any:
    """Сданные отчёты, адресованные организации пользователя и ждущие приёмки."""
    return services(request).read(obligation_work.owed_to, p)


@router.get("/obligations/overdue", response_model=list[dict[str, Any]], responses=errors(403))
def overdue(request: Request, p: Caller) -> Any:
    """Просроченные обязательства организаций территории (срок прошёл, отчёт не сдан или возвращён), самые давние
    первыми."""
    return services(request).read(obligation_work.overdue_in, p)


@router.get("/obligations/roadmap", response_model=list[dict[str, Any]], responses=errors(403, 404))
def roadmap_items(request: Request, p: Caller, year: Year = None,
                  org_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="организация (по умолчанию своя)")]
                  = None) -> Any:
    """Пункты дорожной карты организации со сроком в этом году."""
    rows = services(request).read(obligation_work.stored_of, p, org_id or p.org_id, _year(request, year))
    return [r for r in rows if r["kind"] == obligation_work.ROADMAP]


@router.post("/obligations/roadmap", status_code=201, response_model=dict[str, Any], responses=write_errors(404, 409))
def roadmap_item(request: Request, body: RoadmapItemCreate, p: Caller) -> Any:
    """Внести пункт дорожной карты: разовая задача организации со сроком и источником (срок в нерабочий день
    переносится на следующий рабочий)."""
    return services(request).execute(obligation_work.add_roadmap_item, p, body.command())


@router.get("/obligations/{obligation_id}", response_model=dict[str, Any], responses=errors(404))
def one(request: Request, obligation_id: ObligationId, p: Caller) -> Any:
    """Обязательство с историей: сдачи, возвраты с причиной, приёмка, эскалации."""
    return services(request).read(obligation_work.one, p, obligation_id)


@router.post("/obligations/{obligation_id}/submit", response_model=dict[str, Any],
             responses=write_errors(404, 409, 413))
def submit(request: Request, obligation_id: ObligationId, p: Caller,
           file: Annotated[UploadFile, File(description="PDF, DOCX или XLSX (не больше OPORA_ATTACHMENT_MAX_MB)")],
           note: Annotated[str, Form(max_length=2000, description="комментарий")] = "") -> Any:
    """Сдать отчёт с файлом (PDF, DOCX, XLSX; макросы не принимаются). Сдаёт организация, которая должна отчёт;
    возвращённый отчёт сдаётся снова. Слишком большой файл — 413, неподходящий — 422, уже сданный — 409."""
    svc = services(request)
    content = read_limited(file, svc.attachments.max_bytes)
    obligation_work.submit(svc, p, SubmitReport(obligation_id, file.filename or "", content, note))
    return svc.read(obligation_work.one, p, obligation_id)


@router.post("/obligations/{obligation_id}/accept", response_model=dict[str, Any], responses=write_errors(404, 409))
def accept(request: Request, obligation_id: ObligationId, p: Caller) -> Any:
    """Принять сданный отчёт (организация-получатель). Сводная отчётность получателя, составленная из этого
    отчёта, получает срок, когда приняты все её части."""
    return services(request).execute(obligation_work.decide, p, checked_decision(DecideReport(obligation_id, True)))


@router.post("/obligations/{obligation_id}/return", response_model=dict[str, Any], responses=write_errors(404, 409))
def give_back(request: Request, obligation_id: ObligationId, body: ObligationReturn, p: Caller) -> Any:
    """Вернуть сданный отчёт на доработку с причиной (организация-получатель)."""
    return services(request).execute(obligation_work.decide, p, body.command(obligation_id))


@router.get("/obligations/{obligation_id}/file", response_class=Response,
            responses={**errors(404, 409), 200: {"description": "файл отчёта",
                                                 **file_content(*obligation_work.report_files.MEDIA_TYPES.values())}})
def download(request: Request, obligation_id: ObligationId, p: Caller) -> Response:
    """Скачать сданный файл отчёта; скачивание записывается в журнал доступа."""
    filename, media_type, data = services(request).execute(obligation_work.download, p, obligation_id)
    return file_download(filename, data, media_type)  # the name as RFC 5987 UTF-8 only: it may be Cyrillic
