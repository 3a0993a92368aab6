"""Where the server's data lives: a SQLite file (the default) or a PostgreSQL database.

``ServerStore`` keeps one logic and asks its backend only for what differs: connections, how a
read or a write transaction starts, the schema's migrations, wake-ups across server processes
and file upkeep. The SQL is written once, in what both accept (``?`` placeholders, ``ON
CONFLICT``); the PostgreSQL connection translates the placeholders. This module is standard
library only: ``sync_server.pg_backend`` (and psycopg) is imported only for a ``postgresql://``
address.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from typing import Any, Protocol

from sync_server import schema

DURABILITY = {"normal": "NORMAL", "full": "FULL"}
"""SQLite ``synchronous`` per mode. ``normal``: a commit survives a crash of the server process;
after a power cut the last ~``CHECKPOINT_EVERY_S`` of commits may be lost (the WAL is synced at
each checkpoint). ``full``: every commit is synced to disk before it is acknowledged (~4 ms more
per push on an ordinary disk). ``full`` is the default: a device drops a change from its outbox
when the server acknowledges it, so an acknowledgement must outlive a power cut."""
CACHE_KIB = {"writer": 4096, "reader": 1024, "checkpoint": 256}
"""SQLite page cache per connection. The writer's holds the pages one push dirties (its random
row-key index pages above all); a reader streams a page of the feed through its cache once, and
the OS file cache serves it just as well; the checkpointer copies WAL frames without it."""
SOFT_HEAP_LIMIT = 32 * 1024 * 1024
"""Above this, SQLite (process-wide) recycles clean cache pages before it allocates more."""
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres(db: str) -> bool:
    """True when ``--db`` names a PostgreSQL database rather than a SQLite file."""
    return db.startswith(POSTGRES_SCHEMES)


class Connection(Protocol):
    """What the store uses of a connection: a ``sqlite3.Connection``, or ``PgConnection``."""

    def execute(self, sql: str, params: Any = ..., /) -> Any: ...

    def executemany(self, sql: str, params: Any, /) -> Any: ...

    def close(self) -> None: ...

    @property
    def in_transaction(self) -> bool: ...


class Backend(Protocol):
    """What differs between a SQLite file and a PostgreSQL database; the store asks only this."""

    name: str
    path: str
    shared: bool
    """Whether several server processes may serve the database at once."""
    checkpoints: bool
    """Whether the store runs its WAL checkpointer thread."""
    errors: tuple[type[Exception], ...]
    """The driver's exceptions (a failing database, not a refused request)."""

    def connect(self, role: str) -> Connection:
        """A new connection for ``role``: ``writer``, ``reader`` or ``checkpoint``."""
        ...

    def migrate(self, db: Connection) -> None:
        """Bring the schema up to date."""
        ...

    def begin_write(self, db: Connection) -> None:
        """Open a write transaction that holds the database's write lock."""
        ...

    def begin_read(self, db: Connection) -> None:
        """Open a read transaction on one snapshot."""
        ...

    def commit(self, db: Connection, version: int) -> None:
        """Commit a write that made feed version ``version`` (0: none)."""
        ...

    def listen(self, on_version: Callable[[int], None], wanted: threading.Event,
               stop: threading.Event) -> threading.Thread | None:
        """Hear other server processes' new versions while ``wanted`` is set (or None)."""
        ...

    def broken(self, db: Connection) -> bool:
        """Whether ``db`` lost its link and must be replaced."""
        ...

    def scrub(self, db: Connection) -> bool:
        """Leave no old page with erased data behind; False if that could not finish."""
        ...


def open_backend(db: str, durability: str = "full") -> Backend:
    """The backend for ``db``: a ``postgresql://`` address or the path of a SQLite file."""
    if durability not in DURABILITY:
        raise ValueError(f"durability must be one of {sorted(DURABILITY)}")
    if is_postgres(db):
        from sync_server.pg_backend import PgBackend  # psycopg only where it is used

        return PgBackend(db, durability)
    return SqliteBackend(db, durability)


class SqliteBackend:
    """One file, one server process (``serve`` locks it), WAL, one writer at a time."""

    name = "sqlite"
    shared = False
    """Whether several server processes may serve the database at once."""
    checkpoints = True
    """Whether the store runs its WAL checkpointer thread."""
    errors: tuple[type[Exception], ...] = (sqlite3.Error,)

    def __init__(self, path: str, durability: str):
        self.path = path
        self._synchronous = DURABILITY[durability]

    def connect(self, role: str) -> sqlite3.Connection:
        """A connection with its memory bounded: a page cache of ``CACHE_KIB[role]``, temporary
        B-trees in files (not RAM), and no memory-mapped I/O (mapped database pages would count
        against the process's RSS, growing with the file)."""
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                             timeout=10)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute(f"PRAGMA synchronous = {self._synchronous}")
        db.execute(f"PRAGMA cache_size = {-CACHE_KIB[role]}")
        db.execute("PRAGMA temp_store = FILE")
        db.execute("PRAGMA mmap_size = 0")
        if role == "writer":  # an erasure must not leave the erased bytes in free space
            db.execute("PRAGMA secure_delete = ON")
            db.execute(f"PRAGMA soft_heap_limit = {SOFT_HEAP_LIMIT}")
            db.execute("PRAGMA wal_autocheckpoint = 0")  # the checkpointer thread does it
            db.execute("PRAGMA journal_size_limit = 67108864")
        return db

    def migrate(self, db: Connection) -> None:
        schema.migrate(db)

    def begin_write(self, db: Connection) -> None:
        """The write lock of the file: other processes (the admin CLI) queue behind it."""
        db.execute("BEGIN IMMEDIATE")

    def begin_read(self, db: Connection) -> None:
        """A snapshot: WAL readers see one commit state until COMMIT."""
        db.execute("BEGIN")

    def commit(self, db: Connection, version: int) -> None:
        """Commit a write transaction that made feed version ``version`` (0: none). One process
        serves the file: its own commits wake its long-polls."""
        db.execute("COMMIT")

    def listen(self, on_version: Callable[[int], None], wanted: threading.Event,
               stop: threading.Event) -> threading.Thread | None:
        """No other server process to hear from (the admin CLI is noticed by polling)."""
        return None

    def broken(self, db: Connection) -> bool:
        return False

    def scrub(self, db: Connection) -> bool:
        """Copy the WAL into the file and truncate it; False if a reader kept it from that."""
        return not db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
