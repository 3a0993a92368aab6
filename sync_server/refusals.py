"""How many refused changes each device holds set aside, as the device last reported it.

A device keeps a change the server refused until its worker corrects or discards it. After a
sync that changed that number it says so (``POST /v1/device/refused``), so that a team lead sees
per device, in Apparaten, who has refused work waiting. The count is the device's own, so it
drops when the worker resolves them. Kept in ``meta`` as ``refused:<device>`` (a number, no
personal data): no schema change; the latest report wins.
"""

from __future__ import annotations

from typing import Any

PREFIX = "refused:"
MAX_COUNT = 10**9


def record(store: Any, device: str, count: int) -> None:
    """Remember ``device``'s latest count (``store`` is a ``ServerStore``)."""
    with store._write() as db:
        db.execute("INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET "
                   "value = excluded.value", (PREFIX + device, str(count)))


def counts(store: Any) -> dict[str, int]:
    """Device id → the refused changes it last reported (devices that never did: absent)."""
    with store._read() as db:
        rows = db.execute("SELECT key, value FROM meta WHERE key LIKE ?", (PREFIX + "%",))
        return {key[len(PREFIX):]: int(value) for key, value in rows}
