"""The morning rush: 500 devices sync at 9:00 against one server process on 127.0.0.1.

Each device is a real app store with the real sync client; it records a small batch and syncs
(push, then pull its team's changes), backing off on 429 with the server's Retry-After plus
jitter. Devices run on a bounded pool of threads, all started at once. Prints throughput,
latency percentiles of the answered requests, statuses, give-ups, and the server's CPU time
and peak RSS (read from /proc). Run: ``python bench/rush_bench.py [--devices 500]``.

``--db postgresql://... --servers 2``: that many server processes share an empty PostgreSQL
database, devices spread over them; CPU is summed and RSS is the largest of the processes
(PostgreSQL's own processes not counted).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.faults.run import ServerProcess  # noqa: E402
from tests.faults.rush import enroll_fleet, proc_cpu_rss, rush, summary  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(prog="python bench/rush_bench.py")
    parser.add_argument("--devices", type=int, default=500)
    parser.add_argument("--threads", type=int, default=100, help="devices syncing at once")
    parser.add_argument("--batch", type=int, default=5, help="records per device")
    parser.add_argument("--team-size", type=int, default=25)
    parser.add_argument("--max-in-flight", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=300, help="give up after this")
    parser.add_argument("--db", help="an empty postgresql://... database (default: SQLite)")
    parser.add_argument("--servers", type=int, default=1, help="server processes (PostgreSQL)")
    args = parser.parse_args()
    if args.servers > 1 and not args.db:
        parser.error("--servers > 1 needs --db postgresql://... (a SQLite file has one server)")
    with tempfile.TemporaryDirectory(prefix="wijkweb-rush-") as tmp:
        db = args.db or Path(tmp) / "server.db"
        fleet = enroll_fleet(db, Path(tmp), args.devices, args.team_size)
        # every simulated phone connects from 127.0.0.1; in the field each has its own address
        servers = [ServerProcess(db, "--max-in-flight", str(args.max_in_flight),
                                 "--max-connections-per-address", "0",
                                 log=Path(tmp) / f"server-{n}.log") for n in range(args.servers)]
        urls = [f"http://127.0.0.1:{server.start()}" for server in servers]
        pids = [server.proc.pid for server in servers if server.proc is not None]
        cpu_before = sum(proc_cpu_rss(pid)[0] for pid in pids)
        try:
            recorder, wall = rush(fleet, urls, threads=args.threads, batch=args.batch,
                                  seconds=args.seconds)
            used = [proc_cpu_rss(pid) for pid in pids]
            cpu_after, peak = sum(c for c, _ in used), max(r for _, r in used)
        finally:
            for server in servers:
                server.stop()
            for dev in fleet:
                dev.store.close()
        recorder.shutdown()
    s = summary(recorder, fleet, wall)
    print(f"{'PostgreSQL, ' + str(args.servers) + ' server processes' if args.db else 'SQLite'}: "
          f"devices {s['devices']} (threads {args.threads}, batch {args.batch}, teams of "
          f"{args.team_size}, max in flight {args.max_in_flight}): {s['done']} done in "
          f"{s['wall_s']:.1f} s")
    print(f"throughput: {s['syncs_per_s']:.1f} device syncs/s, {s['records_per_s']:.0f} "
          f"records/s pushed; {s['requests']} requests")
    print(f"latency of answered requests: p50 {s['p50_ms']:.0f} ms, p95 {s['p95_ms']:.0f} ms, "
          f"p99 {s['p99_ms']:.0f} ms (push p50/p99 {s['push_p50_ms']:.0f}/"
          f"{s['push_p99_ms']:.0f} ms, pull {s['pull_p50_ms']:.0f}/{s['pull_p99_ms']:.0f} ms)")
    print(f"statuses {s['statuses']}; 429/503 without Retry-After: {s['retry_after_missing']}; "
          f"transport errors {s['transport_errors']}; rounds given up {s['gave_up']}")
    print(f"server: {cpu_after - cpu_before:.1f} s CPU ({(cpu_after - cpu_before) / wall:.0%} "
          f"of one core), peak RSS {peak:.1f} MB")
    return 0 if s["done"] == s["devices"] else 1


if __name__ == "__main__":
    sys.exit(main())
