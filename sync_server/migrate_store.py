"""Moving a deployment from its SQLite file to PostgreSQL without a reset on any device.

``admin migrate-store --from server.db --to postgresql://...`` copies every table row for row:
the feed keeps its commit versions and the database its timeline, so a device's cursor means on
PostgreSQL what it meant on the file and the device pulls on from it. The file is locked (no
server may run on it) and brought to the current schema first; the copy is one PostgreSQL
transaction into an empty database, so a failure leaves the target as it was.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, cast

from sync_server import pg_schema, restore
from sync_server.backend import is_postgres, open_backend
from sync_server.errors import bad_request
from sync_server.store import ServerStore

if TYPE_CHECKING:
    from sync_server.pg_backend import PgConnection

TABLES = ("meta", "teams", "workers", "worker_teams", "devices", "enrollments", "rows",
          "changes", "epochs", "pushes", "conflicts", "audit")
"""Every table, parents before the tables that refer to them."""


def migrate_store(source: str, target: str) -> dict[str, int]:
    """Copy the SQLite database ``source`` into the empty PostgreSQL ``target``; rows per table."""
    if not is_postgres(target):
        raise bad_request("--to must be a postgresql:// address.")
    if is_postgres(source) or not Path(source).is_file():
        raise bad_request(f"There is no SQLite database at '{source}'.")
    with restore.exclusive(source):
        ServerStore(source, readers=1).close()  # the current schema (and a restored timeline)
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        backend = open_backend(target)
        db = backend.connect("writer")
        try:
            backend.migrate(db)
            backend.begin_write(db)
            try:
                counts = _copy(src, cast("PgConnection", db))  # a postgresql:// target
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        finally:
            db.close()
            src.close()
    return counts


def _copy(src: sqlite3.Connection, db: PgConnection) -> dict[str, int]:
    for table in TABLES[1:]:
        if db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone():
            raise bad_request("The target database holds a deployment already; migrate into "
                              "an empty database.")
    db.execute("DELETE FROM meta WHERE key <> 'schema_version'")
    counts = {}
    for table in TABLES:
        cols = [c[1] for c in src.execute(f"PRAGMA table_info({table})")]
        if table == "changes":  # its SQLite rowid orders a row's history
            cols.insert(0, "rowid")
        rows = src.execute(f"SELECT {', '.join(cols)} FROM {table}")
        counts[table] = db.copy_rows(table, cols, rows)
    for table, column in pg_schema.IDENTITIES:  # new ids continue after the copied ones
        db.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                   f"coalesce(max({column}), 0) + 1, false) FROM {table}")
    return counts
