"""Faults on the way: a killed server, a killed client, a dropped page. Nothing lost or doubled."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time

import httpx
import pytest
from server_fixtures import ROOT, both_backends, spawn_server
from sync_fixtures import AppDevice, FaultyTransport, Fleet

from app.store import Store
from app.sync import errors
from app.sync.client import RequestRetry, SyncClient, enroll
from sync_server.store import ServerStore


def history_counts(db, team):
    """Per row id, how many accepted changes the server logged."""
    store = ServerStore(db)
    try:
        page = store.pull([team], None, 5000)
        ids = [json.loads(r)["id"] for r in page.rows if json.loads(r)["kind"] == "resident"]
        return {i: len(store.history([team], "resident", i)["changes"]) for i in ids}
    finally:
        store.close()


@both_backends
def test_server_killed_mid_push_and_restarted_loses_and_doubles_nothing(server_db, tmp_path):
    db = server_db
    setup = ServerStore(db)
    team = setup.add_team("Team Zuid")
    code = setup.create_enrollment(setup.add_worker("Coach", "street_coach", [team]))
    setup.close()
    proc, url = spawn_server(db)
    store = Store(tmp_path / "dev" / "wijkweb.sqlite")
    config = enroll(store, url, code, tmp_path / "dev")
    with store.transaction():
        ids = [store.create("resident", team, {"name": f"Bewoner {i}"}) for i in range(3000)]
    killer = threading.Timer(0.3, lambda: os.kill(proc.pid, signal.SIGKILL))
    killer.start()
    with pytest.raises(errors.Offline), SyncClient(
            store, config, batch=20, retry=RequestRetry(attempts=2, sleep=lambda s: None)) as c:
        while store.pending_count():
            c.push()
    proc.wait(timeout=10)
    assert 0 < store.pending_count() < 3000 or store.pending_count() == 3000
    proc, url = spawn_server(db)  # restarted on the same database
    try:
        config.server = url
        with SyncClient(store, config, batch=20) as c:
            c.sync()
        assert store.pending_count() == 0
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    counts = history_counts(db, team)
    assert sorted(counts) == sorted(ids)
    assert set(counts.values()) == {1}  # every change applied exactly once


@both_backends
def test_client_killed_between_push_and_ack_sends_nothing_twice(make_server, tmp_path):
    fleet = Fleet(make_server(), tmp_path)
    team = fleet.harness.team()
    dev = fleet.device([team])
    ids = [dev.store.create("resident", team, {"name": f"R{i}"}) for i in range(5)]
    dev.store.close()
    script = textwrap.dedent(f"""
        import os
        from app.store import Store
        from app.sync.client import SyncClient
        from app.sync.config import DeviceConfig
        store = Store({str(dev.data_dir / "wijkweb.sqlite")!r})
        store.ack = lambda *a, **k: os._exit(7)   # die after the server answered
        SyncClient(store, DeviceConfig.load({str(dev.data_dir)!r})).push()
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT)
    assert proc.returncode == 7
    store = Store(dev.data_dir / "wijkweb.sqlite")
    assert store.pending_count() == 5  # the ack never landed locally
    with SyncClient(store, dev.config) as c:
        c.sync()
    assert store.pending_count() == 0
    for rid in ids:
        assert len(fleet.harness.store.history([team], "resident", rid)["changes"]) == 1
    store.close()
    dev.store = Store(dev.data_dir / "wijkweb.sqlite")
    fleet.close()


@both_backends
def test_a_connection_dropped_mid_page_is_retried_to_the_same_state(make_server, tmp_path):
    fleet = Fleet(make_server(), tmp_path)
    team = fleet.harness.team()
    writer = fleet.device([team])
    with writer.store.transaction():
        for i in range(300):
            writer.store.create("resident", team, {"name": f"R{i}", "talents": ["koken"]})
    writer.sync()
    clean = fleet.device([team])
    clean.sync()
    flaky = fleet.device([team], transport=FaultyTransport(random.Random(3), rate=0.5))
    flaky.transport.FAULTS = ("truncate", "lose_response")
    done = False
    for _ in range(20):
        if flaky.try_sync(page=37):
            done = True
            break
    assert done and "truncate" in flaky.transport.log
    clean.sync()  # it now knows the flaky device's worker too
    assert flaky.state() == clean.state()
    fleet.close()


@both_backends
def test_pieces_equal_whole(make_server, tmp_path):
    """Pulling in pages, stopping and restarting anywhere, gives what one pull gives."""
    fleet = Fleet(make_server(), tmp_path)
    team = fleet.harness.team()
    writer = fleet.device([team])
    rnd = random.Random(11)
    ids = []
    for round_ in range(6):
        with writer.store.transaction():
            for _ in range(rnd.randint(1, 40)):
                ids.append(writer.store.create("resident", team, {"name": f"R{round_}"}))
        for rid in rnd.sample(ids, min(5, len(ids))):
            writer.store.update("resident", rid, {"birth_year": 1950 + round_})
        if round_ == 3:
            writer.store.delete("resident", ids[0])
        writer.sync()
    whole, pieces = fleet.device([team]), fleet.device([team])
    whole.sync()
    path = pieces.store.path
    while True:
        with SyncClient(pieces.store, pieces.config, page=rnd.randint(1, 30)) as c:
            answer = c.call("GET", "/v1/pull", params={
                "cursor": pieces.store.meta("cursor") or "", "limit": rnd.randint(1, 30)})
            pieces.store.apply_remote(answer["rows"], answer["cursor"], answer["teams"])
        pieces.store.close()  # stop; restart from what is on disk
        pieces.store = Store(path)
        if not answer["more"]:
            break
    assert pieces.state() == whole.state()
    assert ("resident", ids[0]) not in whole.state()
    fleet.close()


