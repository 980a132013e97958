"""User accounts kept by the administrator of a territory: create, change roles, deactivate, reset passwords;
and a user's own password change.

Rules (who may do what is :func:`cases.access.can_administer`):

* an administrator manages the users of their own territory only; another territory's user is "not found";
* nobody deactivates themselves or takes away their own administrator role (no install without an admin);
* every password follows :mod:`cases.password_policy`; a reset gives a one-time password that must be
  changed at the next login (``must_change_password``);
* every change is written to the access log (who changed which account, when).

Ending sessions and revoking API tokens after a password change, a reset or a deactivation is done by the
web layer in the same transaction (``api.accounts``).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import select

from cases import access
from cases.directory import add_user
from cases.errors import Forbidden, InputInvalid, NotFound
from cases.handlers import log_access
from cases.inputs import Fields
from cases.password_policy import password_problem
from cases.passwords import hash_password, verify_password
from cases.principal import Principal
from cases.roles import ROLES
from cases.services import Services
from cases.tables import Organisation, User, UserRole
from engine.database import UnitOfWork


@dataclass(frozen=True)
class UserView:
    id: int
    login: str
    full_name: str
    position: str
    email: str
    org_id: int
    org_name: str
    roles: list[str]
    is_active: bool
    must_change_password: bool
    created_at: datetime


@dataclass(frozen=True)
class NewUser:
    login: str
    full_name: str
    org_id: int
    roles: list[str]
    position: str = ""
    email: str = ""
    #: empty: a one-time password is generated and must be changed at the first login
    password: str = ""


def require_admin(p: Principal) -> None:
    if not access.can_administer(p):
        raise Forbidden("Управлять пользователями может только администратор")


def one_time_password() -> str:
    """A random password that passes the policy, shown once to the administrator."""
    return secrets.token_urlsafe(12)


def _view(tx: UnitOfWork, user: User) -> UserView:
    assert user.id is not None
    org = tx.session.get(Organisation, user.org_id)
    roles = sorted(tx.session.exec(select(UserRole.role).where(UserRole.user_id == user.id)).all())
    return UserView(user.id, user.login, user.full_name, user.position, user.email, user.org_id,
                    org.short_name if org else "", roles, user.is_active, user.must_change_password, user.created_at)


def list_users(tx: UnitOfWork, svc: Services, p: Principal) -> list[UserView]:
    """The users of the administrator's territory, by name."""
    require_admin(p)
    users = tx.session.exec(select(User).where(User.territory == p.territory).order_by(User.full_name)).all()
    return [_view(tx, u) for u in users]


def organisations(tx: UnitOfWork, svc: Services, p: Principal) -> list[Organisation]:
    """The organisations of the administrator's territory (where new users may work)."""
    require_admin(p)
    return list(tx.session.exec(select(Organisation).where(Organisation.territory == p.territory)
                                .order_by(Organisation.short_name)).all())


def _user_of_territory(tx: UnitOfWork, p: Principal, user_id: int) -> User:
    user = tx.session.get(User, user_id)
    if user is None or user.territory != p.territory:
        raise NotFound("Пользователь")
    return user


def get_user(tx: UnitOfWork, svc: Services, p: Principal, user_id: int) -> UserView:
    require_admin(p)
    return _view(tx, _user_of_territory(tx, p, user_id))


def _check_roles(roles: Iterable[str]) -> dict[str, str]:
    roles = list(roles)
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        return {"roles": "неизвестные роли: " + ", ".join(unknown)}
    return {} if roles else {"roles": "укажите хотя бы одну роль"}


def create_user(tx: UnitOfWork, svc: Services, p: Principal, new: NewUser) -> tuple[UserView, str]:
    """Create a user in an organisation of the administrator's territory; returns it and its password.

    Raises InputInvalid (per field): login taken or malformed, unknown roles, organisation of
    another territory, a password the policy refuses.
    """
    require_admin(p)
    org = tx.session.get(Organisation, new.org_id)
    if org is None or org.territory != p.territory:
        raise InputInvalid({"org_id": "выберите организацию вашей территории"})
    password = new.password or one_time_password()
    user = create_account(tx, new, org, password, svc.runtime.clock.now(), must_change=not new.password)
    log_access(tx, p, None, "account", f"создан пользователь {user.login} ({', '.join(sorted(new.roles))})", svc)
    return _view(tx, user), password


def create_account(tx: UnitOfWork, new: NewUser, org: Organisation, password: str, now: datetime, *,
                   must_change: bool = False) -> User:
    """Create the account itself (also for ``opora users add``, which has no administrator yet)."""
    login = new.login.strip()
    f = Fields()  # text as typed: one Unicode form, plain spaces, no control characters
    new = replace(new, full_name=f.line("full_name", new.full_name, max_length=200),
                  position=f.line("position", new.position, max_length=200),
                  email=f.line("email", new.email, max_length=200))
    errors = {**f.errors, **_check_roles(new.roles)}
    if not login or len(login) > 64 or any(c.isspace() for c in login):
        errors["login"] = "логин — от 1 до 64 символов без пробелов"
    if not new.full_name:
        errors.setdefault("full_name", "укажите ФИО")
    problem = password_problem(password, login)
    if problem:
        errors["password"] = problem
    if errors:
        raise InputInvalid(errors)
    user = add_user(tx, login=login, password=password, full_name=new.full_name, org=org, roles=new.roles,
                    now=now, position=new.position, email=new.email)
    user.must_change_password = must_change
    user.password_changed_at = now
    tx.session.add(user)
    tx.session.flush()
    return user


