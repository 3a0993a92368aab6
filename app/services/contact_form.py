"""The quick-contact form as a model: what the worker typed and which of the form's optional
parts are open, with the form's behaviour (validate, keep the draft, record or correct, clear).

The screen (``app/ui/contact_form.py``) only shows this model: its controls write each change
into it and are filled from it; nothing is read back out of a control. No Flet here, so the form
is tested without one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from app.services import contacts
from app.services.contacts import ContactDraft, NewResident, Recorded
from app.services.context import Context
from app.services.forms import Errors
from app.store import Store


@dataclass
class ContactFormModel:
    """One open contact form: a new contact, or a saved one (``contact_id``) being corrected.

    ``values`` holds every field as typed; the inline new resident is kept apart, so closing
    its block and opening it again shows the name typed before (only an open block is saved).
    """

    store: Store
    contact_id: str | None = None
    values: ContactDraft = field(default_factory=ContactDraft)
    new_resident: NewResident = field(default_factory=NewResident)
    adding_resident: bool = False
    loaded: bool = False
    """False until the draft is in, and again once saved: no draft is written then."""
    edits: int = 0
    """Counts changes: a draft write waits for typing to pause, and is dropped when a newer
    change (or a save) came meanwhile."""

    def draft(self) -> ContactDraft:
        """The form as a draft: exactly what was typed (a copy, safe to keep)."""
        return replace(self.values, residents=list(self.values.residents),
                       themes=list(self.values.themes),
                       new_residents=[replace(self.new_resident)] if self.adding_resident else [])

    def fill(self, draft: ContactDraft) -> None:
        """Take ``draft`` as the form's state (restoring after a crash, or after undo)."""
        new = draft.new_residents[0] if draft.new_residents else None
        self.values = replace(draft, residents=list(draft.residents), themes=list(draft.themes),
                              new_residents=[])
        self.new_resident = replace(new) if new else NewResident()
        self.adding_resident = new is not None

    def pick(self, resident_id: str, name: str) -> None:
        if resident_id not in {rid for rid, _ in self.values.residents}:
            self.values.residents.append((resident_id, name))

    def unpick(self, resident_id: str) -> None:
        self.values.residents = [p for p in self.values.residents if p[0] != resident_id]

    def errors(self) -> Errors:
        return contacts.validate(self.draft())

    def edited(self) -> int:
        """Note a change; the number to hand to ``still_latest`` after the pause."""
        self.edits += 1
        return self.edits

    def still_latest(self, edit: int) -> bool:
        return self.loaded and edit == self.edits

    # ------------------------------------------------------------------ store (worker thread)

    def load_draft(self) -> ContactDraft:
        return contacts.load_draft(self.store, self.contact_id)

    def keep_draft(self, draft: ContactDraft) -> None:
        """Write ``draft`` (taken with ``draft()`` on the event loop) to the store's meta."""
        contacts.save_draft(self.store, draft, self.contact_id)

    def clear_draft(self) -> None:
        contacts.clear_draft(self.store)

    def record(self, ctx: Context, draft: ContactDraft) -> Recorded:
        """Save a new contact (and its draft goes, in the same transaction)."""
        return contacts.record_contact(self.store, ctx, draft)

    def correct(self, draft: ContactDraft) -> bool:
        """Save the correction of a saved contact; False when nothing changed."""
        if self.contact_id is None:
            raise ValueError("a new contact is recorded, not corrected")
        return contacts.correct_contact(self.store, self.contact_id, draft)
