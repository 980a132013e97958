"""Obligations of organisations as stored work: what the reporting calendar (:mod:`cases.obligations`) computes is
opened as a row per (organisation, report, period), the subject of one instance of the workflow
``workflows/report_obligation.yaml`` (:mod:`cases.obligation_flow`), which moves it through its states.

::

    due ──submit──> submitted ──accept──> accepted
     ^                  │
     └──── returned <───┘ return (with a reason); a returned report is submitted again

*Overdue* is not a state: an obligation is overdue when its due day has passed and it is still owed (due or
returned). A report submitted and waiting for the recipient's answer is no longer the owing organisation's to
do, so it is not overdue and is not escalated.

How the pieces meet on the engine:

* **The subject is the row, not a case.** The uniqueness of (organisation, report, period) is the key of
  ``report_obligation``, so two sweeping workers can never open one twice; each row opened gets its instance in the
  same transaction (``subject_kind="obligation"``, ``subject_id`` = the row's id, the row's ``case_id``).
* **The due day is the instance's data.** The calendar rule gives the day (``due_on``); the workflow's deadline counts
  from it (``from_field: due_on``) and waits while it is empty (``if_set``: a roll-up waiting for its parts).
* **Who acts is decided by organisation.** The engine checks the event against the state and the role; whether the
  user may act on *this* obligation — the owing organisation's staff submit, the recipient's accept or return — is
  :mod:`cases.access` (section 15), checked before the event is fired. Every change goes through
  :meth:`engine.runtime.Runtime.fire` (its guards, version check and audit event); the row's ``state`` is a copy
  the transition's effect writes, for the lists.

* **Opening.** The sweep (:func:`open_obligations`) opens the current and the next period of every report each
  organisation owes (``INSERT … ON CONFLICT DO NOTHING`` on the unique key: running it twice opens nothing twice).
* **Roll-ups.** A consolidated report (:data:`cases.obligations.PARTS`) is made of the parts owed *to* its
  organisation for the same period. It is due only once every part is accepted: its due day is the later of the
  rule's day and :data:`ROLLUP_LAG` working day after the last part was accepted (a day to consolidate). Until then
  ``due_on`` is empty ("ждёт частей") and it is never overdue; an organisation with no parts owed to it reports by
  the rule's day.
  The day is set in the instance's data and its deadline counted again through the engine
  (:func:`cases.obligation_flow.set_due`).
* **History.** Every submission, acceptance, return and escalation is an event of the instance's audit trail (who,
  when, the file's checksum or the reason) and a row of ``access_log``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from cases import access, obligation_flow, report_files
from cases.errors import Conflict, Forbidden, InputInvalid, NotFound, TooLarge
from cases.images import FileRefused
from cases.obligation_tables import ReportObligation
from cases.obligations import CATALOGUE, CHAIN, PARTS, ReportType
from cases.principal import Principal
from cases.services import Services
from cases.tables import Organisation, User, names_by_id
from engine import outbox
from engine.calendar import ProductionCalendar
from engine.database import Database, UnitOfWork
from engine.due_rules import Period, periods, resolve
from engine.runtime import Runtime
from engine.tables import table_of

RO, ORG, US, CI = table_of(ReportObligation), table_of(Organisation), table_of(User), obligation_flow.CI
STATES = {"due": "Ожидается", "submitted": "Сдан, ждёт приёмки", "accepted": "Принят",
          "returned": "Возвращён на доработку"}
#: the states in which the owing organisation still owes the report (it may submit; past the due day: overdue)
SUBMITTABLE = ("due", "returned")
#: working days after the last part was accepted that a roll-up is due (when later than the rule's day)
ROLLUP_LAG = 1
ROADMAP = "roadmap"
BY_KEY = {r.key: r for r in CATALOGUE}
OWERS = sorted({kind for r in CATALOGUE for kind in r.owers})


def today_of(runtime: Runtime) -> date:
    return runtime.calendar.local_date(runtime.clock.now())


def current_and_next(day: date, length: str) -> list[Period]:
    """The period of this length that holds ``day`` and the one after it."""
    found = [p for year in (day.year, day.year + 1) for p in periods(year, length)]
    i = next(i for i, p in enumerate(found) if p.first <= day <= p.last)
    return found[i:i + 2]


def _insert(conn: sa.Connection) -> Any:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(RO).on_conflict_do_nothing(index_elements=["org_id", "report", "period_first"])


def recipient_of(conn: sa.Connection, territory: str, kind: str) -> int | None:
    """The organisation of ``kind`` a report goes to in the territory (the first one registered)."""
    if not kind:
        return None
    found = conn.execute(sa.select(sa.func.min(ORG.c.id)).where(ORG.c.territory == territory, ORG.c.kind == kind))
    value = found.scalar()
    return int(value) if value is not None else None


def _row(org: Any, report: ReportType, period: Period, cal: ProductionCalendar, recipients: dict[tuple[str, str],
         int | None], now: datetime) -> dict[str, Any]:
    resolved = resolve(list(report.rules), period, cal)
    return {"org_id": org.id, "territory": org.territory, "report": report.key, "kind": "report",
            "title": report.title, "period_first": period.first, "period_last": period.last,
            "rule": resolved.rule.describe(), "source": resolved.rule.source, "rule_due_on": resolved.due,
            "due_on": None if report.key in PARTS else resolved.due,
            "recipient_org_id": recipients.get((org.territory, report.recipient_kind)), "state": "due",
            "version": 1, "filename": "", "media_type": "", "size": 0, "sha256": "", "storage_key": "",
            "reason": "", "escalation_level": 0, "created_at": now}


def open_obligations(db: Database, runtime: Runtime) -> int:
    """Open the current and the next period of every report every organisation owes, each with its workflow
    instance; how many were opened. Rows that have an instance without its deadline (carried over from before the
    workflow: see the migration) get it counted."""
    opened = open_at(db, runtime)
    schedule_unscheduled(db, runtime)
    return opened


def open_at(db: Database, runtime: Runtime) -> int:
    """:func:`open_obligations` at the runtime's moment (the sweep's, or a benchmark's clock)."""
    cal, now = runtime.calendar, runtime.clock.now()
    today = cal.local_date(now)
    with db.read() as tx:
        conn = tx.connection
        orgs = conn.execute(sa.select(ORG.c.id, ORG.c.kind, ORG.c.territory).where(ORG.c.kind.in_(OWERS))
                            .order_by(ORG.c.id)).all()
        if not orgs:
            return 0
        first = min(p.first for r in CATALOGUE for p in current_and_next(today, r.length)[:1])
        known = {(r.org_id, r.report, r.period_first) for r in conn.execute(
            sa.select(RO.c.org_id, RO.c.report, RO.c.period_first).where(RO.c.period_first >= first))}
        recipients = {(t, k): recipient_of(conn, t, k) for t in {o.territory for o in orgs}
                      for k in {r.recipient_kind for r in CATALOGUE}}
    wanted = [_row(org, report, period, cal, recipients, now) for org in orgs for report in CATALOGUE
              if org.kind in report.owers for period in current_and_next(today, report.length)
              if (org.id, report.key, period.first) not in known]
    if not wanted:
        return 0
    with db.unit_of_work() as tx:
        # the rows another worker opened meanwhile are skipped (the key), and not counted: only ours are returned
        ours = {r.id for r in tx.connection.execute(_insert(tx.connection).returning(RO.c.id), wanted)}
        refresh_rollups(tx, runtime)  # the new roll-ups' days first: their instances start with them
        new = sa.select(RO.c.id, RO.c.org_id, RO.c.territory, RO.c.due_on).where(RO.c.case_id.is_(None),
                                                                                 RO.c.period_first >= first)
        obligation_flow.start(tx, runtime, [dict(r._mapping) for r in tx.connection.execute(new) if r.id in ours])
        tx.commit()
    return len(ours)


