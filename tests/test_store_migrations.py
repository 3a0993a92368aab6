"""Local schema versions: a database made by the first version opens and upgrades."""

from __future__ import annotations

import json
import sqlite3

import pytest

from app.domain.models import MODELS
from app.store import Store, migrations
from wijkweb_protocol import KINDS, encode_hlc, make_stamp, new_id


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


def test_list_sets_step_keeps_every_list_as_shown_and_turns_it_into_a_set(tmp_path):
    """Rows, unsent changes and set-aside ones made before list fields were sets: what is shown
    stays, each item is added by the stamp its list had, and the next edit sends only itself."""
    path, rid, team = tmp_path / "v1.sqlite", new_id(), new_id()
    list_stamp = make_stamp(encode_hlc(1000, 3), "dev1")
    make_v1_database(path)  # the steps between it and the step under test run on opening
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("INSERT INTO meta VALUES ('device', 'dev1')")
    db.execute("INSERT INTO resident (id, team, name, ambitions, talents, stamps) VALUES "
               "(?, ?, 'Ayşe', ?, NULL, ?)", (rid, team, '["zwemmen","fietsles volgen"]',
                                              json.dumps({"ambitions": list_stamp})))
    fields = json.dumps({"ambitions": [["zwemmen", "fietsles volgen"], list_stamp, None],
                         "name": ["Ayşe", list_stamp, None]})
    db.execute("INSERT INTO outbox (tx, kind, id, team, fields) VALUES (1, 'resident', ?, ?, ?)",
               (rid, team, fields))
    db.execute("INSERT INTO rejected (kind, id, code, change, at) VALUES "
               "('resident', ?, 'x', ?, '2026-01-01')",
               (rid, json.dumps({"team": team, "fields": json.loads(fields), "message": ""})))
    db.close()
    store = Store(path)
    added = {"dev1": [encode_hlc(1000, 3), None]}
    items = {"zwemmen": added, "fietsles volgen": added}
    assert store.values("resident", rid)["ambitions"] == ["zwemmen", "fietsles volgen"]
    assert json.loads(store._db.execute("SELECT sets FROM resident WHERE id = ?", (rid,)
                                        ).fetchone()[0]) == {
        "ambitions": items, "talents": {}, "obstacles": {}}
    [change] = store.outbox()
    assert change.fields == {"ambitions": [items, list_stamp, None], "name": ["Ayşe", list_stamp,
                                                                              None]}
    assert store.rejected()[0]["change"]["fields"]["ambitions"][0] == items
    assert store.remove_from_list("resident", rid, "ambitions", ["zwemmen"])
    assert store.values("resident", rid)["ambitions"] == ["fietsles volgen"]
    # the edit sends its removal, and again the refused adds (an edit re-sends what was refused)
    assert store.outbox()[-1].fields["ambitions"][0] == {
        "zwemmen": {"dev1": [encode_hlc(1000, 3), encode_hlc(1000, 3)]},
        "fietsles volgen": added}
    assert store.rejected() == []
    store.close()
