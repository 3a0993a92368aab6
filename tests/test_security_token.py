"""The token behind the PIN: ``device.json`` holds the bearer token sealed with the data key, so a
copy of the file without the PIN cannot sync; a file from before is sealed at the first unlock;
a damaged ``unlock.json`` never turns the right PIN into an error, a damaged ``key.json`` is
said plainly. Against a real server on 127.0.0.1."""

from __future__ import annotations

import io
import json
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from app.cli import PIN_ENV, unlocked_store
from app.security import Vault, WrongPin, keyslot
from app.sync.client import SyncClient, enroll
from app.sync.config import CONFIG_NAME, DeviceConfig, TokenLocked
from sync_server.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION

if TYPE_CHECKING:
    from server_fixtures import Harness

pytest_plugins = ["server_fixtures"]
PIN = "482915"
FAST_N = 2**10


def _enrolled(server: Harness, folder: Path) -> tuple[Vault, str]:
    """A device set up with a PIN and enrolled over HTTP; returns its vault and token."""
    vault = Vault(folder, scrypt_n=FAST_N)
    store = vault.set_up(PIN)
    worker = server.store.add_worker("Coach", "street_coach", [server.team()])
    config = enroll(store, server.url, server.store.create_enrollment(worker), folder)
    return vault, config.token


def _pulls(server: Harness, token: str) -> int:
    return httpx.get(f"{server.url}/v1/pull", headers={
        "Authorization": f"Bearer {token}", PROTOCOL_HEADER: str(PROTOCOL_VERSION)}).status_code


def test_a_copied_device_json_without_the_pin_cannot_pull(server: Harness,
                                                          tmp_path: Path) -> None:
    vault, token = _enrolled(server, tmp_path / "phone")
    assert _pulls(server, token) == 200
    text = (tmp_path / "phone" / CONFIG_NAME).read_text()
    assert token not in text and '"token"' not in text
    thief = tmp_path / "thief"
    thief.mkdir()
    shutil.copy(tmp_path / "phone" / CONFIG_NAME, thief / CONFIG_NAME)
    # every text the file holds, tried as a bearer token: none opens the feed
    for value in json.loads(text).values():
        for candidate in value if isinstance(value, list) else [value]:
            assert _pulls(server, str(candidate)) == 401
    with pytest.raises(TokenLocked):
        DeviceConfig.load(thief)
    assert DeviceConfig.load(thief, keyslot.new_data_key()) is None  # another device's key
    # the PIN's data key opens it, and the device syncs with it
    store = vault.store
    assert store is not None
    config = DeviceConfig.load(tmp_path / "phone", store.data_key)
    assert config is not None and config.token == token
    with SyncClient(store, config) as client:
        assert client.sync().pulled > 0
    vault.close()


def test_a_plain_device_json_is_sealed_at_the_first_unlock(server: Harness,
                                                          tmp_path: Path) -> None:
    vault, token = _enrolled(server, tmp_path)
    store = vault.store
    assert store is not None
    config = DeviceConfig.load(tmp_path, store.data_key)
    assert config is not None
    vault.close()
    config.save(tmp_path)  # as an older version of the app wrote it: the token in clear
    assert token in (tmp_path / CONFIG_NAME).read_text()
    store = Vault(tmp_path, scrypt_n=FAST_N).unlock(PIN)
    assert token not in (tmp_path / CONFIG_NAME).read_text()
    again = DeviceConfig.load(tmp_path, store.data_key)
    assert again == config
    store.close()


def test_a_damaged_unlock_json_does_not_stop_the_right_pin(tmp_path: Path) -> None:
    Vault(tmp_path, scrypt_n=FAST_N).set_up(PIN).close()
    for damage in (b"{\"failures\": ", b"\xff\xfe", b"[1, 2]", b'{"failures": "many"}'):
        (tmp_path / "unlock.json").write_bytes(damage)
        vault = Vault(tmp_path, scrypt_n=FAST_N)
        assert vault.wait() == 0
        vault.unlock(PIN).close()
        assert json.loads((tmp_path / "unlock.json").read_text())["failures"] == 0
    # a damaged count is no gift to a guesser: the next wrong PIN waits at once
    (tmp_path / "unlock.json").write_bytes(b"garbage")
    with pytest.raises(WrongPin) as err:
        Vault(tmp_path, scrypt_n=FAST_N).unlock("000000")
    assert err.value.wait > 0


def test_a_damaged_key_file_is_said_plainly(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    monkeypatch.setenv(PIN_ENV, PIN)
    unlocked_store(tmp_path).close()
    (tmp_path / "unlock.json").write_text("{")
    unlocked_store(tmp_path).close()  # the right PIN opens: no JSON error in its way
    (tmp_path / "key.json").write_text("{\"salt\": ")
    with pytest.raises(SystemExit) as err:
        unlocked_store(tmp_path)
    assert str(err.value.code).startswith("key.json is damaged")
    assert "Expecting" not in str(err.value.code)