def schedule_unscheduled(db: Database, runtime: Runtime) -> int:
    """Count the deadline of owed obligations that have a due day but no open deadline (rows carried over by the
    migration that gave them their instances); how many. Nothing to do is one indexed read."""
    query = sa.select(RO.c.case_id, RO.c.due_on).join(CI, CI.c.id == RO.c.case_id).where(
        CI.c.state.in_(SUBMITTABLE), CI.c.next_due_at.is_(None), RO.c.due_on.is_not(None))
    with db.read() as tx:
        if tx.connection.execute(query.limit(1)).first() is None:
            return 0
    with db.unit_of_work() as tx:
        found = tx.connection.execute(query).all()
        for row in found:
            obligation_flow.set_due(tx, runtime, int(row.case_id), row.due_on)
        tx.commit()
    return len(found)


def rollup_due(row: Any, parts: Sequence[Any], cal: ProductionCalendar) -> date | None:
    """The day a roll-up counts from, given its parts (``state``, ``decided_at``): None while a part is not accepted
    (see the module's description)."""
    if not PARTS.get(row.report) or not parts:
        return row.rule_due_on
    if any(r.state != "accepted" or r.decided_at is None for r in parts):
        return None
    last = max(cal.local_date(r.decided_at) for r in parts)
    return max(row.rule_due_on, cal.add_working_days(last, ROLLUP_LAG))


