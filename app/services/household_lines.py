"""Households as lines a team lead reads (name, street, primary worker), for the figures of
"Wat werkt" and "Vaste gezichten" that open the households behind them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import col, select

from app.domain.models import Household, Resident, Worker
from app.store import Store


@dataclass(frozen=True)
class HouseholdLine:
    id: str
    name: str
    street: str
    worker: str  # the primary worker's name, "" when unknown
    resident_id: str | None  # the first resident: their page opens from the line


def lines(store: Store, ids: Sequence[str], limit: int = 200) -> list[HouseholdLine]:
    """The households of ``ids`` that still exist, by name (at most ``limit``)."""
    wanted = list(dict.fromkeys(ids))
    out: list[HouseholdLine] = []
    with store.session() as s:
        workers = {w.id: w.name for w in s.exec(select(Worker)).all()}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i:i + 500]
            homes = s.exec(select(Household).where(
                ~col(Household.deleted), col(Household.id).in_(chunk))).all()
            first: dict[str, str] = {}
            for r in s.exec(select(Resident).where(
                    ~col(Resident.deleted), col(Resident.household_id).in_(chunk))
                    .order_by(Resident.id)).all():
                first.setdefault(r.household_id or "", r.id)
            out += [HouseholdLine(h.id, h.name, h.street,
                                  workers.get(h.primary_worker_id or "", ""), first.get(h.id))
                    for h in homes]
    out.sort(key=lambda h: (h.name, h.id))
    return out[:limit]
