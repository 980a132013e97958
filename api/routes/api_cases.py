"""REST: cases — lists and search, one case with the actions the caller may take, firing actions, history."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request, Response
from pydantic import Field, StrictBool, StrictInt

from api.routes.api_common import (
    ETAG_HEADER,
    Caller,
    CaseId,
    IdempotencyKey,
    IfMatch,
    errors,
    expected_version,
    set_etag,
    write_errors,
)
from api.schemas import (
    MAX_ID,
    CasePage,
    CasePublic,
    Day,
    DocumentPublic,
    EventPublic,
    HistoryPublic,
    Id,
    Input,
    Line,
    Payload,
)
from api.web import services
from cases import api_views, case_page, views
from cases.commands import FireEvent

router = APIRouter(tags=["cases"])
NAME = r"^[a-z][a-z0-9_]*$"


@router.get("/cases", response_model=CasePage, responses=errors())
def list_cases(
    request: Request, p: Caller,
    workflow: Annotated[str | None, Query(max_length=64, pattern=NAME, description="процесс: child_report …")] = None,
    state: Annotated[str | None, Query(max_length=64, pattern=NAME, description="состояние процесса")] = None,
    assignee_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="ответственный сотрудник")] = None,
    overdue: Annotated[bool | None, Query(description="true — только с просроченным сроком, false — без")] = None,
    due_before: Annotated[Day | None, Query(description="ближайший срок не позже этого дня")] = None,
    mine: Annotated[bool, Query(description="только дела, назначенные вызывающему")] = False,
    unassigned: Annotated[bool, Query(description="только дела без ответственного")] = False,
    include_closed: Annotated[bool, Query(description="включая закрытые")] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Any:
    """Дела, которые вызывающий может видеть: поиск и фильтры, ближайший срок — первым.

    Видимость решает модуль доступа: опека, Агентство и руководитель видят дела своей территории,
    куратор — назначенные ему и дела, где участвует его организация, секретарь КДН и директор УСО —
    дела, где участвует их организация; дела других территорий не видны никому.

    `unassigned=true` — только дела, за которые никто не отвечает. Стартовая страница «Мои дела» показывает
    из них в разделе «Ждут вашего решения» те, где у вызывающего есть действие (`events` в `GET /cases/{id}`):
    например, поручение о сопровождении, ждущее от директора УСО назначения куратора.
    """
    query = views.CaseQuery(mine=mine, unassigned=unassigned, workflow=workflow, state=state, assignee_id=assignee_id,
                            overdue=overdue, due_before=due_before, include_closed=include_closed, limit=limit,
                            offset=offset)
    return CasePage.model_validate(services(request).read(views.list_cases, p, query), from_attributes=True)


class CaseSearch(Input):
    workflow: Annotated[str | None, Field(max_length=64, pattern=NAME)] = None
    state: Annotated[str | None, Field(max_length=64, pattern=NAME)] = None
    assignee_id: Id | None = None
    overdue: StrictBool | None = None
    due_before: Day | None = None
    family: Annotated[Line | None, Field(max_length=100, description="часть ФИО члена семьи")] = None
    mine: StrictBool = False
    unassigned: StrictBool = False
    include_closed: StrictBool = False
    limit: Annotated[StrictInt, Field(ge=1, le=200)] = 50
    offset: Annotated[StrictInt, Field(ge=0, le=1_000_000)] = 0


@router.post("/search/cases", response_model=CasePage, responses=write_errors())
def search_cases(request: Request, p: Caller, body: CaseSearch) -> Any:
    """Дела с теми же отборами, что у GET /cases, и по части ФИО члена семьи — в теле запроса, чтобы
    персональные данные не попадали в адрес (журналы прокси и сервера)."""
    query = views.CaseQuery(**body.model_dump())
    return CasePage.model_validate(services(request).read(views.list_cases, p, query), from_attributes=True)


@router.get("/cases/{case_id}", response_model=CasePublic,
            responses={**errors(404), 200: {"headers": ETAG_HEADER, "description": "дело"}})
def get_case(request: Request, response: Response, case_id: CaseId, p: Caller,
             as_of: Annotated[Day | None, Query(description="показать дело таким, каким оно было на конец этого "
                                                            "дня (ГГГГ-ММ-ДД)")] = None) -> Any:
    """Дело: семья, сообщения, планы, сроки (с основанием, датой, рабочими днями до срока), документы,
    участники, постановления КДН, связанные дела, версия (и заголовок ETag), `events` — действия процесса
    в текущем состоянии с полями формы (название, тип, обязательность, варианты), `target_state` — ключ
    состояния, в которое ведёт действие; действие, условие которого сейчас не выполнено, приходит с
    `available: false` и причиной в `reason`; `commands` — мероприятия плана, отчёты органов об исполнении
    и передача дела: кому разрешены и может ли их выполнить вызывающий (если нет — почему).
    С `as_of=ГГГГ-ММ-ДД` — дело на конец этого дня, восстановленное по журналу аудита: состояние, версия,
    ответственный и организация, сроки (открытые тогда и просроченные на тот момент), план с мероприятиями
    и их статусами на тот день, документы, посещения, постановления; `events` и `commands` пусты, ETag нет.
    Дата позже сегодняшней или раньше открытия дела — 422. Просмотр записывается в журнал доступа.
    """
    detail = services(request).execute(case_page.case_detail, p, case_id, as_of, with_history=False)
    if as_of is None:
        set_etag(response, detail.case.version)
    return CasePublic.model_validate({**_fields(detail.case), "family": detail.family, "reports": detail.reports,
                                      "plans": detail.plans, "visits": detail.visits, "deadlines": detail.deadlines,
                                      "documents": detail.documents, "parties": detail.parties,
                                      "resolutions": detail.resolutions, "related": detail.related,
                                      "events": detail.actions, "commands": detail.commands,
                                      "can_edit_plan": detail.can_edit_plan, "as_of": detail.as_of,
                                      "can_reassign": detail.can_reassign}, from_attributes=True)


def _fields(row: views.CaseRow) -> dict[str, Any]:
    return {name: getattr(row, name) for name in row.__dataclass_fields__}


@router.post("/cases/{case_id}/events/{event}", response_model=EventPublic,
             responses={**write_errors(404, 409), 200: {"headers": ETAG_HEADER, "description": "действие выполнено"}})
def fire_event(request: Request, response: Response, case_id: CaseId,
               event: Annotated[str, Path(max_length=64, pattern=NAME, description="действие")],
               p: Caller, payload: Annotated[Payload | None, Body(description="поля действия")] = None,
               if_match: IfMatch = None, key: IdempotencyKey = None) -> EventPublic:
    """Выполнить действие процесса над делом (поля — из `events` карточки дела).

    Проверяются по порядку: ключ идемпотентности (повтор с тем же `Idempotency-Key` возвращает первый
    результат, ничего не меняя, и заголовок `Idempotent-Replayed: true`), версия из `If-Match`
    (устаревшая — 409 `version_conflict`), доступность действия в текущем состоянии (409), роль (403),
    поля (422 `payload_invalid` с сообщением по каждому полю), условия (422 `guard_failed`).
    Ответ — новое состояние и версия (и заголовок ETag).
    """
    svc = services(request)
    result, title = svc.execute(api_views.fire_event_titled, p, FireEvent(case_id, event, payload or {},
                                                                   expected_version(if_match), key))
    set_etag(response, result.version)
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return EventPublic(case_id=result.case_id, event=result.event, from_state=result.from_state,
                       to_state=result.to_state, state_title=title, version=result.version)


@router.get("/cases/{case_id}/history", response_model=list[HistoryPublic], responses=errors(404))
def history(request: Request, case_id: CaseId, p: Caller,
            as_of: Annotated[Day | None, Query(description="только то, что произошло до конца этого дня")] = None
            ) -> Any:
    """История дела (новые записи — первыми): действия из журнала аудита — кто и в какой роли, из какого
    состояния в какое, заполненные поля — а также нарушенные сроки, эскалации и напоминания (у них `seq` = 0,
    `kind` — deadline_missed, escalation, reminder)."""
    entries = services(request).execute(api_views.case_history, p, case_id, as_of)
    return [HistoryPublic.model_validate(e, from_attributes=True) for e in entries]


@router.get("/cases/{case_id}/documents", response_model=list[DocumentPublic], responses=errors(404))
def documents(request: Request, case_id: CaseId, p: Caller) -> Any:
    """Документы (акты) дела, все редакции, новые — первыми; файлы — GET /documents/{id}/file."""
    rows = services(request).execute(api_views.case_documents, p, case_id)
    return [DocumentPublic.model_validate(r, from_attributes=True) for r in rows]
