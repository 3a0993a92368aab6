"""The contact form's model without Flet: its state is the draft, a closed new-resident block
keeps what was typed in it but is not saved, a draft write that a newer change overtook is
dropped, and save, correction and clear go through the same store calls as before."""

from __future__ import annotations

import pytest

from app.domain.models import Contact, Resident
from app.services.contact_form import ContactFormModel
from app.services.contacts import ContactDraft, NewResident, load_draft


def test_a_closed_new_resident_block_keeps_the_name_but_saves_none(store):
    form = ContactFormModel(store)
    form.adding_resident = True
    form.new_resident.name = "Noor Visser"
    assert form.draft().new_residents == [NewResident("Noor Visser", "")]
    form.adding_resident = False
    assert form.draft().new_residents == []
    form.adding_resident = True  # opened again: the name typed before is still there
    assert form.draft().new_residents == [NewResident("Noor Visser", "")]


def test_fill_and_draft_are_copies_both_ways(store):
    given = ContactDraft(residents=[("r1", "Ayşe")], new_residents=[NewResident("Noor", "Plein")],
                         street="Irisplein", themes=["youth"], follow_up=True)
    form = ContactFormModel(store)
    form.fill(given)
    assert form.draft() == given and form.adding_resident
    form.pick("r2", "Henk")
    form.pick("r2", "Henk")  # picked twice: once in the form
    form.values.themes.append("housing")
    form.new_resident.name = "Noor V."
    assert given.residents == [("r1", "Ayşe")] and given.themes == ["youth"]
    assert given.new_residents == [NewResident("Noor", "Plein")]
    kept = form.draft()
    form.unpick("r1")
    assert kept.residents == [("r1", "Ayşe"), ("r2", "Henk")]
    assert form.draft().residents == [("r2", "Henk")]
    form.fill(ContactDraft())
    assert form.draft() == ContactDraft() and not form.adding_resident


def test_errors_are_the_services_validation(store):
    form = ContactFormModel(store)
    assert form.errors() == {"who": "error.who_required", "street": "error.street_required"}
    form.pick("r1", "Ayşe")
    form.values.street = "Irisplein"
    assert form.errors() == {}


def test_only_the_latest_change_of_a_loaded_form_writes_the_draft(store):
    form = ContactFormModel(store)
    first = form.edited()
    assert not form.still_latest(first)  # not loaded yet: nothing is written
    form.loaded = True
    first = form.edited()
    second = form.edited()
    assert not form.still_latest(first) and form.still_latest(second)
    form.values.note = "half getypt"
    form.keep_draft(form.draft())
    assert load_draft(store).note == "half getypt"
    form.clear_draft()
    assert load_draft(store) == ContactDraft()


def test_record_saves_the_contact_and_its_new_resident_and_drops_the_draft(store, ctx):
    form = ContactFormModel(store)
    form.adding_resident = True
    form.new_resident.name = "Noor Visser"
    form.values.street = "Irisplein"
    form.keep_draft(form.draft())
    done = form.record(ctx, form.draft())
    [rid] = done.resident_ids
    assert store.get(Resident, rid).name == "Noor Visser"
    assert store.get(Contact, done.contact_id).resident_ids == [rid]
    assert load_draft(store) == ContactDraft()


def test_a_saved_contact_is_corrected_and_a_new_form_cannot_be(store, ctx):
    form = ContactFormModel(store)
    form.pick(store.create("resident", ctx.team_id, {"name": "Ayşe"}), "Ayşe")
    form.values.street = "Irisplein"
    done = form.record(ctx, form.draft())
    with pytest.raises(ValueError):
        form.correct(form.draft())
    saved = ContactFormModel(store, done.contact_id)
    saved.fill(form.draft())
    saved.values.note = "Later aangevuld"
    assert saved.correct(saved.draft())
    assert store.get(Contact, done.contact_id).note == "Later aangevuld"
    assert not saved.correct(saved.draft())  # nothing changed since
