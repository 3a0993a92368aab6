"""A small TCP proxy between a device and the sync server that misbehaves on request.

It understands just enough HTTP/1.1 to find where a request or an answer ends (headers, then
``Content-Length`` bytes), so each fault hits one exchange: ``drop`` (the request never arrives),
``lose`` (the server acted, the answer never comes back), ``truncate`` (half an answer, then the
connection closes), ``duplicate`` (the server gets the request twice, the device sees the second
answer), ``delay`` (up to ``max_delay`` seconds each way), ``stall`` (no answer until the device
gives up). ``partitioned`` cuts every connection. Rates and partitions change while it runs.
"""

from __future__ import annotations

import random
import socket
import threading
import time
from collections import Counter
from typing import BinaryIO

FAULTS = ("drop", "lose", "truncate", "duplicate", "delay", "stall")


def read_message(stream: BinaryIO) -> bytes | None:
    """One HTTP message (head and body) from ``stream``; None at a clean end of stream."""
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        line = stream.readline(65536)
        if not line:
            return None
        head += line
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    body = stream.read(length) if length else b""
    if len(body) < length:
        return None
    return head + body


class FaultProxy:
    """Listens on 127.0.0.1 (an ephemeral port) and forwards to ``upstream``."""

    def __init__(self, rnd: random.Random, upstream: tuple[str, int] | None = None, *,
                 max_delay: float = 0.3, stall: float = 2.5):
        self.upstream = upstream
        self.rates: dict[str, float] = {}
        self.partitioned = False
        self.max_delay = max_delay
        self.stall = stall
        self.counts: Counter[str] = Counter()
        self._rnd = rnd
        self._lock = threading.Lock()
        self._closed = False
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._conns: set[socket.socket] = set()
        threading.Thread(target=self._accept, daemon=True, name="fault-proxy").start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def heal(self) -> None:
        self.rates = {}
        self.partitioned = False

    def cut_all(self) -> None:
        """Break every open connection now (a phone that walks into a lift)."""
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            _shut(conn)

    def close(self) -> None:
        self._closed = True
        _shut(self._listener)
        self._listener.close()
        self.cut_all()

    # ------------------------------------------------------------------ internals

    def _pick(self) -> str:
        with self._lock:
            roll = self._rnd.random()
            for fault, rate in self.rates.items():
                if roll < rate:
                    return fault
                roll -= rate
            return "ok"

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        upstream: socket.socket | None = None
        with self._lock:
            self._conns.add(client)
        try:
            client_in = client.makefile("rb")
            while True:
                request = read_message(client_in)
                if request is None:
                    return
                if self.partitioned:
                    self.counts["partition"] += 1
                    return
                fault = self._pick()
                self.counts[fault] += 1
                if fault == "drop":
                    return
                if fault == "stall":
                    time.sleep(self.stall)
                    return
                if fault == "delay":
                    time.sleep(self._rnd.uniform(0, self.max_delay))
                if upstream is None:
                    if self.upstream is None:
                        return
                    upstream = socket.create_connection(self.upstream, timeout=60)
                    with self._lock:
                        self._conns.add(upstream)
                    upstream_in = upstream.makefile("rb")
                upstream.sendall(request)
                answer = read_message(upstream_in)
                if answer is not None and fault == "duplicate":
                    upstream.sendall(request)
                    answer = read_message(upstream_in)
                if answer is None or fault == "lose":
                    return
                if fault == "delay":
                    time.sleep(self._rnd.uniform(0, self.max_delay))
                if fault == "truncate":
                    client.sendall(answer[:self._rnd.randrange(1, len(answer))])
                    return
                client.sendall(answer)
                if b"\r\nconnection: close" in answer.split(b"\r\n\r\n", 1)[0].lower():
                    return
        except (OSError, ValueError):
            return
        finally:
            for conn in (client, upstream):
                if conn is not None:
                    with self._lock:
                        self._conns.discard(conn)
                    _shut(conn)
                    conn.close()


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
