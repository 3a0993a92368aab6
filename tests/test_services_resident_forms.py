"""The resident page's dialog models without Flet: the primary worker is saved only when one is
chosen; the legal basis keeps what was typed when refused and says the retention term of the
chosen basis; an activation is saved with who, what and when, and refused without a person."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from coach_fixtures import WORKER

from app.domain.models import Activation, Household
from app.services.resident_forms import ActivationForm, LegalBasisForm, PrimaryWorkerForm

OTHER = "22222222-2222-4222-8222-222222222222"


@pytest.fixture
def household(store, team):
    return store.create("household", team, {"name": "Fam. Yilmaz", "street": "Tulpstraat",
                                            "primary_worker_id": WORKER})


def test_the_chosen_primary_worker_is_saved_and_nothing_while_none_is(store, household):
    assert PrimaryWorkerForm(household).save(store) is False
    assert store.get(Household, household).primary_worker_id == WORKER
    assert PrimaryWorkerForm(household, OTHER).save(store) is True
    assert store.get(Household, household).primary_worker_id == OTHER


def test_the_legal_basis_keeps_what_was_typed_when_refused(store, household):
    form = LegalBasisForm.of(store.get(Household, household))
    assert (form.legal_basis, form.consent_date, form.term_years()) == ("consent", "", "2")
    tomorrow = f"{date.today() + timedelta(days=1):%d-%m-%Y}"
    form.consent_date = tomorrow
    assert form.save(store) == {"consent_date": "error.date_in_future"}
    assert form.consent_date == tomorrow
    form.legal_basis, form.consent_date = "public_task_wmo", ""
    assert form.term_years() == "15"
    assert form.save(store) == {}
    assert store.get(Household, household).legal_basis == "public_task_wmo"


def test_a_consent_date_is_shown_as_typed_and_saved(store, household):
    form = LegalBasisForm(household, "consent", "3-2-2025")
    assert form.save(store) == {}
    again = LegalBasisForm.of(store.get(Household, household))
    assert (again.legal_basis, again.consent_date) == ("consent", "03-02-2025")


def test_an_activation_is_saved_with_who_what_and_when(store, ctx, household):
    rid = store.create("resident", ctx.team_id, {"name": "Ayşe", "household_id": household})
    pid = store.create("network_person", ctx.team_id, {"name": "Karim"})
    form = ActivationForm(rid, request="Samen naar de markt")
    assert form.save(store, ctx) == (None, {"persons": "error.person_required"})
    assert form.request == "Samen naar de markt"
    form.person_ids, form.day = [pid], "5-3-2025"
    aid, errors = form.save(store, ctx)
    saved = store.get(Activation, aid)
    assert errors == {} and (saved.resident_id, saved.person_ids, saved.request, saved.date) == (
        rid, [pid], "Samen naar de markt", date(2025, 3, 5))
