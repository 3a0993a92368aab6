"""How long "Wat werkt" takes: one matched bootstrap estimate (1,000 resamples) for teams of
N scored households, and the whole screen (5 practices × 14 rows = 70 estimates).

Run: ``python bench/what_works_bench.py``. Figures go to bench/RESULTS.md.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.services.matched import Unit, compare  # noqa: E402
from app.services.what_works import PRACTICES  # noqa: E402

ROWS = len(PRACTICES) * 14


def main() -> None:
    rng = random.Random(1)
    print("| scored households | one estimate (median of 5) | whole screen (× 70) |")
    print("|---|---|---|")
    for n in (100, 500, 2000):
        units = [Unit(rng.choice([1, 2, 3, 4]), rng.gauss(0, 1)) for _ in range(n)]
        times = []
        for seed in range(5):
            t0 = time.perf_counter()
            compare(units[: n // 2], units[n // 2:], seed=seed)
            times.append(time.perf_counter() - t0)
        one = sorted(times)[2]
        print(f"| {n:,} | {one * 1000:.0f} ms | {one * ROWS:.1f} s |")


if __name__ == "__main__":
    main()
