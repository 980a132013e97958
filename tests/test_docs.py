"""Docs that are tested: documented commands exist, workflow files validate, every route says what it does,
the Word templates are what their script builds, and the repository refers to nothing outside itself."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter
from fastapi.routing import APIRoute

from api.app import create_app, routers
from api.cli import build_parser, main
from workflows import TEMPLATES_DIR

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def documented_commands() -> set[tuple[str, ...]]:
    """Every `opora …` command named in the README (its words up to the first option or argument)."""
    found = set()
    for match in re.finditer(r"`opora ([a-z][a-z ]*?)(?: \[| [A-Z]| --|`)", README):
        found.add(tuple(match.group(1).split()))
    return found


def test_every_documented_command_exists() -> None:
    parser = build_parser()
    commands = documented_commands()
    assert {"serve", "demo", "simulate", "sweep", "notify", "bench"} <= {c[0] for c in commands}
    for words in sorted(commands):
        with pytest.raises(SystemExit) as exited:
            parser.parse_args([*words, "--help"])
        assert exited.value.code == 0, words


def test_the_readme_starts_with_the_two_commands() -> None:
    first_screen = README.split("---")[0]
    assert re.findall(r"^make (\w+)$", first_screen, re.MULTILINE) == ["run", "test"]


def test_every_workflow_file_validates(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["workflows", "validate"]) == 0
    assert capsys.readouterr().out.count("OK ") == len(list((ROOT / "workflows").glob("*.yaml")))


def _endpoints(routes: list[Any]) -> Iterator[APIRoute]:
    """Every endpoint of the routers, also those a router includes (and those hidden from the schema)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        # FastAPI ≥ 0.16x keeps an included router whole (its routes are not copied into the parent's)
        included = getattr(route, "original_router", None) or getattr(route, "app", None)
        if isinstance(included, APIRouter):
            yield from _endpoints(included.routes)


def test_every_route_has_a_docstring() -> None:
    endpoints = [route for router in routers() for route in _endpoints(router.routes)]
    assert len(endpoints) > 90  # the walk reaches the routers' routes, not only the app's own
    missing = sorted(f"{sorted(route.methods)} {route.path}" for route in endpoints
                     if not (route.endpoint.__doc__ or "").strip())
    assert missing == []


def test_every_operation_of_the_api_is_described() -> None:
    schema = create_app(None, jobs=False).openapi()
    operations = [(method, path, op) for path, item in schema["paths"].items() for method, op in item.items()]
    assert len(operations) > 40
    assert [(m, p) for m, p, op in operations if not op.get("description", "").strip()] == []


def test_the_word_templates_are_what_the_script_builds(tmp_path: Path) -> None:
    """The README promises templates reproducible byte for byte: rebuild them and compare with the files."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import build_docx_templates
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    built = build_docx_templates.build(folder=tmp_path)
    assert len(built) == len(list(TEMPLATES_DIR.glob("*.docx")))
    differ = [p.name for p in built if p.read_bytes() != (TEMPLATES_DIR / p.name).read_bytes()]
    assert differ == [], "rebuild with `.venv/bin/python scripts/build_docx_templates.py` and commit the files"


# -- the repository speaks of itself only ------------------------------------------------------
# (character classes keep this file's own patterns from matching themselves)
OUTSIDE = re.compile(
    r"\bshare[d]/|PROCES[S]\.md|OTHER-PRACTICE[S]|DESIG[N]\.md|STYL[E]\.md|/wor[k]/"
    r"|(?i:\bsee[d]s?\s*#?0\d|\bsee[d]s/|\b\d{3}_[0-9a-f]{16}\b|\bissue[s]?\s*#?\d+|\bсид(?:ы|а|ов)?\s*\d"
    r"|\bзадач[аеиу]\s*№?\s*\d+)")
#: the changelog's headings name the issue each section closes
MAY_NAME_ISSUES = {"docs/changelog.md"}


def tracked_files() -> list[str]:
    try:
        listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [name for name in listed.splitlines() if (ROOT / name).is_file()]


def test_the_repository_refers_to_nothing_outside_it() -> None:
    found = []
    for name in tracked_files():
        if name in MAY_NAME_ISSUES:
            continue
        data = (ROOT / name).read_bytes()
        if b"\0" in data:
            continue  # binary: images, Word templates
        for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
            match = OUTSIDE.search(line)
            if match:
                found.append(f"{name}:{number}: {match.group(0)!r}")
    assert found == []


@pytest.mark.parametrize("line", [
    # each example is split in two literals so that this file does not match its own test
    "see PROCESS" ".md, Path 1", "the originals in ../share" "d/see" "ds/", "(seed" " 002, lines 10-20)",
    "closed issue" " 5", "issue" " #12", "источник: сид" " 003", "002_01dd28dd" "121768cc.txt:120",
])
def test_references_outside_are_recognised(line: str) -> None:
    assert OUTSIDE.search(line)


@pytest.mark.parametrize("line", ["docs/process.md", "Сидоров", "opora simulate --seed 1", "documents.issue(tx"])
def test_the_repository_may_say_these(line: str) -> None:
    assert not OUTSIDE.search(line)


def test_the_process_is_described_in_the_repository() -> None:
    process = (ROOT / "docs" / "process.md").read_text(encoding="utf-8")
    assert "(docs/process.md)" in README
    for basis in ("232-п", "567-р", "120-ФЗ", "442-ФЗ", "995", "Семейный кодекс"):
        assert basis in process, basis


def test_a_frozen_clock_leaves_pytests_timer_alone() -> None:
    """``make test`` prints the slowest tests: their durations come from pytest's timer, never from freezegun."""
    import freezegun
    from _pytest import timing

    start = timing.Instant()
    with freezegun.freeze_time("2020-01-01 12:00:00"):
        assert timing.Instant().time > 1.7e9  # the real epoch seconds, not 2020's
        during = start.elapsed().seconds
    assert 0 <= during < 60


def test_the_lock_file_has_every_dependency_of_pyproject() -> None:
    """``make run``/``make test`` install requirements.lock only: a dependency added to pyproject.toml must be in it."""
    import tomllib

    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [Requirement(r) for r in [*project["dependencies"], *project["optional-dependencies"]["test"]]]
    locked: dict[str, str] = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith((" ", "#")):
            name, version = line.split(";")[0].strip().split("==")
            locked[re.sub(r"[-_.]+", "-", name).lower()] = version
    missing = [str(r) for r in wanted if re.sub(r"[-_.]+", "-", r.name).lower() not in locked]
    assert missing == [], "run `make lock`"
    outside = [f"{r.name}=={locked[re.sub(r'[-_.]+', '-', r.name).lower()]}" for r in wanted
               if locked[re.sub(r"[-_.]+", "-", r.name).lower()] not in r.specifier]
    assert outside == [], "run `make lock`"
