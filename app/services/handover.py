"""Warm handover ("warme overdracht"): a leaving worker's caseload moves to colleagues in one
transaction, and the new primary worker gets a summary per household.

What moves: the households whose primary worker is the leaving one; their open agreements
(``owner_id`` when the worker owns them, and ``worker_id``); and the network people (key-figure
relationships) the worker held. Each household goes to the colleague chosen for it (default: one
colleague for everything); an open agreement follows its resident's household, otherwise the
default colleague. Every update is a stamped change, so the history (the server's change log)
keeps who held what before. Each household also gets a ``handover`` row: it syncs to the new
primary worker's device, which shows the household's summary until the worker marks it seen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import and_, or_
from sqlmodel import col, func, select

from app.domain.models import (
    Activation,
    Agreement,
    Contact,
    Handover,
    Household,
    NetworkPerson,
    Resident,
    Tie,
    Worker,
)
from app.services.forms import Errors
from app.store import Store


@dataclass
class Plan:
    """What the leaving worker holds now."""

    worker_id: str
    households: list[Household]
    agreements: list[Agreement]
    people: list[NetworkPerson]

    @property
    def empty(self) -> bool:
        return not (self.households or self.agreements or self.people)


@dataclass(frozen=True)
class Result:
    households: dict[str, str]  # household id → new primary worker
    agreements: list[str]
    people: list[str]


def _open_agreements(s, worker_id: str) -> list[Agreement]:  # noqa: ANN001 - a Session
    return list(s.exec(select(Agreement).where(
        ~col(Agreement.deleted), Agreement.status == "open",
        or_(col(Agreement.worker_id) == worker_id,
            and_(col(Agreement.owner_kind) == "worker", col(Agreement.owner_id) == worker_id)))
        .order_by(col(Agreement.due), Agreement.id)).all())


def plan(store: Store, worker_id: str) -> Plan:
    with store.session() as s:
        households = list(s.exec(select(Household).where(
            ~col(Household.deleted), Household.primary_worker_id == worker_id)
            .order_by(Household.street, Household.name, Household.id)).all())
        people = list(s.exec(select(NetworkPerson).where(
            ~col(NetworkPerson.deleted), NetworkPerson.worker_id == worker_id)
            .order_by(NetworkPerson.name)).all())
        return Plan(worker_id, households, _open_agreements(s, worker_id), people)


def colleagues(store: Store, worker_id: str | None = None) -> list[Worker]:
    """Workers who can take over (everyone but ``worker_id``), by name."""
    with store.session() as s:
        return [w for w in s.exec(select(Worker).where(~col(Worker.deleted))
                                  .order_by(Worker.name, Worker.id)).all() if w.id != worker_id]


def hand_over(store: Store, from_worker: str, to_worker: str | None,
              per_household: Mapping[str, str] | None = None,
              people_to: str | None = None, by_worker: str | None = None
              ) -> tuple[Result | None, Errors]:
    """Move everything ``from_worker`` holds; ``per_household`` overrides the colleague of some
    households, ``people_to`` that of the network people. Nothing is left without a worker.
    ``by_worker`` is the team lead doing it (kept on the handover rows)."""
    errors: Errors = {}
    known = {w.id for w in colleagues(store, from_worker)}
    per_household = dict(per_household or {})
    if not to_worker:
        errors["to"] = "error.handover_to"
    elif to_worker == from_worker:
        errors["to"] = "error.handover_same"
    elif to_worker not in known:
        errors["to"] = "error.handover_to"
    if any(w not in known for w in [*per_household.values(), *filter(None, [people_to])]):
        errors["per_household"] = "error.handover_same"
    if errors:
        return None, errors
    assert to_worker is not None
    with store.transaction():
        now = plan(store, from_worker)
        moved = {h.id: per_household.get(h.id, to_worker) for h in now.households}
        at = datetime.now(UTC)
        for h in now.households:
            store.update("household", h.id, {"primary_worker_id": moved[h.id]})
            store.create("handover", h.team, {
                "household_id": h.id, "from_worker_id": from_worker,
                "to_worker_id": moved[h.id], "by_worker_id": by_worker, "at": at,
                "seen": False})
        resident_home = _homes(store, [a.resident_id for a in now.agreements if a.resident_id])
        for a in now.agreements:
            wid = moved.get(resident_home.get(a.resident_id or "", ""), to_worker)
            values: dict[str, object] = {}
            if a.worker_id == from_worker:
                values["worker_id"] = wid
            if a.owner_kind == "worker" and a.owner_id == from_worker:
                values["owner_id"] = wid
            store.update("agreement", a.id, values)
        for p in now.people:
            store.update("network_person", p.id, {"worker_id": people_to or to_worker})
    return Result(moved, [a.id for a in now.agreements], [p.id for p in now.people]), {}


def _homes(store: Store, resident_ids: list[str]) -> dict[str, str]:
    if not resident_ids:
        return {}
    with store.session() as s:
        rows = s.exec(select(Resident.id, Resident.household_id).where(
            col(Resident.id).in_(list(set(resident_ids))))).all()
    return {rid: hid for rid, hid in rows if hid}


def orphans(store: Store) -> list[Household]:
    """Households without a (known, live) primary worker."""
    with store.session() as s:
        live = set(s.exec(select(Worker.id).where(~col(Worker.deleted))).all())
        rows = s.exec(select(Household).where(~col(Household.deleted))).all()
    return [h for h in rows if h.primary_worker_id not in live]


# ---------------------------------------------------------------------- the summary per household


@dataclass(frozen=True)
class Tied:
    name: str
    kind: str
    strength: str
    key_figure: bool


@dataclass(frozen=True)
class Member:
    id: str
    name: str
    ambitions: list[str]
    talents: list[str]
    obstacles: list[str]
    network: list[Tied]


@dataclass(frozen=True)
class Summary:
    household_id: str
    name: str
    street: str
    house_number: str | None
    primary_worker_id: str | None
    members: list[Member]
    open_agreements: list[Agreement]
    last_contacts: list[Contact]
    worked: list[Activation] = field(default_factory=list)  # happened or held


def summary(store: Store, household_id: str, contacts: int = 3) -> Summary | None:
    """What the new primary worker needs to know about one household."""
    with store.session() as s:
        h = s.get(Household, household_id)
        if h is None or h.deleted:
            return None
        members = s.exec(select(Resident).where(
            ~col(Resident.deleted), Resident.household_id == household_id)
            .order_by(Resident.name)).all()
        ids = [m.id for m in members]
        ties = s.exec(select(Tie, NetworkPerson).join(
            NetworkPerson, col(NetworkPerson.id) == col(Tie.person_id)).where(
            ~col(Tie.deleted), ~col(NetworkPerson.deleted), col(Tie.resident_id).in_(ids))
            .order_by(NetworkPerson.name)).all()
        agreements = s.exec(select(Agreement).where(
            ~col(Agreement.deleted), Agreement.status == "open",
            col(Agreement.resident_id).in_(ids)).order_by(col(Agreement.due), Agreement.id)).all()
        acts = s.exec(select(Activation).where(
            ~col(Activation.deleted), col(Activation.resident_id).in_(ids),
            col(Activation.outcome).in_(["happened", "held"]))
            .order_by(col(Activation.date).desc())).all()
    seen: dict[str, Contact] = {}
    for rid in ids:  # the store's timeline knows which contacts were with whom
        seen.update({i.row.id: i.row for i in store.timeline(rid) if i.kind == "contact"})
    mine = sorted(seen.values(), key=lambda c: (last_contact_day(c), c.id), reverse=True)
    mine = mine[:contacts]
    return Summary(
        h.id, h.name, h.street, h.house_number, h.primary_worker_id,
        [Member(m.id, m.name, list(m.ambitions), list(m.talents), list(m.obstacles),
                [Tied(p.name, t.kind, t.strength, p.key_figure)
                 for t, p in ties if t.resident_id == m.id]) for m in members],
        list(agreements), mine, list(acts))


def last_contact_day(c: Contact) -> datetime:
    return c.at


# ---------------------------------------------------------------------- on the new worker's device


@dataclass(frozen=True)
class Received:
    """A household handed to me, with what I need to know about it."""

    handover: Handover
    summary: Summary


def _unseen(worker_id: str):  # noqa: ANN202 - a select of Handover
    """Handovers to ``worker_id`` not yet marked seen, whose household is still live."""
    return select(Handover).join(Household, col(Household.id) == col(Handover.household_id)).where(
        ~col(Handover.deleted), ~col(Household.deleted), Handover.to_worker_id == worker_id,
        ~col(Handover.seen))


def received(store: Store, worker_id: str | None) -> list[Received]:
    """Handovers to ``worker_id`` not yet marked seen, newest first, each with its summary."""
    if not worker_id:
        return []
    with store.session() as s:
        rows = list(s.exec(_unseen(worker_id).order_by(col(Handover.at).desc(), Handover.id)))
    out = []
    for h in rows:
        found = summary(store, h.household_id)
        if found is not None:
            out.append(Received(h, found))
    return out


def unseen_count(store: Store, worker_id: str | None) -> int:
    """How many handovers to ``worker_id`` wait to be read (for the banner on Vandaag): one
    count query, not the summaries."""
    if not worker_id:
        return 0
    with store.session() as s:
        return s.exec(select(func.count()).select_from(_unseen(worker_id).subquery())).one()


def mark_seen(store: Store, handover_id: str) -> None:
    store.update("handover", handover_id, {"seen": True})
