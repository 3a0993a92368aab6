"""Sync throughput: push N records, pull-and-apply them into a fresh device, re-sync with no change.

The server runs as its own process (``python -m sync_server serve``) on 127.0.0.1 so its peak RSS
can be read; the devices are real app stores with the real sync client. Records have ~8 fields
(~300 bytes of JSON). Run: ``python bench/sync_bench.py [--n 10000 100000]``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.store import Store  # noqa: E402
from app.sync.client import SyncClient, enroll  # noqa: E402
from app.sync.config import DeviceConfig  # noqa: E402
from sync_server.store import ServerStore  # noqa: E402

STREETS = ["Lindelaan", "Esdoornstraat", "Pleinweg", "Kastanjehof", "Wilgenpad", "Havenkade"]


class CountingTransport(httpx.BaseTransport):
    """Counts the bytes that cross the wire (compressed, as sent and received)."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.sent = 0
        self.received = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent += len(request.read())
        response = self.inner.handle_request(request)
        raw = b"".join(response.stream)
        response.close()  # hand the connection back for keep-alive
        self.received += len(raw)
        return httpx.Response(response.status_code, headers=response.headers, content=raw)


def record(rnd: random.Random, i: int) -> dict:
    """A contact of ~300 bytes with 8 fields, the typical row of a street coach's day."""
    at = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=7 * i)
    return {"at": at, "street": rnd.choice(STREETS), "channel": "street",
            "themes": ["youth", "clean_safe"], "group_size": rnd.randint(2, 8),
            "group_label": "jongeren", "follow_up": rnd.random() < 0.2,
            "note": "Gesprek bij het pleintje over overlast en de voetbalkooi."}


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run(n: int, tmp: Path) -> dict[str, float]:
    db = tmp / "server.db"
    admin = ServerStore(db)
    team = admin.add_team("Bench")
    codes = [admin.create_enrollment(admin.add_worker(f"W{i}", "street_coach", [team]))
             for i in range(2)]
    admin.close()
    proc = subprocess.Popen([sys.executable, "-m", "sync_server", "serve", "--db", str(db),
                             "--port", "0"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    url = proc.stdout.readline().split()[-1]
    try:
        writer = Store(tmp / "writer" / "wijkweb.sqlite")
        enroll(writer, url, codes[0], tmp / "writer")
        rnd = random.Random(n)
        for start in range(0, n, 1000):
            with writer.transaction():
                for i in range(start, min(n, start + 1000)):
                    writer.create("contact", team, record(rnd, i))
        wire = CountingTransport()
        with SyncClient(writer, DeviceConfig.load(tmp / "writer"), transport=wire,
                        batch=1000) as client:
            t0 = time.perf_counter()
            client.push()
            push_s = time.perf_counter() - t0
        push_bytes = wire.sent
        rss_push = peak_rss_mb(proc.pid)

        reader = Store(tmp / "reader" / "wijkweb.sqlite")
        enroll(reader, url, codes[1], tmp / "reader")
        wire = CountingTransport()
        with SyncClient(reader, DeviceConfig.load(tmp / "reader"), transport=wire,
                        page=5000) as client:
            t0 = time.perf_counter()
            pulled = client.pull().pulled
            pull_s = time.perf_counter() - t0
            pull_bytes = wire.received
            quiet = []
            for _ in range(20):
                t0 = time.perf_counter()
                client.sync()
                quiet.append(time.perf_counter() - t0)
        rss = peak_rss_mb(proc.pid)
        writer.close()
        reader.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return {"n": n, "push_rps": n / push_s, "pull_rps": pulled / pull_s,
            "push_bytes": push_bytes / n, "pull_bytes": pull_bytes / pulled,
            "rss_mb": rss, "rss_push_mb": rss_push, "quiet_ms": statistics.median(quiet) * 1000}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, nargs="+", default=[10_000, 100_000])
    args = ap.parse_args()
    print("| N | push rec/s | pull+apply rec/s | bytes/rec push (gzip) | bytes/rec pull (gzip) "
          "| server peak RSS | no-change re-sync (median) |")
    print("|---|---|---|---|---|---|---|")
    for n in args.n:
        with tempfile.TemporaryDirectory() as tmp:
            r = run(n, Path(tmp))
        print(f"| {n:,} | {r['push_rps']:,.0f} | {r['pull_rps']:,.0f} | {r['push_bytes']:.0f} "
              f"| {r['pull_bytes']:.0f} | {r['rss_mb']:.1f} MB | {r['quiet_ms']:.1f} ms |",
              flush=True)


if __name__ == "__main__":
    main()
