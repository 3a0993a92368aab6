"""Randomised convergence: devices edit offline and sync partially through a faulty network.

After healing and a full sync, every device and the server hold identical data, equal to a
reference model built from every write ever made (``protocol.merge``: per plain field the largest
stamp wins; list fields merge item by item, so every add no removal saw is there).
"""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sync_fixtures import FaultyTransport, Fleet

from app.store import NotFound
from sync_server.protocol import DELETED, KINDS, LIST, merge, shown

ops = st.lists(
    st.tuples(st.sampled_from(["create", "edit", "edit", "add", "add", "remove", "delete",
                               "sync", "sync"]),
              st.integers(0, 3),  # which device
              st.integers(0, 10_000),  # which row / what value
              st.sampled_from(["name", "birth_year", "talents", "ambitions"])),
    min_size=10, max_size=40)


@pytest.fixture(scope="module", params=[
    "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def harness(request, tmp_path_factory):
    """One server for every example (per backend); each example works in a team of its own."""
    import threading

    from server_fixtures import Harness, fresh_db

    from sync_server.server import SyncServer
    from sync_server.store import ServerStore
    db = fresh_db(request, request.param, tmp_path_factory.mktemp("srv"), "server.db")
    store = ServerStore(db)
    server = SyncServer(store, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    h = Harness(store, server, db, server.url)
    yield h
    h.stop()


def value_for(field: str, n: int):
    if KINDS["resident"][field] == LIST:  # a whole list, as a form saves it
        return [f"{field[0]}{n % 5}", f"{field[0]}{n % 3}", ""][: n % 4]
    return {"name": f"naam {n} ✓", "birth_year": 1900 + n % 120}[field]


@settings(max_examples=25, deadline=None)
@given(script=ops, seed=st.integers(0, 2**32 - 1), n_devices=st.integers(3, 4))
def test_devices_converge_to_the_reference_model(harness, tmp_path_factory, script, seed,
                                                 n_devices):
    rnd = random.Random(seed)
    fleet = Fleet(harness, tmp_path_factory.mktemp("fleet"))
    team = harness.team()
    try:
        devices = [fleet.device([team], transport=FaultyTransport(rnd, rate=0.3))
                   for _ in range(n_devices)]
        written: dict[str, list[dict]] = {}  # row id → every register state written
        for op, d, n, field in script:
            dev = devices[d % n_devices]
            rows = sorted(written)
            if op == "create" or not rows:
                rid = dev.store.create("resident", team, {"name": value_for("name", n)})
            elif op == "sync":
                dev.try_sync(batch=rnd.choice([1, 2, 5]), page=rnd.choice([1, 2, 100]))
                continue
            else:
                rid = rows[n % len(rows)]
                try:
                    if op in ("add", "remove") and KINDS["resident"][field] != LIST:
                        continue
                    if op == "edit":
                        dev.store.update("resident", rid, {field: value_for(field, n)})
                    elif op == "add":
                        dev.store.add_to_list("resident", rid, field, [f"{field[0]}{n % 5}"])
                    elif op == "remove":  # an item of the list as this device shows it, if any
                        shown_here = (dev.store.values("resident", rid) or {}).get(field) or [""]
                        dev.store.remove_from_list("resident", rid, field,
                                                   [shown_here[n % len(shown_here)]])
                    else:
                        dev.store.delete("resident", rid)
                except NotFound:
                    continue  # this device has not seen the row yet, or saw it deleted
            written.setdefault(rid, [])
            for change in dev.store.outbox(limit=10_000):
                if change.id == rid:
                    written[rid].append({k: v[:2] for k, v in change.fields.items()})

        for dev in devices:  # heal the network, then sync until quiet
            dev.transport.rate = 0
        for _ in range(2):
            for dev in devices:
                dev.sync()

        expected = {}
        for rid, states in written.items():
            state = {}
            for s in states:
                state = merge(state, s)
            if not state.get(DELETED, [False])[0]:
                expected[("resident", rid)] = {k: shown(v[0]) for k, v in state.items()
                                               if k != DELETED}
        for dev in devices:
            got = {key: {k: v for k, v in values.items()
                         if k in expected.get(key, {})}
                   for key, values in dev.state().items() if key[0] == "resident"}
            assert got == expected
        assert all(d.store.pending_count() == 0 for d in devices)
        page = harness.store.pull([team], None, 5000)
        rows = [json.loads(r) for r in page.rows]
        live = {r["id"] for r in rows if r["kind"] == "resident"
                and not r.get("purged") and not r["fields"].get(DELETED, [False])[0]}
        assert live == {rid for _, rid in expected}
    finally:
        fleet.close()


def test_reference_helpers_cover_the_schema():
    assert {"name", "birth_year", "talents", "ambitions"} <= set(KINDS["resident"])
    assert KINDS["resident"]["talents"] == KINDS["resident"]["ambitions"] == LIST
