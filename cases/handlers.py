"""Command handlers: one function per command, read top to bottom.

Each takes ``(tx, services, principal, command)``, checks access through ``cases.access``,
does its work inside the caller's unit of work and writes the access log. The web UI, the
REST API, the CLI and the simulator all call these; routes only parse and render.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

import sqlalchemy as sa

from cases import access, documents, families, plans
from cases.access import CLOSE_ROLES, PLAN_ROLES, REPORT_ROLES
from cases.commands import (
    AddPlanItem,
    AssignCase,
    ChildInput,
    CloseItem,
    FireEvent,
    RecordExecutionReport,
    RegisterReport,
    ReissueDocument,
)
from cases.directory import principal_of
from cases.errors import AmbiguousMatch, Conflict, Forbidden, InputInvalid, NotFound
from cases.inputs import Fields, check_report
from cases.matching import Candidate, find_candidates, open_kdn_case
from cases.plans import EDITABLE, ensure_plan, item_ref, kind_for, plan_of, sync_item_deadlines
from cases.principal import Principal
from cases.roles import ROLES
from cases.services import Services
from cases.tables import (
    AccessLog,
    Document,
    ExecutionReport,
    Organisation,
    User,
)
from engine.commands import FireTransition, StartCase, TransitionResult
from engine.context import CaseView
from engine.database import UnitOfWork
from engine.definition import Transition
from engine.errors import CaseNotFound, DeadlineNotFound, RoleNotAllowed, TransitionNotAllowed
from engine.sql import Prepared
from engine.tables import table_of

_LOG = Prepared(sa.insert(AccessLog.__table__), ["user_id", "case_id", "action", "what", "at"])  # type: ignore[attr-defined]


def log_access(tx: UnitOfWork, p: Principal, case_id: int | None, action: str, what: str, svc: Services) -> None:
    """Who viewed or changed which case, when (152-FZ: access to personal data is attributable)."""
    _LOG.execute(tx.connection, {"user_id": p.user_id, "case_id": case_id, "action": action, "what": what[:300],
                                 "at": svc.runtime.clock.now()}).close()


def visible_case(tx: UnitOfWork, svc: Services, p: Principal, case_id: int) -> CaseView:
    """The case if ``p`` may see it; otherwise :class:`NotFound` (never revealing that it exists)."""
    try:
        case = svc.runtime.load(tx, case_id)
    except CaseNotFound:
        raise NotFound("Дело") from None
    if not access.can_view(tx, p, case):
        raise NotFound("Дело")
    return case


def view_case(tx: UnitOfWork, svc: Services, p: Principal, case_id: int, what: str = "просмотр дела") -> CaseView:
    case = visible_case(tx, svc, p, case_id)
    log_access(tx, p, case_id, "view", what, svc)
    return case


# -- registering a report ------------------------------------------------------------------------

@dataclass(frozen=True)
class ReportRegistered:
    report_id: int
    case_id: int
    family_id: int
    children: list[tuple[int, str]] = field(default_factory=list)
    kdn_case_id: int | None = None
    kdn_forward_case_id: int | None = None
    document_id: int | None = None
    replayed: bool = False


def _request(cmd: RegisterReport) -> dict[str, Any]:
    """The report as it was asked for (its idempotency key aside): a retry must ask for exactly this again."""
    body = dataclasses.asdict(cmd)
    body.pop("idempotency_key")
    if cmd.received_at.tzinfo is not None:  # the same moment written in another zone is the same request
        body["received_at"] = cmd.received_at.astimezone(UTC).isoformat()
    return body


def match_children(tx: UnitOfWork, p: Principal, children: Sequence[ChildInput]) -> list[list[Candidate]]:
    """Known children matching each reported child (shown in the form before saving)."""
    return [find_candidates(tx, p.territory, c.last_name, c.first_name, c.middle_name, c.birth_date)
            for c in children]


def _resolve_child(tx: UnitOfWork, p: Principal, index: int, child: ChildInput,
                   candidates: list[Candidate]) -> tuple[Any | None, str]:
    """The known child this reported child is (a person row), or None for a new one; and how it was found."""
    if child.person_id is not None:
        known = families.person(tx, child.person_id)
        if known is None or known.territory != p.territory or known.relation != "child":
            raise InputInvalid({f"children[{index}].person_id": "такого ребёнка нет в вашей территории"})
        return known, "chosen"
    if child.new or not candidates:
        return None, "new"
    exact = [c for c in candidates if c.strength == "exact"]
    if len(exact) == 1:
        return families.person(tx, exact[0].person_id), "matched"
    if len(candidates) == 1:
        return families.person(tx, candidates[0].person_id), "matched_without_birth_date"
    raise AmbiguousMatch(index, [c.as_dict() for c in candidates])


def register_report(tx: UnitOfWork, svc: Services, p: Principal, cmd: RegisterReport) -> ReportRegistered:
    """Register a report the same day (docs/process.md, Path 1 step 1) and start its case.

    Known children link the report to their family instead of duplicating it; a child whose
    family has individual preventive work organised by the KDN makes the "forward to the KDN"
    obligation appear (Path 1 step 2).
    """
    if not access.can_register_reports(p):
        raise Forbidden("Регистрировать сообщения могут орган опеки и Агентство")
    runtime = svc.runtime
    key = f"report:{p.user_id}:{cmd.idempotency_key}" if cmd.idempotency_key else None
    request = _request(cmd)
    prior = runtime.replayed_start(tx, StartCase("child_report", p.actor(access.any_role(p)), idempotency_key=key,
                                                 request=request))  # another request with the key: refused
    if prior is not None:
        first = families.report_of_case(tx, prior.case_id)
        assert first is not None
        return ReportRegistered(first.id, prior.case_id, first.family_id, replayed=True)
    now = runtime.clock.now()
    cmd = check_report(cmd, now, runtime.calendar)
    resolved = [_resolve_child(tx, p, i, c, cands)
                for i, (c, cands) in enumerate(zip(cmd.children, match_children(tx, p, cmd.children), strict=True))]
    known = [person for person, _ in resolved if person is not None]
    address = cmd.address
    if known:
        family_id = int(known[0].family_id)
        families.fill_address(tx, family_id, address)
    else:
        family_id = families.add_family(tx, p.territory, cmd.children[0].last_name, address, now)
    people: list[tuple[int, str]] = []
    for child, (person, how) in zip(cmd.children, resolved, strict=True):
        if person is None:
            person_id = families.add_person(tx, family_id, "child", child.last_name, child.first_name,
                                            child.middle_name, child.birth_date)
        else:
            person_id = int(person.id)
            if person.birth_date is None and child.birth_date:
                families.fill_birth_date(tx, person_id, child.birth_date)
        people.append((person_id, how))
    for adult in cmd.adults:
        families.add_person(tx, family_id, adult.relation, adult.last_name, adult.first_name, adult.middle_name,
                            adult.birth_date)
    report_id = families.add_report(tx, territory=p.territory, org_id=p.org_id, source_type=cmd.source_type,
                                    source_name=cmd.source_name, channel=cmd.channel,
                                    received_at=cmd.received_at, text=cmd.text, family_id=family_id,
                                    registered_by=p.user_id, created_at=now)
    families.add_report_children(tx, report_id, people)
    role = access.registering_role(p)
    received_on = runtime.calendar.local_date(cmd.received_at).isoformat()
    received_at = cmd.received_at.isoformat()  # deadlines "in the day the information was received" count from it
    started = runtime.start(tx, StartCase("child_report", p.actor(role), data={"report_id": report_id,
                                                                                "received_on": received_on,
                                                                                "received_at": received_at},
                                          territory=p.territory, org_id=p.org_id, assignee_id=p.user_id,
                                          subject_kind="family", subject_id=family_id, idempotency_key=key,
                                          request=request))
    families.add_party(tx, started.case_id, p.org_id, now)
    kdn_case = open_kdn_case(tx, family_id)
    forward_case = None
    if kdn_case is not None:
        forward_case = runtime.start(tx, StartCase(
            "kdn_forward", p.actor(role), data={"kdn_case_id": kdn_case, "report_id": report_id,
                                                "received_at": received_at},
            territory=p.territory, org_id=p.org_id,
            assignee_id=p.user_id if access.registrar_is_assignee(role) else None,
            subject_kind="family", subject_id=family_id, parent_id=started.case_id)).case_id
        families.add_party(tx, forward_case, p.org_id, now)
        runtime.record(tx, kdn_case, "report_received", {"report_id": report_id, "case_id": started.case_id},
                       p.actor(role), messages=[("report.on_ipr_case", "kdn_secretary",
                                                 {"report_id": report_id, "case_id": started.case_id})])
    families.link_report(tx, report_id, started.case_id, kdn_case)
    case = runtime.load(tx, started.case_id)
    card = documents.issue(tx, runtime, case, "registration_card", actor_id=p.user_id, actor_role=role,
                           org_id=p.org_id, now=now)
    log_access(tx, p, started.case_id, "change", "регистрация сообщения", svc)
    return ReportRegistered(report_id, started.case_id, family_id, people, kdn_case, forward_case, card.id)


# -- firing actions ------------------------------------------------------------------------------

def fire_event(tx: UnitOfWork, svc: Services, p: Principal, cmd: FireEvent) -> TransitionResult:
    """Run an action of the case's workflow as ``p`` (the role is chosen by ``cases.access``)."""
    runtime = svc.runtime
    case = visible_case(tx, svc, p, cmd.case_id)
    key = f"fire:{p.user_id}:{cmd.idempotency_key}" if cmd.idempotency_key else None
    if key and runtime.replayed_case(tx, key) == case.id:
        # a repeat of an action already done: the engine returns the first result (the case has moved on,
        # so the action would no longer be found in the current state)
        return runtime.fire(tx, FireTransition(case.id, cmd.event, p.actor(access.any_role(p)), cmd.payload,
                                               None, key), case)
    transition = runtime.transition(case, cmd.event)
    if transition is None:
        raise TransitionNotAllowed(case.id, cmd.event, case.state,
                                   [t.event for t in available_actions(tx, svc, p, case)])
    role = access.acting_role(tx, p, case, transition.roles)
    if role is None:
        reason = access.not_on_this_case(p, transition.roles)
        if reason is not None:  # the right role, but not on this case
            raise Forbidden(reason)
        raise RoleNotAllowed(cmd.event, ",".join(sorted(p.roles)), transition.roles)
    result = runtime.fire(tx, FireTransition(case.id, cmd.event, p.actor(role), cmd.payload, cmd.expected_version,
                                             key), case)
    if not result.replayed:
        if result.from_state != result.to_state:  # a state with per-item deadlines may have been entered
            sync_item_deadlines(tx, runtime, runtime.load(tx, case.id))
        log_access(tx, p, case.id, "change", f"действие: {transition.title}", svc)
    return result


