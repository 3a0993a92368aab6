"""Attacks on the transport over raw sockets, against the real server (issue 12).

Each attack runs while a legitimate device (127.0.0.1, a real token) keeps getting answers:
health, a push and a pull. Attackers come from other loopback addresses (127.0.0.2 and up) so
the per-address connection cap is theirs alone. After each attack nothing in the database has
changed except by the legitimate device. Every wait is for a state (an answer, a close, a count
on the server), never a sleep; ``bench/attack_bench.py`` runs the same attacks for minutes.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any

import pytest
from server_fixtures import poll_until

from app.sync.errors import ServerBusy, from_response
from sync_server import timeouts
from sync_server.handler import Handler
from tests import attacks
from tests.attacks import ATTACKER, FRAMING, MIB

if TYPE_CHECKING:
    from server_fixtures import DeviceClient, Harness

pytest_plugins = ["server_fixtures"]


# ---------------------------------------------------------------------- helpers


def _connect(h: Harness, address: str = ATTACKER, timeout: float = 30) -> socket.socket:
    return attacks.connect(h.server.server_address[:2], address, timeout)


def _legit_keeps_working(h: Harness, dev: DeviceClient) -> None:
    assert h.anonymous.get("/v1/health").status_code == 200
    resp = dev.push([dev.change("contact", {"note": "legitimate"})])
    assert resp.status_code == 200, resp.text
    assert dev.pull().status_code == 200


@pytest.fixture
def scene(server: Harness) -> Iterator[tuple[Harness, DeviceClient, DeviceClient]]:
    """The server, a legitimate device and an insider attacker's device (another team); on
    leaving, nothing but the legitimate device has changed the database."""
    legit, attacker = server.device(), server.device()
    before = server.dump()
    yield server, legit, attacker
    assert attacks.changed_by_others(before, server.dump(), legit.id) == []


# ---------------------------------------------------------------------- framing and smuggling


@pytest.mark.parametrize("name", FRAMING)
def test_ambiguous_framing_is_bad_framing_and_closes(
        scene: tuple[Harness, DeviceClient, DeviceClient], name: str) -> None:
    """RFC 9112 §6: one way to find a body's end, or 400 ``bad_framing`` and a close; a
    smuggled second request is never run (``scene`` checks the database)."""
    h, legit, attacker = scene
    with _connect(h) as sock:
        sock.sendall(attacks.framing_attack(name, attacker.token))
        status, answer = attacks.answer(sock)
        assert (status, answer and answer["code"]) == (400, "bad_framing"), name
        assert attacks.closed(sock)
    _legit_keeps_working(h, legit)


@pytest.mark.parametrize("request_bytes", [
    b"GET /v1/health HTTP/1.1\nHost: x\n\n",  # bare LF
    b"GET /v1/health HTTP/1.1\r\nHost: x\n\r\n",
    b"GET /v1/health HTTP/1.1\r\nHost: x\rX: y\r\n\r\n",  # bare CR
    b"GET /v1/health HTTP/1.1\r\n\r\n",  # no Host
    b"GET /v1/health HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
    b"GET  /v1/health HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /v1/health HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
    b"GET /v1/health HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
], ids=["bare-LF", "bare-LF-end", "bare-CR", "no-Host", "two-Hosts", "double-space",
        "fold", "TE-in-1.0"])
def test_a_malformed_head_is_bad_framing(server: Harness, request_bytes: bytes) -> None:
    with _connect(server) as sock:
        sock.sendall(request_bytes)
        status, answer = attacks.answer(sock)
        assert (status, answer and answer["code"]) == (400, "bad_framing")
        assert attacks.closed(sock)


def test_strict_requests_still_pass(server: Harness) -> None:
    """HTTP/1.0 without Host, a chunk extension and a trailer, upper-case hex."""
    dev = server.device()
    with _connect(server, "127.0.0.1") as sock:
        sock.sendall(b"GET /v1/health HTTP/1.0\r\n\r\n")
        assert attacks.answer(sock)[0] == 200
    body = json.dumps({"device": dev.id, "epoch": dev.epoch, "changes": [
        dev.change("contact", {"note": "chunked"})]}).encode()
    with _connect(server, "127.0.0.1") as sock:
        sock.sendall(attacks.head("POST", "/v1/push", "Transfer-Encoding: Chunked", token=dev.token)
                     + b"%X;ext=1\r\n%s\r\n0\r\nX-Trailer: t\r\n\r\n" % (len(body), body))
        status, answer = attacks.answer(sock)
        assert status == 200 and answer and answer["acked"] == 1


def test_a_chunked_body_counts_against_the_cap(scene: tuple[Harness, DeviceClient,
                                                            DeviceClient]) -> None:
    """Chunk sizes that add up past 8 MiB: 413 before the chunk that passes it is read."""
    h, legit, attacker = scene
    with _connect(h) as sock:
        sock.sendall(attacks.head("POST", "/v1/push", "Transfer-Encoding: chunked",
                           token=attacker.token) + b"400000\r\n" + b"x" * 0x400000 + b"\r\n"
                     + b"400001\r\n")
        status, answer = attacks.answer(sock)
        assert (status, answer and answer["code"]) == (413, "body_too_large")
        assert attacks.closed(sock)
    _legit_keeps_working(h, legit)


# ---------------------------------------------------------------------- limits before work


@pytest.mark.parametrize("inner,size,code", [
    (b"[],", 8 * MIB, "body_too_large"),  # the bomb: refused while decompressed
    (b"[],", 200_000, "too_many_values"),  # under the enroll cap: refused from a scan
    (b'"",', 200_000, "too_many_values"),
    (b"[", 200_000, "too_deep"),
], ids=["bomb", "wide", "strings", "deep"])
def test_parse_amplification_is_refused_cheaply(
        scene: tuple[Harness, DeviceClient, DeviceClient], inner: bytes, size: int,
        code: str) -> None:
    """Six gzipped enroll bombs at once (before: ~400 MB and 5 s of CPU each) are refused
    before anything is parsed; the server's Python heap stays a few MB."""
    h, legit, _ = scene
    request = attacks.enroll_bomb(inner, size)
    assert len(request) < 20_000
    answers: list[Any] = []

    def send() -> None:
        with _connect(h) as sock:
            sock.sendall(request)
            answers.append(attacks.answer(sock))

    tracemalloc.start()
    cpu = time.process_time()
    try:
        threads = [threading.Thread(target=send) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    cpu = time.process_time() - cpu
    assert [a and a["code"] for _, a in answers] == [code] * 6
    assert peak < 16 * MIB, f"peak {peak / MIB:.0f} MiB"  # before: 2.5 GB
    assert cpu < 5, f"{cpu:.1f} s of CPU"  # before: ~30 s
    _legit_keeps_working(h, legit)


def test_enroll_rate_limit_is_checked_before_the_body(server: Harness) -> None:
    """An address out of enrollment attempts gets 429 without its body being read."""
    from sync_server.ratelimit import RateLimits

    server.server.limits = RateLimits(enroll_burst=1, enroll_every=600)
    server.server.limits.enroll.fail([("ip", ATTACKER)])
    with _connect(server) as sock:
        sock.sendall(attacks.head("POST", "/v1/enroll", f"Content-Length: {8 * MIB}"))  # no body
        status, answer = attacks.answer(sock)
        assert (status, answer and answer["code"]) == (429, "rate_limited")


# ---------------------------------------------------------------------- availability


@contextmanager
def _sockets(h: Harness, count: int, address: str = ATTACKER) -> Iterator[list[socket.socket]]:
    with ExitStack() as stack:
        yield [stack.enter_context(_connect(h, address)) for _ in range(count)]


def test_headers_without_a_body_hold_no_slot(make_server: Any) -> None:
    """40 connections that declare 8 MiB and send nothing (before: every slot taken, health
    429 for minutes) hold connections, not in-flight slots."""
    h: Harness = make_server(max_in_flight=4)
    legit, attacker = h.device(), h.device()
    before = h.dump()
    with _sockets(h, 40) as socks:
        for sock in socks:
            sock.sendall(attacks.head("POST", "/v1/push", f"Content-Length: {8 * MIB}",
                               token=attacker.token))
        poll_until(lambda: h.server.connections(ATTACKER) == 40, "40 open connections")
        for _ in range(3):
            _legit_keeps_working(h, legit)
    assert attacks.changed_by_others(before, h.dump(), legit.id) == []


def test_many_idle_connections_from_one_address_are_capped(
        scene: tuple[Harness, DeviceClient, DeviceClient]) -> None:
    h, legit, _ = scene
    h.server.max_per_address = 16
    with _sockets(h, 16) as held:
        poll_until(lambda: h.server.connections(ATTACKER) == 16, "16 held")
        with _sockets(h, 20) as excess:
            for sock in excess:  # each refused at once: 429 or a plain close
                status, answer = attacks.answer(sock)
                assert status in (0, 429), status
                if status:  # the app waits and retries, as when the server is busy
                    assert answer and answer["code"] == "too_many_connections"
                    assert isinstance(from_response(status, answer, "5"), ServerBusy)
            _legit_keeps_working(h, legit)
        assert len(held) == 16 and h.server.connections(ATTACKER) == 16
    poll_until(lambda: h.server.connections(ATTACKER) == 0, "connections forgotten")


def test_slow_bodies_are_dropped_at_the_minimum_pace(
        scene: tuple[Harness, DeviceClient, DeviceClient], monkeypatch: Any) -> None:
    """Slowloris bodies: a trickle under the pace gets 408 after the grace and one window,
    whatever length it declared; the legitimate device is served meanwhile."""
    h, legit, attacker = scene
    monkeypatch.setattr(Handler, "body_timeout", 0.5)
    monkeypatch.setattr(timeouts, "PACE_WINDOW_S", 0.5)
    with _sockets(h, 8) as socks:
        started = time.monotonic()
        for sock in socks:
            sock.sendall(attacks.head("POST", "/v1/push", f"Content-Length: {8 * MIB}",
                               token=attacker.token) + b"x" * 40_000)  # one window's worth
        _legit_keeps_working(h, legit)
        for sock in socks:
            status, answer = attacks.answer(sock)
            assert (status, answer and answer["code"]) == (408, "request_timeout")
        assert time.monotonic() - started < 20  # declared 8 MiB: before, ~290 s each


def test_a_steady_body_slower_than_any_fixed_deadline_gets_through(
        server: Harness, monkeypatch: Any) -> None:
    """The pace is per window, not a deadline: a body that keeps the pace (here ten times
    over) may take as long as it needs (here beyond the grace and a window)."""
    monkeypatch.setattr(Handler, "body_timeout", 1.0)
    monkeypatch.setattr(timeouts, "PACE_WINDOW_S", 1.0)
    dev = server.device()
    change = dev.change("contact", {"note": "x" * 19_000})
    body = json.dumps({"device": dev.id, "epoch": dev.epoch, "changes": [change] + [
        dev.change("contact", {"note": "x" * 19_000}) for _ in range(39)]}).encode()
    assert len(body) > 21 * timeouts.PACE_BYTES
    with _connect(server, "127.0.0.1") as sock:
        sock.sendall(attacks.head("POST", "/v1/push", f"Content-Length: {len(body)}",
                                  token=dev.token))
        started = time.monotonic()
        for i in range(0, len(body), timeouts.PACE_BYTES):
            sock.sendall(body[i:i + timeouts.PACE_BYTES])
            time.sleep(0.1)  # paces the sender (not a synchronisation): 10 per window
        status, answer = attacks.answer(sock)
        assert status == 200 and answer and answer["acked"] == 40
        assert time.monotonic() - started > 2.0  # longer than grace + one window


def test_a_client_hanging_up_mid_body_is_499_and_paths_are_escaped(
        server: Harness, caplog: pytest.LogCaptureFixture) -> None:
    dev = server.device()
    caplog.set_level(logging.INFO, logger="wijkweb.server")
    with _connect(server) as sock:
        sock.sendall(attacks.head("POST", "/v1/push", "Content-Length: 1000", token=dev.token)
                     + b"{")
    for path, status in ((b"/v1/\x1b[31mred\x7f", 400), (b"/v1/red\\x41\xe9", 404)):
        with _connect(server) as sock:  # a control byte in the target is bad framing
            sock.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path)
            assert attacks.answer(sock)[0] == status
    def logged() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.name == "wijkweb.server"]

    # each request is logged just after its answer went out: wait for the three lines
    starts = ("POST /v1/push 499 ", "GET /v1/\\x1b[31mred\\x7f 400 ",
              "GET /v1/red\\x5cx41\\xe9 404 ")
    poll_until(lambda: all(any(line.startswith(s) for line in logged()) for s in starts),
                "the three requests logged")
    lines = logged()
    assert any(line.startswith("POST /v1/push 499 ") and dev.id in line for line in lines)
    assert any(line.startswith("GET /v1/\\x1b[31mred\\x7f 400 ") for line in lines), lines
    assert any(line.startswith("GET /v1/red\\x5cx41\\xe9 404 ") for line in lines), lines
    assert all(ch.isprintable() for line in lines for ch in line)


def test_the_connection_cap_is_set_on_the_command_line(
        server_db: str, spawn: Any) -> None:
    _, url = spawn(server_db, "--max-connections-per-address", "2")
    host, port = url.rsplit("/", 1)[1].split(":")
    with ExitStack() as stack:
        for _ in range(2):
            stack.enter_context(attacks.connect((host, int(port))))
        with attacks.connect((host, int(port))) as third:
            status, answer = attacks.answer(third)
            assert status in (0, 429)
            assert status == 0 or (answer and answer["code"]) == "too_many_connections"
        with attacks.connect((host, int(port)), "127.0.0.1") as other:  # another address
            other.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
            assert attacks.answer(other)[0] == 200
