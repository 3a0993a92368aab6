"""Two years of invented history on top of the demo team, so "Wat werkt", "Straten" and
"Vaste gezichten" have something to show: ZRM rounds with a built-in effect (households with a
key figure in their network improve more), a year of weekly street signals with one street
that starts to slide (Merelstraat, the first worker's round), and handovers of some households.
Deterministic for a given ``seed``; reads the demo team from the store, so it does not depend on
how ``app.demo.seed`` builds it.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import col, select

from app.domain.models import Area, Contact, Household, NetworkPerson, Resident, Tie
from app.services.street_alarms import SAFETY_THEMES
from app.store import Store

SLIDING = "Merelstraat"
KEY_FIGURE_EFFECT = 1.2
"""Extra ZRM points over the rounds for a household with a key figure (the built-in effect)."""
DOMAINS = ("finances", "housing", "social_network", "daytime_activities")
ROUNDS = (730, 455, 300, 150, 7)
"""Days ago of the ZRM rounds; half the households start at the second round."""


def add(store: Store, team: str, workers: list[str], seed: int = 1) -> None:
    """Add the history to the demo team ``team`` (after ``app.demo.seed``); ``workers`` are its
    workers' ids, the street coach first and the team lead last (the worker rows may live on
    the server only)."""
    rng = random.Random(seed * 7919)

    def uid() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    today = date.today()
    now = datetime.now(UTC).replace(microsecond=0)
    with store.session() as s:
        homes = s.exec(select(Household).where(Household.team == team)
                       .order_by(Household.id)).all()
        residents = s.exec(select(Resident).where(Resident.team == team)
                           .order_by(Resident.id)).all()
        keys = set(s.exec(select(NetworkPerson.id).where(
            NetworkPerson.team == team, NetworkPerson.key_figure)).all())
        ties = s.exec(select(Tie).where(Tie.team == team)).all()
        streets = [st for a in s.exec(select(Area).where(Area.team == team)
                                      .order_by(col(Area.name))).all() for st in a.streets]
        street_contacts = [c for c in s.exec(select(Contact).where(Contact.team == team)).all()
                           if c.group_size or set(c.themes) & set(SAFETY_THEMES)]
    first: dict[str, str] = {}
    for r in residents:
        if r.household_id:
            first.setdefault(r.household_id, r.id)
    with_key = {t.resident_id for t in ties if t.person_id in keys}
    coach = workers[0]
    since = min((_utc(c.at) for c in street_contacts), default=now)
    weeks = max(1.0, (now - since).days / 7)
    rates: dict[str, float] = {}
    for c in street_contacts:
        rates[c.street] = rates.get(c.street, 0.0) + 1 / weeks

    with store.transaction():
        for i, home in enumerate(homes):
            rid = first.get(home.id)
            if rid is None:
                continue
            effect = KEY_FIGURE_EFFECT if rid in with_key else 0.0
            rounds = ROUNDS if i % 2 else ROUNDS[1:]
            for dom in DOMAINS:
                start = rng.choice([1, 2, 2, 3, 3, 4])
                for k, days in enumerate(rounds):
                    share = k / (len(rounds) - 1)
                    level = start + share * (0.3 * (3 - start) + effect) + rng.gauss(0, 0.5)
                    store.create("outcome_score", team, {
                        "resident_id": rid, "domain": dom, "date": today - timedelta(days=days),
                        "score": min(5, max(1, round(level))),
                        "worker_id": home.primary_worker_id}, id=uid())
            if i % 3 == 0 and home.primary_worker_id:  # a third changed hands once
                others = [w for w in workers if w != home.primary_worker_id]
                store.create("handover", team, {
                    "household_id": home.id, "from_worker_id": rng.choice(others),
                    "to_worker_id": home.primary_worker_id, "by_worker_id": workers[-1],
                    "at": now - timedelta(days=rng.randint(20, 700)), "seen": True}, id=uid())

        for week in range(52, 0, -1):
            monday = datetime.combine(today - timedelta(days=today.weekday(), weeks=week - 1),
                                      time(10), UTC)
            sliding = week <= 7
            for street in streets:
                rate = 0.25 if street != SLIDING else (2.5 if sliding else 0.3)
                for _ in range(_poisson(rng, rate)):
                    at = min(now, monday + timedelta(days=rng.randint(0, 6),
                                                     hours=rng.randint(0, 8)))
                    category = (rng.choice(["vacancy", "subletting", "nuisance"]) if sliding
                                and street == SLIDING else
                                rng.choice(["litter", "nuisance", "maintenance", "vacancy"]))
                    store.create("signal", team, {
                        "street": street, "category": category,
                        "severity": rng.choice([2, 3]) if sliding and street == SLIDING
                        else rng.choice([1, 1, 2]),
                        "status": "new" if week <= 2 else "resolved", "note": "",
                        "at": at, "worker_id": coach}, id=uid())
            if monday < since:  # before the demo's months: its street contacts at its own rate
                for street in streets:
                    for _ in range(_poisson(rng, rates.get(street, 0.0))):
                        store.create("contact", team, {
                            "at": monday + timedelta(days=rng.randint(0, 4)),
                            "worker_id": rng.choice(workers), "street": street,
                            "group_size": rng.randint(2, 6), "group_label": "buurtbewoners",
                            "channel": "street", "themes": ["clean_safe"], "note": ""},
                            id=uid())
            if sliding:
                store.create("contact", team, {
                    "at": min(now, monday + timedelta(days=2)), "worker_id": coach,
                    "street": SLIDING, "group_size": rng.randint(3, 7),
                    "group_label": "jongeren bij de lege woningen", "channel": "street",
                    "themes": ["safety_subversion"], "note": ""}, id=uid())


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _poisson(rng: random.Random, lam: float) -> int:
    k, p, limit = 0, 1.0, 2.718281828459045 ** -lam
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1
