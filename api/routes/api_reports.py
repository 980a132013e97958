"""REST: registering reports about children and previewing the matches of the children they name."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.routes.api_common import Caller, IdempotencyKey, write_errors
from api.schemas import ChildLink, ChildMatches, MatchRequest, ReportCreate, ReportPublic
from api.web import services
from cases import api_views, handlers

router = APIRouter(tags=["reports"])


@router.post("/reports", status_code=201, response_model=ReportPublic, responses=write_errors(409))
def register_report(request: Request, response: Response, body: ReportCreate, p: Caller,
                    key: IdempotencyKey = None) -> ReportPublic:
    """Зарегистрировать сообщение о нарушении прав ребёнка и открыть дело (Путь 1, шаг 1).

    Дети сопоставляются с уже известными (ФИО без учёта регистра и ё/е, дата рождения). Если ребёнок
    совпадает с несколькими известными, ответ — 409 `ambiguous_match` с кандидатами: повторите запрос,
    указав `person_id` выбранного ребёнка или `new: true`. Если у семьи ребёнка идёт ИПР, организованная
    КДН, открывается обязанность передать сообщение в КДН (`kdn_forward_case_id`). Заголовок
    `Idempotency-Key`: повтор того же запроса возвращает тот же ответ (и заголовок `Idempotent-Replayed: true`)
    и ничего не создаёт; тот же ключ с другим телом — 422 `idempotency_key_reused`. Регистрируют орган опеки
    и Агентство.
    """
    svc = services(request)
    done = svc.execute(handlers.register_report, p, body.command(key))
    if done.replayed:
        done = svc.execute(api_views.report_outcome, p, done.case_id)
        response.headers["Idempotent-Replayed"] = "true"
    return ReportPublic(report_id=done.report_id, case_id=done.case_id, family_id=done.family_id,
                        children=[ChildLink(person_id=i, match=m) for i, m in done.children],
                        kdn_case_id=done.kdn_case_id, kdn_forward_case_id=done.kdn_forward_case_id,
                        registration_card_id=done.document_id)


@router.post("/reports/matches", response_model=list[ChildMatches], responses=write_errors())
def preview_matches(request: Request, body: MatchRequest, p: Caller) -> list[ChildMatches]:
    """Проверить до сохранения сообщения, с кем из известных детей совпадают названные в нём дети.

    Для каждого ребёнка (по порядку) — кандидаты: `exact` (совпали ФИО и дата рождения) или `name`
    (совпало ФИО, даты рождения нет), и ИПР семьи кандидата, если она идёт.
    """
    found = services(request).execute(api_views.preview_matches, p, [c.command() for c in body.children])
    return [ChildMatches.model_validate({"child": i, "candidates": candidates}, from_attributes=True)
            for i, candidates in enumerate(found)]
