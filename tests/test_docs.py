"""Docs that are tested: documented commands exist, workflow files validate, every route says what it does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.routing import APIRoute

from api.app import create_app
from api.cli import build_parser, main

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


def test_every_route_has_a_docstring() -> None:
    app = create_app(None, jobs=False)
    missing = [route.path for route in app.routes
               if isinstance(route, APIRoute) and not (route.endpoint.__doc__ or "").strip()]
    assert missing == []
