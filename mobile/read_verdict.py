"""Wait for the self-test's verdict from a device and fail unless it passed (CI only).

    python mobile/read_verdict.py --adb [--timeout S]            Android: the app's log line
    python mobile/read_verdict.py --file-under DIR [--timeout S]  iOS simulator: selftest.json

The app prints ``WIJKWEB_SELFTEST {json}`` when its self-test ends and writes the same JSON to
``selftest/selftest.json`` in its data dir (``app/selftest.py``). Prints the verdict; exit 0
only when ``ok`` is true, 1 when it is false, 2 when none arrived in time.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

MARK = "WIJKWEB_SELFTEST "


def from_adb() -> dict | None:
    log = subprocess.run(["adb", "logcat", "-d"], capture_output=True, text=True).stdout
    lines = [line.split(MARK, 1)[1] for line in log.splitlines() if MARK in line]
    return json.loads(lines[-1]) if lines else None


def from_files(root: Path) -> dict | None:
    found = sorted(root.rglob("selftest/selftest.json"))
    return json.loads(found[-1].read_text()) if found else None


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--adb", action="store_true")
    p.add_argument("--file-under", type=Path)
    p.add_argument("--timeout", type=float, default=600)
    args = p.parse_args()
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        verdict = from_adb() if args.adb else from_files(args.file_under)
        if verdict is not None:
            print(json.dumps(verdict, indent=1))
            return 0 if verdict.get("ok") else 1
        time.sleep(5)  # polling a device from CI: nothing to wait on but its output
    print("no self-test verdict arrived", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
