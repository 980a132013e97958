"""Webhooks: the only module that speaks HTTP to the outside (``httpx``).

Each delivery is one JSON ``POST`` to the endpoint's URL with the headers

* ``X-Opora-Signature: sha256=<hex>`` — HMAC-SHA256 of the raw body with the endpoint's secret;
* ``X-Opora-Delivery: <key>`` — the delivery's unique key: the same for every retry of the same
  message, so a receiver that remembers the keys it has processed never acts twice (a crash
  between a successful POST and recording it is the one case in which the POST is repeated);
* ``X-Opora-Event: <kind>``.

A 2xx answer is success; any other answer, a timeout or a refused connection is retried. Only
the status code of an answer is kept, never its body. Redirects are not followed.

Where requests may go (SSRF, ASVS 12.6 / 5.2.6): the host is resolved and every address must be
public — loopback, private, link-local, shared, multicast and reserved ranges are refused — both
when the administrator registers the URL and again at every connection; the request then goes to
the very address that was checked (the TCP connection is pinned to it, the ``Host`` header and TLS
SNI keep the name), so a DNS answer that changes in between cannot point it inside. Host names in
``OPORA_WEBHOOK_ALLOW_HOSTS`` are exempt (an internal receiver the operator trusts).

One overall deadline covers the whole request — connecting, sending and the answer's headers —
so a receiver that trickles its answer a byte at a time cannot hold the worker longer than that.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import anyio
import httpx

from notifications.errors import DeliveryFailed, TargetRefused

SIGNATURE_HEADER, DELIVERY_HEADER, EVENT_HEADER = "X-Opora-Signature", "X-Opora-Delivery", "X-Opora-Event"
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def sign(secret: str, body: bytes) -> str:
    """``sha256=<hex>``: what the receiver recomputes over the raw body to check the sender."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def encode(document: dict[str, Any]) -> bytes:
    """The body: compact UTF-8 JSON with sorted keys (the signature covers exactly these bytes)."""
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def refused_range(ip: Address) -> str | None:
    """Why requests must not go to ``ip`` (Russian), or None for a public address."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    checks = (("is_loopback", "адрес этого же компьютера"), ("is_link_local", "локальный адрес канала"),
              ("is_private", "адрес внутренней сети"), ("is_multicast", "групповой адрес"),
              ("is_unspecified", "неопределённый адрес"), ("is_reserved", "зарезервированный адрес"))
    for attribute, reason in checks:
        if getattr(ip, attribute):
            return reason
    if isinstance(ip, ipaddress.IPv4Address) and ip in ipaddress.ip_network("100.64.0.0/10"):
        return "адрес внутренней сети провайдера"
    return None


def resolve(host: str, port: int) -> list[Address]:
    """Every address ``host`` resolves to (an IP literal resolves to itself); TargetRefused if none."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise TargetRefused(host, "имя не найдено в DNS") from None
    found: list[Address] = []
    for info in infos:
        ip = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if ip not in found:
            found.append(ip)
    if not found:
        raise TargetRefused(host, "имя не найдено в DNS")
    return found


def check_target(url: str, allow_hosts: Iterable[str] = ()) -> list[Address]:
    """The addresses ``url`` may be sent to; raises TargetRefused when any of them is not public.

    Every address of the name is checked (not only the first): a name with one public and one
    internal address is refused.
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host:
        raise TargetRefused(url, "в адресе нет имени сервера")
    addresses = resolve(host, parts.port or (443 if parts.scheme == "https" else 80))
    if host in {h.strip().lower() for h in allow_hosts if h.strip()}:
        return addresses
    for ip in addresses:
        reason = refused_range(ip)
        if reason:
            raise TargetRefused(host, f"{reason} ({ip}); внутренние приёмники разрешает OPORA_WEBHOOK_ALLOW_HOSTS")
    return addresses


def _pinned(url: str, ip: Address) -> tuple[str, str, str]:
    """(the URL with the checked address instead of the name, the Host header, the TLS server name)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    literal = f"[{ip}]" if isinstance(ip, ipaddress.IPv6Address) else str(ip)
    netloc = literal + (f":{parts.port}" if parts.port else "")
    host_header = (f"[{host}]" if ":" in host else host) + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, "")), host_header, host


async def _send(url: str, headers: dict[str, str], body: bytes, sni: str, deadline: float) -> int:
    extensions = {"sni_hostname": sni} if url.startswith("https:") else {}
    async with httpx.AsyncClient(timeout=deadline, follow_redirects=False, trust_env=False) as client:
        with anyio.fail_after(deadline):
            async with client.stream("POST", url, content=body, headers=headers, extensions=extensions) as response:
                return response.status_code  # the body is never read: only the status is kept


def post(url: str, secret: str, body: bytes, *, key: str, kind: str, timeout: float,
         allow_hosts: Iterable[str] = ()) -> None:
    """POST the signed body within one overall deadline of ``timeout`` seconds.

    Raises :class:`DeliveryFailed` unless the receiver answers 2xx within the deadline (permanent
    when the address is refused: retrying cannot help until the administrator fixes it).
    """
    try:
        address = check_target(url, allow_hosts)[0]
    except TargetRefused as exc:
        raise DeliveryFailed(str(exc), permanent=True) from exc
    pinned, host_header, sni = _pinned(url, address)
    headers = {"Host": host_header, "Content-Type": "application/json; charset=utf-8", "User-Agent": "Opora-Webhooks/1",
               SIGNATURE_HEADER: sign(secret, body), DELIVERY_HEADER: key, EVENT_HEADER: kind}
    try:
        status = anyio.run(_send, pinned, headers, body, sni, timeout)
    except TimeoutError:
        raise DeliveryFailed(f"нет ответа за {timeout:g} с") from None
    except httpx.HTTPError as exc:
        raise DeliveryFailed(f"HTTP: {type(exc).__name__}") from exc
    if not 200 <= status < 300:
        raise DeliveryFailed(f"HTTP {status}")
