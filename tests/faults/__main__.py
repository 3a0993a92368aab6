"""``python -m tests.faults --minutes 30 [--seed N] [--devices 5]``: a long fault run.

Runs rounds of ``--round-minutes`` (each a fresh server and fleet, the next seed) until the time
is up, and writes what happened and what was checked to ``bench/faults-last-run.md``.
"""

from __future__ import annotations

import argparse
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from .run import ROOT, FaultRun, Report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.faults")
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--round-minutes", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--devices", type=int, default=5)
    parser.add_argument("--out", default=str(ROOT / "bench" / "faults-last-run.md"))
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(2**31)
    deadline = time.monotonic() + args.minutes * 60
    reports: list[Report] = []
    failure = ""
    while time.monotonic() < deadline and not failure:
        left = deadline - time.monotonic()
        tmp = tempfile.mkdtemp(prefix="wijkweb-faults-")
        run = FaultRun(seed + len(reports), Path(tmp), devices=args.devices)
        try:
            reports.append(run.run(seconds=min(args.round_minutes * 60, left)))
            shutil.rmtree(tmp)
        except AssertionError as exc:
            failure = f"{exc} (databases and server log kept in {tmp})"
            reports.append(run.report)
        print(f"round {len(reports)} seed {reports[-1].seed}: "
              f"{'FAILED ' + failure if failure else 'ok'}", flush=True)
    Path(args.out).write_text(render(args, seed, reports, failure), encoding="utf-8")
    print(f"wrote {args.out}")
    return 1 if failure else 0


def render(args: argparse.Namespace, seed: int, reports: list[Report], failure: str) -> str:
    actions: Counter[str] = Counter()
    faults: Counter[str] = Counter()
    for r in reports:
        actions.update(r.actions)
        faults.update(r.faults)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    lines = [
        "# Last long fault run",
        "",
        f"`python -m tests.faults --minutes {args.minutes:g} --seed {seed} "
        f"--devices {args.devices}` at commit `{commit}`, {time.strftime('%Y-%m-%d %H:%M')} "
        f"on {platform.python_implementation()} {platform.python_version()}, "
        f"{platform.machine()}.",
        "",
        f"**Result: {'FAILED — ' + failure if failure else 'passed'}.**",
        "",
        "| round | seed | seconds | steps | writes | rows at the end | syncs ok / failed | "
        "quiet after |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for n, r in enumerate(reports, 1):
        lines.append(f"| {n} | {r.seed} | {r.seconds:.0f} | {r.steps} | {r.writes} | {r.rows} | "
                     f"{r.syncs_ok} / {r.syncs_failed} | {r.quiet_rounds} rounds |")
    lines += ["", "Steps of the schedule: " + ", ".join(
        f"{k} {v}" for k, v in sorted(actions.items())) + ".", "",
        "Exchanges through the proxies: " + ", ".join(
        f"{k} {v}" for k, v in sorted(faults.items())) + ".", "",
        "Checked at the end of every round:", ""]
    checks = reports[-1].checks if reports and reports[-1].checks else []
    lines += [f"- {c}" for c in checks]
    lines += ["- after every server restart: every acknowledged write on the server", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
