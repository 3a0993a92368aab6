"""The server's database: current rows, change log, devices, and the admin operations on them.

One writer connection, guarded by a lock, does every write in a transaction that holds the
database's write lock (SQLite's ``BEGIN IMMEDIATE``, or PostgreSQL's advisory lock when several
server processes share one database: ``sync_server.backend``), so an admin CLI or another
server queues behind it. Readers take a connection of their own from a small pool and read a
snapshot while a push is being written. Each write that changes rows gets one new commit
*version*; the pull feed is ordered by it.
"""

from __future__ import annotations

import heapq
import json
import logging
import os
import sqlite3
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import islice
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple

from sync_server import audit, auth, erasure, feed, push
from sync_server.audit import CLI, Actor
from sync_server.backend import open_backend
from sync_server.errors import ApiError, bad_request, not_found, unavailable
from sync_server.push import Current
from sync_server.validate import Batch
from wijkweb_protocol import KINDS, Clock, merge, retention

log = logging.getLogger("wijkweb.server")

MAX_NAME = 200
CHECKPOINT_EVERY_S = 0.5
TOUCH_EVERY_S = 60.0
"""A device's ``last_seen`` is written at most this often on reads (pushes always write it)."""


class Device(NamedTuple):
    """Who a bearer token belongs to."""

    id: str
    worker: str
    role: str
    teams: tuple[str, ...]
    revoked: bool


class Page(NamedTuple):
    rows: list[str]
    """Feed rows as JSON texts."""
    cursor: str
    more: bool
    version: int
    """The server's newest commit version when the page was read."""


class PageInfo(NamedTuple):
    """A page that was streamed (``ServerStore.pull_into``): how many rows, and what follows."""

    count: int  # type: ignore[assignment]  # the field shadows tuple.count; nothing calls that
    cursor: str
    more: bool
    version: int
    """The server's newest commit version when the page was read."""
    per_team: dict[str, int]
    """How many of the rows each team gave (for the audit log)."""


def _name(value: Any, what: str = "name") -> str:
    if (not isinstance(value, str) or not value.strip() or len(value) > MAX_NAME
            or not _utf8(value)):
        raise bad_request(f"The {what} must be 1 to {MAX_NAME} characters.")
    return value.strip()


def _administrator_in_team() -> ApiError:
    return ApiError(409, "administrator_in_team", "An administrator holds no resident data, so "
                    "it cannot be a member of a team. Use a worker of the team instead.")


def _currents(nodes: Iterable[erasure.Node]) -> list[tuple[str, str, push.Current]]:
    """Live rows found by ``erasure.Graph`` in the form ``ServerStore._purge_rows`` takes."""
    return [(n.kind, n.id, push.Current(n.rid, n.team, "", 0)) for n in nodes]


