"""Deadline discipline: how often each step, organisation and person meets its deadlines.

Definitions (for the cases the principal may see, :func:`cases.access.visible_cases`):

* **closed in the period** — a deadline (``wf_deadline``) whose status is ``met`` or ``late`` and
  whose ``closed_at`` falls in the period (local days, both included). Cancelled deadlines (items
  of a plan that was cancelled or left with their state) are not counted.
* **on time** — the share of those with status ``met`` (closed by the due moment; the engine sets
  ``met``/``late`` when it closes the deadline).
* **delay** of a late deadline — ``closed_at − due_at`` in calendar hours. The median and the 90th
  percentile are taken over the late deadlines of the row (nearest rank: the ⌈0.9·n⌉-th smallest),
  rounded to 0.1 h.
* **who** — the person and organisation that closed the deadline: the actor (``actor_id``,
  ``actor_org``) of the first audit event of the case written at or after ``closed_at`` — the
  transition or record made in the same transaction (the engine closes a state's deadlines and
  appends the event with one clock reading; closing a plan item closes its deadline, then records
  ``plan_item_closed``). Deadlines closed by a timeout count under «Система».
* **overdue now** — open deadlines whose due moment has passed, at the time of the query; they have
  no closer yet, so they count under the case's current organisation and assignee.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from cases import access, exports
from cases.charts import Bar, percent, share_chart
from cases.principal import Principal
from cases.services import Services
from cases.statistics import Period, parse_period, today_of
from cases.tables import Organisation, User, names_by_id
from engine.database import UnitOfWork
from engine.tables import AuditEvent, CaseInstance, Deadline, table_of

CI, DL, AE, ORG, USR = (table_of(t) for t in (CaseInstance, Deadline, AuditEvent, Organisation, User))
#: names of a missing organisation / person: closed by a timeout, no closing event found, not assigned
_NO_ORG = {"system": "Система (автоматически)", "unknown": "не определено", "nobody": "без организации"}
_NO_PERSON = {"system": "Система (автоматически)", "unknown": "не определено", "nobody": "не назначен"}


@dataclass(frozen=True)
class DisciplineRow:
    key: str
    title: str
    closed: int
    met: int
    late: int
    #: met / closed; None when nothing was closed
    on_time: float | None
    median_delay_hours: float | None
    p90_delay_hours: float | None
    overdue_now: int


@dataclass(frozen=True)
class DisciplineReport:
    period: Period
    total: DisciplineRow
    by_step: list[DisciplineRow]
    by_org: list[DisciplineRow]
    by_person: list[DisciplineRow]


def default_period(today: date) -> Period:
    """The last 90 days, today included."""
    return Period(today - timedelta(days=89), today)


def nearest_rank(values: Sequence[float], q: float) -> float:
    """The ⌈q·n⌉-th smallest value (``q`` in (0, 1]); ``values`` must not be empty."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


def median(values: Sequence[float]) -> float:
    ordered, n = sorted(values), len(values)
    return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2


@dataclass
class _Tally:
    title: str = ""
    met: int = 0
    late: int = 0
    overdue: int = 0
    delays: list[float] = field(default_factory=list)

    def row(self, key: str) -> DisciplineRow:
        closed, delays = self.met + self.late, self.delays
        return DisciplineRow(key, self.title, closed, self.met, self.late, self.met / closed if closed else None,
                             round(median(delays), 1) if delays else None,
                             round(nearest_rank(delays, 0.9), 1) if delays else None, self.overdue)


def _closed(p: Principal, bounds: tuple[Any, Any]) -> Any:
    """Closed deadlines of the period with the audit event that closed them (see the module docstring)."""
    closer = (sa.select(sa.func.min(AE.c.seq)).where(AE.c.instance_id == DL.c.instance_id, AE.c.at >= DL.c.closed_at)
              .scalar_subquery())
    base = (sa.select(DL.c.instance_id, DL.c.key, DL.c.title, DL.c.status, DL.c.due_at, DL.c.closed_at,
                      CI.c.workflow, closer.label("closer_seq"))
            .join(CI, CI.c.id == DL.c.instance_id)
            .where(DL.c.status.in_(("met", "late")), DL.c.closed_at >= bounds[0], DL.c.closed_at < bounds[1],
                   access.visible_cases(p))).subquery()
    return base, base.outerjoin(AE, sa.and_(AE.c.instance_id == base.c.instance_id, AE.c.seq == base.c.closer_seq))



def _step_titles(svc: Services) -> dict[str, str]:
    catalog = svc.runtime.catalog
    return {name: catalog.latest(name).definition.title for name in catalog.names()}


