"""The case page and its forms: actions generated from the workflow, plan items, execution reports,
reassignment, documents.

Every form posts ``expected_version`` and an idempotency key generated when the page is rendered, so a
double click fires an action once. A form that fails is answered with the same page: field errors next
to the fields with the user's values kept (422), other refusals as an error block with their status.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from markupsafe import Markup

from api.errors import describe
from api.forms import from_form
from api.schemas.inputs import AssignCreate, ExecutionReportCreate, PlanItemClose, PlanItemCreate, ReissueCreate
from api.web import MEDIA, UiUser, check_csrf, download, page, redirect, services, ui_user
from cases import handlers
from cases.case_page import case_detail, field_options
from cases.commands import FireEvent
from cases.errors import AlreadyDone, DomainError, InputInvalid, NotFound
from cases.principal import Principal
from cases.services import Services
from engine import diagram
from engine.database import UnitOfWork
from engine.definition import Transition, Workflow
from engine.errors import EngineError, PayloadInvalid

router = APIRouter(include_in_schema=False)

FIELD_PREFIX = "f_"


# -- form plumbing (shared by the other UI modules) -----------------------------------------------------

async def form_fields(request: Request) -> dict[str, str]:
    """The posted form as plain strings (files are ignored); a dependency, so routes stay synchronous. A name sent
    more than once (the ticked boxes of a checklist) keeps its values one per line."""
    form = await request.form()
    fields: dict[str, str] = {}
    for key, value in form.multi_items():
        text = value.strip() if isinstance(value, str) else ""
        fields[key] = f"{fields[key]}\n{text}" if fields.get(key) and text else (text or fields.get(key, ""))
    return fields


Form = Annotated[dict[str, str], Depends(form_fields)]
User = Annotated[UiUser, Depends(ui_user)]


def new_key() -> str:
    """A random idempotency key put into a form when the page is rendered."""
    return secrets.token_urlsafe(12)


def parse_date(value: str, name: str, errors: dict[str, str], required: bool = False) -> date | None:
    """``YYYY-MM-DD`` (what ``<input type=date>`` sends) or ``ДД.ММ.ГГГГ``; a message in ``errors`` otherwise."""
    if not value:
        if required:
            errors[name] = "обязательное поле"
        return None
    try:
        if "." in value:
            day, month, year = (int(x) for x in value.split("."))
            return date(year, month, day)
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = "ожидается дата в виде ДД.ММ.ГГГГ"
        return None


def parse_int(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 12 else None


ALREADY_SENT = AlreadyDone().args[0]


# -- the page ---------------------------------------------------------------------------------------

_SVG: dict[tuple[str, int, str], Markup] = {}


def _diagram(wf: Workflow, state: str) -> Markup:
    key = (wf.name, wf.version, state)
    if key not in _SVG:  # a diagram depends only on the version and the state: draw it once
        _SVG[key] = Markup(diagram.svg(wf, state))  # drawn by our engine, which escapes every text
    return _SVG[key]


def case_page_data(tx: UnitOfWork, svc: Services, p: Principal, case_id: int, as_of: date | None = None
                   ) -> dict[str, Any]:
    """What the case page shows, now or as of a day (the view is written to the access log by ``case_detail``)."""
    detail = case_detail(tx, svc, p, case_id, as_of)
    case = svc.runtime.load(tx, case_id)
    allowed = {c.command for c in detail.commands if c.available}
    from api.routes import ui_attachments, ui_handovers  # parts of the page (those modules build on this one)

    return {"d": detail, "diagram": _diagram(svc.runtime.workflow_of(case), detail.case.state),
            "orgs": field_options(tx, p, "org_ref"),
            "today": svc.runtime.calendar.local_date(svc.runtime.clock.now()).isoformat(),
            "exec_report": "record_execution_report" in allowed, "close_items": "close_plan_item" in allowed,
            **ui_attachments.page_data(tx, svc, p, case_id),
            **ui_handovers.page_data(tx, svc, p, case_id)}


def render_case(request: Request, user: UiUser, case_id: int, status: int = 200, *, form: str = "",
                errors: Mapping[str, str] | None = None, values: Mapping[str, str] | None = None,
                message: str = "", as_of: date | None = None) -> Response:
    """The case page; after a failed form ``form`` names it, with its errors, the user's values and a message."""
    data = services(request).execute(case_page_data, user.principal, case_id, as_of)
    return page(request, "case.html", user, status=status, **data, key=new_key(), form=form,
                errors=dict(errors or {}), values=dict(values or {}), message=message)


