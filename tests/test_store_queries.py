"""The reads the screens rely on, over a small realistic neighbourhood."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from app.domain.models import Resident


@pytest.fixture
def hood(store, team):
    coach, other = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"
    fam = store.create("household", team, {"name": "Fam. Yilmaz", "street": "Lindelaan",
                                           "primary_worker_id": coach})
    ayse = store.create("resident", team, {"name": "Ayşe Yilmaz", "household_id": fam,
                                           "ambitions": ["rijbewijs halen"]})
    fam2 = store.create("household", team, {"name": "Fam. de Boer", "street": "Esdoornstraat"})
    jan = store.create("resident", team, {"name": "Jan de Boer", "household_id": fam2})
    now = datetime.now(UTC)
    today_c = store.create("contact", team, {"at": now, "worker_id": coach,
                                             "resident_ids": [ayse], "note": "vandaag"})
    store.create("contact", team, {"at": now - timedelta(days=3), "worker_id": coach,
                                   "resident_ids": [ayse], "note": "eerder"})
    store.create("contact", team, {"at": now, "worker_id": other, "group_size": 4,
                                   "group_label": "jongeren", "note": "plein"})
    today = date.today()
    overdue = store.create("agreement", team, {"what": "Formulier invullen", "resident_id": ayse,
                                               "owner_kind": "resident", "owner_id": ayse,
                                               "worker_id": coach,
                                               "due": today - timedelta(days=2)})
    store.create("agreement", team, {"what": "Bellen", "resident_id": ayse, "worker_id": coach,
                                     "owner_kind": "worker", "owner_id": coach,
                                     "due": today + timedelta(days=5)})
    done = store.create("agreement", team, {"what": "Klaar", "resident_id": ayse, "due": today,
                                            "status": "done"})
    store.create("outcome_score", team, {"resident_id": ayse, "domain": "finances", "score": 2,
                                         "date": today - timedelta(days=1)})
    store.create("activation", team, {"resident_id": ayse, "request": "oppas",
                                      "date": today - timedelta(days=10)})
    coachie = store.create("network_person", team, {"name": "Karim", "key_figure": True,
                                                    "offers": "kickboksles",
                                                    "street": "Pleinweg"})
    tante = store.create("network_person", team, {"name": "Tante Fatma"})
    store.create("tie", team, {"resident_id": ayse, "person_id": coachie, "kind": "professional",
                               "strength": "weak"})
    store.create("tie", team, {"resident_id": ayse, "person_id": tante, "kind": "family",
                               "strength": "strong", "support": ["practical", "emotional"]})
    return dict(coach=coach, ayse=ayse, jan=jan, today_c=today_c, overdue=overdue, done=done,
                coachie=coachie, tante=tante)


def test_todays_contacts_of_a_worker(store, hood):
    assert [c.id for c in store.todays_contacts(hood["coach"])] == [hood["today_c"]]
    assert len(store.todays_contacts()) == 2


def test_timeline_holds_every_kind_newest_first(store, hood):
    items = store.timeline(hood["ayse"])
    assert sorted(i.kind for i in items) == sorted(
        ["contact", "contact", "agreement", "agreement", "agreement", "outcome_score",
         "activation"])
    assert [i.at for i in items] == sorted((i.at for i in items), reverse=True)
    assert store.timeline(hood["jan"]) == []


def test_open_and_overdue_agreements(store, hood):
    open_ids = [a.id for a in store.open_agreements(worker_id=hood["coach"])]
    assert len(open_ids) == 2 and hood["done"] not in open_ids
    assert open_ids[0] == hood["overdue"]  # by due date
    assert [a.id for a in store.open_agreements(overdue_only=True)] == [hood["overdue"]]
    assert len(store.open_agreements(resident_id=hood["jan"])) == 0


@pytest.mark.parametrize("text, names", [
    ("ayşe", ["Ayşe Yilmaz"]),
    ("boer", ["Jan de Boer"]),
    ("linde", ["Ayşe Yilmaz"]),  # by street
    ("", ["Ayşe Yilmaz", "Jan de Boer"]),
    ("%", []),
])
def test_search_residents_by_name_or_street(store, hood, text, names):
    assert [r.name for r, _ in store.search_residents(text)] == names


@pytest.mark.parametrize("text", ["ayse", "ozturk", "aydin", "AYSE", "Ayşe", "ÖZTÜRK-aydın",
                                  "oztürk", "strasse"])
def test_search_folds_accents_and_case(store, team, text):
    fam = store.create("household", team, {"name": "Fam. Öztürk", "street": "Hauptstraße"})
    store.create("resident", team, {"name": "Ayşe Öztürk-Aydın", "household_id": fam})
    store.create("resident", team, {"name": "Jan de Boer"})
    assert [r.name for r, _ in store.search_residents(text)] == ["Ayşe Öztürk-Aydın"]


def test_search_folds_other_letters_and_scripts(store, team):
    for name in ["İlknur Şahin", "Æsa Ørsted", "محمد العلي"]:
        store.create("resident", team, {"name": name})
    assert [r.name for r, _ in store.search_residents("ilknur sahin")] == ["İlknur Şahin"]
    assert [r.name for r, _ in store.search_residents("aesa orsted")] == ["Æsa Ørsted"]
    assert [r.name for r, _ in store.search_residents("محمد")] == ["محمد العلي"]


def test_search_people_folds_accents_and_case(store, team):
    store.create("network_person", team, {"name": "Gülşen Çelik", "organisation": "Buurthuis",
                                          "offers": "Naaicafé"})
    for text in ["gulsen", "CELIK", "naaicafe", "buurthuis"]:
        assert [p.name for p in store.search_people(text)] == ["Gülşen Çelik"]


def test_search_pages(store, hood):
    assert [r.name for r, _ in store.search_residents("", limit=1, offset=1)] == ["Jan de Boer"]


def test_search_people_and_key_figures(store, hood):
    assert [p.name for p in store.search_people("kickboks")] == ["Karim"]
    assert [p.name for p in store.search_people(key_figures_only=True)] == ["Karim"]


def test_ties_from_both_sides(store, hood):
    spokes = store.ties(hood["ayse"])
    assert [(t.kind, p.name) for t, p in spokes] == [("family", "Tante Fatma"),
                                                    ("professional", "Karim")]
    assert spokes[0][0].support == ["practical", "emotional"]
    assert [r.name for _, r in store.person_ties(hood["tante"])] == ["Ayşe Yilmaz"]


def test_deleted_rows_leave_every_query(store, hood):
    store.delete("resident", hood["jan"])
    assert [r.name for r, _ in store.search_residents("")] == ["Ayşe Yilmaz"]
    assert store.get(Resident, hood["jan"]) is None
    store.delete("network_person", hood["tante"])
    assert [p.name for _, p in store.ties(hood["ayse"])] == ["Karim"]


def test_signals_by_street(store, team):
    now = datetime.now(UTC)
    store.create("signal", team, {"street": "Lindelaan", "category": "litter", "at": now})
    store.create("signal", team, {"street": "Pleinweg", "category": "vacancy", "at": now,
                                  "status": "resolved"})
    assert [s.street for s in store.signals()] == ["Lindelaan"]
    assert [s.street for s in store.signals(streets=["Pleinweg"], open_only=False)] == [
        "Pleinweg"]


def test_search_follows_a_household_that_moves(store, hood):
    [(ayse, household)] = store.search_residents("ayşe")
    store.update("household", household.id, {"street": "Havenkade"})
    assert [r.name for r, _ in store.search_residents("havenk")] == ["Ayşe Yilmaz"]
    assert store.search_residents("lindelaan") == []