def available_actions(tx: UnitOfWork, svc: Services, p: Principal, case: CaseView) -> list[Transition]:
    """The transitions of the current state ``p`` may fire on ``case`` (their guards aside: see ``action_options``)."""
    return [t for t in svc.runtime.available(case) if access.acting_role(tx, p, case, t.roles) is not None]


def action_options(tx: UnitOfWork, svc: Services, p: Principal, case: CaseView
                   ) -> list[tuple[Transition, str | None]]:
    """Each action ``p`` may take in the current state, with the reason its guards would refuse it now (or None)."""
    result = []
    for tr in svc.runtime.available(case):
        role = access.acting_role(tx, p, case, tr.roles)
        if role is not None:
            result.append((tr, svc.runtime.refusal(tx, case, tr, p.actor(role))))
    return result


# -- plans ---------------------------------------------------------------------------------------

_ORG_TERRITORY = Prepared(sa.select(table_of(Organisation).c.territory)
                          .where(table_of(Organisation).c.id == sa.bindparam("id")))


def _org_in_territory(tx: UnitOfWork, org_id: int, territory: str) -> bool:
    row = _ORG_TERRITORY.first(tx.connection, {"id": org_id})
    return row is not None and row[0] == territory


def plan_rights(tx: UnitOfWork, svc: Services, p: Principal, case: CaseView, roles: Mapping[str, set[str]],
                states: Mapping[str, tuple[str, ...]] | None) -> tuple[str, str]:
    """(plan kind, acting role) if ``p`` may change the case's plan now; Conflict or Forbidden saying why not.

    ``roles`` are :data:`cases.access.PLAN_ROLES` (adding measures) or :data:`cases.access.CLOSE_ROLES`
    (closing them); ``states`` the states in which the plan may be edited (``plans.EDITABLE``), or None when
    any state will do.
    """
    kind = kind_for(case.workflow)
    if kind is None:
        raise Conflict("У этого дела нет плана")
    if case.closed_at is not None:
        raise Conflict("Дело закрыто: план больше не изменяется")
    role = access.require_acting(tx, p, case, roles[kind],
                                 "Изменять этот план может: " + ", ".join(ROLES[r] for r in sorted(roles[kind])))
    if states is not None and case.state not in states[kind]:
        raise Conflict("Сейчас план нельзя изменять: дело в состоянии «"
                       + svc.runtime.workflow_of(case).states[case.state].title + "»")
    return kind, role


