"""What a notification says, in Russian, composed once from an outbox row.

The title and the facts carry no personal data of the family — they leave the system by
e-mail and webhooks (152-FZ) and only name the case, its process and stage, the deadline
with its basis, the resolution. The family's name is kept in ``private`` lines shown only in
the in-app inbox; everything else is one click away behind the link to the case.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from cases.acts import DECISIONS
from cases.field_tables import Handover
from cases.names import plural
from cases.services import Services
from cases.tables import KdnResolution, Meeting, MeetingItem, Organisation, PlanItem, User, names_by_id
from cases.views import MEASURE_CHARS, CaseRow, case_rows
from engine.context import CaseView
from engine.database import UnitOfWork
from engine.tables import CaseInstance, Deadline, table_of
from notifications.kinds import (
    AGENDA,
    ANCHOR,
    ESCALATION,
    OBLIGATION_ANSWERED,
    OBLIGATION_OVERDUE,
    OBLIGATION_SUBMITTED,
    kind_of,
)

CI, DL, RES, ME, MI, PI = (table_of(t) for t in (CaseInstance, Deadline, KdnResolution, Meeting, MeetingItem, PlanItem))
HO, US, ORG = table_of(Handover), table_of(User), table_of(Organisation)
log = logging.getLogger("opora.notifications")
#: a builder's result: the title, more facts, more private lines
Built = tuple[str, list[tuple[str, str]], list[str]]
MEASURE = "Мероприятие: "
MEETING_ITEMS = {"consideration": "рассмотрение заключения", "review": "пересмотр межведомственного плана"}


@dataclass(frozen=True)
class Notice:
    kind: str
    case_id: int | None
    title: str
    facts: list[tuple[str, str]]
    #: lines with personal data, shown only in the inbox
    private: list[str] = field(default_factory=list)
    #: path of the page the message is about (``/cases/12``)
    link: str = ""
    #: the title in the in-app inbox, where a plan measure's deadline names the measure (not sent outside)
    inbox_title: str = ""

    @property
    def text(self) -> str:
        return "\n".join(f"{label}: {value}" for label, value in self.facts)

    @property
    def inbox_text(self) -> str:
        return "\n".join([*self.private, self.text]).strip()

    def data(self, payload: dict[str, Any]) -> dict[str, Any]:
        return {"facts": [list(f) for f in self.facts], "private": self.private, "link": self.link,
                "payload": payload}


def compose(tx: UnitOfWork, svc: Services, row: Any, case: CaseView | None) -> Notice:
    """The notice for an outbox row (``kind``, ``payload``) about ``case`` (None for a KDN agenda).

    A row that cannot be described (a payload of an unexpected shape) still yields a notice — the
    kind's title and the case — so one odd message never holds up the others.
    """
    try:
        return _compose(tx, svc, row, case)
    except (KeyError, TypeError, ValueError):
        log.exception("outbox row %s: cannot compose the notice, sending the short form", row.key)
        number = f": дело № {case.id}" if case is not None else ""
        return Notice(row.kind, case.id if case else None, f"{kind_of(row.kind).title}{number}", [],
                      link=f"/cases/{case.id}" if case else "")


def _compose(tx: UnitOfWork, svc: Services, row: Any, case: CaseView | None) -> Notice:
    payload = dict(row.payload or {})
    if row.kind == AGENDA:
        return _agenda(tx, svc, payload)
    if row.kind == ANCHOR:
        return _anchor(svc, payload)
    if row.kind == OBLIGATION_OVERDUE:
        return _obligation_overdue(tx, payload)
    if row.kind in (OBLIGATION_SUBMITTED, OBLIGATION_ANSWERED):
        return _obligation_step(tx, row.kind, payload)
    if case is None:
        return Notice(row.kind, None, kind_of(row.kind).title, [])
    header = _header(tx, svc, case.id)
    facts = [("Дело", f"№ {case.id} — {header.workflow_title}"), ("Этап", header.state_title)]
    private = [header.family_name] if header.family_name else []
    link = f"/cases/{case.id}"
    builder = _BUILDERS.get(row.kind)
    if builder is None:
        return Notice(row.kind, case.id, f"{kind_of(row.kind).title}: дело № {case.id}", facts, private, link)
    title, more, extra = builder(tx, svc, case, header, payload)
    measure = next((line[len(MEASURE):] for line in extra if line.startswith(MEASURE)), "")
    inbox_title = title.replace("»", f": {measure[:MEASURE_CHARS]}»", 1) if measure and "»" in title else title
    return Notice(row.kind, case.id, title[:300], facts + more, private + extra, link, inbox_title[:300])


def local_moment(svc: Services, moment: datetime) -> str:
    return moment.astimezone(svc.runtime.calendar.zone).strftime("%d.%m.%Y %H:%M")


def _header(tx: UnitOfWork, svc: Services, case_id: int) -> CaseRow:
    return case_rows(tx, svc, tx.connection.execute(sa.select(CI).where(CI.c.id == case_id)).all())[0]


def _deadline(tx: UnitOfWork, payload: dict[str, Any]) -> tuple[str, list[tuple[str, str]], Any, list[str]]:
    """The deadline's title, facts (title, basis), due moment and — for a plan item — its measure (private)."""
    deadline_id = payload.get("deadline_id")
    found = tx.connection.execute(sa.select(DL).where(DL.c.id == deadline_id)).first() \
        if isinstance(deadline_id, int) else None
    title = str(payload.get("title") or (found.title if found else "срок"))
    due = found.due_at if found else datetime.fromisoformat(str(payload["due_at"])) if payload.get("due_at") else None
    facts = [("Срок", title), ("Основание", found.basis if found else "")]
    private = []
    ref = str(payload.get("ref") or "")
    if ref.startswith("item:") and ref[5:].isdigit():
        measure = tx.connection.execute(sa.select(PI.c.measure).where(PI.c.id == int(ref[5:]))).scalar()
        if measure:
            private.append(f"{MEASURE}{measure}")
    return title, facts, due, private