@router.get("/cases/{case_id}")
def case_page(request: Request, case_id: int, user: User) -> Response:
    """Карточка дела: семья, состояние на схеме процесса, сроки, планы, документы, история, действия;
    с ``?as_of=ГГГГ-ММ-ДД`` — дело на конец этого дня (только просмотр)."""
    typed = request.query_params.get("as_of", "").strip()[:10]
    if not typed:
        return render_case(request, user, case_id)
    errors: dict[str, str] = {}
    day = parse_date(typed, "as_of", errors)
    if day is not None:
        try:
            return render_case(request, user, case_id, as_of=day)
        except InputInvalid as exc:
            errors = exc.errors
    return render_case(request, user, case_id, 422, form="as_of", errors=errors, values={"as_of": typed},
                       message="Показать дело на эту дату нельзя: " + "; ".join(errors.values()))


def submit(request: Request, user: UiUser, case_id: int, form: str, values: Mapping[str, str],
           action: Callable[[tuple[int, str] | None], str], once: str = "") -> Response:
    """Run a form's command; on success back to the case with a message, otherwise the page with the error.

    ``once`` is the form's key (rendered into the page): the command is claimed under it in its own
    transaction (``Services.execute(once=…)``), so a double click or a resent form changes nothing.
    """
    key = (user.principal.user_id, f"form:{once}") if once else None
    try:
        flash = action(key)
    except AlreadyDone:
        return redirect(f"/cases/{case_id}", ALREADY_SENT)
    except (InputInvalid, PayloadInvalid) as exc:
        known = {k: v for k, v in exc.errors.items() if k in values}
        other = "; ".join(v if k == "_" else f"{k}: {v}" for k, v in exc.errors.items() if k not in values)
        return render_case(request, user, case_id, 422, form=form, errors=known, values=values,
                           message="Проверьте поля формы" + (f" ({other})" if other else ""))
    except (DomainError, EngineError) as exc:
        status, _, message, _ = describe(exc)
        if isinstance(exc, NotFound) or status == 404:
            raise
        return render_case(request, user, case_id, status, form=form, values=values, message=message)
    return redirect(f"/cases/{case_id}", flash)


def _transition(tx: UnitOfWork, svc: Services, p: Principal, case_id: int, event: str) -> Transition | None:
    case = handlers.visible_case(tx, svc, p, case_id)
    return svc.runtime.transition(case, event)


@router.post("/cases/{case_id}/actions/{event}")
def fire(request: Request, case_id: int, event: str, user: User, form: Form) -> Response:
    """Выполнить действие процесса из формы на карточке дела."""
    check_csrf(user, form.get("csrf"))
    svc, p = services(request), user.principal
    values = {k.removeprefix(FIELD_PREFIX): v for k, v in form.items() if k.startswith(FIELD_PREFIX)}
    tr = svc.read(_transition, p, case_id, event)
    for spec in tr.fields if tr is not None else ():
        values.setdefault(spec.name, "")  # an unticked checklist sends nothing: its error belongs to the field
    if tr is not None and tr.confirm and form.get("confirmed") != "yes":
        return render_case(request, user, case_id, 422, form=f"action:{event}", values=values,
                           errors={"_confirm": "отметьте «Подтверждаю», чтобы выполнить действие"},
                           message="Действие не выполнено: нужно подтверждение")
    payload = {k: v for k, v in values.items() if v != ""}
    command = FireEvent(case_id, event, payload, parse_int(form.get("expected_version", "")),
                        form.get("idem", "")[:100] or None)

    def run(once: tuple[int, str] | None) -> str:  # the engine's idempotency key covers actions
        result = svc.execute(handlers.fire_event, p, command)
        if result.replayed:
            return ALREADY_SENT
        return f"Выполнено: «{tr.title if tr else event}»"

    return submit(request, user, case_id, f"action:{event}", values, run)


