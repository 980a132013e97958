"""The client's address: the socket's peer, or — behind a trusted proxy — what the proxy says.

``X-Forwarded-For`` is believed only when the peer is one of ``OPORA_TRUSTED_PROXIES`` (addresses
or networks): the header is read from the right, skipping trusted proxies, and the first address
that is not one of them is the client. Anyone else could write any address into the header
and so escape the login throttle.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def parse_proxies(text: str) -> tuple[Network, ...]:
    """``10.0.0.5, 10.1.0.0/16`` → networks; ValueError (Russian) for a bad entry."""
    networks = []
    for item in (x.strip() for x in text.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"OPORA_TRUSTED_PROXIES: «{item}» — не адрес и не сеть") from None
    return tuple(networks)


def _trusted(address: str, proxies: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def client_address(peer: str, forwarded_for: str, proxies_text: str) -> str:
    """The client's address for a request from ``peer`` carrying ``X-Forwarded-For: forwarded_for``."""
    proxies = parse_proxies(proxies_text)
    if not proxies or not _trusted(peer, proxies):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, proxies):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # garbage from the client side: the proxy chain ends at the peer
    return hops[0] if hops else peer
