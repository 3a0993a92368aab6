"""Deadlines and a minimum receive rate for reading a request, against slow clients (slowloris).

A socket timeout bounds one ``recv``; a client that sends a byte every few seconds never trips
it and holds its thread for as long as it likes. ``DeadlineReader`` re-arms the timeout before
every ``recv``: the request line and headers must be in within ``HEAD_S`` of their first byte,
and a body must keep pace: each ``PACE_BYTES`` of it (or its rest) within ``PACE_WINDOW_S``, the
first within ``BODY_S`` (a grace for a slow start). A deadline that grew with the *declared*
length let one connection that declared 8 MiB and sent nothing stay for minutes.
"""

from __future__ import annotations

import io
import socket
import time

IDLE_S = 120.0
"""How long a keep-alive connection may wait for its next request."""
HEAD_S = 10.0
BODY_S = 10.0
"""Grace for a body's first ``PACE_BYTES``."""
PACE_WINDOW_S = 5.0
PACE_BYTES = 32 * 1024
"""A body arrives at ``PACE_BYTES / PACE_WINDOW_S`` (6.4 KiB/s) at least, window by window."""
WRITE_S = 60.0
"""Per ``send`` while answering: a client that stops reading is dropped."""


class ClientGone(ConnectionError):
    """The client closed its side before its request was in: nobody is left to answer."""


class DeadlineReader:
    """The read side of a connection with an overall deadline or a pace (None: plain socket
    timeouts). While ``head`` is a list, the lines read are kept in it (strict framing checks
    need the raw head: bare LF, folded lines)."""

    def __init__(self, raw: io.BufferedReader, sock: socket.socket):
        self._raw = raw
        self._sock = sock
        self.deadline: float | None = None
        self.head: list[bytes] | None = None
        self._pace_left = 0  # body bytes still expected (a chunked body: the cap)
        self._window_need = 0

    def pace(self, grace: float, expected: int) -> None:
        """From now on, read a body of up to ``expected`` bytes at ``PACE_BYTES`` per window."""
        self._pace_left = expected
        self._next_window(grace)

    def _next_window(self, length: float) -> None:
        self.deadline = time.monotonic() + length
        self._window_need = min(PACE_BYTES, self._pace_left)

    def _got(self, count: int) -> None:
        if self._window_need <= 0:
            return
        self._pace_left -= count
        self._window_need -= count
        if self._window_need <= 0 and self._pace_left > 0:
            self._next_window(PACE_WINDOW_S)

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
        self._window_need = 0
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
            part = self._raw.read(want if end < 0 else end + 1)
            self._got(len(part))
            out += part
            if end >= 0:
                break
        if self.head is not None:
            self.head.append(bytes(out))
        return bytes(out)

    def read(self, size: int) -> bytes:
        """Exactly ``size`` bytes, fewer only at the end of the stream (never unbounded)."""
        if size < 0:
            raise ValueError("a read needs a bound")
        out = bytearray()
        while len(out) < size:
            self._arm()
            chunk = self._raw.read1(size - len(out))
            if not chunk:
                break
            self._got(len(chunk))
            out += chunk
        return bytes(out)

    @property
    def closed(self) -> bool:
        return self._raw.closed

    def close(self) -> None:
        self._raw.close()
