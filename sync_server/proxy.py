"""Whose request it is behind a reverse proxy the operator trusts (``serve --trusted-proxy``).

Behind nginx every request comes from the proxy's own address, so the per-address limits
(failed tokens, failed enrollment codes) would count every client as one, and one attacker
could spend everybody's attempts. Only a TCP peer the operator named may therefore say whose
request it forwards: from it, ``X-Real-IP`` (or else the *last* entry of ``X-Forwarded-For``,
the one the proxy itself added; earlier entries are whatever the client claimed) is the client
address. From any other peer both headers are ignored, so a client cannot pick its own address.
A value that is not an IP address is not believed either: the peer's address stands.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from email.message import Message
from typing import NamedTuple

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def network(text: str) -> Network:
    """A trusted proxy as given on the command line: an address (``127.0.0.1``) or a network
    (``10.0.0.0/24``); ValueError for anything else."""
    return ipaddress.ip_network(text.strip(), strict=True)


class Client(NamedTuple):
    """The address a request is counted under, and the forwarded value that was refused (not
    an IP address), if any, for the log."""

    address: str
    refused: str | None = None


class TrustedProxies:
    """The peers whose forwarding headers are believed; none by default."""

    def __init__(self, proxies: Iterable[str | Network] = ()):
        self.networks = tuple(network(p) if isinstance(p, str) else p for p in proxies)

    def trusts(self, peer: str) -> bool:
        """True when ``peer`` (a TCP peer address) is one of the trusted proxies."""
        if not self.networks:
            return False
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        return any(address in net for net in self.networks)

    def client(self, peer: str, headers: Message) -> Client:
        """The client address of a request that came from ``peer`` with ``headers``."""
        if not self.trusts(peer):
            return Client(peer)
        value = _forwarded(headers)
        if value is None:  # the proxy's own request (a health check), not a forwarded one
            return Client(peer)
        try:
            return Client(str(ipaddress.ip_address(value.strip())))
        except ValueError:
            return Client(peer, value)


def _forwarded(headers: Message) -> str | None:
    """``X-Real-IP`` if present (twice is not an address), else the last entry of all
    ``X-Forwarded-For`` lines together; None without either."""
    real = headers.get_all("X-Real-IP") or []
    if real:
        return real[0] if len(real) == 1 else ", ".join(real)
    chain = headers.get_all("X-Forwarded-For") or []
    return ",".join(chain).rsplit(",", 1)[-1] if chain else None
