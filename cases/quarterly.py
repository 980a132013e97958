"""Quarterly information on families under support (docs/process.md, Path 2 step 6, Path 3 step 7).

Three kinds, for one territory and one calendar quarter (local days, both ends included):

* ``agency_to_uszn`` — the Agency informs the USZN and the guardianship authority about the families
  in a difficult life situation (ТЖС) under social support and the results (Yugra's technology of
  early identification);
* ``uszn_to_kdn`` — the USZN and the guardianship authority bring the same summary to the municipal
  KDN each quarter (the same technology);
* ``uso_to_kdn`` — each social service institution (УСО) reports to the KDN on every family it
  supports, ТЖС and ИПР (the Novgorod region's model programme of social support): per family, what
  was done and where it stands.

Definitions (the summary of the first two kinds):

* *families under support in the quarter* — families with a ``family_support`` case open for at least
  a moment of the quarter (started before its end, not closed before its start); *new* — started in
  the quarter; *children* — their minors (``person.relation = 'child'``, under 18 on the first day);
* *visits* — ``visit`` rows of those cases dated in the quarter, by kind; *families visited* — with at
  least one such visit;
* *plan items* (the family support plan): *done* / *cancelled* — closed with that status on a day of
  the quarter; *not done in time at the end of the quarter* — due on or before its last day and not
  closed by then (still open, or closed later);
* *support ended* — cases closed in the quarter: ``closed`` by the curator with the reason chosen in
  ``close_support`` (counted per reason), or ``escalated`` to individual preventive work (СОП).

For ``uso_to_kdn`` a family counts under a УСО when the institution is a party of the case
(``case_party``): ``family_support`` cases open in the quarter, and ``kdn_prevention`` cases from the
KDN's recognising resolution (adopted by the quarter's last day) until they are closed (post-support
included). Opening that report is written to the access log, one ``export`` row per case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from cases import access, exports, render
from cases.errors import InputInvalid
from cases.handlers import log_access
from cases.principal import Principal
from cases.services import Services
from cases.statistics import IPR_WORKFLOWS, Period, minor_cutoff, today_of
from cases.tables import (
    CaseParty,
    Family,
    KdnResolution,
    Organisation,
    Person,
    Plan,
    PlanItem,
    Territory,
    User,
    Visit,
    names_by_id,
)
from engine.database import UnitOfWork
from engine.tables import AuditEvent, CaseInstance, table_of

CI, AE, CP, FA, RES, ORG, PE, PL, PI, TER, USR, VIS = (table_of(t) for t in (
    CaseInstance, AuditEvent, CaseParty, Family, KdnResolution, Organisation, Person, Plan, PlanItem, Territory, User,
    Visit))
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
VISIT_KINDS = {"home": "на дому", "phone": "по телефону", "office": "приём в учреждении", "joint": "совместный выход"}


@dataclass(frozen=True)
class Kind:
    title: str
    short: str
    sender_kind: str
    addressee: str


KINDS = {
    "agency_to_uszn": Kind("Информация о семьях, находящихся в трудной жизненной ситуации, на социальном "
                           "сопровождении и о результатах работы с ними",
                           "Агентство → УСЗН и орган опеки", "agency",
                           "Управление социальной защиты населения, орган опеки и попечительства"),
    "uszn_to_kdn": Kind("Информация о семьях, находящихся в трудной жизненной ситуации, на социальном "
                        "сопровождении и о результатах работы с ними",
                        "УСЗН и орган опеки → КДН и ЗП", "guardianship",
                        "Муниципальная комиссия по делам несовершеннолетних и защите их прав"),
    "uso_to_kdn": Kind("Отчёт о семьях, находящихся на сопровождении учреждения социального обслуживания "
                       "(ТЖС и ИПР)", "УСО → КДН и ЗП", "uso",
                       "Муниципальная комиссия по делам несовершеннолетних и защите их прав"),
}


@dataclass(frozen=True)
class Section:
    title: str
    columns: list[str]
    rows: list[list[object]]


@dataclass(frozen=True)
class QuarterlyReport:
    kind: str
    title: str
    sender: str
    addressee: str
    territory_name: str
    year: int
    quarter: int
    period: Period
    sections: list[Section]
    #: the summary's figures by name (kinds ``agency_to_uszn``, ``uszn_to_kdn``); per-family counts otherwise
    figures: dict[str, int]

    @property
    def label(self) -> str:
        return f"{ROMAN[self.quarter]} квартал {self.year} года ({self.period.label})"


# -- the quarter -----------------------------------------------------------------------------------

def quarter_period(year: int, quarter: int) -> Period:
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return Period(start, date.fromordinal(end.toordinal() - 1))


def parse_quarter(year: int | None, quarter: int | None, today: date) -> tuple[int, int]:
    """The quarter asked for; by default the last completed one."""
    if year is None and quarter is None:
        current = (today.month - 1) // 3 + 1
        return (today.year, current - 1) if current > 1 else (today.year - 1, 4)
    errors = {}
    if year is None or not 2000 <= year <= today.year + 1:
        errors["year"] = f"год от 2000 до {today.year + 1}"
    if quarter is None or not 1 <= quarter <= 4:
        errors["quarter"] = "квартал от 1 до 4"
    if errors:
        raise InputInvalid(errors)
    assert year is not None and quarter is not None
    return year, quarter


# -- queries ---------------------------------------------------------------------------------------

def _open_during(bounds: tuple[datetime, datetime]) -> sa.ColumnElement[bool]:
    return sa.and_(CI.c.created_at < bounds[1], sa.or_(CI.c.closed_at.is_(None), CI.c.closed_at >= bounds[0]))


def _support_cases(territory: str, bounds: tuple[datetime, datetime]) -> Any:
    return sa.select(CI.c.id).where(CI.c.territory == territory, CI.c.workflow == "family_support",
                                    _open_during(bounds))


def _visits(conn: sa.Connection, cases: Any, q: Period) -> list[Any]:
    """(case_id, kind, visits, last visit) per case and kind, the quarter's visits only."""
    return list(conn.execute(
        sa.select(VIS.c.case_id, VIS.c.kind, sa.func.count(), sa.func.max(VIS.c.visited_on))
        .where(VIS.c.case_id.in_(cases), VIS.c.visited_on >= q.start, VIS.c.visited_on <= q.end)
        .group_by(VIS.c.case_id, VIS.c.kind)).all())


