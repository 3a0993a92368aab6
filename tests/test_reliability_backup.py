"""Durability: an online backup while pushes go on, a restore, and devices that converge after it.

A server restored from a backup lost what it acknowledged after the backup; the devices that
sent it already dropped those changes from their outboxes. On the reset that follows, each
device re-sends its own registers, so the restored server gets every record back.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

from app.store import Store
from app.sync.client import RequestRetry, SyncClient, enroll
from sync_server.store import ServerStore
from wijkweb_protocol import DELETED


def server_rows(db: Path) -> dict[str, dict]:
    """Every row in a server database file, id → fields (read directly, like an auditor)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {i: json.loads(f) for i, f in con.execute("SELECT id, fields FROM rows "
                                                         "WHERE kind = 'resident'")}
    finally:
        con.close()


def integrity(db: Path) -> str:
    con = sqlite3.connect(db)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


def setup_server(db: Path, devices: int) -> tuple[str, list[str]]:
    store = ServerStore(db)
    team = store.add_team("Team Oost")
    codes = [store.create_enrollment(store.add_worker(f"Coach {i}", "street_coach", [team]))
             for i in range(devices)]
    store.close()
    return team, codes


def test_backup_during_pushes_is_consistent_and_complete(tmp_path, spawn, cli):
    db, backup = tmp_path / "server.db", tmp_path / "backup.db"
    team, (code,) = setup_server(db, 1)
    proc, url = spawn(db)
    store = Store(tmp_path / "a" / "wijkweb.sqlite")
    config = enroll(store, url, code, tmp_path / "a")
    acked: list[tuple[float, list[str]]] = []  # (when the ack arrived, ids of one local tx)
    stop = threading.Event()

    def pusher() -> None:
        with SyncClient(store, config) as client:
            n = 0
            while not stop.is_set():
                with store.transaction():
                    ids = [store.create("resident", team, {"name": f"R{n}-{k}"})
                           for k in range(3)]
                n += 1
                client.push()
                acked.append((time.monotonic(), ids))

    thread = threading.Thread(target=pusher)
    thread.start()
    while len(acked) < 20:
        time.sleep(0.05)
    started = time.monotonic()
    done = cli("admin", "--db", str(db), "backup", str(backup))
    while len(acked) < 40 + len([a for a in acked if a[0] < started]):
        time.sleep(0.05)
    stop.set()
    thread.join(30)
    assert done.returncode == 0, done.stderr
    assert integrity(backup) == "ok"
    saved = server_rows(backup)
    before = [ids for at, ids in acked if at < started]
    assert before and all(i in saved for ids in before for i in ids)
    for _, ids in acked:  # a local transaction is in the backup whole, or not at all
        assert len({i in saved for i in ids}) == 1
    assert any(i not in saved for _, ids in acked for i in ids)  # pushes went on meanwhile
    store.close()
    proc.terminate()
    proc.wait(10)


def test_restore_brings_back_what_devices_still_hold(tmp_path, spawn, cli):
    db, backup = tmp_path / "server.db", tmp_path / "backup.db"
    team, codes = setup_server(db, 3)
    proc, url = spawn(db)
    stores, configs = [], []
    for n in range(2):
        s = Store(tmp_path / f"d{n}" / "wijkweb.sqlite")
        configs.append(enroll(s, url, codes[n], tmp_path / f"d{n}"))
        stores.append(s)
    a, b = stores

    def sync(n: int):
        with SyncClient(stores[n], configs[n], retry=RequestRetry(sleep=lambda s: None)) as c:
            return c.sync()

    early = [a.create("resident", team, {"name": f"Vroeg {i}"}) for i in range(5)]
    sync(0)
    assert cli("admin", "--db", str(db), "backup", str(backup)).returncode == 0
    late = [a.create("resident", team, {"name": f"Laat {i}"}) for i in range(5)]
    a.update("resident", early[0], {"name": "Vroeg, later bewerkt"})
    a.delete("resident", early[1])
    sync(0)
    sync(1)
    assert a.pending_count() == 0  # all acknowledged and dropped: only the rows remain

    refused = cli("admin", "restore", "--from", str(backup), "--db", str(db))
    assert refused.returncode == 2 and "running server" in refused.stderr
    proc.terminate()
    proc.wait(10)
    restored = cli("admin", "restore", "--from", str(backup), "--db", str(db))
    assert restored.returncode == 0, restored.stderr
    assert integrity(db) == "ok" and set(server_rows(db)) >= set(early)
    assert not set(server_rows(db)) & set(late)  # the server really went back in time

    proc, url = spawn(db)
    for c in configs:
        c.server = url
    unsent = a.create("resident", team, {"name": "Nog niet verstuurd"})
    result = sync(0)
    assert result.resets == 1 and result.resent >= len(early) + len(late)
    sync(1)
    c_store = Store(tmp_path / "c" / "wijkweb.sqlite")
    stores.append(c_store)
    configs.append(enroll(c_store, url, codes[2], tmp_path / "c"))
    sync(2)
    sync(0)

    want = {i for i in early + late + [unsent] if i != early[1]}
    for s in stores:
        live = {i for i, v in s.all_rows("resident").items() if not v[DELETED]}
        assert live == want
        assert s.all_rows("resident")[early[0]]["name"] == "Vroeg, later bewerkt"
        assert s.pending_count() == 0
    proc.terminate()
    proc.wait(10)
    fields = server_rows(db)
    assert fields[early[1]][DELETED][0] is True
    check = ServerStore(db)
    try:  # re-sent registers the backup held are not logged a second time
        assert len(check.history([team], "resident", early[2])["changes"]) == 1
    finally:
        check.close()
    for s in stores:
        s.close()
