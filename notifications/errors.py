"""Errors of the notification channels.

::

    DeliveryFailed      a channel could not hand the message over
                        permanent=True: retrying cannot help (the mail server refused the address
                        with a 5xx) — the delivery is marked failed at once; otherwise it is retried
                        with backoff until the attempts run out
"""

from __future__ import annotations


class DeliveryFailed(Exception):
    def __init__(self, detail: str, *, permanent: bool = False) -> None:
        self.detail = detail[:500]
        self.permanent = permanent
        super().__init__(self.detail)