@router.post("/cases/{case_id}/plan/items")
def add_item(request: Request, case_id: int, user: User, form: Form) -> Response:
    """Добавить мероприятие в план дела."""
    check_csrf(user, form.get("csrf"))
    svc, p = services(request), user.principal

    def run(once: tuple[int, str] | None) -> str:
        svc.execute(handlers.add_plan_item, p, from_form(PlanItemCreate, form).command(case_id), once=once)
        return "Мероприятие добавлено в план"

    return submit(request, user, case_id, "plan_item", form, run, once=form.get("idem", ""))


@router.post("/cases/{case_id}/plan/items/{item_id}/close")
def close_item(request: Request, case_id: int, item_id: int, user: User, form: Form) -> Response:
    """Закрыть мероприятие плана с результатом."""
    check_csrf(user, form.get("csrf"))
    svc, p = services(request), user.principal

    def run(once: tuple[int, str] | None) -> str:
        svc.execute(handlers.close_plan_item, p, from_form(PlanItemClose, form).command(case_id, item_id),
                    once=once)
        return "Мероприятие закрыто"

    return submit(request, user, case_id, f"close:{item_id}", form, run, once=form.get("idem", ""))


@router.post("/cases/{case_id}/execution-reports")
def execution_report(request: Request, case_id: int, user: User, form: Form) -> Response:
    """Внести отчёт органа системы профилактики об исполнении межведомственного плана."""
    check_csrf(user, form.get("csrf"))
    svc, p = services(request), user.principal

    def run(once: tuple[int, str] | None) -> str:
        svc.execute(handlers.record_execution_report, p, from_form(ExecutionReportCreate, form).command(case_id),
                    once=once)
        return "Отчёт об исполнении плана внесён"

    return submit(request, user, case_id, "exec_report", form, run, once=form.get("idem", ""))


@router.post("/cases/{case_id}/assign")
def assign(request: Request, case_id: int, user: User, form: Form) -> Response:
    """Передать дело другому сотруднику (руководитель, директор УСО)."""
    check_csrf(user, form.get("csrf"))
    svc, p = services(request), user.principal

    def run(once: tuple[int, str] | None) -> str:
        body = from_form(AssignCreate, form)
        svc.execute(handlers.assign_case, p, body.command(case_id, parse_int(form.get("expected_version", ""))))
        return "Дело передано сотруднику" if body.assignee_id else "Ответственный сотрудник снят"

    return submit(request, user, case_id, "assign", form, run)


# -- documents --------------------------------------------------------------------------------------

@router.get("/documents/{document_id}/{fmt}")
def document_file(request: Request, document_id: int, fmt: str, user: User) -> Response:
    """Скачать документ (акт) в формате PDF или DOCX."""
    if fmt not in ("pdf", "docx"):
        raise NotFound("Формат документа")
    filename, data = handlers.download(services(request), user.principal, document_id, fmt)
    return download(filename, data, MEDIA[fmt])


@router.post("/documents/{document_id}/reissue")
def reissue(request: Request, document_id: int, user: User, form: Form) -> Response:
    """Переиздать документ (новая редакция под тем же номером)."""
    check_csrf(user, form.get("csrf"))
    svc, p = services(request), user.principal
    case_id = parse_int(form.get("case_id", ""))
    if case_id is None:
        case_id = svc.read(lambda tx, s: handlers.visible_document(tx, s, p, document_id).case_id)

    def run(once: tuple[int, str] | None) -> str:
        document = svc.execute(handlers.reissue_document, p, from_form(ReissueCreate, form).command(document_id),
                               once=once)
        return f"Документ переиздан: № {document.label}"

    return submit(request, user, case_id, f"reissue:{document_id}", {"reason": form.get("reason", "")}, run,
                  once=form.get("idem", ""))

