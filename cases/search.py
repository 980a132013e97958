"""The registry: find people by any part of the full name (case- and ё/е-insensitive), date of birth
or address; export the results to CSV or XLSX.

The older regional system cannot search by full name nor export (its users' complaint, in docs/process.md);
here a user finds anyone in the families of the cases they may see, and every search and export is
written to the access log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from cases import access, exports
from cases.acts import CATEGORY_TITLES
from cases.commands import RELATIONS
from cases.errors import InputInvalid
from cases.handlers import log_access
from cases.names import contains, full_name, normalise
from cases.principal import Principal
from cases.services import Services
from cases.tables import Family, Person
from engine.database import UnitOfWork
from engine.tables import CaseInstance, table_of

CI, FA, PE = table_of(CaseInstance), table_of(Family), table_of(Person)


@dataclass(frozen=True)
class CaseRef:
    id: int
    workflow_title: str
    state_title: str
    closed: bool


@dataclass(frozen=True)
class PersonHit:
    person_id: int
    name: str
    relation: str
    birth_date: date | None
    family_id: int
    address: str
    category: str
    cases: list[CaseRef]


def check_criteria(*, name: str = "", birth_date: date | None = None, address: str = "") -> None:
    """Raises InputInvalid unless there is something to search by (a name of at least two letters)."""
    name_q, address_q = normalise(name), normalise(address)
    if not name_q and birth_date is None and not address_q:
        raise InputInvalid({"name": "укажите часть ФИО, дату рождения или адрес"})
    if name_q and len(name_q.replace(" ", "")) < 2:
        raise InputInvalid({"name": "не меньше двух букв"})


def search_people(tx: UnitOfWork, svc: Services, p: Principal, *, name: str = "", birth_date: date | None = None,
                  address: str = "", limit: int = 200) -> list[PersonHit]:
    """People of the visible families matching every given criterion; the search is written to the access log.

    ``%`` and ``_`` in the criteria are plain characters (escaped in LIKE), never wildcards.
    """
    check_criteria(name=name, birth_date=birth_date, address=address)
    name_q, address_q = normalise(name), normalise(address)
    visible_family = sa.exists().where(CI.c.subject_kind == "family", CI.c.subject_id == FA.c.id,
                                       access.visible_cases(p))
    query = (sa.select(PE.c.id, PE.c.last_name, PE.c.first_name, PE.c.middle_name, PE.c.relation, PE.c.birth_date,
                       FA.c.id.label("family_id"), FA.c.address, FA.c.category)
             .join(FA, FA.c.id == PE.c.family_id).where(FA.c.territory == p.territory, visible_family))
    for word in name_q.split():
        query = query.where(PE.c.name_key.like(contains(word), escape="\\"))
    if birth_date is not None:
        query = query.where(PE.c.birth_date == birth_date)
    for word in address_q.split():
        query = query.where(FA.c.address_key.like(contains(word), escape="\\"))
    rows = tx.connection.execute(query.order_by(PE.c.last_name, PE.c.first_name, PE.c.id).limit(limit)).all()
    cases: dict[int, list[CaseRef]] = {}
    family_ids = {r.family_id for r in rows}
    if family_ids:
        for c in tx.connection.execute(sa.select(CI).where(CI.c.subject_kind == "family",
                                                           CI.c.subject_id.in_(family_ids),
                                                           access.visible_cases(p)).order_by(CI.c.id)).all():
            wf = svc.runtime.catalog.compiled(c.workflow, c.workflow_version).definition
            cases.setdefault(c.subject_id, []).append(
                CaseRef(c.id, wf.title, wf.states[c.state].title if c.state in wf.states else c.state,
                        c.closed_at is not None))
    criteria = ", ".join(x for x in (name.strip(), birth_date.isoformat() if birth_date else "", address.strip()) if x)
    log_access(tx, p, None, "search", f"поиск в реестре: {criteria}", svc)
    return [PersonHit(r.id, full_name(r.last_name, r.first_name, r.middle_name),
                      RELATIONS.get(r.relation, r.relation), r.birth_date, r.family_id, r.address,
                      CATEGORY_TITLES.get(r.category, r.category), cases.get(r.family_id, [])) for r in rows]


COLUMNS = ["ФИО", "Кем приходится", "Дата рождения", "Адрес семьи", "Категория семьи", "Дела"]


def _row(hit: PersonHit) -> list[str]:
    return [hit.name, hit.relation, hit.birth_date.strftime("%d.%m.%Y") if hit.birth_date else "", hit.address,
            hit.category, "; ".join(f"№ {c.id} {c.workflow_title} — {c.state_title}" for c in hit.cases)]


def to_csv(hits: list[PersonHit]) -> bytes:
    return exports.to_csv(COLUMNS, (_row(h) for h in hits))


def to_xlsx(hits: list[PersonHit]) -> bytes:
    return exports.to_xlsx([("Реестр", COLUMNS, (_row(h) for h in hits))], widths=(34, 18, 14, 40, 30, 60))


def export_people(tx: UnitOfWork, svc: Services, p: Principal, fmt: str, *, name: str = "",
                  birth_date: date | None = None, address: str = "") -> tuple[str, bytes]:
    """The registry search as a file (xlsx or csv), for the UI and the REST API: (file name, bytes).

    The search and the export are both written to the access log (152-FZ: every export is attributable).
    """
    hits = search_people(tx, svc, p, name=name, birth_date=birth_date, address=address, limit=5000)
    log_access(tx, p, None, "export", f"выгрузка реестра ({fmt}, записей: {len(hits)})", svc)
    return f"reestr.{fmt}", to_xlsx(hits) if fmt == "xlsx" else to_csv(hits)