def refresh_rollups(tx: UnitOfWork, runtime: Runtime, *, org_id: int | None = None,
                    period_first: date | None = None) -> int:
    """Recompute the due day of roll-ups not yet accepted (all, or one organisation's for one period); a new day is
    set in the instance's data and its deadline counted again by the engine."""
    conn, cal = tx.connection, runtime.calendar
    query = sa.select(RO.c.id, RO.c.case_id, RO.c.org_id, RO.c.report, RO.c.period_first, RO.c.rule_due_on,
                      RO.c.due_on).where(
        RO.c.report.in_(list(PARTS)), RO.c.state != "accepted")
    if org_id is not None:
        query = query.where(RO.c.org_id == org_id, RO.c.period_first == period_first)
    rollups = conn.execute(query).all()
    if not rollups:
        return 0
    # every part owed to those organisations for those periods, in one read
    wanted = sa.select(RO.c.report, RO.c.recipient_org_id, RO.c.period_first, RO.c.state, RO.c.decided_at).where(
        RO.c.report.in_(sorted({p for parts in PARTS.values() for p in parts})),
        RO.c.recipient_org_id.in_(sorted({r.org_id for r in rollups})),
        RO.c.period_first.in_(sorted({r.period_first for r in rollups})))
    parts_of: dict[tuple[str, int, date], list[Any]] = {}
    for part in conn.execute(wanted):
        for rollup, parts in PARTS.items():
            if part.report in parts:
                parts_of.setdefault((rollup, part.recipient_org_id, part.period_first), []).append(part)
    changed = 0
    for row in rollups:
        due = rollup_due(row, parts_of.get((row.report, row.org_id, row.period_first), []), cal)
        if due != row.due_on:
            conn.execute(sa.update(RO).where(RO.c.id == row.id).values(due_on=due))
            if row.case_id is not None:
                obligation_flow.set_due(tx, runtime, int(row.case_id), due)
            changed += 1
    return changed


# -- reading --------------------------------------------------------------------------------------------

def _load(tx: UnitOfWork, p: Principal, obligation_id: int) -> Any:
    row = tx.connection.execute(obligation_flow.with_instance(sa.select(RO)).where(RO.c.id == obligation_id)).first()
    if row is None or row.territory != p.territory or not access.can_see_obligation(p, row.org_id,
                                                                                    row.recipient_org_id):
        raise NotFound("Обязательство")
    return row


_COLUMNS = [c for c in RO.c if c.name not in ("data", "storage_key", "case_id")]


