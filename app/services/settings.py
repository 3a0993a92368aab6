"""This device's settings, kept in the store's meta: language, idle lock, server address.

Screens read and write them here instead of reaching into the store (``store.meta``).
"""

from __future__ import annotations

from app.store import Store, cipher

LANGUAGE = "language"
SERVER_URL = "server_url"
IDLE_META = "idle_lock_minutes"
IDLE_DEFAULT = 5.0
IDLE_CHOICES = (1, 2, 5, 10, 30)
"""Minutes of no use after which a session locks (a setting in Sync & settings)."""
"""Minutes of no use after which a session locks, unless the worker chose otherwise."""


def language(store: Store) -> str | None:
    """The language the worker chose (None: never chosen, the app's default)."""
    return store.meta(LANGUAGE)


def save_language(store: Store, code: str) -> None:
    store.set_meta(LANGUAGE, code)


def server_url(store: Store) -> str:
    """The server this device was enrolled with ("" before an enrollment)."""
    return store.meta(SERVER_URL) or ""


def save_server_url(store: Store, url: str) -> None:
    store.set_meta(SERVER_URL, url.strip())


def idle_minutes(store: Store) -> float:
    """The idle time of this device; a bad value falls back to the default."""
    try:
        minutes = float(store.meta(IDLE_META) or IDLE_DEFAULT)
    except ValueError:
        return IDLE_DEFAULT
    return minutes if minutes > 0 else IDLE_DEFAULT


def save_idle_minutes(store: Store, minutes: float) -> None:
    store.set_meta(IDLE_META, str(minutes))


def device_short(store: Store) -> str:
    """The first characters of this device's id: enough to tell devices apart on screen."""
    return store.device[:8]


def encrypted_storage() -> bool:
    """Whether this build seals the database itself (SQLCipher), or leaves it to the phone's
    own encryption: the settings screen explains which."""
    return cipher.STORAGE == "sqlcipher"