def _reminder(tx: UnitOfWork, svc: Services, case: CaseView, header: CaseRow,
              payload: dict[str, Any]) -> Built:
    title, facts, due, private = _deadline(tx, payload)
    when = local_moment(svc, due) if due else "—"
    return (f"Напоминание: срок «{title}» истекает {when} (дело № {case.id})",
            [*facts, ("Истекает", when)], private)


def _escalation(tx: UnitOfWork, svc: Services, case: CaseView, header: CaseRow,
                payload: dict[str, Any]) -> Built:
    title, facts, due, private = _deadline(tx, payload)
    facts += [("Истёк", local_moment(svc, due) if due else "—"), ("Уровень эскалации", str(payload.get("level", ""))),
              ("Ответственный", header.assignee_name or "не назначен"), ("Организация", header.org_name or "—")]
    return f"Нарушен срок «{title}» по делу № {case.id}", facts, private


def _assigned(tx: UnitOfWork, svc: Services, case: CaseView, header: CaseRow,
              payload: dict[str, Any]) -> Built:
    facts = [("Организация", header.org_name or "—")]
    nd = header.next_deadline
    if nd is not None:
        facts += [("Ближайший срок", f"{nd.title} — до {local_moment(svc, nd.due_at)}"), ("Основание", nd.basis)]
    return f"Вам передано дело № {case.id}: {header.workflow_title}", facts, []


def _resolution(tx: UnitOfWork, svc: Services, case: CaseView, header: CaseRow,
                payload: dict[str, Any]) -> Built:
    res = tx.connection.execute(sa.select(RES).where(RES.c.case_id == case.id).order_by(RES.c.id.desc())).first()
    if res is None:
        return f"Постановление КДН по делу № {case.id}", [], []
    facts = [("Постановление", f"№ {res.number} от {_day(res.adopted_on)}"),
             ("Решение", DECISIONS.get(res.decision, res.decision))]
    if res.report_back_on:
        facts.append(("Срок отчёта органов", _day(res.report_back_on)))
    return f"Постановление КДН № {res.number} по делу № {case.id}", facts, []


def _on_ipr_case(tx: UnitOfWork, svc: Services, case: CaseView, header: CaseRow,
                 payload: dict[str, Any]) -> Built:
    facts = [("Сообщение", f"№ {payload.get('report_id', '—')}"),
             ("Дело по сообщению", f"№ {payload.get('case_id', '—')}"),
             ("Что сделать", "учесть сообщение при корректировке индивидуальной профилактической работы")]
    return f"Новое сообщение о ребёнке из семьи с ИПР (дело № {case.id})", facts, []


def _forwarded(tx: UnitOfWork, svc: Services, case: CaseView, header: CaseRow,
               payload: dict[str, Any]) -> Built:
    facts = [("Сообщение", f"№ {payload.get('report_id', '—')}"),
             ("Исходящий номер письма", str(payload.get("outgoing_number") or "—"))]
    return f"В КДН направлено сообщение № {payload.get('report_id', '—')} по делу ИПР № {case.id}", facts, []


_HANDOVER_TITLES = {"handover.offered": "Вам передают дело № {case}: примите его или верните",
                    "handover.answered": "Ответ на передачу дела № {case}: {status}",
                    "handover.undone": "Передача вам дела № {case} отменена",
                    "handover.overdue": "Передача дела № {case} не принята в срок"}


