"""Opening and closing a case's deadlines and their steps.

Entering a state opens its deadlines (all but the ``manual`` ones, which the domain opens
per item with their own due date); each open deadline gets its steps: reminders before
the due moment, escalation levels after it, and an optional timeout event (an escalation to a
target of the vocabulary that is not a role is ``held``: the domain sweeps it, not the deadline
sweeper). A deadline counted from an empty case date with ``if_set`` is not opened. Leaving a
state closes its deadlines — ``met`` when closed by the due moment, ``late`` after it,
``cancelled`` for per-item deadlines the state took with it — and cancels their pending
steps. The statements here are plain Core SQL: they sit on the hot path of every
transition.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from engine.calendar import ProductionCalendar
from engine.definition import DeadlineSpec, Duration, Parameter
from engine.durations import Span, due_after, due_from_date, resolve, shift
from engine.sql import Prepared
from engine.tables import Deadline, DeadlineStep

DL = Deadline.__table__  # type: ignore[attr-defined]
ST = DeadlineStep.__table__  # type: ignore[attr-defined]

_NOW = sa.bindparam("now", type_=DL.c.due_at.type)
_CASE: sa.BindParameter[int] = sa.bindparam("case_id")
# Statements are built once: building SQLAlchemy expressions costs more than running them.
_CLOSE_ALL = Prepared(
    sa.update(DL).where(DL.c.instance_id == _CASE, DL.c.status == sa.literal_column("'open'"))
    .values(status=sa.case((DL.c.ref.is_not(None), sa.literal("cancelled")),
                           (DL.c.due_at >= _NOW, sa.literal("met")), else_=sa.literal("late")),
            closed_at=_NOW)
)
#: steps still to fire: ``pending`` for the deadline sweeper, ``held`` for the domain's own sweep
WAITING = ("pending", "held")
_CANCEL_STEPS = Prepared(
    sa.update(ST).where(ST.c.instance_id == _CASE, ST.c.status.in_([sa.literal_column(f"'{s}'") for s in WAITING]))
    .values(status="cancelled")
)
_DEADLINE_KEYS = ["instance_id", "state", "key", "ref", "title", "basis", "due_at", "opened_at", "status"]
_STEP_KEYS = ["kind", "level", "target", "due_at", "key", "deadline_id", "instance_id", "status", "late"]
_INSERT_DEADLINE = Prepared(sa.insert(DL).returning(DL.c.id), _DEADLINE_KEYS)
_INSERT_STEPS = Prepared(sa.insert(ST), _STEP_KEYS)
_NEXT_DUE = Prepared(sa.select(sa.func.min(DL.c.due_at).label("next_due"))
                     .where(DL.c.instance_id == _CASE, DL.c.status == sa.literal_column("'open'")))


@dataclass(frozen=True)
class Timing:
    """What deadline arithmetic needs besides the spec: calendar, parameters and the case's data."""

    calendar: ProductionCalendar
    parameters: Mapping[str, Parameter]
    overrides: Mapping[str, Any]
    data: Mapping[str, Any]
    #: escalation targets the domain sweeps itself (their steps are written ``held``)
    held: frozenset[str] = frozenset()

    def span(self, duration: Duration) -> Span:
        return resolve(duration, self.parameters, self.overrides)

    def due(self, duration: Duration, opened_at: datetime) -> datetime | None:
        """When a deadline of ``duration`` opened at ``opened_at`` expires (None: it waits for its date).

        With ``from_field`` it counts from the case's field instead: from a date (the end of that day's
        count), or from a moment (``received_at``: "the same working day" is the day of receipt, or the
        next working day for a receipt after hours), however long after it the deadline is opened. An
        empty field counts from the opening, or, with ``if_set``, opens no deadline yet.
        """
        span = self.span(duration)
        if duration.field:
            base = self.data.get(duration.field)
            if base:
                text = str(base)
                if len(text) > 10:
                    moment = datetime.fromisoformat(text)
                    if moment.tzinfo is None:
                        moment = moment.replace(tzinfo=self.calendar.zone)
                    return due_after(moment, span, self.calendar)
                return due_from_date(date.fromisoformat(text), span, self.calendar)
            if duration.wait:
                return None
        return due_after(opened_at, span, self.calendar)


