"""The ``opora`` command line.

::

    opora serve [--host H] [--port P] [--workers N]  web UI + REST API + sweeper (N processes: PostgreSQL)
    opora db upgrade                                 create / upgrade the schema
    opora db check                                   audit chains + row-level consistency of the cases
    opora db dump DIR                                every table of a SQLite database as JSON lines
    opora backup FILE                                a consistent copy, taken while the server works
    opora restore FILE [--replace]                   restore a backup (then verified and checked)
    opora workflows validate [FILE ...]              check workflow files
    opora workflows show NAME [--version V]          states, transitions, deadlines
    opora workflows diagram NAME [--format mermaid|svg] [--case ID] [-o FILE]
    opora workflows publish                          store new versions of the files
    opora workflows migrate NAME --from V --to V [--map OLD=NEW ...] [--dry-run]
    opora sweep [--batch N]                          run due reminders / escalations / timeouts
    opora notify                                     deliver pending notifications (inbox, e-mail, webhooks)
    opora audit verify [--case ID ...] [--anchors F] recompute the audit hash chains (and check anchors)
    opora audit anchor | proof                       sign every case's head; prove one case (api/cli_audit.py)
    opora demo [--if-empty] [--seed N]               fill an empty database with the demo municipality
    opora simulate [--reports N] [--seed S] [--keep] a year of synthetic reports (temporary SQLite by default)
    opora calendar show YEAR                         the year's days off and working weekend days, with sources
    opora bench [GROUP ...] [--quick]                benchmarks, one JSON object per line
    opora users add|deactivate|activate|reset-password|roles|list   accounts (see api/cli_users.py)
    opora settings [--markdown]                      every OPORA_* setting: value, default, description
    opora retention [--run]                          what the retention policy would anonymise/delete (--run: do it)

Every command takes ``--database-url`` (default ``OPORA_DATABASE_URL`` or ``sqlite:///opora.db``), before or
after the command's name.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from api import cli_audit, cli_calendar, cli_db, cli_regions
from api.bootstrap import Container, bootstrap
from api.settings import Settings, SettingsInvalid, described, markdown_table
from api.settings import from_args as settings_from_args
from engine import diagram
from engine.commands import Actor
from engine.errors import AuditSetupError, EngineError
from engine.migrate import apply_migration, plan_migration
from engine.sweeper import sweep
from engine.text import count

Handler = Callable[[argparse.Namespace], int]


def _settings(args: argparse.Namespace) -> Settings:
    return settings_from_args(args)


def _container(args: argparse.Namespace, **kwargs: object) -> Container:
    container = bootstrap(_settings(args), **kwargs)  # type: ignore[arg-type]
    warn_stale(container)
    return container


def warn_stale(container: Container) -> None:
    """Say plainly on stderr which workflow files are older than the published versions."""
    for stale in container.catalog.stale.values():
        print(f"Внимание: {stale}", file=sys.stderr, flush=True)


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    container = _container(args, publish=True)
    print(f"Схема базы данных обновлена: {container.db.url.split('@')[-1]}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Check every file given (a folder: its ``*.yaml``), or the workflows folder: every file's problems.

    Exit 1 when any file has a problem, 2 when a file cannot be read (one line each, no traceback).
    """
    from cases.vocabulary import build_vocabulary
    from engine.sources import Source, check_sources, names_in, read_sources

    folder = _settings(args).workflows_dir
    sources, unreadable = read_sources(args.files or [str(p) for p in sorted(folder.glob("*.yaml"))])
    if not args.files:  # the configured folder: files named by their names, as in every other message
        sources = [Source(Path(s.path).name, s.text) for s in sources]
    checked = check_sources(build_vocabulary(), sources, names_in(folder) if args.files else ())
    for item in checked:
        for problem in item.problems:
            print(problem)
        if item.compiled is not None and not item.problems:
            wf = item.compiled.definition
            print(f"OK {wf.name} v{wf.version}: {count(len(wf.states), 'состояние', 'состояния', 'состояний')}, "
                  f"{count(len(wf.transitions), 'переход', 'перехода', 'переходов')}, хэш {wf.content_hash[:12]}")
    for failed in unreadable:
        print(f"Ошибка: {failed}", file=sys.stderr)
    bad = [item for item in checked if item.problems]
    if bad:
        print(f"Файлов с ошибками: {len(bad)} из {len(checked)}, ошибок: {sum(len(i.problems) for i in bad)}",
              file=sys.stderr)
    return 2 if unreadable else 1 if bad else 0


