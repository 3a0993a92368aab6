"""The morning rush: many devices sync at once, each a real app store with the real sync client.

``enroll_fleet`` makes the devices (enrolled through the server's store before it serves, so
the rush itself is only pushes and pulls); ``rush`` starts them all at once on a bounded pool
of threads: each records a small batch, then syncs (push, then pull its team's changes) until
it went through, honouring ``Retry-After`` with jittered backoff. Every HTTP exchange is timed
and counted by ``Recorder``. Used by ``bench/rush_bench.py`` and ``test_rush.py``.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from app.store import Store
from app.sync import errors
from app.sync.client import RequestRetry, SyncClient
from app.sync.config import DeviceConfig
from sync_server.store import ServerStore


class Recorder(httpx.BaseTransport):
    """A real transport that notes each exchange: (path, status, seconds, Retry-After)."""

    def __init__(self, connections: int = 1000) -> None:
        self.inner = httpx.HTTPTransport(limits=httpx.Limits(max_connections=connections))
        self.exchanges: list[tuple[str, int, float, str | None]] = []
        self.failures: Counter[str] = Counter()
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        try:
            response = self.inner.handle_request(request)
            response.read()
        except httpx.TransportError as exc:
            with self._lock:
                self.failures[type(exc).__name__] += 1
            raise
        with self._lock:
            self.exchanges.append((request.url.path, response.status_code,
                                   time.perf_counter() - started,
                                   response.headers.get("Retry-After")))
        return response

    def close(self) -> None:
        """Shared by every device's client: closing one client must not close it."""

    def shutdown(self) -> None:
        self.inner.close()


@dataclass
class RushDevice:
    store: Store
    config: DeviceConfig
    records: list[str] = field(default_factory=list)
    gave_up: Counter[str] = field(default_factory=Counter)
    """Rounds that failed after all retries, by error code (the device tried again later)."""
    done: bool = False


def enroll_fleet(db: Path, workdir: Path, devices: int, team_size: int) -> list[RushDevice]:
    """Teams of ``team_size`` workers with one device each, enrolled in the database ``db``."""
    server = ServerStore(db)
    fleet = []
    try:
        teams = [server.add_team(f"Team {n}") for n in range(-(-devices // team_size))]
        for n in range(devices):
            store = Store(workdir / f"device-{n}" / "wijkweb.sqlite")
            team = teams[n // team_size]
            worker = server.add_worker(f"Medewerker {n}", "street_coach", [team])
            data = server.redeem_enrollment(server.create_enrollment(worker), store.device)
            config = DeviceConfig(server="", device=data["device"], token=data["token"],
                                  worker=worker, role="street_coach", teams=[team])
            fleet.append(RushDevice(store, config))
    finally:
        server.close()
    return fleet


def rush(fleet: list[RushDevice], url: str | list[str], *, threads: int, batch: int,
         seconds: float, seed: int = 0) -> tuple[Recorder, float]:
    """All devices at once: record ``batch`` residents, then sync until through (or time is
    up). Returns the recorder and the wall time from start to the last device done. Several
    URLs (server processes on one PostgreSQL database): devices are spread over them."""
    urls = [url] if isinstance(url, str) else url
    recorder = Recorder()
    deadline = time.monotonic() + seconds
    rnd = random.Random(seed)
    seeds = [rnd.random() for _ in fleet]

    def one(n: int) -> None:
        dev = fleet[n]
        dev.config.server = urls[n % len(urls)]
        team = dev.config.teams[0]
        with dev.store.transaction():
            dev.records += [dev.store.create("resident", team, {"name": f"Bewoner {n}-{i}"})
                            for i in range(batch)]
        retry = RequestRetry(attempts=5, base=0.25, cap=8.0, rand=random.Random(seeds[n]).random)
        with SyncClient(dev.store, dev.config, transport=recorder, retry=retry) as client:
            while time.monotonic() < deadline:
                try:
                    client.sync()
                    dev.done = True
                    return
                except (errors.ServerBusy, errors.Offline, errors.Unavailable,
                        errors.ServerError) as err:
                    dev.gave_up[err.code] += 1
                    time.sleep(retry.delay(3))

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(one, range(len(fleet))))
    return recorder, time.monotonic() - started


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def proc_cpu_rss(pid: int) -> tuple[float, float]:
    """CPU seconds used so far and peak RSS in MB of process ``pid`` (from /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    cpu = (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")
    with open(f"/proc/{pid}/status") as f:
        peak = next(int(line.split()[1]) for line in f if line.startswith("VmHWM"))
    return cpu, peak / 1024


def summary(recorder: Recorder, fleet: list[RushDevice], wall: float) -> dict[str, Any]:
    """The rush in figures: throughput, latency percentiles, statuses, give-ups."""
    ok = [s for p, st, s, _ in recorder.exchanges if st == 200]
    by_path: dict[str, list[float]] = {}
    for path, status, secs, _ in recorder.exchanges:
        if status == 200:
            by_path.setdefault(path, []).append(secs)
    statuses = Counter(st for _, st, _, _ in recorder.exchanges)
    gave_up: Counter[str] = Counter()
    for dev in fleet:
        gave_up.update(dev.gave_up)
    done = sum(d.done for d in fleet)
    return {
        "devices": len(fleet), "done": done, "wall_s": wall,
        "syncs_per_s": done / wall if wall else 0.0,
        "records_per_s": sum(len(d.records) for d in fleet if d.done) / wall if wall else 0.0,
        "requests": len(recorder.exchanges), "statuses": dict(sorted(statuses.items())),
        "retry_after_missing": sum(1 for _, st, _, ra in recorder.exchanges
                                   if st in (429, 503) and not ra),
        "transport_errors": dict(recorder.failures), "gave_up": dict(gave_up),
        "p50_ms": percentile(ok, 0.5) * 1000, "p95_ms": percentile(ok, 0.95) * 1000,
        "p99_ms": percentile(ok, 0.99) * 1000,
        "push_p50_ms": percentile(by_path.get("/v1/push", []), 0.5) * 1000,
        "push_p99_ms": percentile(by_path.get("/v1/push", []), 0.99) * 1000,
        "pull_p50_ms": percentile(by_path.get("/v1/pull", []), 0.5) * 1000,
        "pull_p99_ms": percentile(by_path.get("/v1/pull", []), 0.99) * 1000,
    }
