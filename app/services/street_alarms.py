"""Early warning of sliding streets: a weekly series per street and a Poisson CUSUM against the
street's own baseline, so a quiet street and a busy one are each judged by their own normal.

A street's week counts its signals, each weighted by severity (1–3) times its category's weight
(``CATEGORY_WEIGHT``), its anonymous street contacts (a group met on the street) and its
contacts about safety (themes ``clean_safe`` or ``safety_subversion``). The first
``BASELINE_WEEKS`` weeks of the series set the street's normal rate μ0 (at least ``FLOOR``);
the CUSUM then adds, week by week, the log-likelihood ratio of "the rate has doubled" against
"it is still μ0" and alarms at ``LIMIT``. Weights make the counts over-dispersed, so both the
counts and μ0 are divided by the dispersion (variance / mean, at least 1) of the baseline weeks
(a quasi-Poisson scale). ``bench/alarm_bench.py`` measures detection and false alarms.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import col, select

from app.domain.models import Contact, Signal
from app.services.overview import Figure
from app.store import Store

CATEGORY_WEIGHT = {"vacancy": 1.5, "litter": 1.0, "nuisance": 1.0, "subletting": 1.5,
                   "maintenance": 0.5, "safety": 1.5}
"""Vacancy, subletting and safety weigh more: the literature names them as a street's slide."""
SAFETY_THEMES = ("clean_safe", "safety_subversion")
WEEKS = 52
BASELINE_WEEKS = 26
RATIO = 2.0
"""The CUSUM looks for a doubling of the street's rate."""
LIMIT = 6.0
"""Decision limit of the CUSUM (chosen with bench/alarm_bench.py: few false alarms a year)."""
WATCH = LIMIT / 2
FLOOR = 0.25
"""Lowest baseline rate per week: a street with no history is not alarmed by one event."""


@dataclass(frozen=True)
class Detector:
    """The CUSUM of one series: its value per monitored week and the first alarm."""

    baseline: float  # μ0 per week (weighted units)
    dispersion: float
    cusum: list[float]  # one per week after the baseline
    first_alarm: int | None  # index into the series


def detect(series: Sequence[float], baseline_weeks: int = BASELINE_WEEKS,
           limit: float = LIMIT, ratio: float = RATIO, floor: float = FLOOR) -> Detector:
    """Run the Poisson CUSUM over ``series[baseline_weeks:]`` against the baseline weeks."""
    base = list(series[:baseline_weeks])
    mean = sum(base) / len(base) if base else 0.0
    var = sum((x - mean) ** 2 for x in base) / (len(base) - 1) if len(base) > 1 else mean
    dispersion = max(1.0, var / mean) if mean > 0 else 1.0
    mu0 = max(mean, floor) / dispersion
    step = math.log(ratio)
    s, out, first = 0.0, [], None
    for i, y in enumerate(series[baseline_weeks:]):
        s = max(0.0, s + (y / dispersion) * step - (ratio - 1) * mu0)
        out.append(s)
        if first is None and s >= limit:
            first = baseline_weeks + i
    return Detector(max(mean, floor), dispersion, out, first)


@dataclass
class StreetAlarm:
    street: str
    weeks: list[date]  # Mondays, oldest first
    series: list[float]
    detector: Detector
    signals: Figure = field(default_factory=lambda: Figure("signals", "signal"))
    contacts: Figure = field(default_factory=lambda: Figure("contacts", "contact"))

    @property
    def level(self) -> float:
        """The CUSUM now: 0 is normal, ``LIMIT`` and above is an alarm."""
        return self.detector.cusum[-1] if self.detector.cusum else 0.0

    @property
    def alarm(self) -> bool:
        return self.level >= LIMIT

    @property
    def watch(self) -> bool:
        return WATCH <= self.level < LIMIT

    @property
    def recent(self) -> float:
        """Mean of the last four weeks, beside the baseline's."""
        return sum(self.series[-4:]) / 4


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _day(value: datetime) -> date:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).date()


def compute(store: Store, today: date | None = None, weeks: int = WEEKS) -> list[StreetAlarm]:
    """Every street with records in the last ``weeks`` weeks, highest alarm first. The records
    behind a street are those of its monitored (recent) weeks."""
    today = today or datetime.now(UTC).date()
    first = _monday(today) - timedelta(weeks=weeks - 1)
    mondays = [first + timedelta(weeks=i) for i in range(weeks)]
    since = datetime.combine(first, time.min, UTC)
    recent_from = mondays[min(BASELINE_WEEKS, weeks - 1)]
    with store.session() as s:
        signals = s.exec(select(Signal).where(~col(Signal.deleted), Signal.at >= since,
                                              Signal.street != "")).all()
        contacts = s.exec(select(Contact).where(~col(Contact.deleted), Contact.at >= since,
                                                Contact.street != "")).all()
    series: dict[str, list[float]] = defaultdict(lambda: [0.0] * weeks)
    behind: dict[str, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))

    def add(street: str, when: date, weight: float, kind: int, row_id: str) -> None:
        index = (_monday(when) - first).days // 7
        if 0 <= index < weeks:
            series[street][index] += weight
            if when >= recent_from:
                behind[street][kind].append(row_id)

    for sig in signals:
        add(sig.street, _day(sig.at), sig.severity * CATEGORY_WEIGHT.get(sig.category, 1.0), 0,
            sig.id)
    for c in contacts:
        if c.group_size or set(c.themes) & set(SAFETY_THEMES):
            add(c.street, _day(c.at), 1.0, 1, c.id)
    out = [StreetAlarm(street, mondays, values, detect(values),
                       Figure(street, "signal", behind[street][0]),
                       Figure(street, "contact", behind[street][1]))
           for street, values in series.items()]
    out.sort(key=lambda a: (-a.level, a.street))
    return out


def alarmed(alarms: Sequence[StreetAlarm], streets: Sequence[str]) -> list[str]:
    """Those of ``streets`` that are in alarm now (a coach's streets on Vandaag)."""
    mine = set(streets)
    return [a.street for a in alarms if a.alarm and a.street in mine]
