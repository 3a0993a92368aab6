"""Street signals (what slides: vacancy, litter, nuisance…) and resident initiatives (what goes
well), both listed by street so a round can be read street by street.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from itertools import groupby
from typing import TypeVar

from app.domain import vocab
from app.domain.models import Initiative, Signal
from app.services import reads
from app.services.context import Context
from app.services.forms import Errors, check, limit_text, optional_date, parse_int, require_text
from app.store import Store

T = TypeVar("T", Signal, Initiative)


def by_street(items: Iterable[T]) -> list[tuple[str, list[T]]]:
    """Group rows (already sorted by street) as ``[(street, rows)]``."""
    return [(street, list(group)) for street, group in groupby(items, key=lambda r: r.street)]


def signals(store: Store, streets: Sequence[str] | None = None, open_only: bool = True
            ) -> list[tuple[str, list[Signal]]]:
    return by_street(store.signals(streets, open_only=open_only))


def my_signals(store: Store, ctx: Context) -> list[Signal]:
    """Open signals of my streets, most severe first: the "Vandaag" block."""
    streets = reads.my_streets(store, ctx.worker_id)
    found = store.signals(streets, open_only=True) if streets else []
    return sorted(found, key=lambda s: (-s.severity, s.street))


def initiatives(store: Store) -> list[tuple[str, list[Initiative]]]:
    return by_street(reads.initiatives(store))


def save_signal(store: Store, ctx: Context, values: dict, signal_id: str | None = None
                ) -> tuple[str | None, Errors]:
    errors: Errors = {}
    street = require_text(errors, "street", values.get("street"), "error.street_required", 120)
    if values.get("category") not in vocab.SIGNAL_CATEGORIES:
        errors["category"] = "error.choose_one"
    severity = check(errors, "severity", parse_int, values.get("severity", ""), 1, 3,
                     "error.choose_one")
    if values.get("status", "new") not in vocab.SIGNAL_STATUSES:
        errors["status"] = "error.choose_one"
    note = limit_text(errors, "note", values.get("note"))
    if errors:
        return None, errors
    clean = {"street": street, "category": values["category"], "severity": severity,
             "status": values.get("status", "new"), "note": note}
    if signal_id:
        store.update("signal", signal_id, clean)
        return signal_id, {}
    return store.create("signal", ctx.team(), {**clean, "at": datetime.now(UTC),
                                               "worker_id": ctx.worker_id}), {}


def set_signal_status(store: Store, signal_id: str, status: str) -> None:
    if status not in vocab.SIGNAL_STATUSES:
        raise ValueError(status)
    store.update("signal", signal_id, {"status": status})


def save_initiative(store: Store, ctx: Context, values: dict) -> tuple[str | None, Errors]:
    errors: Errors = {}
    title = require_text(errors, "title", values.get("title"), "error.what_required", 200)
    street = require_text(errors, "street", values.get("street"), "error.street_required", 120)
    carried_by = limit_text(errors, "carried_by", values.get("carried_by"), 200)
    note = limit_text(errors, "note", values.get("note"))
    day = check(errors, "at", optional_date, values.get("at", ""))
    if errors:
        return None, errors
    return store.create("initiative", ctx.team(), {
        "title": title, "street": street, "carried_by": carried_by, "note": note,
        "at": day or datetime.now(UTC).date()}), {}
