"""Recording a contact: validation, one transaction, follow-up agreement, undo and drafts."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta

import pytest
from coach_fixtures import WORKER

from app.domain.models import Agreement, Contact, Household, Resident
from app.services import context
from app.services.contacts import (
    DRAFT_KEY,
    ContactDraft,
    NewResident,
    ValidationFailed,
    correct_contact,
    draft_key,
    load_draft,
    record_contact,
    save_draft,
    saved_contact,
    undo_contact,
    validate,
)


def test_an_empty_form_says_what_is_missing():
    errors = validate(ContactDraft())
    assert errors == {"who": "error.who_required", "street": "error.street_required"}


def test_errors_sit_next_to_their_fields():
    draft = ContactDraft(anonymous=True, group_size="veel", street="Tulpstraat",
                         location="noord", new_residents=[NewResident("  ")], follow_up=True,
                         follow_up_due="31-02-2025")
    assert validate(draft) == {
        "new_resident.0": "error.name_required", "group_size": "error.group_size",
        "location": "error.location_invalid", "follow_up_what": "error.what_required",
        "follow_up_due": "error.date_invalid"}


def test_phone_contacts_need_no_street(ayse):
    assert validate(ContactDraft(residents=[(ayse, "Ayşe")], channel="phone")) == {}


def test_invalid_draft_is_refused_and_nothing_written(store, ctx):
    before = store.pending_count()
    with pytest.raises(ValidationFailed) as e:
        record_contact(store, ctx, ContactDraft(street="Tulpstraat"))
    assert e.value.errors == {"who": "error.who_required"}
    assert store.pending_count() == before


def test_new_resident_contact_and_follow_up_in_one_transaction(store, ctx):
    draft = ContactDraft(new_residents=[NewResident("Noor Visser", "")], street="Irisplein",
                         channel="home_visit", themes=["youth", "housing"], note=" Eerste keer ",
                         follow_up=True, follow_up_what="Samen naar het buurthuis",
                         follow_up_due="5-3-2031", follow_up_owner="resident",
                         location="52.37, 4.89")
    done = record_contact(store, ctx, draft)
    contact = store.get(Contact, done.contact_id)
    [rid] = done.resident_ids
    resident = store.get(Resident, rid)
    household = store.get(Household, resident.household_id)
    agreement = store.get(Agreement, done.agreement_id)
    assert resident.name == "Noor Visser"
    assert household.street == "Irisplein" and household.primary_worker_id == WORKER
    assert contact.resident_ids == [rid] and contact.worker_id == WORKER
    assert contact.themes == ["housing", "youth"]  # vocabulary order
    assert contact.note == "Eerste keer" and (contact.lat, contact.lon) == (52.37, 4.89)
    assert agreement.what == "Samen naar het buurthuis" and agreement.due == date(2031, 3, 5)
    assert (agreement.owner_kind, agreement.owner_id) == ("resident", rid)
    assert agreement.contact_id == contact.id and agreement.resident_id == rid
    assert len({c.tx for c in store.outbox()[-4:]}) == 1  # household, resident, contact, agreement


def test_follow_up_without_date_is_due_in_a_week(store, ctx, ayse):
    done = record_contact(store, ctx, ContactDraft(
        residents=[(ayse, "Ayşe")], street="Tulpstraat", follow_up=True,
        follow_up_what="Bellen"))
    agreement = store.get(Agreement, done.agreement_id)
    assert agreement.due == date.today() + timedelta(days=7)
    assert (agreement.owner_kind, agreement.owner_id) == ("worker", WORKER)


def test_anonymous_group(store, ctx):
    done = record_contact(store, ctx, ContactDraft(
        anonymous=True, group_size="4", group_label="jongeren bij het pleintje",
        street="Kievitplein"))
    contact = store.get(Contact, done.contact_id)
    assert (contact.group_size, contact.group_label, contact.resident_ids) == (
        4, "jongeren bij het pleintje", [])
    assert done.agreement_id is None


def test_undo_takes_everything_back_and_restores_the_form(store, ctx):
    draft = ContactDraft(new_residents=[NewResident("Bram Bos")], street="Merelstraat",
                         follow_up=True, follow_up_what="Formulier")
    done = record_contact(store, ctx, draft)
    assert store.meta(DRAFT_KEY) == ""
    undo_contact(store, done, draft)
    for kind, row_id in done.created:
        assert store.values(kind, row_id)["_deleted"] is True
    assert load_draft(store) == draft


def test_draft_survives_a_restart(tmp_path, team):
    from app.store import Store

    s = Store(tmp_path / "a.sqlite")
    draft = ContactDraft(residents=[("x", "Ayşe")], street="Tulp", note="half getypt",
                         themes=["youth"], new_residents=[NewResident("Jan", "Roos")])
    save_draft(s, draft)
    s.close()
    s = Store(tmp_path / "a.sqlite")
    assert load_draft(s) == draft
    s.close()


def test_a_broken_draft_gives_an_empty_form(store):
    store.set_meta(DRAFT_KEY, "{not json")
    assert load_draft(store) == ContactDraft()
    store.set_meta(DRAFT_KEY, '{"residents": 5, "unknown": 1}')
    assert load_draft(store) == ContactDraft()


def test_an_empty_form_stores_no_draft(store):
    save_draft(store, ContactDraft(channel="phone"))
    assert store.meta(DRAFT_KEY) == ""


def test_no_team_no_write(store):
    with pytest.raises(context.NotEnrolled):
        record_contact(store, context.current(store), ContactDraft(
            anonymous=True, group_size="2", street="Tulpstraat"))


LONG_NOTE = ("Lang gesprek over de schulden, de buren en de school van de kinderen. " * 80)[:5000]


def test_a_correction_is_a_stamped_synced_edit_of_what_changed(store, ctx, ayse):
    done = record_contact(store, ctx, ContactDraft(
        residents=[(ayse, "Ayşe")], street="Tulpstraat", themes=["youth"], note=LONG_NOTE))
    saved = store.get(Contact, done.contact_id)
    draft = saved_contact(store, done.contact_id).draft
    assert draft.note == LONG_NOTE.strip() and draft.residents == [(ayse, "Ayşe Yilmaz")]
    before = len(store.outbox())
    corrected = LONG_NOTE.strip().replace("schulden", "huur") + " Gecorrigeerd."
    assert correct_contact(store, done.contact_id, replace(draft, note=corrected))
    [change] = store.outbox()[before:]
    assert (change.kind, change.id, set(change.fields)) == ("contact", done.contact_id, {"note"})
    value, stamp, base = change.fields["note"]
    assert value == corrected and base == json.loads(saved.stamps)["note"] and stamp > base
    after = store.get(Contact, done.contact_id)
    assert after.note == corrected and json.loads(after.stamps)["note"] == stamp
    assert (after.at, after.worker_id, after.themes) == (saved.at, saved.worker_id, ["youth"])


def test_an_unchanged_correction_sends_nothing_and_clears_its_draft(store, ctx, ayse):
    done = record_contact(store, ctx, ContactDraft(residents=[(ayse, "Ayşe")], street="Tulp"))
    save_draft(store, replace(saved_contact(store, done.contact_id).draft, note="half"),
               done.contact_id)
    before = store.pending_count()
    assert not correct_contact(store, done.contact_id, saved_contact(store, done.contact_id).draft)
    assert store.pending_count() == before and store.meta(draft_key(done.contact_id)) == ""


def test_an_invalid_correction_is_refused_and_nothing_written(store, ctx, ayse):
    done = record_contact(store, ctx, ContactDraft(residents=[(ayse, "Ayşe")], street="Tulp"))
    before = store.pending_count()
    with pytest.raises(ValidationFailed) as e:
        correct_contact(store, done.contact_id, replace(
            saved_contact(store, done.contact_id).draft, street=" ", note="x" * 20_001))
    assert e.value.errors == {"street": "error.street_required", "note": "error.too_long"}
    assert store.pending_count() == before
    assert store.get(Contact, done.contact_id).street == "Tulp"


def test_a_correction_draft_is_kept_apart_from_the_new_contact_draft(store, ctx, ayse):
    done = record_contact(store, ctx, ContactDraft(residents=[(ayse, "Ayşe")], street="Tulp"))
    save_draft(store, ContactDraft(street="nieuw"))
    save_draft(store, ContactDraft(street="correctie", residents=[(ayse, "Ayşe")]),
               done.contact_id)
    assert load_draft(store).street == "nieuw"
    assert load_draft(store, done.contact_id).street == "correctie"
