"""Versioned local schema migrations: numbered SQL files applied in order, tracked by user_version.

A database made by any released version opens in every later one: a new version adds a file
(``002_….sql``) and never edits an old one.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def steps() -> list[tuple[int, Path]]:
    """All migration files as ``(version, path)``, in order."""
    found = sorted((int(p.name.split("_", 1)[0]), p) for p in MIGRATIONS_DIR.glob("[0-9]*.sql"))
    versions = [v for v, _ in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migration files must be numbered 1..n without gaps, got {versions}")
    return found


def current_version(db: sqlite3.Connection) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def pending(db: sqlite3.Connection) -> list[tuple[int, Path]]:
    have = current_version(db)
    return [(v, p) for v, p in steps() if v > have]


def apply(db: sqlite3.Connection) -> list[int]:
    """Apply every pending step, each in its own transaction; return the versions applied."""
    done = []
    latest = len(steps())
    if current_version(db) > latest:
        raise RuntimeError("this database was made by a newer Wijkweb; update the app")
    for version, path in pending(db):
        db.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(path):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {version}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        done.append(version)
    return done


def _statements(path: Path) -> list[str]:
    """The SQL statements of a file, comments dropped (``executescript`` would commit early)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    sql = "\n".join(line for line in lines if not line.lstrip().startswith("--"))
    return [s.strip() for s in sql.split(";") if s.strip()]
