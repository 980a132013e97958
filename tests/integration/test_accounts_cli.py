"""Accounts from the command line: the first administrator of a fresh install, deactivation, resets, roles;
`opora serve` on a fresh database has no users and says how to create the administrator."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from api.bootstrap import bootstrap
from api.cli import main, startup_notes
from api.settings import Settings
from cases.demo import DEMO_PASSWORD
from cases.password_policy import password_problem
from cases.passwords import verify_password
from tests.e2e.browser import free_port

ROOT = Path(__file__).resolve().parents[2]


def run(db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str,
        stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(["--database-url", db_url, *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_the_first_administrator_of_a_fresh_install(db_url: str, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    app = bootstrap(Settings(database_url=db_url))
    assert startup_notes(app) == ["Пользователей нет. Создайте администратора: "
                                  "opora users add LOGIN --name \"ФИО\" --admin"]
    code, _, err = run(db_url, monkeypatch, capsys, "users", "add", "chief", "--name", "Главный Админ", "--admin",
                       "--password-stdin", stdin="chief-password-1\n")
    assert code == 2 and "не должен совпадать с логином" in err
    code, _, err = run(db_url, monkeypatch, capsys, "users", "add", "chief", "--name", "Главный Админ", "--admin",
                       "--password-stdin", stdin="qwerty123456\n")
    assert code == 2 and "распространённых" in err
    code, out, _ = run(db_url, monkeypatch, capsys, "users", "add", "chief", "--name", "Главный Админ", "--admin",
                       "--territory", "surgut", "--territory-name", "Сургутский район")
    assert code == 0 and "Одноразовый пароль" in out
    one_time = out.strip().splitlines()[-1].split(": ")[-1]
    with app.db.read() as tx:
        row = tx.connection.exec_driver_sql(
            "select u.password_hash, u.must_change_password, r.role, u.territory from app_user u "
            "join user_role r on r.user_id = u.id where u.login = 'chief'").one()
    assert verify_password(row.password_hash, one_time) and row.must_change_password and row.role == "admin"
    assert row.territory == "surgut"
    assert startup_notes(app) == []  # not a demo database: no demo password is announced
    code, out, _ = run(db_url, monkeypatch, capsys, "users", "add", "opeka", "--name", "Соколова И. В.",
                       "--role", "guardianship", "--password-stdin", stdin="длинный-пароль-опеки\n")
    assert code == 0 and "Одноразовый" not in out
    code, out, _ = run(db_url, monkeypatch, capsys, "users", "roles", "opeka", "--role", "supervisor")
    assert code == 0
    code, out, _ = run(db_url, monkeypatch, capsys, "users", "deactivate", "opeka")
    assert code == 0 and "отключён" in out
    code, out, _ = run(db_url, monkeypatch, capsys, "users", "list")
    assert "opeka" in out and "supervisor" in out and "[отключён]" in out
    code, out, _ = run(db_url, monkeypatch, capsys, "users", "reset-password", "nobody")
    assert code == 2
    app.close()


def test_the_demo_password_passes_the_policy_and_only_a_demo_database_announces_it(
        db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert password_problem(DEMO_PASSWORD) is None
    assert main(["--database-url", db_url, "demo"]) == 0
    printed = capsys.readouterr().out
    app = bootstrap(Settings(database_url=db_url))
    notes = startup_notes(app)
    assert len(notes) == 1 and DEMO_PASSWORD in notes[0] and "Демонстрационная база" in notes[0]
    # every account the demo makes is announced: the district commission's and the resource centre's too
    for login, role in (("bor_secretary", "kdn_secretary"), ("rc", "rc_specialist"), ("patrol", "patrol_specialist")):
        assert f"{login} ({role})" in notes[0]
        assert re.search(rf"^  {login} +{role} ", printed, re.M)
    app.close()


def test_serve_on_a_fresh_database_tells_the_operator_to_create_an_administrator(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "OPORA_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}"}
    server = subprocess.Popen([str(Path(sys.executable).parent / "opora"), "serve", "--port", str(port)],
                              cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 60
        while len(lines) < 2 and time.monotonic() < deadline:
            line = server.stdout.readline() if server.stdout else ""
            if not line:
                break
            lines.append(line.strip())
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert lines[0].startswith("Опора запущена")
    assert "Пользователей нет" in lines[1] and "opora users add" in lines[1] and "--admin" in lines[1]
