"""The people register (the resource centre's start page): search by any part of the full name (case- and
ё/е-insensitive, ``people_search``), release date and intended address as sortable columns, the territory derived
from the address, the columns the administrator chose, export of the filtered list (audited) and a data-entry report
per institution.

These are what the users of the state monitoring system say it lacks (report of the Yugra resource centre for
the social adaptation of homeless people and people released from prison, Q1 2024, section 5).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from cases import access, people_search
from cases.errors import Forbidden, InputInvalid, NotFound
from cases.exports import to_csv, to_xlsx
from cases.people import CATEGORIES
from cases.people_tables import AdultPerson, RegisterColumn
from cases.principal import Principal
from cases.services import Services
from cases.tables import Organisation, Territory
from engine.database import UnitOfWork
from engine.tables import CaseInstance, table_of

AP, RC, ORG, TER, CI = (table_of(t) for t in (AdultPerson, RegisterColumn, Organisation, Territory, CaseInstance))

#: every column the register can show: key → title
COLUMNS: dict[str, str] = {
    "full_name": "ФИО",
    "birth_date": "Дата рождения",
    "category": "Категория",
    "release_date": "Дата освобождения",
    "intended_address": "Адрес предполагаемого места жительства или пребывания после освобождения",
    "territory": "Территория",
    "penal_institution": "Исправительное учреждение",
    "state": "Этап сопровождения",
    "entered_by": "Кем внесено",
    "created_at": "Дата внесения",
}
DEFAULT_COLUMNS = ("full_name", "release_date", "intended_address", "territory", "category", "state")
SORTS = {"full_name": AP.c.name_key, "release_date": AP.c.release_date, "intended_address": AP.c.intended_address,
         "created_at": AP.c.created_at, "birth_date": AP.c.birth_date}
MAX_EXPORT = 50_000
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class RegisterQuery:
    q: str = ""
    sort: str = "full_name"
    desc: bool = False
    category: str = ""
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class RegisterPage:
    columns: list[tuple[str, str]]
    rows: list[dict[str, Any]]
    total: int
    query: RegisterQuery


def _check(query: RegisterQuery) -> RegisterQuery:
    errors = {}
    if query.sort not in SORTS:
        errors["sort"] = "Сортировать можно по: " + ", ".join(SORTS)
    if query.category and query.category not in CATEGORIES:
        errors["category"] = "Неизвестная категория"
    if not 1 <= query.limit <= 500:
        errors["limit"] = "От 1 до 500 строк"
    if query.offset < 0:
        errors["offset"] = "Не меньше 0"
    if len(query.q) > 200:
        errors["q"] = "Не длиннее 200 символов"
    if errors:
        raise InputInvalid(errors)
    return query


def chosen_columns(tx: UnitOfWork) -> list[str]:
    rows = tx.connection.execute(sa.select(RC.c.column).order_by(RC.c.position)).scalars().all()
    return [c for c in rows if c in COLUMNS] or list(DEFAULT_COLUMNS)


def choose_columns(tx: UnitOfWork, svc: Services, p: Principal, columns: Sequence[str]) -> list[str]:
    """The administrator sets the register's columns (for every user, in this order)."""
    from cases.handlers import log_access

    if not access.can_administer(p):
        raise Forbidden("Столбцы реестра выбирает администратор")
    unknown = [c for c in columns if c not in COLUMNS]
    if unknown or not columns or len(set(columns)) != len(columns):
        raise InputInvalid({"columns": "Выберите столбцы из списка, каждый один раз: " + ", ".join(COLUMNS)})
    tx.connection.execute(sa.delete(RC))
    tx.connection.execute(sa.insert(RC), [{"column": c, "position": i} for i, c in enumerate(columns)])
    log_access(tx, p, None, "change", "столбцы реестра: " + ", ".join(columns), svc)
    return list(columns)


