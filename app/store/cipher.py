"""The database file encrypted whole with SQLCipher (AES-256, an HMAC per page), WAL included.

Where the binding has no wheel (Android and iOS, until mobile/recipes/sqlcipher3 is built) the
import fails softly: ``STORAGE`` is then ``"os"`` and the store is a plain SQLite file in the
app's sandbox under the system's file encryption (docs/device-security.md). The device reports
its ``STORAGE`` class when it enrolls and syncs; a team's policy may refuse ``os``.

The store hands a 256-bit data key to SQLCipher as a raw key (``x'…'``), so opening a
connection costs no key derivation; the key itself comes from ``app.security``. A database
made by an earlier, unencrypted version is converted here on first unlock, without loss.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

try:
    import sqlcipher3.dbapi2 as dbapi
except ImportError:  # no binding on this platform: the operating system's protection only
    dbapi = None

STORAGE = "sqlcipher" if dbapi is not None else "os"
"""This device's storage class, as reported to the server."""
PLAIN_HEADER = b"SQLite format 3\x00"
KEY_BYTES = 32


class WrongKey(ValueError):
    """The key does not open this database (or the file is not a database)."""


def connect(path: str | Path, key: bytes, **kwargs: Any) -> dbapi.Connection:
    """A SQLCipher connection with ``key`` applied and checked (a wrong key fails here)."""
    if len(key) != KEY_BYTES:
        raise ValueError("the data key has 32 bytes")
    db = dbapi.connect(str(path), **kwargs)
    db.execute("PRAGMA cipher_log_level = NONE")  # a wrong key is our error to report, once
    db.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    try:
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except dbapi.DatabaseError as err:
        db.close()
        raise WrongKey("the key does not open this database") from err
    return db


def is_plain(path: str | Path) -> bool:
    """True for a database file from before encryption (SQLite's own header in clear)."""
    try:
        with open(path, "rb") as f:
            return f.read(len(PLAIN_HEADER)) == PLAIN_HEADER
    except FileNotFoundError:
        return False


def encrypt_plain(path: str | Path, key: bytes) -> int:
    """Replace the unencrypted database at ``path`` by an encrypted copy; returns its row count.

    The copy is written beside it, checked table by table against the original and synced
    before it replaces the original, so a crash at any point leaves one whole database: the
    original (converted again at the next unlock) or the encrypted copy.
    """
    path = Path(path)
    tmp = path.with_name(path.name + ".encrypting")
    tmp.unlink(missing_ok=True)
    plain = dbapi.connect(str(path), isolation_level=None)
    try:
        plain.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        version = plain.execute("PRAGMA user_version").fetchone()[0]
        plain.execute(f"ATTACH DATABASE ? AS encrypted KEY \"x'{key.hex()}'\"", (str(tmp),))
        plain.execute("SELECT sqlcipher_export('encrypted')")
        plain.execute(f"PRAGMA encrypted.user_version = {int(version)}")
        plain.execute("DETACH DATABASE encrypted")
        before = _counts(plain)
        plain.execute("PRAGMA journal_mode = DELETE")  # folds and removes the old WAL
    finally:
        plain.close()
    copy = connect(tmp, key, isolation_level=None)
    try:
        after = _counts(copy)
    finally:
        copy.close()
    if before != after:
        tmp.unlink(missing_ok=True)
        raise RuntimeError("the encrypted copy differs from the original; nothing was changed")
    _fsync(tmp)
    for side in ("-wal", "-shm"):
        Path(f"{path}{side}").unlink(missing_ok=True)
    os.replace(tmp, path)
    _fsync(path.parent)
    return sum(before.values())


def _counts(db: dbapi.Connection) -> dict[str, int]:
    tables = [r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    return {t: db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
