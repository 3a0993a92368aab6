"""The server database file: versioned schema, reopening, refusing a newer file."""

from __future__ import annotations

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
    epoch, clock = first.epoch, first.clock.last
    first.close()
    again = ServerStore(tmp_path / "s.db")
    try:
        assert again.epoch == epoch
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