def cmd_show(args: argparse.Namespace) -> int:
    container = _container(args)
    compiled = (container.catalog.compiled(args.name, args.version) if args.version
                else container.catalog.latest(args.name))
    wf = compiled.definition
    print(f"{wf.title} — {wf.name}, версия {wf.version}")
    if args.territory:
        cli_regions.print_territory(container.runtime, container.db, wf, args.territory)
    for p in wf.parameters.values() if not args.territory else ():
        print(f"  параметр {p.name} = {p.value} {p.unit or ''} ({p.basis})")
    for state in wf.states.values():
        flags = " [начальное]" if state.initial else " [конечное]" if state.final else ""
        print(f"\n  {state.name}: {state.title}{flags}")
        for d in state.deadlines:
            due = d.due.describe() if d.due else "дата задаётся для каждого пункта"
            print(f"    срок {d.id}: {d.title} — {due}; основание: {d.basis}")
        for tr in compiled.available(state.name):
            print(f"    → {tr.event} ({tr.title}) → {tr.target(state.name)}; роли: {', '.join(sorted(tr.roles))}")
    return 0


def cmd_diagram(args: argparse.Namespace) -> int:
    container = _container(args)
    current = None
    if args.case:
        with container.db.read() as tx:
            case = container.runtime.load(tx, args.case)
        wf = container.runtime.workflow_of(case)
        current = case.state
    else:
        wf = (container.catalog.compiled(args.name, args.version) if args.version
              else container.catalog.latest(args.name)).definition
    text = diagram.svg(wf, current) if args.format == "svg" else diagram.mermaid(wf, current)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    container = _container(args, publish=False)
    with container.db.unit_of_work() as tx:
        published = container.catalog.publish(tx, container.clock.now())
        tx.commit()
    for p in published:
        if p.stale is not None:
            print(f"не опубликована: {p.stale}")
        else:
            print(f"{'опубликована' if p.new else 'без изменений'}: {p.name} v{p.version} ({p.content_hash[:12]})")
    return 1 if any(p.stale for p in published) else 0


def cmd_migrate(args: argparse.Namespace) -> int:
    mapping = {}
    for item in args.map or []:
        old, sep, new = item.partition("=")
        if not sep:
            print(f"--map ожидает СТАРОЕ=НОВОЕ, получено «{item}»", file=sys.stderr)
            return 2
        mapping[old] = new
    container = _container(args)
    with container.db.unit_of_work() as tx:
        plan = plan_migration(tx, container.runtime, args.name, args.from_version, args.to_version, mapping)
        print(json.dumps({"workflow": plan.workflow, "from": plan.from_version, "to": plan.to_version,
                          "cases": len(plan.moves), "moves": plan.summary(), "problems": plan.problems,
                          "dry_run": args.dry_run}, ensure_ascii=False))
        if plan.problems:
            return 1
        if not args.dry_run:
            moved = apply_migration(tx, container.runtime, plan, Actor(None, "admin"))
            tx.commit()
            print(f"Перенесено дел: {moved}")
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from datetime import timedelta

    container = _container(args, migrate=False, publish=False)  # cron runs it often: no schema or catalog work
    report = sweep(container.db, container.runtime, batch_size=args.batch,
                   lateness=timedelta(minutes=container.settings.lateness_minutes))
    from cases import obligation_escalation
    from cases.handovers import escalate_overdue

    late = escalate_overdue(container.db, container.runtime)  # hand-overs not answered in time
    reports = obligation_escalation.sweep(container.db, container.runtime)  # obligations: open, escalate
    print(json.dumps({**report.as_dict(), "handovers_escalated": late, **reports}, ensure_ascii=False))
    return 0


