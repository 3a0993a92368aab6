"""HTTP plumbing: strict framing (``framing``), bounded (and gzip-bomb-safe) bodies read at a
minimum pace, auth headers, JSON errors, request log.

Every answer is JSON with a ``Content-Length`` (keep-alive needs it), gzipped when the client
accepts it and the body is over 1 KB. Nothing a client sends can produce a 500: refusals are
``Refusal`` (answered with their status from ``http_errors``), and an unexpected exception
becomes ``internal`` only as a last resort.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import sqlite3
import time
import zlib
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import parse_qsl

from sync_server import api, framing, policy, timeouts
from sync_server.errors import Refusal, bad_request, unavailable
from sync_server.http_errors import ApiError, as_api_error
from wijkweb_protocol import (
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    SCHEMA_HEADER,
    STORAGE_HEADER,
)

if TYPE_CHECKING:
    from sync_server.server import SyncServer
    from sync_server.store import Device

log = logging.getLogger("wijkweb.server")

MAX_BODY = api.MAX_BODY
GZIP_MIN = api.GZIP_MIN
CLIENT_GONE = 499
"""Logged (never sent) for a request whose client hung up before its answer, as nginx does."""
TOKEN_PREFIX = 8
"""Failed tokens are counted per address and per this many leading characters."""
_JSON = "application/json"


class Handler(BaseHTTPRequestHandler):
    """One connection; serves its requests one after another (HTTP/1.1 keep-alive)."""

    server: SyncServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = timeouts.IDLE_S  # an idle keep-alive connection is closed after this long
    head_timeout = timeouts.HEAD_S
    body_timeout = timeouts.BODY_S
    server_version = "Wijkweb"
    sys_version = ""
    rfile: timeouts.DeadlineReader  # type: ignore[assignment]  # setup() wraps the base's reader
    _length: int | None = 0
    """The body's framing, decided by ``framing.body_length``: its length, None for chunked."""

    def setup(self) -> None:
        super().setup()
        # until here rfile is the socket's makefile("rb") of StreamRequestHandler.setup
        self.rfile = timeouts.DeadlineReader(cast(io.BufferedReader, self.rfile), self.connection)

    def handle_one_request(self) -> None:
        """Wait (idle) for a request's first byte, then give its head ``head_timeout``."""
        try:
            if not self.rfile.wait(self.timeout):
                self.close_connection = True
                return
        except OSError:  # idle too long, or the peer went away
            self.close_connection = True
            return
        self.rfile.deadline = time.monotonic() + self.head_timeout
        self.rfile.head = []
        self._length = 0
        super().handle_one_request()

    def parse_request(self) -> bool:
        """http.server's parse, then RFC 9112's strict rules on the raw head and the framing."""
        parsed = super().parse_request()
        head, self.rfile.head = self.rfile.head or [], None
        if not parsed:
            return False
        try:
            framing.check_head(head)
            self._length = framing.body_length(self.headers, self.request_version, MAX_BODY)
        except Refusal as refusal:
            err = as_api_error(refusal)
            self.close_connection = True  # where this request ends is unknown
            started = time.perf_counter()
            try:
                self._send(err.status, err.body(), err.headers)
            except OSError:
                pass
            self._log(err.status, started)
            return False
        return True

    # Every method goes through one dispatcher; unknown paths and methods get JSON errors.
    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._serve()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    def _serve(self) -> None:
        """Route, check, read the body, and only then take an in-flight slot: a client that
        sends its headers and then nothing holds a connection (capped per address), no slot."""
        started = time.perf_counter()
        path = self.path.split("?", 1)[0]
        device = "-"
        status = 500
        self._body_read = False
        if not self.server.enter():
            self._refuse(unavailable("The server is stopping."))
            self._log(503, started)
            return
        slot: bool | None = None
        try:
            route, params = api.resolve(self.command, path)
            req = api.Request(self.command, path, self._query(), b"", params,
                              park=self.server.parked, gzip=self._accepts_gzip(),
                              client=self._client(), limits=self.server.limits,
                              max_values=route.max_values)
            self._check(route, req)  # before the body: a stranger's 8 MiB is not even read
            device = req.device.id if req.device else "-"
            req.body = self._body(route.max_body)
            slot = self.server.take_slot()
            if slot is None:
                raise unavailable("The server is stopping.")
            if not slot:
                self.close_connection = True
                busy = ApiError(429, "overloaded", "The server is busy; try again in a second.")
                busy.headers["Retry-After"] = "1"
                raise busy
            answer = route.endpoint(self.server.store, req)
            status = 200
            self._send(200, answer)
        except Refusal as err:
            status = self._refuse(err)
        except (timeouts.ClientGone, BrokenPipeError, ConnectionResetError):
            status = CLIENT_GONE
            self.close_connection = True
        except TimeoutError:
            status = self._refuse(ApiError(408, "request_timeout",
                                           "The body came in too slowly."))
        except Exception as exc:
            trouble = _storage_trouble(exc)
            if trouble is None:
                log.exception("internal error on %s %s", self.command, _printable(path))
                trouble = ApiError(500, "internal", "The server failed. Try again.")
            else:
                log.warning("storage unavailable on %s %s: %s", self.command, _printable(path),
                            exc)
            status = self._refuse(trouble)
        finally:
            self.server.leave(bool(slot))
            self._log(status, started, device)

    def _log(self, status: int, started: float, device: str = "-") -> None:
        log.info("%s %s %d %.1fms device=%s", _printable(self.command),
                 _printable(self.path.split("?", 1)[0]), status,
                 (time.perf_counter() - started) * 1000, device)

    def _refuse(self, refusal: Refusal) -> int:
        err = as_api_error(refusal)
        if not self._body_read and self._length != 0:
            self.close_connection = True  # the unread body would be taken for the next request
        try:
            self._send(err.status, err.body(), err.headers)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            return CLIENT_GONE
        return err.status

    # ------------------------------------------------------------------ request parts

    def _query(self) -> dict[str, str]:
        if "?" not in self.path:
            return {}
        try:
            return dict(parse_qsl(self.path.split("?", 1)[1], keep_blank_values=True,
                                  errors="strict", max_num_fields=50))
        except ValueError:
            raise bad_request("The query string is malformed.") from None

    def _client(self) -> str:
        """The client's address for the rate limits: the TCP peer's, or the one a trusted
        proxy forwarded (``proxy``); a forwarded value that is no address is logged."""
        client = self.server.proxies.client(self.client_address[0], self.headers)
        if client.refused is not None:
            log.warning("a trusted proxy forwarded '%s' as the client address, which is not an "
                        "IP address; counting the request under the proxy's",
                        _printable(client.refused, 64))
        return client.address

    def _check(self, route: api.Route, req: api.Request) -> None:
        if route.protocol:
            if self.headers.get(PROTOCOL_HEADER, "").strip() != str(PROTOCOL_VERSION):
                raise ApiError(426, "protocol_unsupported",
                               f"This server speaks sync protocol {PROTOCOL_VERSION}; update "
                               "the app.", supported=[PROTOCOL_VERSION])
            schema = self.headers.get(SCHEMA_HEADER, "1").strip()
            minimum = self.server.min_client_schema
            if not (schema.isdigit() and len(schema) < 7 and int(schema) >= minimum):
                raise ApiError(426, "upgrade_required", "This app is older than this server "
                               "accepts; update it. Its unsent changes wait on the device.",
                               minimum=minimum)
        if route.guard:
            getattr(self.server.limits, route.guard).check([("ip", req.client)])
        if route.auth:
            req.device = self._authenticate(req.client)
            reported = self.headers.get(STORAGE_HEADER)
            if reported is not None:
                policy.record(self.server.store, req.device.id, policy.storage_class(reported))

    def _authenticate(self, client: str) -> Device:
        """The device of the bearer token. A valid token is always looked at and served;
        failures count per address and per token prefix, and only further *failures* from a
        key whose budget is spent get 429 (so a neighbour's guesses never lock a device out)."""
        scheme, _, token = self.headers.get("Authorization", "").partition(" ")
        token = token.strip()
        device = self.server.store.authenticate(token) if (
            scheme.lower() == "bearer" and token) else None
        if device is None:
            if token:  # a guess; a request without any token guesses nothing
                keys = [("ip", client), ("prefix", token[:TOKEN_PREFIX])]
                guard = self.server.limits.auth
                try:
                    guard.check(keys)
                except ApiError:
                    self.close_connection = True  # each further guess costs a connection
                    raise
                guard.fail(keys)
            raise ApiError(401, "unauthorized", "A valid device token is required.")
        if device.revoked:
            raise ApiError(403, "device_revoked", "This device has been revoked. Ask your "
                           "team lead to enroll it again.")
        return device

    def _body(self, cap: int) -> bytes:
        """The request body, decompressed, at most ``cap`` bytes either way (413 as soon as
        that is passed), read at ``timeouts``' minimum pace."""
        length = self._length
        if length == 0:
            raw = b""
        else:
            if length is not None and length > cap:
                raise framing.too_large(cap)
            self.rfile.pace(self.body_timeout, cap if length is None else length)
            raw = (framing.read_chunked(self.rfile, cap) if length is None
                   else self.rfile.read(length))
            self.rfile.deadline = None
            if len(raw) < (length or 0):
                raise timeouts.ClientGone("the body ended early")
        self._body_read = True  # all of it: the connection may carry the next request
        encoding = self.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding in ("", "identity"):
            return raw
        if encoding != "gzip":
            raise ApiError(415, "unsupported_encoding", "Send the body plain or gzipped.")
        return _gunzip(raw, cap)

    # ------------------------------------------------------------------ answers

    def _accepts_gzip(self) -> bool:
        headers_in = getattr(self, "headers", None)  # absent when the request line was bad
        return headers_in is not None and "gzip" in headers_in.get("Accept-Encoding", "").lower()

    def _send(self, status: int, answer: Any, headers: dict[str, str] | None = None) -> None:
        if isinstance(answer, api.Prepared):
            parts, gzipped = answer.parts, answer.gzipped
        else:
            body = answer if isinstance(answer, bytes) else json.dumps(
                answer, separators=(",", ":")).encode()
            gzipped = len(body) > GZIP_MIN and self._accepts_gzip()
            if gzipped:
                body = gzip.compress(body, compresslevel=1, mtime=0)
            parts = [body]
        if self.server.stopping:
            self.close_connection = True
        self.connection.settimeout(timeouts.WRITE_S)
        self.send_response(status)
        self.send_header("Content-Type", _JSON)
        self.send_header(PROTOCOL_HEADER, str(PROTOCOL_VERSION))
        if gzipped:
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
        if self.server.tls:
            self.send_header("Strict-Transport-Security", "max-age=31536000")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.send_header("Content-Length", str(sum(len(part) for part in parts)))
        self.end_headers()
        if self.command != "HEAD":
            for part in parts:
                self.wfile.write(part)

    def send_error(self, code: int, message: str | None = None,
                   explain: str | None = None) -> None:
        """http.server's own refusals (bad request line, huge headers) as JSON 4xx too."""
        self.close_connection = True
        if self.request_version == "HTTP/0.9":  # an unreadable request line: answer in 1.0
            self.request_version = "HTTP/1.0"
        if code == 501:
            status, err = 405, "method_not_allowed"
        else:
            status, err = (code, "bad_request") if 400 <= code < 500 else (400, "bad_request")
        try:
            self._send(status, {"code": err, "message": message or "Bad request."})
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Silence http.server's own log: it prints query strings. ``_serve`` logs instead."""