def report_rights(tx: UnitOfWork, p: Principal, case: CaseView) -> str:
    """The role in which ``p`` records a body's execution report on ``case``; Conflict or Forbidden otherwise."""
    if kind_for(case.workflow) != "ipr":
        raise Conflict("Отчёты об исполнении собираются по делам ИПР")
    if case.closed_at is not None:
        raise Conflict("Дело закрыто")
    return access.require_acting(tx, p, case, REPORT_ROLES,
                                 "Отчёты об исполнении плана вносит: "
                                 + ", ".join(ROLES[r] for r in sorted(REPORT_ROLES)))


def _plan_case(tx: UnitOfWork, svc: Services, p: Principal, case_id: int, roles: Mapping[str, set[str]],
               states: Mapping[str, tuple[str, ...]] | None) -> tuple[CaseView, str, str]:
    case = visible_case(tx, svc, p, case_id)
    return (case, *plan_rights(tx, svc, p, case, roles, states))


def add_plan_item(tx: UnitOfWork, svc: Services, p: Principal, cmd: AddPlanItem) -> int:
    """Add a measure to the case's plan; return its id (its deadline opens once the plan is approved)."""
    case, kind, role = _plan_case(tx, svc, p, cmd.case_id, PLAN_ROLES, EDITABLE)
    f = Fields()
    measure = f.text("measure", cmd.measure, required=True, max_length=2000, missing="опишите мероприятие")
    responsible = f.line("responsible", cmd.responsible)
    threat = f.text("threat", cmd.threat, max_length=500)
    if cmd.responsible_org_id is None and not responsible:
        f.error("responsible", "укажите ответственный орган")
    if cmd.responsible_org_id is not None and not _org_in_territory(tx, cmd.responsible_org_id, p.territory):
        f.error("responsible_org_id", "такой организации нет в вашей территории")
    today = svc.runtime.calendar.local_date(svc.runtime.clock.now())
    if cmd.due_date < today:
        f.error("due_date", "срок не может быть в прошлом")
    f.done()
    plan = ensure_plan(tx, case.id, kind, svc.runtime.clock.now())
    item_id = plans.add_item(tx, plan.id, measure=measure, threat=threat, responsible_org_id=cmd.responsible_org_id,
                             responsible=responsible, due_date=cmd.due_date)
    svc.runtime.record(tx, case.id, "plan_item_added", {"item_id": item_id, "measure": measure,
                                                        "due_date": cmd.due_date.isoformat()}, p.actor(role))
    if plan.status == "approved":
        sync_item_deadlines(tx, svc.runtime, svc.runtime.load(tx, case.id))
    log_access(tx, p, case.id, "change", "мероприятие плана добавлено", svc)
    return item_id


