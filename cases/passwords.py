"""Password hashing (argon2id), the only module that imports argon2.

A login that does not exist is checked against a dummy hash of the same cost, so a wrong
password takes as long for an unknown login as for a known one (ASVS 2.2: no account
enumeration by timing).
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()
_dummy: list[str] = []


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if ``password`` matches; with no hash (an unknown login) argon2 runs on a dummy hash and says False."""
    if password_hash is None:
        if not _dummy:
            _dummy.append(_hasher.hash(secrets.token_urlsafe(16)))
        password_hash, password = _dummy[0], password + "\x00"  # never matches, costs the same
        _check(password_hash, password)
        return False
    return _check(password_hash, password)


def _check(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
