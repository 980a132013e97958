"""``opora db check|dump``, ``opora backup``, ``opora restore``: the database as a whole.

::

    opora db check             hash chains and row-level consistency; exit 1 when anything does not hold
    opora db dump FOLDER       every SQLite table as JSON Lines (one file per table)
    opora backup FILE          an online copy (SQLite's backup API; pg_dump on PostgreSQL), while the server writes
    opora restore FILE         into an empty database (``--replace`` to overwrite one), then checked as above

A backup error (no space, a file that is not a backup, a non-empty target) is one line on stderr and exit 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from api.bootstrap import bootstrap
from api.settings import from_args


def cmd_db_check(args: argparse.Namespace) -> int:
    from engine import consistency
    from engine.audit import verify

    container = bootstrap(from_args(args), migrate=False, publish=False)
    with container.db.read() as tx:
        breaks = [str(b) for b in verify(tx)]
        problems = consistency.check(tx)
    for line in breaks + problems:
        print(line)
    print(json.dumps({"audit_breaks": len(breaks), "inconsistencies": len(problems)}))
    container.close()
    return 1 if breaks or problems else 0


def _on_database(args: argparse.Namespace, work: Callable[[Any], Any]) -> Any:
    """``work(db)`` on the configured database; a :class:`BackupError` becomes one line on stderr (None)."""
    from api.backup import BackupError
    from engine.database import Database

    db = Database(from_args(args).database_url)
    try:
        return work(db)
    except BackupError as exc:
        print(f"Ошибка: {exc}", file=sys.stderr)
        return None
    finally:
        db.dispose()


def cmd_backup(args: argparse.Namespace) -> int:
    from api.backup import backup

    counts = _on_database(args, lambda db: backup(db, Path(args.file)))
    if counts is None:
        return 2
    print(json.dumps({"backup": args.file, **counts}, ensure_ascii=False))
    return 0


def cmd_db_dump(args: argparse.Namespace) -> int:
    from api.backup import dump

    counts = _on_database(args, lambda db: dump(db, Path(args.folder)))
    if counts is None:
        return 2
    print(json.dumps({"folder": args.folder, **counts}, ensure_ascii=False))
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from api.backup import restore

    report = _on_database(args, lambda db: restore(db, Path(args.file), replace=args.replace))
    if report is None:
        return 2
    for line in report.audit_breaks + report.inconsistencies:
        print(line)
    print(json.dumps({"restored": args.file, **report.counts, "audit_breaks": len(report.audit_breaks),
                      "inconsistencies": len(report.inconsistencies)}, ensure_ascii=False))
    return 0 if report.clean else 1


def add_parsers(sub: Any, db: Any) -> None:
    """``db check``/``db dump`` on the ``db`` group, ``backup`` and ``restore`` on ``opora`` itself."""
    db.add_parser("check", help="проверить журнал событий и согласованность дел").set_defaults(handler=cmd_db_check)
    p = db.add_parser("dump", help="выгрузить все таблицы SQLite в JSON Lines (по файлу на таблицу)")
    p.add_argument("folder")
    p.set_defaults(handler=cmd_db_dump)

    p = sub.add_parser("backup", help="резервная копия базы (можно при работающем сервере)")
    p.add_argument("file")
    p.set_defaults(handler=cmd_backup)
    p = sub.add_parser("restore", help="восстановить базу из резервной копии")
    p.add_argument("file")
    p.add_argument("--replace", action="store_true", help="заменить непустую базу (сначала остановите сервер)")
    p.set_defaults(handler=cmd_restore)
