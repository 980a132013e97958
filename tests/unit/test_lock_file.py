"""``requirements.lock`` pins every dependency ``pyproject.toml`` declares, within its range.

`make run` and `make test` install the lock file and then the project without its dependencies, so a
dependency added to ``pyproject.toml`` but not locked would be missing on a fresh machine.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]


def locked() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        found = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
        if found:
            pins[canonicalize_name(found.group(1))] = found.group(2)
    return pins


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(text) for text in project["dependencies"] + project["optional-dependencies"]["test"]]


def test_every_declared_dependency_is_locked_within_its_range() -> None:
    pins = locked()
    missing = [str(r) for r in declared() if canonicalize_name(r.name) not in pins]
    outside = [f"{r} (locked {pins[canonicalize_name(r.name)]})" for r in declared()
               if canonicalize_name(r.name) in pins and not r.specifier.contains(pins[canonicalize_name(r.name)],
                                                                                  prereleases=True)]
    assert not missing, f"not in requirements.lock (run `make lock`): {missing}"
    assert not outside, f"locked outside the declared range (run `make lock`): {outside}"


def test_the_lock_reader_sees_the_pins() -> None:
    pins = locked()
    assert pins["fastapi"] and pins["sqlalchemy"].startswith("2.1")
