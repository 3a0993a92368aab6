"""The PostgreSQL backend: several stateless server processes share one database.

Imported only for a ``postgresql://`` address (psycopg 3 is the optional extra ``postgres``).
What one SQLite process got for free is made explicit here:

* Writers are serialised across processes by a transaction-level advisory lock (``WRITE_LOCK``)
  taken first in every write transaction, so the store's read-then-write logic (merge, exactly-
  once push, row ids) runs as under SQLite's single writer. Commit versions are assigned under
  that lock, and PostgreSQL makes a commit visible before it releases the transaction's locks:
  commits therefore become visible in version order, and a pull can never see version ``n + 1``
  without ``n`` (the change-feed gap).
* Reads run in ``REPEATABLE READ`` snapshots: a pull reads the newest version and the rows up to
  it from one state.
* A commit that made a version sends ``NOTIFY wijkweb_feed``; a process listens while any of
  its long-polls waits, and wakes them at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import errors as pg_errors

from sync_server import pg_schema
from sync_server.backend import Connection
from sync_server.errors import unavailable

log = logging.getLogger("wijkweb.server")

WRITE_LOCK = 0x5757_0002
"""Advisory lock key held by every write transaction until it ends."""
CHANNEL = "wijkweb_feed"
LOCK_WAIT_S = 15.0
"""A write that waits longer for the write lock answers 503 with Retry-After (the device
retries) instead of holding its request and connection."""
IDLE_IN_TRANSACTION_S = 60.0
"""PostgreSQL ends a session that sits this long inside a transaction: a frozen server process
cannot hold the write lock of every other process for ever."""


def _translate(sql: str) -> str:
    """SQLite's ``?`` placeholders as psycopg's ``%s`` (a literal ``%`` doubled first)."""
    return sql.replace("%", "%%").replace("?", "%s")


class PgConnection:
    """A psycopg connection with the part of ``sqlite3.Connection``'s API the store uses.

    Autocommit: transactions are opened by the statements the backend sends (``BEGIN ...``).
    A lost or refused connection raises the server's 503 ``unavailable`` (the device retries);
    the connection is then marked ``broken`` and replaced.
    """

    def __init__(self, dsn: str, synchronous_commit: str):
        self._sql: dict[str, str] = {}
        self.broken = False
        try:
            self._conn = psycopg.connect(dsn, autocommit=True)
        except psycopg.OperationalError as exc:
            raise unavailable("The database cannot be reached right now; try again later."
                              ) from exc
        self._conn.execute(f"SET synchronous_commit = {synchronous_commit}")
        self._conn.execute(f"SET lock_timeout = {int(LOCK_WAIT_S * 1000)}")
        self._conn.execute("SET idle_in_transaction_session_timeout = "
                           f"{int(IDLE_IN_TRANSACTION_S * 1000)}")

    def _prepared(self, sql: str) -> str:
        found = self._sql.get(sql)
        if found is None:
            found = self._sql[sql] = _translate(sql)
        return found

    def execute(self, sql: str, params: Any = ()) -> psycopg.Cursor[Any]:
        with self._guard():
            if not params:
                return self._conn.execute(sql)  # no placeholders: sent as written
            return self._conn.execute(self._prepared(sql), params)

    def executemany(self, sql: str, params: Any) -> psycopg.Cursor[Any]:
        with self._guard():
            cur = self._conn.cursor()
            rows = list(params)
            if rows:
                cur.executemany(self._prepared(sql), rows)
            return cur

    def copy_rows(self, table: str, columns: list[str], rows: Iterable[Sequence[Any]]) -> int:
        """Bulk-load ``rows`` with COPY (``admin migrate-store``); returns how many."""
        count = 0
        with self._guard(), self._conn.cursor() as cur, cur.copy(
                f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count

    @property
    def in_transaction(self) -> bool:
        return self._conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """Connection trouble is the server's, not the request's: 503, the device retries."""
        try:
            yield
        except pg_errors.DiskFull:
            raise unavailable("The server's disk is full; nothing was written. Try again "
                              "later.", "storage_full") from None
        except pg_errors.ReadOnlySqlTransaction:
            raise unavailable("The server's database is read-only; nothing was written. Try "
                              "again later.", "storage_readonly") from None
        except psycopg.Error as exc:
            self.broken = self._conn.closed or self._conn.broken
            if not (self.broken or isinstance(exc, psycopg.OperationalError)):
                raise  # a fault of the statement, not of the connection
            raise unavailable("The database cannot be reached right now; try again later."
                              ) from None


class PgBackend:
    """Several server processes on one PostgreSQL database."""

    name = "postgresql"
    shared = True
    checkpoints = False
    errors: tuple[type[Exception], ...] = (psycopg.Error,)

    def __init__(self, dsn: str, durability: str):
        self.path = dsn
        self._synchronous = "on" if durability == "full" else "off"

    def connect(self, role: str) -> PgConnection:
        return PgConnection(self.path, self._synchronous)

    def migrate(self, db: Connection) -> None:
        pg_schema.migrate(db)

    def begin_write(self, db: Connection) -> None:
        """READ COMMITTED after the lock: every statement sees all earlier writers' commits."""
        db.execute(f"BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK})")  # one round trip

    def begin_read(self, db: Connection) -> None:
        db.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")

    def commit(self, db: Connection, version: int) -> None:
        """Commit; a new feed version is announced to every listening process (PostgreSQL
        delivers the notice when, and only if, the transaction commits)."""
        db.execute(f"NOTIFY {CHANNEL}, '{int(version)}'; COMMIT" if version else "COMMIT")

    def listen(self, on_version: Callable[[int], None], wanted: threading.Event,
               stop: threading.Event) -> threading.Thread:
        """A thread that hears other processes' new versions while ``wanted`` is set (a
        long-poll waits), reconnecting after a lost link."""
        thread = threading.Thread(target=self._listen_loop, args=(on_version, wanted, stop),
                                  daemon=True, name="pg-listen")
        thread.start()
        return thread

    def _listen_loop(self, on_version: Callable[[int], None], wanted: threading.Event,
                     stop: threading.Event) -> None:
        while not stop.is_set():
            if not wanted.wait(0.5):
                continue
            try:
                with psycopg.connect(self.path, autocommit=True) as conn:
                    self._hear(conn, on_version, wanted, stop)
            except psycopg.Error:
                log.warning("lost the database's notifications; reconnecting")
                stop.wait(1.0)

    @staticmethod
    def _hear(conn: psycopg.Connection[Any], on_version: Callable[[int], None],
              wanted: threading.Event, stop: threading.Event) -> None:
        """LISTEN while someone waits, UNLISTEN while nobody does; one connection throughout."""
        listening = False
        while not stop.is_set():
            if wanted.is_set() != listening:
                listening = not listening
                conn.execute(f"LISTEN {CHANNEL}" if listening else f"UNLISTEN {CHANNEL}")
                if listening:  # what committed before LISTEN took effect
                    found = conn.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
                    assert found is not None  # the store writes the row when it first opens
                    on_version(int(found[0]))
            if listening:
                for note in conn.notifies(timeout=0.5):
                    on_version(int(note.payload))
            else:
                wanted.wait(0.5)

    def broken(self, db: Connection) -> bool:
        return isinstance(db, PgConnection) and db.broken

    def scrub(self, db: Connection) -> bool:
        """Let VACUUM reclaim the erased rows' old versions (autocommit: outside a transaction).

        PostgreSQL keeps an updated row's old version until vacuumed; the write-ahead log and
        base backups are the operator's to expire (docs/postgres.md).
        """
        db.execute("VACUUM rows, changes, conflicts")
        return True
