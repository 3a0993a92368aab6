"""The demo neighbourhood: realistic amounts, deterministic, and it makes the device usable;
and the demo as ``make run`` starts it is whole on the server and on both devices."""

from __future__ import annotations

import json
import sqlite3

import pytest

from app.cli import DEMO_PIN, start_demo
from app.demo import WORKERS, seed
from app.security import Vault
from app.services import context
from app.store import Store
from sync_server.protocol import KINDS, is_set, present


def _counts(store: Store) -> dict[str, int]:
    return {kind: len(store.all_rows(kind)) for kind in (
        "team", "area", "worker", "household", "resident", "contact", "network_person", "tie",
        "activation", "agreement", "signal", "initiative", "outcome_score")}


def test_demo_amounts(store):
    ids = seed(store)
    n = _counts(store)
    assert n["team"] == 1 and n["area"] == 2 and n["worker"] == 5
    assert n["household"] == 60 and 80 <= n["resident"] <= 110
    assert n["network_person"] == 15 and n["tie"] > 100
    assert n["contact"] == 600 and n["activation"] == 25
    assert n["agreement"] > 40 and n["signal"] == 20 and n["initiative"] >= 5
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
    workers = [f"1111111{i}-1111-4111-8111-111111111111" for i in range(len(WORKERS))]
    store.set_meta("worker_id", "someone")
    store.set_meta("team_id", team)
    ids = seed(store, team_id=team, worker_ids=workers, months=1)
    assert ids["team"] == team and ids["me"] == workers[0]
    assert store.meta("worker_id") == "someone"
    assert len(store.all_rows("contact")) == 150
    # the server made the team and its workers: the device writes neither kind
    assert not store.all_rows("team") and not store.all_rows("worker")
    assert not any(c.kind in ("team", "worker") for c in store.outbox(limit=10_000))


def test_demo_with_a_server_team_needs_all_its_workers(store, team):
    with pytest.raises(ValueError):
        seed(store, team_id=team, worker_ids=[team])


def _device_rows(data_dir) -> tuple[dict[str, dict[str, dict]], int, int]:
    """A demo device's live rows by kind (id → values), its refused and its unsent changes."""
    store = Vault(data_dir).unlock(DEMO_PIN)
    try:
        rows = {kind: {i: {k: v for k, v in r.items() if k not in ("team", "_deleted")}
                       for i, r in store.all_rows(kind).items() if not r["_deleted"]}
                for kind in KINDS}
        return rows, len(store.rejected()), store.pending_count()
    finally:
        store.close()


def _server_rows(path) -> dict[str, dict[str, dict]]:
    """The server's live rows by kind (id → the value of each field's register; a list field's
    items map as the list it shows)."""
    out: dict[str, dict[str, dict]] = {kind: {} for kind in KINDS}
    with sqlite3.connect(path) as db:
        for kind, row_id, fields in db.execute(
                "SELECT kind, id, fields FROM rows WHERE purged = 0"):
            values = {name: present(reg[0]) if is_set(reg) else reg[0]
                      for name, reg in json.loads(fields).items()}
            if not values.pop("_deleted", False):
                out[kind][row_id] = values
    return out


def test_make_run_demo_is_whole_on_server_and_both_devices(tmp_path):
    """``make run``'s start (``start_demo``: a real server on a free port, the coach's and the
    lead's devices enrolled and synced through HTTP): kind by kind the same rows everywhere,
    nothing refused, nothing left to send."""
    server, server_store = start_demo(tmp_path, 0)
    try:
        coach, coach_refused, coach_pending = _device_rows(tmp_path / "app")
        lead, lead_refused, lead_pending = _device_rows(tmp_path / "lead")
        on_server = _server_rows(tmp_path / "server.db")
    finally:
        server.stop()
        server_store.close()
    assert (coach_refused, coach_pending, lead_refused, lead_pending) == (0, 0, 0, 0)
    assert len(on_server["team"]) == 1 and len(on_server["worker"]) == len(WORKERS)
    assert len(on_server["household"]) == 60 and len(on_server["contact"]) == 600
    assert len(on_server["tie"]) > 100 and len(on_server["resident"]) > 80
    for kind in KINDS:
        assert set(coach[kind]) == set(on_server[kind]) == set(lead[kind]), kind
        assert coach[kind] == lead[kind], kind
        for row_id, values in on_server[kind].items():
            assert {k: coach[kind][row_id][k] for k in values} == values, (kind, row_id)