def _items(conn: sa.Connection, cases: Any, q: Period) -> dict[int, tuple[int, int, int, int]]:
    """Per case: (done in the quarter, cancelled in the quarter, not done in time at its end, in the plan)."""
    def count(condition: sa.ColumnElement[bool]) -> Any:
        return sa.func.sum(sa.case((condition, 1), else_=0))

    in_q = sa.and_(PI.c.done_on >= q.start, PI.c.done_on <= q.end)
    rows = conn.execute(
        sa.select(PL.c.case_id, count(sa.and_(PI.c.status == "done", in_q)),
                  count(sa.and_(PI.c.status == "cancelled", in_q)),
                  count(sa.and_(PI.c.due_date <= q.end, sa.or_(PI.c.status == "open", PI.c.done_on > q.end))),
                  count(PI.c.status != "cancelled"))
        .join(PL, PL.c.id == PI.c.plan_id)
        .where(PL.c.case_id.in_(cases), PL.c.kind.in_(("support", "ipr"))).group_by(PL.c.case_id)).all()
    return {r[0]: (int(r[1] or 0), int(r[2] or 0), int(r[3] or 0), int(r[4] or 0)) for r in rows}


def _children(conn: sa.Connection, family_ids: Any, cutoff: date) -> int:
    return int(conn.execute(sa.select(sa.func.count(sa.distinct(PE.c.id))).where(
        PE.c.family_id.in_(family_ids), PE.c.relation == "child",
        sa.or_(PE.c.birth_date.is_(None), PE.c.birth_date > cutoff))).scalar_one())


def _close_reasons(svc: Services) -> dict[str, str]:
    transition = svc.runtime.catalog.latest("family_support").transition("support", "close_support")
    spec = next((f for f in transition.fields if f.name == "reason"), None) if transition else None
    return dict(spec.choices) if spec and spec.choices else {}



