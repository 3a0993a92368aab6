"""Recording a contact moment: the most used flow of the app, saved locally in one transaction.

A ``ContactDraft`` is exactly what the quick-contact form holds, as plain data: it is validated
here, persisted in the store's meta while typing (so a crash or a killed app loses nothing), and
turned into rows by ``record_contact`` — new residents, the contact and, when follow-up is
needed, an agreement — all in one ``store.transaction()``, so the save is one unit that
``undo_contact`` takes back.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from app.domain import vocab
from app.domain.models import Contact
from app.services import reads
from app.services.context import Context
from app.services.forms import (
    Errors,
    check,
    limit_text,
    optional_date,
    parse_int,
    parse_location,
    require_text,
)
from app.store import Store

DRAFT_KEY = "draft.contact"
MAX_GROUP = 500
FOLLOW_UP_DAYS = 7  # due date of a follow-up agreement when none is typed


@dataclass
class NewResident:
    """A resident made inline from the form: a name (or alias) and their street."""

    name: str = ""
    street: str = ""


@dataclass
class ContactDraft:
    """The quick-contact form as data. Text fields stay text until saved: nothing typed is lost."""

    residents: list[tuple[str, str]] = field(default_factory=list)  # (id, name) picked
    new_residents: list[NewResident] = field(default_factory=list)
    anonymous: bool = False
    group_size: str = ""
    group_label: str = ""
    street: str = ""
    location: str = ""
    channel: str = "street"
    themes: list[str] = field(default_factory=list)
    note: str = ""
    follow_up: bool = False
    follow_up_what: str = ""
    follow_up_due: str = ""
    follow_up_owner: str = "worker"  # "not for, but by": worker or resident

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ContactDraft:
        """A draft from its JSON; unknown or broken input gives an empty draft, never a crash."""
        try:
            data = json.loads(text)
            data["residents"] = [tuple(r) for r in data.get("residents", [])]
            data["new_residents"] = [NewResident(**n) for n in data.get("new_residents", [])]
            known = set(cls.__dataclass_fields__)
            return cls(**{k: v for k, v in data.items() if k in known})
        except (ValueError, TypeError, AttributeError):
            return cls()

    def is_empty(self) -> bool:
        return self == ContactDraft(channel=self.channel)


@dataclass(frozen=True)
class Recorded:
    """What one save created, newest last: enough to undo it."""

    contact_id: str
    created: tuple[tuple[str, str], ...]  # (kind, id)
    agreement_id: str | None = None

    @property
    def resident_ids(self) -> list[str]:
        return [i for k, i in self.created if k == "resident"]


def validate(draft: ContactDraft) -> Errors:
    """Every problem of the draft at once, as ``{field: error_key}``."""
    errors: Errors = {}
    if not (draft.residents or draft.new_residents or draft.anonymous):
        errors["who"] = "error.who_required"
    for i, new in enumerate(draft.new_residents):
        require_text(errors, f"new_resident.{i}", new.name, "error.name_required", 120)
    if draft.anonymous:
        check(errors, "group_size", parse_int, draft.group_size, 1, MAX_GROUP, "error.group_size")
    if draft.channel not in vocab.CHANNELS:
        errors["channel"] = "error.choose_one"
    if draft.channel != "phone":
        require_text(errors, "street", draft.street, "error.street_required", 120)
    check(errors, "location", parse_location, draft.location)
    if set(draft.themes) - set(vocab.THEMES):
        errors["themes"] = "error.choose_one"
    limit_text(errors, "note", draft.note)
    if draft.follow_up:
        require_text(errors, "follow_up_what", draft.follow_up_what, "error.what_required", 500)
        check(errors, "follow_up_due", optional_date, draft.follow_up_due)
        if draft.follow_up_owner == "resident" and not (draft.residents or draft.new_residents):
            errors["follow_up_owner"] = "error.owner_needs_resident"
    return errors


class ValidationFailed(ValueError):
    def __init__(self, errors: Errors):
        super().__init__(errors)
        self.errors = errors


def record_contact(store: Store, ctx: Context, draft: ContactDraft,
                   now: datetime | None = None) -> Recorded:
    """Save the draft as rows in one transaction; ``ValidationFailed`` if it is not valid."""
    errors = validate(draft)
    if errors:
        raise ValidationFailed(errors)
    team = ctx.team()
    now = now or datetime.now(UTC)
    street = draft.street.strip()
    created: list[tuple[str, str]] = []
    with store.transaction():
        resident_ids = [rid for rid, _ in draft.residents]
        for new in draft.new_residents:
            home = new.street.strip() or street
            hid = store.create("household", team, {
                "name": new.name.strip(), "street": home, "primary_worker_id": ctx.worker_id})
            rid = store.create("resident", team, {"name": new.name.strip(), "household_id": hid})
            created += [("household", hid), ("resident", rid)]
            resident_ids.append(rid)
        values = {"at": now, "worker_id": ctx.worker_id, "follow_up": draft.follow_up,
                  **_contact_values(draft, resident_ids)}
        contact_id = store.create("contact", team, {k: v for k, v in values.items()
                                                    if v is not None})
        created.append(("contact", contact_id))
        agreement_id = None
        if draft.follow_up:
            agreement_id = _follow_up(store, ctx, draft, contact_id, resident_ids, now.date())
            created.append(("agreement", agreement_id))
        store.set_meta(DRAFT_KEY, "")
    return Recorded(contact_id, tuple(created), agreement_id)


def _contact_values(draft: ContactDraft, resident_ids: list[str]) -> dict[str, Any]:
    """The contact's fields as the (valid) draft says them; what is not set is ``None``."""
    location = parse_location(draft.location)
    return {
        "street": draft.street.strip(), "resident_ids": resident_ids, "channel": draft.channel,
        "themes": [th for th in vocab.THEMES if th in draft.themes], "note": draft.note.strip(),
        "lat": location[0] if location else None, "lon": location[1] if location else None,
        "group_size": int(draft.group_size) if draft.anonymous else None,
        "group_label": (draft.group_label.strip() or None) if draft.anonymous else None,
    }