@both_backends
def test_a_device_never_sees_or_writes_another_teams_rows(make_server, tmp_path):
    fleet = Fleet(make_server(), tmp_path)
    noord, zuid = fleet.harness.team("Noord"), fleet.harness.team("Zuid")
    a, b = fleet.device([noord]), fleet.device([zuid])
    secret = b.store.create("resident", zuid, {"name": "Alleen Zuid"})
    b.sync()
    a.sync()
    assert ("resident", secret) not in a.state()
    assert all(values["team"] == noord for values in a.state().values())
    a.store.create("resident", zuid, {"name": "Inbraak"})
    mine = a.store.create("resident", noord, {"name": "Gewoon"})
    result = a.sync()
    assert [r["code"] for r in result.rejected] == ["forbidden_team"]
    assert [r["code"] for r in a.store.rejected()] == ["forbidden_team"]
    b.sync()
    assert [v["name"] for (kind, _), v in b.state().items() if kind == "resident"] == [
        "Alleen Zuid"]
    assert a.store.pending_count() == 0 and ("resident", mine) in a.state()
    fleet.close()


@both_backends
def test_revoking_a_scope_removes_its_rows_from_the_device(make_server, tmp_path):
    fleet = Fleet(make_server(), tmp_path)
    noord, zuid = fleet.harness.team("Noord"), fleet.harness.team("Zuid")
    both = fleet.device([noord, zuid])
    writer = fleet.device([zuid])
    rid = writer.store.create("resident", zuid, {"name": "Zuid"})
    writer.sync()
    both.sync()
    assert ("resident", rid) in both.state()
    fleet.harness.store.leave_team(both.config.worker, zuid)
    both.sync()
    assert ("resident", rid) not in both.state()
    assert all(values["team"] == noord for values in both.state().values())
    fleet.close()


@both_backends
def test_purge_reaches_every_device_and_cannot_come_back(make_server, tmp_path):
    fleet = Fleet(make_server(), tmp_path)
    team = fleet.harness.team()
    a, offline = fleet.device([team]), fleet.device([team])
    rid = a.store.create("resident", team, {"name": "Te wissen"})
    a.sync()
    offline.sync()
    offline.store.update("resident", rid, {"name": "Offline bewerkt"})  # pending, not sent
    fleet.harness.store.purge("resident", rid)
    a.sync()
    assert a.store.all_rows("resident").get(rid) is None
    offline.sync()  # pushes its edit first: acknowledged, ignored
    assert offline.store.all_rows("resident").get(rid) is None
    assert offline.store.pending_count() == 0
    fresh = fleet.device([team])
    fresh.sync()
    assert fresh.store.all_rows("resident").get(rid) is None
    history = fleet.harness.store.history([team], "resident", rid)
    assert history["changes"] == []
    fleet.close()


def test_reset_after_the_server_was_restored_keeps_unsent_work(make_server, tmp_path):
    fleet = Fleet(make_server(), tmp_path)
    team = fleet.harness.team()
    dev = fleet.device([team])
    old = dev.store.create("resident", team, {"name": "Voor de backup"})
    dev.sync()
    backup = tmp_path / "backup.db"
    fleet.harness.store.backup(backup)
    lost = dev.store.create("resident", team, {"name": "Na de backup"})
    dev.sync()
    pending = dev.store.create("resident", team, {"name": "Nog niet verstuurd"})
    restored = make_server(backup)  # the server comes back from its backup
    restored_fleet = Fleet(restored, tmp_path / "r")
    dev.config.server = restored.url
    dev.sync()
    state = dev.state()
    assert ("resident", old) in state and ("resident", pending) in state
    assert ("resident", lost) in state
    other = restored_fleet.device([team])
    other.sync()
    # what the restore took from the server came back from the device that wrote it
    assert {("resident", old), ("resident", lost), ("resident", pending)} <= set(other.state())
    restored_fleet.close()
    fleet.close()


def test_retries_back_off_and_give_up_with_offline():
    sleeps = []
    retry = RequestRetry(attempts=4, base=0.5, cap=4, sleep=sleeps.append, rand=lambda: 1.0)
    transport = httpx.MockTransport(lambda request: (_ for _ in ()).throw(
        httpx.ConnectError("down", request=request)))
    store_dir = os.environ.get("TMPDIR", "/tmp")
    store = Store(f"{store_dir}/backoff-{time.time_ns()}.sqlite")
    dev = AppDevice(store, _config(), store.path.parent)
    with pytest.raises(errors.Offline):
        with SyncClient(dev.store, dev.config, transport=transport, retry=retry) as c:
            c.pull()
    assert sleeps == [0.5, 1.0, 2.0]
    store.close()


def _config():
    from app.sync.config import DeviceConfig
    return DeviceConfig(server="http://127.0.0.1:1", device="d1", token="t", worker="w",
                        role="street_coach", teams=[])
