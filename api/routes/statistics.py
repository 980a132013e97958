"""Routes: statistics and reports users hand in — the annual tables, quarterly information,
deadline discipline with its charts. UI pages under ``/statistics``, REST under ``/api/v1/statistics``.

Routes only parse and render: who may see what is decided in ``cases.access``, the numbers
in ``cases.statistics``, ``cases.quarterly`` and ``cases.discipline``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from api.deps import api_principal
from api.routes.api_common import errors, file_content, file_response
from api.web import MEDIA, UiUser, download, page, services, ui_user
from cases import access, adult_quarterly, discipline, quarterly, statistics
from cases.errors import InputInvalid
from cases.principal import Principal

router = APIRouter()
api = APIRouter(prefix="/api/v1/statistics", tags=["statistics"])

From = Annotated[str, Query(alias="from", max_length=32, description="Начало периода, ГГГГ-ММ-ДД")]
To = Annotated[str, Query(alias="to", max_length=32, description="Конец периода (включительно), ГГГГ-ММ-ДД")]
Year = Annotated[int | None, Query(ge=1900, le=2200, description="Год")]
Quarter = Annotated[int | None, Query(ge=1, le=4, description="Квартал, 1–4")]
Kind = Annotated[str, Query(max_length=32, description="agency_to_uszn | uszn_to_kdn | uso_to_kdn")]


# -- UI ----------------------------------------------------------------------------------------------

@router.get("/statistics", response_class=HTMLResponse, include_in_schema=False)
def index(request: Request, user: Annotated[UiUser, Depends(ui_user)]) -> Response:
    """Отчёты и статистика: что доступно пользователю."""
    p = user.principal
    return page(request, "statistics.html", user, annual=access.can_see_annual(p),
                discipline=access.can_see_discipline(p), adults=access.can_keep_people_register(p),
                kinds=[(k, quarterly.KINDS[k].short) for k in access.quarterly_kinds(p)])


def _query(start: str, end: str) -> str:
    return urlencode({"from": start, "to": end})


@router.get("/statistics/annual", response_class=HTMLResponse, include_in_schema=False)
def annual_page(request: Request, user: Annotated[UiUser, Depends(ui_user)], start: From = "", end: To = ""
                ) -> Response:
    """Годовая статистика по формам, которые публикует регион."""
    svc = services(request)
    try:
        stats = svc.read(statistics.annual_statistics, user.principal, start, end)
    except InputInvalid as exc:
        return page(request, "statistics_annual.html", user, status=422, stats=None, errors=exc.errors,
                    start=start, end=end, query="")
    return page(request, "statistics_annual.html", user, stats=stats, errors={}, start=stats.period.start.isoformat(),
                end=stats.period.end.isoformat(), query=_query(stats.period.start.isoformat(),
                                                                stats.period.end.isoformat()),
                sections=statistics.annual_sections(stats))


@router.get("/statistics/annual.{fmt}", include_in_schema=False)
def annual_file(request: Request, fmt: str, user: Annotated[UiUser, Depends(ui_user)], start: From = "",
                end: To = "") -> Response:
    """Годовая статистика файлом: XLSX или CSV."""
    stats = services(request).read(statistics.annual_statistics, user.principal, start, end)
    if fmt not in ("xlsx", "csv"):
        raise InputInvalid({"format": "выберите xlsx или csv"})
    data = statistics.annual_xlsx(stats) if fmt == "xlsx" else statistics.annual_csv(stats)
    name = f"statistika_{stats.period.start.isoformat()}_{stats.period.end.isoformat()}.{fmt}"
    return download(name, data, MEDIA[fmt])


@router.get("/statistics/quarterly", response_class=HTMLResponse, include_in_schema=False)
def quarterly_page(request: Request, user: Annotated[UiUser, Depends(ui_user)], year: Year = None,
                   quarter: Quarter = None, kind: Kind = "") -> Response:
    """Квартальная информация о семьях на сопровождении."""
    report = services(request).execute(quarterly.quarterly_report, user.principal, year, quarter, kind)
    kinds = [(k, quarterly.KINDS[k].short) for k in access.quarterly_kinds(user.principal)]
    query = urlencode({"year": report.year, "quarter": report.quarter, "kind": report.kind})
    return page(request, "statistics_quarterly.html", user, report=report, kinds=kinds, query=query,
                years=list(range(report.year - 3, report.year + 2)))


@router.get("/statistics/quarterly.{fmt}", include_in_schema=False)
def quarterly_file(request: Request, fmt: str, user: Annotated[UiUser, Depends(ui_user)], year: Year = None,
                   quarter: Quarter = None, kind: Kind = "") -> Response:
    """Квартальная информация файлом: DOCX или XLSX."""
    svc = services(request)
    report = svc.execute(quarterly.quarterly_report, user.principal, year, quarter, kind)
    if fmt not in ("docx", "xlsx"):
        raise InputInvalid({"format": "выберите docx или xlsx"})
    data = quarterly.quarterly_docx(report, svc) if fmt == "docx" else quarterly.quarterly_xlsx(report, svc)
    return download(f"kvartal_{report.kind}_{report.year}_{report.quarter}.{fmt}", data, MEDIA[fmt])


def _adult_tables(request: Request, user: UiUser, year: int | None, quarter: int | None) -> tuple[Any, int, int, Any]:
    """The adults' quarterly tables of the quarter asked for (by default the current one), that quarter and today's."""
    svc = services(request)
    now = adult_quarterly.this_quarter(svc)
    year, quarter = year or now.year, quarter or now.quarter
    return svc.execute(adult_quarterly.quarterly, user.principal, year, quarter), year, quarter, now


@router.get("/statistics/adults", response_class=HTMLResponse, include_in_schema=False)
def adults_page(request: Request, user: Annotated[UiUser, Depends(ui_user)], year: Year = None,
                quarter: Quarter = None) -> Response:
    """Квартальные таблицы ресурсного центра (взрослые) с АППГ и выгрузкой в XLSX."""
    tables, year, quarter, now = _adult_tables(request, user, year, quarter)
    return page(request, "statistics_adults.html", user, tables=tables, year=year, quarter=quarter,
                sections=adult_quarterly.sections(tables), titles=adult_quarterly.SECTION_TITLES,
                query=urlencode({"year": year, "quarter": quarter}), years=list(range(now.year - 3, now.year + 1)))


@router.get("/statistics/adults.xlsx", include_in_schema=False)
def adults_file(request: Request, user: Annotated[UiUser, Depends(ui_user)], year: Year = None,
                quarter: Quarter = None) -> Response:
    """Квартальные таблицы ресурсного центра файлом XLSX (те же, что на странице)."""
    tables, year, quarter, _now = _adult_tables(request, user, year, quarter)
    return download(f"kvartal_vzroslye_{year}_{quarter}.xlsx", adult_quarterly.quarterly_xlsx(tables), MEDIA["xlsx"])


@router.get("/statistics/discipline", response_class=HTMLResponse, include_in_schema=False)
def discipline_page(request: Request, user: Annotated[UiUser, Depends(ui_user)], start: From = "", end: To = ""
                    ) -> Response:
    """Исполнительская дисциплина: соблюдение сроков по шагам, организациям и сотрудникам."""
    svc = services(request)
    try:
        report = svc.read(discipline.discipline_report, user.principal, start, end)
    except InputInvalid as exc:
        return page(request, "statistics_discipline.html", user, status=422, report=None, errors=exc.errors,
                    start=start, end=end, query="")
    first, last = report.period.start.isoformat(), report.period.end.isoformat()
    return page(request, "statistics_discipline.html", user, report=report, errors={}, start=first, end=last,
                query=_query(first, last), rows=discipline.table_rows, columns=discipline.COLUMNS)


@router.get("/statistics/discipline.xlsx", include_in_schema=False)
def discipline_file(request: Request, user: Annotated[UiUser, Depends(ui_user)], start: From = "", end: To = ""
                    ) -> Response:
    """Исполнительская дисциплина файлом XLSX."""
    report = services(request).read(discipline.discipline_report, user.principal, start, end)
    name = f"discipline_{report.period.start.isoformat()}_{report.period.end.isoformat()}.xlsx"
    return download(name, discipline.discipline_xlsx(report), MEDIA["xlsx"])


@router.get("/statistics/discipline/chart/{chart}.svg", include_in_schema=False)
def discipline_chart(request: Request, chart: str, user: Annotated[UiUser, Depends(ui_user)], start: From = "",
                     end: To = "") -> Response:
    """Диаграмма SVG: доля сроков, соблюдённых по шагам (steps) или организациям (orgs)."""
    report = services(request).read(discipline.discipline_report, user.principal, start, end)
    if chart not in ("steps", "orgs"):
        raise InputInvalid({"chart": "есть диаграммы steps и orgs"})
    svg = discipline.steps_chart(report) if chart == "steps" else discipline.orgs_chart(report)
    return Response(svg, media_type=MEDIA["svg"])


# -- REST --------------------------------------------------------------------------------------------

class SourcePublic(BaseModel):
    key: str
    title: str
    reports: int
    minors: int


class CategoryPublic(BaseModel):
    key: str
    title: str
    families: int
    children: int


class AnnualPublic(BaseModel):
    territory: str
    territory_name: str
    period_from: date
    period_to: date
    sources: list[SourcePublic]
    total: SourcePublic
    confirmed_reports: int
    confirmed_minors: int
    prevention: list[CategoryPublic]
    services: list[CategoryPublic]


class SectionPublic(BaseModel):
    title: str
    columns: list[str]
    rows: list[list[str | int]]


class QuarterlyPublic(BaseModel):
    kind: str
    title: str
    sender: str
    addressee: str
    territory_name: str
    year: int
    quarter: int
    period_from: date
    period_to: date
    figures: dict[str, int]
    sections: list[SectionPublic]


class DisciplineRowPublic(BaseModel):
    key: str
    title: str
    closed: int
    met: int
    late: int
    on_time: float | None
    median_delay_hours: float | None
    p90_delay_hours: float | None
    overdue_now: int


class DisciplinePublic(BaseModel):
    period_from: date
    period_to: date
    total: DisciplineRowPublic
    by_step: list[DisciplineRowPublic]
    by_org: list[DisciplineRowPublic]
    by_person: list[DisciplineRowPublic]


def _fields(obj: Any) -> dict[str, Any]:
    return dict(vars(obj))


@api.get("/annual", response_model=AnnualPublic)
def annual_json(request: Request, p: Annotated[Principal, Depends(api_principal)], start: From = "",
                end: To = "") -> AnnualPublic:
    """Годовая статистика территории: сообщения по источникам, подтверждено, профилактическая работа,
    социальные услуги (по умолчанию с 1 января текущего года по сегодня)."""
    s = services(request).read(statistics.annual_statistics, p, start, end)
    return AnnualPublic(territory=s.territory, territory_name=s.territory_name, period_from=s.period.start,
                        period_to=s.period.end, sources=[SourcePublic(**_fields(r)) for r in s.sources],
                        total=SourcePublic(**_fields(s.total)), confirmed_reports=s.confirmed_reports,
                        confirmed_minors=s.confirmed_minors,
                        prevention=[CategoryPublic(**_fields(r)) for r in s.prevention],
                        services=[CategoryPublic(**_fields(r)) for r in s.services])


@api.get("/quarterly", response_model=QuarterlyPublic)
def quarterly_json(request: Request, p: Annotated[Principal, Depends(api_principal)], year: Year = None,
                   quarter: Quarter = None, kind: Kind = "") -> QuarterlyPublic:
    """Квартальная информация (по умолчанию — за последний завершённый квартал)."""
    r = services(request).execute(quarterly.quarterly_report, p, year, quarter, kind)
    return QuarterlyPublic(kind=r.kind, title=r.title, sender=r.sender, addressee=r.addressee,
                           territory_name=r.territory_name, year=r.year, quarter=r.quarter,
                           period_from=r.period.start, period_to=r.period.end, figures=r.figures,
                           sections=[SectionPublic(title=s.title, columns=s.columns,
                                                   rows=[[v if isinstance(v, int) else str(v) for v in row]
                                                         for row in s.rows]) for s in r.sections])


@api.get("/discipline", response_model=DisciplinePublic)
def discipline_json(request: Request, p: Annotated[Principal, Depends(api_principal)], start: From = "",
                    end: To = "") -> DisciplinePublic:
    """Соблюдение сроков по шагам, организациям и сотрудникам (по умолчанию — за 90 дней)."""
    r = services(request).read(discipline.discipline_report, p, start, end)

    def rows(items: list[discipline.DisciplineRow]) -> list[DisciplineRowPublic]:
        return [DisciplineRowPublic(**_fields(i)) for i in items]

    return DisciplinePublic(period_from=r.period.start, period_to=r.period.end,
                            total=DisciplineRowPublic(**_fields(r.total)), by_step=rows(r.by_step),
                            by_org=rows(r.by_org), by_person=rows(r.by_person))


# -- REST files (a bearer token works as well as a browser session) -----------------------------------

def _file(name: str, data: bytes, fmt: str) -> Response:
    return file_response(name, data, MEDIA[fmt])


@api.get("/annual/export", response_class=Response,
         responses={**errors(403), 200: {"description": "файл", **file_content(MEDIA["xlsx"], MEDIA["csv"])}})
def annual_export(request: Request, p: Annotated[Principal, Depends(api_principal)],
                  format: Annotated[Literal["xlsx", "csv"], Query()] = "xlsx", start: From = "", end: To = ""
                  ) -> Response:
    """Годовая статистика файлом XLSX или CSV (для Excel: UTF-8 с BOM, разделитель «;»)."""
    stats = services(request).read(statistics.annual_statistics, p, start, end)
    data = statistics.annual_xlsx(stats) if format == "xlsx" else statistics.annual_csv(stats)
    return _file(f"statistika_{stats.period.start.isoformat()}_{stats.period.end.isoformat()}.{format}", data,
                 format)


@api.get("/quarterly/export", response_class=Response,
         responses={**errors(403), 200: {"description": "файл", **file_content(MEDIA["docx"], MEDIA["xlsx"])}})
def quarterly_export(request: Request, p: Annotated[Principal, Depends(api_principal)],
                     format: Annotated[Literal["docx", "xlsx"], Query()] = "xlsx", year: Year = None,
                     quarter: Quarter = None, kind: Kind = "") -> Response:
    """Квартальная информация файлом DOCX или XLSX (открытие отчёта УСО записывается в журнал доступа)."""
    svc = services(request)
    report = svc.execute(quarterly.quarterly_report, p, year, quarter, kind)
    data = quarterly.quarterly_docx(report, svc) if format == "docx" else quarterly.quarterly_xlsx(report, svc)
    return _file(f"kvartal_{report.kind}_{report.year}_{report.quarter}.{format}", data, format)


@api.get("/discipline/export", response_class=Response,
         responses={**errors(403), 200: {"description": "файл", **file_content(MEDIA["xlsx"])}})
def discipline_export(request: Request, p: Annotated[Principal, Depends(api_principal)], start: From = "",
                      end: To = "") -> Response:
    """Исполнительская дисциплина файлом XLSX."""
    report = services(request).read(discipline.discipline_report, p, start, end)
    return _file(f"discipline_{report.period.start.isoformat()}_{report.period.end.isoformat()}.xlsx",
                 discipline.discipline_xlsx(report), "xlsx")


router.include_router(api)