def _handover(kind: str) -> Any:
    def build(tx: UnitOfWork, svc: Services, case: CaseView, header: CaseRow, payload: dict[str, Any]) -> Built:
        row = tx.connection.execute(sa.select(HO).where(HO.c.id == payload.get("handover_id"))).first()
        if row is None:
            return _HANDOVER_TITLES[kind].format(case=case.id, status=""), [], []
        names = names_by_id(tx.connection, US, "full_name", (row.by_user_id, row.to_user_id))
        facts = [("Передаёт", names.get(row.by_user_id, "")), ("Кому", names.get(row.to_user_id, "")),
                 ("Ответить до", local_moment(svc, row.due_at)), ("Процесс", header.workflow_title)]
        private = [f"Причина: {row.reason}"] + ([f"Ответ: {row.answer}"] if row.answer else [])
        status = {"accepted": "принято", "returned": "возвращено"}.get(row.status, row.status)
        return _HANDOVER_TITLES[kind].format(case=case.id, status=status), facts, private
    return build


_BUILDERS = {"deadline.reminder": _reminder, ESCALATION: _escalation, "case.assigned": _assigned,
             "resolution_recorded": _resolution, "report.on_ipr_case": _on_ipr_case, "report.forwarded": _forwarded,
             **{kind: _handover(kind) for kind in _HANDOVER_TITLES}}


def _agenda(tx: UnitOfWork, svc: Services, payload: dict[str, Any]) -> Notice:
    held_on = date.fromisoformat(str(payload["held_on"]))
    items = tx.connection.execute(sa.select(MI.c.case_id, MI.c.kind).where(MI.c.meeting_id == payload["meeting_id"])
                                  .order_by(MI.c.case_id)).all()
    kinds = {i.case_id: i.kind for i in items}
    rows = case_rows(tx, svc, tx.connection.execute(sa.select(CI).where(CI.c.id.in_(list(kinds)))
                                                    .order_by(CI.c.id)).all()) if kinds else []
    n = len(rows)
    facts = [("Дата заседания", _day(held_on))]
    facts += [(f"Дело № {r.id}", f"{r.workflow_title}: {MEETING_ITEMS.get(kinds[r.id], kinds[r.id])}") for r in rows]
    private = [f"Дело № {r.id}: {r.family_name}" for r in rows if r.family_name]
    title = f"Заседание КДН {_day(held_on)}: в повестке {n} {plural(n, 'дело', 'дела', 'дел')}"
    return Notice(AGENDA, None, title, facts, private, "/kdn")


def _anchor(svc: Services, payload: dict[str, Any]) -> Notice:
    """An audit anchor: when, how much it pins, the root and the key's name — nothing about any family."""
    when = local_moment(svc, datetime.fromisoformat(str(payload["at"])))
    cases, events = int(payload["cases"]), int(payload["events"])
    facts = [("Время отметки", when), ("Закреплено дел", str(cases)), ("Закреплено событий", str(events)),
             ("Корень (SHA-256)", str(payload["root"])), ("Ключ подписи", str(payload["key_id"])),
             ("Зачем", "сохраните копию: по ней проверка журнала (opora audit verify --anchors) докажет, "
                       "что события до этой отметки не переписаны")]
    title = f"Отметка журнала событий {when}: {cases} {plural(cases, 'дело', 'дела', 'дел')}"
    return Notice(ANCHOR, None, title, facts)


def _obligation_overdue(tx: UnitOfWork, payload: dict[str, Any]) -> Notice:
    """An organisation's report is overdue: which, of whom, for which period, since when — no personal data."""
    owing = int(payload["owing_org_id"])
    org = tx.connection.execute(sa.select(ORG.c.short_name).where(ORG.c.id == owing)).scalar() or ""
    due, days = date.fromisoformat(str(payload["due_on"])), int(payload["days"])
    facts = [("Отчёт", str(payload["title"])), ("Организация", org),
             ("Период с", _day(date.fromisoformat(str(payload["period_first"])))), ("Срок", _day(due)),
             ("Просрочено", f"{days} {plural(days, 'день', 'дня', 'дней')}"),
             ("Уровень эскалации", str(payload["level"]))]
    title = f"Просрочен отчёт «{payload['title']}» ({org}), срок {_day(due)}"
    return Notice(OBLIGATION_OVERDUE, None, title[:300], facts, [], f"/obligations?org={owing}")


def _obligation_step(tx: UnitOfWork, kind: str, payload: dict[str, Any]) -> Notice:
    """A report submitted to the recipient, or accepted / returned to the owing organisation (with the reason)."""
    owing = int(payload["owing_org_id"])
    org = tx.connection.execute(sa.select(ORG.c.short_name).where(ORG.c.id == owing)).scalar() or ""
    facts = [("Отчёт", str(payload["title"])), ("Организация", org),
             ("Период с", _day(date.fromisoformat(str(payload["period_first"]))))]
    if kind == OBLIGATION_SUBMITTED:
        title = f"Сдан отчёт «{payload['title']}» ({org}): примите или верните"
    elif payload.get("state") == "accepted":
        title = f"Отчёт «{payload['title']}» принят"
    else:
        title = f"Отчёт «{payload['title']}» возвращён на доработку"
        facts.append(("Что исправить", str(payload.get("reason", ""))))
    return Notice(kind, None, title[:300], facts, [], f"/obligations#obligation-{payload['obligation_id']}")


def _day(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else ""
