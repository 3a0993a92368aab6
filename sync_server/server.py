"""The threading HTTP server: overload limit, TLS, graceful stop; and ``serve`` for the CLI.

Requests in flight are bounded: beyond the limit a request is answered 429 at once instead of
queueing behind a slow disk. A long-poll does not count while it waits. Stopping closes the
listening socket, wakes long-polls, lets running requests (and so the running transaction)
finish, and only then may the caller close the store.
"""

from __future__ import annotations

import ctypes
import gc
import json
import logging
import os
import resource
import signal
import socket
import ssl
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from http.server import ThreadingHTTPServer
from typing import Any

from sync_server import restore
from sync_server.backend import is_postgres
from sync_server.handler import Handler
from sync_server.proxy import Network, TrustedProxies
from sync_server.ratelimit import RateLimits
from sync_server.store import ServerStore

log = logging.getLogger("wijkweb.server")

MALLOC_ARENAS = 2
"""glibc malloc arenas for the server process (glibc's default: 8 per core).

Each thread that allocates gets an arena of its own while there are fewer than the maximum,
and what a request frees stays in its thread's arena for reuse. A thread serves one
connection, so with many connections the peak of every request added up: a 5000-row pull
left ~25 MB behind per arena, ~185 MB in all for one benchmark run. Two arenas bound that."""
_M_ARENA_MAX = -8  # mallopt parameter number, from glibc's malloc.h


def tune_process() -> None:
    """Process-wide settings for a long-running server; call once, before serving.

    Bounds glibc's malloc arenas (``MALLOC_ARENAS``; other C libraries are left as they are) and
    moves the objects alive after start-up out of the garbage collector's sight (``gc.freeze``):
    a push parses ~15,000 containers, and each full collection walked all the imported modules'
    objects too. Raises the open-files limit to its hard limit: every connection is a file, and
    the default 1,024 is reached by a few addresses at their connection cap.
    """
    gc.freeze()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, hard), hard))
    except (ValueError, OSError):  # an unlimited hard limit may not be taken as is
        log.warning("could not raise the open-files limit (%d)", soft)
    try:
        is_glibc = os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (ValueError, OSError):
        is_glibc = ""
    if not is_glibc.startswith("glibc"):
        return
    try:
        ctypes.CDLL("libc.so.6").mallopt(_M_ARENA_MAX, MALLOC_ARENAS)
    except (OSError, AttributeError):
        log.warning("could not limit malloc arenas; memory use may grow with connections")


MAX_PER_ADDRESS = 64
"""Default cap on one address's open connections: a team's phones behind one NAT use one or two
each; a thousand idle sockets from one address would take every file descriptor."""


class SyncServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    min_client_schema = 1
    """Apps with an older local schema get ``426 upgrade_required`` (``serve
    --min-client-schema``): raise it when a release changes what the app must understand."""
    request_queue_size = 128

    def __init__(self, store: ServerStore, host: str = "127.0.0.1", port: int = 0, *,
                 max_in_flight: int = 32, max_per_address: int = MAX_PER_ADDRESS,
                 ssl_context: ssl.SSLContext | None = None,
                 trusted_proxies: Iterable[str | Network] = ()):
        self.store = store
        self.max_in_flight = max_in_flight
        self.max_per_address = max_per_address
        """Open connections one address may hold (0: no cap). A trusted proxy's are not
        capped: every client's requests come through them, and the proxy limits per client."""
        self.proxies = TrustedProxies(trusted_proxies)
        """Peers whose ``X-Real-IP``/``X-Forwarded-For`` name the client (``proxy``)."""
        self._connections: dict[str, int] = {}
        self.limits = RateLimits()
        """Failed logins and enrollments per IP and device; tests may set their own."""
        self.stopping = False
        self._ssl = ssl_context
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._in_flight = 0
        self._active = 0
        self._serving = False
        super().__init__((host, port), Handler)

    @property
    def tls(self) -> bool:
        return self._ssl is not None

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        assert isinstance(host, str)  # an AF_INET/AF_INET6 server's address: (host text, port)
        return f"{'https' if self._ssl else 'http'}://{host}:{port}"

    # ------------------------------------------------------------------ request accounting

    def enter(self) -> bool:
        """Start a request (``stop`` waits for it); False when stopping."""
        with self._lock:
            if self.stopping:
                return False
            self._active += 1
            return True

    @property
    def in_flight(self) -> int:
        """Requests being served now, a long-poll's wait not counted."""
        return self._in_flight

    def take_slot(self) -> bool | None:
        """Count a request whose body is in as in flight: True, False when over the limit
        (429), None when stopping."""
        with self._lock:
            if self.stopping:
                return None
            if self._in_flight >= self.max_in_flight:
                return False
            self._in_flight += 1
            return True

    def leave(self, slot: bool) -> None:
        with self._lock:
            self._active -= 1
            if slot:
                self._in_flight -= 1
            self._idle.notify_all()

    # ------------------------------------------------------------------ connections per address

    def process_request(self, request: Any, client_address: Any) -> None:
        """Admit a connection if its address has fewer than ``max_per_address`` open, or is
        a trusted proxy; otherwise answer 429 ``too_many_connections`` (best effort) and close
        at once."""
        address = client_address[0]
        capped = bool(self.max_per_address) and not self.proxies.trusts(address)
        with self._lock:
            count = self._connections.get(address, 0)
            if capped and count >= self.max_per_address:
                admitted = False
            else:
                self._connections[address] = count + 1
                admitted = True
        if not admitted:
            _refuse_connection(request)
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._forget(address)
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._forget(client_address[0])

    def connections(self, address: str) -> int:
        """Open connections from ``address`` now."""
        with self._lock:
            return self._connections.get(address, 0)

    def _forget(self, address: str) -> None:
        with self._lock:
            left = self._connections.get(address, 1) - 1
            if left > 0:
                self._connections[address] = left
            else:
                self._connections.pop(address, None)

    @contextmanager
    def parked(self) -> Iterator[None]:
        """A long-poll waits here without holding one of the in-flight slots."""
        with self._lock:
            self._in_flight -= 1
        try:
            yield
        finally:
            with self._lock:
                self._in_flight += 1

    # ------------------------------------------------------------------ lifecycle

    def serve_forever(self, poll_interval: float = 0.1) -> None:
        self._serving = True
        try:
            super().serve_forever(poll_interval)
        finally:
            self._serving = False

    def stop(self, timeout: float = 15.0) -> None:
        """Stop accepting, wake long-polls, wait for running requests; the store stays open."""
        with self._lock:
            self.stopping = True
        if self._serving:
            self.shutdown()
        self.socket.close()
        self.store.wake_all()
        with self._idle:
            if not self._idle.wait_for(lambda: self._active == 0, timeout):
                log.warning("stopping with %d requests still running", self._active)
        self.server_close()

    def finish_request(self, request: Any, client_address: Any) -> None:
        if self._ssl is None:
            super().finish_request(request, client_address)
            return
        request.settimeout(Handler.head_timeout)
        try:
            first = request.recv(1, socket.MSG_PEEK)
        except OSError:
            return
        if first and first[0] != TLS_HANDSHAKE:
            _refuse_plain_http(request)
            return
        try:  # in the connection's own thread; the timeout bounds the whole handshake
            tls = self._ssl.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            log.info("TLS handshake failed from %s: %s", client_address[0], exc)
            return
        try:
            super().finish_request(tls, client_address)
        finally:
            tls.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("connection error from %s", client_address[0], exc_info=True)


