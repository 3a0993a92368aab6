"""Wat werkt: does the change in ZRM scores differ between households with a practice and
households without it? A samenhang (association), never proof of a cause.

For a period, a household's change in a domain is, per resident, the latest score in the period
minus the starting score (the last score on or before the first day, else the first score in the
period), averaged over its residents; "overall" averages its domains. Practices, each in the
period: a network activation that held; an agreement owned by the resident or a network person;
a tie to a key figure; and contact frequency bands (compared with the households seen least).
``app.services.matched`` matches on the starting score and gives the 90 % bootstrap interval.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlmodel import col, select

from app.domain import vocab
from app.domain.models import (
    Activation,
    Agreement,
    Contact,
    NetworkPerson,
    OutcomeScore,
    Resident,
    Tie,
)
from app.i18n import t
from app.services.matched import Estimate, Unit, compare
from app.services.overview import Period, in_period
from app.store import Store

PRACTICES = ("activation_held", "own_agreements", "key_figure", "contacts_monthly",
             "contacts_frequent")
BANDS = {"contacts_rare": (0.0, 1.0), "contacts_monthly": (1.0, 3.0),
         "contacts_frequent": (3.0, float("inf"))}
"""Contacts per 30 days naming a resident of the household: [low, high)."""
REFERENCE = {"contacts_monthly": "contacts_rare", "contacts_frequent": "contacts_rare"}
"""A band is compared with the households seen least, not with all the others."""
OVERALL = "overall"


@dataclass(frozen=True)
class Changes:
    """Per household: its starting score and change, overall and per domain."""

    overall: dict[str, Unit]
    domains: dict[str, dict[str, Unit]]  # domain → household → unit


@dataclass
class PracticeResult:
    practice: str
    overall: Estimate
    domains: dict[str, Estimate]
    households: list[str] = field(default_factory=list)  # ids with the practice (and a change)


@dataclass
class WhatWorks:
    period: Period
    households: int  # with a change in at least one domain
    results: list[PracticeResult]


def number(value: float) -> str:
    """A difference as the team lead reads it: "+0,45"."""
    return f"{value:+.2f}".replace(".", ",")


def estimate_text(est: Estimate) -> str:
    """"+0,45 (90%: +0,12 tot +0,80)", or "te weinig gegevens" below ten households a side."""
    if est.too_few or est.low is None or est.high is None or est.difference is None:
        return t("works.too_few")
    return t("works.estimate", difference=number(est.difference), low=number(est.low),
             high=number(est.high))


def _mean(values: Iterable[float]) -> float:
    items = list(values)
    return sum(items) / len(items)


def score_changes(scores: Iterable[OutcomeScore], household_of: dict[str, str],
                  period: Period) -> Changes:
    """The changes of every household with two scores of one domain around the period."""
    history: dict[tuple[str, str], list[OutcomeScore]] = defaultdict(list)
    for sc in sorted(scores, key=lambda s: (s.date, s.id)):
        if sc.date <= period.end and sc.resident_id in household_of:
            history[(sc.resident_id, sc.domain)].append(sc)
    per: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)  # (hh, dom) → pairs
    for (rid, dom), h in history.items():
        before = [s for s in h if s.date <= period.start]
        inside = [s for s in h if s.date > period.start]
        first = before[-1] if before else (inside[0] if inside else None)
        if first is None or not inside or inside[-1] is first:
            continue
        per[(household_of[rid], dom)].append((first.score, inside[-1].score))
    domains: dict[str, dict[str, Unit]] = defaultdict(dict)
    for (hh, dom), pairs in per.items():
        domains[dom][hh] = Unit(_mean(a for a, _ in pairs), _mean(b - a for a, b in pairs))
    by_household: dict[str, list[Unit]] = defaultdict(list)
    for units in domains.values():
        for hh, unit in units.items():
            by_household[hh].append(unit)
    overall = {hh: Unit(_mean(u.start for u in us), _mean(u.change for u in us))
               for hh, us in by_household.items()}
    return Changes(overall, dict(domains))


def practices(store: Store, period: Period, household_of: dict[str, str]) -> dict[str, set[str]]:
    """Per practice (and contact band) the households that had it in the period."""
    days = (period.end - period.start).days + 1
    with store.session() as s:
        acts = in_period(s, Activation, Activation.date, period, Activation.outcome == "held")
        agreements = in_period(s, Agreement, Agreement.due, period,
                               Agreement.status != "cancelled",
                               col(Agreement.owner_kind).in_(["resident", "network_person"]))
        contacts = in_period(s, Contact, Contact.at, period)
        keys = set(s.exec(select(NetworkPerson.id).where(
            ~col(NetworkPerson.deleted), NetworkPerson.key_figure)).all())
        ties = s.exec(select(Tie).where(~col(Tie.deleted), Tie.strength != "strained")).all()
    out: dict[str, set[str]] = {p: set() for p in (*PRACTICES, *BANDS)}
    out["activation_held"] = {household_of[a.resident_id] for a in acts
                              if a.resident_id in household_of}
    out["own_agreements"] = {household_of[a.resident_id] for a in agreements
                             if a.resident_id in household_of}
    out["key_figure"] = {household_of[t.resident_id] for t in ties
                         if t.person_id in keys and t.resident_id in household_of}
    seen: dict[str, int] = defaultdict(int)
    for c in contacts:
        for hh in {household_of[r] for r in c.resident_ids if r in household_of}:
            seen[hh] += 1
    for hh in set(household_of.values()):
        rate = seen.get(hh, 0) * 30 / days
        out[next(b for b, (lo, hi) in BANDS.items() if lo <= rate < hi)].add(hh)
    return out


def estimate(changes: Changes, had: dict[str, set[str]], practice: str,
             reps: int = 1000) -> PracticeResult:
    """One practice against its comparison group, overall and per domain."""
    mine = had[practice]
    others = had[REFERENCE[practice]] if practice in REFERENCE else None
    seed = PRACTICES.index(practice) * 100

    def split(units: dict[str, Unit], offset: int) -> Estimate:
        with_ = [u for hh, u in sorted(units.items()) if hh in mine]
        without = [u for hh, u in sorted(units.items())
                   if hh not in mine and (others is None or hh in others)]
        return compare(with_, without, seed=seed + offset, reps=reps)

    return PracticeResult(
        practice, split(changes.overall, 0),
        {dom: split(changes.domains.get(dom, {}), i + 1)
         for i, dom in enumerate(vocab.ZRM_DOMAINS)},
        sorted(hh for hh in changes.overall if hh in mine))


def compute(store: Store, period: Period, reps: int = 1000) -> WhatWorks:
    """Every practice of ``PRACTICES`` for ``period`` (seconds for hundreds of households)."""
    with store.session() as s:
        household_of = {r.id: r.household_id for r in s.exec(
            select(Resident).where(~col(Resident.deleted))).all() if r.household_id}
        scores = s.exec(select(OutcomeScore).where(
            ~col(OutcomeScore.deleted), OutcomeScore.date <= period.end)).all()
    changes = score_changes(scores, household_of, period)
    had = practices(store, period, household_of)
    return WhatWorks(period, len(changes.overall),
                     [estimate(changes, had, p, reps) for p in PRACTICES])

