"""One per process: the encrypted store, closed until the worker's PIN unwraps its data key.

Files beside the database: ``key.json`` (the wrapped data key, ``keyslot``) and
``unlock.json`` (the back-off count); ``device.json`` (the enrollment) has its token sealed with
the data key at the first unlock. The key file is written before a database from an older,
unencrypted version is converted, so no crash can leave data under a key that was never saved.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from app.security import keyslot
from app.security.files import read_json, write_json
from app.security.keyslot import KeySlot, WrongPin
from app.security.pin_lockout import PinLockout
from app.store import Store, cipher
from app.store.store import DB_NAME
from app.sync import config as device_config  # a module: it imports app.security.sealed

log = logging.getLogger(__name__)

KEY_FILE = "key.json"
BACKOFF_FILE = "unlock.json"
MIN_PIN_LENGTH = 6


class NotAPin(ValueError):
    """Text that no PIN of this app can be (too short, spaces around it): refused before any
    scrypt and not counted as a wrong PIN. Such text comes from a field read too early (the
    last keystrokes not in yet), never from a guess worth counting; ``str(err)`` is the
    translation key of the problem."""


def pin_problem(pin: str) -> str | None:
    """The translation key of what is wrong with a new PIN, or None."""
    if len(pin) < MIN_PIN_LENGTH:
        return "lock.error.too_short"
    if pin != pin.strip():
        return "lock.error.spaces"
    return None


class Vault:
    """The data key's slot and the store it opens. Thread-safe (one lock for every step)."""

    def __init__(self, data_dir: str | Path, scrypt_n: int = keyslot.SCRYPT_N,
                 now: Callable[[], float] = time.time):
        self.data_dir = Path(data_dir)
        self.db_path = self.data_dir / DB_NAME
        self.key_path = self.data_dir / KEY_FILE
        self.lockout = PinLockout(self.data_dir / BACKOFF_FILE, now)
        self.scrypt_n = scrypt_n
        self.store: Store | None = None
        self._lock = threading.Lock()

    @property
    def is_set_up(self) -> bool:
        """True once a PIN was chosen (the key file exists)."""
        return self.key_path.exists()

    def wait(self) -> float:
        """Seconds before the next PIN may be tried."""
        return self.lockout.remaining()

    def set_up(self, pin: str) -> Store:
        """First run: choose the PIN, make the data key, encrypt an older plain database."""
        problem = pin_problem(pin)
        if problem:
            raise ValueError(problem)
        with self._lock:
            if self.is_set_up:
                raise RuntimeError("a PIN was chosen already")
            key = keyslot.new_data_key()
            write_json(self.key_path, keyslot.wrap(key, pin, self.scrypt_n).to_json())
            return self._open(key)

    def unlock(self, pin: str) -> Store:
        """The store for the right PIN; ``WrongPin`` (with the wait it started), ``TooSoon``,
        or ``NotAPin`` (not counted)."""
        with self._lock:
            key = self._unwrap(pin)
            return self._open(key)

    def change_pin(self, old: str, new: str) -> None:
        """Wrap the same data key under a new PIN: the database is not touched."""
        problem = pin_problem(new)
        if problem:
            raise ValueError(problem)
        with self._lock:
            key = self._unwrap(old)
            write_json(self.key_path, keyslot.wrap(key, new, self.scrypt_n).to_json())

    def close(self) -> None:
        with self._lock:
            if self.store is not None:
                self.store.close()
                self.store = None

    def _unwrap(self, pin: str) -> bytes:
        problem = pin_problem(pin)  # every PIN was chosen through pin_problem
        if problem:
            raise NotAPin(problem)
        self.lockout.check()
        data = read_json(self.key_path)
        if data is None:
            raise RuntimeError("no PIN was chosen on this device yet")
        try:
            key = keyslot.unwrap(KeySlot.from_json(data), pin)
        except WrongPin:
            raise WrongPin(self.lockout.failed()) from None
        self.lockout.succeeded()
        return key

    def _open(self, key: bytes) -> Store:
        """The store under ``key``; without SQLCipher (storage class ``os``) a plain file that
        only the PIN gate and the operating system protect."""
        if self.store is None:
            if cipher.STORAGE == "os":
                self.store = Store(self.db_path)
                self.store.data_key = key  # the token stays behind the PIN all the same
            else:
                if cipher.is_plain(self.db_path):
                    cipher.encrypt_plain(self.db_path, key)
                self.store = Store(self.db_path, key)
            try:
                device_config.DeviceConfig.load(self.data_dir, key)  # seals a token in clear
            except (ValueError, TypeError, OSError):
                log.warning("device.json unreadable; sync asks to enroll again")
        return self.store