TLS_HANDSHAKE = 0x16
"""The first byte of every TLS connection (a handshake record); plain HTTP starts with a
letter."""
_PLAIN_REFUSAL = json.dumps({"code": "tls_required", "message": "This server speaks HTTPS "
                             "only: use an https:// address."}).encode()


_BUSY = json.dumps({"code": "too_many_connections", "message": "This address has too many "
                   "connections open; close some and try again."}).encode()


def _refuse_connection(sock: socket.socket) -> None:
    """429 on a connection over its address's cap, written without waiting (the accepting
    thread must not block), and nothing read."""
    try:
        sock.setblocking(False)
        sock.send(b"HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n"
                  b"Retry-After: 5\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s"
                  % (len(_BUSY), _BUSY))
    except OSError:
        pass


def _refuse_plain_http(sock: socket.socket) -> None:
    """Answer a plain-HTTP request on the TLS port with 400 ``tls_required``, then close.

    Nothing it sent is acted on. The head is read first (briefly) so that closing does not
    reset the connection before the client has read the answer.
    """
    try:
        sock.settimeout(1.0)
        seen = b""
        while b"\r\n\r\n" not in seen and len(seen) < 65536:
            chunk = sock.recv(4096)
            if not chunk:
                break
            seen += chunk
        sock.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
                     b"Connection: close\r\nContent-Length: %d\r\n\r\n%s"
                     % (len(_PLAIN_REFUSAL), _PLAIN_REFUSAL))
        sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def tls_context(cert: str, key: str) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    return ctx


def serve(db: str, host: str = "127.0.0.1", port: int = 8765, *, tls_cert: str | None = None,
          tls_key: str | None = None, max_in_flight: int = 32, durability: str = "full",
          min_client_schema: int = 1, max_per_address: int = MAX_PER_ADDRESS,
          trusted_proxies: Iterable[str | Network] = ()) -> int:
    """Run until SIGTERM or Ctrl-C, then stop gracefully. Prints the URL once listening."""
    ctx = tls_context(tls_cert, tls_key) if tls_cert and tls_key else None
    tune_process()
    options = dict(max_in_flight=max_in_flight, max_per_address=max_per_address,
                   ssl_context=ctx, trusted_proxies=tuple(trusted_proxies))
    if is_postgres(db):  # several server processes share a PostgreSQL database
        return _serve(db, host, port, durability, min_client_schema, options)
    with restore.exclusive(db):  # no second server, and no restore, while this one runs
        return _serve(db, host, port, durability, min_client_schema, options)


def _serve(db: str, host: str, port: int, durability: str, min_client_schema: int,
           options: dict[str, Any]) -> int:
    """``serve`` once ``db`` may be served: open it, serve until told to stop, close it.
    ``options``: ``SyncServer``'s keywords."""
    store = ServerStore(db, durability=durability)
    try:
        server = SyncServer(store, host, port, **options)
        server.min_client_schema = min_client_schema
    except OSError:
        store.close()
        raise
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    thread = threading.Thread(target=server.serve_forever, name="accept", daemon=True)
    thread.start()
    log.info("listening on %s (database %s)", server.url, db)
    print(f"listening on {server.url}", flush=True)
    while not stop.wait(0.5):
        pass
    log.info("stopping")
    server.stop()
    store.close()
    log.info("stopped")
    return 0
