"""The idle time after which a session locks: one device setting, read by the lock and by the
phone's lifecycle (time away counts as idle)."""

from __future__ import annotations

from app.store import Store

IDLE_META = "idle_lock_minutes"
IDLE_DEFAULT = 5.0
IDLE_CHOICES = (1, 2, 5, 10, 30)
"""Minutes of no use after which a session locks (a setting in Sync & settings)."""


def idle_minutes(store: Store) -> float:
    """The idle time of this device; a bad value falls back to the default."""
    try:
        minutes = float(store.meta(IDLE_META) or IDLE_DEFAULT)
    except ValueError:
        return IDLE_DEFAULT
    return minutes if minutes > 0 else IDLE_DEFAULT
