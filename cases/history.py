"""A case's history: its audit trail read for people, with the deadlines it missed, the escalations and the
reminders sent — newest first, optionally only what had happened by a moment (a case "as of a date").

Audit events (``wf_audit``) keep their ``seq``; the entries about deadlines are not audit events and have
``seq`` 0: a deadline missed (at its due moment, when it was still open then), each escalation level and
reminder (when the sweeper fired it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from cases.acts import ru_date
from cases.fields import ORG_TYPES, USER_TYPES
from cases.roles import ROLES
from cases.services import Services
from cases.tables import Organisation, User, names_by_id
from engine.audit import RESPONSIBLE
from engine.context import CaseView
from engine.database import UnitOfWork
from engine.definition import Transition
from engine.tables import AuditEvent, Deadline, DeadlineStep, table_of

AE, DL, ST, ORG, USR = (table_of(t) for t in (AuditEvent, Deadline, DeadlineStep, Organisation, User))


@dataclass(frozen=True)
class HistoryEntry:
    seq: int
    at: datetime
    #: start | transition | assign | … (audit events); deadline_missed | escalation | reminder
    kind: str
    title: str
    from_state: str
    to_state: str
    actor: str
    role: str
    details: list[tuple[str, str]]


HISTORY_TITLES = {"start": "Дело открыто", "assign": "Дело передано сотруднику", "migration": "Перевод на новую версию",
                  "plan_item_added": "Мероприятие добавлено в план", "plan_item_closed": "Мероприятие закрыто",
                  "execution_report": "Получен отчёт органа об исполнении плана",
                  "report_received": "Поступило новое сообщение о ребёнке", "attachment_added": "Приложен файл",
                  "handover_offered": "Дело предложено передать сотруднику",
                  "handover_returned": "Сотрудник не принял дело", "handover_undone": "Передача дела отменена"}
SYSTEM = "Система"


def _payload_details(tr: Transition | None, payload: dict[str, Any],
                     names: dict[tuple[str, int], str]) -> list[tuple[str, str]]:
    """A transition's payload as (field title, readable value) pairs (the engine's own keys left out)."""
    specs = {f.name: f for f in tr.fields} if tr else {}
    details = []
    for key, value in payload.items():
        spec = specs.get(key)
        if value in (None, "", [], {}) or key.startswith("_"):
            continue
        text = str(value)
        if spec is not None:
            if spec.choices:
                text = dict(spec.choices).get(str(value), text)
            elif spec.type == "date":
                text = ru_date(str(value))
            elif spec.type == "boolean":
                text = "да" if value else "нет"
            elif spec.type in ORG_TYPES and isinstance(value, int):
                text = names.get(("org", value), text)
            elif spec.type in USER_TYPES and isinstance(value, int):
                text = names.get(("user", value), text)
        details.append((spec.title if spec else key, text))
    return details


def _assign_details(payload: dict[str, Any], users: dict[int, str]) -> list[tuple[str, str]]:
    details = [("Кому", users.get(payload.get("assignee_id") or 0, "никому (ответственный снят)"))]
    if payload.get("reason"):
        details.append(("Причина", str(payload["reason"])))
    return details


def _other_details(payload: dict[str, Any], users: dict[int, str]) -> list[tuple[str, str]]:
    """Details of an attached file or a hand-over (the domain's own audit entries)."""
    details = []
    if payload.get("title"):
        details.append(("Файл", f"{payload['title']} ({payload.get('filename', '')})"))
    if payload.get("to_user_id"):
        details.append(("Кому", users.get(int(payload["to_user_id"]), "")))
    for key, title in (("reason", "Причина"), ("answer", "Ответ")):
        if payload.get(key):
            details.append((title, str(payload[key])))
    return details


def _audit_entries(tx: UnitOfWork, svc: Services, case: CaseView, until: datetime | None) -> list[HistoryEntry]:
    query = sa.select(AE).where(AE.c.instance_id == case.id)
    if until is not None:
        query = query.where(AE.c.at < until)
    rows = tx.connection.execute(query.order_by(AE.c.seq.desc())).all()
    wf = svc.runtime.workflow_of(case)
    machine = svc.runtime.machine_of(case)
    transitions = {r.seq: machine.transition(r.from_state, r.event) if r.event and r.from_state else None
                   for r in rows}
    org_ids: set[int] = set()
    user_ids: set[int] = {r.actor_id for r in rows if r.actor_id is not None}
    user_ids |= {int(r.payload["assignee_id"]) for r in rows
                 if r.kind == "assign" and (r.payload or {}).get("assignee_id")}
    user_ids |= {r.payload["to_user_id"] for r in rows if isinstance((r.payload or {}).get("to_user_id"), int)}
    for r in rows:
        tr = transitions[r.seq]
        for spec in tr.fields if tr else ():
            value = (r.payload or {}).get(spec.name)
            if isinstance(value, int):
                (org_ids if spec.type in ORG_TYPES else user_ids if spec.type in USER_TYPES else set()).add(value)
    users = names_by_id(tx.connection, USR, "full_name", user_ids)
    names = {("org", i): n for i, n in names_by_id(tx.connection, ORG, "short_name", org_ids).items()}
    names.update({("user", i): n for i, n in users.items()})
    entries = []
    st = wf.states
    for r in rows:
        tr = transitions[r.seq]
        entries.append(HistoryEntry(
            r.seq, r.at, r.kind, tr.title if tr else HISTORY_TITLES.get(r.kind, r.event or r.kind),
            st[r.from_state].title if r.from_state in st else (r.from_state or ""),
            st[r.to_state].title if r.to_state in st else (r.to_state or ""),
            users.get(r.actor_id, SYSTEM if r.actor_role == "system" else ""),
            ROLES.get(r.actor_role, SYSTEM if r.actor_role == "system" else r.actor_role),
            _payload_details(tr, dict(r.payload or {}), names) if r.kind == "transition"
            else _assign_details(dict(r.payload or {}), users) if r.kind == "assign"
            else _other_details(dict(r.payload or {}), users) if r.kind in HISTORY_TITLES else []))
    return entries


def _target_title(target: str) -> str:
    return "ответственному по делу" if target == "assignee" else ROLES.get(target, target)


def _deadline_entries(tx: UnitOfWork, svc: Services, case: CaseView, until: datetime | None) -> list[HistoryEntry]:
    """Deadlines missed (when they fell due while still open), escalations and reminders sent."""
    moment = until or svc.runtime.clock.now()
    missed = tx.connection.execute(sa.select(DL).where(
        DL.c.instance_id == case.id, DL.c.due_at < moment,
        sa.or_(DL.c.closed_at.is_(None), DL.c.closed_at > DL.c.due_at))).all()
    entries = [HistoryEntry(0, d.due_at, "deadline_missed", f"Нарушен срок «{d.title}»", "", "", SYSTEM, "",
                            [("Основание", d.basis)]
                            + ([("Выполнен с опозданием", _local(svc, d.closed_at))]
                               if d.closed_at is not None and (until is None or d.closed_at < until)
                               and d.status == "late" else []))
               for d in missed]
    query = (sa.select(ST.c.kind, ST.c.level, ST.c.target, ST.c.fired_at, ST.c.late, DL.c.title, DL.c.due_at)
             .join(DL, DL.c.id == ST.c.deadline_id)
             .where(ST.c.instance_id == case.id, ST.c.status == "done", ST.c.kind.in_(("remind", "escalate")),
                    ST.c.fired_at.is_not(None)))
    fired = tx.connection.execute(query if until is None else query.where(ST.c.fired_at < until)).all()
    for s in fired:
        if s.kind == "escalate":
            entries.append(HistoryEntry(0, s.fired_at, "escalation",
                                        f"Эскалация (уровень {s.level}): нарушен срок «{s.title}»", "", "", SYSTEM,
                                        "", [("Кому", _target_title(s.target)),
                                                 ("Срок истёк", _local(svc, s.due_at))]))
        else:
            entries.append(HistoryEntry(0, s.fired_at, "reminder", f"Напоминание: срок «{s.title}»", "", "",
                                        SYSTEM, "", [("Истекает", _local(svc, s.due_at))]))
    return entries


def _local(svc: Services, moment: datetime) -> str:
    return moment.astimezone(svc.runtime.calendar.zone).strftime("%d.%m.%Y %H:%M")


def history(tx: UnitOfWork, svc: Services, case: CaseView, until: datetime | None = None) -> list[HistoryEntry]:
    """The case's history, newest first: audit events, deadlines missed, escalations and reminders sent.

    With ``until``, only what had happened before that moment (the end of the day a case is shown as of).
    """
    entries = _audit_entries(tx, svc, case, until) + _deadline_entries(tx, svc, case, until)
    # newest first; at the same moment an audit event (seq > 0) after the deadline entries it caused
    return sorted(entries, key=lambda e: (e.at, e.seq > 0, e.seq), reverse=True)


def responsible(payload: dict[str, Any] | None) -> tuple[int | None, int | None] | None:
    """(assignee, organisation) an audit event recorded as responsible after it, if it recorded them."""
    found = (payload or {}).get(RESPONSIBLE)
    if not isinstance(found, dict):
        return None
    return found.get("assignee_id"), found.get("org_id")
