"""A device restored from an older copy of its own database: its new changes reuse seqs the
server already holds, and none of them may be acknowledged without being sent.

Found by the fault harness (seed 20260): a batch that only replayed an old change was answered
with the server's last seq, and the device dropped the newer changes behind it, never sent.
"""

from __future__ import annotations

import shutil
import sqlite3

from app.store import Store
from sync_server.protocol import DELETED


def copy_db(store: Store, dest) -> None:
    out = sqlite3.connect(dest)
    try:
        store._db.backup(out)
    finally:
        out.close()


def test_changes_after_a_device_restore_are_sent_not_skipped(fleet, tmp_path):
    team = fleet.harness.team()
    dev, other = fleet.device([team]), fleet.device([team])
    first = dev.store.create("resident", team, {"name": "In de backup, nog niet verstuurd"})
    backup = tmp_path / "phone-backup.sqlite"
    copy_db(dev.store, backup)
    dev.sync()
    later = dev.store.create("resident", team, {"name": "Verstuurd na de backup"})
    dev.sync()

    dev.store.close()  # the phone is restored from its backup
    for suffix in ("-wal", "-shm"):
        dev.store.path.with_name(dev.store.path.name + suffix).unlink(missing_ok=True)
    shutil.copy(backup, dev.store.path)
    dev.store = Store(dev.store.path)
    assert dev.store.pending_count() == 1  # the first change, sent once already
    new = dev.store.create("resident", team, {"name": "Na het terugzetten"})  # a reused seq

    dev.sync(batch=1)  # the first batch replays only the old change
    dev.sync()
    other.sync()
    want = {first, later, new}
    for device in (dev, other):
        assert {i for i, v in device.store.all_rows("resident").items()
                if not v[DELETED]} == want
    assert dev.store.pending_count() == 0
    assert len(fleet.harness.store.history([team], "resident", new)["changes"]) == 1
    assert len(fleet.harness.store.history([team], "resident", first)["changes"]) == 1
