"""The change feed under concurrency: pullers never skip a row that several writers commit.

The classic gap: writer A takes version 5, writer B takes 6 and commits first; a pull that sees
6 moves its cursor past 5 before A's row is visible, and never receives it. Pushers on every
server process and pullers that hop between the processes with small pages run at once; at the
end each puller's rows must be exactly the feed's.
"""

from __future__ import annotations

import random
import threading
from typing import TYPE_CHECKING

import httpx
from server_fixtures import PROTO, DeviceClient, both_backends

from sync_server.store import ServerStore

if TYPE_CHECKING:
    from collections.abc import Callable

PUSHERS, PUSHES, PULLERS = 4, 40, 3


def enroll(store: ServerStore, url: str, team: str, name: str) -> DeviceClient:
    worker = store.add_worker(name, "street_coach", [team])
    code = store.create_enrollment(worker)
    resp = httpx.post(f"{url}/v1/enroll", headers=PROTO,
                      json={"code": code, "device": f"dev-{name}", "label": "test"})
    assert resp.status_code == 200, resp.text
    data = resp.json()
    return DeviceClient(f"dev-{name}", data["token"], data["worker"], data["role"],
                        data["teams"], url)


def resident_ids(rows: list[dict]) -> set[str]:
    return {r["id"] for r in rows if r["kind"] == "resident"}


@both_backends
def test_concurrent_pushers_never_make_a_puller_skip_a_row(
        backend: str, server_db: str, spawn: Callable[..., tuple]) -> None:
    setup = ServerStore(server_db)
    team = setup.add_team("Noord")
    setup.close()
    urls = [spawn(server_db)[1] for _ in range(2 if backend == "postgres" else 1)]
    admin = ServerStore(server_db)
    pushers = [enroll(admin, urls[i % len(urls)], team, f"p{i}") for i in range(PUSHERS)]
    pullers = [[enroll(admin, urls[0], team, f"r{i}")] for i in range(PULLERS)]
    for hops in pullers:  # the same device, through every server process
        hops += [DeviceClient(hops[0].id, hops[0].token, hops[0].worker, hops[0].role,
                              hops[0].teams, url) for url in urls[1:]]
    pushed: list[set[str]] = [set() for _ in pushers]
    received: list[set[str]] = [set() for _ in pullers]
    statuses: list[int] = []
    writing = threading.Event()
    writing.set()

    def push(n: int) -> None:
        dev, rnd = pushers[n], random.Random(n)
        for _ in range(PUSHES):
            changes = [dev.change("resident", {"name": f"Bewoner {dev.seq}"})
                       for _ in range(rnd.randint(1, 4))]
            resp = dev.push(changes)
            statuses.append(resp.status_code)
            if resp.status_code == 200:
                pushed[n].update(c["id"] for c in changes)

    def pull(n: int) -> None:
        hops, rnd, cursor = pullers[n], random.Random(100 + n), None
        while True:
            quiet = not writing.is_set()  # read before the pull: all pushes were answered
            resp = rnd.choice(hops).pull(cursor, limit=rnd.randint(1, 25))
            statuses.append(resp.status_code)
            assert resp.status_code == 200, resp.text
            page = resp.json()
            received[n] |= resident_ids(page["rows"])
            cursor = page["cursor"]
            if quiet and not page["more"]:
                return

    threads = [threading.Thread(target=pull, args=(n,)) for n in range(PULLERS)]
    writers = [threading.Thread(target=push, args=(n,)) for n in range(PUSHERS)]
    for t in threads + writers:
        t.start()
    for t in writers:
        t.join()
    writing.clear()
    for t in threads:
        t.join()

    assert set(statuses) == {200}
    everything = set().union(*pushed)
    assert len(everything) > PUSHERS * PUSHES  # every push answered, each change once
    feed, _ = pullers[0][-1].pull_all()
    assert resident_ids(feed) == everything
    for n, got in enumerate(received):
        assert got == everything, f"puller {n} skipped {len(everything - got)} rows"
    admin.close()
    for dev in pushers + [d for hops in pullers for d in hops]:
        dev.close()
