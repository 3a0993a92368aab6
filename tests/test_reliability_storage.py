"""A full disk and a read-only database: a clear 503, nothing partial, the app keeps working.

SQLite reports a full disk as ``SQLITE_FULL``; here the writer's ``max_page_count`` makes the
database full at its present size (and, where this machine may mount, a real 1 MB tmpfs fills
up); ``query_only`` makes it refuse writes as a read-only file does.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from app.services.sync import SyncStatus, badge, last_result
from app.sync import errors
from app.sync.client import RequestRetry
from sync_server.store import ServerStore


def integrity(path: Path) -> str:
    db = sqlite3.connect(path)
    try:
        return db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()


def fill_up(store: ServerStore) -> None:
    """The writer may not grow the database by one more page."""
    pages = store._db.execute("PRAGMA page_count").fetchone()[0]
    store._db.execute(f"PRAGMA max_page_count = {pages}")


@pytest.mark.parametrize("trouble", ["storage_full", "storage_readonly"])
def test_a_server_that_cannot_write_answers_503_and_keeps_its_database(make_server, trouble):
    h = make_server()
    dev = h.device()
    assert dev.push([dev.change("resident", {"name": "Voor"})]).status_code == 200
    if trouble == "storage_full":
        fill_up(h.store)
    else:
        h.store._db.execute("PRAGMA query_only = ON")
    before = h.dump()
    batch = [dev.change("resident", {"name": f"Bewoner {i}", "talents": ["x" * 300]})
             for i in range(200)]
    resp = dev.push(batch)
    assert resp.status_code == 503, resp.text
    assert resp.json()["code"] == trouble and resp.headers["Retry-After"] == "5"
    assert "Bewoner" not in resp.text
    assert h.dump() == before  # nothing of the batch, not even its seqs
    assert integrity(h.db_path) == "ok"
    h.store._db.execute("PRAGMA max_page_count = 1073741823")
    h.store._db.execute("PRAGMA query_only = OFF")
    again = dev.push(batch)  # the same batch, once there is room: taken whole, once
    assert again.status_code == 200 and again.json()["acked"] == dev.seq
    rows, _ = dev.pull_all()
    assert len([r for r in rows if r["kind"] == "resident"]) == 201


def test_the_app_saves_locally_and_says_syncing_waits(fleet):
    team = fleet.harness.team()
    dev = fleet.device([team])
    dev.store.create("resident", team, {"name": "Gesynchroniseerd"})
    dev.sync()
    fill_up(fleet.harness.store)
    for i in range(50):
        dev.store.create("resident", team, {"name": f"Lokaal {i}", "talents": ["y" * 300]})
    with pytest.raises(errors.StorageFull):
        dev.sync(retry=RequestRetry(attempts=2, sleep=lambda s: None))
    assert dev.store.pending_count() == 50
    code = dev.store.meta("sync.last_error")
    state = SyncStatus(pending=50, last_error=code, enrolled=True)
    assert code == "storage_full"
    assert "vol" in last_result(state) and "wacht" in last_result(state)
    assert badge(state).offline  # the badge shows "waiting", not an error to act on
    fleet.harness.store._db.execute("PRAGMA max_page_count = 1073741823")
    dev.sync()
    assert dev.store.pending_count() == 0 and dev.store.meta("sync.last_error") == ""


def test_a_real_full_filesystem(tmp_path, spawn, fleet):
    """A 1 MB tmpfs holds the server's database; a push that does not fit is refused whole."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs",
                                            str(mnt)], capture_output=True).returncode:
        pytest.skip("mounting a small tmpfs needs root and CAP_SYS_ADMIN")
    try:
        db = mnt / "server.db"
        setup = ServerStore(db)
        team = setup.add_team("Team Klein")
        code = setup.create_enrollment(setup.add_worker("Coach", "street_coach", [team]))
        setup.close()
        proc, url = spawn(db)
        from app.store import Store
        from app.sync.client import SyncClient, enroll
        store = Store(tmp_path / "dev" / "wijkweb.sqlite")
        config = enroll(store, url, code, tmp_path / "dev")
        sent = 0
        with SyncClient(store, config, retry=RequestRetry(attempts=1)) as client:
            with pytest.raises(errors.StorageFull):
                for round_ in range(200):
                    with store.transaction():
                        for i in range(20):
                            store.create("resident", team, {"name": f"R{round_}-{i}",
                                                            "talents": ["z" * 500]})
                    client.push()
                    sent += 20
        assert sent and store.pending_count() == 20
        proc.terminate()
        proc.wait(10)
        assert integrity(db) == "ok"
        check = ServerStore(db, readers=1)
        try:
            rows = [r for r in check.pull([team], None, 100_000).rows if '"resident"' in r]
        finally:
            check.close()
        assert len(rows) == sent  # every acknowledged change, none of the refused batch
        store.close()
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)