def step_rows(spec: DeadlineSpec, deadline_id: int, case_id: int, due_at: datetime, opened_at: datetime,
              timing: Timing) -> list[dict[str, Any]]:
    """The reminder, escalation and timeout steps of one deadline (reminders already past are dropped)."""
    rows = []
    for level, before in enumerate(spec.remind, start=1):
        at = shift(due_at, timing.span(before), timing.calendar, backwards=True)
        if at > opened_at:
            rows.append({"kind": "remind", "level": level, "target": "assignee", "due_at": at})
    for esc in spec.escalate:
        rows.append({"kind": "escalate", "level": esc.level, "target": esc.to,
                     "due_at": shift(due_at, timing.span(esc.after), timing.calendar)})
    if spec.timeout is not None:
        rows.append({"kind": "timeout", "level": 0, "target": spec.timeout.event,
                     "due_at": shift(due_at, timing.span(spec.timeout.after), timing.calendar)})
    for row in rows:
        held = row["kind"] == "escalate" and row["target"] in timing.held
        row.update(key=f"{deadline_id}:{row['kind']}:{row['level']}", deadline_id=deadline_id,
                   instance_id=case_id, status="held" if held else "pending", late=False)
    return rows


def open_deadlines(conn: sa.Connection, case_id: int, state: str, specs: Iterable[DeadlineSpec],
                   now: datetime, timing: Timing) -> list[datetime]:
    """Open the (non-manual) deadlines of ``specs``; return their due moments."""
    dues = []
    steps: list[dict[str, Any]] = []
    for spec in specs:
        if spec.manual or spec.due is None:
            continue
        due_at = timing.due(spec.due, now)
        if due_at is None:
            continue
        deadline_id = _insert_deadline(conn, case_id, state, spec, None, due_at, now)
        steps.extend(step_rows(spec, deadline_id, case_id, due_at, now, timing))
        dues.append(due_at)
    if steps:
        _INSERT_STEPS.executemany(conn, steps)
    return dues


def open_many(conn: sa.Connection, cases: Sequence[tuple[int, Timing]], state: str, specs: Sequence[DeadlineSpec],
              now: datetime, dues: dict[int, list[datetime]]) -> int:
    """:func:`open_deadlines` for many cases entering the same state (set-based); their due moments go to
    ``dues`` by case; returns how many deadlines were opened."""
    wanted = [(case_id, timing, spec, due_at) for case_id, timing in cases for spec in specs
              if not spec.manual and spec.due is not None and (due_at := timing.due(spec.due, now)) is not None]
    if not wanted:
        return 0
    ids = conn.execute(sa.insert(DL).returning(DL.c.id, sort_by_parameter_order=True), [
        {"instance_id": case_id, "state": state, "key": spec.id, "ref": None, "title": spec.title,
         "basis": spec.basis, "due_at": due_at, "opened_at": now, "status": "open"}
        for case_id, _timing, spec, due_at in wanted]).scalars().all()
    steps: list[dict[str, Any]] = []
    for deadline_id, (case_id, timing, spec, due_at) in zip(ids, wanted, strict=True):
        steps.extend(step_rows(spec, deadline_id, case_id, due_at, now, timing))
        dues.setdefault(case_id, []).append(due_at)
    if steps:
        _INSERT_STEPS.executemany(conn, steps)
    return len(ids)


def open_manual(conn: sa.Connection, case_id: int, state: str, spec: DeadlineSpec, ref: str,
                due_at: datetime, now: datetime, timing: Timing) -> int:
    deadline_id = _insert_deadline(conn, case_id, state, spec, ref, due_at, now)
    steps = step_rows(spec, deadline_id, case_id, due_at, now, timing)
    if steps:
        _INSERT_STEPS.executemany(conn, steps)
    return deadline_id


