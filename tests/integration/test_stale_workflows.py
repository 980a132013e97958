"""Workflow files older than what is published: said plainly, and new cases stay on the newest published version."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from api.bootstrap import bootstrap
from api.cli import main
from api.settings import Settings
from engine.commands import Actor, FireTransition, StartCase
from tests.integration.test_notifications import free_port
from tests.integration.test_versions import CLI_V1, CLI_V2

AGENT = Actor(3, "agency")
OLDER = ("Внимание: Файл tiny.yaml старше опубликованного: в нём версия 1 процесса «tiny», а опубликована уже "
         "версия 2; новые дела начинаются на версии 2 (из базы данных), файл не опубликован")


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "wf"
    path.mkdir()
    monkeypatch.setenv("OPORA_WORKFLOWS_DIR", str(path))
    return path


def deploy(folder: Path, text: str) -> None:
    (folder / "tiny.yaml").write_text(text, encoding="utf-8")


def published_then_reverted(db_url: str, folder: Path) -> None:
    """v1, then v2 published; then someone deploys the v1 files again."""
    for text in (CLI_V1, CLI_V2):
        deploy(folder, text)
        bootstrap(Settings(database_url=db_url)).close()
    deploy(folder, CLI_V1)


def test_new_cases_start_on_the_newest_published_version_not_on_older_files(db_url: str, folder: Path) -> None:
    published_then_reverted(db_url, folder)
    app = bootstrap(Settings(database_url=db_url))
    stale = app.catalog.stale["tiny"]
    assert (stale.version, stale.published, stale.reason) == (1, 2, "older")
    assert app.catalog.latest("tiny").definition.version == 2
    with app.db.unit_of_work() as tx:
        case_id = app.runtime.start(tx, StartCase("tiny", AGENT)).case_id
        result = app.runtime.fire(tx, FireTransition(case_id, "take", AGENT))
        tx.commit()
    assert result.to_state == "in_work"  # v2's state, compiled from the source stored in the database
    with app.db.read() as tx:
        assert app.runtime.load(tx, case_id).workflow_version == 2
        assert tx.connection.exec_driver_sql("select count(*) from wf_version").scalar() == 2
    app.close()


def test_show_and_publish_say_so(db_url: str, folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    published_then_reverted(db_url, folder)
    capsys.readouterr()
    assert main(["--database-url", db_url, "workflows", "show", "tiny"]) == 0
    out, err = capsys.readouterr()
    assert err.strip() == OLDER
    assert "tiny, версия 2" in out and "in_work" in out and "old_name" not in out
    assert main(["--database-url", db_url, "workflows", "publish"]) == 1
    out, _ = capsys.readouterr()
    assert out.strip() == "не опубликована: " + OLDER.removeprefix("Внимание: ")


def test_a_published_number_with_other_content_runs_as_published(db_url: str, folder: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    deploy(folder, CLI_V1)
    bootstrap(Settings(database_url=db_url)).close()
    deploy(folder, CLI_V1.replace("title: В работе", "title: Исправлено без новой версии"))
    capsys.readouterr()
    assert main(["--database-url", db_url, "workflows", "show", "tiny"]) == 0
    out, err = capsys.readouterr()
    assert err.strip() == ("Внимание: Файл tiny.yaml: версия 1 процесса «tiny» уже опубликована с другим "
                           "содержимым (изменения публикуются только под новым номером версии); новые дела "
                           "начинаются на версии 1 (из базы данных), файл не опубликован")
    assert "old_name: В работе" in out and "Исправлено" not in out


def test_serve_says_so_when_it_starts(db_url: str, folder: Path) -> None:
    published_then_reverted(db_url, folder)
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("opora")), "--database-url", db_url, "serve", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "OPORA_WORKFLOWS_DIR": str(folder)})
    try:
        assert server.stdout is not None
        started = server.stdout.readline()
        assert "Опора запущена" in started
    finally:
        time.sleep(0.2)
        server.terminate()
        _, err = server.communicate(timeout=30)
    assert OLDER in err.splitlines()