def startup_notes(container: Container) -> list[str]:
    """What ``opora serve`` tells the operator: how to create the first administrator on a database without
    users; the demo logins only on a demo database (where the demo password really opens them)."""
    from cases.demo import DEMO_PASSWORD, is_demo_database

    with container.db.read() as tx:
        users = tx.connection.exec_driver_sql("select count(*) from app_user").scalar_one()
    if not users:
        return ["Пользователей нет. Создайте администратора: opora users add LOGIN --name \"ФИО\" --admin"]
    if is_demo_database(container.db):
        return [f"Демонстрационная база. Пользователи (пароль {DEMO_PASSWORD}): "
                + ", ".join(f"{login} ({', '.join(roles)})" for login, _, roles, *_ in demo_users())]
    return []


def demo_users() -> list[tuple[Any, ...]]:
    """Every account ``opora demo`` makes: the Yugra municipality's, the Novgorod and Stavropol districts', the
    adults' practices'."""
    from cases.demo import DEMO_USERS
    from cases.demo_adults import ADULT_USERS
    from cases.demo_novgorod import USERS as NOVGOROD_USERS
    from cases.demo_stavropol import USERS as STAVROPOL_USERS

    return [*DEMO_USERS, *NOVGOROD_USERS, *STAVROPOL_USERS, *ADULT_USERS]


def cmd_serve(args: argparse.Namespace) -> int:
    import os

    import uvicorn

    from api.app import create_app

    settings = _settings(args)
    if args.workers > 1 and settings.database_url.startswith("sqlite"):
        print("Несколько процессов (--workers) возможны только с PostgreSQL: у SQLite один писатель. "
              "Запустите без --workers или укажите --database-url postgresql://…", file=sys.stderr)
        return 2
    container = bootstrap(settings)
    warn_stale(container)
    print(f"Опора запущена: http://{args.host}:{args.port}/", flush=True)
    for note in startup_notes(container):
        print(note, flush=True)
    if args.workers > 1:  # each worker process builds its own app from the environment
        container.close()
        os.environ["OPORA_DATABASE_URL"] = settings.database_url
        uvicorn.run("api.app:app_from_environment", factory=True, workers=args.workers, host=args.host,
                    port=args.port, log_level="warning")
        return 0
    uvicorn.run(create_app(container), host=args.host, port=args.port, log_level="warning")
    container.close()
    return 0


def cmd_profile(args: argparse.Namespace) -> int:
    return cli_regions.cmd_profile(args, _container(args))


def cmd_demo(args: argparse.Namespace) -> int:
    from cases.demo import DEMO_PASSWORD, is_empty, run_demo
    from cases.services import Services
    from engine.clock import FixedClock
    from engine.runtime import Runtime

    container = _container(args)
    live = Services(container.db, container.runtime)
    if not is_empty(live):
        if args.if_empty:
            print("База уже заполнена — демонстрационные данные не добавлялись.")
            return 0
        print("База не пуста: демонстрационные данные добавляются только в пустую базу.", file=sys.stderr)
        return 1
    today = container.calendar.local_date(container.clock.now())
    clock = FixedClock(container.clock.now())
    svc = Services(container.db, Runtime(container.catalog, container.vocabulary, container.calendar, clock))
    counters = run_demo(svc, clock, today, seed=args.seed)
    print(f"Демонстрационные данные: {json.dumps(counters, ensure_ascii=False)}")
    print(f"Пользователи (пароль для всех: {DEMO_PASSWORD}):")
    for login, _, roles, name, *_ in demo_users():
        print(f"  {login:<13} {', '.join(roles):<14} {name}")
    container.close()
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    """A year of synthetic reports; the database is kept when given (``--database-url``) or with ``--keep``."""
    import shutil
    import tempfile

    from api.db_schema import upgrade
    from engine.calendar import load_calendar
    from engine.database import Database
    from opora_bench.process import simulate_year

    settings = _settings(args)
    folder = None
    url = getattr(args, "database_url", None)
    if not url:
        folder = Path(tempfile.mkdtemp(prefix="opora-simulate-"))
        url = f"sqlite:///{folder / 'simulation.db'}"
    db = Database(url)
    kept = folder is None or args.keep
    try:
        upgrade(db)
        calendar = load_calendar(settings.calendar, timezone=settings.timezone)
        result = simulate_year(db, calendar, args.reports, args.seed, settings.workflows_dir, args.profile)
        print(json.dumps({"database": url if kept else "temporary", **result}, ensure_ascii=False))
        if kept:
            print(f"База сохранена: opora serve --database-url {url} (пользователи демо, пароль "
                  f"{_demo_password()})", file=sys.stderr)
    finally:
        db.dispose()
        if not kept and folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