def matching(p: Principal, query: RegisterQuery, dialect: str, *columns: sa.ColumnElement[Any]) -> sa.Select[Any]:
    """The register's filter: the territory's people (not their family members), every typed word found in the
    name (``people_search``: a trigram index narrows, ``LIKE`` checks), the category."""
    rows, clauses = people_search.source(dialect, query.q)
    clauses += [AP.c.territory == p.territory, AP.c.head_id.is_(None)]
    if query.category:
        clauses.append(AP.c.category == query.category)
    return sa.select(*columns).select_from(rows).where(*clauses)


def page_select(p: Principal, query: RegisterQuery, dialect: str, limit: int, offset: int = 0) -> sa.Select[Any]:
    """The page's people: their ids are chosen, sorted and cut first (from the trigram index's matches when a word
    has three letters or more, else in the (territory, head, name, release date) index); only the page's rows are
    then read with their territory, organisation and case, in the same order. Each row carries ``total``, the count
    of every match, computed in the same pass over the matches as the sort."""
    order = SORTS[query.sort]
    ordered: list[sa.ColumnElement[Any]] = [order.desc() if query.desc else order.asc()]
    if query.sort == "release_date":  # people without a release date last, either way
        ordered.insert(0, order.is_(None))
    page = (matching(p, query, dialect, AP.c.id, sa.func.count().over().label("total"))
            .order_by(*ordered, AP.c.id).limit(limit).offset(offset).subquery())
    return (sa.select(page.c.total, AP.c.id, AP.c.last_name, AP.c.first_name, AP.c.middle_name, AP.c.birth_date,
                      AP.c.category, AP.c.release_date, AP.c.intended_address, AP.c.penal_institution, AP.c.created_at,
                      AP.c.case_id, TER.c.name.label("territory_name"), ORG.c.short_name.label("entered_by"),
                      CI.c.state, CI.c.workflow)
            .select_from(page).join(AP, AP.c.id == page.c.id)
            .join(TER, TER.c.code == AP.c.territory).join(ORG, ORG.c.id == AP.c.org_id)
            .outerjoin(CI, CI.c.id == AP.c.case_id).order_by(*ordered, AP.c.id))


def _row(r: Any, state_titles: dict[tuple[str, str], str]) -> dict[str, Any]:
    return {"id": r.id, "case_id": r.case_id,
            "full_name": " ".join(x for x in (r.last_name, r.first_name, r.middle_name) if x),
            "birth_date": r.birth_date, "category": CATEGORIES.get(r.category, r.category),
            "release_date": r.release_date, "intended_address": r.intended_address,
            "territory": r.territory_name, "penal_institution": r.penal_institution,
            "state": state_titles.get((r.workflow, r.state), r.state or "") if r.state else "",
            "entered_by": r.entered_by, "created_at": r.created_at}


def _titles(svc: Services) -> dict[tuple[str, str], str]:
    found: dict[tuple[str, str], str] = {}
    catalog = svc.runtime.catalog
    for name in ("release_accompaniment", "homeless_placement"):
        if name in catalog.names():
            for state_name, state in catalog.latest(name).definition.states.items():
                found[(name, state_name)] = state.title
    return found


def search(tx: UnitOfWork, svc: Services, p: Principal, query: RegisterQuery) -> RegisterPage:
    """One page of the register; the total counts every match."""
    if not access.can_keep_people_register(p):
        raise Forbidden("Реестр ведёт ресурсный центр")
    query = _check(query)
    columns = chosen_columns(tx)
    dialect = tx.connection.dialect.name
    rows = tx.connection.execute(page_select(p, query, dialect, query.limit, query.offset)).all()
    total = rows[0].total if rows else (  # a page past the end still tells how many there are
        tx.connection.execute(matching(p, query, dialect, sa.func.count())).scalar_one() if query.offset else 0)
    titles = _titles(svc)
    return RegisterPage([(c, COLUMNS[c]) for c in columns], [_row(r, titles) for r in rows], int(total), query)


def _cell(value: Any) -> Any:
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    return value


