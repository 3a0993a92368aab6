"""Network activation: ask someone in the resident's network (or a key figure) to help, and
follow what came of it — agreed, happened, held after three months, or did not work.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from app.domain import vocab
from app.domain.models import Activation
from app.services.context import Context
from app.services.forms import Errors, check, optional_date, require_text
from app.store import Store

HOLD_DAYS = 91
"""After this long an activation that happened can be marked as "held"."""


def create(store: Store, ctx: Context, resident_id: str, person_ids: Sequence[str],
           request: str, day: str = "") -> tuple[str | None, Errors]:
    """Record an activation: who is asked, for what, on which day (today when empty)."""
    errors: Errors = {}
    if not person_ids:
        errors["persons"] = "error.person_required"
    request = require_text(errors, "request", request, "error.what_required", 500)
    when = check(errors, "date", optional_date, day)
    if errors:
        return None, errors
    return store.create("activation", ctx.team(), {
        "resident_id": resident_id, "person_ids": list(dict.fromkeys(person_ids)),
        "request": request, "date": when or date.today(), "outcome": "agreed",
        "worker_id": ctx.worker_id}), {}


def set_outcome(store: Store, activation_id: str, outcome: str, today: date | None = None
                ) -> Errors:
    if outcome not in vocab.ACTIVATION_OUTCOMES:
        return {"outcome": "error.choose_one"}
    store.update("activation", activation_id,
                 {"outcome": outcome, "outcome_date": today or date.today()})
    return {}


def due_for_hold_check(activation: Activation, today: date | None = None) -> bool:
    """Happened at least three months ago and not judged since: time to ask if it held."""
    today = today or date.today()
    return (activation.outcome == "happened"
            and activation.date + timedelta(days=HOLD_DAYS) <= today)
