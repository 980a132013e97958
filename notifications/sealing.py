"""Secrets at rest: webhook signing secrets are stored encrypted (the only module importing ``cryptography``).

The key comes from the environment (``OPORA_SECRET_KEY``, any long random text); a stolen
database alone does not yield the secrets that sign webhooks. Stored values look like
``fernet:<token>`` (Fernet: AES-128-CBC with HMAC-SHA256, authenticated); a value without
the prefix is an old plain-text row, which the schema migration encrypts.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

from notifications.errors import SealingFailed

PREFIX = "fernet:"
#: the key text must be at least this long (a passphrase short enough to guess protects nothing)
MIN_KEY_LENGTH = 16


class Sealer:
    """Encrypts and decrypts short secrets with a key derived from ``OPORA_SECRET_KEY``."""

    def __init__(self, key_text: str) -> None:
        key_text = key_text.strip()
        self.configured = len(key_text) >= MIN_KEY_LENGTH
        digest = hashlib.sha256(key_text.encode("utf-8")).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def _require(self) -> None:
        if not self.configured:
            raise SealingFailed(f"не задан ключ шифрования OPORA_SECRET_KEY (не короче {MIN_KEY_LENGTH} символов)")

    def seal(self, plain: str) -> str:
        """The stored form of ``plain``; raises SealingFailed without a key."""
        self._require()
        return PREFIX + self._fernet.encrypt(plain.encode("utf-8")).decode("ascii")

    def open(self, stored: str) -> str:
        """The plain secret; raises SealingFailed without a key or for a value sealed with another key."""
        if not stored.startswith(PREFIX):
            return stored  # written before encryption existed and not migrated yet
        self._require()
        try:
            return self._fernet.decrypt(stored[len(PREFIX):].encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise SealingFailed("секрет зашифрован другим ключом (проверьте OPORA_SECRET_KEY)") from None


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)
