"""Upgrades: databases made by the previous release open and sync; a too old app is told so.

``tests/fixtures/v1/`` holds a server database and a device (database with unsent changes, and
its enrollment) written by the code of the last schema-1 release (``make.py`` there rebuilds
them from git history).
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from app.services.sync import SyncStatus, last_result
from app.store import Store
from app.sync import errors
from app.sync.client import SyncClient
from app.sync.config import DeviceConfig
from sync_server.schema import SCHEMA_VERSION
from wijkweb_protocol import DELETED, PROTOCOL_HEADER, SCHEMA_HEADER

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "v1"


def user_version(path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        return db.execute("PRAGMA user_version").fetchone()[0]
    finally:
        db.close()


@pytest.fixture
def old(tmp_path):
    """Copies of the schema-1 server database and device directory."""
    shutil.copy(FIXTURES / "server.db", tmp_path / "server.db")
    shutil.copytree(FIXTURES / "device", tmp_path / "device")
    assert user_version(tmp_path / "server.db") == 1
    assert user_version(tmp_path / "device" / "wijkweb.sqlite") == 1
    return tmp_path


def test_previous_release_databases_open_and_sync(old, make_server, fleet):
    harness = make_server(old / "server.db")
    assert user_version(old / "server.db") == SCHEMA_VERSION > 1
    store = Store(old / "device" / "wijkweb.sqlite")
    assert store.schema_version > 1
    pending = store.pending_count()
    assert pending == 3  # an edit, a delete and a new record, never sent
    config = DeviceConfig.load(old / "device")
    config.server = harness.url
    with SyncClient(store, config) as client:
        result = client.sync()
    assert result.pushed == pending and store.pending_count() == 0
    team = config.teams[0]
    newcomer = type(fleet)(harness, old / "fleet").device([team])
    newcomer.sync()
    names = {v["name"] for v in newcomer.store.all_rows("resident").values() if not v[DELETED]}
    assert names == {"Gesynct 0, daarna offline bewerkt", "Gesynct 2", "Nooit verstuurd"}
    talents = {v["name"]: v["talents"] for v in newcomer.store.all_rows("resident").values()
               if not v[DELETED]}  # lists written under protocol 1, now sets on both sides
    assert talents == {"Gesynct 0, daarna offline bewerkt": ["koken"], "Gesynct 2": ["koken"],
                       "Nooit verstuurd": []}
    mine = {k: v for k, v in store.all_rows("resident").items() if not v[DELETED]}
    theirs = {k: v for k, v in newcomer.store.all_rows("resident").items() if not v[DELETED]}
    assert mine == theirs
    newcomer.store.close()
    store.close()


def test_an_app_older_than_the_server_accepts_is_told_to_update(old, make_server):
    harness = make_server(old / "server.db")
    harness.server.min_client_schema = 99
    store = Store(old / "device" / "wijkweb.sqlite")
    config = DeviceConfig.load(old / "device")
    config.server = harness.url
    outbox = store.outbox(limit=100)
    with SyncClient(store, config) as client, pytest.raises(errors.UpgradeRequired) as err:
        client.sync()
    assert err.value.detail["minimum"] == 99
    assert store.outbox(limit=100) == outbox  # the unsent changes wait
    state = SyncStatus(pending=len(outbox), last_error=store.meta("sync.last_error"),
                      enrolled=True)
    assert "te oud" in last_result(state) and "bewaard" in last_result(state)
    resp = harness.anonymous.get("/v1/pull", headers={
        PROTOCOL_HEADER: "2", SCHEMA_HEADER: "x" * 5000, "Authorization": f"Bearer {config.token}"})
    assert resp.status_code == 426 and resp.json()["code"] == "upgrade_required"
    harness.server.min_client_schema = 1  # the app was updated (or the server relented)
    with SyncClient(store, config) as client:
        client.sync()
    assert store.pending_count() == 0
    store.close()


def test_rows_an_older_app_skipped_arrive_after_the_upgrade(old, make_server, fleet):
    """A schema-1 app skips kinds it does not know (here ``handover``), yet its cursor moves
    past them; once upgraded, it must still receive them."""
    harness = make_server(old / "server.db")
    config = DeviceConfig.load(old / "device")
    team = config.teams[0]
    lead = type(fleet)(harness, old / "fleet").device([team], role="team_lead")
    household = lead.store.create("household", team, {"name": "Fam. Nieuw"})
    handover = lead.store.create("handover", team, {"household_id": household,
                                                    "at": datetime.now(UTC)})
    lead.sync()
    cursor = ""  # what the schema-1 app stored after pulling (and skipping) the new kind
    with httpx.Client(base_url=harness.url, headers={
            PROTOCOL_HEADER: "2", "Authorization": f"Bearer {config.token}"}) as http:
        while True:
            page = http.get("/v1/pull", params={"cursor": cursor}).json()
            cursor = page["cursor"]
            if not page["more"]:
                break
    db = sqlite3.connect(old / "device" / "wijkweb.sqlite")
    db.execute("INSERT OR REPLACE INTO meta VALUES ('cursor', ?)", (cursor,))
    db.commit()
    db.close()
    store = Store(old / "device" / "wijkweb.sqlite")  # the app is updated
    config.server = harness.url
    with SyncClient(store, config) as client:
        client.sync()
    assert store.values("handover", handover) is not None
    assert store.values("household", household)["name"] == "Fam. Nieuw"
    lead.store.close()
    store.close()
