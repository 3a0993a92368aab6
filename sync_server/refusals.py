"""How many refused changes each device holds set aside, as the device last reported it.

A device keeps a change the server refused until its worker corrects or discards it. After a
sync that changed that number it says so (``POST /v1/device/refused``), so that a team lead sees
per device, in Apparaten, who has refused work waiting. The count is the device's own, so it
drops when the worker resolves them. Kept in ``meta`` as ``refused:<device>`` (a number, no
personal data): no schema change; the latest report wins.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sync_server.store import ServerStore

PREFIX = "refused:"
MAX_COUNT = 10**9


def record(store: ServerStore, device: str, count: int) -> None:
    """Remember ``device``'s latest count."""
    store.put_meta(PREFIX + device, str(count))


def counts(store: ServerStore) -> dict[str, int]:
    """Device id → the refused changes it last reported (devices that never did: absent)."""
    return {device: int(value) for device, value in store.meta_under(PREFIX).items()}
