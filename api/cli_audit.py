"""``opora audit …``: check the hash chains, make anchors, prove one case.

::

    opora audit verify [--case ID ...] [--anchors FILE]   exit 0 clean, 1 breaks found, 2 cannot check
    opora audit anchor [--anchors FILE]                   sign every case's head into the anchors file
    opora audit proof --case ID [--anchors FILE]          one case's pin and Merkle path, as JSON
    opora audit proof --check FILE                        check such a proof with the keys

The keys come from ``OPORA_AUDIT_KEY`` / ``OPORA_AUDIT_OLD_KEYS``, the file from ``--anchors``
or ``OPORA_AUDIT_ANCHORS`` (default: next to the SQLite file). A missing or unknown key or an
unreadable anchors file is one line on stderr and exit code 2 (:class:`AuditSetupError`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from api.bootstrap import bootstrap
from api.settings import Settings, from_args
from engine.audit import VerifyStats, anchors, verify
from engine.audit.anchoring import make_anchor
from engine.errors import AnchorsUnreadable


def _settings(args: argparse.Namespace) -> Settings:
    return from_args(args)


def _config(args: argparse.Namespace, settings: Settings) -> anchors.AnchorConfig:
    config = anchors.AnchorConfig.from_settings(settings)
    return anchors.AnchorConfig(config.keys, Path(args.anchors)) if getattr(args, "anchors", None) else config


def cmd_verify(args: argparse.Namespace) -> int:
    settings = _settings(args)
    log = anchors.load(Path(args.anchors), _config(args, settings).keys) if args.anchors else None
    container = bootstrap(settings, publish=False)
    stats = VerifyStats()
    found = 0
    for problem in log.problems if log else []:
        print(problem)
        found += 1
    with container.db.read() as tx:
        for item in verify(tx, args.case or None, log.pinned if log else None, stats):
            print(item)
            found += 1
    container.close()
    summary: dict[str, Any] = {"breaks": found, "cases": stats.cases, "events": stats.events}
    if log is not None:
        summary["anchors"] = len(log.anchors)
        summary["last_anchor"] = log.last.summary() if log.last else None
    print(json.dumps(summary, ensure_ascii=False))
    return 1 if found else 0


def cmd_anchor(args: argparse.Namespace) -> int:
    settings = _settings(args)
    config = _config(args, settings)
    config.keys.signing()  # a missing key is said before the database is opened
    container = bootstrap(settings, publish=False)
    anchor = make_anchor(container.db, container.clock, config)
    container.close()
    assert anchor is not None
    print(json.dumps({**anchor.summary(), "changed": anchor.header["changed"], "file": str(config.path),
                      "line": anchor.line}, ensure_ascii=False))
    return 0


def cmd_proof(args: argparse.Namespace) -> int:
    config = _config(args, _settings(args))
    if args.check:
        try:
            proof = json.loads(Path(args.check).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise AnchorsUnreadable(args.check, f"не удалось прочитать доказательство: {exc}") from None
        problem = anchors.check_proof(proof, config.keys) if isinstance(proof, dict) else "это не доказательство"
        print(f"Доказательство не подтверждается: {problem}" if problem else
              f"Доказательство подтверждается: дело № {proof['case'][0]} закреплено на событии {proof['case'][1]} "
              f"отметкой от {proof['anchor']['at']}")
        return 1 if problem else 0
    if args.case is None:
        print("Укажите --case НОМЕР или --check ФАЙЛ", file=sys.stderr)
        return 2
    proof = anchors.case_proof(config.path, config.keys, args.case)
    if proof is None:
        print(f"Дело № {args.case} не закреплено ни одной отметкой в {config.path}", file=sys.stderr)
        return 1
    print(json.dumps(proof, ensure_ascii=False))
    return 0


def add_parsers(sub: Any) -> None:
    """The ``audit`` command group of ``opora``."""
    audit = sub.add_parser("audit", help="журнал событий").add_subparsers(dest="audit_command", required=True)
    p = audit.add_parser("verify", help="проверить цепочки хэшей (и отметки из файла)")
    p.add_argument("--case", type=int, action="append")
    p.add_argument("--anchors", metavar="FILE", help="файл отметок: доказать, что до последней отметки "
                                                     "ничего не переписано")
    p.set_defaults(handler=cmd_verify)
    p = audit.add_parser("anchor", help="подписать заголовки всех дел в файл отметок")
    p.add_argument("--anchors", metavar="FILE", help="файл отметок (по умолчанию OPORA_AUDIT_ANCHORS)")
    p.set_defaults(handler=cmd_anchor)
    p = audit.add_parser("proof", help="доказательство закрепления одного дела (или проверка такого)")
    p.add_argument("--case", type=int)
    p.add_argument("--anchors", metavar="FILE")
    p.add_argument("--check", metavar="FILE", help="проверить доказательство из файла")
    p.set_defaults(handler=cmd_proof)
