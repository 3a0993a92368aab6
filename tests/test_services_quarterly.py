"""Long memory without personal data: the quarterly aggregates survive an erasure unchanged,
and nothing in them leads back to a person (no ids, names, streets or text; no cell of 1–4)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from app.services import familiar_faces, quarterly
from app.services.quarterly import suppress
from app.store import Store
from wijkweb_protocol import new_id

TODAY = date(2026, 1, 20)
NAMES = [f"Fam. Jansen{i}" for i in range(12)]


def history_team(store: Store, team: str | None = None) -> dict[str, list]:
    """Twelve households with contacts and scores through 2024 and 2025."""
    team = team or new_id()
    rows: dict[str, list] = {"households": [], "linked": []}
    with store.transaction():
        for i, name in enumerate(NAMES):
            hh = store.create("household", team, {"name": name, "street": f"Straat{i}",
                                                  "note": "vertrouwelijk"})
            rid = store.create("resident", team, {"household_id": hh, "name": f"Piet{i}",
                                                  "birth_year": 1970 + i})
            linked = [("household", hh), ("resident", rid)]
            for month in range(1, 24, 2):
                day = datetime(2024 + (month > 12), (month - 1) % 12 + 1, 5 + i, 10, tzinfo=UTC)
                linked.append(("contact", store.create("contact", team, {
                    "at": day, "resident_ids": [rid], "street": f"Straat{i}",
                    "note": f"gesprek met Piet{i}"})))
            for k, day in enumerate((date(2024, 2, 1), date(2024, 5, 1), date(2024, 8, 1))):
                linked.append(("outcome_score", store.create("outcome_score", team, {
                    "resident_id": rid, "domain": "housing", "score": 2 + k * (i % 2),
                    "date": day})))
            rows["households"].append(hh)
            rows["linked"].append(linked)
        for _ in range(30):
            store.create("signal", team, {"street": "Straat1", "category": "litter",
                                          "at": datetime(2024, 3, 1, tzinfo=UTC), "note": "x"})
    return rows


def erase(store: Store, linked: list[tuple[str, str]]) -> None:
    store.apply_remote([{"kind": kind, "id": row_id, "purged": True}
                        for kind, row_id in linked])


def test_the_trend_survives_an_erasure(store):
    rows = history_team(store)
    before = {q.label: q for q in quarterly.snapshot(store, TODAY)}
    assert before["2024-Q3"].frozen and not before["2025-Q4"].frozen
    assert before["2024-Q3"].figures["households"] == 12
    store.before_purge = lambda s: quarterly.snapshot(s, TODAY)
    for linked in rows["linked"][:3]:
        erase(store, linked)
    # the households are gone from the store: counted afresh, the quarter has nine
    assert len(familiar_faces.figures_at(familiar_faces.read(store), date(2024, 9, 30))
               .households) == 9
    after = {q.label: q for q in quarterly.snapshot(store, TODAY)}
    for key, q in before.items():
        if q.frozen:
            assert after[key] == q, key
    assert after["2025-Q4"].figures["households"] == 9  # provisional: recomputed


def test_nothing_in_the_aggregates_leads_back_to_a_person(store):
    rows = history_team(store)
    store.before_purge = lambda s: quarterly.snapshot(s, TODAY)
    erase(store, rows["linked"][0])
    kept = store.meta(quarterly.META_KEY)
    assert kept
    text = kept.lower()
    for needle in [*NAMES, "piet", "straat", "vertrouwelijk", "gesprek", "1970",
                   *rows["households"], *(i for _, i in rows["linked"][0])]:
        assert needle.lower() not in text, needle
    names = set()
    for q in json.loads(kept).values():
        assert set(q) == {"start", "end", "frozen", "figures"}
        for name, value in q["figures"].items():
            names.add(name)
            assert value is None or isinstance(value, int | float)
            if not name.endswith("_sum") and value is not None:
                assert value == 0 or value >= quarterly.SMALLEST, (name, value)
    assert "households" in names and "streets_in_alarm" in names
    assert not any(ch.isupper() for n in names for ch in n)  # codes only, no street names


def test_small_cells_and_their_sums_are_suppressed():
    assert suppress({"x": (3, 2.5), "y": (7, 1.0), "z": (0, None)}) == {
        "x": None, "x_sum": None, "y": 7, "y_sum": 1.0, "z": 0}


def test_only_a_team_leads_device_keeps_aggregates(store):
    history_team(store)
    store.set_meta("role", "street_coach")
    quarterly.before_purge(store)
    assert store.meta(quarterly.META_KEY) is None
    store.set_meta("role", "team_lead")
    quarterly.before_purge(store)
    assert quarterly.stored(store)


def test_an_erasure_over_the_server_leaves_the_counts_on_the_leads_laptop(fleet):
    """The real path: a coach's records reach the team lead; the lead erases a household on
    the server; the lead's next pull purges it, and the hook kept the quarters first."""
    team = fleet.harness.team()
    coach, lead = fleet.device([team]), fleet.device([team], role="team_lead")
    rows = history_team(coach.store, team)
    coach.sync()
    lead.sync()
    lead.store.set_meta("role", "team_lead")
    lead.store.before_purge = quarterly.before_purge  # as app.main sets it
    assert quarterly.stored(lead.store) == []
    with lead.client() as c:
        c.call("POST", f"/v1/households/{rows['households'][0]}/erase")
    lead.sync()
    assert rows["households"][0] not in lead.store.all_rows("household")
    kept = {q.label: q for q in quarterly.stored(lead.store)}
    assert kept["2024-Q3"].frozen and kept["2024-Q3"].figures["households"] == 12
    assert len(familiar_faces.figures_at(familiar_faces.read(lead.store), date(2024, 9, 30))
               .households) == 11