# -- the ТЖС summary (agency_to_uszn, uszn_to_kdn) ---------------------------------------------------

def _summary(conn: sa.Connection, svc: Services, territory: str, q: Period) -> tuple[list[Section], dict[str, int]]:
    bounds = q.bounds(svc.runtime.calendar.zone)
    ids = _support_cases(territory, bounds)
    cases = conn.execute(sa.select(CI.c.id, CI.c.subject_id, CI.c.org_id, CI.c.state, CI.c.created_at,
                                   CI.c.closed_at).where(CI.c.id.in_(ids))).all()
    visits = _visits(conn, ids, q)
    items = _items(conn, ids, q)
    closed = {c.id: c for c in cases if c.closed_at is not None and bounds[0] <= c.closed_at < bounds[1]}
    reasons_of = {r.instance_id: (r.payload or {}).get("reason", "other") for r in conn.execute(
        sa.select(AE.c.instance_id, AE.c.payload).where(AE.c.instance_id.in_(ids), AE.c.event == "close_support"))}
    by_kind = {kind: sum(v[2] for v in visits if v[1] == kind) for kind in VISIT_KINDS}
    visited_cases = {v[0] for v in visits}
    figures = {
        "families": len({c.subject_id for c in cases}),
        "children": _children(conn, sa.select(CI.c.subject_id).where(CI.c.id.in_(ids)), minor_cutoff(q.start)),
        "new_families": len({c.subject_id for c in cases if bounds[0] <= c.created_at < bounds[1]}),
        "visits": sum(by_kind.values()), **{f"visits_{k}": v for k, v in by_kind.items()},
        "visited_families": len({c.subject_id for c in cases if c.id in visited_cases}),
        "items_done": sum(i[0] for i in items.values()), "items_cancelled": sum(i[1] for i in items.values()),
        "items_overdue": sum(i[2] for i in items.values()),
        "ended": len(closed), "escalated": sum(1 for c in closed.values() if c.state == "escalated"),
    }
    titles = _close_reasons(svc)
    ended: dict[str, int] = {}
    for case in closed.values():
        key = "escalated" if case.state == "escalated" else reasons_of.get(case.id, "other")
        ended[key] = ended.get(key, 0) + 1
    reason_rows: list[list[object]] = [[titles.get(k, k), ended[k]] for k in titles if k in ended]
    if "escalated" in ended:
        reason_rows.append(["Семья в социально опасном положении — передана на ИПР", ended["escalated"]])
    general: list[list[object]] = [
        ["Семей в ТЖС на социальном сопровождении в квартале", figures["families"]],
        ["в них несовершеннолетних детей", figures["children"]],
        ["из них семей, взятых на сопровождение в квартале", figures["new_families"]],
        ["Посещений семей (патронаж), всего", figures["visits"]],
        *[[f"в том числе {title}", by_kind[k]] for k, title in VISIT_KINDS.items()],
        ["Семей, посещённых хотя бы раз", figures["visited_families"]],
        ["Мероприятий плана сопровождения выполнено", figures["items_done"]],
        ["Мероприятий плана отменено", figures["items_cancelled"]],
        ["Мероприятий не выполнено в срок на конец квартала", figures["items_overdue"]],
        ["Сопровождение прекращено, семей", figures["ended"]],
    ]
    orgs = names_by_id(conn, ORG, "short_name", {c.org_id for c in cases if c.org_id})
    per_org: dict[int | None, list[int]] = {}
    visited: dict[int, int] = {}
    for v in visits:
        visited[v[0]] = visited.get(v[0], 0) + int(v[2])
    for c in cases:
        row = per_org.setdefault(c.org_id, [0, 0, 0, 0])
        row[0] += 1
        row[1] += visited.get(c.id, 0)
        row[2] += items.get(c.id, (0, 0, 0, 0))[0]
        row[3] += 1 if c.id in closed else 0
    org_rows: list[list[object]] = [[orgs.get(o, "—") if o else "—", *vals]
                                    for o, vals in sorted(per_org.items(), key=lambda kv: orgs.get(kv[0] or 0, ""))]
    return [Section("Общие сведения", ["Показатель", "Значение"], general),
            Section("Прекращение сопровождения по основаниям", ["Основание", "Семей"], reason_rows),
            Section("По учреждениям социального обслуживания",
                    ["Учреждение", "Дел сопровождения", "Посещений", "Мероприятий выполнено", "Прекращено"],
                    org_rows)], figures


