"""`opora workflows validate` as a tool: every file's problems, paths as given, one line for a file it cannot read."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.cli import main
from tests.integration.test_versions import CLI_V1

BROKEN = Path(__file__).parents[1] / "fixtures" / "broken"
BAD_ROLE = CLI_V1.replace("to: old_name, roles: [agency]", "to: old_name, roles: [janitor]")
BAD_STATE = CLI_V1.replace("workflow: tiny", "workflow: other").replace("to: done, roles: [agency]",
                                                                       "to: done, roles: [nobody]")


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "a.yaml").write_text(CLI_V1, encoding="utf-8")
    (sub / "b.yaml").write_text(BAD_ROLE.replace("workflow: tiny", "workflow: second"), encoding="utf-8")
    (sub / "c.yaml").write_text(BAD_STATE, encoding="utf-8")
    return tmp_path


def validate(*args: str) -> int:
    return main(["workflows", "validate", *args])


def test_every_file_is_reported_with_the_path_as_given(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert validate("sub/a.yaml", "sub/b.yaml", "./sub/c.yaml") == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "OK tiny v1: 3 состояния, 2 перехода, хэш " + out.split("хэш ")[1][:12],
        "sub/b.yaml:10: transitions[0].roles[0]: неизвестная роль «janitor»; ожидается: admin, agency, curator, "
        "guardianship, kdn_secretary, patrol_specialist, provider_staff, rc_head, rc_specialist, supervisor, system, "
        "uso_director",
        "./sub/c.yaml:11: transitions[1].roles[0]: неизвестная роль «nobody»; ожидается: admin, agency, curator, "
        "guardianship, kdn_secretary, patrol_specialist, provider_staff, rc_head, rc_specialist, supervisor, system, "
        "uso_director",
    ]
    assert err.strip() == "Файлов с ошибками: 2 из 3, ошибок: 2"


def test_a_folder_stands_for_its_files_each_checked_once(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert validate("sub/a.yaml", "sub") == 1
    out = capsys.readouterr().out
    assert out.count("OK tiny v1") == 1 and "sub/b.yaml:10:" in out and "sub/c.yaml:11:" in out


def test_many_broken_files_at_once(capsys: pytest.CaptureFixture[str]) -> None:
    names = [str(BROKEN / n) for n in ("unknown_role.yaml", "unknown_guard.yaml", "no_way_out.yaml")]
    assert validate(*names) == 1
    out = capsys.readouterr().out
    for name in names:
        assert f"{name}:" in out


def test_two_files_of_one_workflow(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (files / "sub" / "copy.yaml").write_text(CLI_V1.replace("version: 1", "version: 2"), encoding="utf-8")
    assert validate("sub/a.yaml", "sub/copy.yaml") == 1
    assert capsys.readouterr().out.splitlines()[1] == (
        "sub/copy.yaml:2: workflow: процесс «tiny» уже описан в файле sub/a.yaml (версия 1); "
        "ожидается: один файл на процесс")


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: None, "sub/missing.yaml: файл не найден"),
    (lambda p: p.write_bytes(b"workflow: \xff\xfe\n"), "sub/missing.yaml: файл не в кодировке UTF-8 (байт 10)"),
    (lambda p: p.mkdir(), "sub/missing.yaml: в папке нет файлов *.yaml"),
], ids=["missing", "not-utf8", "empty-folder"])
def test_a_file_that_cannot_be_read_is_one_line_and_exit_2(files: Path, capsys: pytest.CaptureFixture[str],
                                                           make: object, message: str) -> None:
    make(files / "sub" / "missing.yaml")  # type: ignore[operator]
    assert validate("sub/a.yaml", "sub/missing.yaml", "sub/b.yaml") == 2
    out, err = capsys.readouterr()
    assert "OK tiny v1" in out and "sub/b.yaml:10:" in out  # the others are still checked
    assert err.splitlines()[0] == f"Ошибка: {message}" and "Traceback" not in err


def test_a_workflow_a_file_starts_must_be_given_or_in_the_workflows_folder(
        files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = Path(__file__).parents[2] / "workflows"
    assert validate(str(root / "child_report.yaml")) == 0  # it starts family_support and kdn_prevention, both there
    assert "OK child_report" in capsys.readouterr().out
    text = (root / "child_report.yaml").read_text(encoding="utf-8").replace("workflow: family_support",
                                                                            "workflow: nowhere")
    (files / "sub" / "report.yaml").write_text(text, encoding="utf-8")
    assert validate("sub/report.yaml") == 1
    assert "start_case.workflow: процесс «nowhere» не найден" in capsys.readouterr().out
