"""Webhooks: the only module that speaks HTTP to the outside (``httpx``).

Each delivery is one JSON ``POST`` to the endpoint's URL with the headers

* ``X-Opora-Signature: sha256=<hex>`` — HMAC-SHA256 of the raw body with the endpoint's secret;
* ``X-Opora-Delivery: <key>`` — the delivery's unique key: the same for every retry of the same
  message, so a receiver that remembers the keys it has processed never acts twice (a crash
  between a successful POST and recording it is the one case in which the POST is repeated);
* ``X-Opora-Event: <kind>``.

A 2xx answer is success; any other answer, a timeout or a refused connection is retried.
Redirects are not followed (the receiver's URL is what the administrator configured).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import httpx

from notifications.errors import DeliveryFailed

SIGNATURE_HEADER, DELIVERY_HEADER, EVENT_HEADER = "X-Opora-Signature", "X-Opora-Delivery", "X-Opora-Event"


def sign(secret: str, body: bytes) -> str:
    """``sha256=<hex>``: what the receiver recomputes over the raw body to check the sender."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def encode(document: dict[str, Any]) -> bytes:
    """The body: compact UTF-8 JSON with sorted keys (the signature covers exactly these bytes)."""
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def post(url: str, secret: str, body: bytes, *, key: str, kind: str, timeout: float) -> None:
    """POST the signed body; raises :class:`DeliveryFailed` unless the receiver answers 2xx."""
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "Opora-Webhooks/1",
               SIGNATURE_HEADER: sign(secret, body), DELIVERY_HEADER: key, EVENT_HEADER: kind}
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=timeout, follow_redirects=False)
    except httpx.HTTPError as exc:
        raise DeliveryFailed(f"HTTP: {type(exc).__name__}: {exc}") from exc
    if not 200 <= response.status_code < 300:
        raise DeliveryFailed(f"HTTP {response.status_code}: {response.text[:200]}")