def describe(conn: sa.Connection, rows: Sequence[Any], today: date, p: Principal | None = None) -> list[dict[str, Any]]:
    """Rows as the pages and the API show them: names, state title, overdue days, what ``p`` may do."""
    orgs = names_by_id(conn, ORG, "short_name", [r.org_id for r in rows] + [r.recipient_org_id for r in rows])
    found = []
    for r in rows:
        item = {c.name: getattr(r, c.name) for c in _COLUMNS}
        overdue = r.state in SUBMITTABLE and r.due_on is not None and r.due_on < today
        item.update(org_name=orgs.get(r.org_id, ""), recipient_name=orgs.get(r.recipient_org_id, ""),
                    state_title=STATES.get(r.state, r.state), overdue=overdue,
                    days_overdue=(today - r.due_on).days if overdue else 0,
                    waiting_for_parts=r.due_on is None and r.state != "accepted",
                    has_file=bool(r.sha256))
        if p is not None:
            item["may_submit"] = r.state in SUBMITTABLE and access.can_submit_obligation(p, r.org_id)
            item["may_decide"] = r.state == "submitted" and access.can_decide_obligation(p, r.recipient_org_id)
        found.append(item)
    return found


def stored_of(tx: UnitOfWork, svc: Services, p: Principal, org_id: int, year: int) -> list[dict[str, Any]]:
    """The stored obligations an organisation owes whose period starts in the year (roadmap items: due in it)."""
    org = tx.connection.execute(sa.select(ORG.c.territory).where(ORG.c.id == org_id)).first()
    if org is None or org.territory != p.territory:
        raise NotFound("Организация")
    if not access.can_see_obligations_of(p, org_id):
        raise Forbidden("Обязательства другой организации видит руководитель или ресурсный центр")
    rows = tx.connection.execute(sa.select(RO).where(
        RO.c.org_id == org_id, RO.c.period_first >= date(year, 1, 1), RO.c.period_first <= date(year, 12, 31))
        .order_by(sa.func.coalesce(RO.c.due_on, RO.c.rule_due_on), RO.c.report)).all()
    return describe(tx.connection, rows, today_of(svc.runtime), p)


def owed_to(tx: UnitOfWork, svc: Services, p: Principal) -> list[dict[str, Any]]:
    """Reports owed to the user's organisation that are submitted and wait for its answer."""
    rows = tx.connection.execute(sa.select(RO).where(RO.c.recipient_org_id == p.org_id, RO.c.state == "submitted")
                                 .order_by(RO.c.submitted_at)).all()
    return describe(tx.connection, rows, today_of(svc.runtime), p)


def one(tx: UnitOfWork, svc: Services, p: Principal, obligation_id: int) -> dict[str, Any]:
    """One obligation with its history."""
    row = _load(tx, p, obligation_id)
    item = describe(tx.connection, [row], today_of(svc.runtime), p)[0]
    events = obligation_flow.history(tx.connection, row.case_id)
    names = names_by_id(tx.connection, US, "full_name", (e["by_user"] for e in events))
    item["history"] = [{**e, "by_name": names.get(e["by_user"], "")} for e in events]
    return item


def overdue_in(tx: UnitOfWork, svc: Services, p: Principal, limit: int = 200) -> list[dict[str, Any]]:
    """Overdue obligations of the territory's organisations, the longest overdue first."""
    if not access.sees_territory_obligations(p):
        raise Forbidden("Просроченную отчётность территории видит руководитель или ресурсный центр")
    today = today_of(svc.runtime)
    rows = tx.connection.execute(sa.select(RO).where(
        RO.c.territory == p.territory, RO.c.state.in_(SUBMITTABLE), RO.c.due_on < today)
        .order_by(RO.c.due_on, RO.c.id).limit(limit)).all()
    return describe(tx.connection, rows, today, p)


# -- commands -------------------------------------------------------------------------------------------

def _tell(tx: UnitOfWork, row: Any, kind: str, org_id: int | None, p: Principal, now: datetime, version: int,
          **more: Any) -> None:
    """A message to the other organisation's staff (the recipient of a submission, the owner of an answer)."""
    if org_id is None:
        return
    outbox.write(tx.connection, [outbox.message(
        f"obligation:{row.id}:v{version}:{kind}", kind, None, f"org:{org_id}",
        {"obligation_id": row.id, "owing_org_id": row.org_id, "title": row.title, "by_user": p.user_id,
         "period_first": row.period_first.isoformat(), **more})], now)


