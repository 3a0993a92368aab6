"""The client's address behind a trusted reverse proxy (``serve --trusted-proxy``), over raw
sockets against the real server.

From a trusted peer, ``X-Real-IP`` (else the last ``X-Forwarded-For`` entry) is the address the
rate limits count; from any other peer those headers change nothing, so a client cannot pick
its address; a value that is not an IP address counts as the peer. Loopback addresses stand in
for hosts: 127.0.0.1 is the proxy, 127.0.0.2 a client that reaches the port directly.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

import pytest

from sync_server.ratelimit import RateLimits
from tests import attacks

if TYPE_CHECKING:
    from server_fixtures import Harness

pytest_plugins = ["server_fixtures"]

PROXY = "127.0.0.1"
STRANGER = attacks.ATTACKER


@pytest.fixture
def behind(make_server: Callable[..., Harness]) -> Harness:
    """A server that trusts ``PROXY``, with one failed enrollment or token per address."""
    h = make_server(trusted_proxies=(PROXY,))
    h.server.limits = RateLimits(auth_burst=1, auth_every=600, enroll_burst=1,
                                 enroll_every=600)
    return h


def _ask(h: Harness, source: str, request: bytes) -> tuple[int, str]:
    """Send ``request`` on a new connection from ``source``: the status and the code."""
    with attacks.connect(h.server.server_address[:2], source) as sock:
        sock.sendall(request)
        status, answer = attacks.answer(sock)
    return status, (answer or {}).get("code", "ok")


_devices = iter(range(1_000_000))


def _enroll(code: str, *headers: str) -> bytes:
    """An enrollment request with ``code`` for a device id never used before (failures also
    count per device id)."""
    body = json.dumps({"code": code, "device": f"phone-{next(_devices)}"}).encode()
    return attacks.head("POST", "/v1/enroll", "Content-Type: application/json",
                        f"Content-Length: {len(body)}", *headers) + body


def _code(h: Harness) -> str:
    return h.store.create_enrollment(h.store.add_worker("Sam", "street_coach", [h.team()]))


def _pull(token: str, *headers: str) -> bytes:
    return attacks.head("GET", "/v1/pull", *headers, token=token)


def test_forwarding_headers_from_other_peers_are_ignored(behind: Harness) -> None:
    """A client reaching the port directly cannot pass for the proxy's clients, nor escape
    its own spent attempts by naming another address."""
    spoofs = ("X-Real-IP: 127.0.0.1", "X-Forwarded-For: 127.0.0.1", "X-Real-IP: 10.9.9.9",
              "X-Forwarded-For: 10.9.9.8, 10.9.9.9")
    assert _ask(behind, STRANGER, _enroll("WRONG-CODE", spoofs[0])) == (401,
                                                                       "enrollment_invalid")
    for spoof in spoofs:  # every attempt counts against the stranger's own address
        assert _ask(behind, STRANGER, _enroll(_code(behind), spoof)) == (429, "rate_limited")
    assert _ask(behind, PROXY, _enroll(_code(behind))) == (200, "ok")  # nobody spent .1
    assert _ask(behind, STRANGER, _pull("guess-aa-1", spoofs[2])) == (401, "unauthorized")
    assert _ask(behind, STRANGER, _pull("guess-bb-1", spoofs[3])) == (429, "rate_limited")


def test_a_server_without_trusted_proxies_ignores_the_headers(server: Harness) -> None:
    server.server.limits = RateLimits(enroll_burst=1, enroll_every=600)
    assert _ask(server, PROXY, _enroll("WRONG-CODE", "X-Real-IP: 10.0.0.1"))[0] == 401
    assert _ask(server, PROXY, _enroll(_code(server), "X-Real-IP: 10.0.0.2")) == (
        429, "rate_limited")


def test_the_trusted_proxy_names_the_client_for_enrollment_attempts(behind: Harness) -> None:
    """X-Real-IP, else the last X-Forwarded-For entry (the one the proxy added), is counted;
    the proxy's own requests (no header) count as the proxy."""
    assert _ask(behind, PROXY, _enroll("WRONG-CODE", "X-Real-IP: 10.0.0.1"))[0] == 401
    assert _ask(behind, PROXY, _enroll(_code(behind), "X-Real-IP: 10.0.0.1")) == (
        429, "rate_limited")
    assert _ask(behind, PROXY, _enroll("WRONG-CODE", "X-Forwarded-For: 10.0.0.1, 10.0.0.2",
                                       "X-Forwarded-For: 10.0.0.3"))[0] == 401
    assert _ask(behind, PROXY, _enroll(_code(behind), "X-Real-IP: 10.0.0.3")) == (
        429, "rate_limited")
    # X-Real-IP wins over X-Forwarded-For; 10.0.0.2 was an earlier entry, not counted
    assert _ask(behind, PROXY, _enroll(_code(behind), "X-Real-IP: 10.0.0.4",
                                       "X-Forwarded-For: 10.0.0.1")) == (200, "ok")
    assert _ask(behind, PROXY, _enroll(_code(behind), "X-Forwarded-For: 10.0.0.2")) == (
        200, "ok")
    assert _ask(behind, PROXY, _enroll(_code(behind), "X-Real-IP: 2001:db8::1")) == (200, "ok")
    assert _ask(behind, PROXY, _enroll(_code(behind))) == (200, "ok")