def discipline_report(tx: UnitOfWork, svc: Services, p: Principal, start: str = "", end: str = ""
                      ) -> DisciplineReport:
    """Deadline discipline of the days ``start``..``end`` (ISO dates; empty: the last 90 days) by step,
    organisation and person (see the module docstring).

    Raises :class:`Forbidden` for roles that may not see it (checked first), :class:`InputInvalid`
    for a malformed or reversed period.
    """
    access.require_discipline(p)
    period = parse_period(start, end, default_period(today_of(svc)))
    conn = tx.connection
    bounds = period.bounds(svc.runtime.calendar.zone)
    base, joined = _closed(p, bounds)
    late = sa.func.sum(sa.case((base.c.status == "late", 1), else_=0))
    grouped = conn.execute(
        sa.select(base.c.workflow, base.c.key, AE.c.actor_org, AE.c.actor_id, AE.c.actor_role,
                  sa.func.min(base.c.title), sa.func.count(), late)
        .select_from(joined)
        .group_by(base.c.workflow, base.c.key, AE.c.actor_org, AE.c.actor_id, AE.c.actor_role)).all()
    delays = conn.execute(
        sa.select(base.c.workflow, base.c.key, AE.c.actor_org, AE.c.actor_id, AE.c.actor_role, base.c.due_at,
                  base.c.closed_at)
        .select_from(joined).where(base.c.status == "late")).all()
    now = svc.runtime.clock.now()
    overdue = conn.execute(
        sa.select(CI.c.workflow, DL.c.key, CI.c.org_id, CI.c.assignee_id, sa.func.min(DL.c.title), sa.func.count())
        .join(CI, CI.c.id == DL.c.instance_id)
        .where(DL.c.status == sa.literal_column("'open'"), DL.c.due_at < now, access.visible_cases(p))
        .group_by(CI.c.workflow, DL.c.key, CI.c.org_id, CI.c.assignee_id)).all()
    orgs = names_by_id(conn, ORG, "short_name", [r[2] for r in grouped] + [r[2] for r in overdue])
    users = names_by_id(conn, USR, "full_name", [r[3] for r in grouped] + [r[3] for r in overdue])
    workflows = _step_titles(svc)
    tallies: dict[str, dict[str, _Tally]] = {dim: defaultdict(_Tally) for dim in ("step", "org", "person", "total")}

    def keys(workflow: str, key: str, title: str, org: int | None, person: int | None, nobody: str
             ) -> list[tuple[str, str, str]]:
        """(dimension, key, title) of the rows a deadline counts in; ``nobody`` names a missing org or person."""
        return [("step", f"{workflow}:{key}", f"{workflows.get(workflow, workflow)}: {title}"),
                ("org", str(org) if org else nobody, orgs.get(org, f"организация {org}") if org else _NO_ORG[nobody]),
                ("person", str(person) if person else nobody,
                 users.get(person, f"сотрудник {person}") if person else _NO_PERSON[nobody]),
                ("total", "total", "Всего")]

    def closer(role: str | None) -> str:
        return "system" if role == "system" else "unknown" if role is None else "nobody"

    for workflow, key, org, person, role, title, count, n_late in grouped:
        for dim, k, name in keys(workflow, key, title, org, person, closer(role)):
            tally = tallies[dim][k]
            tally.title = name
            tally.late += int(n_late or 0)
            tally.met += int(count) - int(n_late or 0)
    for workflow, key, org, person, role, due_at, closed_at in delays:
        for dim, k, _ in keys(workflow, key, "", org, person, closer(role)):
            tallies[dim][k].delays.append((closed_at - due_at).total_seconds() / 3600)
    for workflow, key, org, person, title, count in overdue:
        for dim, k, name in keys(workflow, key, title, org, person, "nobody"):
            tally = tallies[dim][k]
            tally.title = tally.title or name
            tally.overdue += int(count)

    def rows(dim: str) -> list[DisciplineRow]:
        found = [t.row(k) for k, t in tallies[dim].items()]
        return sorted(found, key=lambda r: (r.on_time if r.on_time is not None else 2.0, -r.overdue_now, r.title))

    total = tallies["total"]["total"]
    total.title = "Всего"
    return DisciplineReport(period, total.row("total"), rows("step"), rows("org"), rows("person"))


# -- charts and files ------------------------------------------------------------------------------

def _bars(rows: Sequence[DisciplineRow], short: bool) -> list[Bar]:
    return [Bar(r.title.split(": ", 1)[-1] if short else r.title, r.on_time, f"{r.met} из {r.closed} в срок")
            for r in rows if r.on_time is not None]


def steps_chart(report: DisciplineReport) -> str:
    """One bar per step with deadlines closed in the period: the share met on time."""
    return share_chart(f"Доля сроков, соблюдённых по шагам процесса, {report.period.label}",
                       _bars(report.by_step, short=True))


def orgs_chart(report: DisciplineReport) -> str:
    """One bar per organisation that closed deadlines in the period: the share met on time."""
    return share_chart(f"Доля сроков, соблюдённых организациями, {report.period.label}",
                       _bars(report.by_org, short=False))


COLUMNS = ["Закрыто сроков", "В срок", "С нарушением", "Доля в срок", "Медиана просрочки, ч",
           "90-й процентиль просрочки, ч", "Просрочено сейчас"]


def table_rows(rows: Sequence[DisciplineRow]) -> list[list[object]]:
    return [[r.title, r.closed, r.met, r.late, percent(r.on_time) if r.on_time is not None else "—",
             r.median_delay_hours if r.median_delay_hours is not None else "—",
             r.p90_delay_hours if r.p90_delay_hours is not None else "—", r.overdue_now] for r in rows]


def discipline_xlsx(report: DisciplineReport) -> bytes:
    return exports.to_xlsx([("По шагам", ["Шаг", *COLUMNS], table_rows([*report.by_step, report.total])),
                            ("По организациям", ["Организация", *COLUMNS], table_rows(report.by_org)),
                            ("По сотрудникам", ["Сотрудник", *COLUMNS], table_rows(report.by_person))],
                           widths=[60, 14, 10, 14, 12, 16, 18, 16])
