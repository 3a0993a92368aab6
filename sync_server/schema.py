"""The server database's tables, and the migrations that bring an older file up to date.

``PRAGMA user_version`` holds how many migrations a file has had; each runs once, in its own
transaction. A file from a newer server is refused rather than guessed at.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sync_server.backend import Connection

LIST_FIELDS_3 = (("area", "streets"), ("resident", "ambitions"), ("resident", "talents"),
                 ("resident", "obstacles"), ("contact", "resident_ids"), ("contact", "themes"),
                 ("tie", "support"), ("activation", "person_ids"))
"""The list fields when step 3 ran: it turns their stored plain lists into items maps."""


def _lists_to_sets(kind: str, name: str) -> str:
    """Step 3 for one field: ``[[...], stamp]`` becomes ``[{item: {device: [hlc, null]}}, stamp]``:
    every item added by the register's own write (protocol 2's form of the same list)."""
    return f"""
    UPDATE rows SET fields = json_set(fields, '$.{name}[0]', json((
        SELECT json_group_object(j.value, json_object(
            substr(json_extract(rows.fields, '$.{name}[1]'), 18),
            json_array(substr(json_extract(rows.fields, '$.{name}[1]'), 1, 16), NULL)))
        FROM (SELECT DISTINCT value FROM json_each(rows.fields, '$.{name}[0]')) j)))
    WHERE kind = '{kind}' AND json_type(fields, '$.{name}[0]') = 'array';"""


MIGRATIONS: tuple[str, ...] = (
    # 1 — the first schema.
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE teams (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at TEXT NOT NULL);
    CREATE TABLE workers (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, created_at TEXT NOT NULL);
    CREATE TABLE worker_teams (
        worker TEXT NOT NULL REFERENCES workers(id), team TEXT NOT NULL REFERENCES teams(id),
        pos INTEGER NOT NULL, PRIMARY KEY (worker, team));
    CREATE TABLE devices (
        id TEXT PRIMARY KEY, worker TEXT NOT NULL REFERENCES workers(id),
        token_hash TEXT NOT NULL UNIQUE, label TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL, last_seen TEXT, revoked INTEGER NOT NULL DEFAULT 0);
    CREATE TABLE enrollments (
        code_hash TEXT PRIMARY KEY, worker TEXT NOT NULL REFERENCES workers(id),
        teams TEXT NOT NULL, created_at TEXT NOT NULL, expires_at REAL NOT NULL,
        used_at TEXT, device TEXT);
    -- Current state: one row per (kind, id); fields is the merged JSON object, spliced as is
    -- into pull answers. Rows are found by ``key`` (64 bits of the id): a small index, because
    -- random ids touch a page per insert, and small entries mean few pages. (kind, id) is kept
    -- unique by the single writer.
    CREATE TABLE rows (
        rid INTEGER PRIMARY KEY, key INTEGER NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL,
        team TEXT NOT NULL, fields TEXT NOT NULL, version INTEGER NOT NULL,
        purged INTEGER NOT NULL DEFAULT 0);
    CREATE INDEX rows_key ON rows (key);
    CREATE INDEX rows_team_version ON rows (team, version);
    -- The history: every accepted change, also those whose fields lost the merge.
    CREATE TABLE changes (
        version INTEGER NOT NULL, row INTEGER NOT NULL REFERENCES rows(rid),
        device TEXT NOT NULL, fields TEXT NOT NULL, received_at TEXT NOT NULL);
    CREATE INDEX changes_row ON changes (row);
    -- Exactly-once push: the last answered seq per device epoch, and per push one record of
    -- the batch's change digests (8 bytes each, by seq) and of what it rejected.
    CREATE TABLE epochs (
        device TEXT NOT NULL, epoch TEXT NOT NULL, last_seq INTEGER NOT NULL,
        PRIMARY KEY (device, epoch));
    CREATE TABLE pushes (
        device TEXT NOT NULL, epoch TEXT NOT NULL, first_seq INTEGER NOT NULL,
        last_seq INTEGER NOT NULL, digests BLOB NOT NULL, rejected TEXT NOT NULL,
        PRIMARY KEY (device, epoch, first_seq));
    CREATE TABLE conflicts (
        id INTEGER PRIMARY KEY, kind TEXT NOT NULL, row_id TEXT NOT NULL, field TEXT NOT NULL,
        winner TEXT NOT NULL, loser TEXT NOT NULL, team TEXT NOT NULL, created_at TEXT NOT NULL,
        reviewed INTEGER NOT NULL DEFAULT 0);
    CREATE INDEX conflicts_team ON conflicts (team, reviewed);
    CREATE INDEX conflicts_row ON conflicts (row_id);
    """,
    # 2 — the audit log (ids only), append-only: the triggers refuse any edit or deletion.
    """
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY, at TEXT NOT NULL, device TEXT NOT NULL, worker TEXT NOT NULL,
        action TEXT NOT NULL, kind TEXT NOT NULL, row_id TEXT NOT NULL, team TEXT NOT NULL,
        count INTEGER NOT NULL);
    CREATE INDEX audit_team ON audit (team, id);
    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    """,
    # 3 — protocol 2: list fields are add-wins sets. The change log and the conflicts keep the
    # plain lists they were written with (history shows both forms).
    "".join(_lists_to_sets(kind, name) for kind, name in LIST_FIELDS_3),
)

SCHEMA_VERSION = len(MIGRATIONS)


class SchemaTooNew(RuntimeError):
    """The file was written by a newer server; opening it could lose data."""


def migrate(db: Connection) -> int:
    """Apply the migrations this file has not had; returns the version it is at now."""
    current = db.execute("PRAGMA user_version").fetchone()[0]
    if current > SCHEMA_VERSION:
        raise SchemaTooNew(f"The database has schema version {current}; this server knows "
                           f"up to {SCHEMA_VERSION}. Use a newer server.")
    while current < SCHEMA_VERSION:
        db.execute("BEGIN IMMEDIATE")
        try:
            # Read again under the write lock: another process may have migrated meanwhile.
            current = db.execute("PRAGMA user_version").fetchone()[0]
            if current < SCHEMA_VERSION:
                # executescript would commit on its own; run statement by statement instead.
                for statement in _statements(MIGRATIONS[current]):
                    db.execute(statement)
                current += 1
                db.execute(f"PRAGMA user_version = {current}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    return SCHEMA_VERSION


def _statements(script: str) -> list[str]:
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        if line.strip().startswith("--"):
            continue
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out
