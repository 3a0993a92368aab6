"""Deadlines for reading a request, against slow clients (slowloris).

A socket timeout bounds one ``recv``; a client that sends a byte every few seconds never trips
it and holds its thread for as long as it likes. ``DeadlineReader`` re-arms the timeout before
every ``recv`` with what is left of an overall deadline: the request line and headers must be in
within ``HEAD_S`` of their first byte, a body within ``BODY_S`` plus its length at ``MIN_RATE``.
"""

from __future__ import annotations

import io
import socket
import time

IDLE_S = 120.0
"""How long a keep-alive connection may wait for its next request."""
HEAD_S = 10.0
BODY_S = 30.0
MIN_RATE = 32 * 1024
"""Bytes per second a body must arrive at, at least, beyond ``BODY_S``."""
WRITE_S = 60.0
"""Per ``send`` while answering: a client that stops reading is dropped."""


class DeadlineReader:
    """The read side of a connection with an overall deadline (None: plain socket timeouts)."""

    def __init__(self, raw: io.BufferedIOBase, sock: socket.socket):
        self._raw = raw
        self._sock = sock
        self.deadline: float | None = None

    def _arm(self) -> None:
        if self.deadline is None:
            return
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the client sends too slowly")
        self._sock.settimeout(left)

    def wait(self, idle: float) -> bool:
        """Wait up to ``idle`` seconds for the next request's first byte; False at its end."""
        self.deadline = None
        self._sock.settimeout(idle)
        return bool(self._raw.peek(1))

    def readline(self, limit: int = -1) -> bytes:
        out = bytearray()
        while limit < 0 or len(out) < limit:
            self._arm()
            chunk = self._raw.peek(1)
            if not chunk:
                break
            want = len(chunk) if limit < 0 else min(len(chunk), limit - len(out))
            end = chunk.find(b"\n", 0, want)
            out += self._raw.read(want if end < 0 else end + 1)
            if end >= 0:
                break
        return bytes(out)

    def read(self, size: int = -1) -> bytes:
        out = bytearray()
        while size < 0 or len(out) < size:
            self._arm()
            chunk = self._raw.read1(65536 if size < 0 else size - len(out))
            if not chunk:
                break
            out += chunk
        return bytes(out)

    @property
    def closed(self) -> bool:
        return self._raw.closed

    def close(self) -> None:
        self._raw.close()
