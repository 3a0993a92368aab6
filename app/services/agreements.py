"""Agreements of the plan of approach: what, by whom ("not for, but by"), when, and status."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from app.domain import vocab
from app.domain.models import Agreement, NetworkPerson, Resident
from app.services import reads
from app.services.context import Context
from app.services.forms import Errors, check, optional_date, require_text
from app.store import Store

FILTERS = ("mine", "overdue", "all")


@dataclass(frozen=True)
class AgreementRow:
    agreement: Agreement
    owner_name: str
    resident_name: str
    overdue: bool
    due_today: bool


def rows(store: Store, ctx: Context, which: str = "mine", resident_id: str | None = None,
         today: date | None = None) -> list[AgreementRow]:
    """Open agreements for a filter (mine / overdue / all), optionally of one resident."""
    today = today or date.today()
    found = store.open_agreements(
        worker_id=ctx.worker_id if which == "mine" else None, resident_id=resident_id,
        overdue_only=which == "overdue", today=today)
    return describe(store, found, today)


def _name(rows: Mapping[str, Resident] | Mapping[str, NetworkPerson], row_id: str | None) -> str:
    """The name of ``row_id`` among ``rows``; empty for none or one not (or no longer) there."""
    row = rows.get(row_id) if row_id else None
    return row.name if row is not None else ""


def describe(store: Store, found, today: date) -> list[AgreementRow]:  # noqa: ANN001
    """Agreements with the names of owner and resident, fetched in two queries."""
    residents = reads.residents_by_id(store, [a.resident_id for a in found if a.resident_id] +
                                      [a.owner_id for a in found
                                       if a.owner_kind == "resident" and a.owner_id])
    people = reads.people_by_id(store, [a.owner_id for a in found
                                        if a.owner_kind == "network_person" and a.owner_id])
    workers = {w.id: w.name for w in reads.workers(store)}
    out = []
    for a in found:
        if a.owner_kind == "resident":
            owner = _name(residents, a.owner_id)
        elif a.owner_kind == "network_person":
            owner = _name(people, a.owner_id)
        else:
            owner = workers.get(a.owner_id or "", "")
        resident = _name(residents, a.resident_id)
        out.append(AgreementRow(a, owner, resident,
                                a.due is not None and a.due < today and a.status == "open",
                                a.due == today and a.status == "open"))
    return out


def due_today_and_overdue(store: Store, ctx: Context, today: date | None = None
                          ) -> list[AgreementRow]:
    """For "Vandaag": my open agreements due today or earlier."""
    today = today or date.today()
    found = [a for a in store.open_agreements(worker_id=ctx.worker_id, today=today)
             if a.due is not None and a.due <= today]
    return describe(store, found, today)


def save(store: Store, ctx: Context, values: dict, agreement_id: str | None = None
         ) -> tuple[str | None, Errors]:
    """Create or change an agreement. ``values``: what, owner_kind, owner_id, resident_id, due."""
    errors: Errors = {}
    what = require_text(errors, "what", values.get("what"), "error.what_required", 500)
    owner_kind = values.get("owner_kind", "worker")
    if owner_kind not in vocab.OWNER_KINDS:
        errors["owner_kind"] = "error.choose_one"
    owner_id = values.get("owner_id") or (ctx.worker_id if owner_kind == "worker" else None)
    if owner_kind == "resident" and not owner_id:
        owner_id = values.get("resident_id")
    if not owner_id:
        errors["owner_id"] = "error.owner_required"
    due = check(errors, "due", optional_date, values.get("due", ""))
    if errors:
        return None, errors
    clean = {"what": what, "owner_kind": owner_kind, "owner_id": owner_id,
             "resident_id": values.get("resident_id"), "due": due}
    if agreement_id:
        store.update("agreement", agreement_id, clean)
        return agreement_id, {}
    return store.create("agreement", ctx.team(), {**clean, "status": "open",
                                                  "worker_id": ctx.worker_id}), {}


def set_status(store: Store, agreement_id: str, status: str) -> None:
    if status not in vocab.AGREEMENT_STATUSES:
        raise ValueError(status)
    store.update("agreement", agreement_id, {"status": status})
