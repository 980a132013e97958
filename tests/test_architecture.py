"""Structural rules written as tests: imports point inward; one third-party library, one module of ours."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["engine", "cases", "notifications", "api", "workflows", "opora_bench"]
#: what each package may import from the others (imports point inward: api, notifications -> cases -> engine)
ALLOWED = {
    "engine": set(),
    "workflows": set(),
    "cases": {"engine", "workflows"},
    "notifications": {"engine", "cases", "workflows"},
    "api": {"engine", "cases", "notifications", "workflows"},
    "opora_bench": {"engine", "cases", "notifications", "api", "workflows"},  # the tools that measure it all
}
#: the product's only doors to the benchmarks: the commands that start them (`opora bench`, `opora simulate`)
DOORS = {"api/cli.py": {"opora_bench"}}
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
    "httpx": {"notifications/webhooks.py", "opora_bench/http.py", "opora_bench/loadgen.py"},  # webhooks; clients
    "orjson": {"engine/audit/chain.py"},
    "sqlite_utils": {"opora_bench/engine.py", "api/backup.py"},  # the benchmark's bulk loader; `opora db dump`
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
    offenders = {str(p.relative_to(ROOT)): sorted(imported(p) & forbidden - DOORS.get(str(p.relative_to(ROOT)), set()))
                 for p in modules(package)}
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


#: the role names a workflow and the policy use (``cases.roles.ROLES``), spelt out so the test needs no import
ROLE_NAMES = {"guardianship", "agency", "uso_director", "curator", "kdn_secretary", "supervisor", "admin"}
#: the one package that decides access (README: "access is decided in `cases/access/` only")
POLICY = "cases/access/"


def _is_role_name(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value in ROLE_NAMES


def _is_roles(node: ast.AST) -> bool:
    """``something.roles`` (a principal's or a user's roles)."""
    return isinstance(node, ast.Attribute) and node.attr == "roles"


def role_checks(path: Path) -> list[str]:
    """Where ``path`` decides by role itself: compares with a role name, tests membership in or intersects
    someone's ``.roles``, or asks ``.has(...)`` of a principal."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Compare) and not all(isinstance(op, ast.Is | ast.IsNot) for op in node.ops):
            operands = [node.left, *node.comparators]
            if any(_is_role_name(o) or _is_roles(o) for o in operands) or any(
                    isinstance(o, ast.Set | ast.Tuple | ast.List) and any(_is_role_name(e) for e in o.elts)
                    for o in operands):
                found.append(f"{node.lineno}: comparison")
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitAnd | ast.Sub) and (
                _is_roles(node.left) or _is_roles(node.right)):
            found.append(f"{node.lineno}: roles intersected")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "has" \
                and any(_is_role_name(a) for a in node.args):
            found.append(f"{node.lineno}: .has(role)")
    return found


def test_only_the_policy_module_decides_by_role() -> None:
    """Every "may this user …" is a question to ``cases.access``; no other module compares roles.

    The engine is not scanned: it knows no role names and only checks that the role ``cases.access`` chose is
    one of the transition's (a rule of the workflow file, not of the policy).
    """
    offenders = {str(p.relative_to(ROOT)): role_checks(p)
                 for pkg in ("cases", "api", "notifications") for p in modules(pkg)
                 if not str(p.relative_to(ROOT)).startswith(POLICY)}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_templates_ask_no_role_questions() -> None:
    """Pages show what the view computed with ``cases.access``; a template does not test roles itself."""
    pattern = re.compile(r"\.has\(|\{%-?\s*(if|elif)[^%]*\b(user|principal)\.roles")
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "api" / "templates").glob("*.html")
                 if pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_the_role_check_finds_a_comparison(tmp_path: Path) -> None:
    """The rule above would catch each way a role used to be compared outside the policy."""
    sample = tmp_path / "sample.py"
    sample.write_text('if p.has("supervisor"): pass\n'
                      'if "curator" in p.roles: pass\n'
                      'if p.roles & {"agency"}: pass\n'
                      'if role == "guardianship": pass\n'
                      'if target in ("kdn_secretary", "uso_director"): pass\n'
                      'if role in WORKFLOW_ROLES: pass\n', encoding="utf-8")
    assert [line.split(":")[0] for line in role_checks(sample)] == ["1", "2", "3", "4", "5"]
