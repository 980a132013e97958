"""Routes of the regional records and reports: the monitoring indicators against their targets (the Stavropol
profile), territories side by side with the АППГ, the need criteria of a case and the mobile teams' visits.

Pages under ``/statistics``, REST under ``/api/v1``. Who may see and do what is decided in
``cases.access`` and ``cases.monitoring``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import AwareDatetime, Field, StrictInt

from api.routes.api_common import Caller, bearer, errors, file_content, file_response, write_errors
from api.schemas import Input, Public
from api.web import MEDIA, UiUser, check_csrf, download, page, redirect, services, ui_user
from cases import comparison, monitoring
from cases.errors import InputInvalid

router = APIRouter()
api = APIRouter(prefix="/api/v1", tags=["statistics"], dependencies=[Depends(bearer)])
User = Annotated[UiUser, Depends(ui_user)]
Year = Annotated[int | None, Query(ge=2000, le=2100, description="Год")]
From = Annotated[str, Query(alias="from", max_length=32, description="Начало периода, ГГГГ-ММ-ДД")]
To = Annotated[str, Query(alias="to", max_length=32, description="Конец периода (включительно), ГГГГ-ММ-ДД")]


@router.get("/statistics/monitoring", response_class=HTMLResponse, include_in_schema=False)
def monitoring_page(request: Request, user: User, year: Year = None) -> Response:
    """Мониторинг: показатели территории против целевых значений года, АППГ, критерии нуждаемости."""
    report = services(request).read(monitoring.monitoring, user.principal, year)
    return page(request, "statistics_monitoring.html", user, report=report, outcomes=monitoring.OUTCOMES,
                form_errors={})


@router.post("/statistics/monitoring/visits", include_in_schema=False)
async def mobile_visit_form(request: Request, user: User) -> Response:
    """Отметить выезд мобильной бригады (форма на странице мониторинга)."""
    form = await request.form()
    check_csrf(user, str(form.get("csrf", "")))
    errors_: dict[str, str] = {}

    def day(name: str) -> date | None:
        try:
            return date.fromisoformat(str(form.get(name, ""))[:10])
        except ValueError:
            errors_[name] = "укажите дату"
            return None

    visited = day("visited_on")
    requested: datetime | None = None
    if str(form.get("requested_at", "")).strip():
        try:
            requested = datetime.fromisoformat(str(form.get("requested_at"))[:16]).replace(
                tzinfo=services(request).runtime.calendar.zone)
        except ValueError:
            errors_["requested_at"] = "укажите дату и время заявки"
    reached = str(form.get("families_reached", "1")).strip()[:6]
    if not reached.isdigit():
        errors_["families_reached"] = "целое число"
    if not errors_ and visited is not None:
        members = str(form.get("members", ""))[:4000].splitlines()
        try:
            services(request).execute(monitoring.record_mobile_visit, user.principal, monitoring.MobileVisitInput(
                visited, members, str(form.get("outcome", ""))[:16], int(reached),
                str(form.get("notes", ""))[:2000], requested))
        except InputInvalid as exc:
            errors_ = exc.errors
    if errors_:
        report = services(request).read(monitoring.monitoring, user.principal, None)
        return page(request, "statistics_monitoring.html", user, status=422, report=report,
                    outcomes=monitoring.OUTCOMES, form_errors=errors_)
    return redirect("/statistics/monitoring", "Выезд мобильной бригады записан")


@router.get("/statistics/monitoring.xlsx", include_in_schema=False)
def monitoring_file(request: Request, user: User, year: Year = None) -> Response:
    """Мониторинг показателей файлом XLSX."""
    report = services(request).read(monitoring.monitoring, user.principal, year)
    return download(f"monitoring_{report.year}.xlsx", monitoring.monitoring_xlsx(report), MEDIA["xlsx"])


@router.get("/statistics/territories", response_class=HTMLResponse, include_in_schema=False)
def territories_page(request: Request, user: User, start: From = "", end: To = "") -> Response:
    """Территории рядом: по строке на территорию с её профилем, за период и АППГ."""
    found = services(request).read(comparison.compare, user.principal, start, end)
    return page(request, "statistics_territories.html", user, report=found, columns=comparison.COLUMNS,
                rows=comparison.table_rows(found))


@router.get("/statistics/territories.xlsx", include_in_schema=False)
def territories_file(request: Request, user: User, start: From = "", end: To = "") -> Response:
    """Территории рядом файлом XLSX."""
    found = services(request).read(comparison.compare, user.principal, start, end)
    return download(f"territories_{found.period.start}_{found.period.end}.xlsx", comparison.comparison_xlsx(found),
                    MEDIA["xlsx"])


class IndicatorPublic(Public):
    code: str
    title: str
    basis: str
    target: int | None
    actual: int
    previous: int
    share: float | None


class MonitoringPublic(Public):
    territory: str
    year: int
    indicators: list[IndicatorPublic]
    categories: dict[str, list[int]]
    visits: int
    late_visits: int
    response_hours: int | None


@api.get("/statistics/monitoring", response_model=MonitoringPublic, responses=errors(403))
def monitoring_json(request: Request, p: Caller, year: Year = None) -> Any:
    """Показатели мониторинга территории вызывающего: цель года, факт, % от цели, АППГ."""
    m = services(request).read(monitoring.monitoring, p, year)
    return MonitoringPublic(territory=m.territory, year=m.year, visits=m.visits, late_visits=m.late_visits,
                            response_hours=m.response_hours,
                            indicators=[IndicatorPublic(code=r.code, title=r.title, basis=r.basis, target=r.target,
                                                        actual=r.actual, previous=r.previous, share=r.share)
                                        for r in m.rows],
                            categories={title: [now, before] for title, now, before in m.categories})


@api.get("/statistics/monitoring/export", response_class=Response,
         responses={**errors(403), 200: {"description": "файл", **file_content(MEDIA["xlsx"])}})
def monitoring_export(request: Request, p: Caller, year: Year = None) -> Response:
    """Показатели мониторинга файлом XLSX (тот же файл, что на странице «Мониторинг показателей»)."""
    report = services(request).read(monitoring.monitoring, p, year)
    return file_response(f"monitoring_{report.year}.xlsx", monitoring.monitoring_xlsx(report), MEDIA["xlsx"])


class TargetUpdate(Input):
    year: StrictInt = Field(ge=2000, le=2100)
    target: StrictInt = Field(ge=0, le=10_000_000)
    basis: str = Field(default="", max_length=300)


@api.put("/statistics/monitoring/targets/{indicator}", status_code=204, responses=write_errors(404))
def put_target(request: Request, p: Caller,
               indicator: Annotated[str, Path(max_length=64, pattern=r"^[a-z_]+$", description="показатель")],
               body: TargetUpdate) -> Response:
    """Целевое значение показателя на год (руководитель или администратор)."""
    services(request).execute(monitoring.set_target, p, indicator, body.year, body.target, body.basis)
    return Response(status_code=204)


class ComparisonRowPublic(Public):
    territory: str
    name: str
    profile: str
    values: list[Any]


class ComparisonPublic(Public):
    start: date
    end: date
    previous_start: date
    previous_end: date
    columns: list[str]
    rows: list[ComparisonRowPublic]


@api.get("/statistics/territories", response_model=ComparisonPublic, responses=errors(403))
def territories_json(request: Request, p: Caller, start: From = "", end: To = "") -> Any:
    """Территории рядом (только руководитель): сообщения, семьи СОП и ТЖС, соблюдение сроков — за период и АППГ."""
    c = services(request).read(comparison.compare, p, start, end)
    return ComparisonPublic(start=c.period.start, end=c.period.end, previous_start=c.previous.start,
                            previous_end=c.previous.end, columns=comparison.COLUMNS,
                            rows=[ComparisonRowPublic(territory=r.territory, name=r.name, profile=r.profile,
                                                      values=values)
                                  for r, values in zip(c.rows, comparison.table_rows(c), strict=True)])


@api.get("/statistics/territories/export", response_class=Response,
         responses={**errors(403), 200: {"description": "файл", **file_content(MEDIA["xlsx"])}})
def territories_export(request: Request, p: Caller, start: From = "", end: To = "") -> Response:
    """Территории рядом файлом XLSX (только руководитель), как на странице «Территории рядом»."""
    c = services(request).read(comparison.compare, p, start, end)
    return file_response(f"territories_{c.period.start}_{c.period.end}.xlsx", comparison.comparison_xlsx(c),
                         MEDIA["xlsx"])


class NeedCreate(Input):
    categories: list[Annotated[str, Field(max_length=32)]] = Field(max_length=20)
    decided_on: date


class CreatedPublic(Public):
    id: int


@api.post("/cases/{case_id}/need-assessment", status_code=201, response_model=CreatedPublic,
          responses=write_errors(404))
def need_assessment(request: Request, p: Caller,
                    case_id: Annotated[int, Path(ge=1, le=2_147_483_647, description="номер дела")],
                    body: NeedCreate) -> Any:
    """Отметить критерии нуждаемости семьи по перечню территории (профиль «Ставропольский край»)."""
    row = services(request).execute(monitoring.record_need, p, case_id, body.categories, body.decided_on)
    assert row.id is not None
    return CreatedPublic(id=row.id)


class MobileVisitCreate(Input):
    visited_on: date
    members: list[Annotated[str, Field(max_length=200)]] = Field(min_length=1, max_length=20)
    outcome: str = Field(max_length=16, description="helped | support_opened | referred | not_found")
    families_reached: StrictInt = Field(default=1, ge=1, le=10_000)
    notes: str = Field(default="", max_length=2000)
    requested_at: AwareDatetime | None = None
    case_id: StrictInt | None = Field(default=None, ge=1, le=2_147_483_647)


@api.post("/mobile-visits", status_code=201, response_model=CreatedPublic, responses=write_errors(404))
def mobile_visit(request: Request, p: Caller, body: MobileVisitCreate) -> Any:
    """Выезд межведомственной мобильной бригады: состав, семьи, результат (профиль «Ставропольский край»)."""
    row = services(request).execute(monitoring.record_mobile_visit, p, monitoring.MobileVisitInput(
        body.visited_on, body.members, body.outcome, body.families_reached, body.notes, body.requested_at,
        body.case_id))
    assert row.id is not None
    return CreatedPublic(id=row.id)


router.include_router(api)