def _demo_password() -> str:
    from cases.demo import DEMO_PASSWORD

    return DEMO_PASSWORD


def cmd_notify(args: argparse.Namespace) -> int:
    from notifications.jobs import deliver_pending

    container = _container(args, migrate=False, publish=False)  # cron runs it often: no schema or catalog work
    print(json.dumps(deliver_pending(container), ensure_ascii=False))
    container.close()
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from opora_bench.runner import run_benchmarks

    return run_benchmarks(args.groups, quick=args.quick)


def cmd_users(args: argparse.Namespace) -> int:
    from api import cli_users

    container = _container(args)
    try:
        return cli_users.run(container, args)
    finally:
        container.close()


def cmd_retention(args: argparse.Namespace) -> int:
    from api import retention

    container = _container(args)
    try:
        report = retention.apply(container, dry_run=not args.run, by="cli")
    finally:
        container.close()
    print(json.dumps(report, ensure_ascii=False))
    return 0


def cmd_settings(args: argparse.Namespace) -> int:
    """Each ``OPORA_*`` setting with its value (secrets only "задан" / "не задан"), default and description."""
    if args.markdown:
        print(markdown_table(), end="")
        return 0
    for name, value, default, description in described(_settings(args)):
        print(f"{name}={value}" + (f"  (по умолчанию {default})" if default and default != value else "")
              + f"  — {description}")
    return 0


