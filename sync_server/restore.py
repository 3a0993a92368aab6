"""Bringing a backup back, and the lock that keeps a restore and a running server apart.

``serve`` holds ``<db>.lock`` for as long as it runs; ``restore`` takes the same lock, so it
refuses while a server uses the database, and no server starts halfway through a restore. The
backup is copied in with SQLite's backup API (one transaction: a crash leaves the old database
or the new one, never a mix), after the current database was saved beside it.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sync_server.errors import Refusal, bad_request
from sync_server.schema import SCHEMA_VERSION

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; the operator must stop the server first
    fcntl = None  # type: ignore[assignment]  # None: the platform has no fcntl


class DatabaseInUse(RuntimeError):
    """Another process serves (or restores) this database."""


@contextmanager
def exclusive(db: str | os.PathLike[str]) -> Iterator[None]:
    """Hold ``<db>.lock`` (an advisory lock, released when the process dies, even by SIGKILL)."""
    path = Path(f"{db}.lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise DatabaseInUse(f"{db} is in use by a running server; stop it first.") from None
        yield
    finally:
        os.close(fd)


def check_backup(path: str | os.PathLike[str]) -> None:
    """Refuse a file that is not an intact Wijkweb server database this server can open."""
    if not Path(path).is_file():
        raise bad_request(f"There is no backup at '{path}'.")
    try:
        src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            ok = src.execute("PRAGMA integrity_check").fetchone()[0]
            version = src.execute("PRAGMA user_version").fetchone()[0]
            epoch = src.execute("SELECT value FROM meta WHERE key = 'epoch'").fetchone()
        finally:
            src.close()
    except sqlite3.Error as exc:
        raise bad_request(f"'{path}' is not a server database: {exc}") from None
    if ok != "ok" or epoch is None:
        raise bad_request(f"'{path}' is damaged or not a server database.")
    if version > SCHEMA_VERSION:
        raise bad_request(f"'{path}' was made by a newer server (schema {version}).")


def restore(backup: str | os.PathLike[str], db: str | os.PathLike[str]) -> Path | None:
    """Replace ``db`` by ``backup``; returns where the replaced database was saved (if any).

    The restored database starts a new feed epoch when it is first served: devices reset,
    keep their unsent changes, and re-send what they wrote that the backup lacks.
    """
    check_backup(backup)
    if Path(backup).resolve() == Path(db).resolve():
        raise bad_request("The backup and the database are the same file.")
    with exclusive(db):
        saved = None
        if Path(db).exists():
            saved = Path(f"{db}.before-restore-{time.strftime('%Y%m%d-%H%M%S')}")
            _copy(db, saved)
        _copy(backup, db)
        out = sqlite3.connect(db)
        try:
            out.execute("INSERT OR REPLACE INTO meta VALUES ('restored', '1')")
            out.commit()
        finally:
            out.close()
        return saved


def _copy(src_path: str | os.PathLike[str], dest_path: str | os.PathLike[str]) -> None:
    """A consistent page-by-page copy in one transaction of the destination."""
    src = sqlite3.connect(f"file:{src_path}?mode=ro", uri=True)
    dest = sqlite3.connect(dest_path)
    try:
        src.backup(dest)
    except sqlite3.Error as exc:
        raise Refusal(f"Could not copy {src_path}: {exc}", code="unavailable") from None
    finally:
        dest.close()
        src.close()
