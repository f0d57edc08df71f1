"""The SSRF address guard for outbound fetches of untrusted URLs, and the errors it raises.

A destination is acceptable only when *every* address its host resolves to is globally routable
unicast: no private, loopback, link-local, multicast, reserved, unspecified, CGNAT, documentation
or benchmarking range, no Teredo, and no non-public IPv4 hidden inside IPv6 (mapped, 6to4,
NAT64). An allow-list of IPs, CIDRs or hostnames exempts named destinations (tests allow
``127.0.0.1``). :mod:`trendpath.kit.fetch` runs this check on every redirect hop and connects to
the checked address; services also call :func:`resolve_checked` directly to validate a URL before
storing it (the News Service's "add feed").
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]
"""Async ``(host, port) -> addresses``; swap in a caching resolver, tests pin answers with it."""

# Ranges Python's ``is_global`` lets through (or that older Pythons misclassify) but that must never
# be a feed server: multicast, 6to4 relay, protocol assignments, benchmarking, documentation, ...
_BLOCKED_NETS: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24",
        "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
        "::/128", "::1/128", "::ffff:0:0/96", "64:ff9b:1::/48", "100::/64", "2001::/23",
        "2001:db8::/32", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
    )
)  # fmt: skip
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class FetchError(Exception):
    """Base of every fetch failure; ``url`` is the hop that failed."""

    def __init__(self, message: str, url: str) -> None:
        super().__init__(message)
        self.url = url


class UnsafeURLError(FetchError):
    """The URL itself is unacceptable: not http/https, no host, unparsable."""


class BlockedAddressError(UnsafeURLError):
    """The host resolves to a non-global address that the allow-list does not permit."""


class ConnectionFailedError(FetchError):
    """DNS failure, refused or reset connection, TLS or HTTP protocol error."""


def _embedded_ipv4(addr: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    if addr.sixtofour is not None:
        return addr.sixtofour
    if addr in _NAT64:
        return ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    return None


def is_public_address(addr: IPAddress) -> bool:
    """True only for globally routable unicast addresses (IPv4 inside IPv6 is unwrapped)."""
    if isinstance(addr, ipaddress.IPv6Address):
        addr = ipaddress.IPv6Address(int(addr))  # drop any %scope before the range checks
        inner = _embedded_ipv4(addr)
        if inner is not None and not is_public_address(inner):
            return False
    if any(addr in net for net in _BLOCKED_NETS):  # a version mismatch is simply False
        return False
    return addr.is_global and not (
        addr.is_private or addr.is_multicast or addr.is_reserved or addr.is_link_local
    )


def _allowed(host: str, addr: IPAddress, allow: Iterable[str]) -> bool:
    """Whether an allow-list entry (an IP, a CIDR or a hostname) exempts this host/address."""
    name = host.lower().rstrip(".")
    for entry in allow:
        try:
            if addr in ipaddress.ip_network(entry.strip(), strict=False):
                return True
        except ValueError:
            if entry.strip().lower().rstrip(".") == name:
                return True
    return False


async def system_resolver(host: str, port: int) -> list[str]:
    """Resolve ``host`` with the OS resolver; all addresses, in the order the OS prefers."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


async def resolve_checked(
    host: str, port: int, allow: Iterable[str] = (), resolver: Resolver | None = None
) -> list[str]:
    """Resolve ``host`` and return its addresses, raising BlockedAddressError if any is not public.

    Refusing when *any* address is non-public (not only the first) closes the trick of publishing
    one public and one private A record and hoping the client picks the private one.
    """
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        found = [str(literal)]
    else:
        try:
            found = list(await (resolver or system_resolver)(host, port))
        except OSError as exc:
            raise ConnectionFailedError(f"cannot resolve {host!r}: {exc}", host) from exc
    if not found:
        raise ConnectionFailedError(f"{host!r} has no addresses", host)
    for text in found:
        addr = ipaddress.ip_address(text.split("%", 1)[0])
        if not is_public_address(addr) and not _allowed(host, addr, allow):
            raise BlockedAddressError(f"{host!r} resolves to non-public address {addr}", host)
    return found
