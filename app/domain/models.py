"""The domain as SQLModel tables, one per row kind of ``wijkweb_protocol.KINDS``.

Every table carries the sync columns of ``Synced``: ``id`` (a UUID made on the device), ``team``
(the row's scope), ``deleted`` (the ``_deleted`` register) and ``stamps`` (JSON: field → stamp).
Read these classes freely; write only through ``app.store.Store``, which stamps and logs changes.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

_Date = date  # for the fields after a field named ``date``, which hides the type in its class


def _list() -> list[str]:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))


class Synced(SQLModel):
    id: str = Field(primary_key=True)
    team: str = Field(index=True)
    deleted: bool = False
    stamps: str = "{}"


class Team(Synced, table=True):
    name: str = ""


class Area(Synced, table=True):
    """A wijk, or a buurt inside one (``parent_id``), with its streets."""

    name: str = ""
    parent_id: str | None = None
    streets: list[str] = _list()


class Worker(Synced, table=True):
    name: str = ""
    role: str = "street_coach"
    email: str | None = None


class Household(Synced, table=True):
    """Minimal identifying data, one primary worker, and the legal basis for recording it."""

    name: str = ""
    street: str = Field(default="", index=True)
    house_number: str | None = None
    primary_worker_id: str | None = Field(default=None, index=True)
    legal_basis: str = "consent"
    consent_date: date | None = None
    note: str | None = None


class Resident(Synced, table=True):
    household_id: str | None = Field(default=None, index=True)
    name: str = Field(default="", index=True)
    birth_year: int | None = None
    ambitions: list[str] = _list()
    talents: list[str] = _list()
    obstacles: list[str] = _list()


class Contact(Synced, table=True):
    """A contact moment: with residents, or with an anonymous group of ``group_size``."""

    at: datetime = Field(index=True)
    worker_id: str | None = Field(default=None, index=True)
    street: str = ""
    lat: float | None = None
    lon: float | None = None
    resident_ids: list[str] = _list()
    group_size: int | None = None
    group_label: str | None = None
    channel: str = "street"
    themes: list[str] = _list()
    note: str = ""
    follow_up: bool = False


class NetworkPerson(Synced, table=True):
    """A person or organisation in the neighbourhood; ``key_figure`` marks a sleutelfiguur."""

    __tablename__ = "network_person"
    name: str = Field(default="", index=True)
    organisation: str | None = None
    key_figure: bool = False
    offers: str = ""
    street: str = ""
    worker_id: str | None = None
    note: str | None = None


class Tie(Synced, table=True):
    """Resident ↔ network person: one spoke of the resident's ecogram."""

    resident_id: str = Field(index=True)
    person_id: str = Field(index=True)
    kind: str = "friend"
    support: list[str] = _list()
    strength: str = "strong"
    note: str | None = None


class Activation(Synced, table=True):
    resident_id: str = Field(index=True)
    person_ids: list[str] = _list()
    request: str = ""
    date: date
    outcome: str = "agreed"
    outcome_date: _Date | None = None
    worker_id: str | None = None


class Agreement(Synced, table=True):
    """An agreement of the plan of approach, owned by a worker, the resident or a network person."""

    what: str = ""
    owner_kind: str = "worker"
    owner_id: str | None = None
    resident_id: str | None = Field(default=None, index=True)
    due: date | None = Field(default=None, index=True)
    status: str = "open"
    contact_id: str | None = None
    worker_id: str | None = None


class Signal(Synced, table=True):
    street: str = Field(default="", index=True)
    area_id: str | None = None
    category: str = "nuisance"
    severity: int = 1
    status: str = "new"
    note: str = ""
    at: datetime
    worker_id: str | None = None


class Initiative(Synced, table=True):
    title: str = ""
    street: str = ""
    carried_by: str = ""
    note: str = ""
    at: date | None = None


class OutcomeScore(Synced, table=True):
    """One ZRM score: ``domain`` of ``vocab.ZRM_DOMAINS``, ``score`` 1–5, on ``date``."""

    __tablename__ = "outcome_score"
    resident_id: str = Field(index=True)
    domain: str = ""
    score: int = 1
    date: date
    worker_id: str | None = None


class Handover(Synced, table=True):
    """A household handed to a new primary worker ("warme overdracht"): it tells the new worker's
    device to show the summary, until they mark it ``seen``, and keeps who held it before."""

    household_id: str = Field(index=True)
    from_worker_id: str | None = None
    to_worker_id: str | None = Field(default=None, index=True)
    by_worker_id: str | None = None
    at: datetime
    seen: bool = False


MODELS: dict[str, type[Synced]] = {
    "team": Team,
    "area": Area,
    "worker": Worker,
    "household": Household,
    "resident": Resident,
    "contact": Contact,
    "network_person": NetworkPerson,
    "tie": Tie,
    "activation": Activation,
    "agreement": Agreement,
    "signal": Signal,
    "initiative": Initiative,
    "outcome_score": OutcomeScore,
    "handover": Handover,
}
"""Row kind → table class; the keys are exactly ``protocol.KINDS``."""


def defaults(kind: str) -> dict[str, object]:
    """The default value of every optional field of ``kind`` (what a new row starts with)."""
    out: dict[str, object] = {}
    for name, info in MODELS[kind].model_fields.items():
        if name in Synced.model_fields or info.is_required():
            continue
        out[name] = info.get_default(call_default_factory=True)
    return out


def required(kind: str) -> set[str]:
    """Fields a new row of ``kind`` cannot do without."""
    return {name for name, info in MODELS[kind].model_fields.items()
            if info.is_required() and name not in Synced.model_fields}
