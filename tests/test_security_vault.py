"""Encryption at rest: the database is unreadable without the data key, the key is on disk only
wrapped by the PIN, a PIN change rewraps without re-encrypting, wrong PINs back off across a
restart, and a database from before encryption is converted without loss."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.security import NotAPin, TooSoon, Vault, WrongPin, keyslot
from app.security.pin_lockout import FREE_TRIES, PinLockout, wait_after
from app.store import Store, cipher

MARKER = "Zeynep-Geheim-Markeerstraat"
PIN = "482915"
FAST_N = 2**10  # the KDF's cost is a parameter of the slot; tests need no 0.25 s per try


def _vault(tmp_path, n: int = FAST_N, now=None) -> Vault:
    return Vault(tmp_path, scrypt_n=n, now=now) if now else Vault(tmp_path, scrypt_n=n)


def _write_marker(store: Store, team: str) -> str:
    return store.create("household", team, {"name": MARKER, "street": MARKER,
                                            "legal_basis": "consent"})


def _disk_bytes(folder) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file())


def test_database_file_holds_no_plaintext_and_plain_sqlite_cannot_read_it(tmp_path, team):
    vault = _vault(tmp_path)
    store = vault.set_up(PIN)
    _write_marker(store, team)
    # the write is in the WAL now; the WAL is encrypted as well
    assert (tmp_path / "wijkweb.sqlite-wal").stat().st_size > 0
    assert MARKER.encode() not in _disk_bytes(tmp_path)
    vault.close()
    raw = (tmp_path / "wijkweb.sqlite").read_bytes()
    assert MARKER.encode() not in raw and not raw.startswith(cipher.PLAIN_HEADER)
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(tmp_path / "wijkweb.sqlite").execute("SELECT * FROM household").fetchall()


def test_wrong_key_is_refused_and_the_right_one_reads(tmp_path, team):
    vault = _vault(tmp_path)
    row = _write_marker(vault.set_up(PIN), team)
    vault.close()
    with pytest.raises(cipher.WrongKey):
        Store(tmp_path / "wijkweb.sqlite", keyslot.new_data_key())
    store = _vault(tmp_path).unlock(PIN)
    assert store.values("household", row)["name"] == MARKER
    store.close()


def test_the_key_is_never_on_disk_in_clear(tmp_path, team):
    vault = _vault(tmp_path)
    store = vault.set_up(PIN)
    _write_marker(store, team)
    key = vault._unwrap(PIN)
    vault.close()
    disk = _disk_bytes(tmp_path)
    for form in (key, key.hex().encode(), key.hex().upper().encode(), base64.b64encode(key)):
        assert form not in disk
    assert PIN.encode() not in disk


def test_sqlalchemy_sessions_read_the_encrypted_database(tmp_path, team):
    from sqlmodel import select

    from app.domain.models import Household

    store = _vault(tmp_path).set_up(PIN)
    row = _write_marker(store, team)
    with store.session() as s:
        assert s.exec(select(Household).where(Household.id == row)).one().name == MARKER
    store.close()


def test_changing_the_pin_rewraps_and_does_not_reencrypt(tmp_path, team):
    vault = _vault(tmp_path)
    _write_marker(vault.set_up(PIN), team)
    vault.close()
    db = tmp_path / "wijkweb.sqlite"
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    slot_before = (tmp_path / "key.json").read_text()
    vault = _vault(tmp_path)
    vault.change_pin(PIN, "new-passphrase")
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert (tmp_path / "key.json").read_text() != slot_before
    with pytest.raises(WrongPin):
        vault.unlock(PIN)
    assert vault.unlock("new-passphrase").all_rows("household")


def test_change_pin_needs_the_old_pin_and_a_good_new_one(tmp_path):
    vault = _vault(tmp_path)
    vault.set_up(PIN)
    with pytest.raises(WrongPin):
        vault.change_pin("000000", "999999")
    with pytest.raises(ValueError, match="too_short"):
        vault.change_pin(PIN, "123")
    vault.close()
    assert _vault(tmp_path).unlock(PIN) is not None


def test_a_short_pin_is_refused_at_setup(tmp_path):
    with pytest.raises(ValueError, match="too_short"):
        _vault(tmp_path).set_up("1234")
    assert not (tmp_path / "key.json").exists()


def test_wrong_pins_back_off_and_a_restart_does_not_reset_the_count(tmp_path):
    clock = [1_000_000.0]
    vault = _vault(tmp_path, now=lambda: clock[0])
    vault.set_up(PIN)
    vault.close()
    waits = []
    for _ in range(FREE_TRIES + 1):
        with pytest.raises(WrongPin) as err:
            vault.unlock("000000")
        waits.append(err.value.wait)
    assert waits == [0, 0, 0, 30]
    restarted = _vault(tmp_path, now=lambda: clock[0])  # a new process: the count came from disk
    with pytest.raises(TooSoon) as err:
        restarted.unlock(PIN)  # even the right PIN waits
    assert err.value.seconds == pytest.approx(30)
    clock[0] += 31
    with pytest.raises(WrongPin) as err:
        restarted.unlock("000001")
    assert err.value.wait == 60  # doubled
    clock[0] += 61
    assert restarted.unlock(PIN) is not None
    assert restarted.lockout.failures == 0  # the right PIN clears the count
    restarted.close()


def test_a_pin_read_before_its_last_keystrokes_is_neither_tried_nor_counted(tmp_path):
    """A field read too early gives a PIN cut short (or nothing): no PIN of this app is that
    short, so it is refused before any scrypt and the back-off count does not move."""
    vault = _vault(tmp_path)
    vault.set_up(PIN)
    vault.close()
    for partial in ("", PIN[:1], PIN[:5], f" {PIN}"):
        with pytest.raises(NotAPin):
            vault.unlock(partial)
    assert vault.lockout.failures == 0 and not (tmp_path / "unlock.json").exists()
    assert vault.unlock(PIN) is not None
    vault.close()


LOAD_N = 2**14  # 16 MiB per scrypt: real memory pressure from many at once, yet quick
UNLOCKER = """
import json, sys
from app.security import Vault
outcomes = []
for _ in range(int(sys.argv[3])):
    vault = Vault(sys.argv[1], scrypt_n=int(sys.argv[2]))
    try:
        vault.unlock(sys.argv[4])
        outcomes.append("ok")
    except Exception as err:
        outcomes.append(type(err).__name__)
    finally:
        vault.close()
