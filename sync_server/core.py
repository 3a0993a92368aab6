"""What every part of the store shares: the connections, the feed's timeline, the server clock
and the settings kept in ``meta``.

The concept modules (``accounts``, ``sync``, ``review``, ``upkeep``) each add their verbs to
this base; ``sync_server.store.ServerStore`` is all of them together.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from sync_server import auth
from sync_server.backend import Connection, open_backend
from sync_server.connections import Connections
from sync_server.cursor import CursorKeys, new_cursor_key
from wijkweb_protocol import Clock


class StoreCore(Connections):
    """The database opened, its timeline and clock set up; the verbs live in the subclasses."""

    def __init__(self, path: str | os.PathLike[str], *, readers: int = 4,
                 wall: Callable[[], int] | None = None, durability: str = "full"):
        self.path = str(path)
        self._wall = wall or (lambda: int(time.time() * 1000))
        super().__init__(open_backend(self.path, durability), readers)
        with self._write() as db:
            meta = dict(db.execute("SELECT key, value FROM meta"))
            if "epoch" not in meta:
                meta = {"epoch": uuid.uuid4().hex, "version": "0", "floor": "0", "clock": ""}
                db.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
            if "cursor_key" not in meta:  # a database from before cursors were sealed
                meta["cursor_key"] = new_cursor_key()
                db.execute("INSERT INTO meta VALUES ('cursor_key', ?)", (meta["cursor_key"],))
            if meta.pop("restored", None):  # a backup, opened as a server for the first time
                meta["previous_epoch"], meta["epoch"] = meta["epoch"], uuid.uuid4().hex
                meta["previous_cursor_key"] = meta["cursor_key"]
                meta["cursor_key"] = new_cursor_key()
                db.executemany("INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) "
                               "DO UPDATE SET value = excluded.value",
                               [(key, meta[key]) for key in (
                                   "epoch", "previous_epoch", "cursor_key",
                                   "previous_cursor_key")])
                db.execute("DELETE FROM meta WHERE key = 'restored'")
        self.timeline: str = meta["epoch"]
        """Random id of this database's feed timeline (kept as ``meta.epoch``): made when it
        was created, and again when a backup of it is first opened (devices' cursors then point
        into a future that the restored server never had: they must reset)."""
        self._previous_timeline = meta.get("previous_epoch", "")
        self.cursor_keys = CursorKeys(meta["cursor_key"], meta.get("previous_cursor_key", ""))
        """The secrets that seal feed cursors: this timeline's, and the restored backup's."""
        self.clock = Clock(auth.SERVER_DEVICE, last=meta["clock"] or None, wall=self._wall)
        self._listen(int(meta["version"]))

    def now_iso(self) -> str:
        return datetime.fromtimestamp(self._wall() / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def server_time(self) -> str:
        """The server's HLC now: clients ratchet their clocks past it."""
        return self.clock.now()

    def _ratchet(self, db: Connection, stamp: str = "") -> None:
        """Move the server clock past ``stamp`` and past what any process saved; save it."""
        saved = db.execute("SELECT value FROM meta WHERE key = 'clock'").fetchone()[0]
        for seen in (saved, stamp[:16]):
            if seen and seen > self.clock.last:
                self.clock.update(seen)
        db.execute("UPDATE meta SET value = ? WHERE key = 'clock'", (self.clock.last,))

    def meta_value(self, key: str) -> str | None:
        """One server-side setting or figure kept in ``meta`` (None: never set)."""
        with self._read() as db:
            found = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if found is None else found[0]

    def put_meta(self, key: str, value: str) -> None:
        with self._write() as db:
            db.execute("INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET "
                       "value = excluded.value", (key, value))

    def meta_under(self, prefix: str) -> dict[str, str]:
        """Every ``meta`` value whose key starts with ``prefix``, by the rest of its key."""
        with self._read() as db:
            rows = db.execute("SELECT key, value FROM meta WHERE key LIKE ?", (prefix + "%",))
            return {k[len(prefix):]: v for k, v in rows if k.startswith(prefix)}
