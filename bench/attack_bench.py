"""Attacks on the server's transport, each for a minute, while a legitimate device syncs.

The server is its own process (``python -m sync_server serve``, SQLite, default limits). For
each attack, attacker threads hammer it over raw sockets from 127.0.0.2/3 (the token-guessing
neighbour from 127.0.0.1, the device's own address) while the device (127.0.0.1, a real token)
loops health, a push of one change and a pull. Prints per attack: the device's requests and
their p50/p99 latency and failures, the server's peak RSS during the attack (VmHWM, reset
before each attack through /proc/<pid>/clear_refs), whether anything but the device changed
the database, and what the attackers were answered.
Run: ``python bench/attack_bench.py [--seconds 60] [--only NAME ...]``.
"""

from __future__ import annotations

import argparse
import itertools
import resource
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sync_server.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION  # noqa: E402
from sync_server.store import ServerStore  # noqa: E402
from tests import attacks  # noqa: E402
from tests.faults.run import ServerProcess  # noqa: E402
from tests.server_fixtures import DeviceClient, dump_db  # noqa: E402

IDLE_ADDRESS = "127.0.0.3"


class Attack:
    """Attacker threads sharing a stop flag, the sockets they hold and the answers they got."""

    def __init__(self, address: tuple[str, int], token: str):
        self.address, self.token = address, token
        self.stop = threading.Event()
        self.answers: Counter[str] = Counter()
        self._socks: set[socket.socket] = set()
        self._lock = threading.Lock()

    def open(self, source: str = attacks.ATTACKER, timeout: float = 30) -> socket.socket:
        sock = attacks.connect(self.address, source, timeout)
        with self._lock:
            self._socks.add(sock)
        return sock

    def drop(self, sock: socket.socket) -> None:
        with self._lock:
            self._socks.discard(sock)
        sock.close()

    def exchange(self, request: bytes, source: str = attacks.ATTACKER) -> None:
        """One request on a fresh connection; its answer (or ``closed``) is counted."""
        sock = self.open(source)
        try:
            sock.sendall(request)
            status, body = attacks.answer(sock)
            self.note(f"{status} {body['code']}" if body else "closed")
        finally:
            self.drop(sock)

    def note(self, what: str) -> None:
        with self._lock:
            self.answers[what] += 1

    def run(self, loop: Callable[[Attack], None], threads: int) -> list[threading.Thread]:
        def guarded() -> None:
            while not self.stop.is_set():
                try:
                    loop(self)
                except OSError as exc:
                    if not self.stop.is_set():
                        self.note(type(exc).__name__)
        started = [threading.Thread(target=guarded, daemon=True) for _ in range(threads)]
        for t in started:
            t.start()
        return started

    def end(self, threads: list[threading.Thread]) -> None:
        self.stop.set()
        with self._lock:
            held = list(self._socks)
        for sock in held:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for t in threads:
            t.join(30)


# ---------------------------------------------------------------------- the attacks

def chunked_minus_one(a: Attack) -> None:
    a.exchange(attacks.framing_attack("chunk size -1", a.token) + b"x" * 65536)


_VARIANTS = itertools.cycle(attacks.FRAMING)


def smuggling(a: Attack) -> None:
    a.exchange(attacks.framing_attack(next(_VARIANTS), a.token))


_BOMBS = [attacks.enroll_bomb(b"[],", 8 * attacks.MIB),
          attacks.enroll_bomb(b"[],", 200_000), attacks.enroll_bomb(b"[", 200_000)]


def parse_amplification(a: Attack) -> None:
    for bomb in _BOMBS:
        a.exchange(bomb)


def headers_no_body(a: Attack) -> None:
    """Headers declaring 8 MiB, then nothing, until the server gives up on the body."""
    a.exchange(attacks.head("POST", "/v1/push", f"Content-Length: {8 * attacks.MIB}",
                            token=a.token))


def slowloris_body(a: Attack) -> None:
    """A push body dripped a byte every half second."""
    sock = a.open()
    try:
        sock.sendall(attacks.head("POST", "/v1/push", f"Content-Length: {attacks.MIB}",
                                  token=a.token) + b'{"device":')
        sock.settimeout(0.5)
        while not a.stop.is_set():
            sock.sendall(b" ")
            try:
                if sock.recv(65536):
                    a.note("408 or other answer")
                    return
                a.note("closed")
                return
            except TimeoutError:
                continue
    finally:
        a.drop(sock)