class _Parser(argparse.ArgumentParser):
    """Every (sub)command accepts ``--database-url``, before or after its name (``opora demo --database-url X``)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.add_argument("--database-url", default=argparse.SUPPRESS,
                          help="URL базы данных (по умолчанию OPORA_DATABASE_URL или sqlite:///opora.db)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="opora", description="Опора: процессы социального сопровождения семей")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    db = sub.add_parser("db", help="схема базы данных").add_subparsers(dest="db_command", required=True,
                                                                       parser_class=_Parser)
    db.add_parser("upgrade", help="создать или обновить схему").set_defaults(handler=cmd_db_upgrade)
    cli_db.add_parsers(sub, db)

    wf = sub.add_parser("workflows", help="описания процессов").add_subparsers(dest="wf_command", required=True,
                                                                               parser_class=_Parser)
    p = wf.add_parser("validate", help="проверить файлы процессов")
    p.add_argument("files", nargs="*")
    p.set_defaults(handler=cmd_validate)
    p = wf.add_parser("show", help="показать процесс")
    p.add_argument("name")
    p.add_argument("--version", type=int)
    p.add_argument("--territory", help="значения параметров, которые действуют на территории")
    p.set_defaults(handler=cmd_show)
    p = wf.add_parser("diagram", help="диаграмма процесса (Mermaid или SVG)")
    p.add_argument("name")
    p.add_argument("--version", type=int)
    p.add_argument("--format", choices=["mermaid", "svg"], default="mermaid")
    p.add_argument("--case", type=int, help="выделить текущее состояние дела")
    p.add_argument("-o", "--output")
    p.set_defaults(handler=cmd_diagram)
    wf.add_parser("publish", help="опубликовать новые версии").set_defaults(handler=cmd_publish)
    p = wf.add_parser("migrate", help="перевести дела на другую версию процесса")
    p.add_argument("name")
    p.add_argument("--from", dest="from_version", type=int, required=True)
    p.add_argument("--to", dest="to_version", type=int, required=True)
    p.add_argument("--map", action="append", metavar="OLD=NEW")
    p.add_argument("--dry-run", action="store_true")
    p.set_defaults(handler=cmd_migrate)

    p = sub.add_parser("serve", help="веб-интерфейс, REST API и планировщик сроков")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1, help="число процессов (только PostgreSQL)")
    p.set_defaults(handler=cmd_serve)

    p = sub.add_parser("demo", help="заполнить пустую базу демонстрационными данными")
    p.add_argument("--if-empty", action="store_true", help="ничего не делать, если база уже заполнена")
    p.add_argument("--seed", type=int, default=7)
    p.set_defaults(handler=cmd_demo)

    p = sub.add_parser("simulate", help="год синтетических сообщений через весь процесс (на своих часах)")
    p.add_argument("--reports", type=int, default=4628)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--keep", action="store_true", help="сохранить временную базу, чтобы открыть её статистику")
    p.add_argument("--profile", choices=["yugra", "novgorod"], default="yugra",
                   help="novgorod: рядом с Югрой — муниципалитет Новгородской области (пятая часть сообщений)")
    p.set_defaults(handler=cmd_simulate)

    cli_calendar.add_parsers(sub, _Parser)

    p = sub.add_parser("sweep", help="выполнить наступившие напоминания, эскалации и тайм-ауты")
    p.add_argument("--batch", type=int, default=1000)
    p.set_defaults(handler=cmd_sweep)

    p = sub.add_parser("notify", help="разослать уведомления: почта, вебхуки, сводки, повестки КДН")
    p.set_defaults(handler=cmd_notify)

    cli_audit.add_parsers(sub)
    cli_regions.add_parsers(sub, cmd_profile)

    from api import cli_users

    cli_users.add_parser(sub, cmd_users)
    p = sub.add_parser("retention", help="сроки хранения (152-ФЗ): что обезличить или удалить (--run — выполнить)")
    p.add_argument("--run", action="store_true", help="выполнить (без флага — только показать)")
    p.set_defaults(handler=cmd_retention)

    p = sub.add_parser("settings", help="настройки OPORA_*: значение, по умолчанию, описание (секреты скрыты)")
    p.add_argument("--markdown", action="store_true", help="таблица для README (без значений)")
    p.set_defaults(handler=cmd_settings)

    p = sub.add_parser("bench", help="замеры производительности (JSON по строке)")
    p.add_argument("groups", nargs="*")
    p.add_argument("--quick", action="store_true", help="в десять раз меньше данных (для CI)")
    p.set_defaults(handler=cmd_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    import sqlalchemy as sa

    from api.db_schema import SchemaOutdated
    from engine.database import BUSY, STORAGE, first_line, unavailable_reason

    args = build_parser().parse_args(argv)
    try:
        settings_from_args(args)  # read once: a bad OPORA_* value stops here, in one line
        return int(args.handler(args))
    except SettingsInvalid as exc:
        print(f"Ошибка в настройках: {exc}", file=sys.stderr)
        return 2
    except AuditSetupError as exc:  # cannot check at all: not a finding about the data
        print(f"Ошибка: {exc}", file=sys.stderr)
        return 2
    except EngineError as exc:
        print(f"Ошибка: {exc}", file=sys.stderr)
        return 1
    except SchemaOutdated as exc:
        print(f"Ошибка: {exc}", file=sys.stderr)
        return 2
    except sa.exc.DBAPIError as exc:  # the database, not the command, is at fault: say so in one line
        reason = unavailable_reason(exc)
        if reason is None:
            raise
        what = {STORAGE: "в базу данных нельзя писать (нет места на диске или она только для чтения)",
                BUSY: "база данных занята другим процессом дольше обычного; повторите позже"}.get(
            reason, "нет связи с базой данных")
        print(f"Ошибка: {what}: {first_line(exc)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
