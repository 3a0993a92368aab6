"""The "Vandaag" view model: my contacts of today, my agreements due today or overdue, and the
open signals of my streets — one read, off the event loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from app.domain.models import Contact, Signal
from app.services import agreements, handover, reads, signals, street_alarms
from app.services.context import Context
from app.store import Store


@dataclass(frozen=True)
class ContactRow:
    contact: Contact
    who: list[str]  # resident names; empty for an anonymous group


@dataclass(frozen=True)
class TodayView:
    contacts: list[ContactRow]
    agreements: list[agreements.AgreementRow]
    signals: list[Signal]
    handed_over: int  # households handed to me that I have not marked read
    street_alarms: list[str] = field(default_factory=list)  # my streets in alarm


def contact_rows(store: Store, contacts: list[Contact]) -> list[ContactRow]:
    names = reads.residents_by_id(store, [i for c in contacts for i in c.resident_ids])
    return [ContactRow(c, [names[i].name for i in c.resident_ids if i in names])
            for c in contacts]


def today(store: Store, ctx: Context, day: date | None = None) -> TodayView:
    contacts = list(store.todays_contacts(ctx.worker_id, day))
    return TodayView(contact_rows(store, contacts),
                     agreements.due_today_and_overdue(store, ctx, day),
                     signals.my_signals(store, ctx), handover.unseen_count(store, ctx.worker_id),
                     street_alarms.alarmed(street_alarms.compute(store, day),
                                           reads.my_streets(store, ctx.worker_id)))
