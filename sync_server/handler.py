"""HTTP plumbing: bounded (and gzip-bomb-safe) bodies, auth headers, JSON errors, request log.

Every answer is JSON with a ``Content-Length`` (keep-alive needs it), gzipped when the client
accepts it and the body is over 1 KB. Nothing a client sends can produce a 500: refusals are
``ApiError``s, and an unexpected exception becomes ``internal`` only as a last resort.
"""

from __future__ import annotations

import gzip
import json
import logging
import sqlite3
import time
import zlib
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from sync_server import api, policy, timeouts
from sync_server.errors import ApiError, bad_request, unavailable
from sync_server.protocol import (
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    SCHEMA_HEADER,
    STORAGE_HEADER,
)

if TYPE_CHECKING:
    from sync_server.server import SyncServer

log = logging.getLogger("wijkweb.server")

MAX_BODY = 8 * 1024 * 1024
GZIP_MIN = api.GZIP_MIN
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
    rfile: timeouts.DeadlineReader  # type: ignore[assignment]

    def setup(self) -> None:
        super().setup()
        self.rfile = timeouts.DeadlineReader(self.rfile, self.connection)

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
        super().handle_one_request()

    # Every method goes through one dispatcher; unknown paths and methods get JSON errors.
    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._serve()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    def _serve(self) -> None:
        started = time.perf_counter()
        path = self.path.split("?", 1)[0]
        device = "-"
        status = 500
        self._body_read = False
        counted = self.server.enter()
        try:
            if counted is None:
                raise unavailable("The server is stopping.")
            if not counted:
                self.close_connection = True
                err = ApiError(429, "overloaded", "The server is busy; try again in a second.")
                err.headers["Retry-After"] = "1"
                raise err
            route, params = api.resolve(self.command, path)
            req = api.Request(self.command, path, self._query(), b"", params,
                              park=self.server.parked, gzip=self._accepts_gzip(),
                              client=self.client_address[0], limits=self.server.limits)
            length = self._length()  # framing first: it decides where the next request starts
            self._check(route, req)  # before the body: a stranger's 8 MiB is not even read
            req.body = self._body(length)
            device = req.device.id if req.device else "-"
            answer = route.endpoint(self.server.store, req)
            status = 200
            self._send(200, answer)
        except ApiError as err:
            status = self._refuse(err)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except TimeoutError:
            status = self._refuse(ApiError(408, "request_timeout",
                                           "The body came in too slowly."))
        except Exception as exc:
            err = _storage_trouble(exc)
            if err is None:
                log.exception("internal error on %s %s", self.command, path)
                err = ApiError(500, "internal", "The server failed. Try again.")
            else:
                log.warning("storage unavailable on %s %s: %s", self.command, path, exc)
            status = self._refuse(err)
        finally:
            if counted is not None:
                self.server.leave(counted)
            log.info("%s %s %d %.1fms device=%s", self.command, path, status,
                     (time.perf_counter() - started) * 1000, device)

    def _refuse(self, err: ApiError) -> int:
        if not self._body_read and self._has_body():
            self.close_connection = True  # the unread body would be taken for the next request
        self._send(err.status, err.body(), err.headers)
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
        if route.auth:
            scheme, _, token = self.headers.get("Authorization", "").partition(" ")
            token = token.strip()
            guard, key = self.server.limits.auth, [self.client_address[0]]
            guard.check(key)
            device = self.server.store.authenticate(token) if (
                scheme.lower() == "bearer" and token) else None
            if device is None:
                if token:  # a guess; a request without any token guesses nothing
                    guard.fail(key)
                raise ApiError(401, "unauthorized", "A valid device token is required.")
            if device.revoked:
                raise ApiError(403, "device_revoked", "This device has been revoked. Ask your "
                               "team lead to enroll it again.")
            req.device = device
            reported = self.headers.get(STORAGE_HEADER)
            if reported is not None:
                policy.record(self.server.store, device.id, policy.storage_class(reported))

    def _has_body(self) -> bool:
        return (self.headers.get("Content-Length", "0").strip() not in ("", "0")
                or "Transfer-Encoding" in self.headers)

    def _length(self) -> int | None:
        """The declared body length (None: chunked); refused when malformed or over the cap."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return None
        length_text = self.headers.get("Content-Length", "0").strip() or "0"
        if not length_text.isdigit():
            self.close_connection = True
            raise bad_request("Content-Length must be a number.")
        if int(length_text) > MAX_BODY:
            self.close_connection = True
            raise _too_large()
        return int(length_text)

    def _body(self, length: int | None) -> bytes:
        """The request body, decompressed, at most ``MAX_BODY`` bytes either way."""
        self._body_read = True
        self.rfile.deadline = (time.monotonic() + self.body_timeout
                               + (MAX_BODY if length is None else length) / timeouts.MIN_RATE)
        if length is None:
            raw = self._read_chunked()
        else:
            raw = self.rfile.read(length) if length else b""
            if len(raw) < length:
                self.close_connection = True
                raise bad_request("The body ended early.")
        encoding = self.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding in ("", "identity"):
            return raw
        if encoding != "gzip":
            raise ApiError(415, "unsupported_encoding", "Send the body plain or gzipped.")
        return _gunzip(raw)

    def _read_chunked(self) -> bytes:
        parts, total = [], 0
        while True:
            line = self.rfile.readline(100)
            try:
                size = int(line.split(b";")[0].strip(), 16)
            except ValueError:
                self.close_connection = True
                raise bad_request("The chunked body is malformed.") from None
            if size == 0:
                while self.rfile.readline(1000) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts)
            total += size
            if total > MAX_BODY:
                self.close_connection = True
                raise _too_large()
            parts.append(self.rfile.read(size))
            self.rfile.readline(10)

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


def _storage_trouble(exc: Exception) -> ApiError | None:
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


def _too_large() -> ApiError:
    return ApiError(413, "body_too_large", f"A body may be at most {MAX_BODY} bytes.",
                    max=MAX_BODY)


def _gunzip(raw: bytes) -> bytes:
    """Decompress with a cap on the output: a small gzip bomb must not fill the memory."""
    inflater = zlib.decompressobj(wbits=31)
    try:
        out = inflater.decompress(raw, MAX_BODY + 1)
        if len(out) > MAX_BODY or inflater.unconsumed_tail:
            raise _too_large()
        if not inflater.eof:
            raise bad_request("The gzipped body is cut short.")
    except zlib.error:
        raise bad_request("The body is not valid gzip.") from None
    return out
