"""Territories, organisations and users: the directory the administrator keeps."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select

from cases.errors import InputInvalid
from cases.password_policy import password_problem
from cases.passwords import hash_password
from cases.principal import Principal
from cases.roles import ROLES
from cases.services import Services
from cases.tables import Organisation, Territory, User, UserRole
from engine.database import UnitOfWork
from engine.sql import Prepared
from engine.tables import table_of

ORG_KINDS = {
    "guardianship": "Орган опеки и попечительства (УСЗН)",
    "agency": "Агентство социального благополучия населения",
    "uso": "Учреждение социального обслуживания",
    "kdn": "Комиссия по делам несовершеннолетних и защите их прав",
    "education": "Образовательная организация",
    "police": "Полиция (ПДН)",
    "health": "Медицинская организация",
    "employment": "Центр занятости",
    "culture": "Культура и спорт",
    "other": "Иная организация",
    # adults' practices: the resource centre, non-state providers (beds), penal institutions (ФКУ ИК, ЛИУ, ИУФИЦ)
    "rc": "Ресурсный центр (социальная адаптация)",
    "provider": "Негосударственный поставщик социальных услуг",
    "penal": "Учреждение уголовно-исполнительной системы",
    # the reporting chain above the resource centre: the regional methodological centre and the department
    "rcrso": "Региональный ресурсный центр (РЦРСО)",
    "ministry": "Депсоцразвития Югры",
}


def add_territory(tx: UnitOfWork, code: str, name: str) -> Territory:
    territory = tx.session.get(Territory, code) or Territory(code=code, name=name)
    tx.session.add(territory)
    tx.session.flush()
    return territory


def add_organisation(tx: UnitOfWork, territory: str, kind: str, name: str, short_name: str = "",
                     address: str = "", phone: str = "", head_name: str = "") -> Organisation:
    if kind not in ORG_KINDS:
        raise InputInvalid({"kind": "выберите вид организации: " + ", ".join(ORG_KINDS.values())})
    org = Organisation(territory=territory, kind=kind, name=name, short_name=short_name or name, address=address,
                       phone=phone, head_name=head_name)
    tx.session.add(org)
    tx.session.flush()
    return org


def add_user(tx: UnitOfWork, *, login: str, password: str, full_name: str, org: Organisation, roles: Iterable[str],
             now: datetime, position: str = "", email: str = "", area: str = "",
             password_hash: str | None = None) -> User:
    """Create a user; ``password_hash`` lets bulk loaders (demo, tests) hash one password once.

    The password must pass :mod:`cases.password_policy` (checked here unless a hash is given:
    the loaders check their one password themselves).
    """
    roles = list(roles)
    errors = {}
    if tx.session.exec(select(User).where(User.login == login)).first() is not None:
        errors["login"] = "такой логин уже есть"
    unknown = [r for r in roles if r not in ROLES]
    if unknown or not roles:
        errors["roles"] = "неизвестные роли: " + ", ".join(unknown) if unknown else "укажите хотя бы одну роль"
    problem = password_problem(password, login) if password_hash is None else None
    if problem:
        errors["password"] = problem
    if errors:
        raise InputInvalid(errors)
    assert org.id is not None
    user = User(login=login, full_name=full_name, position=position, email=email,
                password_hash=password_hash or hash_password(password), org_id=org.id, territory=org.territory,
                area=area, created_at=now)
    tx.session.add(user)
    tx.session.flush()
    assert user.id is not None
    for role in roles:
        tx.session.add(UserRole(user_id=user.id, role=role))
    tx.session.flush()
    return user


_USR, _ORG, _UR = table_of(User), table_of(Organisation), table_of(UserRole)
_PRINCIPAL = Prepared(sa.select(_USR.c.login, _USR.c.full_name, _USR.c.org_id, _ORG.c.kind, _USR.c.territory,
                                _USR.c.area)
                      .join(_ORG, _ORG.c.id == _USR.c.org_id)
                      .where(_USR.c.id == sa.bindparam("uid"), _USR.c.is_active.is_(True)))
_ROLES = Prepared(sa.select(_UR.c.role).where(_UR.c.user_id == sa.bindparam("uid")))


def add_district(tx: UnitOfWork, territory: str, name: str, orgs: Iterable[tuple[str, str, str, str, str]],
                 users: Iterable[tuple[str, str, list[str], str, str]], now: datetime, password: str,
                 password_hash: str) -> tuple[dict[str, Organisation], dict[str, int]]:
    """A territory with its organisations (key, kind, name, short name, address) and their staff (login, key of the
    organisation, roles, full name, position; e-mail ``login@opora.local``): the organisations by key, the users'
    ids by login."""
    add_territory(tx, territory, name)
    by_key = {key: add_organisation(tx, territory, kind, full, short, address)
              for key, kind, full, short, address in orgs}
    ids: dict[str, int] = {}
    for login, org, roles, full_name, position in users:
        user = add_user(tx, login=login, password=password, full_name=full_name, org=by_key[org], roles=roles,
                        now=now, position=position, email=f"{login}@opora.local", password_hash=password_hash)
        assert user.id is not None
        ids[login] = user.id
    return by_key, ids


def principal_of(tx: UnitOfWork, user_id: int) -> Principal | None:
    """The principal of an active user (their roles, organisation and territory), or None.

    Every authenticated request asks this, so it is two prebuilt statements, not ORM loads.
    """
    found = _PRINCIPAL.first(tx.connection, {"uid": user_id})
    if found is None:
        return None
    login, full_name, org_id, org_kind, territory, area = found
    roles = frozenset(r[0] for r in _ROLES.all(tx.connection, {"uid": user_id}))
    return Principal(user_id, login, full_name, org_id, org_kind, territory, roles, area)


@dataclass(frozen=True)
class OrganisationRow:
    id: int
    name: str
    short_name: str
    kind: str
    kind_title: str
    territory: str


def organisations(tx: UnitOfWork, svc: Services, p: Principal, kind: str | None = None) -> list[OrganisationRow]:
    """The organisations of ``p``'s territory — the ones a form or an API call may name (never another territory).

    Administrators see them too: they keep the directory.
    """
    query = select(Organisation).where(Organisation.territory == p.territory)
    if kind:
        query = query.where(Organisation.kind == kind)
    rows = tx.session.exec(query.order_by(col(Organisation.kind), col(Organisation.short_name))).all()
    return [OrganisationRow(o.id or 0, o.name, o.short_name, o.kind, ORG_KINDS.get(o.kind, o.kind), o.territory)
            for o in rows]