def _storage_trouble(exc: Exception) -> Refusal | None:
    """A full disk or a locked file is the server's trouble, not the request's: 503, retry."""
    if not isinstance(exc, sqlite3.OperationalError):
        return None
    text = str(exc).lower()
    if "full" in text:
        return unavailable("The server's disk is full; nothing was written. Try again later.",
                           "storage_full")
    if "readonly" in text:
        return unavailable("The server's database is read-only; nothing was written. Try "
                           "again later.", "storage_readonly")
    if any(w in text for w in ("locked", "busy", "disk i/o")):
        return unavailable("The server cannot write right now; try again later.")
    return None


def _printable(text: str, limit: int = 200) -> str:
    """``text`` for the log: backslash, control and non-ASCII characters escaped, cut at
    ``limit`` (a path may carry any byte, and a log line must not lie about what follows)."""
    out = "".join(ch if " " <= ch <= "~" and ch != "\\" else f"\\x{ord(ch):02x}"
                  for ch in text[:limit])
    return out + ("..." if len(text) > limit else "")


def _gunzip(raw: bytes, cap: int) -> bytes:
    """Decompress with a cap on the output: a small gzip bomb must not fill the memory."""
    inflater = zlib.decompressobj(wbits=31)
    try:
        out = inflater.decompress(raw, cap + 1)
        if len(out) > cap or inflater.unconsumed_tail:
            raise framing.too_large(cap)
        if not inflater.eof:
            raise bad_request("The gzipped body is cut short.")
    except zlib.error:
        raise bad_request("The body is not valid gzip.") from None
    return out