def test_the_trusted_proxy_names_the_client_for_failed_tokens(behind: Harness) -> None:
    device = behind.device()
    assert _ask(behind, PROXY, _pull("guess-aa-1", "X-Real-IP: 10.0.0.1"))[0] == 401
    assert _ask(behind, PROXY, _pull("guess-bb-1", "X-Real-IP: 10.0.0.1")) == (
        429, "rate_limited")
    assert _ask(behind, PROXY, _pull("guess-cc-1", "X-Real-IP: 10.0.0.2"))[0] == 401
    assert _ask(behind, PROXY, _pull("guess-dd-1"))[0] == 401  # the proxy's own address
    assert _ask(behind, PROXY, _pull(device.token, "X-Real-IP: 10.0.0.1")) == (200, "ok")


MALFORMED = {
    "not an address": ("X-Real-IP: unknown",),
    "octet over 255": ("X-Real-IP: 10.0.0.256",),
    "with a port": ("X-Real-IP: 10.0.0.1:443",),
    "bracketed IPv6": ("X-Real-IP: [2001:db8::1]",),
    "empty": ("X-Real-IP: ",),
    "a list": ("X-Real-IP: 10.0.0.1, 10.0.0.2",),
    "twice": ("X-Real-IP: 10.0.0.1", "X-Real-IP: 10.0.0.2"),
    "last forwarded entry": ("X-Forwarded-For: 10.0.0.1, garbage",),
    "control bytes": ("X-Real-IP: \x1b[31m10.0.0.1\x7f",),
}


@pytest.mark.parametrize("headers", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_forwarded_address_counts_as_the_proxy_and_is_logged_escaped(
        behind: Harness, headers: tuple[str, ...], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="wijkweb.server")
    assert _ask(behind, PROXY, _enroll("WRONG-CODE", *headers))[0] == 401
    assert _ask(behind, PROXY, _enroll(_code(behind))) == (429, "rate_limited")
    for clean in ("10.0.0.1", "10.0.0.2"):  # the addresses inside were not counted
        assert _ask(behind, PROXY, _enroll(_code(behind), f"X-Real-IP: {clean}")) == (
            200, "ok")
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "not an IP address" in warnings[0], warnings
    assert all(ch.isprintable() for ch in warnings[0])
    if "\x1b" in headers[0]:
        assert "'\\x1b[31m10.0.0.1\\x7f'" in warnings[0]


def _health(sock: Any) -> int:
    sock.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
    return attacks.answer(sock)[0]


def test_the_trusted_proxy_is_not_held_to_the_connection_cap(behind: Harness) -> None:
    behind.server.max_per_address = 2
    address = behind.server.server_address[:2]
    with ExitStack() as stack:
        proxy = [stack.enter_context(attacks.connect(address, PROXY)) for _ in range(6)]
        assert [_health(sock) for sock in proxy] == [200] * 6
        assert behind.server.connections(PROXY) == 6
        direct = [stack.enter_context(attacks.connect(address, STRANGER)) for _ in range(2)]
        assert [_health(sock) for sock in direct] == [200] * 2
        with attacks.connect(address, STRANGER) as third:
            status, answer = attacks.answer(third)
            assert status == 0 or (answer and answer["code"]) == "too_many_connections"


def test_trusted_proxies_are_given_on_the_command_line(server_db: str, spawn: Any,
                                                       cli: Any) -> None:
    _, url = spawn(server_db, "--trusted-proxy", "10.0.0.0/8", "--trusted-proxy", PROXY,
                   "--max-connections-per-address", "1")
    host, port = url.rsplit("/", 1)[1].split(":")
    with ExitStack() as stack:
        proxy = [stack.enter_context(attacks.connect((host, int(port)), PROXY))
                 for _ in range(3)]
        assert [_health(sock) for sock in proxy] == [200] * 3
        assert _health(stack.enter_context(attacks.connect((host, int(port))))) == 200
        with attacks.connect((host, int(port))) as second:  # 127.0.0.2 is not trusted
            assert attacks.answer(second)[0] in (0, 429)
    for wrong in ("proxy.example.nl", "10.0.0.1/8", "10.0.0.256"):
        refused = cli("serve", "--db", server_db, "--trusted-proxy", wrong)
        assert refused.returncode == 2 and "--trusted-proxy" in refused.stderr