def close_plan_item(tx: UnitOfWork, svc: Services, p: Principal, cmd: CloseItem) -> None:
    """Mark a measure done or cancelled with its result; its deadline closes (met, late or cancelled)."""
    case, kind, role = _plan_case(tx, svc, p, cmd.case_id, CLOSE_ROLES, None)
    item = plans.item(tx, cmd.item_id)
    plan = plan_of(tx, case.id, kind)
    if item is None or plan is None or item.plan_id != plan.id:
        raise NotFound("Мероприятие плана")
    if item.status != "open":
        raise Conflict("Мероприятие уже закрыто")
    f = Fields()
    if cmd.status not in ("done", "cancelled"):
        f.error("status", "выберите «выполнено» или «отменено»")
    result = f.text("result", cmd.result, required=True, max_length=5000, missing="опишите результат")
    today = svc.runtime.calendar.local_date(svc.runtime.clock.now())
    f.not_after("done_on", cmd.done_on, today)
    f.done()
    plans.close_item(tx, item.id, cmd.status, result, cmd.done_on or today)
    # no open deadline when the plan is not approved yet, or the case's state keeps no item deadlines
    with contextlib.suppress(DeadlineNotFound):
        svc.runtime.close_item_deadline(tx, case.id, f"{kind}_item", item_ref(item.id),
                                        status="cancelled" if cmd.status == "cancelled" else None)
    svc.runtime.record(tx, case.id, "plan_item_closed", {"item_id": item.id, "status": cmd.status,
                                                         "result": result}, p.actor(role))
    log_access(tx, p, case.id, "change", "мероприятие плана закрыто", svc)


