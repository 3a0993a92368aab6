"""Long memory without personal data: per quarter, counts and sums of every figure of "Wat
werkt", the sliding streets and "Vaste gezichten", kept after the households behind them are
erased under their retention term (AVG art. 5(1)(e) and 17).

Where they live: on the team lead's device, in the store's local ``meta`` table under
``quarterly`` (JSON; never synced, never in a row, so no erasure reaches it). A quarter is
*frozen* the first time it is computed 30 days or more after its end (late records have
arrived by then) and never recomputed; a younger quarter is provisional. ``snapshot`` runs
before every page of erasures is applied (``Store.before_purge``) and whenever the team lead's
screens load, so a household counts in the frozen quarters before it goes.

What is kept: team totals only — no ids, names, streets or text — and a count of 1 to 4 is
suppressed (``None``), together with the sums that go with it, so no cell points at a person.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import col, select

from app.domain.models import Contact, OutcomeScore, Resident, Signal
from app.services import familiar_faces, street_alarms, what_works
from app.services.overview import Period, in_period
from app.store import Store

META_KEY = "quarterly"
FREEZE_AFTER = timedelta(days=30)
QUARTERS = 40
"""Ten years of quarters are computed when the device has none frozen yet."""
SMALLEST = 5
"""A count below this (and above 0) is suppressed."""
Figures = dict[str, int | float | None]


@dataclass(frozen=True)
class Quarter:
    label: str  # "2025-Q4"
    period: Period
    frozen: bool
    figures: Figures


def quarter_of(day: date) -> Period:
    first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    nxt = date(first.year + (first.month == 10), 1 if first.month == 10 else first.month + 3, 1)
    return Period(first, nxt - timedelta(days=1))


def label(period: Period) -> str:
    return f"{period.start.year}-Q{(period.start.month - 1) // 3 + 1}"


def suppress(figures: dict[str, tuple[int, float | None]]) -> Figures:
    """``name → (count, sum or None)`` as kept: ``name`` the count, ``name_sum`` the sum; a
    count of 1–4 and its sum become None."""
    out: Figures = {}
    for name, (count, total) in figures.items():
        small = 0 < count < SMALLEST
        out[name] = None if small else count
        if total is not None:
            out[f"{name}_sum"] = None if small else round(total, 3)
    return out


def compute_quarter(store: Store, period: Period, history: familiar_faces.History,
                    changes_of: dict[str, str]) -> Figures:
    """Every figure of one quarter as counts and sums (before suppression)."""
    faces = familiar_faces.figures_at(history, period.end)
    cells: dict[str, tuple[int, float | None]] = {
        "households": (len(faces.households), None),
        "same_worker_12m": (len(faces.long), None),
        "tenure_days": (len(faces.tenures), float(sum(x.days for x in faces.tenures))),
        "handovers_12m": (len(faces.handovers), None),
        "out_of_sight": (len(faces.out_of_sight), None),
    }
    with store.session() as s:
        scores = s.exec(select(OutcomeScore).where(
            ~col(OutcomeScore.deleted), OutcomeScore.date <= period.end)).all()
        signals = in_period(s, Signal, Signal.at, period)
        contacts = in_period(s, Contact, Contact.at, period)
    changes = what_works.score_changes(scores, changes_of, period)
    had = what_works.practices(store, period, changes_of)
    for practice in what_works.PRACTICES:
        reference = had.get(what_works.REFERENCE.get(practice, ""))
        with_ = [u.change for hh, u in changes.overall.items() if hh in had[practice]]
        without = [u.change for hh, u in changes.overall.items()
                   if hh not in had[practice] and (reference is None or hh in reference)]
        cells[f"{practice}_with"] = (len(with_), sum(with_))
        cells[f"{practice}_without"] = (len(without), sum(without))
    cells["signals"] = (len(signals), float(sum(
        sig.severity * street_alarms.CATEGORY_WEIGHT.get(sig.category, 1.0) for sig in signals)))
    cells["anonymous_contacts"] = (sum(1 for c in contacts if c.group_size), None)
    cells["safety_contacts"] = (sum(1 for c in contacts if set(c.themes) & set(
        street_alarms.SAFETY_THEMES)), None)
    alarms = street_alarms.compute(store, period.end)
    cells["streets"] = (len(alarms), None)
    cells["streets_in_alarm"] = (sum(a.alarm for a in alarms), None)
    return suppress(cells)


def load(store: Store) -> dict[str, dict[str, Any]]:
    return json.loads(store.meta(META_KEY) or "{}")


def snapshot(store: Store, today: date | None = None, quarters: int = QUARTERS) -> list[Quarter]:
    """Compute the quarters not frozen yet (up to ``quarters`` back) and store them; frozen
    ones are kept as they are. Returns every stored quarter, oldest first."""
    today = today or datetime.now(UTC).date()
    kept = load(store)
    periods, day = [], quarter_of(today).start
    for _ in range(quarters):
        period = quarter_of(day - timedelta(days=1))
        periods.append(period)
        day = period.start
    todo = [p for p in periods if not kept.get(label(p), {}).get("frozen")]
    if todo:
        history = familiar_faces.read(store)
        with store.session() as s:
            household_of = {r.id: r.household_id for r in s.exec(
                select(Resident).where(~col(Resident.deleted))).all() if r.household_id}
        first_known = min(history.known.values(), default=today)
        for period in todo:
            if period.end < first_known:
                continue  # before any record: nothing to keep
            kept[label(period)] = {
                "start": period.start.isoformat(), "end": period.end.isoformat(),
                "frozen": today - period.end >= FREEZE_AFTER,
                "figures": compute_quarter(store, period, history, household_of)}
        store.set_meta(META_KEY, json.dumps(kept, sort_keys=True))
    return stored(store)


def before_purge(store: Store) -> None:
    """The store's hook: on a team lead's device, keep the quarters before an erasure."""
    if store.meta("role") == "team_lead":
        snapshot(store)


def stored(store: Store) -> list[Quarter]:
    """The quarters as kept, oldest first (no computing)."""
    return [Quarter(key, Period(date.fromisoformat(v["start"]), date.fromisoformat(v["end"])),
                    bool(v["frozen"]), v["figures"]) for key, v in sorted(load(store).items())]
