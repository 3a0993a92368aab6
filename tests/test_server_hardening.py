"""Transport hardening over real sockets: plain HTTP refused on the TLS port, rate limits on
guessing, deadlines against slow clients, and limits on JSON depth and field size."""

from __future__ import annotations

import json
import socket
import ssl
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from sync_server.handler import Handler
from sync_server.nesting import MAX_DEPTH
from sync_server.protocol import MAX_LIST, MAX_TEXT, PROTOCOL_HEADER
from sync_server.ratelimit import RateLimits
from sync_server.server import tls_context

if TYPE_CHECKING:
    from server_fixtures import Harness

pytest_plugins = ["server_fixtures"]
PROTO = {PROTOCOL_HEADER: "2"}


def _answer(sock: socket.socket) -> tuple[int, dict[str, Any]]:
    """Read one HTTP answer with a JSON body from a raw socket."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"closed without an answer: {data!r}"
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length")))
    while len(body) < length:
        body += sock.recv(65536)
    return int(head.split()[1]), json.loads(body)


def _closed_by_server(sock: socket.socket, drip: bytes, every: float) -> bool:
    """Send ``drip`` a byte at a time; True as soon as the server has closed the connection."""
    sock.settimeout(every)
    for byte in drip:
        try:
            sock.sendall(bytes([byte]))
            if sock.recv(65536) == b"":
                return True
        except TimeoutError:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return True
    return False


# ---------------------------------------------------------------------- TLS


def test_plain_http_on_the_tls_port_is_refused_and_not_acted_on(
        make_server: Any, self_signed: tuple[Path, Path]) -> None:
    server: Harness = make_server(ssl_context=tls_context(*map(str, self_signed)))
    worker = server.store.add_worker("Sam", "street_coach", [server.team()])
    code = server.store.create_enrollment(worker)
    port = server.server.server_address[1]
    body = json.dumps({"code": code, "device": "plain-phone"}).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"POST /v1/enroll HTTP/1.1\r\nHost: x\r\nWijkweb-Protocol: 2\r\n"
                     b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                     % (len(body), body))
        status, answer = _answer(sock)
        assert (status, answer["code"]) == (400, "tls_required")
        assert sock.recv(100) == b""  # and closed
    assert server.store.devices() == []  # the code was not redeemed over plain HTTP
    trust = ssl.create_default_context(cafile=str(self_signed[0]))
    with httpx.Client(base_url=server.url, verify=trust) as https:
        resp = https.post("/v1/enroll", headers=PROTO, json={"code": code, "device": "phone"})
        assert resp.status_code == 200, resp.text
        assert resp.headers["Strict-Transport-Security"].startswith("max-age=")


# ---------------------------------------------------------------------- rate limits


def test_failed_tokens_are_limited_per_ip_and_prefix_never_a_valid_token(
        server: Harness) -> None:
    """Issue 12: a neighbour's guesses (same address, e.g. one NAT) slow down bad tokens only."""
    dev = server.device()
    server.server.limits = RateLimits(auth_burst=3, auth_every=60)

    def client(token: str, address: str = "127.0.0.1") -> httpx.Client:
        return httpx.Client(base_url=server.url, headers={**PROTO, "Authorization":
                                                          f"Bearer {token}"},
                            transport=httpx.HTTPTransport(local_address=address))

    bad, other_ip = client("nope-guess-1"), client("other-guess", "127.0.0.2")
    same_prefix = client("nope-guesX", "127.0.0.3")
    try:
        for _ in range(3):
            assert bad.get("/v1/pull").json()["code"] == "unauthorized"
        limited = bad.get("/v1/pull")
        assert (limited.status_code, limited.json()["code"]) == (429, "rate_limited")
        assert 1 <= int(limited.headers["Retry-After"]) <= 60
        assert dev.pull().status_code == 200  # the valid token behind the same address
        assert other_ip.get("/v1/pull").json()["code"] == "unauthorized"  # another address
        assert same_prefix.get("/v1/pull").json()["code"] == "rate_limited"  # same 8 chars
    finally:
        for http in (bad, other_ip, same_prefix):
            http.close()


