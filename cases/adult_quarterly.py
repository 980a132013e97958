"""The quarterly tables the resource centre publishes (report of the Yugra resource centre for the social adaptation
of homeless people and people released from prison, Q1 2024, §7 and appendix 3), always beside the same period of
the previous year (АППГ):

* social-patrol trips; people identified and what became of them (a state institution, an NGO, health care, sent to
  a permanent place of residence, urgent help only);
* people served — by state institutions and by non-state providers — and of them people released from prison;
* help by kind (persons), and of them people released from prison.

A person served in a quarter is one whose placement overlaps it; "released from prison" is a person of a release
category or one whose penal institution is recorded; the institution's kind tells state (УСО, resource centre)
from non-state (provider).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa

from cases import access
from cases.adult_effects import HELP_KINDS
from cases.errors import Forbidden, InputInvalid
from cases.exports import to_xlsx
from cases.people import RELEASE_CATEGORIES
from cases.people_tables import AdultHelp, AdultPerson, PatrolTrip, Placement
from cases.principal import Principal
from cases.services import Services
from cases.tables import Organisation
from engine.database import UnitOfWork
from engine.tables import CaseInstance, table_of

AP, AH, PT, PL = (table_of(t) for t in (AdultPerson, AdultHelp, PatrolTrip, Placement))
ORG, CI = table_of(Organisation), table_of(CaseInstance)
NON_STATE = ("provider",)
OUTCOMES = {"state": "Определены в государственные учреждения", "ngo": "Определены в некоммерческие организации",
            "health": "Направлены в учреждения здравоохранения", "sent_home": "Отправлены к постоянному месту "
            "жительства", "urgent": "Оказана срочная помощь"}


@dataclass(frozen=True)
class Quarter:
    year: int
    quarter: int

    @property
    def first(self) -> date:
        return date(self.year, 3 * self.quarter - 2, 1)

    @property
    def last(self) -> date:
        end_month = 3 * self.quarter
        nxt = date(self.year + (end_month == 12), end_month % 12 + 1, 1)
        return date.fromordinal(nxt.toordinal() - 1)

    def previous_year(self) -> Quarter:
        return Quarter(self.year - 1, self.quarter)


def _released() -> sa.ColumnElement[bool]:
    return sa.or_(*(AP.c.category == c for c in RELEASE_CATEGORIES), AP.c.penal_institution != "")


def _figures(conn: sa.Connection, territory: str, q: Quarter, zone: Any) -> dict[str, Any]:
    start = datetime.combine(q.first, time.min, tzinfo=zone)
    end = datetime.combine(date.fromordinal(q.last.toordinal() + 1), time.min, tzinfo=zone)
    trips = conn.execute(sa.select(sa.func.count()).select_from(PT).where(
        PT.c.territory == territory, PT.c.trip_on >= q.first, PT.c.trip_on <= q.last)).scalar_one()
    identified = (sa.select(CI.c.id, CI.c.state).where(
        CI.c.workflow == "homeless_placement", CI.c.territory == territory, CI.c.created_at >= start,
        CI.c.created_at < end)).subquery()
    total = conn.execute(sa.select(sa.func.count()).select_from(identified)).scalar_one()
    placed = conn.execute(sa.select(ORG.c.kind, sa.func.count(sa.distinct(PL.c.case_id)))
                          .select_from(identified).join(PL, PL.c.case_id == identified.c.id)
                          .join(ORG, ORG.c.id == PL.c.org_id).group_by(ORG.c.kind)).all()
    counted = sa.select(identified.c.state, sa.func.count()).group_by(identified.c.state)
    by_state: dict[str, int] = {str(k): int(v) for k, v in conn.execute(counted).all()}
    ngo = sum(int(n) for kind, n in placed if kind in NON_STATE)
    state = sum(int(n) for kind, n in placed if kind not in NON_STATE)
    health, home = int(by_state.get("referred_health", 0)), int(by_state.get("sent_home", 0))
    outcomes = {"state": state, "ngo": ngo, "health": health, "sent_home": home,
                "urgent": int(total) - state - ngo - health - home}
    overlap = sa.and_(PL.c.placed_on <= q.last, sa.or_(PL.c.discharged_on.is_(None), PL.c.discharged_on >= q.first))
    served_q = (sa.select(sa.case((ORG.c.kind == NON_STATE[0], "non_state"), else_="state").label("sector"),
                          sa.func.count(sa.distinct(PL.c.person_id)).label("all"),
                          sa.func.count(sa.distinct(sa.case((_released(), PL.c.person_id)))).label("released"))
                .select_from(PL).join(ORG, ORG.c.id == PL.c.org_id).join(AP, AP.c.id == PL.c.person_id)
                .where(overlap, ORG.c.territory == territory).group_by("sector"))
    served = {r.sector: {"all": int(r.all), "released": int(r.released)} for r in conn.execute(served_q).all()}
    for sector in ("state", "non_state"):
        served.setdefault(sector, {"all": 0, "released": 0})
    served["total"] = {k: served["state"][k] + served["non_state"][k] for k in ("all", "released")}
    help_q = (sa.select(AH.c.kind, sa.func.count(sa.distinct(AH.c.person_id)).label("all"),
                        sa.func.count(sa.distinct(sa.case((_released(), AH.c.person_id)))).label("released"))
              .select_from(AH).join(AP, AP.c.id == AH.c.person_id)
              .where(AH.c.given_on >= q.first, AH.c.given_on <= q.last, AP.c.territory == territory)
              .group_by(AH.c.kind))
    found = {r.kind: {"all": int(r.all), "released": int(r.released)} for r in conn.execute(help_q).all()}
    helped = {kind: found.get(kind, {"all": 0, "released": 0}) for kind in HELP_KINDS}
    return {"trips": int(trips), "identified": int(total), "outcomes": outcomes, "served": served, "help": helped}


def quarterly(tx: UnitOfWork, svc: Services, p: Principal, year: int, quarter: int) -> dict[str, Any]:
    """The quarter's tables and the same quarter of the previous year (АППГ), for the user's territory."""
    from cases.handlers import log_access

    if not access.can_keep_people_register(p):  # the resource centre and the supervisor
        raise Forbidden("Квартальные таблицы формирует ресурсный центр или руководитель")
    if not (1 <= quarter <= 4 and 2000 <= year <= 2100):
        raise InputInvalid({"quarter": "Квартал 1–4, год 2000–2100"})
    q = Quarter(year, quarter)
    zone = svc.runtime.calendar.zone
    log_access(tx, p, None, "view", f"квартальные таблицы (взрослые) {quarter} кв. {year}", svc)
    return {"year": year, "quarter": quarter, "current": _figures(tx.connection, p.territory, q, zone),
            "previous": _figures(tx.connection, p.territory, q.previous_year(), zone)}


def this_quarter(svc: Services) -> Quarter:
    """The quarter of today's local date (the page opens on it)."""
    today = svc.runtime.calendar.local_date(svc.runtime.clock.now())
    return Quarter(today.year, (today.month - 1) // 3 + 1)


def sections(tables: dict[str, Any]) -> list[tuple[str, list[str], list[list[Any]]]]:
    """The tables as (title, header, rows): the page shows them, the workbook has one sheet per table."""
    y, qn = tables["year"], tables["quarter"]
    cur, prev = tables["current"], tables["previous"]
    head = ["Показатель", f"{qn} кв. {y}", f"{qn} кв. {y - 1} (АППГ)"]
    patrol = [["Выезды службы «Социальный патруль»", cur["trips"], prev["trips"]],
              ["Выявлено лиц без определённого места жительства", cur["identified"], prev["identified"]]]
    patrol += [[title, cur["outcomes"][k], prev["outcomes"][k]] for k, title in OUTCOMES.items()]
    served = []
    for key, title in (("total", "Обслужено лиц БОМЖ"), ("state", "государственными учреждениями"),
                       ("non_state", "негосударственными поставщиками")):
        served.append([title, cur["served"][key]["all"], prev["served"][key]["all"]])
        served.append(["из них освободившихся из мест лишения свободы", cur["served"][key]["released"],
                       prev["served"][key]["released"]])
    helped = []
    for kind, title in HELP_KINDS.items():
        helped.append([title, cur["help"][kind]["all"], prev["help"][kind]["all"]])
        helped.append(["из них освободившихся из мест лишения свободы", cur["help"][kind]["released"],
                       prev["help"][kind]["released"]])
    return [("Патруль", head, patrol), ("Обслужено", head, served), ("Виды помощи", head, helped)]


SECTION_TITLES = {"Патруль": "Социальный патруль: выезды, выявленные и где определены",
                  "Обслужено": "Обслужено лиц БОМЖ: государственные и негосударственные, из них освободившиеся",
                  "Виды помощи": "Виды помощи (человек), из них освободившимся из мест лишения свободы"}


def quarterly_xlsx(tables: dict[str, Any]) -> bytes:
    """The tables as a workbook: the quarter beside the same quarter of the previous year."""
    return to_xlsx(sections(tables), widths=[70, 16, 20])
