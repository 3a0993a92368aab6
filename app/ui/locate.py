"""The device's location for "plek vastleggen", through the ``flet-geolocator`` extension.

Permission is asked only when the worker taps the button (never at start). A refusal, a
switched-off location service or no fix within the time limit gives a translation key for a
plain message; the typed entry ("52.37, 4.89") stays the fallback either way.
"""

from __future__ import annotations

import asyncio

import flet_geolocator as ftg

TIMEOUT_S = 20.0
REFUSED = (ftg.GeolocatorPermissionStatus.DENIED, ftg.GeolocatorPermissionStatus.DENIED_FOREVER,
           ftg.GeolocatorPermissionStatus.UNABLE_TO_DETERMINE)


async def device_location() -> tuple[str | None, str | None]:
    """``("lat, lon", None)`` with five decimals (about a metre), or ``(None, error key)``."""
    geo = ftg.Geolocator()
    try:
        if await geo.request_permission() in REFUSED:
            return None, "contact.locate_refused"
        position = await asyncio.wait_for(geo.get_current_position(), TIMEOUT_S)
    except Exception:  # noqa: BLE001 - no service, no fix, no plugin: the same plain answer
        return None, "contact.locate_unavailable"
    return f"{position.latitude:.5f}, {position.longitude:.5f}", None
