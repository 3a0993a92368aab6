"""Reads the screens need beyond ``app.store.queries``: small, indexed, read-only.

They live here (not in the store) so the store stays owned by its team; each is one query
through ``store.session()``, deleted rows hidden.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol, TypeVar

from sqlmodel import col, func, select

from app.domain.models import (
    Activation,
    Area,
    Contact,
    Household,
    Initiative,
    NetworkPerson,
    OutcomeScore,
    Resident,
    Team,
    Tie,
    Worker,
)
from app.store import Store


class _Named(Protocol):
    """A table whose rows have a name people know them by."""

    id: str
    name: str
    deleted: bool


Row = TypeVar("Row", bound=_Named)


def recent_streets(store: Store, worker_id: str | None, limit: int = 6,
                   days: int = 60) -> list[str]:
    """Streets of my latest contacts, most recent first: the contact form offers them first."""
    since = datetime.now(UTC) - timedelta(days=days)
    q = (select(Contact.street, func.max(Contact.at).label("last"))
         .where(~col(Contact.deleted), Contact.street != "", Contact.at >= since)
         .group_by(Contact.street).order_by(func.max(Contact.at).desc()).limit(limit))
    if worker_id:
        q = q.where(Contact.worker_id == worker_id)
    with store.session() as s:
        return [street for street, _ in s.exec(q).all()]


def area_streets(store: Store) -> list[str]:
    """Every street of the team's areas, sorted: the choice list for a street."""
    with store.session() as s:
        areas = s.exec(select(Area).where(~col(Area.deleted))).all()
    return sorted({street for a in areas for street in a.streets})


def my_streets(store: Store, worker_id: str | None) -> list[str]:
    """The streets where I am the primary worker of a household, or made a contact this month."""
    if not worker_id:
        return []
    since = datetime.now(UTC) - timedelta(days=30)
    with store.session() as s:
        homes = s.exec(select(Household.street).where(
            ~col(Household.deleted), Household.primary_worker_id == worker_id).distinct()).all()
        rounds = s.exec(select(Contact.street).where(
            ~col(Contact.deleted), Contact.worker_id == worker_id, Contact.at >= since,
            Contact.street != "").distinct()).all()
    return sorted({*homes, *rounds} - {""})


def workers(store: Store) -> list[Worker]:
    with store.session() as s:
        return list(s.exec(select(Worker).where(~col(Worker.deleted)).order_by(Worker.name)))


def _by_id(store: Store, model: type[Row], ids: Iterable[str]) -> dict[str, Row]:
    """The rows with these ids (one query, none for no ids), deleted ones left out."""
    wanted = list(set(ids))
    if not wanted:
        return {}
    with store.session() as s:
        rows = s.exec(select(model).where(col(model.id).in_(wanted))).all()
    return {r.id: r for r in rows if not r.deleted}


def resident(store: Store, resident_id: str) -> Resident | None:
    """A live resident, or None (deleted, erased, or never synced here)."""
    found: Resident | None = store.get(Resident, resident_id)
    return found


def person(store: Store, person_id: str) -> NetworkPerson | None:
    """A live network person, or None."""
    found: NetworkPerson | None = store.get(NetworkPerson, person_id)
    return found


def ties(store: Store, resident_id: str) -> list[tuple[Tie, NetworkPerson]]:
    """A resident's ties with the person at the other end (the ecogram's spokes)."""
    return store.ties(resident_id)


def person_ties(store: Store, person_id: str) -> list[tuple[Tie, Resident]]:
    """The residents a network person is tied to."""
    return store.person_ties(person_id)


def residents_by_id(store: Store, ids: Iterable[str]) -> dict[str, Resident]:
    return _by_id(store, Resident, ids)


def people_by_id(store: Store, ids: Iterable[str]) -> dict[str, NetworkPerson]:
    return _by_id(store, NetworkPerson, ids)


def names_by_id(store: Store, ids: Iterable[str]) -> dict[str, str]:
    """The name of each id that is a worker, resident, network person, household, area or team
    (for showing a reference field as people know it, not as a UUID)."""
    wanted = list(set(ids))
    names: dict[str, str] = {}
    models: tuple[type[_Named], ...] = (Worker, Resident, NetworkPerson, Household, Area, Team)
    for model in models:
        names.update({i: r.name for i, r in _by_id(store, model, wanted).items()})
    return names


def household_members(store: Store, household_id: str) -> Sequence[Resident]:
    with store.session() as s:
        return s.exec(select(Resident).where(
            ~col(Resident.deleted), Resident.household_id == household_id)
            .order_by(Resident.name)).all()


def scores(store: Store, resident_id: str) -> Sequence[OutcomeScore]:
    """A resident's ZRM scores, oldest first."""
    with store.session() as s:
        return s.exec(select(OutcomeScore).where(
            ~col(OutcomeScore.deleted), OutcomeScore.resident_id == resident_id)
            .order_by(col(OutcomeScore.date), OutcomeScore.id)).all()


def activations(store: Store, resident_id: str | None = None) -> Sequence[Activation]:
    """Network activations, newest first (of one resident, or all)."""
    q = select(Activation).where(~col(Activation.deleted))
    if resident_id:
        q = q.where(Activation.resident_id == resident_id)
    with store.session() as s:
        return s.exec(q.order_by(col(Activation.date).desc(), Activation.id)).all()


def initiatives(store: Store) -> Sequence[Initiative]:
    """Resident initiatives by street, newest first."""
    with store.session() as s:
        return s.exec(select(Initiative).where(~col(Initiative.deleted))
                      .order_by(Initiative.street, col(Initiative.at).desc())).all()


def count_residents(store: Store) -> int:
    with store.session() as s:
        return s.exec(select(func.count()).select_from(Resident)
                      .where(~col(Resident.deleted))).one()
