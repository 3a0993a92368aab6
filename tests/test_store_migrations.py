"""Local schema versions: a database made by the first version opens and upgrades."""

from __future__ import annotations

import sqlite3

import pytest

from app.domain.models import MODELS
from app.store import Store, migrations
from sync_server.protocol import KINDS


def make_v1_database(path):
    db = sqlite3.connect(path, isolation_level=None)
    _, first = migrations.steps()[0]
    db.execute("BEGIN")
    for statement in migrations._statements(first):
        db.execute(statement)
    db.execute("PRAGMA user_version = 1")
    db.execute("COMMIT")
    db.execute("INSERT INTO resident (id, team, name) VALUES "
               "('0e6c7e0e-3b7f-4c8e-9d55-0a3f0c1f1a01', '0e6c7e0e-3b7f-4c8e-9d55-0a3f0c1f1a02',"
               " 'Uit versie 1')")
    db.close()


def test_a_first_version_database_opens_and_upgrades(tmp_path):
    path = tmp_path / "v1.sqlite"
    make_v1_database(path)
    store = Store(path)
    assert migrations.current_version(store._db) == len(migrations.steps())
    assert [r["name"] for r in store.all_rows("resident").values()] == ["Uit versie 1"]
    store.close()


def test_migrations_are_numbered_without_gaps():
    assert [v for v, _ in migrations.steps()] == list(range(1, len(migrations.steps()) + 1))


def test_the_migrated_schema_has_every_model_column(store):
    for kind, model in MODELS.items():
        have = {r[1] for r in store._db.execute(f"PRAGMA table_info({kind})")}
        assert set(model.__table__.columns.keys()) <= have, kind
        assert set(KINDS[kind]) <= have


def test_models_and_protocol_name_the_same_kinds_and_fields():
    assert set(MODELS) == set(KINDS)
    for kind, model in MODELS.items():
        fields = set(model.model_fields) - {"id", "team", "deleted", "stamps"}
        assert fields == set(KINDS[kind]), kind


def test_a_database_from_a_newer_app_is_refused(tmp_path):
    path = tmp_path / "future.sqlite"
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 999")
    db.close()
    with pytest.raises(RuntimeError, match="newer"):
        Store(path)


def test_an_older_search_index_is_rebuilt_folded(tmp_path):
    path = tmp_path / "v1.sqlite"
    make_v1_database(path)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("UPDATE resident SET name = 'Ayşe Öztürk'")
    db.execute("INSERT INTO resident_search SELECT id, name, '' FROM resident")  # as v1 kept it
    db.close()
    store = Store(path)
    assert [r.name for r, _ in store.search_residents("ozturk")] == ["Ayşe Öztürk"]
    store.close()