def _insert_deadline(conn: sa.Connection, case_id: int, state: str, spec: DeadlineSpec, ref: str | None,
                     due_at: datetime, now: datetime) -> int:
    cursor = _INSERT_DEADLINE.execute(
        conn, {"instance_id": case_id, "state": state, "key": spec.id, "ref": ref, "title": spec.title,
               "basis": spec.basis, "due_at": due_at, "opened_at": now, "status": "open"})
    deadline_id = int(cursor.fetchone()[0])
    cursor.close()
    return deadline_id


def close_all(conn: sa.Connection, case_id: int, now: datetime) -> None:
    """Close every open deadline of the case (the state is left) and cancel their pending steps."""
    _CLOSE_ALL.execute(conn, {"case_id": case_id, "now": now}).close()
    _CANCEL_STEPS.execute(conn, {"case_id": case_id}).close()


_OPEN_BY_KEY = Prepared(sa.select(DL.c.id, DL.c.ref).where(
    DL.c.instance_id == _CASE, DL.c.status == sa.literal_column("'open'"), DL.c.key == sa.bindparam("key")))
_ID: sa.BindParameter[int] = sa.bindparam("id")
_MET_OR_LATE = sa.case((DL.c.due_at >= _NOW, sa.literal("met")), else_=sa.literal("late"))
_CLOSE_ID = Prepared(sa.update(DL).where(DL.c.id == _ID).values(status=_MET_OR_LATE, closed_at=_NOW))
_CLOSE_ID_AS = Prepared(sa.update(DL).where(DL.c.id == _ID).values(status=sa.bindparam("status"), closed_at=_NOW))
_CANCEL_STEPS_OF = Prepared(sa.update(ST).where(ST.c.deadline_id == _ID,
                                                ST.c.status.in_([sa.literal_column(f"'{s}'") for s in WAITING]))
                            .values(status="cancelled"))


def close_some(conn: sa.Connection, case_id: int, now: datetime, keys: Sequence[str], ref: str | None = None,
               status: str | None = None) -> int:
    """Close the open deadlines named ``keys`` (with ``ref`` for per-item ones); return how many."""
    closed = 0
    for key in keys:
        cursor = _OPEN_BY_KEY.execute(conn, {"case_id": case_id, "key": key})
        ids = [row[0] for row in cursor.fetchall() if row[1] == ref]
        cursor.close()
        for deadline_id in ids:
            if status:
                _CLOSE_ID_AS.execute(conn, {"id": deadline_id, "now": now, "status": status}).close()
            else:
                _CLOSE_ID.execute(conn, {"id": deadline_id, "now": now}).close()
            _CANCEL_STEPS_OF.execute(conn, {"id": deadline_id}).close()
            closed += 1
    return closed


def next_due(conn: sa.Connection, case_id: int) -> datetime | None:
    row = _NEXT_DUE.first(conn, {"case_id": case_id})
    return row[0] if row else None


def reopen_for_migration(conn: sa.Connection, case_id: int, new_state: str, specs: Sequence[DeadlineSpec],
                         now: datetime, timing: Timing) -> None:
    """Keep open deadlines whose id the new state also declares; close the others; open the missing ones."""
    keep = {s.id for s in specs}
    rows = conn.execute(sa.select(DL.c.id, DL.c.key).where(DL.c.instance_id == case_id, DL.c.status == "open")).all()
    kept = {r.key for r in rows if r.key in keep}
    drop = [r.id for r in rows if r.key not in keep]
    if drop:
        conn.execute(sa.update(DL).where(DL.c.id.in_(drop)).values(status="cancelled", closed_at=now))
        conn.execute(sa.update(ST).where(ST.c.deadline_id.in_(drop), ST.c.status.in_(WAITING))
                     .values(status="cancelled"))
    if kept:
        conn.execute(sa.update(DL).where(DL.c.instance_id == case_id, DL.c.status == "open")
                     .values(state=new_state))
    open_deadlines(conn, case_id, new_state, [s for s in specs if s.id not in kept], now, timing)
