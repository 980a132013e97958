"""Hand-overs on the case page: the supervisor offers the case (a candidate and a reason), the receiver accepts or
returns it, the one who handed it over undoes it the same day; the worklist lists offers awaiting an answer."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.routes.ui_cases import Form, User, parse_int, submit
from api.web import check_csrf, services
from cases import access, handovers
from cases.errors import InputInvalid, NotFound
from cases.principal import Principal
from cases.services import Services
from engine.database import UnitOfWork

router = APIRouter(include_in_schema=False)


def page_data(tx: UnitOfWork, svc: Services, p: Principal, case_id: int) -> dict[str, Any]:
    """The case page's part about hand-overs: the candidates (for a supervisor), the open offer and the past."""
    case = svc.runtime.load(tx, case_id)
    rows = handovers.rows_for_case(tx, case_id)
    pending = next((r for r in rows if r["status"] == "pending"), None)
    today = svc.runtime.calendar.local_date(svc.runtime.clock.now())
    undoable = [r["id"] for r in rows if r["by_user_id"] == p.user_id and r["status"] in ("pending", "accepted")
                and svc.runtime.calendar.local_date(r["created_at"]) == today
                and (r["status"] == "pending" or case.assignee_id == r["to_user_id"])]
    return {"handovers": rows[:5], "pending_handover": pending, "undoable": undoable,
            "handover_candidates": [(c.user_id, c.label) for c in handovers.candidates(tx, svc, p, case)]
            if access.can_manage(p) and pending is None else []}


def _case_of(request: Request, p: Principal, handover_id: int) -> int:
    rows = services(request).read(lambda tx, s: [r for r in handovers.offered_to(tx, p) if r["id"] == handover_id])
    if not rows:
        raise NotFound("Передача дела")
    return int(rows[0]["case_id"])


@router.post("/cases/{case_id}/handovers")
def offer(request: Request, case_id: int, user: User, form: Form) -> Response:
    """Передать дело сотруднику, который может выполнить текущий шаг, с указанием причины."""
    check_csrf(user, form.get("csrf"))
    svc, p = services(request), user.principal
    to_user = parse_int(form.get("to_user_id", ""))

    def run(once: tuple[int, str] | None) -> str:
        if to_user is None:
            raise InputInvalid({"to_user_id": "выберите сотрудника"})
        svc.execute(handovers.offer, p, handovers.OfferCase(case_id, to_user, form.get("reason", "")), once=once)
        return "Дело предложено сотруднику: оно останется у прежнего ответственного, пока его не примут"

    return submit(request, user, case_id, "handover", form, run, once=form.get("idem", ""))


@router.post("/handovers/{handover_id}/accept")
def accept(request: Request, handover_id: int, user: User, form: Form) -> Response:
    """Принять переданное дело."""
    check_csrf(user, form.get("csrf"))
    svc, p = services(request), user.principal
    case_id = _case_of(request, p, handover_id)

    def run(once: tuple[int, str] | None) -> str:
        svc.execute(handovers.accept, p, handover_id, once=once)
        return "Дело принято: теперь вы ответственный"

    return submit(request, user, case_id, "handover_answer", form, run, once=form.get("idem", ""))


@router.post("/handovers/{handover_id}/return")
def give_back(request: Request, handover_id: int, user: User, form: Form) -> Response:
    """Вернуть переданное дело с пояснением."""
    check_csrf(user, form.get("csrf"))
    svc, p = services(request), user.principal
    case_id = _case_of(request, p, handover_id)

    def run(once: tuple[int, str] | None) -> str:
        svc.execute(handovers.give_back, p, handover_id, form.get("reason", ""), once=once)
        return "Дело возвращено: оно остаётся у прежнего ответственного"

    response = submit(request, user, case_id, "handover_answer", {"reason": form.get("reason", "")}, run,
                      once=form.get("idem", ""))
    if response.status_code == 303 and response.headers.get("location", "").startswith(f"/cases/{case_id}"):
        response.headers["location"] = "/"  # the case is no longer the receiver's to see
    return response


@router.post("/handovers/{handover_id}/undo")
def undo(request: Request, handover_id: int, user: User, form: Form) -> Response:
    """Отменить передачу дела в тот же день."""
    check_csrf(user, form.get("csrf"))
    svc, p = services(request), user.principal
    case_id = parse_int(form.get("case_id", ""))
    if case_id is None:
        raise NotFound("Дело")

    def run(once: tuple[int, str] | None) -> str:
        svc.execute(handovers.undo, p, handover_id, once=once)
        return "Передача дела отменена"

    return submit(request, user, case_id, "handover_undo", form, run, once=form.get("idem", ""))