@dataclass(frozen=True)
class UserChange:
    roles: list[str] | None = None
    full_name: str | None = None
    position: str | None = None
    email: str | None = None
    org_id: int | None = None
    active: bool | None = None


def update_user(tx: UnitOfWork, svc: Services, p: Principal, user_id: int, change: UserChange) -> UserView:
    """Change a user's roles, name, position, e-mail, organisation or active flag.

    Raises NotFound (another territory), InputInvalid (bad roles or organisation; taking one's
    own admin role or deactivating oneself).
    """
    require_admin(p)
    user = _user_of_territory(tx, p, user_id)
    f = Fields()
    change = replace(change, full_name=_line(f, "full_name", change.full_name),
                     position=_line(f, "position", change.position), email=_line(f, "email", change.email))
    errors: dict[str, str] = dict(f.errors)
    if change.roles is not None:
        errors |= _check_roles(change.roles)
        if user_id == p.user_id and not access.grants_administration(change.roles):
            errors["roles"] = "нельзя снять роль администратора с самого себя"
    if change.active is False and user_id == p.user_id:
        errors["active"] = "нельзя отключить собственную учётную запись"
    if change.org_id is not None:
        org = tx.session.get(Organisation, change.org_id)
        if org is None or org.territory != p.territory:
            errors["org_id"] = "выберите организацию вашей территории"
    if change.full_name is not None and not change.full_name:
        errors.setdefault("full_name", "укажите ФИО")
    if errors:
        raise InputInvalid(errors)
    what = _apply(tx, user, change)
    if what:
        log_access(tx, p, None, "account", f"пользователь {user.login}: {', '.join(what)}", svc)
    return _view(tx, user)


def _line(f: Fields, name: str, value: str | None) -> str | None:
    """A changed one-line value cleaned (its problem recorded in ``f``); None: not changed."""
    return None if value is None else f.line(name, value, max_length=200)


def _apply(tx: UnitOfWork, user: User, change: UserChange) -> list[str]:
    what = []
    if change.roles is not None:
        tx.connection.execute(sa.delete(UserRole.__table__).where(  # type: ignore[attr-defined]
            UserRole.__table__.c.user_id == user.id))  # type: ignore[attr-defined]
        tx.session.expire_all()
        for role in sorted(set(change.roles)):
            tx.session.add(UserRole(user_id=user.id, role=role))  # type: ignore[arg-type]
        what.append("роли " + ", ".join(sorted(set(change.roles))))
    for field, title in (("full_name", "ФИО"), ("position", "должность"), ("email", "почта"),
                         ("org_id", "организация")):
        value = getattr(change, field)
        if value is not None and value != getattr(user, field):
            setattr(user, field, value.strip() if isinstance(value, str) else value)
            what.append(title)
    if change.active is not None and change.active != user.is_active:
        user.is_active = change.active
        what.append("включён" if change.active else "отключён")
    tx.session.add(user)
    tx.session.flush()
    return what


def reset_password(tx: UnitOfWork, svc: Services, p: Principal, user_id: int) -> str:
    """Give a user a one-time password (shown once) that must be changed at the next login."""
    require_admin(p)
    user = _user_of_territory(tx, p, user_id)
    password = one_time_password()
    set_password(tx, user, password, svc.runtime.clock.now(), must_change=True)
    log_access(tx, p, None, "account", f"сброшен пароль пользователя {user.login}", svc)
    return password


def change_own_password(tx: UnitOfWork, svc: Services, p: Principal, current: str, new: str) -> None:
    """A user's own password change; raises InputInvalid for a wrong current password or a refused new one."""
    user = tx.session.get(User, p.user_id)
    if user is None:
        raise NotFound("Пользователь")
    if not verify_password(user.password_hash, current):
        raise InputInvalid({"current": "текущий пароль введён неверно"})
    problem = password_problem(new, user.login) or (
        "новый пароль должен отличаться от текущего" if new == current else None)
    if problem:
        raise InputInvalid({"new": problem})
    set_password(tx, user, new, svc.runtime.clock.now())
    log_access(tx, p, None, "account", "пользователь сменил свой пароль", svc)


def set_password(tx: UnitOfWork, user: User, password: str, now: datetime, *, must_change: bool = False) -> None:
    user.password_hash = hash_password(password)
    user.must_change_password = must_change
    user.password_changed_at = now
    tx.session.add(user)
    tx.session.flush()


def find_by_login(tx: UnitOfWork, login: str) -> User | None:
    return tx.session.exec(select(User).where(User.login == login.strip())).first()
