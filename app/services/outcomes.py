"""Outcomes over time for the team lead: ZRM scores first vs latest per resident and domain,
the team's distribution and average per month, and the network activations that held.

A resident's *first* and *latest* score in a domain are their oldest and newest score up to the
end of the period (a single score has no change).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlmodel import col, select

from app.domain import vocab
from app.domain.models import Activation, OutcomeScore, Resident
from app.services.overview import Period
from app.store import Store


@dataclass(frozen=True)
class Change:
    resident_id: str
    domain: str
    first: int
    first_date: date
    latest: int
    latest_date: date

    @property
    def delta(self) -> int:
        return self.latest - self.first


@dataclass(frozen=True)
class DomainOutcome:
    domain: str
    residents: int  # with at least two scores in this domain
    improved: int
    same: int
    worse: int
    first_avg: float | None
    latest_avg: float | None


@dataclass(frozen=True)
class ResidentOutcome:
    resident_id: str
    name: str
    domains: int
    first_avg: float
    latest_avg: float
    changes: list[Change]

    @property
    def delta(self) -> float:
        return round(self.latest_avg - self.first_avg, 2)


@dataclass
class Outcomes:
    period: Period
    changes: list[Change]
    domains: list[DomainOutcome]
    residents: list[ResidentOutcome]  # most improved first
    first_distribution: dict[int, int]  # score → how many first scores (with a later one)
    latest_distribution: dict[int, int]
    by_month: list[tuple[str, float, int]]  # "YYYY-MM", average score, number of scores
    activations: int  # in the period
    activations_held: list[str]  # ids of those that held after 3 months


def _avg(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def compute(store: Store, period: Period, personal: bool = True) -> Outcomes:
    """The outcomes up to the end of ``period``; activations counted within it."""
    with store.session() as s:
        scores = s.exec(select(OutcomeScore).where(
            ~col(OutcomeScore.deleted), OutcomeScore.date <= period.end)
            .order_by(col(OutcomeScore.date), OutcomeScore.id)).all()
        acts = s.exec(select(Activation).where(
            ~col(Activation.deleted), Activation.date >= period.start,
            Activation.date <= period.end)).all()
        names = ({r.id: r.name for r in s.exec(select(Resident).where(~col(Resident.deleted)))}
                 if personal else {})

    history: dict[tuple[str, str], list[OutcomeScore]] = defaultdict(list)
    months: dict[str, list[int]] = defaultdict(list)
    for sc in scores:
        history[(sc.resident_id, sc.domain)].append(sc)
        if sc.date >= period.start:
            months[sc.date.strftime("%Y-%m")].append(sc.score)
    changes = [Change(rid, dom, h[0].score, h[0].date, h[-1].score, h[-1].date)
               for (rid, dom), h in sorted(history.items()) if len(h) > 1]

    domains = []
    for dom in vocab.ZRM_DOMAINS:
        mine = [c for c in changes if c.domain == dom]
        domains.append(DomainOutcome(
            dom, len(mine), sum(c.delta > 0 for c in mine), sum(c.delta == 0 for c in mine),
            sum(c.delta < 0 for c in mine), _avg([c.first for c in mine]),
            _avg([c.latest for c in mine])))

    per_resident: dict[str, list[Change]] = defaultdict(list)
    for c in changes:
        per_resident[c.resident_id].append(c)
    residents = [ResidentOutcome(rid, names.get(rid, ""), len(cs),
                                 _avg([c.first for c in cs]) or 0.0,
                                 _avg([c.latest for c in cs]) or 0.0, cs)
                 for rid, cs in per_resident.items()]
    residents.sort(key=lambda r: (-r.delta, r.name, r.resident_id))

    first_dist = {k: 0 for k in vocab.ZRM_SCORES}
    latest_dist = {k: 0 for k in vocab.ZRM_SCORES}
    for c in changes:
        first_dist[c.first] += 1
        latest_dist[c.latest] += 1
    return Outcomes(
        period, changes, domains, residents, first_dist, latest_dist,
        [(m, _avg(v) or 0.0, len(v)) for m, v in sorted(months.items())],
        len(acts), sorted(a.id for a in acts if a.outcome == "held"))
