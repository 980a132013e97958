"""Errors of the notification channels.

::

    DeliveryFailed      a channel could not hand the message over
                        permanent=True: retrying cannot help (the mail server refused the address
                        with a 5xx) — the delivery is marked failed at once; otherwise it is retried
                        with backoff until the attempts run out
    SealingFailed       a secret could not be encrypted or decrypted (no key, or another key)
    TargetRefused       a webhook URL resolves to an address requests must not go to (SSRF)
"""

from __future__ import annotations


class DeliveryFailed(Exception):
    def __init__(self, detail: str, *, permanent: bool = False) -> None:
        self.detail = detail[:500]
        self.permanent = permanent
        super().__init__(self.detail)


class SealingFailed(Exception):
    """A secret could not be encrypted or decrypted: no key configured, or the wrong key."""


class TargetRefused(Exception):
    """A webhook URL points where Opora must not send requests (loopback, private, link-local, reserved)."""

    def __init__(self, host: str, reason: str) -> None:
        self.host, self.reason = host, reason
        super().__init__(f"адрес «{host}» не допускается: {reason}")
