"""The server database file: versioned schema, reopening, refusing a newer file."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from sync_server.schema import SCHEMA_VERSION, SchemaTooNew
from sync_server.store import ServerStore

pytest_plugins = ["server_fixtures"]


def test_new_file_gets_the_current_schema_in_wal_mode(tmp_path: Path) -> None:
    store = ServerStore(tmp_path / "s.db")
    store.close()
    db = sqlite3.connect(tmp_path / "s.db")
    try:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 1
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        indexes = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        assert {"rows_team_version", "rows_key", "changes_row"} <= indexes
    finally:
        db.close()


def test_reopening_keeps_data_epoch_version_and_clock(tmp_path: Path) -> None:
    first = ServerStore(tmp_path / "s.db")
    team = first.add_team("Noord")
    epoch, clock = first.timeline, first.clock.last
    first.close()
    again = ServerStore(tmp_path / "s.db")
    try:
        assert again.timeline == epoch
        assert again.clock.last >= clock
        assert [t["id"] for t in again.teams()] == [team]
        assert again.server_time() > clock
    finally:
        again.close()


def test_a_file_from_a_newer_server_is_refused(tmp_path: Path, cli) -> None:
    path = tmp_path / "future.db"
    ServerStore(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    with pytest.raises(SchemaTooNew):
        ServerStore(path)
    result = cli("serve", "--db", str(path), "--port", "0")
    assert result.returncode == 2 and "newer server" in result.stderr


def test_not_a_database_is_a_clear_cli_error(tmp_path: Path, cli) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("boodschappen: melk, brood\n" * 100)
    result = cli("admin", "--db", str(path), "teams")
    assert result.returncode == 2 and "error" in result.stderr
    assert "Traceback" not in result.stderr


OLD_FIELDS = {"name": ["Ayşe", "0000018c00000000@dev1"],
              "ambitions": [["fietsles volgen", "taalcafé"], "0000018c00000001@dev1"],
              "talents": [[], "0000018c00000001@dev1"],
              "obstacles": [None, "0000018c00000001@dev1"]}
NEW_FIELDS = {"name": ["Ayşe", "0000018c00000000@dev1"],
              "ambitions": [{"fietsles volgen": {"dev1": ["0000018c00000001", None]},
                             "taalcafé": {"dev1": ["0000018c00000001", None]}},
                            "0000018c00000001@dev1"],
              "talents": [{}, "0000018c00000001@dev1"],
              "obstacles": [None, "0000018c00000001@dev1"]}
"""A resident as a protocol-1 server stored it, and as step 3 leaves it."""


def test_step_3_turns_stored_lists_into_sets_with_their_stamp(tmp_path: Path) -> None:
    from sync_server import schema

    path = tmp_path / "server.db"
    db = sqlite3.connect(path, isolation_level=None)
    for step in schema.MIGRATIONS[:2]:
        for statement in schema._statements(step):
            db.execute(statement)
    db.execute("PRAGMA user_version = 2")
    db.execute("INSERT INTO rows (rid, key, kind, id, team, fields, version) VALUES "
               "(1, 1, 'resident', 'r', 't', ?, 1)", (json.dumps(OLD_FIELDS),))
    db.close()
    ServerStore(path).close()
    db = sqlite3.connect(path)
    assert json.loads(db.execute("SELECT fields FROM rows").fetchone()[0]) == NEW_FIELDS
    db.close()