# -- per family (uso_to_kdn) -----------------------------------------------------------------------

FAMILY_COLUMNS = ["№ дела", "Семья", "Категория", "Куратор", "Работа с", "Посещений за квартал",
                  "Последнее посещение", "Мероприятий выполнено за квартал", "Мероприятий в плане",
                  "Не выполнено в срок", "Состояние на дату отчёта"]


def _uso_cases(territory: str, uso: int, q: Period, bounds: tuple[datetime, datetime]) -> Any:
    recognised_on = (sa.select(sa.func.min(RES.c.adopted_on))
                     .where(RES.c.case_id == CI.c.id, RES.c.decision == "recognise").scalar_subquery())
    party = sa.exists().where(CP.c.case_id == CI.c.id, CP.c.org_id == uso)
    not_closed_before = sa.or_(CI.c.closed_at.is_(None), CI.c.closed_at >= bounds[0])
    support = sa.and_(CI.c.workflow == "family_support", _open_during(bounds))
    prevention = sa.and_(CI.c.workflow.in_(IPR_WORKFLOWS), recognised_on <= q.end, not_closed_before)
    return (sa.select(CI.c.id, CI.c.workflow, CI.c.workflow_version, CI.c.state, CI.c.subject_id, CI.c.assignee_id,
                      CI.c.created_at, CI.c.closed_at, recognised_on.label("recognised_on"))
            .where(CI.c.territory == territory, party, sa.or_(support, prevention)).order_by(CI.c.id))


def _family_rows(conn: sa.Connection, svc: Services, territory: str, uso: int, q: Period) -> list[list[object]]:
    bounds = q.bounds(svc.runtime.calendar.zone)
    cases = conn.execute(_uso_cases(territory, uso, q, bounds)).all()
    if not cases:
        return []
    ids = [c.id for c in cases]
    visits: dict[int, tuple[int, date | None]] = {}
    for case_id, _, count, last in _visits(conn, sa.select(CI.c.id).where(CI.c.id.in_(ids)), q):
        n, before = visits.get(case_id, (0, None))
        visits[case_id] = (n + int(count), max(d for d in (before, last) if d is not None))
    items = _items(conn, sa.select(CI.c.id).where(CI.c.id.in_(ids)), q)
    surnames = names_by_id(conn, FA, "surname", {c.subject_id for c in cases if c.subject_id})
    curators = names_by_id(conn, USR, "full_name", {c.assignee_id for c in cases if c.assignee_id})
    zone = svc.runtime.calendar.zone
    rows: list[list[object]] = []
    for c in sorted(cases, key=lambda c: (surnames.get(c.subject_id, ""), c.id)):
        wf = svc.runtime.catalog.compiled(c.workflow, c.workflow_version).definition
        state = wf.states[c.state].title if c.state in wf.states else c.state
        if c.closed_at is not None:
            state += f" ({c.closed_at.astimezone(zone):%d.%m.%Y})"
        since = c.recognised_on if c.workflow in IPR_WORKFLOWS else c.created_at.astimezone(zone).date()
        n_visits, last = visits.get(c.id, (0, None))
        done, _, overdue, total = items.get(c.id, (0, 0, 0, 0))
        rows.append([c.id, f"Семья {surnames.get(c.subject_id, '')}".strip(),
                     "СОП (ИПР)" if c.workflow in IPR_WORKFLOWS else "ТЖС",
                     curators.get(c.assignee_id, "не назначен"), f"{since:%d.%m.%Y}" if since else "",
                     n_visits, f"{last:%d.%m.%Y}" if last else "—", done, total, overdue, state])
    return rows


# -- the report ------------------------------------------------------------------------------------

