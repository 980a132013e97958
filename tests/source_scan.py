"""Scans of the product's source for the tests that hold a rule of the code (not of its behaviour)."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("cases", "opora_bench", "notifications", "api")


def built_without(checks: Mapping[str, str], skip: str, packages: Iterable[str] = PRODUCT) -> list[str]:
    """Where the product builds a command of ``checks`` (its name → the function that must wrap it) outside that
    function's call, as ``path:line``; the module ``skip`` (the one defining the checks) is not scanned."""
    found = []
    for package in packages:
        for path in (ROOT / package).rglob("*.py"):
            if path.name == skip:
                continue
            calls = [node for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                     if isinstance(node, ast.Call)]
            wrapped = {id(call.args[0]) for call in calls if getattr(call.func, "id", "") in checks.values()
                       and call.args}
            found += [f"{path.relative_to(ROOT)}:{node.lineno}" for node in calls
                      if getattr(node.func, "id", "") in checks and id(node) not in wrapped]
    return found