def test_failed_enrollments_are_limited_per_ip_and_per_device(server: Harness) -> None:
    server.server.limits = RateLimits(enroll_burst=2, enroll_every=60)
    worker = server.store.add_worker("Sam", "street_coach", [server.team()])
    code = server.store.create_enrollment(worker)
    here = server.anonymous
    there = httpx.Client(base_url=server.url,
                         transport=httpx.HTTPTransport(local_address="127.0.0.2"))

    def enroll(http: httpx.Client, code: str, device: str) -> tuple[int, str]:
        resp = http.post("/v1/enroll", headers=PROTO, json={"code": code, "device": device})
        return resp.status_code, resp.json().get("code", "ok")

    try:
        assert enroll(here, "AAAA-BBBB-CCCC", "phone-1") == (401, "enrollment_invalid")
        assert enroll(here, "AAAA-BBBB-CCCD", "phone-1") == (401, "enrollment_invalid")
        assert enroll(here, code, "phone-2") == (429, "rate_limited")  # this address
        assert enroll(there, code, "phone-1") == (429, "rate_limited")  # this device id
        assert server.store.devices() == []  # refused before the code was even looked at
        assert enroll(there, code, "phone-2")[0] == 200
    finally:
        there.close()


# ---------------------------------------------------------------------- slow clients


def test_a_client_dripping_its_headers_is_dropped(server: Harness, monkeypatch: Any) -> None:
    monkeypatch.setattr(Handler, "head_timeout", 1.0)
    port = server.server.server_address[1]
    drip = b"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 200
    with socket.create_connection(("127.0.0.1", port)) as sock:
        started = time.monotonic()
        assert _closed_by_server(sock, drip, every=0.05), "the slow client was never dropped"
        assert time.monotonic() - started < 8  # ~1 s deadline, far below the 10+ s drip
    assert server.anonymous.get("/v1/health").status_code == 200


def test_a_slow_body_gets_408_and_writes_nothing(server: Harness, monkeypatch: Any) -> None:
    monkeypatch.setattr(Handler, "body_timeout", 1.0)
    dev = server.device()
    before = server.dump()
    port = server.server.server_address[1]
    body = json.dumps({"device": dev.id, "epoch": "e", "changes": [
        dev.change("contact", {"note": "x" * 500})]}).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"POST /v1/push HTTP/1.1\r\nHost: x\r\nWijkweb-Protocol: 2\r\n"
                     b"Authorization: Bearer %s\r\nContent-Length: %d\r\n\r\n"
                     % (dev.token.encode(), len(body)))
        for i in range(0, 10):  # a tenth of a second per byte, then nothing more
            sock.sendall(body[i:i + 1])
            time.sleep(0.1)
        status, answer = _answer(sock)  # waits for the server: ~1 s from the headers
    assert (status, answer["code"]) == (408, "request_timeout")
    assert server.dump() == before


# ---------------------------------------------------------------------- JSON limits


DEEP = "__deep__"
"""Stands in a body for a nesting too deep to build as Python objects and ``json.dumps``."""


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 5000, 100_000])
def test_deep_json_is_too_deep_everywhere(server: Harness, depth: int) -> None:
    lead = server.device("team_lead")
    before = server.dump()
    change = lead.change("contact", {"note": "x"})
    change["fields"]["themes"] = [DEEP, change["fields"]["note"][1]]
    bodies = [
        ("/v1/push", {"device": lead.id, "epoch": "e", "changes": [change]}),
        ("/v1/push", {"device": lead.id, "epoch": "e", "changes": [], "x": DEEP}),
        ("/v1/team/enrollments", {"worker": lead.worker, "x": DEEP}),
        ("/v1/enroll", {"code": "AAAA", "device": "d", "label": DEEP}),
    ]
    deep = "[" * depth + '"x"' + "]" * depth
    for path, body in bodies:
        raw = json.dumps(body).replace(json.dumps(DEEP), deep)
        resp = lead.http.post(path, content=raw, headers={**PROTO,
                                                          "Content-Type": "application/json"})
        assert (resp.status_code, resp.json()["code"]) == (400, "too_deep"), path
    assert server.dump() == before


def test_oversized_fields_are_field_too_large(server: Harness) -> None:
    dev = server.device()
    before = server.dump()
    for fields in ({"note": "x" * (MAX_TEXT + 1)},
                   {"themes": [f"t{i}" for i in range(MAX_LIST + 1)]},
                   {"themes": ["x" * (MAX_TEXT + 1)]}):
        resp = dev.push([dev.change("contact", fields)])
        body = resp.json()
        assert (resp.status_code, body["code"]) == (422, "field_too_large"), fields
        assert body["field"] in fields and body["index"] == 0
        dev.seq -= 1
    assert server.dump() == before
    assert dev.push([dev.change("contact", {"note": "x" * MAX_TEXT})]).status_code == 200
