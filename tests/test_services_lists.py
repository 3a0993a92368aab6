"""Residents, agreements, signals and the "Vandaag" view."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from app.domain.models import Household, Resident
from app.services import agreements, context, residents, signals, today
from app.services.contacts import ContactDraft, record_contact

WORKER = "11111111-1111-4111-8111-111111111111"
OTHER = "22222222-2222-4222-8222-222222222222"


@pytest.fixture
def ctx(store, team):
    store.create("worker", team, {"name": "Sanne"}, id=WORKER)
    return context.set_current(store, WORKER, team, "street_coach")


def test_resident_search_is_paged(store, ctx):
    for i in range(7):
        residents.create_resident(store, ctx, f"Bewoner {i:02}", "Tulpstraat")
    page = residents.search(store, "tulp", 0, limit=5)
    assert [r.name for r in page.rows] == [f"Bewoner {i:02}" for i in range(5)] and page.has_more
    page = residents.search(store, "tulp", 5, limit=5)
    assert len(page.rows) == 2 and not page.has_more


def test_create_resident_validates_and_makes_a_household(store, ctx):
    assert residents.create_resident(store, ctx, "", "", birth_year="19x")[1] == {
        "name": "error.name_required", "street": "error.street_required",
        "birth_year": "error.birth_year"}
    rid, errors = residents.create_resident(store, ctx, "Noor", "Irisplein", "12", "1990")
    profile = residents.profile(store, rid)
    assert errors == {} and profile.resident.birth_year == 1990
    assert profile.household.street == "Irisplein" and profile.primary_worker == "Sanne"
    assert profile.consent_missing


def test_ambitions_talents_obstacles(store, ctx):
    rid, _ = residents.create_resident(store, ctx, "Noor", "Irisplein")
    assert residents.add_to_list(store, rid, "ambitions", " ") == {
        "ambitions": "error.required"}
    residents.add_to_list(store, rid, "ambitions", "kok worden")
    residents.add_to_list(store, rid, "ambitions", "kok worden")  # no duplicates
    residents.add_to_list(store, rid, "talents", "koken")
    residents.remove_from_list(store, rid, "talents", "koken")
    r = store.get(Resident, rid)
    assert (r.ambitions, r.talents) == (["kok worden"], [])


def test_legal_basis(store, ctx):
    rid, _ = residents.create_resident(store, ctx, "Noor", "Irisplein")
    hid = store.get(Resident, rid).household_id
    assert residents.set_legal_basis(store, hid, "consent", "") == {
        "consent_date": "error.consent_date_required"}
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    assert residents.set_legal_basis(store, hid, "consent", tomorrow) == {
        "consent_date": "error.date_in_future"}
    assert residents.set_legal_basis(store, hid, "public_task_wmo", "") == {}
    assert residents.set_legal_basis(store, hid, "consent", "3-2-2025") == {}
    h = store.get(Household, hid)
    assert (h.legal_basis, h.consent_date) == ("consent", date(2025, 2, 3))
    assert not residents.profile(store, rid).consent_missing
    residents.set_primary_worker(store, hid, OTHER)
    assert store.get(Household, hid).primary_worker_id == OTHER


def test_agreement_filters_and_owner_names(store, ctx):
    rid, _ = residents.create_resident(store, ctx, "Noor", "Irisplein")
    today_ = date.today()
    late, _ = agreements.save(store, ctx, {"what": "Bellen", "due": (
        today_ - timedelta(days=2)).isoformat()})
    by_her, _ = agreements.save(store, ctx, {"what": "CV maken", "owner_kind": "resident",
                                             "resident_id": rid, "due": ""})
    store.create("agreement", ctx.team_id, {"what": "Van een ander", "owner_kind": "worker",
                                            "owner_id": OTHER, "worker_id": OTHER})
    mine = agreements.rows(store, ctx, "mine")
    assert {r.agreement.id for r in mine} == {late, by_her}
    assert [r.agreement.id for r in agreements.rows(store, ctx, "overdue")] == [late]
    assert len(agreements.rows(store, ctx, "all")) == 3
    row = next(r for r in mine if r.agreement.id == by_her)
    assert (row.owner_name, row.resident_name, row.overdue) == ("Noor", "Noor", False)
    assert next(r for r in mine if r.agreement.id == late).overdue
    agreements.set_status(store, late, "done")
    assert [r.agreement.id for r in agreements.rows(store, ctx, "overdue")] == []
    assert agreements.save(store, ctx, {"what": "", "owner_kind": "resident",
                                        "due": "gisteren"})[1] == {
        "what": "error.what_required", "owner_id": "error.owner_required",
        "due": "error.date_invalid"}


def test_signals_and_initiatives_by_street(store, ctx):
    for street, cat in (("Tulpstraat", "litter"), ("Irisplein", "vacancy"),
                        ("Tulpstraat", "nuisance")):
        _, errors = signals.save_signal(store, ctx, {"street": street, "category": cat,
                                                     "severity": 2})
        assert errors == {}
    groups = signals.signals(store)
    assert [(s, len(items)) for s, items in groups] == [("Irisplein", 1), ("Tulpstraat", 2)]
    sid = groups[0][1][0].id
    signals.set_signal_status(store, sid, "resolved")
    assert [s for s, _ in signals.signals(store)] == ["Tulpstraat"]
    assert [s for s, _ in signals.signals(store, open_only=False)] == ["Irisplein", "Tulpstraat"]
    assert signals.save_signal(store, ctx, {"street": "", "category": "x", "severity": 7})[1] \
        == {"street": "error.street_required", "category": "error.choose_one",
            "severity": "error.choose_one"}
    signals.save_initiative(store, ctx, {"title": "Moestuin", "street": "Irisplein",
                                         "carried_by": "Fam. Kaya"})
    assert [(s, [i.title for i in items]) for s, items in signals.initiatives(store)] == [
        ("Irisplein", ["Moestuin"])]


def test_today_view(store, ctx):
    rid, _ = residents.create_resident(store, ctx, "Noor", "Irisplein")
    record_contact(store, ctx, ContactDraft(residents=[(rid, "Noor")], street="Irisplein",
                                            follow_up=True, follow_up_what="Bellen",
                                            follow_up_due=date.today().isoformat()))
    store.create("contact", ctx.team_id, {"at": datetime.now(UTC) - timedelta(days=2),
                                          "worker_id": WORKER, "street": "Irisplein"})
    signals.save_signal(store, ctx, {"street": "Irisplein", "category": "litter",
                                     "severity": 1})
    signals.save_signal(store, ctx, {"street": "Elders", "category": "litter", "severity": 3})
    view = today.today(store, ctx)
    assert [c.who for c in view.contacts] == [["Noor"]]
    assert [a.agreement.what for a in view.agreements] == ["Bellen"]
    assert view.agreements[0].due_today
    assert [s.street for s in view.signals] == ["Irisplein"]  # only my streets
