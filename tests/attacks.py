"""Raw-socket attack requests on the sync server, shared by ``test_server_attacks.py`` (short,
checked runs) and ``bench/attack_bench.py`` (minute-long runs beside a syncing device).

Attackers connect from other loopback addresses than the legitimate device (127.0.0.2 and
up), so a per-address cap is theirs alone.
"""

from __future__ import annotations

import gzip
import json
import socket
from typing import Any

from sync_server.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION

ATTACKER = "127.0.0.2"
MIB = 1024 * 1024


def connect(address: tuple[str, int], source: str = ATTACKER,
            timeout: float = 30) -> socket.socket:
    return socket.create_connection(address, timeout=timeout, source_address=(source, 0))


def answer(sock: socket.socket) -> tuple[int, dict[str, Any] | None]:
    """One HTTP answer: (status, JSON body); (0, None) if the server closed without one."""
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                return 0, None
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length")))
        while len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                return 0, None
            body += chunk
    except ConnectionResetError:
        return 0, None
    return int(head.split()[1]), json.loads(body[:length])


def closed(sock: socket.socket) -> bool:
    """True once the server has closed the connection (waits for it, bounded by the timeout)."""
    try:
        return sock.recv(65536) == b""
    except ConnectionResetError:
        return True


def head(method: str, path: str, *lines: str, token: str | None = None) -> bytes:
    auth = [f"Authorization: Bearer {token}"] if token else []
    proto = f"{PROTOCOL_HEADER}: {PROTOCOL_VERSION}"
    return "\r\n".join([f"{method} {path} HTTP/1.1", "Host: x", proto, *auth, *lines, "", ""]
                       ).encode()


SMUGGLED = head("POST", "/v1/push", "Content-Length: 2").decode() + "{}"
"""A second request hidden where a lenient parser would take the first one's body to end."""

FRAMING = {
    "chunk size -1": ("Transfer-Encoding: chunked", "-1\r\n"),
    "chunk size 0x2": ("Transfer-Encoding: chunked", "0x2\r\n{}\r\n0\r\n\r\n"),
    "chunk size +2": ("Transfer-Encoding: chunked", "+2\r\n{}\r\n0\r\n\r\n"),
    "chunk size 0_2": ("Transfer-Encoding: chunked", "0_2\r\n{}\r\n0\r\n\r\n"),
    "chunk size empty": ("Transfer-Encoding: chunked", "\r\n{}\r\n0\r\n\r\n"),
    "chunk size too long": ("Transfer-Encoding: chunked", "000000002\r\n{}\r\n0\r\n\r\n"),
    "chunk size bare LF": ("Transfer-Encoding: chunked", "2\n{}\r\n0\r\n\r\n"),
    "chunk without CRLF": ("Transfer-Encoding: chunked", "2\r\n{}XX0\r\n\r\n"),
    "two Content-Length": ("Content-Length: 2\r\nContent-Length: 2", "{}"),
    "Content-Length list": ("Content-Length: 2, 2", "{}"),
    "Content-Length +2": ("Content-Length: +2", "{}"),
    "Content-Length hex": ("Content-Length: 0x2", "{}"),
    "Content-Length superscript": ("Content-Length: \u00b2", "{}"),
    "CL and chunked": (f"Content-Length: {len(SMUGGLED) + 5}\r\nTransfer-Encoding: chunked",
                       "0\r\n\r\n" + SMUGGLED),
    "TE gzip": ("Transfer-Encoding: gzip", "{}"),
    "TE chunked twice": ("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked",
                         "0\r\n\r\n"),
    "TE chunked, chunked": ("Transfer-Encoding: chunked, chunked", "0\r\n\r\n"),
    "TE with a space in the name": ("Transfer-Encoding : chunked", "0\r\n\r\n"),
    "folded header": ("Transfer-Encoding: identity\r\n chunked", "0\r\n\r\n"),
}
"""Ambiguous framings (header lines, body), each followed on the wire by ``SMUGGLED``."""


def framing_attack(name: str, token: str) -> bytes:
    headers, body = FRAMING[name]
    return (head("POST", "/v1/push", headers, token=token) + body.encode("latin-1")
            + SMUGGLED.encode())


def enroll_bomb(inner: bytes, size: int) -> bytes:
    """A gzipped enrollment whose label is ``size`` bytes of ``inner`` repeated, as a request."""
    body = gzip.compress(b'{"code":"AAAA-BBBB-CCCC","device":"bomb","label":[' + inner * (
        size // len(inner)) + b"0]}", 9)
    return head("POST", "/v1/enroll", "Content-Encoding: gzip",
                f"Content-Length: {len(body)}") + body


def changed_by_others(before: list[Any], after: list[Any], legit: str) -> list[Any]:
    """Rows (of ``dump_db``) added or removed by anyone but device ``legit`` (the ``meta``
    counters move with its pushes)."""
    old = {table: set(map(repr, rows)) for table, rows in before}
    new = {table: set(map(repr, rows)) for table, rows in after}
    return [(table, row) for table in old.keys() | new.keys() if table != "meta"
            for row in old.get(table, set()) ^ new.get(table, set()) if legit not in row]
