"""The small form dialogs' models without Flet: each save hands what was typed to its use case,
answers the same errors, and keeps what was typed when refused."""

from __future__ import annotations

import pytest

from app.domain.models import Agreement, Initiative, NetworkPerson, Resident, Signal
from app.domain.vocab import SIGNAL_CATEGORIES
from app.services import context
from app.services.dialog_forms import (
    AgreementForm,
    InitiativeForm,
    PersonForm,
    ResidentForm,
    SignalForm,
)

WORKER = "11111111-1111-4111-8111-111111111111"


@pytest.fixture
def ctx(store, team):
    return context.set_current(store, WORKER, team, "street_coach")


def test_an_agreement_is_saved_for_the_resident_it_owns(store, ctx):
    rid = store.create("resident", ctx.team_id, {"name": "Ayşe"})
    form = AgreementForm(resident_id=rid)
    assert form.save(store, ctx) == (None, {"what": "error.what_required"})
    form.what, form.owner_kind, form.due = "Samen bellen", "resident", "5-3-2031"
    aid, errors = form.save(store, ctx)
    saved = store.get(Agreement, aid)
    assert errors == {} and (saved.what, saved.owner_id, saved.resident_id) == (
        "Samen bellen", rid, rid)


def test_a_signal_and_an_initiative_keep_what_was_typed_when_refused(store, ctx):
    signal = SignalForm(street="Irisplein", note="Losse stoeptegels")
    assert signal.save(store, ctx) == (None, {"category": "error.choose_one"})
    assert (signal.street, signal.note) == ("Irisplein", "Losse stoeptegels")
    signal.category = SIGNAL_CATEGORIES[0]
    sid, errors = signal.save(store, ctx)
    assert errors == {} and store.get(Signal, sid).street == "Irisplein"
    initiative = InitiativeForm(title="Moestuin", street="Irisplein", carried_by="Henk")
    iid, errors = initiative.save(store, ctx)
    assert errors == {} and store.get(Initiative, iid).carried_by == "Henk"


def test_a_person_is_edited_through_the_form_of_it(store, ctx):
    pid, errors = PersonForm(name="Karim", key_figure=True).save(store, ctx)
    assert errors == {}
    form = PersonForm.of(store.get(NetworkPerson, pid))
    assert (form.name, form.key_figure, form.person_id) == ("Karim", True, pid)
    form.organisation = "Buurthuis"
    assert form.save(store, ctx) == (pid, {})
    assert store.get(NetworkPerson, pid).organisation == "Buurthuis"
    assert PersonForm.of(None) == PersonForm()


def test_a_resident_is_made_with_what_was_typed(store, ctx):
    form = ResidentForm(name="de Groot", street="Irisplein", house_number="4",
                        birth_year="19x")
    assert form.save(store, ctx)[1] == {"birth_year": "error.birth_year"}
    form.birth_year = "1950"
    rid, errors = form.save(store, ctx)
    assert errors == {} and store.get(Resident, rid).name == "de Groot"
