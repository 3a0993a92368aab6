"""What the encryption at rest costs once: converting an older plain database with a big
caseload on first unlock, and one unlock (scrypt at the key file's cost, plus opening SQLCipher).

Run: ``python bench/unlock_bench.py [--residents N --contacts N]``. Figures go to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from store_bench import seed  # noqa: E402

from app.security import Vault  # noqa: E402
from app.store import Store  # noqa: E402
from wijkweb_protocol import new_id  # noqa: E402

PIN = "482915"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--residents", type=int, default=50_000)
    ap.add_argument("--contacts", type=int, default=200_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        plain = Store(Path(tmp) / "wijkweb.sqlite")
        seed(plain, new_id(), args.residents, args.contacts, random.Random(7))
        plain.close()
        size = (Path(tmp) / "wijkweb.sqlite").stat().st_size
        t0 = time.perf_counter()
        Vault(tmp).set_up(PIN).close()
        print(f"convert a plain database of {size / 2**20:.0f} MiB ({args.residents:,} residents,"
              f" {args.contacts:,} contacts) on first unlock: {time.perf_counter() - t0:.1f} s")
        unlocks = []
        for _ in range(5):
            vault = Vault(tmp)
            t = time.perf_counter()
            vault.unlock(PIN)
            unlocks.append(time.perf_counter() - t)
            vault.close()
        print(f"unlock (scrypt + open): median {statistics.median(unlocks) * 1000:.0f} ms, "
              f"max {max(unlocks) * 1000:.0f} ms (n={len(unlocks)})")


if __name__ == "__main__":
    main()