@dataclass(frozen=True)
class SavedContact:
    """A saved contact opened to read and correct: its fields as a draft, when and by whom."""

    draft: ContactDraft
    at: datetime
    by: str | None  # the recording worker's name, if known


def saved_contact(store: Store, contact_id: str) -> SavedContact | None:
    """A saved contact as the form's draft, to read in full and correct; ``None`` if gone."""
    c = store.get(Contact, contact_id)
    if c is None:
        return None
    names = reads.names_by_id(store, [*c.resident_ids, *([c.worker_id] if c.worker_id else [])])
    draft = ContactDraft(
        residents=[(i, names.get(i, "—")) for i in c.resident_ids],
        anonymous=bool(c.group_size), group_size=str(c.group_size or ""),
        group_label=c.group_label or "", street=c.street,
        location=f"{c.lat}, {c.lon}" if c.lat is not None and c.lon is not None else "",
        channel=c.channel, themes=list(c.themes), note=c.note)
    return SavedContact(draft, c.at, names.get(c.worker_id or ""))


def correct_contact(store: Store, contact_id: str, draft: ContactDraft) -> bool:
    """Save a correction of a contact: a normal synced edit, stamped field by field, so only
    what changed is sent and merges. ``ValidationFailed`` if the draft is not valid; True if
    anything changed. Its when, who recorded it and its follow-up stay as they were."""
    draft = replace(draft, new_residents=[], follow_up=False)
    errors = validate(draft)
    if errors:
        raise ValidationFailed(errors)
    with store.transaction():
        changed = store.update("contact", contact_id,
                               _contact_values(draft, [rid for rid, _ in draft.residents]))
        store.set_meta(draft_key(contact_id), "")
    return changed


def _follow_up(store: Store, ctx: Context, draft: ContactDraft, contact_id: str,
               resident_ids: list[str], today: date) -> str:
    """The agreement a "follow-up needed" contact leads to, owned by the worker or the resident."""
    due = optional_date(draft.follow_up_due) or today + timedelta(days=FOLLOW_UP_DAYS)
    first = resident_ids[0] if resident_ids else None
    by_resident = draft.follow_up_owner == "resident" and first
    return store.create("agreement", ctx.team(), {
        "what": draft.follow_up_what.strip(),
        "owner_kind": "resident" if by_resident else "worker",
        "owner_id": first if by_resident else ctx.worker_id,
        "resident_id": first, "due": due, "status": "open",
        "contact_id": contact_id, "worker_id": ctx.worker_id})


def undo_contact(store: Store, recorded: Recorded, draft: ContactDraft | None = None) -> None:
    """Take a save back (the undo of the snackbar) and, with ``draft``, put the form back."""
    with store.transaction():
        for kind, row_id in reversed(recorded.created):
            store.delete(kind, row_id)
        if draft is not None:
            store.set_meta(DRAFT_KEY, draft.to_json())


def draft_key(contact_id: str | None = None) -> str:
    """Where typing is kept: one draft for a new contact, one per contact being corrected."""
    return f"{DRAFT_KEY}.{contact_id}" if contact_id else DRAFT_KEY


def load_draft(store: Store, contact_id: str | None = None) -> ContactDraft:
    """The unsaved typing of the form (an empty draft if there is none)."""
    text = store.meta(draft_key(contact_id))
    return ContactDraft.from_json(text) if text else ContactDraft()


def save_draft(store: Store, draft: ContactDraft, contact_id: str | None = None) -> None:
    store.set_meta(draft_key(contact_id), "" if draft.is_empty() else draft.to_json())


def clear_draft(store: Store, contact_id: str | None = None) -> None:
    store.set_meta(draft_key(contact_id), "")
