"""Every write lands in the row and in the outbox in one transaction, or in neither."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, datetime

import pytest

from app.store import NotFound, Store
from sync_server.protocol import DELETED


def outbox_rows(store: Store) -> list[dict]:
    return [{"kind": c.kind, "id": c.id, "tx": c.tx, "fields": c.fields} for c in store.outbox()]


def test_create_logs_every_field_once_with_one_stamp(store, team):
    rid = store.create("resident", team, {"name": "Ayse Yilmaz", "birth_year": 1984})
    [entry] = outbox_rows(store)
    assert entry["kind"] == "resident" and entry["id"] == rid
    fields = entry["fields"]
    assert fields["name"][0] == "Ayse Yilmaz" and fields["birth_year"][0] == 1984
    assert fields[DELETED][0] is False
    assert fields["ambitions"][0] == {}  # defaults travel too (an empty set): whole rows
    assert len({reg[1] for reg in fields.values()}) == 1
    assert all(reg[2] is None for reg in fields.values())
    assert store.values("resident", rid)["name"] == "Ayse Yilmaz"


def test_update_logs_only_changed_fields_with_their_base(store, team):
    rid = store.create("resident", team, {"name": "Ayse", "birth_year": 1984})
    created = store.outbox()[0].fields
    assert store.update("resident", rid, {"name": "Ayse", "birth_year": 1985}) is True
    last = store.outbox()[-1].fields
    assert set(last) == {"birth_year"}
    assert last["birth_year"][0] == 1985
    assert last["birth_year"][2] == created["birth_year"][1]
    assert last["birth_year"][1] > created["birth_year"][1]


def test_update_without_a_change_logs_nothing(store, team):
    rid = store.create("resident", team, {"name": "Ayse", "talents": ["koken"]})
    assert store.update("resident", rid, {"name": "Ayse", "talents": ["koken"]}) is False
    assert store.pending_count() == 1


def test_delete_logs_the_deleted_register_and_hides_the_row(store, team):
    rid = store.create("household", team, {"name": "Fam. de Vries", "street": "Lindelaan"})
    store.delete("household", rid)
    assert store.outbox()[-1].fields == {DELETED: [True, store.outbox()[-1].fields[DELETED][1],
                                                   store.outbox()[0].fields[DELETED][1]]}
    with pytest.raises(NotFound):
        store.update("household", rid, {"name": "x"})
    assert store.values("household", rid)[DELETED] is True


def test_a_transaction_groups_writes_into_one_unit(store, team):
    with store.transaction():
        h = store.create("household", team, {"name": "Fam. Bakker", "street": "Esdoornstraat"})
        store.create("resident", team, {"name": "Mo Bakker", "household_id": h})
    store.create("resident", team, {"name": "Alleen"})
    txs = [c.tx for c in store.outbox()]
    assert txs[0] == txs[1] != txs[2]


def test_bad_values_are_refused_before_anything_is_written(store, team):
    with pytest.raises(ValueError):
        store.create("resident", team, {"birth_year": "negentien"})
    with pytest.raises(ValueError):
        store.create("resident", team, {"shoe_size": 42})
    with pytest.raises(ValueError):
        store.create("contact", team, {"note": "no time given"})
    with pytest.raises(ValueError):
        store.create("contact", team, {"at": datetime(2026, 1, 1)})  # naive datetime
    assert store.pending_count() == 0


def test_failing_after_the_row_write_leaves_neither_row_nor_outbox(store, team, monkeypatch):
    rid = store.create("resident", team, {"name": "Ayse"})

    def boom(*args, **kwargs):
        raise RuntimeError("disk gone")

    monkeypatch.setattr(store, "_append_outbox", boom)
    with pytest.raises(RuntimeError):
        store.create("resident", team, {"name": "Nieuw"})
    with pytest.raises(RuntimeError):
        store.update("resident", rid, {"name": "Gewijzigd"})
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.create("household", team, {"name": "half"})
    monkeypatch.undo()
    assert [r["name"] for r in store.all_rows("resident").values()] == ["Ayse"]
    assert store.all_rows("household") == {}
    assert store.pending_count() == 1


def test_a_process_killed_mid_write_leaves_neither(tmp_path, team):
    """A real crash: the process dies between the row write and the outbox append."""
    path = tmp_path / "crash.sqlite"
    script = textwrap.dedent(f"""
        import os
        from app.store import Store
        s = Store({str(path)!r})
        s.create("resident", {team!r}, {{"name": "bewaard"}})
        s._append_outbox = lambda *a, **k: os._exit(9)
        s.create("resident", {team!r}, {{"name": "verloren"}})
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=str(_root()))
    assert proc.returncode == 9
    store = Store(path)
    assert [r["name"] for r in store.all_rows("resident").values()] == ["bewaard"]
    assert store.pending_count() == 1
    store.close()


def test_writes_are_durable_on_disk_before_returning(tmp_path, team):
    path = tmp_path / "d.sqlite"
    s = Store(path)
    rid = s.create("contact", team, {"at": datetime.now(UTC), "note": "4 jongeren bij het plein",
                                     "group_size": 4})
    raw = sqlite3.connect(path)  # a second connection sees it committed
    assert raw.execute("SELECT note FROM contact WHERE id = ?", (rid,)).fetchone()[0] == (
        "4 jongeren bij het plein")
    assert json.loads(raw.execute("SELECT fields FROM outbox").fetchone()[0])["group_size"][0] == 4
    raw.close()
    s.close()


def test_the_clock_is_kept_across_restarts(tmp_path, team):
    s = Store(tmp_path / "c.sqlite")
    s.create("resident", team, {"name": "a"})
    last = s.clock.last
    device = s.device
    s.close()
    again = Store(tmp_path / "c.sqlite")
    assert again.device == device
    assert again.clock.now() > last
    again.close()


def _root():
    from pathlib import Path
    return Path(__file__).resolve().parent.parent
