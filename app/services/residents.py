"""Residents: the paged search list and a resident's page (ambitions first, then the rest).

The list asks the store for one page more than it shows, so "meer laden" knows whether there
is more without counting 50,000 rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from app.domain import vocab
from app.domain.models import Household, Resident
from app.services import reads
from app.services.context import Context, worker_name
from app.services.forms import Errors, check, optional_date, parse_int, require_text
from app.store import Store
from app.store.queries import TimelineItem

PAGE = 50
LISTS = ("ambitions", "talents", "obstacles")
"""The three lists a resident's page leads with (PAK: dreams, talents, obstacles)."""


@dataclass(frozen=True)
class ResidentRow:
    id: str
    name: str
    street: str
    house_number: str


@dataclass(frozen=True)
class Page:
    rows: list[ResidentRow]
    offset: int
    has_more: bool


def search(store: Store, text: str = "", offset: int = 0, limit: int = PAGE) -> Page:
    """One page of residents whose name or street contains ``text``."""
    found = store.search_residents(text, limit=limit + 1, offset=offset)
    rows = [ResidentRow(r.id, r.name, h.street if h else "", (h.house_number or "") if h else "")
            for r, h in found[:limit]]
    return Page(rows, offset, len(found) > limit)


@dataclass
class Profile:
    """Everything the top of a resident's page shows."""

    resident: Resident
    household: Household | None
    primary_worker: str
    members: list[Resident] = field(default_factory=list)

    @property
    def consent_missing(self) -> bool:
        """Consent as legal basis, but no date recorded: the page warns."""
        h = self.household
        return h is None or (h.legal_basis == "consent" and h.consent_date is None)


def profile(store: Store, resident_id: str) -> Profile | None:
    resident = store.get(Resident, resident_id)
    if resident is None:
        return None
    household = store.get(Household, resident.household_id) if resident.household_id else None
    members = []
    if household:
        members = [m for m in reads.household_members(store, household.id) if m.id != resident.id]
    return Profile(resident, household,
                   worker_name(store, household.primary_worker_id if household else None),
                   members)


def timeline_page(store: Store, resident_id: str, offset: int = 0, limit: int = 30
                  ) -> tuple[list[TimelineItem], bool]:
    """One page of the timeline (the store builds it whole; the screen shows it in pages)."""
    items = store.timeline(resident_id)
    return items[offset:offset + limit], len(items) > offset + limit


def add_to_list(store: Store, resident_id: str, which: str, text: str) -> Errors:
    """Add an ambition, talent or obstacle; the resident's own words, kept as typed."""
    errors: Errors = {}
    value = require_text(errors, which, text, "error.required", 300)
    if which not in LISTS:
        raise ValueError(which)
    if errors:
        return errors
    if store.get(Resident, resident_id) is not None:
        store.add_to_list("resident", resident_id, which, [value])  # an add: syncs as one
    return {}


def remove_from_list(store: Store, resident_id: str, which: str, value: str) -> None:
    """Remove one item: only the adds of it this device has seen (another's new add stays)."""
    if store.get(Resident, resident_id) is not None:
        store.remove_from_list("resident", resident_id, which, [value])


def set_legal_basis(store: Store, household_id: str, basis: str, consent_date: str) -> Errors:
    """Record the legal basis (AVG): consent needs the date it was given."""
    errors: Errors = {}
    if basis not in vocab.LEGAL_BASES:
        errors["legal_basis"] = "error.choose_one"
    day = check(errors, "consent_date", optional_date, consent_date)
    if basis == "consent" and day is None and "consent_date" not in errors:
        errors["consent_date"] = "error.consent_date_required"
    if day and day > date.today():
        errors["consent_date"] = "error.date_in_future"
    if not errors:
        store.update("household", household_id, {"legal_basis": basis, "consent_date": day})
    return errors


def set_primary_worker(store: Store, household_id: str, worker_id: str) -> None:
    """One familiar face: exactly one primary worker per household."""
    store.update("household", household_id, {"primary_worker_id": worker_id})


def create_resident(store: Store, ctx: Context, name: str, street: str, house_number: str = "",
                    birth_year: str = "") -> tuple[str | None, Errors]:
    """A new household with one resident, with me as primary worker. Returns (id, errors)."""
    errors: Errors = {}
    name = require_text(errors, "name", name, "error.name_required", 120)
    street = require_text(errors, "street", street, "error.street_required", 120)
    year = None
    if birth_year.strip():
        year = check(errors, "birth_year", parse_int, birth_year, 1900, date.today().year,
                     "error.birth_year")
    if errors:
        return None, errors
    with store.transaction():
        hid = store.create("household", ctx.team(), {
            "name": name, "street": street, "house_number": house_number.strip() or None,
            "primary_worker_id": ctx.worker_id})
        rid = store.create("resident", ctx.team(), {"name": name, "household_id": hid,
                                                     "birth_year": year})
    return rid, {}
