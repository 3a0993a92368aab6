"""A matched difference with a bootstrap interval: the statistics behind "Wat werkt".

Plain Python (a few hundred households need no numpy, and phones may lack it). Households are
matched on their starting score: each is put in the stratum of its rounded start (1–5), and
the difference is the mean change *with* a practice minus the mean change *without* it within
each stratum, weighted by the households with the practice (the effect "on those who had it").
Strata without a household on both sides drop out, so every household compared has a
counterpart that started at the same level. The interval is the percentile interval of the
same estimate over resamples of households, drawn with replacement within each stratum and side
(each cell's spread widened by sqrt(n / (n − 1)), which keeps small cells honest).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

MIN_PER_SIDE = 10
"""Below this many households on a side the screen says "te weinig gegevens"."""
LEVEL = 0.90
REPS = 1000


@dataclass(frozen=True)
class Unit:
    """One household in one comparison: its starting score and its change over the period."""

    start: float
    change: float


@dataclass(frozen=True)
class Estimate:
    n_with: int  # households compared (matched), with the practice
    n_without: int
    difference: float | None  # None: too few households on a side
    low: float | None
    high: float | None
    mean_with: float | None = None
    mean_without: float | None = None

    @property
    def too_few(self) -> bool:
        return self.difference is None

    @property
    def found(self) -> bool:
        """True when the interval lies wholly above or below zero (a samenhang to report)."""
        return (self.low is not None and self.high is not None
                and (self.low > 0 or self.high < 0))


def stratum(start: float) -> int:
    return min(5, max(1, int(start + 0.5)))


def _cells(units: Sequence[Unit]) -> dict[int, list[float]]:
    out: dict[int, list[float]] = defaultdict(list)
    for u in units:
        out[stratum(u.start)].append(u.change)
    return out


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def _difference(pairs: list[tuple[list[float], list[float]]]) -> tuple[float, float, float]:
    """Weighted (by the "with" side) mean change with, without, and their difference."""
    return _weighted(pairs, [(_mean(w), _mean(wo)) for w, wo in pairs])


def _weighted(pairs: list[tuple[list[float], list[float]]],
              means: list[tuple[float, float]]) -> tuple[float, float, float]:
    total = sum(len(w) for w, _ in pairs)
    with_ = sum(len(w) * m for (w, _), (m, _) in zip(pairs, means, strict=True)) / total
    without = sum(len(w) * m for (w, _), (_, m) in zip(pairs, means, strict=True)) / total
    return with_, without, with_ - without


def _resampled_mean(rng: random.Random, values: list[float]) -> float:
    """The mean of a resample, its spread widened by sqrt(n / (n − 1)): a plain resample
    of n values varies by the biased variance, which makes small cells' intervals too narrow."""
    n = len(values)
    mean = _mean(values)
    if n < 2:
        return mean
    return mean + (_mean(rng.choices(values, k=n)) - mean) * (n / (n - 1)) ** 0.5


def compare(with_: Sequence[Unit], without: Sequence[Unit], seed: int = 0,
            reps: int = REPS, level: float = LEVEL) -> Estimate:
    """The matched difference of mean change (with − without) and its bootstrap interval."""
    cw, cwo = _cells(with_), _cells(without)
    keys = sorted(set(cw) & set(cwo))
    pairs = [(cw[k], cwo[k]) for k in keys]
    n_with = sum(len(w) for w, _ in pairs)
    n_without = sum(len(wo) for _, wo in pairs)
    if n_with < MIN_PER_SIDE or n_without < MIN_PER_SIDE:
        return Estimate(n_with, n_without, None, None, None)
    mean_with, mean_without, point = _difference(pairs)
    rng = random.Random(seed)
    draws = sorted(_weighted(pairs, [(_resampled_mean(rng, w), _resampled_mean(rng, wo))
                                     for w, wo in pairs])[2] for _ in range(reps))
    tail = (1 - level) / 2
    low = draws[int(tail * (reps - 1))]
    high = draws[int(round((1 - tail) * (reps - 1)))]
    return Estimate(n_with, n_without, round(point, 3), round(low, 3), round(high, 3),
                    round(mean_with, 3), round(mean_without, 3))
