"""What a user may do on a case besides its workflow's actions: plan measures, execution reports, reassignment.

Each command is answered by the same checks its handler runs (:func:`cases.handlers.plan_rights`,
:func:`cases.handlers.report_rights`, :func:`cases.access.can_manage`), so the case page and
``GET /cases/{id}`` never offer what the handler would refuse — and say why when they do not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cases import access
from cases.access import CLOSE_ROLES, MANAGERS, PLAN_ROLES, REPORT_ROLES
from cases.errors import Conflict, DomainError, Forbidden
from cases.handlers import plan_rights, report_rights
from cases.plans import EDITABLE, items_of, kind_for, plan_of
from cases.principal import Principal
from cases.services import Services
from engine.context import CaseView
from engine.database import UnitOfWork


@dataclass(frozen=True)
class CommandView:
    command: str
    title: str
    #: the REST call that runs it (``{item_id}``: a measure of the plan)
    method: str
    path: str
    #: the roles that may run it on a case like this one
    roles: list[str]
    available: bool
    #: why it is not available to the caller now ("" when it is)
    reason: str


def _option(command: str, title: str, path: str, roles: Iterable[str], check: Callable[[], object]) -> CommandView:
    try:
        check()
    except DomainError as exc:
        return CommandView(command, title, "POST", path, sorted(roles), False, str(exc))
    return CommandView(command, title, "POST", path, sorted(roles), True, "")


def case_commands(tx: UnitOfWork, svc: Services, p: Principal, case: CaseView) -> list[CommandView]:
    """The domain's commands on ``case`` for ``p``: each with who may run it and, if ``p`` may not now, why."""
    base = f"/api/v1/cases/{case.id}"
    result = []
    kind = kind_for(case.workflow)
    if kind is not None:
        def closable() -> None:
            plan_rights(tx, svc, p, case, CLOSE_ROLES, None)
            plan = plan_of(tx, case.id, kind)
            if plan is None or not any(i.status == "open" for i in items_of(tx, plan.id)):
                raise Conflict("В плане нет открытых мероприятий")

        result.append(_option("add_plan_item", "Добавить мероприятие в план", f"{base}/plan-items", PLAN_ROLES[kind],
                              lambda: plan_rights(tx, svc, p, case, PLAN_ROLES, EDITABLE)))
        result.append(_option("close_plan_item", "Закрыть мероприятие плана", f"{base}/plan-items/{{item_id}}/close",
                              CLOSE_ROLES[kind], closable))
    if kind_for(case.workflow) == "ipr":
        result.append(_option("record_execution_report", "Внести отчёт органа об исполнении плана",
                              f"{base}/execution-reports", REPORT_ROLES, lambda: report_rights(tx, p, case)))

    def reassignable() -> None:
        if not access.can_manage(p):
            raise Forbidden("Передавать дела может руководитель или директор УСО")
        if case.closed_at is not None:
            raise Conflict("Дело закрыто")

    result.append(_option("assign", "Передать дело сотруднику", f"{base}/assign", MANAGERS,
                          reassignable))
    return result
