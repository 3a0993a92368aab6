"""``admin migrate-store``: a SQLite deployment moves to PostgreSQL and its devices sync on from
their cursors, without a reset, losing or doubling nothing."""

from __future__ import annotations

import sqlite3

import pytest
from sync_fixtures import Fleet, make_conflict

from sync_server.store import ServerStore

pytestmark = pytest.mark.postgres


def table_rows(db, table: str, cols: list[str]) -> list[tuple]:
    return sorted((tuple(r) for r in db.execute(f"SELECT {', '.join(cols)} FROM {table}")),
                  key=repr)


def test_a_deployment_moves_to_postgres_and_devices_pull_on_without_reset(
        make_server, pg_cluster, cli, tmp_path):
    import psycopg

    from sync_server.migrate_store import TABLES

    fleet = Fleet(make_server(), tmp_path)
    team = fleet.harness.team()
    a, b, household = make_conflict(fleet, team)  # rows, changes, conflicts, audit
    gone = a.store.create("resident", team, {"name": "Te wissen"})
    a.sync()
    fleet.harness.store.purge("resident", gone)
    for dev in (a, b):
        dev.sync()
    sqlite_path = fleet.harness.db_path
    epoch = fleet.harness.store.timeline
    fleet.harness.stop()

    url = pg_cluster.fresh_db()
    done = cli("admin", "migrate-store", "--from", str(sqlite_path), "--to", url)
    assert done.returncode == 0, done.stderr
    src = sqlite3.connect(sqlite_path)
    with psycopg.connect(url) as dest:
        for table in TABLES:
            cols = [c[1] for c in src.execute(f"PRAGMA table_info({table})")]
            want = table_rows(src, table, cols)
            got = [r for r in table_rows(dest, table, cols) if r[0] != "schema_version"]
            assert got == want, table
        changes = [r[0] for r in src.execute("SELECT rowid FROM changes ORDER BY rowid")]
        assert [r[0] for r in dest.execute("SELECT rowid FROM changes ORDER BY rowid")
                ] == changes
    src.close()

    again = cli("admin", "migrate-store", "--from", str(sqlite_path), "--to", url)
    assert again.returncode == 2 and "empty" in again.stderr  # nothing copied twice

    moved = make_server(url)
    assert moved.store.timeline == epoch
    fleet.harness = moved
    for dev in (a, b):
        dev.config.server = moved.url
    new = b.store.create("resident", team, {"name": "Na de verhuizing"})
    b.store.update("household", household, {"street": "Nieuwe Weg"})
    assert b.sync().resets == 0
    cursor = a.store.meta("cursor")
    page = moved.store.pull([team], cursor, 1000)  # the old cursor, on the new database
    assert {r.split('"id":"')[1][:36] for r in page.rows} == {new, household}
    assert a.sync().resets == 0
    assert a.state() == b.state()
    assert ("resident", new) in a.state() and ("resident", gone) not in a.state()
    assert moved.store.history([team], "resident", gone)["changes"] == []
    assert len(moved.store.conflicts([team], include_reviewed=True)) >= 1
    late = fleet.device([team])  # a device enrolled after the move downloads everything
    late.sync()
    a.sync()  # learns of the late device's worker
    assert late.state() == a.state()
    fleet.close()


def test_migrate_store_refuses_a_running_server_and_a_file_target(spawn, tmp_path, cli,
                                                                   pg_cluster):
    db = tmp_path / "server.db"
    ServerStore(db).close()
    spawn(db)
    url = pg_cluster.fresh_db()
    busy = cli("admin", "migrate-store", "--from", str(db), "--to", url)
    assert busy.returncode == 2 and "in use" in busy.stderr
    wrong = cli("admin", "migrate-store", "--from", str(db), "--to", str(tmp_path / "x.db"))
    assert wrong.returncode == 2 and "postgresql://" in wrong.stderr