def export(tx: UnitOfWork, svc: Services, p: Principal, query: RegisterQuery, fmt: str) -> tuple[str, bytes]:
    """The filtered register as CSV or XLSX, in the chosen columns; the export is written to the access log."""
    from cases.handlers import log_access

    if fmt not in ("csv", "xlsx"):
        raise InputInvalid({"format": "Выгрузка в csv или xlsx"})
    page = search(tx, svc, p, RegisterQuery(query.q, query.sort, query.desc, query.category, 1, 0))
    rows = tx.connection.execute(page_select(p, page.query, tx.connection.dialect.name, MAX_EXPORT)).all()
    titles = _titles(svc)
    keys = [k for k, _t in page.columns]
    body = [[_cell(_row(r, titles)[k]) for k in keys] for r in rows]
    header = [t for _k, t in page.columns]
    log_access(tx, p, None, "export", f"выгрузка реестра людей ({fmt}, строк: {len(body)}, поиск: "
                                      f"«{query.q}»)", svc)
    today = svc.runtime.calendar.local_date(svc.runtime.clock.now()).isoformat()
    name = f"реестр-{today}.{fmt}"
    if fmt == "csv":
        return name, to_csv(header, body)
    return name, to_xlsx([("Реестр", header, body)])


def entry_name(tx: UnitOfWork, svc: Services, p: Principal, person_id: int) -> str:
    """The full name under which a person of the user's territory is found in the register (the case page links
    to it); a family member is found under the person they are accompanied with."""
    if not access.can_keep_people_register(p):
        raise Forbidden("Реестр ведёт ресурсный центр")
    row = tx.connection.execute(sa.select(AP.c.id, AP.c.head_id, AP.c.territory).where(AP.c.id == person_id)).first()
    if row is None or row.territory != p.territory:
        raise NotFound("Человек не найден в реестре вашей территории")
    head = tx.connection.execute(sa.select(AP.c.last_name, AP.c.first_name, AP.c.middle_name)
                                 .where(AP.c.id == (row.head_id or row.id))).one()
    return " ".join(x for x in (head.last_name, head.first_name, head.middle_name) if x)


COMPLETENESS = ("birth_date", "release_date", "intended_address", "penal_institution")


def entry_report(tx: UnitOfWork, svc: Services, p: Principal, since: date, until: date) -> list[dict[str, Any]]:
    """Per institution: how many people it entered in [since, until], when last, how complete the records are
    (the share of the optional fields filled in)."""
    from cases.handlers import log_access

    if not access.can_keep_people_register(p):
        raise Forbidden("Отчёт о внесении данных формирует ресурсный центр")
    if since > until:
        raise InputInvalid({"since": "Начало периода позже его конца"})
    cal = svc.runtime.calendar
    start = datetime.combine(since, time.min, tzinfo=cal.zone)  # the local midnights around the period
    end = datetime.combine(until + _ONE_DAY, time.min, tzinfo=cal.zone)
    filled = [sa.case((AP.c[c].is_not(None) & (sa.cast(AP.c[c], sa.String) != ""), 1), else_=0) for c in COMPLETENESS]
    q = (sa.select(ORG.c.id, ORG.c.short_name, sa.func.count(AP.c.id).label("entered"),
                   sa.func.max(AP.c.created_at).label("last_at"),
                   sa.func.sum(sum(filled[1:], filled[0])).label("filled"))
         .join(AP, AP.c.org_id == ORG.c.id)
         .where(AP.c.territory == p.territory, AP.c.created_at >= start, AP.c.created_at < end)
         .group_by(ORG.c.id, ORG.c.short_name).order_by(ORG.c.short_name))
    result = []
    for r in tx.connection.execute(q).all():
        complete = round(100 * int(r.filled or 0) / (len(COMPLETENESS) * int(r.entered))) if r.entered else 0
        result.append({"org_id": r.id, "organisation": r.short_name, "entered": int(r.entered),
                       "last_at": r.last_at, "complete_percent": complete})
    log_access(tx, p, None, "view", f"отчёт о внесении данных {since.isoformat()}–{until.isoformat()}", svc)
    return result


