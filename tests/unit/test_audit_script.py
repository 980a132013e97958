"""``make audit`` never passes silently: packages pip-audit could not check are counted and fail the run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import audit


def answer(monkeypatch: pytest.MonkeyPatch, stdout: str, stderr: str = "") -> None:
    def run(*args: Any, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(args, 0, stdout, stderr)
    monkeypatch.setattr(audit.subprocess, "run", run)


def report(*deps: dict[str, Any]) -> str:
    return json.dumps({"dependencies": list(deps), "fixes": []})


CLEAN = {"name": "fastapi", "version": "0.115.0", "vulns": []}
UNCHECKED = {"name": "uvicorn", "skip_reason": "Dependency not found on PyPI and could not be audited: uvicorn"}
VULNERABLE = {"name": "jinja2", "version": "3.1.2", "vulns": [{"id": "GHSA-h5c8-rqwp-cp95", "fix_versions": ["3.1.3"]}]}


def test_everything_checked_and_clean_passes(monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    answer(monkeypatch, report(CLEAN))
    assert audit.main([]) == 0 and "проверено 1 из 1" in capsys.readouterr().out


def test_unchecked_packages_are_named_and_fail_unless_allowed(monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    answer(monkeypatch, report(CLEAN, UNCHECKED))
    assert audit.main([]) == 3
    out = capsys.readouterr().out
    assert "проверено 1 из 2" in out and "НЕ ПРОВЕРЕНО 1" in out and "uvicorn" in out
    assert audit.main(["--allow-unchecked"]) == 0


def test_a_vulnerability_always_fails(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    answer(monkeypatch, report(VULNERABLE, UNCHECKED))
    assert audit.main(["--allow-unchecked"]) == 1
    assert "УЯЗВИМОСТЬ jinja2 3.1.2: GHSA-h5c8-rqwp-cp95 (исправлено в: 3.1.3)" in capsys.readouterr().out


def test_an_unreachable_service_says_so(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    answer(monkeypatch, "", "ConnectionError: pypi.org unreachable")
    assert audit.main([]) == 3
    assert "НЕ ВЫПОЛНЕН" in capsys.readouterr().out


def test_the_lock_file_is_audited_as_pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []

    def run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        seen.append(command)
        return subprocess.CompletedProcess(command, 0, report(CLEAN), "")
    monkeypatch.setattr(audit.subprocess, "run", run)
    assert audit.main([]) == 0
    command = seen[0]
    assert command[command.index("--requirement") + 1] == str(Path(audit.__file__).parents[1] / "requirements.lock")
    assert {"--no-deps", "--disable-pip"} <= set(command)  # the pinned versions, not a new resolution
