"""The demo neighbourhood: realistic amounts, deterministic, and it makes the device usable."""

from __future__ import annotations

from app.demo import seed
from app.services import context
from app.store import Store


def _counts(store: Store) -> dict[str, int]:
    return {kind: len(store.all_rows(kind)) for kind in (
        "team", "area", "worker", "household", "resident", "contact", "network_person", "tie",
        "activation", "agreement", "signal", "initiative", "outcome_score", "handover")}


def _own(store: Store, kind: str) -> int:
    """Rows of the demo proper: ``app.demo_history`` writes its contacts and signals without
    a note."""
    return sum(1 for row in store.all_rows(kind).values() if row["note"])


def test_demo_amounts(store):
    ids = seed(store)
    n = _counts(store)
    assert n["team"] == 1 and n["area"] == 2 and n["worker"] == 5
    assert n["household"] == 60 and 80 <= n["resident"] <= 110
    assert n["network_person"] == 15 and n["tie"] > 100
    assert _own(store, "contact") == 600 and n["activation"] == 25
    assert n["agreement"] > 40 and _own(store, "signal") == 20 and n["initiative"] >= 5
    assert n["contact"] > 600 and n["signal"] > 100 and n["handover"] >= 20  # demo_history
    assert n["outcome_score"] > 200
    contacts = store.all_rows("contact").values()
    assert any(c["group_size"] for c in contacts)  # anonymous groups
    assert store.open_agreements(overdue_only=True)  # some overdue
    ctx = context.current(store)
    assert (ctx.team_id, ctx.worker_id, ctx.role) == (ids["team"], ids["me"], "street_coach")
    assert store.todays_contacts(ids["me"])


def test_demo_is_deterministic(tmp_path):
    a, b = Store(tmp_path / "a.sqlite"), Store(tmp_path / "b.sqlite")
    seed(a, seed=7)
    seed(b, seed=7)
    for kind in ("resident", "tie", "agreement"):
        assert set(a.all_rows(kind)) == set(b.all_rows(kind))
    a.close()
    b.close()


def test_demo_uses_given_team_and_workers_and_keeps_existing_meta(store, team):
    workers = ["11111111-1111-4111-8111-111111111111"]
    store.set_meta("worker_id", "someone")
    store.set_meta("team_id", team)
    ids = seed(store, team_id=team, worker_ids=workers, months=1)
    assert ids["team"] == team and ids["me"] == workers[0]
    assert store.meta("worker_id") == "someone"
    assert _own(store, "contact") == 150
