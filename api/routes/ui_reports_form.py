"""Registering a report: the form, the check for known children before saving, and saving.

«Проверить совпадения» shows, for every child entered, the known children of the territory with the
same name (and date of birth) and lets the user link the report to one of them or register a new
child; «Зарегистрировать» saves through ``handlers.register_report``. When several known children
match and the user has not chosen, the handler's ``AmbiguousMatch`` brings the user back to the
choice, never to an error page.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.forms import form_data, validated
from api.routes.ui_cases import Form, User, new_key
from api.schemas.inputs import AdultCreate, ChildCreate, ReportCreate
from api.web import UiUser, check_csrf, page, redirect, services
from cases import access, handlers
from cases.commands import CHANNELS, RELATIONS, SOURCE_TYPES, RegisterReport
from cases.errors import AmbiguousMatch, Forbidden, InputInvalid
from cases.matching import Candidate
from cases.services import Services

router = APIRouter(include_in_schema=False)
BLANK_ROWS, MAX_ROWS = 3, 12
ADULT_RELATIONS = [(k, v) for k, v in RELATIONS.items() if k != "child"]


@dataclass
class ChildRow:
    last_name: str = ""
    first_name: str = ""
    middle_name: str = ""
    birth_date: str = ""
    #: "" (let the system match), "new", or a known child's person id
    choice: str = ""

    @property
    def blank(self) -> bool:
        return not (self.last_name or self.first_name or self.middle_name or self.birth_date)


def _rows(form: dict[str, str]) -> list[ChildRow]:
    """The filled child rows in order (blank rows dropped, so their numbers match the handler's)."""
    rows = [ChildRow(form.get(f"c{i}_last", ""), form.get(f"c{i}_first", ""), form.get(f"c{i}_middle", ""),
                     form.get(f"c{i}_birth", ""), form.get(f"c{i}_choice", "")) for i in range(MAX_ROWS)]
    return [r for r in rows if not r.blank]


def _body(svc: Services, form: dict[str, str], rows: list[ChildRow]) -> dict[str, Any]:
    """The form as the JSON body of ``POST /api/v1/reports`` (the time of receipt in the region's zone)."""
    body = form_data(ReportCreate, form)
    received = form.get("received_at", "")
    with contextlib.suppress(ValueError):  # a bad value stays text: the model names the problem
        received = datetime.fromisoformat(received).replace(tzinfo=svc.runtime.calendar.zone).isoformat()
    body["received_at"] = received
    body["children"] = [form_data(ChildCreate, {
        "last_name": row.last_name, "first_name": row.first_name, "middle_name": row.middle_name,
        "birth_date": row.birth_date, "person_id": row.choice if row.choice.isdigit() else "",
        "new": "yes" if row.choice == "new" else ""}) for row in rows]
    adult = {"relation": form.get("a_relation", ""), "last_name": form.get("a_last", ""),
             "first_name": form.get("a_first", ""), "middle_name": form.get("a_middle", ""),
             "birth_date": form.get("a_birth", "")}
    body["adults"] = [form_data(AdultCreate, adult)] if adult["last_name"] or adult["first_name"] else []
    return body


def _command(svc: Services, form: dict[str, str], rows: list[ChildRow]) -> tuple[RegisterReport | None,
                                                                                   dict[str, str]]:
    """The command the API would build from the same report; or the fields' problems, in the API's words."""
    try:
        report = validated(ReportCreate, _body(svc, form, rows))
    except InputInvalid as exc:
        return None, exc.errors
    return report.command(form.get("idem", "")[:100] or None), {}


def _render(request: Request, user: UiUser, form: dict[str, str], rows: list[ChildRow], status: int = 200, *,
            errors: dict[str, str] | None = None, matches: list[list[Candidate]] | None = None,
            message: str = "") -> Response:
    shown = rows + [ChildRow() for _ in range(max(BLANK_ROWS - len(rows), 1 if not matches else 0))]
    for row, found in zip(rows, matches or [], strict=False):
        exact = [c for c in found if c.strength == "exact"]
        if not row.choice and len(exact) == 1:  # one exact match: the likely answer, the user may change it
            row.choice = str(exact[0].person_id)
    svc = services(request)
    now = svc.runtime.clock.now().astimezone(svc.runtime.calendar.zone)
    return page(request, "report_new.html", user, status=status, v=form, rows=shown, matches=matches or [],
                today=now.date().isoformat(), now_local=now.strftime("%Y-%m-%dT%H:%M"),
                checked=matches is not None, errors=errors or {}, message=message, key=form.get("idem") or new_key(),
                sources=list(SOURCE_TYPES.items()), channels=list(CHANNELS.items()), relations=ADULT_RELATIONS)


def _allowed(user: UiUser) -> None:
    if not access.can_register_reports(user.principal):
        raise Forbidden("Регистрировать сообщения могут орган опеки и Агентство")


@router.get("/reports/new")
def report_form(request: Request, user: User) -> Response:
    """Форма регистрации сообщения о нарушении прав ребёнка."""
    _allowed(user)
    svc = services(request)
    now = svc.runtime.clock.now().astimezone(svc.runtime.calendar.zone)
    return _render(request, user, {"received_at": now.strftime("%Y-%m-%dT%H:%M")}, [])


def _matches(svc: Services, user: UiUser, cmd: RegisterReport) -> list[list[Candidate]]:
    return svc.read(lambda tx, s: handlers.match_children(tx, user.principal, cmd.children))


@router.post("/reports/new")
def register(request: Request, user: User, form: Form) -> Response:
    """Проверить совпадения с известными детьми или зарегистрировать сообщение."""
    check_csrf(user, form.get("csrf"))
    _allowed(user)
    svc = services(request)
    rows = _rows(form)
    cmd, errors = _command(svc, form, rows)
    if cmd is None:
        return _render(request, user, form, rows, 422, errors=errors, message="Проверьте поля формы")
    if form.get("step") != "save":
        return _render(request, user, form, rows, matches=_matches(svc, user, cmd))
    try:
        done = svc.execute(handlers.register_report, user.principal, cmd)
    except InputInvalid as exc:
        return _render(request, user, form, rows, 422, errors=exc.errors, message="Проверьте поля формы")
    except AmbiguousMatch as exc:
        return _render(request, user, form, rows, 409, matches=_matches(svc, user, cmd),
                       errors={f"children[{exc.child_index}].choice": "выберите одного из найденных детей "
                                                                       "или «новый ребёнок»"}, message=str(exc))
    return redirect(f"/cases/{done.case_id}", _flash(done))


def _flash(done: handlers.ReportRegistered) -> str:
    if done.replayed:
        return f"Это сообщение уже зарегистрировано (повторная отправка формы): дело № {done.case_id}"
    parts: list[Any] = [f"Сообщение зарегистрировано: дело № {done.case_id}."]
    if any(how != "new" for _, how in done.children):
        parts.append("Сообщение связано с уже известной семьёй.")
    if done.kdn_forward_case_id:
        parts.append(f"Семья уже в ИПР КДН (дело № {done.kdn_case_id}): создано поручение направить сообщение "
                     f"в КДН — дело № {done.kdn_forward_case_id}.")
    return " ".join(parts)