def idle_connections(a: Attack) -> None:
    """Open idle connections from one address, up to 1,100 at once; keep what the server
    keeps, note what it refuses."""
    held: list[socket.socket] = []
    try:
        while not a.stop.is_set():
            if len(held) < 275:
                held.append(a.open(IDLE_ADDRESS, timeout=5))
                continue
            for sock in list(held):  # the refused ones are readable (429, or closed)
                sock.setblocking(False)
                try:
                    data = sock.recv(4096)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                a.note("429 too_many_connections" if b" 429 " in data else "closed")
                held.remove(sock)
                a.drop(sock)
            if len(held) >= 275:
                a.stop.wait(0.2)
    finally:
        for sock in held:
            a.drop(sock)


def token_guessing(a: Attack) -> None:
    """Bad tokens from the device's own address (one NAT): they must not lock it out."""
    guess = f"guess-{threading.get_ident()}-{time.monotonic_ns()}"
    a.exchange(attacks.head("GET", "/v1/pull", token=guess), source="127.0.0.1")


ATTACKS: dict[str, tuple[Callable[[Attack], None], int]] = {
    "chunked -1": (chunked_minus_one, 4),
    "smuggling variants": (smuggling, 4),
    "parse amplification": (parse_amplification, 6),
    "headers, no body (x40)": (headers_no_body, 40),
    "slowloris bodies (x40)": (slowloris_body, 40),
    "idle connections (1,100)": (idle_connections, 4),
    "token guessing, same address": (token_guessing, 4),
}


# ---------------------------------------------------------------------- measuring

def legit_sync(dev: DeviceClient, health: httpx.Client, seconds: float
               ) -> tuple[list[float], Counter[int]]:
    """Health, push one change, pull, again and again: latencies and statuses."""
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    cursor = None
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for call in ("health", "push", "pull"):
            started = time.perf_counter()
            try:
                if call == "health":
                    resp = health.get("/v1/health")
                elif call == "push":
                    resp = dev.push([dev.change("contact", {"note": "legitimate"})])
                else:
                    resp = dev.pull(cursor)
                    if resp.status_code == 200:
                        cursor = resp.json()["cursor"]
                status = resp.status_code
            except httpx.HTTPError:
                status = 0
            latencies.append(time.perf_counter() - started)
            statuses[status] += 1
            if call == "push" and status != 200:
                dev.seq -= 1  # not stored: the next push takes the same seq
    return latencies, statuses


def peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM")) / 1024


def reset_peak(pid: int) -> None:
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(
        values) > 1 else values[0]


def enroll(url: str, code: str, device: str) -> DeviceClient:
    resp = httpx.post(f"{url}/v1/enroll", headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION)},
                      json={"code": code, "device": device, "label": "bench"})
    resp.raise_for_status()
    data = resp.json()
    return DeviceClient(device, data["token"], data["worker"], data["role"], data["teams"], url)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python bench/attack_bench.py")
    parser.add_argument("--seconds", type=float, default=60, help="per attack")
    parser.add_argument("--only", nargs="*", choices=list(ATTACKS), help="these attacks only")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    with tempfile.TemporaryDirectory(prefix="wijkweb-attack-") as tmp:
        db = Path(tmp) / "server.db"
        store = ServerStore(db)
        codes = [store.create_enrollment(store.add_worker(f"W{n}", "street_coach",
                                                          [store.add_team(f"T{n}")]))
                 for n in range(2)]
        store.close()
        server = ServerProcess(db, log=Path(tmp) / "server.log")
        url = f"http://127.0.0.1:{server.start()}"
        assert server.proc is not None
        pid = server.proc.pid
        legit, attacker = enroll(url, codes[0], "legit-phone"), enroll(url, codes[1], "mallory")
        health = httpx.Client(base_url=url, timeout=30)
        print(f"{args.seconds:.0f} s per attack; server pid {pid}")
        print("| attack | device requests | p50 | p99 | failed | server peak RSS | database "
              "changed by others | attackers were answered |")
        print("|---|---|---|---|---|---|---|---|")
        try:
            for name in args.only or ATTACKS:
                loop, threads = ATTACKS[name]
                reset_peak(pid)
                before = dump_db(db)
                attack = Attack(("127.0.0.1", server.port), attacker.token)
                running = attack.run(loop, threads)
                latencies, statuses = legit_sync(legit, health, args.seconds)
                attack.end(running)
                changed = attacks.changed_by_others(before, dump_db(db), legit.id)
                failed = sum(n for s, n in statuses.items() if s != 200)
                answered = ", ".join(f"{what} ×{n}" for what, n in attack.answers.most_common(4))
                print(f"| {name} | {len(latencies)} | {percentile(latencies, 50) * 1000:.0f} ms"
                      f" | {percentile(latencies, 99) * 1000:.0f} ms | {failed} | "
                      f"{peak_rss_mb(pid):.1f} MB | {'YES' if changed else 'no'} | {answered} |",
                      flush=True)
        finally:
            health.close()
            legit.close()
            attacker.close()
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
