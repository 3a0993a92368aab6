"""How well the sliding-street alarm works: synthetic weekly series with known change points.

Each street has a year of weeks (26 baseline + 26 monitored, as on the screen). A week's events
are Poisson at the street's rate; an event is a contact (weight 1) or a signal (severity 1–3
times a category weight), half and half, so the series is as over-dispersed as the real one.
Flat streets never change; rising streets multiply their rate at a random week of the monitored
half (weeks 28–44). Reported per base rate and rise: the share of rising streets caught after
the change, the median and 90th-percentile weeks from the change to the alarm, and the share of
flat streets alarmed at any week of the monitored half-year (an alarm before the change of a
rising street is counted as a false alarm, not a catch).

Run: ``python bench/alarm_bench.py [--streets N --limit H]``. Figures go to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.services.street_alarms import (  # noqa: E402
    BASELINE_WEEKS,
    CATEGORY_WEIGHT,
    LIMIT,
    WEEKS,
    detect,
)

RATES = (0.3, 1.0, 3.0)
"""Events per week at baseline: a quiet street, an ordinary one, a busy one."""
RISES = (1.5, 2.0, 3.0)


def poisson(rng: random.Random, lam: float) -> int:
    """Knuth's method (rates here are small)."""
    limit, k, p = pow(2.718281828459045, -lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def week(rng: random.Random, lam: float) -> float:
    weights = list(CATEGORY_WEIGHT.values())
    return sum(1.0 if rng.random() < 0.5 else rng.choice((1, 2, 3)) * rng.choice(weights)
               for _ in range(poisson(rng, lam)))


def series(rng: random.Random, lam: float, change: int | None, rise: float) -> list[float]:
    return [week(rng, lam * (rise if change is not None and i >= change else 1.0))
            for i in range(WEEKS)]


def run(streets: int, limit: float, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    lines = ["| base rate / week | rise | caught | weeks to alarm (median / p90) | "
             "false alarm before the change |", "|---|---|---|---|---|"]
    flat_lines = []
    for lam in RATES:
        flat = sum(detect(series(rng, lam, None, 1.0), limit=limit).first_alarm is not None
                   for _ in range(streets))
        flat_lines.append(f"| {lam} | {flat / streets:.1%} |")
        for rise in RISES:
            caught, early, delays = 0, 0, []
            for _ in range(streets):
                change = rng.randint(BASELINE_WEEKS + 2, BASELINE_WEEKS + 18)
                found = detect(series(rng, lam, change, rise), limit=limit).first_alarm
                if found is None:
                    continue
                if found < change:
                    early += 1
                    continue
                caught += 1
                delays.append(found - change + 1)
            p90 = (statistics.quantiles(delays, n=10)[-1] if len(delays) > 1 else
                   float("nan"))
            median = statistics.median(delays) if delays else float("nan")
            lines.append(f"| {lam} | ×{rise} | {caught / streets:.1%} | {median:.0f} / "
                         f"{p90:.0f} | {early / streets:.1%} |")
    return [*lines, "", "| base rate / week | flat streets alarmed in 26 weeks |", "|---|---|",
            *flat_lines]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--streets", type=int, default=2000)
    ap.add_argument("--limit", type=float, default=LIMIT)
    args = ap.parse_args()
    print(f"CUSUM limit {args.limit}, {args.streets} streets per row\n")
    print("\n".join(run(args.streets, args.limit)))


if __name__ == "__main__":
    main()
