"""The dialogs' form models without Flet: each save hands what was typed to its use case,
answers the same errors and keeps what was typed when refused; the tie dialog's model names a
new person on save, keeps an edited tie's ends, and removes."""

from __future__ import annotations

from app.domain.models import (
    Agreement,
    Initiative,
    NetworkPerson,
    OutcomeScore,
    Resident,
    Signal,
)
from app.domain.vocab import SIGNAL_CATEGORIES
from app.services.dialog_forms import (
    AgreementForm,
    InitiativeForm,
    PersonForm,
    ResidentForm,
    ScoreForm,
    SignalForm,
)
from app.services.tie_form import TieForm


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


def test_a_score_of_the_domain_it_opened_from(store, ctx, ayse):
    form = ScoreForm(ayse, "finances")
    assert form.save(store, ctx) == (None, {"score": "error.score"})
    form.score, form.day = 4, "1-1-2025"
    sid, errors = form.save(store, ctx)
    saved = store.get(OutcomeScore, sid)
    assert errors == {} and (saved.domain, saved.score, saved.resident_id) == (
        "finances", 4, ayse)


def test_the_ends_label_shows_what_is_known():
    form = TieForm.of(None, resident=("r", "Ayşe"))
    assert form.ends() == "Ayşe"
    form.person = ("", "Buurthuis")
    assert form.ends() == "Ayşe ↔ Buurthuis"
    assert TieForm().ends() == ""


def test_a_new_person_named_in_the_search_is_made_with_the_tie(store, ctx, ayse):
    form = TieForm.of(None, resident=(ayse, "Ayşe Yilmaz"))
    form.person = ("", "Buurthuis De Linde")
    form.kind, form.support, form.note = "professional", ["advice"], "elke dinsdag"
    tie_id, errors = form.save(store, ctx)
    assert errors == {} and tie_id
    [(tie, person)] = store.ties(ayse)
    assert isinstance(person, NetworkPerson) and person.name == "Buurthuis De Linde"
    assert (tie.kind, tie.strength, tie.support, tie.note) == (
        "professional", "strong", ["advice"], "elke dinsdag")


def test_an_edited_tie_keeps_its_ends_and_can_be_removed(store, ctx, ayse):
    form = TieForm.of(None, resident=(ayse, "Ayşe Yilmaz"), person=("", "Karim"))
    form.save(store, ctx)
    [(tie, _)] = store.ties(ayse)
    edit = TieForm.of(tie)
    assert (edit.kind, edit.strength, edit.tie_id) == ("friend", "strong", tie.id)
    edit.strength = "weak"
    assert edit.save(store, ctx) == (tie.id, {})
    [(again, _)] = store.ties(ayse)
    assert again.strength == "weak" and again.person_id == tie.person_id
    edit.remove(store)
    assert store.ties(ayse) == []


def test_without_a_person_nothing_is_saved(store, ctx, ayse):
    _, errors = TieForm.of(None, resident=(ayse, "Ayşe Yilmaz")).save(store, ctx)
    assert errors == {"person": "error.person_required"}
    assert store.ties(ayse) == []