def record_execution_report(tx: UnitOfWork, svc: Services, p: Principal, cmd: RecordExecutionReport
                            ) -> ExecutionReport:
    """A body's report on its items of the interagency plan (collected by the secretary before a review)."""
    case = visible_case(tx, svc, p, cmd.case_id)
    role = report_rights(tx, p, case)
    f = Fields()
    if not _org_in_territory(tx, cmd.org_id, p.territory):
        f.error("org_id", "такой организации нет в вашей территории")
    text = f.text("text", cmd.text, required=True, missing="опишите, что исполнено")
    f.not_after("received_on", cmd.received_on, svc.runtime.calendar.local_date(svc.runtime.clock.now()))
    f.done()
    report = ExecutionReport(case_id=case.id, org_id=cmd.org_id, received_on=cmd.received_on,
                             text=text, positive_dynamics=cmd.positive_dynamics, recorded_by=p.user_id,
                             created_at=svc.runtime.clock.now())
    tx.session.add(report)
    tx.session.flush()
    svc.runtime.record(tx, case.id, "execution_report", {"report_id": report.id, "org_id": cmd.org_id},
                       p.actor(role))
    log_access(tx, p, case.id, "change", "отчёт органа об исполнении плана", svc)
    return report


# -- assignment and documents ----------------------------------------------------------------------

def assign_case(tx: UnitOfWork, svc: Services, p: Principal, cmd: AssignCase) -> TransitionResult:
    """Reassign a case (supervisors in their territory; УСО directors among their own staff)."""
    case = visible_case(tx, svc, p, cmd.case_id)
    if not access.can_manage(p):
        raise Forbidden("Переназначать дела может руководитель")
    f = Fields()
    reason = f.text("reason", cmd.reason, max_length=500)
    f.done()
    if cmd.assignee_id is not None:
        user = tx.session.get(User, cmd.assignee_id)
        if user is None or not user.is_active or user.territory != p.territory:
            raise InputInvalid({"assignee_id": "такого сотрудника нет в вашей территории"})
        if not access.assigns_across_organisations(p) and user.org_id != p.org_id:
            raise InputInvalid({"assignee_id": "директор УСО назначает только сотрудников своего учреждения"})
        assignee = principal_of(tx, user.id or 0)
        roles = {r for tr in svc.runtime.workflow_of(case).transitions for r in tr.roles}
        if assignee is None or not access.can_be_assigned(tx, assignee, case, roles):
            raise InputInvalid({"assignee_id": "этот сотрудник не может вести дело этого процесса "
                                               "(нет подходящей роли или его организация не участвует в деле)"})
        families.add_party(tx, case.id, user.org_id, svc.runtime.clock.now())
    role = access.managing_role(p)
    result = svc.runtime.assign(tx, case.id, cmd.assignee_id, p.actor(role), cmd.expected_version, reason)
    log_access(tx, p, case.id, "change", "переназначение дела", svc)
    return result


def visible_document(tx: UnitOfWork, svc: Services, p: Principal, document_id: int) -> Document:
    """The document if ``p`` may see its case; the same :class:`NotFound` whether it is missing or hidden."""
    document = tx.session.get(Document, document_id)
    if document is None:
        raise NotFound("Документ")
    try:
        visible_case(tx, svc, p, document.case_id)
    except NotFound:
        raise NotFound("Документ") from None
    return document


def download(svc: Services, p: Principal, document_id: int, fmt: str) -> tuple[str, bytes]:
    """The act's file as ``(filename, bytes)``; the download is written to the access log.

    Three short transactions instead of one long one: see that ``p`` may see the act (read),
    render it if the background job has not got to it yet (outside any transaction), then
    log the download and read the file (write).
    """
    svc.read(visible_document, p, document_id)
    documents.ensure_rendered(svc.db, document_id, svc.runtime.clock.now(), svc.renderer)
    return svc.execute(download_document, p, document_id, fmt)


def download_document(tx: UnitOfWork, svc: Services, p: Principal, document_id: int, fmt: str) -> tuple[str, bytes]:
    """The rendered act's file (see :func:`download`, which renders it first)."""
    document = visible_document(tx, svc, p, document_id)
    data = document.pdf if fmt == "pdf" else document.docx
    if data is None:
        raise Conflict("Документ ещё не подготовлен. Повторите через несколько секунд.")
    log_access(tx, p, document.case_id, "download", f"{document.title} № {document.label} ({fmt})", svc)
    return f"{document.template}_{document.number}_{document.year}_r{document.revision}.{fmt}", data


def reissue_document(tx: UnitOfWork, svc: Services, p: Principal, cmd: ReissueDocument) -> Document:
    old = visible_document(tx, svc, p, cmd.document_id)
    case = svc.runtime.load(tx, old.case_id)
    role = access.reissuing_role(tx, p, case, old.org_id)
    f = Fields()
    reason = f.text("reason", cmd.reason, required=True, max_length=500, missing="укажите, что исправлено")
    f.done()
    document = documents.reissue(tx, svc.runtime, old, actor_id=p.user_id, actor_role=role, reason=reason)
    log_access(tx, p, old.case_id, "change", f"переиздан документ № {old.label}", svc)
    return document
