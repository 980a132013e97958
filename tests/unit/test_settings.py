"""One typed settings object: every OPORA_* variable the code speaks of, a one-line error for a bad value,
secrets never printed, README's table generated from it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from api import cli
from api.settings import PREFIX, Settings, SettingsInvalid, load, markdown_table

ROOT = Path(__file__).resolve().parents[2]
#: variables of the tests and benchmarks, not of a deployment
TEST_ONLY = {"OPORA_TEST_PG_URL", "OPORA_TEST_POSTGRES"}


def test_every_variable_the_code_mentions_is_a_setting() -> None:
    mentioned: set[str] = set()
    for package in ("api", "cases", "engine", "notifications"):
        for path in (ROOT / package).rglob("*.py"):
            mentioned |= set(re.findall(r"\bOPORA_[A-Z_]*[A-Z]\b", path.read_text(encoding="utf-8")))
    fields = {PREFIX + name.upper() for name in Settings.model_fields}
    assert {m for m in mentioned if not m.endswith("_")} - TEST_ONLY - fields == set()
    assert all(info.description for info in Settings.model_fields.values())


def test_values_come_from_the_environment_and_are_typed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPORA_SMTP_PORT", "465")
    monkeypatch.setenv("OPORA_SECURE_COOKIES", "yes")
    monkeypatch.setenv("OPORA_SMTP_TLS", " SSL ")
    monkeypatch.setenv("OPORA_DIGEST_TIME", "7:30")
    settings = load()
    assert (settings.smtp_port, settings.secure_cookies, settings.smtp_tls, settings.digest_time) == \
        (465, True, "ssl", "07:30")
    assert load(smtp_port=26).smtp_port == 26  # the command line's overrides win


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("OPORA_SMTP_PORT", "abc", "OPORA_SMTP_PORT: ожидается целое число (получено «abc»)"),
    ("OPORA_SWEEP_SECONDS", "0", "OPORA_SWEEP_SECONDS: должно быть больше 0 (получено «0»)"),
    ("OPORA_SMTP_TLS", "tls", "OPORA_SMTP_TLS: ожидается одно из none, starttls, ssl, получено «tls»"),
    ("OPORA_DIGEST_TIME", "25:00", "OPORA_DIGEST_TIME: ожидается время ЧЧ:ММ, получено «25:00»"),
    ("OPORA_TIMEZONE", "Asia/Nowhere", "OPORA_TIMEZONE: неизвестный часовой пояс «Asia/Nowhere»"),
    ("OPORA_TRUSTED_PROXIES", "10.0.0.1, intranet", "OPORA_TRUSTED_PROXIES: «intranet» — не адрес и не сеть"),
    ("OPORA_SECURE_COOKIES", "maybe", "OPORA_SECURE_COOKIES: ожидается 1/0, true/false, yes/no"),
])
def test_a_bad_value_stops_any_command_with_one_line(monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str],
                                                    variable: str, value: str, message: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsInvalid, match=re.escape(message)):
        load()
    assert cli.main(["settings"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("Ошибка в настройках: ") and message in err


def test_opora_settings_prints_values_defaults_and_descriptions_but_no_secret(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("OPORA_SECRET_KEY", "очень-секретный-ключ-шифрования")
    monkeypatch.setenv("OPORA_SMTP_PORT", "587")
    monkeypatch.delenv("OPORA_AUDIT_KEY", raising=False)
    assert cli.main(["settings", "--database-url", "sqlite:///x.db"]) == 0
    out = capsys.readouterr().out
    assert "очень-секретный" not in out
    lines = {line.split("=", 1)[0]: line for line in out.splitlines()}
    assert set(lines) == {PREFIX + name.upper() for name in Settings.model_fields}
    assert lines["OPORA_SECRET_KEY"].startswith("OPORA_SECRET_KEY=задан  — ")
    assert lines["OPORA_AUDIT_KEY"].startswith("OPORA_AUDIT_KEY=не задан  — ")
    assert lines["OPORA_SMTP_PORT"] == "OPORA_SMTP_PORT=587  (по умолчанию 25)  — порт почтового сервера"
    assert lines["OPORA_DATABASE_URL"].startswith("OPORA_DATABASE_URL=sqlite:///x.db  (по умолчанию sqlite:///opora.db)")


def test_readme_lists_every_setting_as_the_object_describes_it() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- settings:begin -->\n", 1)[1].split("<!-- settings:end -->", 1)[0]
    assert table == markdown_table(), "regenerate with `opora settings --markdown`"
