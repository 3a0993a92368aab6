"""Fields in words: the conflict and history views show names, vocabulary words and the names
behind references, never raw keys or UUIDs."""

from __future__ import annotations

from team_fixtures import rows

from app.domain.models import Contact, Tie, Worker
from app.i18n import set_language
from app.services import reads
from app.ui import field_text


def test_references_codes_and_lists_read_as_words(seeded):
    store, ids = seeded
    set_language("nl")
    contact = next(c for c in rows(store, Contact) if c.resident_ids and c.themes)
    tie = rows(store, Tie)[0]
    names = reads.names_by_id(store, field_text.refs("contact", [
        ("worker_id", contact.worker_id), ("resident_ids", contact.resident_ids)]))
    who = field_text.text("contact", "resident_ids", contact.resident_ids, names)
    assert who and all(uid not in who for uid in contact.resident_ids)
    assert field_text.text("contact", "worker_id", contact.worker_id, names) == (
        store.get(Worker, contact.worker_id).name)
    assert field_text.text("contact", "channel", "home_visit", names) == "Huisbezoek"
    assert field_text.text("tie", "kind", tie.kind, {}) != tie.kind
    assert field_text.text("agreement", "status", "done", {}) == "Afgerond"
    assert field_text.text("signal", "status", "new", {}) != "new"
    assert field_text.text("household", "primary_worker_id", "gone", {}) == (
        "(niet op dit apparaat)")
    assert field_text.text("contact", "follow_up", True, {}) == "ja"
    assert field_text.text("contact", "note", "", {}) == "—"
    assert field_text.label("primary_worker_id") == "Vaste contactpersoon"