@dataclass(frozen=True)
class SubmitReport:
    obligation_id: int
    filename: str
    content: bytes = field(repr=False)
    note: str = ""


def submit(svc: Services, p: Principal, cmd: SubmitReport) -> str | None:
    """Check the file (no transaction open), store it, then record the submission; the replaced file's key."""
    svc.read(lambda tx, s: _load(tx, p, cmd.obligation_id))  # a hidden obligation: 404 before any work
    store = svc.attachments
    if len(cmd.content) > store.max_bytes:
        raise TooLarge(store.max_bytes)
    errors = {}
    if len(" ".join(cmd.note.split())) > 2000:
        errors["note"] = "не длиннее 2000 символов"
    checked = None
    if not cmd.content:
        errors["file"] = "выберите файл отчёта"
    else:
        try:
            checked = report_files.check(cmd.content)
        except FileRefused as exc:
            errors["file"] = str(exc)
    if errors or checked is None:
        raise InputInvalid(errors)
    data, key = store.put(checked.data)
    try:
        replaced = svc.execute(_record_submission, p, cmd, checked, data, key)
    except BaseException:
        store.remove(key)
        raise
    if replaced:
        store.remove(replaced)
    return replaced


def _filename(name: str, kind: str) -> str:
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = "".join(ch for ch in stem if ch.isalnum() or ch in "-_ .")[:120].strip() or "report"
    return f"{stem}.{kind}"


def _record_submission(tx: UnitOfWork, svc: Services, p: Principal, cmd: SubmitReport,
                       checked: report_files.ReportFile, data: bytes | None, key: str) -> str:
    from cases.handlers import log_access

    row = _load(tx, p, cmd.obligation_id)
    if not access.can_submit_obligation(p, row.org_id):
        raise Forbidden("Сдаёт отчёт организация, которая его должна")
    if row.state not in SUBMITTABLE:
        raise Conflict(f"Отчёт уже {STATES[row.state].lower()}: сдать его снова нельзя")
    now = svc.runtime.clock.now()
    digest = hashlib.sha256(checked.data).hexdigest()
    filename = _filename(cmd.filename or "report", checked.kind)
    note = " ".join(cmd.note.split())
    done = obligation_flow.fire(tx, svc.runtime, p, row, "submit",
                                {"sha256": digest, "filename": filename, **({"note": note} if note else {})},
                                f"Отчёт уже {STATES[row.state].lower()}: сдать его снова нельзя")
    tx.connection.execute(sa.update(RO).where(RO.c.id == row.id).values(
        filename=filename, media_type=checked.media_type, size=len(checked.data), sha256=digest, data=data,
        storage_key=key, submitted_at=now, submitted_by=p.user_id))
    _tell(tx, row, "obligation.submitted", row.recipient_org_id, p, now, done.version)
    log_access(tx, p, None, "change", f"отчётность № {row.id}: сдан «{row.title}» ({filename})", svc)
    return str(row.storage_key or "")


@dataclass(frozen=True)
class DecideReport:
    obligation_id: int
    accept: bool
    reason: str = ""


