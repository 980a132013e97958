"""``opora workflows show NAME --territory T`` (the values that apply in a territory, each with its basis) and
``opora profile show|publish`` (a territory's profile)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from cases import profiles
from engine.definition import Workflow
from engine.runtime import Runtime


def print_territory(runtime: Runtime, db: Any, wf: Workflow, territory: str) -> None:
    """The profile line and the parameters as they apply in ``territory`` (override or default, with basis)."""
    with db.read() as tx:
        applied = profiles.current(tx, territory)
        overrides = runtime.overrides(tx, wf.name, territory)
    kind = profiles.KIND_OF.get(wf.name)
    chosen = kind is None or applied.workflows.get(kind) == wf.name
    print(f"  территория {territory}: профиль «{applied.profile.title}» (редакция {applied.revision}); "
          + ("процесс применяется" if chosen else
             f"процесс не применяется — для вида «{profiles.KINDS[kind or '']}» выбран "
             f"{applied.workflows.get(kind or '')}"))
    for p in wf.parameters.values():
        if p.name in overrides:
            print(f"  параметр {p.name} = {overrides[p.name]} {p.unit or ''} (значение территории; "
                  f"по умолчанию {p.value}: {p.basis})")
        else:
            print(f"  параметр {p.name} = {p.value} {p.unit or ''} ({p.basis})")
    for s in applied.profile.settings:
        print(f"  настройка профиля {s.name} = {applied.settings.get(s.name, s.default)} {s.unit} ({s.basis})")


def cmd_profile(args: argparse.Namespace, container: Any) -> int:
    from cases.errors import InputInvalid

    if args.profile_command == "show":
        with container.db.read() as tx:
            applied = profiles.current(tx, args.territory)
        print(f"{args.territory}: {applied.profile.name} — {applied.profile.title}, редакция {applied.revision}")
        for kind, title in profiles.KINDS.items():
            print(f"  {title}: {applied.workflows.get(kind)}")
        for key, value in applied.settings.items():
            if not isinstance(value, dict):
                print(f"  {key} = {value}")
        return 0
    settings: dict[str, int] = {}
    for item in args.setting or []:
        name, _, value = item.partition("=")
        if not value.isdigit():
            print(f"Ошибка: настройка {item!r} — нужно ИМЯ=ЧИСЛО", file=sys.stderr)
            return 2
        settings[name] = int(value)
    with container.db.unit_of_work() as tx:
        try:
            row = profiles.publish(tx, args.territory, args.profile, published=container.catalog.names(),
                                   now=container.clock.now(), basis=args.basis or "", settings=settings)
        except InputInvalid as exc:
            for field, message in exc.errors.items():
                print(f"Ошибка: {field}: {message}", file=sys.stderr)
            return 1
        tx.commit()
    print(f"Профиль {args.profile} опубликован для {args.territory}, редакция {row.revision}")
    return 0


def add_parsers(sub: Any, handler: Any) -> None:
    prof = sub.add_parser("profile", help="профиль территории: какие процессы она ведёт").add_subparsers(
        dest="profile_command", required=True)
    p = prof.add_parser("show", help="показать профиль территории")
    p.add_argument("territory")
    p.set_defaults(handler=handler)
    p = prof.add_parser("publish", help="опубликовать новую редакцию профиля территории")
    p.add_argument("territory")
    p.add_argument("profile", choices=sorted(profiles.PROFILES))
    p.add_argument("--setting", action="append", metavar="ИМЯ=ЧИСЛО", help="региональная настройка профиля")
    p.add_argument("--basis", help="основание изменения")
    p.set_defaults(handler=handler)