def _org_names(conn: sa.Connection, territory: str, kind: str) -> list[tuple[int, str, str]]:
    return [(r.id, r.name, r.short_name) for r in conn.execute(
        sa.select(ORG.c.id, ORG.c.name, ORG.c.short_name).where(ORG.c.territory == territory, ORG.c.kind == kind)
        .order_by(ORG.c.short_name))]


def quarterly_report(tx: UnitOfWork, svc: Services, p: Principal, year: int | None = None,
                     quarter: int | None = None, kind: str = "") -> QuarterlyReport:
    """One kind of quarterly information for ``p``'s territory (by default the last completed quarter and
    the first kind ``p`` may see).

    Raises :class:`Forbidden` when the kind is not ``p``'s to see (checked before the input),
    :class:`InputInvalid` for an unknown kind, year or quarter. A УСО director gets their own
    institution's families; a secretary or supervisor every УСО's of the territory.
    """
    kind = kind or default_kind(p)
    if kind not in KINDS:
        raise InputInvalid({"kind": "выберите вид информации: " + ", ".join(k.short for k in KINDS.values())})
    access.require_quarterly(p, kind)
    year, quarter = parse_quarter(year, quarter, today_of(svc))
    conn, spec, q = tx.connection, KINDS[kind], quarter_period(year, quarter)
    territory = conn.execute(sa.select(TER.c.name).where(TER.c.code == p.territory)).scalar() or p.territory
    senders = _org_names(conn, p.territory, spec.sender_kind)
    if kind != "uso_to_kdn":
        sections, figures = _summary(conn, svc, p.territory, q)
        sender = senders[0][1] if senders else ""
    else:
        if access.only_own_uso(p):
            senders = [s for s in senders if s[0] == p.org_id]
        sections, figures = [], {"families": 0}
        for org_id, _, short in senders:
            rows = _family_rows(conn, svc, p.territory, org_id, q)
            sections.append(Section(short, FAMILY_COLUMNS, rows))
            figures["families"] += len(rows)
            figures[f"org_{org_id}"] = len(rows)
            for row in rows:
                log_access(tx, p, int(str(row[0])), "export",
                           f"квартальный отчёт УСО в КДН, {ROMAN[quarter]} кв. {year}", svc)
        sender = senders[0][1] if len(senders) == 1 else "Учреждения социального обслуживания территории"
    return QuarterlyReport(kind, spec.title, sender, spec.addressee, territory, year, quarter, q, sections, figures)


def default_kind(p: Principal) -> str:
    kinds = access.quarterly_kinds(p)
    return kinds[0] if kinds else "agency_to_uszn"


def _about(report: QuarterlyReport, today: date) -> list[tuple[str, str]]:
    return [("Период", f"{report.label}"), ("От", report.sender), ("Кому", report.addressee),
            ("Территория", report.territory_name), ("Сформировано", f"{today:%d.%m.%Y}")]


def _subtitle(report: QuarterlyReport, today: date) -> str:
    return "\n".join([f"за {report.label}"] + [f"{k}: {v}" for k, v in _about(report, today)[1:]])


def quarterly_docx(report: QuarterlyReport, svc: Services) -> bytes:
    sections = [(s.title, s.columns, [[str(v) for v in row] for row in s.rows]
                 or [["нет данных", *[""] * (len(s.columns) - 1)]]) for s in report.sections]
    return render.render_table_report_docx(report.title, _subtitle(report, today_of(svc)), sections)


_SHEET = re.compile(r"[\\/?*\[\]:]")


def quarterly_xlsx(report: QuarterlyReport, svc: Services) -> bytes:
    about: list[list[object]] = [["Документ", report.title]]
    about += [[k, v] for k, v in _about(report, today_of(svc))]
    sheets = [("Сведения", ["Показатель", "Значение"], about)]
    sheets += [(f"{i}. {_SHEET.sub(' ', s.title)}"[:31], s.columns, s.rows)
               for i, s in enumerate(report.sections, start=1)]
    return exports.to_xlsx(sheets, widths=[48, 30, 16, 24, 12, 12, 14, 16, 14, 14, 36])
