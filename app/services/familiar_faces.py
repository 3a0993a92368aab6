"""Vaste gezichten: how long each household has had its current primary worker, and for the
team the share with the same worker for 12 months or more, handovers per 100 households per
year, and households "uit beeld" (no contact for N weeks) — now and at each quarter's end.

A household is known from its first record: the earliest of its creation (the oldest stamp of
its row) and its residents' first contact, score or activation. Its current worker's term
starts at the last handover to that worker (``Handover.at``), else when it became known. The
same rules, applied "as of" a day, give the trend and the quarterly aggregates
(``app.services.quarterly``).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlmodel import col, select

from app.domain.models import Activation, Contact, Handover, Household, OutcomeScore, Resident
from app.store import Store
from wijkweb_protocol import stamp_ms

OUT_OF_SIGHT_WEEKS = 8
"""Default N of "uit beeld"; the team lead changes it on the screen."""
LONG_MONTHS = 12
TREND_QUARTERS = 8


@dataclass(frozen=True)
class History:
    """What the figures need of each household, read once."""

    known: dict[str, date]  # household → first day it is known
    handovers: dict[str, list[tuple[date, str | None, str]]]  # household → (day, to, id)
    contacts: dict[str, list[date]]  # household → days of contacts naming its residents


@dataclass(frozen=True)
class Tenure:
    household_id: str
    since: date
    days: int

    @property
    def months(self) -> float:
        return round(self.days / 30.44, 1)


@dataclass
class Faces:
    """The figures on ``day``; every list holds household ids (or handover ids)."""

    day: date
    weeks: int
    households: list[str]
    tenures: list[Tenure]
    long: list[str]  # same primary worker ≥ 12 months
    handovers: list[str]  # handover ids in the 12 months up to ``day``
    handed: list[str]  # the households of those handovers
    out_of_sight: list[str]

    @property
    def long_share(self) -> float | None:
        return round(len(self.long) / len(self.households), 3) if self.households else None

    @property
    def handovers_per_100(self) -> float | None:
        return (round(100 * len(self.handovers) / len(self.households), 1)
                if self.households else None)


def _day(value: datetime) -> date:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).date()


def read(store: Store) -> History:
    with store.session() as s:
        homes = s.exec(select(Household).where(~col(Household.deleted))).all()
        household_of = {r.id: r.household_id for r in s.exec(
            select(Resident).where(~col(Resident.deleted))).all() if r.household_id}
        contacts = s.exec(select(Contact.at, Contact.resident_ids).where(
            ~col(Contact.deleted))).all()
        scores = s.exec(select(OutcomeScore.resident_id, col(OutcomeScore.date)).where(
            ~col(OutcomeScore.deleted))).all()
        acts = s.exec(select(Activation.resident_id, col(Activation.date)).where(
            ~col(Activation.deleted))).all()
        handovers = s.exec(select(Handover).where(~col(Handover.deleted))).all()
    known: dict[str, date] = {}
    for h in homes:
        stamps = [stamp_ms(v) for v in json.loads(h.stamps or "{}").values()]
        known[h.id] = (datetime.fromtimestamp(min(stamps) / 1000, UTC).date() if stamps
                       else datetime.now(UTC).date())
    seen: dict[str, list[date]] = defaultdict(list)
    for at, resident_ids in contacts:
        for hh in {household_of[r] for r in resident_ids if r in household_of}:
            seen[hh].append(_day(at))
    for rid, day in [*scores, *acts]:
        home = household_of.get(rid)
        if home is not None and home in known:
            known[home] = min(known[home], day)
    for hh, days in seen.items():
        days.sort()
        if hh in known:
            known[hh] = min(known[hh], days[0])
    moves: dict[str, list[tuple[date, str | None, str]]] = defaultdict(list)
    for ho in handovers:
        if ho.household_id in known:
            moves[ho.household_id].append((_day(ho.at), ho.to_worker_id, ho.id))
    for items in moves.values():
        items.sort(key=lambda m: (m[0], m[2]))
    return History(known, dict(moves), dict(seen))


def figures_at(history: History, day: date, weeks: int = OUT_OF_SIGHT_WEEKS) -> Faces:
    """The figures as they stood at the end of ``day`` (households known by then)."""
    households = sorted(hh for hh, first in history.known.items() if first <= day)
    tenures, long, handovers, handed, out = [], [], [], [], []
    year_ago, horizon = day - timedelta(days=365), day - timedelta(weeks=weeks)
    for hh in households:
        moves = [m for m in history.handovers.get(hh, []) if m[0] <= day]
        since = max(history.known[hh], moves[-1][0]) if moves else history.known[hh]
        tenure = Tenure(hh, since, (day - since).days)
        tenures.append(tenure)
        if tenure.days >= 365:
            long.append(hh)
        recent = [m for m in moves if m[0] > year_ago]
        handovers += [m[2] for m in recent]
        handed += [hh] * bool(recent)
        contacts = [d for d in history.contacts.get(hh, []) if d <= day]
        if (contacts[-1] if contacts else history.known[hh]) < horizon:
            out.append(hh)
    tenures.sort(key=lambda x: (-x.days, x.household_id))
    return Faces(day, weeks, households, tenures, long, handovers, handed, out)


def quarter_ends(today: date, count: int = TREND_QUARTERS) -> list[date]:
    """The last days of the ``count`` quarters before the current one, oldest first."""
    out, year, q = [], today.year, (today.month - 1) // 3
    for _ in range(count):
        q -= 1
        if q < 0:
            q, year = 3, year - 1
        nxt = date(year + (q == 3), 1 if q == 3 else 3 * q + 4, 1)
        out.append(nxt - timedelta(days=1))
    return out[::-1]


@dataclass
class FamiliarFaces:
    now: Faces
    trend: list[Faces]  # at each quarter's end, oldest first


def compute(store: Store, weeks: int = OUT_OF_SIGHT_WEEKS,
            today: date | None = None) -> FamiliarFaces:
    today = today or datetime.now(UTC).date()
    history = read(store)
    return FamiliarFaces(figures_at(history, today, weeks),
                         [figures_at(history, d, weeks) for d in quarter_ends(today)])
