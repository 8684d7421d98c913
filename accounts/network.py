"""Who is asking: the client's address, read through the reverse proxies we trust."""

from __future__ import annotations

import functools
import ipaddress

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.cache
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _is_trusted_proxy(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip in network for network in networks)


def client_address(request) -> str:
    """The address a request comes from (sign-in failures are counted against it).

    The peer's address, unless the peer is one of settings.TRUSTED_PROXIES: then the right-most
    address in X-Forwarded-For that is not a trusted proxy, the one our own proxy saw. Anything
    left of it was written by the client and is ignored, so is the header from anyone else.
    """
    address = request.META.get("REMOTE_ADDR") or "unknown"
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    if not _is_trusted_proxy(address, networks):
        return address
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed([hop.strip() for hop in forwarded.split(",") if hop.strip()]):
        address = hop[:64]
        if not _is_trusted_proxy(address, networks):
            break
    return address
