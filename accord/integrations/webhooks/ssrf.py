"""Which webhook URLs Accord may call (OWASP ASVS 5.0, 1.3.6: server-side request forgery).

A webhook URL is chosen by a user, and the server calls it: without checks it is a way to
reach the machine itself, the private network or the cloud metadata service (krayin#2584).
Only http(s) URLs whose host resolves to public addresses pass. The host is resolved once and
every address is checked, at save time and again at send time; the sender then connects to
the checked address (``webhooks.delivery``), so a DNS answer that changes between the check
and the connection (DNS rebinding) cannot redirect the request.

IPv6 forms that carry an IPv4 address (mapped, compatible, SIIT, NAT64, 6to4, Teredo) are
decided by that IPv4 address. Loopback can be allowed for local testing
(``WEBHOOKS_ALLOW_LOOPBACK``, 127.0.0.1 and ::1 only); 0.0.0.0, private,
link-local and metadata addresses never are.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]

ALLOWED_SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}

# Named for the error message and as documentation; ``address_refusal`` also refuses anything
# that Python does not consider globally routable.
BLOCKED_NETWORKS: tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str], ...] = (
    (ipaddress.ip_network("0.0.0.0/8"), "a 'this network' address"),
    (ipaddress.ip_network("127.0.0.0/8"), "a loopback address"),
    (ipaddress.ip_network("10.0.0.0/8"), "a private address"),
    (ipaddress.ip_network("172.16.0.0/12"), "a private address"),
    (ipaddress.ip_network("192.168.0.0/16"), "a private address"),
    (ipaddress.ip_network("169.254.0.0/16"), "a link-local (cloud metadata) address"),
    (ipaddress.ip_network("100.64.0.0/10"), "a shared (carrier-grade NAT) address"),
    (ipaddress.ip_network("::/128"), "the unspecified address"),
    (ipaddress.ip_network("::1/128"), "a loopback address"),
    (ipaddress.ip_network("fc00::/7"), "a private (unique local) address"),
    (ipaddress.ip_network("fe80::/10"), "a link-local address"),
)


class UnsafeUrl(ValueError):
    """A URL that Accord refuses to call; the message says why, for the person who typed it."""


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (``addresses``) and what to ask for."""

    scheme: str
    host: str  # as written in the URL (for the Host header and TLS server name)
    port: int
    path: str  # path and query, as sent in the request line
    addresses: tuple[str, ...]

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


# IPv6 forms that carry an IPv4 address inside; what they reach is decided by that IPv4
# address. Python's ``ipaddress`` knows IPv4-mapped, 6to4 and Teredo (``ipv4_mapped``,
# ``sixtofour``, ``teredo``); the other forms are written out here (RFC 4291 2.5.5.1,
# RFC 2765 SIIT, RFC 6052 NAT64), since their ``is_global`` says nothing about the IPv4 part:
# ``::127.0.0.1`` and ``::ffff:0:127.0.0.1`` count as global IPv6 addresses.
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_SIIT = ipaddress.ip_network("::ffff:0:0:0/96")
_NAT64_WELL_KNOWN = ipaddress.ip_network("64:ff9b::/96")
# RFC 8215 local-use NAT64: the operator chooses where the IPv4 address sits (any RFC 6052
# prefix length), so it cannot be read back; the prefix is never globally routed, so refuse it.
_NAT64_LOCAL_USE = ipaddress.ip_network("64:ff9b:1::/48")


def embedded_ipv4(address: IPAddress) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address maps or translates to (empty when none).

    Teredo names two: the relay server and the client (stored inverted; Python undoes it).
    ``::`` and ``::1`` are IPv6 addresses of their own, not IPv4-compatible ones.
    """
    if not isinstance(address, ipaddress.IPv6Address):
        return []
    if address.ipv4_mapped is not None:
        return [address.ipv4_mapped]
    if address.sixtofour is not None:
        return [address.sixtofour]
    if address.teredo is not None:
        return list(address.teredo)  # (server, client)
    low32 = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in _SIIT or address in _NAT64_WELL_KNOWN:
        return [low32]
    if address in _IPV4_COMPATIBLE and int(address) > 1:
        return [low32]
    return []


def _plain_refusal(address: IPAddress) -> str | None:
    for network, reason in BLOCKED_NETWORKS:
        if address.version == network.version and address in network:
            return reason
    if address.is_multicast:
        return "a multicast address"
    if not address.is_global:
        return "a reserved or non-public address"
    return None


def address_refusal(address: IPAddress, *, allow_loopback: bool) -> str | None:
    """Why Accord must not connect to ``address``, or None when it may.

    An IPv6 address that embeds IPv4 addresses is refused when any of them is refused; the
    loopback allowance does not extend to such forms (a NAT64 or 6to4 form of 127.0.0.1 goes
    through a translator, not to this machine's loopback receiver).
    """
    if isinstance(address, ipaddress.IPv6Address) and address in _NAT64_LOCAL_USE:
        return "a local-use NAT64 address"
    inner_addresses = embedded_ipv4(address)
    for inner in inner_addresses:
        reason = _plain_refusal(inner)
        if reason is not None:
            return f"{reason} (embedded in the IPv6 address)"
    if inner_addresses:
        return None  # decided by the public IPv4 address(es) it reaches
    if allow_loopback and address.is_loopback:
        return None
    return _plain_refusal(address)


def url_split(url: str) -> tuple[str, str, int, str]:
    """Scheme, host, port and request path of an http(s) URL; ``UnsafeUrl`` if it is not one."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise UnsafeUrl(f"The URL is not valid ({error}).") from error
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise UnsafeUrl("Only http:// and https:// URLs are allowed.")
    if not parts.hostname:
        raise UnsafeUrl("The URL has no host name.")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("The URL must not contain a user name or password.")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return scheme, parts.hostname, port or DEFAULT_PORTS[scheme], path


def system_resolve(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for ``host`` (IPv4 and IPv6)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def target_resolve(
    url: str, *, allow_loopback: bool, resolver: Resolver = system_resolve
) -> Target:
    """Check ``url`` and resolve its host; refuse it unless EVERY address is allowed.

    One bad address is enough to refuse: a host that resolves to a public and a private
    address would otherwise reach the private one whenever the resolver lists it first.
    """
    scheme, host, port, path = url_split(url)
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [str(literal)]
    else:
        try:
            addresses = list(resolver(host, port))
        except (OSError, UnicodeError) as error:
            raise UnsafeUrl(f"The host name {host} cannot be resolved.") from error
        if not addresses:
            raise UnsafeUrl(f"The host name {host} cannot be resolved.")
    for text in addresses:
        # Strip an IPv6 zone (fe80::1%eth0) before parsing; the address is link-local anyway.
        reason = address_refusal(
            ipaddress.ip_address(text.split("%", 1)[0]), allow_loopback=allow_loopback
        )
        if reason is not None:
            where = host if literal is not None else f"{host} ({text})"
            raise UnsafeUrl(f"The URL points to {reason}: {where}. Use a public address.")
    return Target(scheme=scheme, host=host, port=port, path=path, addresses=tuple(addresses))
