"""The PostgreSQL schema keeps step with SQLite's, and behaves the same where it matters."""

from __future__ import annotations

import sqlite3

import pytest

from sync_server import pg_schema, schema
from sync_server.store import ServerStore

pytestmark = pytest.mark.postgres


def test_every_sqlite_table_and_column_exists_in_postgres(tmp_path, pg_cluster):
    import psycopg

    assert pg_schema.SCHEMA_VERSION == schema.SCHEMA_VERSION
    path, url = tmp_path / "server.db", pg_cluster.fresh_db()
    ServerStore(path).close()
    ServerStore(url).close()
    lite = sqlite3.connect(path)
    want = {t: [c[1] for c in lite.execute(f"PRAGMA table_info({t})")]
            for (t,) in lite.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    lite.close()
    want["changes"].insert(0, "rowid")  # implicit in SQLite
    with psycopg.connect(url) as pg:
        got: dict[str, list[str]] = {}
        for table, column in pg.execute(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = 'public' ORDER BY table_name, ordinal_position"):
            got.setdefault(table, []).append(column)
    assert got == want


def test_postgres_audit_log_is_append_only_and_migrations_run_once(pg_cluster):
    import psycopg

    url = pg_cluster.fresh_db()
    store = ServerStore(url)
    store.add_team("Noord")
    store.close()
    ServerStore(url).close()  # a second start (another server process) migrates nothing
    with psycopg.connect(url, autocommit=True) as pg:
        assert pg.execute("SELECT count(*) FROM audit").fetchone()[0] == 1
        for sql in ("UPDATE audit SET worker = 'x'", "DELETE FROM audit"):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                pg.execute(sql)
        assert pg.execute("SELECT value FROM meta WHERE key = 'schema_version'"
                          ).fetchone()[0] == str(pg_schema.SCHEMA_VERSION)


def test_a_newer_postgres_schema_is_refused(pg_cluster):
    import psycopg

    url = pg_cluster.fresh_db()
    ServerStore(url).close()
    with psycopg.connect(url, autocommit=True) as pg:
        pg.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(schema.SchemaTooNew):
        ServerStore(url)


def test_a_postgres_database_marked_restored_starts_a_new_epoch_once(pg_cluster):
    import psycopg

    url = pg_cluster.fresh_db()
    store = ServerStore(url)
    old = store.timeline
    store.close()
    with psycopg.connect(url, autocommit=True) as pg:  # what docs/postgres.md tells to run
        pg.execute("INSERT INTO meta VALUES ('restored', '1') ON CONFLICT (key) "
                   "DO UPDATE SET value = '1'")
    first, second = ServerStore(url), ServerStore(url)  # two processes starting
    assert first.timeline == second.timeline != old
    assert first._previous_timeline == old
    first.close()
    second.close()


def test_the_sqlite_server_never_imports_psycopg(tmp_path):
    import subprocess
    import sys

    from server_fixtures import ROOT

    script = ("import sys\nfrom sync_server import admin, server\n"
              "from sync_server.store import ServerStore\n"
              f"ServerStore({str(tmp_path / 's.db')!r}).close()\n"
              "assert 'psycopg' not in sys.modules, 'psycopg imported'\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr


def test_postgres_step_3_turns_stored_lists_into_sets_like_sqlite(pg_cluster):
    import json

    import psycopg
    from test_server_schema import NEW_FIELDS, OLD_FIELDS

    url = pg_cluster.fresh_db()
    with psycopg.connect(url, autocommit=True) as pg:
        for step in pg_schema.MIGRATIONS[:2]:
            pg.execute(step)
        pg.execute("INSERT INTO meta VALUES ('schema_version', '2')")
        pg.execute("INSERT INTO rows (rid, key, kind, id, team, fields, version) VALUES "
                   "(1, 1, 'resident', 'r', 't', %s, 1)", (json.dumps(OLD_FIELDS),))
    ServerStore(url).close()
    with psycopg.connect(url, autocommit=True) as pg:
        assert json.loads(pg.execute("SELECT fields FROM rows").fetchone()[0]) == NEW_FIELDS
