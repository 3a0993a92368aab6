"""The store's connections: one writer behind a lock, a small pool of readers, and the WAL
checkpointer, plus the wake-ups of long-polls when a commit lands.

Kept apart from what the store keeps: this module knows transactions and threads, not rows.
Each write that changes rows gets one new commit *version* (``_next_version``); long-polls
wait for a version newer than the one they saw.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sync_server.backend import Backend, Connection
from sync_server.errors import Refusal, unavailable

log = logging.getLogger("wijkweb.server")

CHECKPOINT_EVERY_S = 0.5


class Connections:
    """The writer, the readers and the checkpointer of one backend."""

    def __init__(self, backend: Backend, readers: int):
        self.backend = backend
        """A SQLite file, or a PostgreSQL database that other server processes share."""
        self._db = backend.connect("writer")
        backend.migrate(self._db)
        self._wlock = threading.Lock()
        self._turnstile = threading.Lock()
        """Taken on the way to the write lock: whoever waits for the write lock holds it, so
        a steady stream of writes cannot keep taking the lock back from the checkpointer."""
        self.checkpoints = 0
        """WAL checkpoints done since the start (a figure for tests and operators)."""
        self._changed = threading.Condition()
        self._pool: list[Connection] = []
        self._pool_lock = threading.Lock()
        self._readers = threading.BoundedSemaphore(readers)
        self._closing = False
        self._closed = False
        self._pending_version = 0
        self._seen_version = 0
        self._waiters = 0
        self._dirty = threading.Event()
        self._halt = threading.Event()
        self._listening = threading.Event()
        """Set while a long-poll waits: only then does the backend listen to other processes
        (notices to a listening process slowed a morning rush on PostgreSQL 3.5-fold)."""
        self._listener: threading.Thread | None = None
        self._failures: tuple[type[Exception], ...] = (Refusal, *backend.errors)
        """A refusal or a driver error: the database failing, where the caller carries on."""
        self._checkpointer = threading.Thread(target=self._checkpoint_loop, daemon=True,
                                              name="wal-checkpoint")
        if backend.checkpoints:
            self._checkpointer.start()

    def _listen(self, seen_version: int) -> None:
        """Start hearing other processes' commits, past ``seen_version``."""
        self._seen_version = seen_version
        self._listener = self.backend.listen(self._heard, self._listening, self._halt)

    @contextmanager
    def _write_lock(self) -> Iterator[None]:
        """The write lock, taken in turn (see ``_turnstile``)."""
        with self._turnstile:
            self._wlock.acquire()
        try:
            yield
        finally:
            self._wlock.release()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One write transaction; an exception anywhere inside rolls all of it back."""
        with self._write_lock():
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

    @contextmanager
    def _writer(self, wait: bool = True) -> Iterator[Connection | None]:
        """The writer outside a transaction (None: closed, or busy and ``wait`` is False)."""
        if not self._wlock.acquire(blocking=wait):
            yield None
            return
        try:
            yield None if self._closed else self._db
        finally:
            self._wlock.release()

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
                with self._write_lock():
                    if self._closing:
                        break
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)")
                    self.checkpoints += 1
        except self.backend.errors:
            log.exception("WAL checkpoint failed; SQLite checkpoints at close")
        finally:
            db.close()

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        if self._closed:
            raise unavailable("The server is stopping.")
        self._readers.acquire()
        try:
            with self._pool_lock:
                found = self._pool.pop() if self._pool else None
            db = found or self.backend.connect("reader")
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

    def _next_version(self, db: Connection) -> int:
        version = int(db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()[0]) + 1
        db.execute("UPDATE meta SET value = ? WHERE key = 'version'", (str(version),))
        self._pending_version = version  # long-polls learn of it once it is committed
        return version

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
        except self._failures:
            return
        self._seen_version = max(self._seen_version, version)

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