def decide(tx: UnitOfWork, svc: Services, p: Principal, cmd: DecideReport) -> dict[str, Any]:
    """The recipient accepts a submitted report, or returns it with a reason (the command built through
    :func:`cases.obligation_inputs.checked_decision` or its body)."""
    from cases.handlers import log_access

    row = _load(tx, p, cmd.obligation_id)
    reason = "" if cmd.accept else cmd.reason  # checked by the return's input model (cases.obligation_inputs)
    if not access.can_decide_obligation(p, row.recipient_org_id):
        raise Forbidden("Принимает или возвращает отчёт организация, которой он адресован")
    if row.state != "submitted":
        raise Conflict(f"Отчёт {STATES[row.state].lower()}: принять или вернуть можно только сданный")
    now = svc.runtime.clock.now()
    state = "accepted" if cmd.accept else "returned"
    done = obligation_flow.fire(tx, svc.runtime, p, row, "accept" if cmd.accept else "return",
                                {} if cmd.accept else {"reason": reason},
                                f"Отчёт {STATES[row.state].lower()}: принять или вернуть можно только сданный")
    tx.connection.execute(sa.update(RO).where(RO.c.id == row.id).values(decided_at=now, decided_by=p.user_id,
                                                                        reason=reason))
    _tell(tx, row, "obligation.answered", row.org_id, p, now, done.version, state=state, reason=reason)
    log_access(tx, p, None, "change", f"отчётность № {row.id}: {STATES[state].lower()} «{row.title}»", svc)
    if cmd.accept and row.recipient_org_id is not None:
        refresh_rollups(tx, svc.runtime, org_id=row.recipient_org_id, period_first=row.period_first)
    return one(tx, svc, p, row.id)


def download(tx: UnitOfWork, svc: Services, p: Principal, obligation_id: int) -> tuple[str, str, bytes]:
    """The submitted file (for whoever sees the obligation); the download is logged."""
    from cases.handlers import log_access

    row = _load(tx, p, obligation_id)
    if not row.sha256:
        raise NotFound("Файл отчёта")
    data = svc.attachments.get(row.data, row.storage_key)
    if data is None:
        raise Conflict("Файл не найден в хранилище вложений: сообщите администратору")
    log_access(tx, p, None, "download", f"отчётность № {row.id}: {row.filename}", svc)
    return row.filename, row.media_type, data


@dataclass(frozen=True)
class AddRoadmapItem:
    org_id: int
    title: str
    due_on: date
    source: str


def add_roadmap_item(tx: UnitOfWork, svc: Services, p: Principal, cmd: AddRoadmapItem) -> dict[str, Any]:
    """A roadmap item: a dated task an organisation owes, with its source, stored as a one-off obligation (a due
    day that is not a working day moves to the next working day, Civil Code art. 193)."""
    from cases.handlers import log_access

    if not access.can_add_roadmap_item(p):
        raise Forbidden("Пункты дорожной карты вносит администратор, руководитель или руководитель ресурсного центра")
    org = tx.connection.execute(sa.select(ORG.c.id, ORG.c.kind, ORG.c.territory)
                                .where(ORG.c.id == cmd.org_id)).first()
    if org is None or org.territory != p.territory:
        raise NotFound("Организация")
    title, source = cmd.title, cmd.source  # checked by the roadmap item's input model (cases.obligation_inputs)
    report = f"{ROADMAP}:{hashlib.sha1(title.lower().encode()).hexdigest()[:12]}"
    known = tx.connection.execute(sa.select(RO.c.id).where(RO.c.org_id == org.id, RO.c.report == report,
                                                           RO.c.period_first == cmd.due_on)).first()
    if known is not None:
        raise Conflict("Такой пункт дорожной карты с этим сроком уже внесён")
    now = svc.runtime.clock.now()
    due = svc.runtime.calendar.next_working_day(cmd.due_on)
    new_id = tx.connection.execute(sa.insert(RO).returning(RO.c.id).values(
        org_id=org.id, territory=org.territory, report=report, kind=ROADMAP, title=title, period_first=cmd.due_on,
        period_last=cmd.due_on, rule="разовый срок пункта дорожной карты", source=source, rule_due_on=due,
        due_on=due, recipient_org_id=recipient_of(tx.connection, org.territory, CHAIN.get(org.kind, "")),
        state="due", created_at=now)).scalar_one()
    obligation_flow.start(tx, svc.runtime, [{"id": new_id, "org_id": org.id, "territory": org.territory,
                                             "due_on": due, "source": source}],
                          p.actor(access.obligation_role(p) or access.ADMIN))
    log_access(tx, p, None, "change", f"дорожная карта: пункт «{title}» организации № {org.id}", svc)
    return one(tx, svc, p, int(new_id))
