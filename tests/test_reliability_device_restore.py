"""A device restored from an older copy of its own database: its new changes reuse seqs the
server already holds, and none of them may be acknowledged without being sent.

Found by the fault harness (seed 20260): a batch that only replayed an old change was answered
with the server's last seq, and the device dropped the newer changes behind it, never sent.
"""

from __future__ import annotations

import shutil
import sqlite3

from app.store import Store
from wijkweb_protocol import DELETED


def restore(dev, backup) -> None:
    """The phone comes back from a copy of its database."""
    dev.store.close()
    for suffix in ("-wal", "-shm"):
        dev.store.path.with_name(dev.store.path.name + suffix).unlink(missing_ok=True)
    shutil.copy(backup, dev.store.path)
    dev.store = Store(dev.store.path)


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

    restore(dev, backup)
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


def test_a_change_sent_again_under_a_new_epoch_is_not_logged_twice(fleet, tmp_path):
    """Found by the long fault run (seed 3000): the restored device's outbox still held a change
    the server had; after ``epoch_stale`` it went again under a new epoch, and since the row had
    moved on meanwhile it was logged (and judged for conflicts) a second time."""
    team = fleet.harness.team()
    dev, other = fleet.device([team]), fleet.device([team])
    rid = dev.store.create("resident", team, {"name": "Eerste versie"})
    backup = tmp_path / "phone-backup.sqlite"
    copy_db(dev.store, backup)
    dev.sync()
    dev.store.create("resident", team, {"name": "Na de backup"})
    dev.sync()
    other.sync()
    other.store.update("resident", rid, {"name": "Door een collega bewerkt"})
    other.sync()

    restore(dev, backup)
    dev.store.create("resident", team, {"name": "Na het terugzetten"})  # meets epoch_stale
    dev.sync()
    dev.sync()
    other.sync()
    assert dev.state() == other.state()
    assert dev.state()[("resident", rid)]["name"] == "Door een collega bewerkt"
    changes = fleet.harness.store.history([team], "resident", rid)["changes"]
    assert len(changes) == 2  # the create and the colleague's edit, each once
    assert fleet.harness.store.conflicts(include_reviewed=True) == []
