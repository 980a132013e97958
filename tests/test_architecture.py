"""Structural rules written as tests: imports point inward; one third-party library, one module of ours."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["engine", "cases", "notifications", "api", "workflows"]
#: what each package may import from the others (imports point inward: api, notifications -> cases -> engine)
ALLOWED = {
    "engine": set(),
    "workflows": set(),
    "cases": {"engine", "workflows"},
    "notifications": {"engine", "cases", "workflows"},
    "api": {"engine", "cases", "notifications", "workflows"},
}
#: third-party libraries that only one module of ours may import
OWNERS = {
    "transitions": {"engine/machine.py"},
    "apscheduler": {"engine/scheduler.py"},
    "holidays": {"engine/calendar.py"},
    "docxtpl": {"cases/render.py"},
    "weasyprint": {"cases/render.py"},
    "argon2": {"cases/passwords.py"},
    "openpyxl": {"cases/exports.py"},
    "docx": {"cases/render.py"},
    "smtplib": {"notifications/email.py"},
    "httpx": {"notifications/webhooks.py", "api/bench_http.py", "api/loadgen.py"},  # webhooks; benchmark clients
    "orjson": {"engine/audit/chain.py"},
    "sqlite_utils": {"engine/bench.py", "api/backup.py"},  # the benchmark's bulk loader; `opora db dump`
    "anyio": {"notifications/webhooks.py"},
    "cryptography": {"notifications/sealing.py"},
    "PIL": {"cases/images.py"},
}


def modules(package: str) -> list[Path]:
    return [p for p in (ROOT / package).rglob("*.py") if "migrations/versions" not in str(p)]


def imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_point_inward(package: str) -> None:
    forbidden = set(PACKAGES) - ALLOWED[package] - {package}
    offenders = {str(p.relative_to(ROOT)): sorted(imported(p) & forbidden) for p in modules(package)}
    assert {k: v for k, v in offenders.items() if v} == {}


@pytest.mark.parametrize(("library", "owners"), sorted(OWNERS.items()))
def test_one_library_one_module(library: str, owners: set[str]) -> None:
    users = {str(p.relative_to(ROOT)) for pkg in PACKAGES for p in modules(pkg) if library in imported(p)}
    assert users == owners


def test_nothing_reads_the_system_clock_outside_the_clock_module() -> None:
    offenders = []
    for pkg in PACKAGES:
        for path in modules(pkg):
            text = path.read_text(encoding="utf-8")
            if path.name != "clock.py" and any(s in text for s in ("datetime.now(", "datetime.utcnow(", "date.today(")):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
