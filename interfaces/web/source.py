"""Where a request comes from (its source, for the sign-in lockout): the peer's address,
or, when the peer is a trusted reverse proxy (``UNIONFLOW_TRUSTED_PROXIES``), the
rightmost hop of ``X-Forwarded-For`` that is not one of them.

Each proxy appends the address it was reached from, so the hops right of the first
untrusted one were written by our proxies and the rest by whoever sent the request: a
client can put anything at the left of the header, never at its right. From a peer that
is not a trusted proxy, the header is not read at all.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from fastapi import Request

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
UNKNOWN = "unknown"  # a peer with no address (a Unix socket): one source for all of them


@lru_cache(maxsize=8)
def _networks(trusted: tuple[str, ...]) -> tuple[IpNetwork, ...]:
    return tuple(ipaddress.ip_network(t, strict=False) for t in trusted)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        found = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(found, ipaddress.IPv6Address) and found.ipv4_mapped is not None:
        return found.ipv4_mapped
    return found


def client_source(peer: str | None, forwarded_for: Iterable[str], trusted: Iterable[str]) -> str:
    """The source of a request from ``peer`` carrying these ``X-Forwarded-For`` headers."""
    networks = _networks(tuple(trusted))
    here = _address(peer) if peer else None
    if here is None:
        return UNKNOWN
    hops = [hop for header in forwarded_for for hop in header.split(",") if hop.strip()]
    while networks and any(here in n for n in networks) and hops:
        previous = _address(hops.pop())
        if previous is None:
            break  # our proxy wrote no such thing: keep the last hop we can believe
        here = previous
    return str(here)


def request_source(request: Request, trusted: Iterable[str]) -> str:
    """The source of this request (see ``client_source``)."""
    peer = request.client.host if request.client else None
    return client_source(peer, request.headers.getlist("x-forwarded-for"), trusted)
