"""``opora users …``: accounts from the command line — the first administrator of a fresh install, and
recovery when nobody can log in.

::

    opora users add LOGIN --name "ФИО" [--role R ...] [--admin] [--org ID]
                    [--territory CODE --territory-name NAME --org-name NAME] [--password-stdin]
    opora users deactivate LOGIN
    opora users activate LOGIN
    opora users reset-password LOGIN [--password-stdin]
    opora users roles LOGIN --role R [--role R ...]
    opora users list

Passwords follow the policy (``cases.password_policy``). Without ``--password-stdin`` a one-time
password is generated and printed once; the user must change it at the first login. On a fresh
database ``users add --admin`` also creates the territory and the administrator's organisation.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sqlmodel import col, select

from api import auth
from api.bootstrap import Container
from cases import accounts
from cases.directory import add_organisation, add_territory
from cases.errors import InputInvalid
from cases.roles import ROLES
from cases.tables import Organisation, User, UserRole
from engine.database import UnitOfWork


def _password(args: argparse.Namespace) -> tuple[str, bool]:
    """(password, must change): read from standard input, or a generated one-time password."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n"), False
    return accounts.one_time_password(), True


def _organisation(tx: UnitOfWork, args: argparse.Namespace) -> Organisation:
    if args.org:
        org = tx.session.get(Organisation, args.org)
        if org is None:
            raise InputInvalid({"org": f"организации № {args.org} нет"})
        return org
    existing = tx.session.exec(select(Organisation).order_by(col(Organisation.id))).all()
    if len(existing) == 1:
        return existing[0]
    if existing:
        raise InputInvalid({"org": "укажите организацию: --org N (" +
                            ", ".join(f"{o.id} — {o.short_name}" for o in existing[:20]) + ")"})
    add_territory(tx, args.territory, args.territory_name)
    return add_organisation(tx, args.territory, "other", args.org_name, args.org_name)


def cmd_add(container: Container, args: argparse.Namespace) -> int:
    roles = sorted(set(args.role or []) | ({"admin"} if args.admin else set()))
    password, must_change = _password(args)
    with container.db.unit_of_work() as tx:
        org = _organisation(tx, args)
        new = accounts.NewUser(login=args.login, full_name=args.name, org_id=org.id or 0, roles=roles,
                               position=args.position, email=args.email)
        user = accounts.create_account(tx, new, org, password, container.clock.now(), must_change=must_change)
        tx.commit()
    print(f"Пользователь {user.login} создан: {', '.join(roles)}; {org.short_name}")
    if must_change:
        print(f"Одноразовый пароль (сменить при первом входе): {password}")
    return 0


def _user(tx: UnitOfWork, login: str) -> User:
    user = accounts.find_by_login(tx, login)
    if user is None:
        raise InputInvalid({"login": f"пользователя «{login}» нет"})
    return user


def cmd_active(container: Container, args: argparse.Namespace, active: bool) -> int:
    now = container.clock.now()
    with container.db.unit_of_work() as tx:
        user = _user(tx, args.login)
        user.is_active = active
        tx.session.add(user)
        tx.flush()
        if not active:
            auth.end_sessions(tx, user.id or 0)
            auth.revoke_tokens(tx, user.id or 0, now)
        tx.commit()
    print(f"Пользователь {args.login} {'включён' if active else 'отключён: сеансы завершены, ключи API отозваны'}")
    return 0


def cmd_reset(container: Container, args: argparse.Namespace) -> int:
    password, must_change = _password(args)
    now = container.clock.now()
    with container.db.unit_of_work() as tx:
        user = _user(tx, args.login)
        problem = accounts.password_problem(password, user.login)
        if problem:
            raise InputInvalid({"password": problem})
        accounts.set_password(tx, user, password, now, must_change=must_change)
        auth.end_sessions(tx, user.id or 0)
        auth.revoke_tokens(tx, user.id or 0, now)
        tx.commit()
    print(f"Пароль пользователя {args.login} изменён; сеансы завершены, ключи API отозваны")
    if must_change:
        print(f"Одноразовый пароль (сменить при первом входе): {password}")
    return 0


def cmd_roles(container: Container, args: argparse.Namespace) -> int:
    roles = sorted(set(args.role))
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise InputInvalid({"role": "неизвестные роли: " + ", ".join(unknown)})
    with container.db.unit_of_work() as tx:
        user = _user(tx, args.login)
        for old in tx.session.exec(select(UserRole).where(UserRole.user_id == user.id)).all():
            tx.session.delete(old)
        tx.flush()
        for role in roles:
            tx.session.add(UserRole(user_id=user.id or 0, role=role))
        tx.commit()
    print(f"Роли пользователя {args.login}: {', '.join(roles)}")
    return 0


def cmd_list(container: Container, args: argparse.Namespace) -> int:
    with container.db.read() as tx:
        users = tx.session.exec(select(User).order_by(User.login)).all()
        for user in users:
            roles = sorted(tx.session.exec(select(UserRole.role).where(UserRole.user_id == user.id)).all())
            state = "" if user.is_active else " [отключён]"
            print(f"{user.login:<16} {', '.join(roles):<28} {user.full_name}{state}")
    if not users:
        print("Пользователей нет: создайте администратора — opora users add LOGIN --name \"ФИО\" --admin")
    return 0


def run(container: Container, args: argparse.Namespace) -> int:
    """Run one ``opora users`` command; input errors are printed in Russian with exit code 2."""
    handlers: dict[str, Any] = {
        "add": cmd_add, "deactivate": lambda c, a: cmd_active(c, a, False),
        "activate": lambda c, a: cmd_active(c, a, True), "reset-password": cmd_reset, "roles": cmd_roles,
        "list": cmd_list}
    try:
        return int(handlers[args.users_command](container, args))
    except InputInvalid as exc:
        print(f"Ошибка: {'; '.join(f'{k} — {v}' for k, v in exc.errors.items())}", file=sys.stderr)
        return 2


def add_parser(sub: Any, handler: Any) -> None:
    """The ``users`` subcommands on the CLI's parser; ``handler(args)`` runs them."""
    users = sub.add_parser("users", help="учётные записи пользователей").add_subparsers(dest="users_command",
                                                                                      required=True)
    p = users.add_parser("add", help="добавить пользователя (--admin: администратора)")
    p.add_argument("login")
    p.add_argument("--name", required=True, help="ФИО")
    p.add_argument("--role", action="append", choices=sorted(ROLES))
    p.add_argument("--admin", action="store_true", help="с ролью администратора")
    p.add_argument("--org", type=int, help="номер организации (не нужен, если она одна)")
    p.add_argument("--position", default="")
    p.add_argument("--email", default="")
    p.add_argument("--territory", default="main", help="код территории для пустой базы")
    p.add_argument("--territory-name", default="Территория", help="название территории для пустой базы")
    p.add_argument("--org-name", default="Администрация системы", help="организация администратора для пустой базы")
    p.add_argument("--password-stdin", action="store_true", help="прочитать пароль из стандартного ввода")
    for name, title in (("deactivate", "отключить (сеансы и ключи перестают действовать)"), ("activate", "включить")):
        users.add_parser(name, help=title).add_argument("login")
    p = users.add_parser("reset-password", help="новый пароль (одноразовый или из стандартного ввода)")
    p.add_argument("login")
    p.add_argument("--password-stdin", action="store_true")
    p = users.add_parser("roles", help="задать роли")
    p.add_argument("login")
    p.add_argument("--role", action="append", required=True, choices=sorted(ROLES))
    users.add_parser("list", help="все пользователи")
    for parser in users.choices.values():
        parser.set_defaults(handler=handler)