def _utf8(text: str) -> bool:
    """False for text with lone surrogates or NUL (JSON allows them; SQLite cannot store the
    first, PostgreSQL not the second)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


class ServerStore:
    """Everything the server keeps, and the Python API the admin CLI mirrors."""

    def __init__(self, path: str | os.PathLike[str], *, readers: int = 4,
                 wall: Callable[[], int] | None = None, durability: str = "full"):
        self.path = str(path)
        self._wall = wall or (lambda: int(time.time() * 1000))
        self.backend = open_backend(self.path, durability)
        """A SQLite file, or a PostgreSQL database that other server processes share."""
        self._db = self.backend.connect("writer")
        self.backend.migrate(self._db)
        self._wlock = threading.Lock()
        self._changed = threading.Condition()
        self._pool: list[sqlite3.Connection] = []
        self._pool_lock = threading.Lock()
        self._readers = threading.BoundedSemaphore(readers)
        self._closing = False
        self._closed = False
        self._touched: dict[str, float] = {}
        self._pending_version = 0
        self._seen_version = 0
        self._dirty = threading.Event()
        self._halt = threading.Event()
        self._checkpointer = threading.Thread(target=self._checkpoint_loop, daemon=True,
                                              name="wal-checkpoint")
        if self.backend.checkpoints:
            self._checkpointer.start()
        with self._write() as db:
            meta = dict(db.execute("SELECT key, value FROM meta"))
            if "epoch" not in meta:
                meta = {"epoch": uuid.uuid4().hex, "version": "0", "floor": "0", "clock": ""}
                db.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
            if "cursor_key" not in meta:  # a database from before cursors were sealed
                meta["cursor_key"] = feed.new_cursor_key()
                db.execute("INSERT INTO meta VALUES ('cursor_key', ?)", (meta["cursor_key"],))
            if meta.pop("restored", None):  # a backup, opened as a server for the first time
                meta["previous_epoch"], meta["epoch"] = meta["epoch"], uuid.uuid4().hex
                meta["previous_cursor_key"] = meta["cursor_key"]
                meta["cursor_key"] = feed.new_cursor_key()
                db.executemany("INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) "
                               "DO UPDATE SET value = excluded.value",
                               [(key, meta[key]) for key in (
                                   "epoch", "previous_epoch", "cursor_key",
                                   "previous_cursor_key")])
                db.execute("DELETE FROM meta WHERE key = 'restored'")
        self.epoch: str = meta["epoch"]
        """Random id of this database's timeline: made when it was created, and again when a
        backup of it is first opened (devices' cursors then point into a future that the
        restored server never had: they must reset)."""
        self._previous_epoch = meta.get("previous_epoch", "")
        self.cursor_keys = feed.CursorKeys(meta["cursor_key"],
                                            meta.get("previous_cursor_key", ""))
        """The secrets that seal feed cursors: this epoch's, and the restored backup's."""
        self.clock = Clock(auth.SERVER_DEVICE, last=meta["clock"] or None, wall=self._wall)
        self._seen_version = int(meta["version"])
        self._waiters = 0
        self._listening = threading.Event()
        """Set while a long-poll waits: only then does the backend listen to other processes
        (notices to a listening process slowed a morning rush on PostgreSQL 3.5-fold)."""
        self._listener = self.backend.listen(self._heard, self._listening, self._halt)

    # ------------------------------------------------------------------ connections

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; an exception anywhere inside rolls all of it back."""
        with self._wlock:
            if self._closed:
                raise unavailable("The server is stopping.")
            if self.backend.broken(self._db):
                self._db.close()
                self._db = self.backend.connect("writer")
            db = self._db
            self._pending_version = 0
            try:
                self.backend.begin_write(db)  # may fail after BEGIN: rolled back below
                yield db
                self.backend.commit(db, self._pending_version)
            except BaseException:
                if db.in_transaction and not self.backend.broken(db):
                    db.execute("ROLLBACK")
                raise
            self._seen_version = max(self._seen_version, self._pending_version)
        self._dirty.set()
        with self._changed:
            self._changed.notify_all()

    def _checkpoint_loop(self) -> None:
        """Copy the WAL into the database off the request path, at most twice a second.

        A checkpoint at commit time (SQLite's default) would make every few pushes wait for it.
        This one holds the write lock while it copies, so no commit lands meanwhile: it then
        completes, and the next write starts the WAL over from its beginning. Run beside a
        steady stream of pushes it seldom completed, and the WAL grew by every push (to hundreds
        of MB): each commit then extended the file, and each page read searched a longer
        WAL index. Readers are never blocked (PASSIVE skips what a reader still needs).
        """
        db = self.backend.connect("checkpoint")
        try:
            while not self._closing:
                self._dirty.wait()
                if self._halt.wait(CHECKPOINT_EVERY_S):
                    break
                self._dirty.clear()
                with self._wlock:
                    if self._closing:
                        break
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error:
            log.exception("WAL checkpoint failed; SQLite checkpoints at close")
        finally:
            db.close()

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        if self._closed:
            raise unavailable("The server is stopping.")
        self._readers.acquire()
        try:
            with self._pool_lock:
                db = self._pool.pop() if self._pool else None
            db = db or self.backend.connect("reader")
            try:
                yield db
            finally:
                if db.in_transaction and not self.backend.broken(db):
                    db.execute("ROLLBACK")
                with self._pool_lock:
                    if self.backend.broken(db):  # the database restarted: so are the others
                        for other in [db, *self._pool]:
                            other.close()
                        self._pool.clear()
                    elif self._closed:
                        db.close()
                    else:
                        self._pool.append(db)
        finally:
            self._readers.release()

    def wake_all(self) -> None:
        """Shutting down: long-polls return now, with what they have."""
        self._closing = True
        self._halt.set()
        self._dirty.set()
        with self._changed:
            self._changed.notify_all()

    def close(self) -> None:
        """Wake long-polls, let the running write finish, then close every connection."""
        self.wake_all()
        if self._checkpointer.is_alive():  # before taking the write lock: it may wait for it
            self._checkpointer.join()
        if self._listener is not None:
            self._listener.join()
        with self._wlock:
            if self._closed:
                return
            self._closed = True
            self._db.close()
        with self._pool_lock:
            for db in self._pool:
                db.close()
            self._pool.clear()

    @property
    def closing(self) -> bool:
        return self._closing

    # ------------------------------------------------------------------ clock and versions

    def now_iso(self) -> str:
        return datetime.fromtimestamp(self._wall() / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def server_time(self) -> str:
        """The server's HLC now: clients ratchet their clocks past it."""
        return self.clock.now()

    def _next_version(self, db: sqlite3.Connection) -> int:
        version = int(db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()[0]) + 1
        db.execute("UPDATE meta SET value = ? WHERE key = 'version'", (str(version),))
        self._pending_version = version  # long-polls learn of it once it is committed
        return version

    def _ratchet(self, db: sqlite3.Connection, stamp: str = "") -> None:
        """Move the server clock past ``stamp`` and past what any process saved; save it."""
        saved = db.execute("SELECT value FROM meta WHERE key = 'clock'").fetchone()[0]
        for seen in (saved, stamp[:16]):
            if seen and seen > self.clock.last:
                self.clock.update(seen)
        db.execute("UPDATE meta SET value = ? WHERE key = 'clock'", (self.clock.last,))

    def _publish(self, db: sqlite3.Connection, kind: str, row_id: str, team: str,
                 values: dict[str, Any]) -> None:
        """Write a server-made row (team, worker) into the feed, as an ordinary change."""
        self._ratchet(db)
        stamp = self.clock.stamp()
        self._ratchet(db)
        regs = {name: [value, stamp] for name, value in values.items()}
        found = push.find_row(db, kind, row_id)
        merged = merge(json.loads(found.fields) if found else {}, regs)
        version = self._next_version(db)
        text = json.dumps(merged, separators=(",", ":"))
        if found:
            rid = found.rid
            db.execute("UPDATE rows SET fields = ?, team = ?, version = ? WHERE rid = ?",
                       (text, team, version, rid))
        else:
            rid = db.execute("SELECT coalesce(max(rid), 0) + 1 FROM rows").fetchone()[0]
            db.execute("INSERT INTO rows (rid, key, kind, id, team, fields, version) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (rid, push.row_key(row_id), kind, row_id, team, text, version))
        db.execute("INSERT INTO changes (version, row, device, fields, received_at) "
                   "VALUES (?, ?, ?, ?, ?)",
                   (version, rid, auth.SERVER_DEVICE, json.dumps(regs, separators=(",", ":")),
                    self.now_iso()))

    # ------------------------------------------------------------------ teams and workers

    def add_team(self, name: str, actor: Actor = CLI) -> str:
        """Create a team; returns its id. Devices learn its name from the feed."""
        name = _name(name)
        team = str(uuid.uuid4())
        with self._write() as db:
            now = self.now_iso()
            db.execute("INSERT INTO teams VALUES (?, ?, ?)", (team, name, now))
            self._publish(db, "team", team, team, {"name": name})
            audit.record(db, now, actor, "created", "team", team, [team])
        return team

    def add_worker(self, name: str, role: str, teams: Sequence[str],
                   email: str | None = None, actor: Actor = CLI) -> str:
        """Create a worker in ``teams`` (the first is where the feed files the worker).

        An administrator is in no team (``administrator_in_team``): it holds no resident data.
        """
        name = _name(name)
        if role not in auth.ROLES:
            raise bad_request(f"The role must be one of: {', '.join(auth.ROLES)}.")
        if teams and role == auth.ADMINISTRATOR:
            raise _administrator_in_team()
        if not teams and role != auth.ADMINISTRATOR:
            raise bad_request("A worker must be a member of at least one team.")
        worker = str(uuid.uuid4())
        with self._write() as db:
            for team in teams:
                self._require_team(db, team)
            now = self.now_iso()
            db.execute("INSERT INTO workers VALUES (?, ?, ?, ?)", (worker, name, role, now))
            db.executemany("INSERT INTO worker_teams VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                           [(worker, team, pos) for pos, team in enumerate(teams)])
            values = {"name": name, "role": role} | (
                {"email": _name(email, "email")} if email else {})
            if teams:
                self._publish(db, "worker", worker, teams[0], values)
            audit.record(db, now, actor, "created", "worker", worker, teams)
        return worker

    def join_team(self, worker: str, team: str) -> None:
        """Make ``worker`` (and so all its devices) a member of ``team`` too; never an
        administrator (``administrator_in_team``)."""
        with self._write() as db:
            self._require_worker(db, worker)
            self._require_team(db, team)
            if db.execute("SELECT role FROM workers WHERE id = ?", (worker,)
                          ).fetchone()[0] == auth.ADMINISTRATOR:
                raise _administrator_in_team()
            pos = db.execute("SELECT coalesce(max(pos), -1) + 1 FROM worker_teams "
                             "WHERE worker = ?", (worker,)).fetchone()[0]
            db.execute("INSERT INTO worker_teams VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                       (worker, team, pos))

    def leave_team(self, worker: str, team: str) -> None:
        """Take ``team`` out of the worker's scope; its devices drop that team's rows."""
        with self._write() as db:
            self._require_worker(db, worker)
            gone = db.execute("DELETE FROM worker_teams WHERE worker = ? AND team = ?",
                              (worker, team)).rowcount
            if not gone:
                raise not_found("The worker is not a member of that team.")
            first = db.execute("SELECT team FROM worker_teams WHERE worker = ? ORDER BY pos "
                               "LIMIT 1", (worker,)).fetchone()
            filed = push.find_row(db, "worker", worker)
            if first and filed and filed.team != first[0]:
                db.execute("UPDATE rows SET team = ?, version = ? WHERE rid = ?",
                           (first[0], self._next_version(db), filed.rid))

    # ------------------------------------------------------------------ settings (meta)

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

    def teams(self) -> list[dict[str, Any]]:
        with self._read() as db:
            return [{"id": i, "name": n, "created_at": c}
                    for i, n, c in db.execute("SELECT id, name, created_at FROM teams "
                                              "ORDER BY created_at, name")]

    def workers(self) -> list[dict[str, Any]]:
        with self._read() as db:
            rows = db.execute("SELECT id, name, role FROM workers ORDER BY created_at, name")
            out = [{"id": i, "name": n, "role": r, "teams": []} for i, n, r in rows]
            for w in out:
                w["teams"] = [t for (t,) in db.execute(
                    "SELECT team FROM worker_teams WHERE worker = ? ORDER BY pos", (w["id"],))]
            return out

    @staticmethod
    def _require_team(db: sqlite3.Connection, team: str) -> None:
        if not db.execute("SELECT 1 FROM teams WHERE id = ?", (team,)).fetchone():
            raise not_found(f"There is no team '{team}'.")

    @staticmethod
    def _require_worker(db: sqlite3.Connection, worker: str) -> None:
        if not db.execute("SELECT 1 FROM workers WHERE id = ?", (worker,)).fetchone():
            raise not_found(f"There is no worker '{worker}'.")

    # ------------------------------------------------------------------ devices

    def create_enrollment(self, worker: str, hours: float = 24.0, actor: Actor = CLI) -> str:
        """A one-time code that enrolls one device of ``worker``; expires after ``hours``."""
        if not isinstance(hours, (int, float)) or not 0 < hours <= 24 * 30:
            raise bad_request("A code must expire within 1 to 720 hours.")
        code = auth.new_code()
        with self._write() as db:
            self._require_worker(db, worker)
            teams = [t for (t,) in db.execute(
                "SELECT team FROM worker_teams WHERE worker = ? ORDER BY pos", (worker,))]
            now = self.now_iso()
            db.execute("INSERT INTO enrollments (code_hash, worker, teams, created_at, "
                       "expires_at) VALUES (?, ?, ?, ?, ?)",
                       (auth.code_digest(code), worker, json.dumps(teams), now,
                        self._wall() / 1000 + hours * 3600))
            audit.record(db, now, actor, "code_issued", "worker", worker, teams)
        return code

    def enroll(self, code: str, device: str, label: str = "") -> dict[str, Any]:
        """Redeem ``code`` for ``device``: returns its token (shown once, stored as a hash)."""
        if not auth.valid_device_id(device):
            raise bad_request("'device' must be 1 to 64 letters, digits, '-' or '_', starting "
                              "with a letter or digit.")
        if not isinstance(label, str) or len(label) > MAX_NAME or not _utf8(label):
            raise bad_request(f"'label' must be text of at most {MAX_NAME} characters.")
        label = auth.clean_text(label, auth.MAX_LABEL)
        token = auth.new_token()
        with self._write() as db:
            found = db.execute("SELECT worker, expires_at, used_at FROM enrollments "
                               "WHERE code_hash = ?", (auth.code_digest(code),)).fetchone()
            if found is None or found[2] is not None or found[1] <= self._wall() / 1000:
                raise ApiError(401, "enrollment_invalid",
                               "This enrollment code is unknown, used or expired. Ask your "
                               "team lead for a new one.")
            worker = found[0]
            taken = db.execute("SELECT 1 FROM devices WHERE id = ?", (device,)).fetchone()
            if taken or auth.reserved_device_id(device):
                raise ApiError(409, "device_exists", "A device with this id is already enrolled.")
            now = self.now_iso()
            db.execute("INSERT INTO devices (id, worker, token_hash, label, created_at, "
                       "last_seen) VALUES (?, ?, ?, ?, ?, ?)",
                       (device, worker, auth.digest(token), label, now, now))
            db.execute("UPDATE enrollments SET used_at = ?, device = ? WHERE code_hash = ?",
                       (now, device, auth.code_digest(code)))
            role = db.execute("SELECT role FROM workers WHERE id = ?", (worker,)).fetchone()[0]
            teams = [t for (t,) in db.execute(
                "SELECT team FROM worker_teams WHERE worker = ? ORDER BY pos", (worker,))]
            audit.record(db, now, Actor(device, worker), "enrolled", "device", device, teams)
        return {"device": device, "token": token, "worker": worker, "role": role,
                "teams": teams}

    def authenticate(self, token: str) -> Device | None:
        """The device a bearer token belongs to (revoked ones too), or None."""
        with self._read() as db:
            found = db.execute(
                "SELECT d.id, d.worker, w.role, d.revoked FROM devices d "
                "JOIN workers w ON w.id = d.worker WHERE d.token_hash = ?",
                (auth.digest(token),)).fetchone()
            if found is None:
                return None
            teams = () if found[2] == auth.ADMINISTRATOR else tuple(  # no resident data, even
                t for (t,) in db.execute(  # if a database from before the rule has it in one
                    "SELECT team FROM worker_teams WHERE worker = ? ORDER BY pos", (found[1],)))
        return Device(found[0], found[1], found[2], teams, bool(found[3]))

    def touch(self, device: str) -> None:
        """Note that ``device`` was seen; skipped when written recently or the writer is busy."""
        now = time.monotonic()
        if now - self._touched.get(device, -TOUCH_EVERY_S) < TOUCH_EVERY_S:
            return
        if not self._wlock.acquire(blocking=False):
            return
        try:
            if not self._closed:
                self._db.execute("UPDATE devices SET last_seen = ? WHERE id = ?",
                                 (self.now_iso(), device))
                self._touched[device] = now
        except (ApiError, *self.backend.errors):  # a full or read-only disk must not stop reads
            log.debug("last_seen not written", exc_info=True)
        finally:
            self._wlock.release()

    def devices(self) -> list[dict[str, Any]]:
        with self._read() as db:
            rows = db.execute("SELECT id, worker, label, created_at, last_seen, revoked "
                              "FROM devices ORDER BY created_at, id").fetchall()
        return [{"id": i, "worker": w, "label": lb, "created_at": c, "last_seen": s,
                 "revoked": bool(r)} for i, w, lb, c, s, r in rows]

    def revoke(self, device: str, actor: Actor = CLI) -> None:
        """The device's token stops working at once (403 ``device_revoked``)."""
        with self._write() as db:
            if not db.execute("UPDATE devices SET revoked = 1 WHERE id = ?", (device,)).rowcount:
                raise not_found(f"There is no device '{device}'.")
            teams = [t for (t,) in db.execute(
                "SELECT team FROM worker_teams WHERE worker = (SELECT worker FROM devices "
                "WHERE id = ?) ORDER BY pos", (device,))]
            audit.record(db, self.now_iso(), actor, "revoked", "device", device, teams)

    # ------------------------------------------------------------------ push and pull

    def push(self, device: Device, batch: Batch) -> dict[str, Any]:
        """Apply a checked batch exactly once; returns the answer body (acked, rejected)."""
        items = batch.items
        with self._write() as db:
            found = db.execute("SELECT last_seq FROM epochs WHERE device = ? AND epoch = ?",
                               (device.id, batch.epoch)).fetchone()
            last = found[0] if found else 0
            split = min(max(last - items[0].seq + 1, 0), len(items)) if items else 0
            rejected = self._replayed(db, device.id, batch, split)
            purged = (push.purged_keys(push.load_current(db, items[:split]), items[:split],
                                       frozenset(device.teams)) if split else [])
            fresh = items[split:]
            if fresh:
                if fresh[0].seq != last + 1:
                    raise ApiError(409, "gap", f"The next change must have seq {last + 1}.",
                                   expected=last + 1)
                now = self.now_iso()
                logged_before = db.execute("SELECT coalesce(max(rowid), 0) FROM changes"
                                           ).fetchone()[0]
                outcome = push.apply(db, device.id, frozenset(device.teams), fresh,
                                     lambda: self._next_version(db), now)
                self._audit_push(db, Actor(device.id, device.worker), logged_before, now)
                rejected += outcome.rejected
                purged += outcome.purged
                if outcome.newest:
                    self._ratchet(db, outcome.newest)
                last = fresh[-1].seq
                db.execute("INSERT INTO pushes VALUES (?, ?, ?, ?, ?, ?)",
                           (device.id, batch.epoch, fresh[0].seq, last,
                            b"".join(it.digest for it in fresh),
                            json.dumps(outcome.rejected, separators=(",", ":"))))
                db.execute("INSERT INTO epochs VALUES (?, ?, ?) ON CONFLICT (device, epoch) "
                           "DO UPDATE SET last_seq = excluded.last_seq",
                           (device.id, batch.epoch, last))
                db.execute("UPDATE devices SET last_seen = ? WHERE id = ?", (now, device.id))
        # Acknowledge this batch, not beyond: a device restored from a copy of its database
        # numbers new changes with seqs the server already has; only seqs it sent now were
        # checked against what the server holds (the next batch then meets epoch_stale).
        acked = min(last, items[-1].seq) if items else last
        answer = {"acked": acked, "rejected": rejected, "server_time": self.server_time()}
        if purged:  # erased rows the device still wrote to: it deletes its copies
            answer["purged"] = [{"kind": k, "id": i} for k, i in purged]
        return answer

    @staticmethod
    def _audit_push(db: sqlite3.Connection, actor: Actor, logged_before: int, now: str) -> None:
        """One audit entry per change the push stored: the change log since ``logged_before``
        (its rowid) says which, and whether its row is new. Not grouped per row: that cost
        three times as much (~3 ms per 1,000 changes)."""
        db.execute(
            "INSERT INTO audit (at, device, worker, action, kind, row_id, team, count) "
            "SELECT ?, ?, ?, CASE WHEN EXISTS (SELECT 1 FROM changes o WHERE o.row = r.rid "
            "AND o.rowid <= ?) THEN 'changed' ELSE 'created' END, r.kind, r.id, r.team, 1 "
            "FROM changes c JOIN rows r ON r.rid = c.row WHERE c.rowid > ? ORDER BY c.rowid",
            (now, actor.device, actor.worker, logged_before, logged_before))

    @staticmethod
    def _replayed(db: sqlite3.Connection, device: str, batch: Batch,
                  split: int) -> list[dict[str, Any]]:
        """Check the already-answered part of a batch is what was sent then; its rejections."""
        if split == 0:
            return []
        old = batch.items[:split]
        lo, hi = old[0].seq, old[-1].seq
        rejected: list[dict[str, Any]] = []
        for first, last, digests, answered in db.execute(
                "SELECT first_seq, last_seq, digests, rejected FROM pushes WHERE device = ? "
                "AND epoch = ? AND first_seq <= ? AND last_seq >= ?",
                (device, batch.epoch, hi, lo)):
            for seq in range(max(first, lo), min(last, hi) + 1):
                at = (seq - first) * 8
                if digests[at:at + 8] != old[seq - lo].digest:
                    raise ApiError(409, "epoch_stale",
                                   f"Change {seq} differs from the one this server already "
                                   "has under that seq: start a new epoch.", seq=seq)
            rejected += [r for r in json.loads(answered) if lo <= r["seq"] <= hi]
        rejected.sort(key=lambda r: r["seq"])
        return rejected

    def pull(self, teams: Sequence[str], cursor: str | None, limit: int) -> Page:
        """The next page of the feed for ``teams``, its rows as JSON texts (see ``pull_into``)."""
        rows: list[str] = []
        info = self.pull_into(teams, cursor, limit, rows.append)
        return Page(rows, info.cursor, info.more, info.version)

    def pull_into(self, teams: Sequence[str], cursor: str | None, limit: int,
                  emit: Callable[[str], Any]) -> PageInfo:
        """Pass the next page of the feed for ``teams`` to ``emit``, row by row (as JSON text).

        A page never splits a commit version. Its bounds come from the versions alone (read from
        the ``(team, version)`` index); then its rows are streamed in version order, so a page
        is never held in memory whole. ``emit`` runs inside the read transaction.
        """
        positions = feed.decode_cursor(cursor, self.cursor_keys, self.epoch,
                                       self._previous_epoch)
        with self._read() as db:
            self.backend.begin_read(db)
            newest, floor = (int(v) for (v,) in db.execute(
                "SELECT value FROM meta WHERE key IN ('version', 'floor') ORDER BY key DESC"))
            if positions and max(positions.values()) > newest:
                raise feed.reset_required("server_restored")
            if any(0 < v < floor for t, v in positions.items() if t in teams):
                raise feed.reset_required("compacted")
            start = {t: positions.get(t, 0) for t in teams}
            heads = [[v for (v,) in db.execute(
                "SELECT version FROM rows WHERE team = ? AND version > ? ORDER BY version LIMIT ?",
                (t, start[t], limit + 1))] for t in teams]
            first = list(islice(heapq.merge(*heads), limit + 1))
            del heads
            if len(first) <= limit:
                last, more = newest, False
            else:  # up to the limit-th row's version, and all of that version (whole commits)
                last = first[limit - 1]
                more = first[limit] > last or any(db.execute(
                    "SELECT 1 FROM rows WHERE team = ? AND version > ? LIMIT 1",
                    (t, max(start[t], last))).fetchone() for t in teams)
            ends = ({t: max(start[t], last) for t in teams} if more
                    else dict.fromkeys(teams, newest))
            count = 0
            per_team: dict[str, int] = {}
            if first:
                streams = [db.execute(
                    "SELECT version, kind, id, team, fields, purged FROM rows "
                    "WHERE team = ? AND version > ? AND version <= ? ORDER BY version",
                    (t, start[t], last)) for t in teams if start[t] < last]
                render = feed.render_row
                for _, k, i, t, f, p in heapq.merge(*streams, key=itemgetter(0)):
                    emit(render(k, i, t, f, p))
                    per_team[t] = per_team.get(t, 0) + 1
                count = sum(per_team.values())
            db.execute("COMMIT")
        return PageInfo(count, feed.encode_cursor(self.cursor_keys, ends), more, newest, per_team)

    def record_pull(self, actor: Actor, per_team: dict[str, int]) -> None:
        """Audit: which device pulled how many rows of which team (before they are sent)."""
        if per_team:
            with self._write() as db:
                now = self.now_iso()
                for team, count in per_team.items():
                    audit.record(db, now, actor, "pulled", "", "", [team], count)

    def record_export(self, actor: Actor, what: str, team: str, count: int) -> None:
        """Audit: the app exported ``count`` records of ``team`` as ``what`` (a report)."""
        with self._write() as db:
            audit.record(db, self.now_iso(), actor, "exported", what, "", [team], count)

    def audit_log(self, teams: Sequence[str] | None = None, after: int = 0,
                  limit: int = 1000) -> list[dict[str, Any]]:
        """Audit entries after id ``after``, oldest first; only ``teams``' (None: all)."""
        with self._read() as db:
            return audit.read(db, teams, after, limit)

    def wait_for_change(self, seen_version: int, timeout: float) -> bool:
        """Block until a commit newer than ``seen_version``, shutdown, or ``timeout`` seconds.

        Commits of this process notify at once; other server processes on a shared database at
        once too (``backend.listen``, while anyone waits); the admin CLI within a second.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            self._waiters += 1
            self._listening.set()
            try:
                while not self._closing:
                    if self._seen_version > seen_version:
                        return True
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return False
                    if not self._changed.wait(min(remaining, 1.0)):
                        self._refresh_version()
            finally:
                self._waiters -= 1
                if not self._waiters:
                    self._listening.clear()
        return False

    def _heard(self, version: int) -> None:
        """Another server process committed ``version``: wake the long-polls it concerns."""
        with self._changed:
            if version > self._seen_version:
                self._seen_version = version
                self._changed.notify_all()

    def _refresh_version(self) -> None:
        try:
            with self._read() as db:
                version = int(db.execute("SELECT value FROM meta WHERE key = 'version'"
                                         ).fetchone()[0])
        except (ApiError, *self.backend.errors):
            return
        self._seen_version = max(self._seen_version, version)

    # ------------------------------------------------------------------ history and conflicts

    def history(self, teams: Sequence[str], kind: str, row_id: str) -> dict[str, Any]:
        """Every accepted change of a row, oldest first; 404 outside ``teams``."""
        if kind not in KINDS:
            raise not_found("There is no such row.")
        with self._read() as db:
            self.backend.begin_read(db)
            found = push.find_row(db, kind, row_id)
            if found is None or found.team not in teams:
                raise not_found("There is no such row.")
            changes = db.execute("SELECT version, device, received_at, fields FROM changes "
                                 "WHERE row = ? ORDER BY rowid", (found.rid,)).fetchall()
            db.execute("COMMIT")
        return {"kind": kind, "id": row_id, "team": found.team, "purged": bool(found.purged),
                "changes": [{"version": v, "device": d, "at": a, "fields": json.loads(f)}
                            for v, d, a, f in changes]}

    def conflicts(self, teams: Sequence[str] | None = None,
                  include_reviewed: bool = False) -> list[dict[str, Any]]:
        """Concurrent edits of one field, for a team lead to review (None: all teams)."""
        sql = ("SELECT id, kind, row_id, field, winner, loser, team, created_at, reviewed "
               "FROM conflicts WHERE TRUE")
        args: list[Any] = []
        if teams is not None:
            sql += f" AND team IN ({','.join('?' * len(teams))})"
            args += teams
        if not include_reviewed:
            sql += " AND reviewed = 0"
        with self._read() as db:
            rows = db.execute(sql + " ORDER BY id", args).fetchall()
        return [{"id": i, "kind": k, "row_id": r, "field": f, "winner": json.loads(w),
                 "loser": json.loads(lo), "team": t, "at": a, "reviewed": bool(rv)}
                for i, k, r, f, w, lo, t, a, rv in rows]

    def review_conflict(self, conflict: int, teams: Sequence[str] | None = None,
                        actor: Actor = CLI) -> dict[str, Any]:
        """Mark a conflict reviewed; 404 if it is not in ``teams`` (None: any team)."""
        with self._write() as db:
            found = db.execute("SELECT team FROM conflicts WHERE id = ?", (conflict,)).fetchone()
            if found is None or (teams is not None and found[0] not in teams):
                raise not_found("There is no such conflict.")
            db.execute("UPDATE conflicts SET reviewed = 1 WHERE id = ?", (conflict,))
            audit.record(db, self.now_iso(), actor, "reviewed", "conflict", str(conflict),
                         [found[0]])
        return {"id": conflict, "reviewed": True}

    # ------------------------------------------------------------------ erasure and upkeep

    def purge(self, kind: str, row_id: str, actor: Actor = CLI) -> None:
        """Erase a row (AVG art. 17): keep only its id; drop its fields, history and conflicts.

        The feed carries a purge notice to every device of the team; later pushes for the id
        are acknowledged and ignored.
        """
        if kind not in KINDS:
            raise bad_request(f"There is no kind '{kind}'.")
        if kind in push.SERVER_KINDS:
            raise bad_request("Teams and workers are not purged; they are managed on the server.")
        with self._write() as db:
            found = push.find_row(db, kind, row_id)
            if found is None:
                raise not_found(f"There is no {kind} '{row_id}'.")
            self._purge_rows(db, [(kind, row_id, found)], actor)
        self.scrub()

    def _purge_rows(self, db: sqlite3.Connection,
                    rows: Sequence[tuple[str, str, Current]], actor: Actor) -> None:
        """Purge ``rows`` (kind, id, current) in the running write transaction, in one commit
        version, and audit each. ``secure_delete`` zeroes the dropped bytes in the file."""
        version = self._next_version(db) if any(not cur.purged for *_, cur in rows) else 0
        now = self.now_iso()
        for kind, row_id, cur in rows:
            if not cur.purged:
                db.execute("UPDATE rows SET fields = '{}', purged = 1, version = ? "
                           "WHERE rid = ?", (version, cur.rid))
            db.execute("DELETE FROM changes WHERE row = ?", (cur.rid,))
            db.execute("DELETE FROM conflicts WHERE row_id = ? AND kind = ?", (row_id, kind))
            audit.record(db, now, actor, "purged", kind, row_id, [cur.team])

    def erase_household(self, household: str, actor: Actor = CLI,
                        teams: Sequence[str] | None = None) -> dict[str, int]:
        """Erasure on request (AVG art. 17): purge the household and every row that goes with
        it (``erasure.Graph.linked``) in one transaction; returns how many rows of each kind.
        With ``teams``, a household of another team is not found."""
        with self._write() as db:
            nodes = erasure.Graph(db).linked(household)
            if not any(n.kind == "household" and (teams is None or n.team in teams)
                       for n in nodes):
                raise not_found("There is no such household (or it was erased already).")
            self._purge_rows(db, _currents(nodes), actor)
        self.scrub()
        return dict(Counter(n.kind for n in nodes))

    def retention_report(self, rules: dict[str, float] | None = None) -> list[dict[str, Any]]:
        """Households past their retention term (``retention.RULES``, years overridden by
        ``rules``): ids, basis, dates and row counts per kind; never a name."""
        with self._read() as db:
            self.backend.begin_read(db)
            found = self._expired(db, rules)
            db.execute("COMMIT")
        return [report for report, _ in found]

    def retention_purge(self, rules: dict[str, float] | None = None,
                        actor: Actor = CLI) -> list[dict[str, Any]]:
        """Erase every household past its term, as ``erase_household`` does, in one
        transaction (what the report said is checked again under the write lock)."""
        with self._write() as db:
            found = self._expired(db, rules)
            nodes = {(n.kind, n.id): n for _, linked in found for n in linked}
            if nodes:
                self._purge_rows(db, _currents(nodes.values()), actor)
        self.scrub()
        return [report for report, _ in found]

    def _expired(self, db: sqlite3.Connection, rules: dict[str, float] | None
                 ) -> list[tuple[dict[str, Any], list[erasure.Node]]]:
        graph = erasure.Graph(db)
        activity = erasure.last_activity(db)
        now = self.now_iso()
        out = []
        for household in graph.households():
            linked = graph.linked(household.id)
            times = [activity[n.rid] for n in linked if n.rid in activity]
            if not times:
                continue
            rule = retention.rule_for(household.values.get("legal_basis"), rules)
            ends = retention.expires(max(times), rule.years)
            if ends <= now:
                out.append(({"household": household.id, "team": household.team,
                             "basis": rule.basis, "last_activity": max(times), "expired": ends,
                             "rows": dict(Counter(n.kind for n in linked))}, linked))
        return out

    def scrub(self) -> bool:
        """After an erasure: leave no old page with erased data behind (SQLite: copy the WAL
        into the file and truncate it; PostgreSQL: vacuum). False if a reader kept it from
        finishing (or the database failed: the erasure itself is committed, and the next
        scrub or PostgreSQL's autovacuum finishes the job)."""
        with self._wlock:
            if self._closed:
                return False
            try:
                return self.backend.scrub(self._db)
            except (ApiError, *self.backend.errors):
                log.warning("scrub after an erasure did not finish")
                return False

    def compact(self) -> int:
        """Drop purge notices from the feed; cursors from before now must reset. Returns floor."""
        with self._write() as db:
            floor = int(db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()[0])
            db.execute("UPDATE rows SET version = 0 WHERE purged = 1")
            db.execute("UPDATE meta SET value = ? WHERE key = 'floor'", (str(floor),))
        return floor

    def backup(self, dest: str | os.PathLike[str]) -> None:
        """A consistent copy of the live database (safe while the server runs).

        The copy is marked: a server that opens it starts a new feed epoch, so every device
        re-downloads instead of trusting a cursor from the lost future.
        """
        if self.backend.shared:
            raise bad_request("A PostgreSQL database is backed up with PostgreSQL's own tools "
                              "(pg_dump, base backups); see docs/postgres.md.")
        target = Path(dest)
        if target.exists():
            raise bad_request(f"'{target}' exists already; choose a new file name.")
        with self._read() as db:
            out = sqlite3.connect(target)
            try:
                db.backup(out)
                out.execute("INSERT OR REPLACE INTO meta VALUES ('restored', '1')")
                out.commit()
            finally:
                out.close()
