"""Three server processes on one PostgreSQL database, app devices spread over them.

A device may reach any process (a load balancer in front): its cursor, pushes, scope, a purge
and a revocation mean the same on each, and a long-poll on one wakes for a push on another.
"""

from __future__ import annotations

import random
import threading

import pytest
from sync_fixtures import FaultyTransport, Fleet

from app.sync import errors
from sync_server.store import ServerStore
from wijkweb_protocol import DELETED

pytestmark = pytest.mark.postgres


class Spread:
    """What ``Fleet`` needs of a harness: the admin store, and a URL per new device in turn."""

    def __init__(self, store: ServerStore, urls: list[str]):
        self.store, self.urls, self._n = store, urls, 0

    @property
    def url(self) -> str:
        self._n += 1
        return self.urls[(self._n - 1) % len(self.urls)]


@pytest.fixture
def cluster(pg_cluster, spawn, tmp_path):
    url = pg_cluster.fresh_db()
    ServerStore(url).close()  # migrated once, before the processes start together
    urls = [spawn(url)[1] for _ in range(3)]
    store = ServerStore(url)
    fleet = Fleet(Spread(store, urls), tmp_path)
    yield fleet, urls
    fleet.close()
    store.close()


def test_devices_on_three_processes_converge_through_faults(cluster):
    fleet, urls = cluster
    rnd = random.Random(8)
    team = fleet.harness.store.add_team("Noord")
    devices = [fleet.device([team], transport=FaultyTransport(rnd, rate=0.25))
               for _ in range(6)]
    made: list[str] = []
    for step in range(160):
        dev = rnd.choice(devices)
        op = rnd.choice(["create", "edit", "edit", "delete", "sync", "sync", "hop"])
        if op == "create" or not made:
            made.append(dev.store.create("resident", team, {"name": f"Bewoner {step}"}))
        elif op == "sync":
            dev.try_sync(batch=rnd.choice([1, 3, 50]), page=rnd.choice([1, 5, 100]))
        elif op == "hop":  # the load balancer sends it to another process
            dev.config.server = rnd.choice(urls)
        else:
            rid = rnd.choice(made)
            if ("resident", rid) in dev.state():
                if op == "edit":
                    dev.store.update("resident", rid, {"birth_year": 1930 + step % 80})
                else:
                    dev.store.delete("resident", rid)
    for dev in devices:
        dev.transport.rate = 0
    for _ in range(2):
        for dev in devices:
            result = dev.sync()
            assert result.resets == 0
    states = [dev.state() for dev in devices]
    assert all(s == states[0] for s in states)
    assert all(d.store.pending_count() == 0 for d in devices)
    rows = fleet.harness.store.pull([team], None, 5000).rows
    live = {r.split('"id":"')[1][:36] for r in rows
            if '"kind":"resident"' in r and f'"{DELETED}":[true' not in r}
    assert live == {rid for kind, rid in states[0] if kind == "resident"}
    assert len(live) > 10


def test_scope_purge_revoke_and_long_poll_hold_across_processes(cluster):
    fleet, urls = cluster
    store = fleet.harness.store
    noord, zuid = store.add_team("Noord"), store.add_team("Zuid")
    a, b, c = fleet.device([noord]), fleet.device([noord]), fleet.device([zuid])
    assert len({a.config.server, b.config.server, c.config.server}) == 3
    secret = c.store.create("resident", zuid, {"name": "Alleen Zuid"})
    c.sync()
    a.store.create("resident", zuid, {"name": "Inbraak"})
    assert [r["code"] for r in a.sync().rejected] == ["forbidden_team"]
    assert ("resident", secret) not in a.state()

    woke: list[list[dict]] = []
    with a.client() as client:  # a long-poll on a's process, caught up first
        cursor = client.call("GET", "/v1/pull", params={"cursor": ""})["cursor"]

        def wait() -> None:
            woke.append(client.call("GET", "/v1/pull", params={"cursor": cursor,
                                                                  "wait": 20})["rows"])

        poll = threading.Thread(target=wait)
        poll.start()
        rid = b.store.create("resident", noord, {"name": "Van een ander proces"})
        b.sync()  # on b's process
        poll.join()
    assert [r["id"] for r in woke[0] if r["kind"] == "resident"] == [rid]

    a.sync()
    store.purge("resident", rid)  # by the admin, in yet another process
    for dev in (a, b):
        dev.sync()
        assert dev.store.all_rows("resident").get(rid) is None
    store.revoke(b.config.device)
    b.store.create("resident", noord, {"name": "Na intrekking"})
    for url in urls:  # refused by every process at once
        b.config.server = url
        with pytest.raises(errors.DeviceRevoked):
            b.sync()


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_a_frozen_lock_holder_delays_writes_with_503_and_is_cut_off(make_server, monkeypatch):
    from sync_server import pg_backend
    from sync_server.errors import Refusal

    monkeypatch.setattr(pg_backend, "LOCK_WAIT_S", 0.5)
    monkeypatch.setattr(pg_backend, "IDLE_IN_TRANSACTION_S", 2.0)
    server = make_server()
    dev = server.device()
    frozen = server.store.backend.connect("writer")  # a server process stopped mid-write
    server.store.backend.begin_write(frozen)
    change = dev.change("contact", {"note": "wacht"})
    busy = dev.push([change])
    assert busy.status_code == 503 and busy.json()["code"] == "unavailable"
    assert "Retry-After" in busy.headers
    for _ in range(100):  # PostgreSQL ends the idle transaction; the lock is free again
        resp = dev.push([change])
        if resp.status_code == 200:
            break
        assert resp.status_code == 503
        threading.Event().wait(0.2)
    assert resp.status_code == 200 and resp.json()["acked"] == change["seq"]
    with pytest.raises(Refusal):
        frozen.execute("SELECT 1")
    assert server.store.backend.broken(frozen)
    assert len(server.store.history([dev.teams[0]], "contact", change["id"])["changes"]) == 1


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_a_database_restart_costs_retries_not_records(make_server, pg_cluster):
    server = make_server()
    dev, other = server.device(), server.device()
    first = dev.change("contact", {"note": "voor"})
    assert dev.push([first]).status_code == 200
    assert other.pull().status_code == 200  # its readers are pooled now
    pg_cluster.restart()  # every pooled connection is dead
    second = dev.change("contact", {"note": "na"})
    statuses = []
    for call in (lambda: dev.push([second]), other.pull):
        for _ in range(10):
            resp = call()
            statuses.append(resp.status_code)
            if resp.status_code == 200:
                break
            assert resp.status_code == 503 and "Retry-After" in resp.headers, resp.text
    assert statuses.count(200) == 2 and statuses.count(503) <= 3, statuses
    team = dev.teams[0]
    for change in (first, second):
        assert len(server.store.history([team], "contact", change["id"])["changes"]) == 1
