"""The tie dialog's model without Flet: the label of its ends, a new person named in the search
made on save, an edited tie keeping its ends, and remove."""

from __future__ import annotations

import pytest

from app.domain.models import NetworkPerson
from app.services import context
from app.services.tie_form import TieForm

WORKER = "11111111-1111-4111-8111-111111111111"


@pytest.fixture
def ctx(store, team):
    return context.set_current(store, WORKER, team, "street_coach")


@pytest.fixture
def ayse(store, team):
    hid = store.create("household", team, {"name": "Fam. Yilmaz", "street": "Tulpstraat"})
    return store.create("resident", team, {"name": "Ayşe Yilmaz", "household_id": hid})


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
