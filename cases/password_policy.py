"""The password policy (ASVS 2.1): long enough, not a common password, not the login.

* at least :data:`MIN_LENGTH` characters (12) and at most :data:`MAX_LENGTH` (128);
* not one of the 10,000 most common passwords shipped with the package (``common_passwords.txt``),
  compared in lower case, also with digits and punctuation stripped from its end
  (``Password2024!`` is ``password``);
* neither equal to the login nor containing it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

MIN_LENGTH = 12
MAX_LENGTH = 128
COMMON = Path(__file__).resolve().parent / "common_passwords.txt"
_TAIL = "0123456789!@#$%^&*()-_=+.,;:?/\\|~`'\" "


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def password_problem(password: str, login: str = "") -> str | None:
    """Why ``password`` is refused (Russian, for the field), or None if it may be used."""
    if len(password) < MIN_LENGTH:
        return f"пароль не короче {MIN_LENGTH} символов"
    if len(password) > MAX_LENGTH:
        return f"пароль не длиннее {MAX_LENGTH} символов"
    lowered = password.lower()
    stem = lowered.rstrip(_TAIL)
    if lowered in common_passwords() or (len(stem) >= 4 and stem in common_passwords()):
        return "это один из самых распространённых паролей — придумайте другой"
    name = login.strip().lower()
    if name and name in lowered:
        return "пароль не должен совпадать с логином или содержать его"
    return None