print(json.dumps(outcomes))
"""


def test_a_correct_pin_is_never_refused_or_counted_under_concurrent_load(tmp_path):
    """Sessions of one app (threads, each its own ``Vault``) and other processes on the same
    data folder (the app beside a scheduled ``python -m app sync``) unlock at once, while a
    busy loop holds a core: every correct PIN opens, none is counted as wrong, and the
    back-off file stays whole. One earlier wrong PIN makes every success rewrite it."""
    vault = _vault(tmp_path, n=LOAD_N)
    vault.set_up(PIN)
    vault.close()
    with pytest.raises(WrongPin):
        vault.unlock("000000")
    assert vault.lockout.failures == 1
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root)}
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        procs = [subprocess.Popen([sys.executable, "-c", UNLOCKER, str(tmp_path), str(LOAD_N),
                                   "6", PIN], cwd=root, env=env, stdout=subprocess.PIPE,
                                  text=True) for _ in range(2)]
        outcomes: list[str] = []
        lock = threading.Lock()

        def session() -> None:
            for _ in range(6):
                v = _vault(tmp_path, n=LOAD_N)
                try:
                    v.unlock(PIN)
                    result = "ok"
                except Exception as err:  # noqa: BLE001 - every outcome is recorded
                    result = type(err).__name__
                finally:
                    v.close()
                with lock:
                    outcomes.append(result)

        threads = [threading.Thread(target=session) for _ in range(4)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        for proc in procs:
            out, _ = proc.communicate(timeout=600)
            outcomes += json.loads(out)
    finally:
        busy.kill()
        busy.wait()
    assert outcomes == ["ok"] * (4 * 6 + 2 * 6)
    assert json.loads((tmp_path / "unlock.json").read_text())["failures"] == 0
    assert not list(tmp_path.glob("*.tmp"))  # no temp file left behind


def test_a_clock_set_back_cannot_stretch_the_wait(tmp_path):
    now = [5_000.0]
    lockout = PinLockout(tmp_path / "unlock.json", now=lambda: now[0])
    for _ in range(FREE_TRIES + 2):
        lockout.failed()
    assert lockout.remaining() == 60
    now[0] -= 10 * 365 * 24 * 3600  # ten years back
    assert lockout.remaining() == 60


def test_the_wait_doubles_and_is_capped():
    assert [wait_after(n) for n in range(1, 7)] == [0, 0, 0, 30, 60, 120]
    assert wait_after(50) == 30 * 60


def test_a_database_from_before_encryption_is_converted_without_loss(tmp_path, team):
    plain = Store(tmp_path / "wijkweb.sqlite")
    row = _write_marker(plain, team)
    for i in range(50):
        plain.create("signal", team, {"street": f"Straat {i}", "at": "2026-01-01T10:00:00Z"})
    outbox, rows, device = plain.pending_count(), plain.all_rows("signal"), plain.device
    plain.close()
    store = _vault(tmp_path).set_up(PIN)
    assert not cipher.is_plain(tmp_path / "wijkweb.sqlite")
    assert store.pending_count() == outbox and store.all_rows("signal") == rows
    assert store.values("household", row)["name"] == MARKER and store.device == device
    assert MARKER.encode() not in _disk_bytes(tmp_path)
    assert {p.name for p in tmp_path.iterdir()} >= {"wijkweb.sqlite", "key.json"}
    assert not list(tmp_path.glob("*.encrypting"))
    store.close()


def test_a_conversion_cut_short_is_finished_at_the_next_unlock(tmp_path, team):
    """The key file is written first: a crash before the file was swapped leaves the plain
    database and a key for it, and the next unlock converts it."""
    plain = Store(tmp_path / "wijkweb.sqlite")
    row = _write_marker(plain, team)
    plain.close()
    vault = _vault(tmp_path)
    vault.set_up(PIN)
    vault.close()
    # as if the process died after writing key.json: put a plain database back in place
    (tmp_path / "wijkweb.sqlite").unlink()
    for side in ("-wal", "-shm"):
        (tmp_path / f"wijkweb.sqlite{side}").unlink(missing_ok=True)
    plain = Store(tmp_path / "wijkweb.sqlite")
    _write_marker(plain, team)
    plain.close()
    (tmp_path / "wijkweb.sqlite.encrypting").write_bytes(b"half a copy")
    store = _vault(tmp_path).unlock(PIN)
    assert not cipher.is_plain(tmp_path / "wijkweb.sqlite")
    assert len(store.all_rows("household")) == 1 and row not in store.all_rows("household")
    store.close()


def test_an_encrypted_store_refuses_to_open_a_plain_file_directly(tmp_path):
    Store(tmp_path / "wijkweb.sqlite").close()
    with pytest.raises(cipher.WrongKey):
        Store(tmp_path / "wijkweb.sqlite", keyslot.new_data_key())
    assert cipher.is_plain(tmp_path / "wijkweb.sqlite")


def test_default_cost_unlocks(tmp_path):
    vault = Vault(tmp_path)
    vault.set_up(PIN)
    vault.close()
    data = (tmp_path / "key.json").read_text()
    assert f'"n": {keyslot.SCRYPT_N}' in data
    assert Vault(tmp_path).unlock(PIN) is not None


@given(pin=st.text(min_size=1, max_size=40), other=st.text(min_size=1, max_size=40))
def test_a_slot_gives_the_key_to_its_pin_only(pin, other):
    key = keyslot.new_data_key()
    slot = keyslot.wrap(key, pin, n=2**4)
    assert keyslot.unwrap(keyslot.KeySlot.from_json(slot.to_json()), pin) == key
    if other != pin:
        with pytest.raises(WrongPin):
            keyslot.unwrap(slot, other)


def test_a_tampered_slot_is_refused():
    key = keyslot.new_data_key()
    slot = keyslot.wrap(key, PIN, n=2**4)
    flipped = bytearray(base64.b64decode(slot.wrapped))
    flipped[0] ^= 1
    bad = keyslot.KeySlot(**{**slot.to_json(), "wrapped": base64.b64encode(flipped).decode()})
    with pytest.raises(WrongPin):
        keyslot.unwrap(bad, PIN)

