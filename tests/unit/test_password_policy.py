"""The password policy on its own: the length limits, the shipped list of common passwords (with digits and
punctuation added at the end) and the login inside the password."""

from __future__ import annotations

import pytest

from cases.password_policy import MAX_LENGTH, MIN_LENGTH, common_passwords, password_problem


def test_twelve_characters_are_the_least_and_128_the_most() -> None:
    assert MIN_LENGTH == 12
    assert password_problem("тихий-сад-11") is None  # exactly 12
    assert password_problem("тихий-сад-1") == "пароль не короче 12 символов"
    assert password_problem("ж" * MAX_LENGTH) is None
    assert password_problem("ж" * (MAX_LENGTH + 1)) == "пароль не длиннее 128 символов"


def test_the_list_ships_with_the_package_and_holds_ten_thousand_passwords() -> None:
    common = common_passwords()
    assert len(common) == 10_000 and {"password", "qwerty", "iloveyou"} <= common
    assert all(not p.startswith("#") for p in common)


@pytest.mark.parametrize("password", ["123qweasdzxc", "Password2024!", "QWERTY123456789", "iloveyou!!!!2025"])
def test_a_common_password_is_refused_also_with_digits_or_punctuation_at_the_end(password: str) -> None:
    assert password_problem(password) == "это один из самых распространённых паролей — придумайте другой"


def test_a_password_containing_the_login_is_refused_in_any_case() -> None:
    assert password_problem("ivanova-2025-весна", login="Ivanova") == (
        "пароль не должен совпадать с логином или содержать его")
    assert password_problem("ivanova-2025-весна", login="petrova") is None
    assert password_problem("ivanova-2025-весна") is None  # no login given: only the other rules
