"""Obligations on the workflow engine: each ``report_obligation`` row is the *subject* of one instance of
``workflows/report_obligation.yaml`` (``subject_kind="obligation"``, ``subject_id`` = the row's id), opened in the
same transaction as the row. The instance holds the state (due → submitted → accepted / returned), the deadline
counted from the obligation's due day (its ``due_on``: ``from_field``, ``if_set`` — a roll-up waiting for its parts
has no deadline yet), the escalation steps and the hash-chained history; the row keeps what the instance does not:
the key (organisation, report, period) that makes opening idempotent, the rule and its source, the file and the
answer, and a copy of the state for the lists (written by the workflow's own effect, :func:`record_state`).

The escalation steps name targets of the reporting chain (``owing_org``, ``recipient_org``, ``recipient_above``),
not roles: the engine holds them (``wf_step.status = 'held'``) and :mod:`cases.obligation_escalation` sweeps them,
resolving each level to an organisation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from cases import access
from cases.errors import Conflict, Forbidden
from cases.obligation_tables import ReportObligation
from cases.principal import Principal
from engine.commands import Actor, FireTransition, StartCase, TransitionResult
from engine.context import TransitionContext
from engine.database import UnitOfWork
from engine.errors import ConcurrencyConflict, TransitionNotAllowed
from engine.runtime import Runtime
from engine.tables import AuditEvent, CaseInstance, table_of
from engine.vocabulary import Vocabulary

RO, CI, AE = table_of(ReportObligation), table_of(CaseInstance), table_of(AuditEvent)
WORKFLOW = "report_obligation"
SUBJECT = access.OBLIGATION_SUBJECT
#: the levels of the reporting chain an overdue obligation climbs (the workflow's escalation targets)
TARGETS = {"owing_org": "Руководитель организации, которая должна отчёт",
           "recipient_org": "Организация, которой адресован отчёт",
           "recipient_above": "Вышестоящий получатель по цепочке отчётности"}
#: audit events as the obligation's history shows them
KINDS = {"submit": "submitted", "accept": "accepted", "return": "returned"}
STALE = "Обязательство только что изменил другой пользователь: обновите страницу"
_SET_CASE = sa.update(RO).where(RO.c.id == sa.bindparam("b_id")).values(case_id=sa.bindparam("b_case"))


def register_obligations(vocabulary: Vocabulary) -> None:
    """The chain's targets and the effect that copies the state to the row."""
    for target, title in TARGETS.items():
        vocabulary.add_target(target, title)

    @vocabulary.effect("record_obligation_state", "Отметить состояние в строке обязательства (для списков)")
    def _record(ctx: TransitionContext, args: Mapping[str, Any]) -> None:
        record_state(ctx)


def record_state(ctx: TransitionContext) -> None:
    """The row's copy of the state and version, written inside the engine's transition."""
    assert ctx.transition is not None
    if ctx.case.subject_kind == SUBJECT and ctx.case.subject_id is not None:
        ctx.connection.execute(sa.update(RO).where(RO.c.id == ctx.case.subject_id).values(
            state=ctx.transition.target(ctx.case.state), version=ctx.case.version + 1))


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def start(tx: UnitOfWork, runtime: Runtime, rows: Iterable[Mapping[str, Any]], actor: Actor | None = None) -> None:
    """Open the instance of each new row (``id``, ``org_id``, ``territory``, ``due_on``, optional ``source``)."""
    cmds, subjects = [], []
    for row in rows:
        data: dict[str, Any] = {"due_on": _day(row["due_on"])}
        if row.get("source"):
            data["source"] = row["source"]
        cmds.append(StartCase(WORKFLOW, actor or Actor.system(), data=data, territory=row["territory"],
                              org_id=row["org_id"], subject_kind=SUBJECT, subject_id=int(row["id"])))
        subjects.append(int(row["id"]))
    found = [{"b_id": subject, "b_case": case_id}
             for subject, case_id in zip(subjects, runtime.start_many(tx, cmds), strict=True)]
    if found:
        tx.connection.execute(_SET_CASE, found)


def fire(tx: UnitOfWork, runtime: Runtime, p: Principal, row: Any, event: str, payload: Mapping[str, Any],
         refused: str) -> TransitionResult:
    """Fire ``event`` on the row's instance as ``p`` (the version the row was read at: a stale answer is refused);
    ``refused`` is the message when the workflow does not allow the event in the current state."""
    role = access.obligation_role(p)
    if role is None:
        raise Forbidden("Сдаёт, принимает или возвращает отчёт сотрудник организации")
    try:
        return runtime.fire(tx, FireTransition(int(row.case_id), event, p.actor(role), dict(payload),
                                               expected_version=row.case_version))
    except TransitionNotAllowed:
        raise Conflict(refused) from None
    except ConcurrencyConflict:
        raise Conflict(STALE) from None


def set_due(tx: UnitOfWork, runtime: Runtime, case_id: int, due_on: date | None) -> None:
    """A new due day (a roll-up's, once its last part is accepted): the deadline is counted again by the engine."""
    runtime.reschedule(tx, case_id, {"due_on": _day(due_on)}, Actor.system())


def history(conn: sa.Connection, case_id: int | None) -> list[dict[str, Any]]:
    """The obligation's steps from its instance's audit trail: who did what, when, with which file or reason
    (opening by the sweep is not shown; a roadmap item's opening is, with its source)."""
    if case_id is None:
        return []
    found: list[dict[str, Any]] = []
    rows = conn.execute(sa.select(AE.c.kind, AE.c.event, AE.c.from_state, AE.c.to_state, AE.c.actor_id, AE.c.at,
                                  AE.c.payload).where(AE.c.instance_id == case_id).order_by(AE.c.seq)).all()
    for r in rows:
        payload = dict(r.payload or {})
        item = {"from_state": r.from_state or "", "to_state": r.to_state or "", "by_user": r.actor_id, "at": r.at,
                "note": "", "sha256": ""}
        if r.kind == "start":
            found += [{**e, "at": _moment(e["at"])} for e in payload.get("imported", [])]
            if r.actor_id is not None:
                found.append({**item, "kind": "opened", "from_state": "",
                              "note": str(payload.get("data", {}).get("source", ""))})
        elif r.kind == "transition" and r.event in KINDS:
            found.append({**item, "kind": KINDS[r.event], "sha256": str(payload.get("sha256", "")),
                          "note": str(payload.get("reason") or payload.get("note") or "")})
        elif r.kind == "escalated":
            found.append({**item, "kind": "escalated", "from_state": "", "to_state": "",
                          "note": str(payload.get("note", ""))})
    return found


def _moment(value: Any) -> Any:
    """A moment carried over from the old history table (ISO text in the audit payload)."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def with_instance(query: sa.Select[Any]) -> sa.Select[Any]:
    """A query over ``report_obligation`` with its instance's version (``case_version``)."""
    return query.add_columns(CI.c.version.label("case_version")).outerjoin(CI, CI.c.id == RO.c.case_id)
